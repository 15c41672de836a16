"""`labkit server`: labkit's local mock Fargate on 127.0.0.1 (never other interfaces), for the AWS CLI and
`labkit.connect("local")`; it prints how to point them at it, and Ctrl-C stops it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from labkit.cli.exit_codes import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE

DUMMY_KEY = "testing"  # a local server accepts any credentials; this is what moto's docs use


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
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


def run(args: argparse.Namespace) -> int:
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
