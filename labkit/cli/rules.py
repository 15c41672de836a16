"""`labkit price` and `labkit validate`: the pricing and rules engines on the command line.

Exit status follows labkit's CLI: 0 ok, 1 a problem found (Fargate would refuse), 2 usage or unreadable input.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from labkit.errors import InvalidInput
from labkit.model.rules import problems

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2


def add_price_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit price`: a Fargate cost breakdown from the dated rates."""
    p = subparsers.add_parser("price", help="what Fargate tasks cost, line by line, from dated rates",
                              description="What Fargate tasks cost: vCPU, memory, OS licence and storage, "
                                          "with the billing minimum, from labkit's dated rates.")
    p.add_argument("--cpu", type=float, required=True, help="vCPUs per task, e.g. 0.25, 1, 4")
    p.add_argument("--memory", type=float, required=True, help="memory per task in GB, e.g. 0.5, 2")
    p.add_argument("--hours", type=float, default=None, help="hours each task runs (default: a month)")
    p.add_argument("--seconds", type=float, default=None, help="seconds each task runs (instead of --hours)")
    p.add_argument("--tasks", type=int, default=1, help="number of tasks (default 1)")
    p.add_argument("--region", default="us-east-1", help="AWS region (default us-east-1)")
    p.add_argument("--arch", default="X86_64", help="X86_64 (default) or ARM64")
    p.add_argument("--os", default="LINUX", help="LINUX (default) or WINDOWS")
    p.add_argument("--spot", action="store_true", help="Fargate Spot prices (Linux on ECS only)")
    p.add_argument("--storage", type=float, default=None,
                   help="ephemeral storage per task in GB (the first 20 GB are free)")
    p.add_argument("--savings-plan", type=float, default=0, metavar="PCT",
                   help="Compute Savings Plan discount in percent")
    p.add_argument("--platform", default="ECS", help="ECS (default) or EKS")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def run_price(args: argparse.Namespace) -> int:
    """Print the cost breakdown; bad input is a usage error (exit 2) with the reason on stderr."""
    from labkit.data import facts
    from labkit.model.pricing import fargate_cost

    try:
        if args.hours is not None and args.seconds is not None:
            raise InvalidInput("give --hours or --seconds, not both.")
        if args.seconds is not None:
            seconds = args.seconds
        else:
            hours = facts()["billing"]["hours_per_month"] if args.hours is None else args.hours
            seconds = hours * 3600
        kwargs: dict[str, Any] = {}
        if args.storage is not None:
            kwargs["ephemeral_gb"] = args.storage
        cost = fargate_cost(args.cpu, args.memory, seconds, tasks=args.tasks, region=args.region,
                            arch=args.arch, os=args.os, spot=args.spot, savings_plan_pct=args.savings_plan,
                            platform=args.platform, **kwargs)
    except InvalidInput as err:
        print(f"labkit price: {err}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(cost.to_dict(), indent=2))
    else:
        print(cost)
    return EXIT_OK


def add_validate_parser(subparsers: Any) -> argparse.ArgumentParser:
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


def run_validate(args: argparse.Namespace) -> int:
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
