"""`labkit class-link`: the nbgitpuller link that gives a class the course on a JupyterHub and opens a lesson."""

from __future__ import annotations

import argparse
from typing import Any

from labkit.cli.exit_codes import EXIT_OK
from labkit.course.classroom import FIRST_LESSON, class_link, pull_path


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit class-link --hub URL --repo URL [--branch B] [--lesson L] [--folder F]`."""
    p = subparsers.add_parser(
        "class-link", help="print the nbgitpuller link that gives learners the course on a JupyterHub",
        description="Print the link to give a class: it logs a learner in on the hub, pulls the course repository "
                    "into their home with nbgitpuller (merging, never overwriting their edits) and opens a lesson.")
    p.add_argument("--hub", help="the hub's address, e.g. https://hub.example.edu; without it, print the path a "
                                 "hub opens first (JupyterHub's Spawner.default_url, Z2JH's singleuser.defaultUrl)")
    p.add_argument("--repo", required=True, help="the course repository as learners' servers reach it, "
                                                 "e.g. https://github.com/OWNER/fargate-lab-kit")
    p.add_argument("--branch", default="main", help="branch to pull (default: main)")
    p.add_argument("--lesson", default=FIRST_LESSON, help=f"lesson to open (default: {FIRST_LESSON})")
    p.add_argument("--folder", help="folder of the learner's home the course goes into (default: the repo's name)")
    return p


def run(args: argparse.Namespace) -> int:
    """Print the link (bad input is a LabkitError: `labkit` prints it and exits 1)."""
    options = {"branch": args.branch, "lesson": args.lesson, "folder": args.folder}
    print(class_link(args.hub, args.repo, **options) if args.hub else pull_path(args.repo, **options))
    return EXIT_OK
