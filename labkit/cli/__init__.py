"""The `labkit` command: argparse subcommands, `--json` for machines, exit 0 ok / 1 problem / 2 usage."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from labkit.cli import diagrams as diagrams_cli
from labkit.cli import grading as cli_grading
from labkit.cli import ops as cli_ops
from labkit.cli import rules as cli_rules
from labkit.data import course_root
from labkit.errors import LabkitError

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
FIRST_NOTEBOOK = Path("notebooks") / "00_start_here.ipynb"


def _cmd_doctor(args: argparse.Namespace) -> int:
    from labkit.lab.doctor import doctor

    report = doctor()
    if args.json:
        print(json.dumps([c.__dict__ for c in report.checks], indent=2))
    else:
        print(report)
    return EXIT_OK if report.ok else EXIT_PROBLEM


def _cmd_lab(args: argparse.Namespace, extra: list[str]) -> int:
    root = course_root()
    notebook = root / FIRST_NOTEBOOK
    if not notebook.exists():
        print(f"labkit lab: {FIRST_NOTEBOOK} not found under {root.name}/; run it from a clone of the course "
              "(`make lab` in the repository).", file=sys.stderr)
        return EXIT_PROBLEM
    os.environ.setdefault("LABKIT_MODE", "mock")
    argv = [sys.executable, "-m", "jupyter", "lab", str(FIRST_NOTEBOOK), "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.root_dir={root}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        argv.append("--allow-root")
    argv += extra
    os.chdir(root)
    os.execv(sys.executable, argv)
    return EXIT_OK  # not reached: execv replaces this process


def build_parser() -> argparse.ArgumentParser:
    """All subcommands; each one's help says what it does in one line."""
    parser = argparse.ArgumentParser(prog="labkit", description="Fargate Lab Kit: learn AWS Fargate by doing.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("doctor", help="check this machine for the course and say how to fix what is missing")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    cli_rules.add_price_parser(sub)
    cli_rules.add_validate_parser(sub)
    diagrams_cli.add_parser(sub)
    cli_grading.add_grade_parser(sub)
    cli_grading.add_student_parser(sub)
    cli_ops.add_server_parser(sub)
    cli_ops.add_teardown_parser(sub)

    sub.add_parser("lab", help="open JupyterLab on the first notebook (mock mode); extra options go to jupyter",
                   add_help=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `labkit` console command."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv and argv[0] == "lab":
        args, extra = parser.parse_known_args(argv)
        return _cmd_lab(args, extra)
    args = parser.parse_args(argv)
    handlers = {"doctor": _cmd_doctor, "price": cli_rules.run_price, "validate": cli_rules.run_validate,
                "diagrams": diagrams_cli.run, "grade": cli_grading.run_grade, "student": cli_grading.run_student,
                "server": cli_ops.run_server, "teardown": cli_ops.run_teardown}
    try:
        return handlers[args.command](args)
    except LabkitError as err:
        print(f"labkit {args.command}: {err}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        print(f"labkit {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
