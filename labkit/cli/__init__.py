"""The `labkit` command: argparse subcommands, `--json` for machines, exit 0 ok / 1 problem / 2 usage.

Each subcommand is a module of this package with `add_parser(subparsers)` and `run(args)`; `SUBCOMMANDS` lists
them in the order `labkit --help` shows them. A module that sets `passes_options_on` (`labkit lab`) gets the
options it does not know in `args.options`; for every other one they are a usage error.
"""

from __future__ import annotations

import argparse
import sys
from types import ModuleType

from labkit.cli import (
    class_link,
    classroom,
    diagrams,
    doctor,
    grade,
    lab,
    preload,
    price,
    server,
    student,
    teardown,
    validate,
)
from labkit.cli.exit_codes import EXIT_PROBLEM
from labkit.errors import LabkitError

SUBCOMMANDS: tuple[ModuleType, ...] = (doctor, price, validate, diagrams, grade, classroom, student, class_link,
                                       server, teardown, preload, lab)
INTERRUPTED = 130  # the shell's status for a command stopped by Ctrl-C


def build_parser() -> argparse.ArgumentParser:
    """All subcommands; each one's help says what it does in one line."""
    parser = argparse.ArgumentParser(prog="labkit", description="Fargate Lab Kit: learn AWS Fargate by doing.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in SUBCOMMANDS:
        module.add_parser(sub).set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `labkit` console command and of `python -m labkit.cli`."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if getattr(args, "passes_options_on", False):
        args.options = unknown
    elif unknown:
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    try:
        return args.run(args)
    except LabkitError as err:
        print(f"labkit {args.command}: {err}", file=sys.stderr)
        return EXIT_PROBLEM
    except KeyboardInterrupt:
        print(f"labkit {args.command}: interrupted", file=sys.stderr)
        return INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
