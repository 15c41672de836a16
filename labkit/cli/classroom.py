"""`labkit classroom NOTEBOOK`: GitHub Classroom autograding tests for an assignment, one per exercise."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from labkit.cli.exit_codes import EXIT_OK


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit classroom NOTEBOOK [--out FILE] [--repo-path PATH]`."""
    p = subparsers.add_parser("classroom", help="write GitHub Classroom autograding tests for an assignment "
                                                "(nbval, points per exercise)")
    p.add_argument("notebook", type=Path,
                   help="the assignment's student copy, e.g. notebooks/assignments/capstone.ipynb")
    p.add_argument("--out", type=Path, help="where to write it, e.g. .github/classroom/autograding.json "
                                            "(default: print it)")
    p.add_argument("--repo-path", help="the notebook's path in the students' repository (default: as given)")
    return p


def run(args: argparse.Namespace) -> int:
    """Print or write the autograding.json for the assignment."""
    from labkit.course.grading.classroom import autograding_json

    text = autograding_json(args.notebook, args.repo_path)
    if args.out is None:
        print(text, end="")
        return EXIT_OK
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return EXIT_OK
