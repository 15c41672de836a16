"""`labkit diagrams [--out DIR] [--check]`: redraw the static diagrams, or check the committed ones."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from labkit.cli.exit_codes import EXIT_OK, EXIT_PROBLEM


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit diagrams [--out DIR] [--check]`."""
    p = subparsers.add_parser("diagrams", help="redraw the DOT and SVG of each static diagram into diagrams/")
    p.add_argument(
        "--out", type=Path, default=None, help="folder to write to (default: the course's diagrams/)"
    )
    p.add_argument(
        "--check", action="store_true", help="exit 1 if a committed diagram differs from the code's"
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Redraw (needs Graphviz) or, with --check, compare the committed files with the code (no Graphviz)."""
    from labkit.diagrams import static as diagrams

    if args.check:
        problems = diagrams.check_static(args.out)
        for line in problems:
            print(f"labkit diagrams: {line}", file=sys.stderr)
        if problems:
            print("labkit diagrams: run `make diagrams` and commit the result.", file=sys.stderr)
        return EXIT_PROBLEM if problems else EXIT_OK
    changed = diagrams.write_static(args.out)
    print("\n".join(changed) if changed else "diagrams are up to date")
    return EXIT_OK
