"""`labkit teardown`: remove what a lab made in AWS, found by its tags, from any process.

`labkit teardown --lab ID` finds what a lab made by its tags (from a new kernel, a terminal, CI) and removes it
in dependency order; `--all` takes every lab of the course; `--dry-run` lists instead of removing. Against a
`labkit server` (`--endpoint-url`), waiters wait in the server's simulated time.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from labkit.cli.exit_codes import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE
from labkit.errors import GuardrailError
from labkit.model.units import short_name


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit teardown`: remove everything a lab (or every lab) made, found by its tags."""
    p = subparsers.add_parser(
        "teardown", help="remove what a lab made in AWS, found by its tags (--dry-run lists it)",
        description="Remove everything a labkit lab made in your AWS account, found by its tags "
                    "(labkit:lab=ID, or labkit:course=fargate-lab-kit with --all), in dependency order: services, "
                    "tasks, clusters, task definitions, ECR repositories, log groups, security groups, subnets, "
                    "VPCs, IAM roles. Safe to repeat.")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--lab", metavar="ID", help="the lab id (shown when the lab connected)")
    which.add_argument("--all", action="store_true", help="every lab of this course in the account and region")
    p.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    p.add_argument("--region", default=None, help="AWS region (default: your AWS configuration, else us-east-1)")
    p.add_argument("--profile", default=None, help="AWS profile to use (default: your AWS configuration)")
    p.add_argument("--endpoint-url", default=None, metavar="URL",
                   help="send the calls to this endpoint instead of AWS (a `labkit server`)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return p


def _teardown_session(args: argparse.Namespace) -> Any:
    import boto3
    from botocore.exceptions import BotoCoreError

    from labkit.lab.session import DUMMY_CREDENTIALS

    try:
        session = boto3.Session(profile_name=args.profile)
        credentials = session.get_credentials()
    except BotoCoreError as err:
        raise GuardrailError(f"could not read AWS credentials ({err}); run `aws configure` or pass --profile.") from err
    if credentials is None:
        if not args.endpoint_url:
            raise GuardrailError("no AWS credentials found: run `aws configure` (or set AWS_PROFILE, or pass "
                                 "--profile) and try again. Nothing was removed.")
        session = boto3.Session(**DUMMY_CREDENTIALS)  # a `labkit server` accepts any credentials
    return session


def run(args: argparse.Namespace) -> int:
    """Tear down by tag and print what was removed (or, with --dry-run, what would be); 1 if anything is left."""
    from botocore.exceptions import BotoCoreError, ClientError

    from labkit.lab.guardrails import masked_account
    from labkit.lab.tagging import LAB_ID_PATTERN
    from labkit.lab.teardown import teardown_by_tag

    if args.lab is not None and (not LAB_ID_PATTERN.match(args.lab) or args.lab == "all"):
        print(f"labkit teardown: --lab {args.lab!r} is not a lab id; give the id the lab showed when it "
              "connected (lower-case letters, digits, dashes), or --all.", file=sys.stderr)
        return EXIT_USAGE
    session = _teardown_session(args)
    region = args.region or session.region_name or "us-east-1"
    clients: dict[str, Any] = {}

    def client(name: str) -> Any:
        if name not in clients:
            clients[name] = session.client(name, region_name=region, endpoint_url=args.endpoint_url)
        return clients[name]

    try:
        account = client("sts").get_caller_identity()["Account"]
        _wait_in_server_time(args.endpoint_url, account, clients, client)
        report = teardown_by_tag(client, None if args.all else args.lab, dry_run=args.dry_run)
    except (BotoCoreError, ClientError) as err:
        raise GuardrailError(f"AWS refused or could not be reached ({err}); check your credentials with "
                             "`aws sts get-caller-identity`.") from err
    which = "every labkit lab" if args.all else f"lab {args.lab}"
    if args.json:
        print(json.dumps({"lab": report.lab_id, "account": masked_account(account), "region": region,
                          "dry_run": report.dry_run, "removed": [list(r) for r in report.removed],
                          "problems": list(report.problems)}, indent=2))
    else:
        print(f"Account {masked_account(account)}, region {region}: {which}.")
        print(report)
        if report.dry_run:
            for kind, name in report.removed:
                print(f"  {kind}: {short_name(name)}")
            if report.removed:
                print("Nothing was removed (dry run); run again without --dry-run to remove these.")
    return EXIT_OK if report.ok else EXIT_PROBLEM


def _wait_in_server_time(endpoint_url: str | None, account: str, clients: dict[str, Any],
                         client: Any) -> None:
    """Against a `labkit server`, waiters (tasks stopping) wait in its simulated time, as local-mode labs do."""
    if not endpoint_url:
        return
    from labkit.lab.local import HttpControl
    from labkit.mock import waiters as mock_waiters
    from labkit.mock.clock import RemoteClock

    control = HttpControl(endpoint_url)
    if not control.ping():
        return  # some other endpoint: wait in real time
    mock_waiters.install()
    clock = RemoteClock(lambda: control.clock(account), lambda seconds: control.advance(account, seconds))
    for name in ("ecs", "ec2", "ecr", "logs", "iam"):
        client(name)._labkit_clock = clock
