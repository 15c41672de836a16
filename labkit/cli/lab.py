"""`labkit lab [JUPYTER OPTIONS]`: open JupyterLab on the course's first notebook, in mock mode.

labkit starts Jupyter with a few settings of its own (loopback only, the course folder as root, the first
notebook opened, `--allow-root` when run as root). Every other option goes on to Jupyter unchanged, and where
the user sets one of labkit's settings, in any spelling Jupyter takes (`--ServerApp.ip=0.0.0.0`,
`--ServerApp.ip 0.0.0.0`, `--ip=0.0.0.0`, a notebook or folder to open), the user's value wins: Jupyter refuses
a setting given twice ("ip only accepts one value").
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from labkit.cli.exit_codes import EXIT_OK, EXIT_PROBLEM
from labkit.data import course_root

FIRST_NOTEBOOK = Path("notebooks") / "00_start_here.ipynb"

#: Jupyter's short options that take a value (jupyter_server's and JupyterLab's `aliases`) -> the setting
ALIASES = {
    "app-dir": "LabApp.app_dir", "browser": "ServerApp.browser", "certfile": "ServerApp.certfile",
    "client-ca": "ServerApp.client_ca", "config": "JupyterApp.config_file", "gateway-url": "GatewayClient.url",
    "ip": "ServerApp.ip", "keyfile": "ServerApp.keyfile", "log-level": "Application.log_level",
    "notebook-dir": "ServerApp.root_dir", "port": "ServerApp.port", "port-retries": "ServerApp.port_retries",
    "preferred-dir": "ServerApp.preferred_dir", "pylab": "ServerApp.pylab", "sock": "ServerApp.sock",
    "sock-mode": "ServerApp.sock_mode", "transport": "KernelManager.transport",
}
#: Jupyter's flags (no value) that set a setting labkit sets too
FLAGS = {"allow-root": {"ServerApp.allow_root"},
         "no-browser": {"ServerApp.open_browser", "ExtensionApp.open_browser"}}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `labkit lab`; the options it does not know are Jupyter's (`labkit.cli.main` hands them on)."""
    p = subparsers.add_parser(
        "lab", usage="labkit lab [-h] [JUPYTER OPTION ...] [NOTEBOOK]",
        help="open JupyterLab on the first notebook (mock mode); extra options go to jupyter",
        description="Open JupyterLab on the course's first notebook, in mock mode, listening on 127.0.0.1. Any "
                    "other option goes to Jupyter (`labkit lab --no-browser --ServerApp.port=8899`), and where it "
                    "sets what labkit sets (--ServerApp.ip, --ServerApp.root_dir, --allow-root, the notebook to "
                    "open), the value you give wins.")
    p.set_defaults(passes_options_on=True)
    return p


def user_settings(options: Sequence[str]) -> tuple[dict[str, str | None], list[str]]:
    """The Jupyter settings `options` give (`{"ServerApp.ip": "0.0.0.0"}`; None for a flag's), and the paths
    they give to open (positional arguments)."""
    settings: dict[str, str | None] = {}
    paths: list[str] = []
    items = iter(options)
    for item in items:
        if item == "--":  # Jupyter: everything after it is positional
            paths += list(items)
            break
        if not item.startswith("-") or item == "-":
            paths.append(item)
            continue
        name, has_value, value = item.lstrip("-").partition("=")
        if name in FLAGS:
            settings.update(dict.fromkeys(FLAGS[name]))
            continue
        setting = ALIASES.get(name, name if "." in name else None)
        if setting is not None:  # `--ServerApp.ip=V`, or `--ServerApp.ip V`: then V is the next item
            settings[setting] = value if has_value else next(items, None)
        # any other flag is one labkit does not set: Jupyter judges it
    return settings, paths


def _inside(path: Path, folder: Path) -> bool:
    return path.resolve().is_relative_to(folder.resolve())


def jupyter_argv(options: Sequence[str], root: Path, as_root: bool = False) -> list[str]:
    """`jupyter lab`'s command line: labkit's settings that the user did not set, then the user's options.

    Relative paths the user gives are relative to the folder `labkit lab` runs in, as in any command.
    """
    settings, paths = user_settings(options)
    file_to_run = settings.get("ServerApp.file_to_run")
    if file_to_run:
        paths.append(file_to_run)
    notebook = root / FIRST_NOTEBOOK
    ours: list[str] = []
    user_root = settings.get("ServerApp.root_dir")
    if not paths and (user_root is None or _inside(notebook, Path(user_root))):
        ours.append(str(notebook))  # Jupyter refuses a notebook outside its root folder
    if "ServerApp.ip" not in settings:
        ours.append("--ServerApp.ip=127.0.0.1")  # loopback: nobody else on the network reaches the lab
    if "ServerApp.root_dir" not in settings and all(_inside(Path(p), root) for p in paths):
        ours.append(f"--ServerApp.root_dir={root}")
    if as_root and "ServerApp.allow_root" not in settings:
        ours.append("--allow-root")
    return [sys.executable, "-m", "jupyter", "lab", *ours, *options]


def run(args: argparse.Namespace) -> int:
    """Replace this process with `jupyter lab` (mock mode unless LABKIT_MODE says otherwise)."""
    root = course_root()
    if not (root / FIRST_NOTEBOOK).exists():
        print(f"labkit lab: {FIRST_NOTEBOOK} not found under {root.name}/; run it from a clone of the course "
              "(`make lab` in the repository).", file=sys.stderr)
        return EXIT_PROBLEM
    os.environ.setdefault("LABKIT_MODE", "mock")
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    argv = jupyter_argv(getattr(args, "options", []), root, as_root)
    os.execv(sys.executable, argv)
    return EXIT_OK  # not reached: execv replaces this process
