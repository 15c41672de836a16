"""`labkit grade PATH`: grade a submitted notebook, or a folder of them, in fresh kernels; hand back feedback.

Besides the report it writes what an instructor hands on: the gradebook (`--out`), each learner's feedback as
Markdown and HTML (`--feedback`), a Canvas gradebook import (`--canvas`, matched to `--roster`), and the class
report (`--report`). For one submission it can instead write the notebook the grader runs (`--merged`) or run it
under strict nbval (`--nbval`).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from labkit.cli.exit_codes import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit grade PATH [--reference SOURCE] [--out FILE] [--feedback DIR] [--canvas FILE] ...`."""
    p = subparsers.add_parser("grade", help="grade a submitted notebook, or a folder of them, in fresh kernels")
    p.add_argument("path", type=Path, help="a submission .ipynb, or a folder of submissions")
    p.add_argument("--reference", type=Path, help="the instructor source (default: found by assignment)")
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds allowed per cell (default: the grader's own per-cell timeout)")
    p.add_argument("--out", type=Path, help="gradebook to write (.csv or .json); feedback/ goes beside it")
    p.add_argument("--feedback", type=Path, metavar="DIR",
                   help="write each learner's feedback into DIR, as Markdown and as an HTML page")
    p.add_argument("--canvas", type=Path, metavar="FILE", help="write a Canvas gradebook import (CSV)")
    p.add_argument("--roster", type=Path, metavar="FILE",
                   help="Canvas's gradebook export: who each submission is (matched by SIS Login ID, SIS User ID, "
                        "ID or name against the submission's folder or file name)")
    p.add_argument("--canvas-column", metavar="NAME",
                   help='the Canvas assignment column, e.g. "Capstone (1234)" (default: from the roster, else the '
                        "assignment's name, which Canvas makes a new assignment of)")
    p.add_argument("--report", type=Path, metavar="FILE",
                   help="write the class report (Markdown) and its score histogram (SVG beside it)")
    p.add_argument("--workers", type=int, default=2, help="submissions graded at once (default 2)")
    p.add_argument("--public", action="store_true",
                   help="public checks only, as a learner's labkit.check_submission() runs them")
    p.add_argument("--merged", type=Path, metavar="FILE",
                   help="one submission: write the notebook the grader runs (hidden checks in) for nbval, and stop")
    p.add_argument("--nbval", action="store_true",
                   help="one submission: run that notebook under pytest --nbval-lax --labkit-strict instead")
    p.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    return p


def _usage_error(args: argparse.Namespace) -> str | None:
    """What is wrong with the command line before anything runs, or None."""
    if args.timeout <= 0 or args.workers < 1:
        return "--timeout must be above 0 and --workers at least 1"
    if not args.path.exists():
        return f"{args.path} does not exist"
    if (args.merged or args.nbval) and args.path.is_dir():
        return "--merged and --nbval take one submission .ipynb, not a folder"
    if args.merged and args.nbval:
        return "choose one of --merged (write the notebook) and --nbval (run it)"
    if (args.roster or args.canvas_column) and not args.canvas:
        return "--roster and --canvas-column go with --canvas FILE"
    if args.reference and not args.reference.is_file():
        return f"the reference {args.reference} does not exist"
    return None


def _nbval(args: argparse.Namespace) -> int:
    from labkit.course.grading import strict_nbval

    if args.merged:
        path = strict_nbval.write_merged(args.path, args.merged, args.reference)
        print(f"wrote {path}: run it with pytest --nbval-lax --nbval-current-env --labkit-strict {path}",
              file=sys.stderr)
        return EXIT_OK
    code, output = strict_nbval.run_nbval(args.path, args.reference, args.timeout)
    print(output, end="")
    return EXIT_OK if code == 0 else EXIT_PROBLEM


def _write(args: argparse.Namespace, reports: list[Any]) -> None:
    """Write every file asked for, saying each path on stderr."""
    from labkit.course import grading
    from labkit.course.grading.classreport import write_class_report

    written: list[Path] = []
    if args.out:
        written += grading.write_gradebook(reports, args.out, args.feedback)
    elif args.feedback:
        written += grading.write_feedback(reports, args.feedback)
    if args.canvas:
        unmatched = grading.write_canvas(reports, args.canvas, args.roster, args.canvas_column)
        written.append(args.canvas)
        for submission in unmatched:
            print(f"labkit grade: {submission} matches no one on the roster: left out of {args.canvas}",
                  file=sys.stderr)
    if args.report:
        written += write_class_report(reports, args.report)
    for path in written:
        print(f"wrote {path}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Grade, write what was asked for, and print the report (Markdown, JSON, or one line each)."""
    from labkit.course import grading

    grading.skip_slow_imports()
    if args.timeout is None:
        args.timeout = grading.DEFAULT_TIMEOUT
    problem = _usage_error(args)
    if problem:
        print(f"labkit grade: {problem}", file=sys.stderr)
        return EXIT_USAGE
    if args.merged or args.nbval:
        return _nbval(args)
    if args.path.is_dir():
        paths = grading.find_submissions(args.path)
        if not paths:
            print(f"labkit grade: no .ipynb files in {args.path}", file=sys.stderr)
            return EXIT_PROBLEM
        labels = [p.relative_to(args.path).as_posix() for p in paths]
        reports = grading.grade_many(paths, args.reference, timeout=args.timeout, workers=args.workers,
                                     labels=labels, public=args.public)
    else:
        reports = [grading.grade(args.path, args.reference, timeout=args.timeout, public=args.public)]
    _write(args, reports)
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], indent=1, sort_keys=True))
    elif len(reports) == 1:
        print(reports[0].to_markdown())
    else:
        for r in reports:
            print(f"{r.submission}: {r.score:g} / {r.points:g}")
    return EXIT_OK
