"""`labkit student` and `labkit grade`: student copies for instructors, and grading with reports."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from labkit.data import course_root

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def _default_dir(relative: Path) -> Path:
    """`relative` under the current folder when there, else under the course labkit was installed from."""
    here = Path.cwd() / relative
    return here if here.exists() else course_root() / relative


def add_student_parser(sub: Any) -> None:
    """`labkit student [--source DIR] [--out DIR] [--check]`."""
    p = sub.add_parser("student", help="write student copies of the assignments (solutions and hidden "
                                       "checks removed)")
    p.add_argument("--source", type=Path, help="instructor notebooks (default: assignments/source)")
    p.add_argument("--out", type=Path, help="where student copies go (default: notebooks/assignments)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if a copy is missing or stale")


def run_student(args: argparse.Namespace) -> int:
    from labkit.course.student import SOURCE_DIR, STUDENT_DIR, stale_student_copies, write_student_copies

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


def add_grade_parser(sub: Any) -> None:
    """`labkit grade PATH [--reference SOURCE] [--timeout S] [--out FILE] [--json] [--workers N]`."""
    from labkit.course.grading import DEFAULT_TIMEOUT

    p = sub.add_parser("grade", help="grade a submitted notebook, or a folder of them, in fresh kernels")
    p.add_argument("path", type=Path, help="a submission .ipynb, or a folder of submissions")
    p.add_argument("--reference", type=Path, help="the instructor source (default: found by assignment)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT, help="seconds allowed per cell")
    p.add_argument("--out", type=Path, help="gradebook to write (.csv or .json); feedback/ goes beside it")
    p.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--json", action="store_true", help="print JSON instead of Markdown")


def run_grade(args: argparse.Namespace) -> int:
    from labkit.course.grading import find_submissions, grade, grade_many, skip_slow_imports, write_gradebook

    skip_slow_imports()

    if args.timeout <= 0 or args.workers < 1:
        print("labkit grade: --timeout must be above 0 and --workers at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.path.is_dir():
        paths = find_submissions(args.path)
        if not paths:
            print(f"labkit grade: no .ipynb files in {args.path}", file=sys.stderr)
            return EXIT_PROBLEM
        labels = [p.relative_to(args.path).as_posix() for p in paths]
        reports = grade_many(paths, args.reference, timeout=args.timeout, workers=args.workers, labels=labels)
    elif args.path.exists():
        reports = [grade(args.path, args.reference, timeout=args.timeout)]
    else:
        print(f"labkit grade: {args.path} does not exist", file=sys.stderr)
        return EXIT_USAGE
    if args.out:
        for path in write_gradebook(reports, args.out):
            print(f"wrote {path}", file=sys.stderr)
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], indent=1, sort_keys=True))
    elif len(reports) == 1:
        print(reports[0].to_markdown())
    else:
        for r in reports:
            print(f"{r.submission}: {r.score:g} / {r.points:g}")
    return EXIT_OK
