"""`labkit doctor`: check this machine for the course and say how to fix what is missing."""

from __future__ import annotations

import argparse
import json
from typing import Any

from labkit.cli.exit_codes import EXIT_OK, EXIT_PROBLEM


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit doctor [--json]`."""
    p = subparsers.add_parser("doctor", help="check this machine for the course and say how to fix what is missing")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def run(args: argparse.Namespace) -> int:
    """Print every check (text or JSON); exit 1 if one of them failed."""
    from labkit.lab.doctor import doctor

    report = doctor()
    if args.json:
        print(json.dumps([c.__dict__ for c in report.checks], indent=2))
    else:
        print(report)
    return EXIT_OK if report.ok else EXIT_PROBLEM
