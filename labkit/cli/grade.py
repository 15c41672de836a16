"""`labkit grade PATH`: grade a submitted notebook, or a folder of them, in fresh kernels, with reports."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from labkit.cli.exit_codes import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit grade PATH [--reference SOURCE] [--timeout S] [--out FILE] [--json] [--workers N]`."""
    p = subparsers.add_parser("grade", help="grade a submitted notebook, or a folder of them, in fresh kernels")
    p.add_argument("path", type=Path, help="a submission .ipynb, or a folder of submissions")
    p.add_argument("--reference", type=Path, help="the instructor source (default: found by assignment)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds allowed per cell (default: the grader's own per-cell timeout)")
    p.add_argument("--out", type=Path, help="gradebook to write (.csv or .json); feedback/ goes beside it")
    p.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    return p


def run(args: argparse.Namespace) -> int:
    """Grade, write the gradebook if asked, and print the report (Markdown, JSON, or one line each)."""
    from labkit.course import grading

    grading.skip_slow_imports()
    if args.timeout is None:
        args.timeout = grading.DEFAULT_TIMEOUT
    if args.timeout <= 0 or args.workers < 1:
        print("labkit grade: --timeout must be above 0 and --workers at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.path.is_dir():
        paths = grading.find_submissions(args.path)
        if not paths:
            print(f"labkit grade: no .ipynb files in {args.path}", file=sys.stderr)
            return EXIT_PROBLEM
        labels = [p.relative_to(args.path).as_posix() for p in paths]
        reports = grading.grade_many(paths, args.reference, timeout=args.timeout, workers=args.workers, labels=labels)
    elif args.path.exists():
        reports = [grading.grade(args.path, args.reference, timeout=args.timeout)]
    else:
        print(f"labkit grade: {args.path} does not exist", file=sys.stderr)
        return EXIT_USAGE
    if args.out:
        for path in grading.write_gradebook(reports, args.out):
            print(f"wrote {path}", file=sys.stderr)
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], indent=1, sort_keys=True))
    elif len(reports) == 1:
        print(reports[0].to_markdown())
    else:
        for r in reports:
            print(f"{r.submission}: {r.score:g} / {r.points:g}")
    return EXIT_OK
