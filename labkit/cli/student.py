"""`labkit student`: write the student copies of the assignments (solutions and hidden checks removed)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from labkit.cli.exit_codes import EXIT_OK, EXIT_PROBLEM
from labkit.course.student import SOURCE_DIR, STUDENT_DIR, stale_student_copies, write_student_copies
from labkit.data import course_root


def _default_dir(relative: Path) -> Path:
    """`relative` under the current folder when there, else under the course labkit was installed from."""
    here = Path.cwd() / relative
    return here if here.exists() else course_root() / relative


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit student [--source DIR] [--out DIR] [--check]`."""
    p = subparsers.add_parser("student", help="write student copies of the assignments (solutions and hidden "
                                              "checks removed)")
    p.add_argument("--source", type=Path, help="instructor notebooks (default: assignments/source)")
    p.add_argument("--out", type=Path, help="where student copies go (default: notebooks/assignments)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if a copy is missing or stale")
    return p


def run(args: argparse.Namespace) -> int:
    """Write every copy (printing each path), or with --check list the stale ones and exit 1 if any."""
    source = args.source or _default_dir(SOURCE_DIR)
    out = args.out or _default_dir(STUDENT_DIR)
    if args.check:
        stale = stale_student_copies(source, out)
        for path in stale:
            print(f"stale or missing student copy: {path} (run `make student`)")
        return EXIT_PROBLEM if stale else EXIT_OK
    for path in write_student_copies(source, out):
        print(f"wrote {path}")
    return EXIT_OK
