"""`labkit preload`: this environment's kernels load the simulated AWS as they start, forked from a warm template
(`labkit.lab.preload`, `labkit.course.lesson_kernels`)."""

from __future__ import annotations

import argparse
from typing import Any

from labkit.cli.exit_codes import EXIT_OK
from labkit.errors import LabkitError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit preload [--remove] [--prefix DIR]`."""
    p = subparsers.add_parser("preload", help="make this environment's kernels load the mock as they start, "
                                              "forked from a warm template (make setup does it)")
    p.add_argument("--remove", action="store_true", help="stop preloading")
    p.add_argument("--prefix", help="the environment's folder (default: this Python's, sys.prefix)")
    return p


def run(args: argparse.Namespace) -> int:
    """Write (or take out) labkit's block in the environment's ipython_kernel_config.py and its provisioner in the
    python3 kernelspec, and say where."""
    from labkit.lab import preload

    try:
        if args.remove:
            path = preload.remove(args.prefix)
            print(f"kernels no longer preload the mock ({path})" if path else "kernels did not preload the mock")
        else:
            print(f"kernels preload the mock in mock mode ({preload.install(args.prefix)})")
            if preload.forked(args.prefix):
                print(f"and are forked from a warm template ({preload.kernelspec_path(args.prefix)})")
    except OSError as err:
        raise LabkitError(f"could not write {preload.config_path(args.prefix)} ({err.strerror}); run it with the "
                          "environment's own Python and rights to its folder, or give --prefix") from err
    return EXIT_OK
