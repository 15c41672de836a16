"""`labkit price`: what Fargate tasks cost, line by line, from labkit's dated rates."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from labkit.cli.exit_codes import EXIT_OK, EXIT_USAGE
from labkit.errors import InvalidInput


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
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


def run(args: argparse.Namespace) -> int:
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
