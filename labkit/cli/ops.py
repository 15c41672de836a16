"""`labkit teardown` and `labkit server`: real mode's clean-up and local mode's server, from a terminal.

`labkit teardown --lab ID` finds what a lab made by its tags, from any process (a new kernel, a terminal, CI),
and removes it in dependency order; `--dry-run` lists it instead. `labkit server` runs labkit's local mock Fargate
on 127.0.0.1 and prints how to point the AWS CLI at it. Exit status: 0 ok, 1 a problem, 2 usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from labkit.model.units import short_name

EXIT_OK, EXIT_PROBLEM, EXIT_USAGE = 0, 1, 2
DUMMY_KEY = "testing"  # a local server accepts any credentials; this is what moto's docs use


# --- teardown ---------------------------------------------------------------------------------------------------
def add_teardown_parser(subparsers: Any) -> argparse.ArgumentParser:
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

    from labkit.errors import GuardrailError

    try:
        session = boto3.Session(profile_name=args.profile)
        credentials = session.get_credentials()
    except BotoCoreError as err:
        raise GuardrailError(f"could not read AWS credentials ({err}); run `aws configure` or pass --profile.") from err
    if credentials is None:
        if not args.endpoint_url:
            raise GuardrailError("no AWS credentials found: run `aws configure` (or set AWS_PROFILE, or pass "
                                 "--profile) and try again. Nothing was removed.")
        session = boto3.Session(aws_access_key_id=DUMMY_KEY, aws_secret_access_key=DUMMY_KEY)
    return session


def run_teardown(args: argparse.Namespace) -> int:
    """Tear down by tag and print what was removed (or, with --dry-run, what would be); 1 if anything is left."""
    from botocore.exceptions import BotoCoreError, ClientError

    from labkit.errors import GuardrailError
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


# --- server -----------------------------------------------------------------------------------------------------
def add_server_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit server`: local mode's mock Fargate on 127.0.0.1, for the AWS CLI beside a notebook."""
    p = subparsers.add_parser(
        "server", help="run the local mock Fargate on 127.0.0.1 for the AWS CLI and labkit.connect('local')",
        description="Run labkit's mock Fargate as a server on 127.0.0.1 (never on other interfaces), with the "
                    "same Fargate rules and service scheduling as mock mode. Ctrl-C stops it.")
    p.add_argument("--port", type=int, default=None,
                   help="port to listen on (default: the one labkit.connect('local') looks at; 0 picks a free one)")
    return p


def server_banner(url: str, region: str = "us-east-1") -> str:
    """What `labkit server` prints: the endpoint, and the settings the AWS CLI and a notebook need to use it."""
    return "\n".join([
        f"labkit server: mock Fargate listening on {url} (this machine only). Ctrl-C stops it.",
        "",
        "AWS CLI, in a terminal:",
        f"  export AWS_ACCESS_KEY_ID={DUMMY_KEY} AWS_SECRET_ACCESS_KEY={DUMMY_KEY} AWS_DEFAULT_REGION={region}",
        f"  aws --endpoint-url {url} ecs list-clusters",
        "",
        "Notebook:",
        f"  lab = labkit.connect(mode=\"local\", endpoint_url=\"{url}\", shared_account=True)",
        "",
        "The AWS CLI sees moto's default account 123456789012; a lab shows its resources to the CLI when it is",
        "connected with shared_account=True.",
    ])


def run_server(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C (exit 0); a port in use is a problem (exit 1) whose message names a free port."""
    from labkit.mock import server

    if args.port is None:
        args.port = server.DEFAULT_PORT
    if not 0 <= args.port <= 65535:
        print(f"labkit server: --port {args.port} is not a port; give 1-65535, or 0 for any free port.",
              file=sys.stderr)
        return EXIT_USAGE
    busy = server.port_in_use(args.port) if args.port else False
    if busy:
        free = server.free_port()
        print(f"labkit server: port {args.port} on 127.0.0.1 is already in use (another labkit server, or another "
              f"program). Use a free one: labkit server --port {free}", file=sys.stderr)
        return EXIT_PROBLEM
    handle = server.start_server(port=args.port)
    try:
        print(server_banner(handle.url), flush=True)
        server.serve_forever(handle)
    except KeyboardInterrupt:
        pass
    finally:
        handle.stop()
    print("labkit server: stopped.", flush=True)
    return EXIT_OK


# --- lesson costs (the README's real-mode table) ------------------------------------------------------------------
def lesson_costs_markdown(region: str = "us-east-1") -> str:
    """The README's table of what each lesson costs for real, computed from labkit.pricing."""
    from labkit.course.lessons import lesson_costs
    from labkit.data import facts
    from labkit.model.pricing import rates

    rows = lesson_costs(region)
    lines = ["| Lesson | What runs for real | Fargate cost |", "|---|---|---|"]
    lines += [f"| `{row.lesson}` | {row.description} | {row.cost_text} |" for row in rows]
    total = sum(row.total for row in rows)
    lines.append(f"| **all lessons** | | **${total:.4f}** |")
    on_demand = rates(region)
    lines += ["", f"Fargate on-demand rates for {region}, Linux/X86, as of {on_demand.as_of}: "
                  f"${on_demand.vcpu_hour:g} per vCPU-hour and ${on_demand.gb_hour:g} per GB-hour, each task billed "
                  f"at least {facts()['billing']['minimum_seconds']['LINUX']} s. Fargate tasks only: "
                  f"{facts()['billing']['other_charges']}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """`python -m labkit.cli.ops lesson-costs`: print the README's real-mode cost table."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] != ["lesson-costs"]:
        print("usage: python -m labkit.cli.ops lesson-costs [REGION]", file=sys.stderr)
        return EXIT_USAGE
    print(lesson_costs_markdown(*argv[1:2]))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
