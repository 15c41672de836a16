"""`labkit validate FILE`: would Fargate accept this task definition? Exit 1 if it would refuse it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from labkit.cli.exit_codes import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE
from labkit.errors import InvalidInput
from labkit.model.rules import problems


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit validate FILE`: would Fargate accept this task definition?"""
    p = subparsers.add_parser("validate", help="say whether Fargate would accept a task definition JSON file",
                              description="Check a task definition (register-task-definition input, or "
                                          "describe-task-definition output) against Fargate's rules.")
    p.add_argument("file", help="task definition JSON file ('-' reads standard input)")
    p.add_argument("--launch-type", default="FARGATE",
                   help="FARGATE (default) checks every Fargate rule; EC2 checks them only when "
                        "requiresCompatibilities lists FARGATE")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def _read(name: str) -> Any:
    if name == "-":
        text = sys.stdin.read()
        where = "standard input"
    else:
        path = Path(name)
        where = name
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as err:
            raise InvalidInput(f"{name}: no such file.") from err
        except IsADirectoryError as err:
            raise InvalidInput(f"{name} is a directory; give a task definition JSON file.") from err
        except (OSError, UnicodeDecodeError) as err:
            raise InvalidInput(f"{name} cannot be read as UTF-8 text ({err.__class__.__name__}).") from err
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        where_err = f"line {err.lineno}, column {err.colno}"
        raise InvalidInput(f"{where} is not valid JSON: {err.msg} at {where_err}.") from err


def run(args: argparse.Namespace) -> int:
    """Print each problem (AWS's message and labkit's hint); exit 1 if Fargate would refuse, 0 if not."""
    try:
        found = problems(_read(args.file), launch_type=args.launch_type)
    except InvalidInput as err:
        print(f"labkit validate: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps({"accepted": not found, "problems": [p.__dict__ for p in found]}, indent=2))
    elif not found:
        print("Fargate would accept this task definition.")
    else:
        count = f"{len(found)} problem" + ("s" if len(found) > 1 else "")
        print(f"Fargate would refuse this task definition ({count}):")
        for p in found:
            print(f"- {p.code}: {p.message}\n    {p.field}: {p.hint}")
    return EXIT_PROBLEM if found else EXIT_OK
