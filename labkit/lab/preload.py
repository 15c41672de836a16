"""Load the simulated AWS while a lesson's kernel starts, so that its first cell opens a lab at once.

Jupyter starts a notebook's kernel as the learner opens it and reads its first paragraphs; without this, the
first cell waits about half a second for moto and labkit's mock layer to load. The kernel takes that much longer
to start instead, so a whole lesson takes as long as before.

`install()` writes an `ipython_kernel_config.py` into the environment's `etc/ipython` (IPython reads it as every
kernel of the environment starts) that loads this module as an IPython extension. It also names labkit's kernel
provisioner in the environment's `python3` kernelspec: mock-mode kernels are then forked from a process that has
loaded all this once (`labkit.course.lesson_kernels`), and start in less than half the time. `make setup` runs it
through `labkit preload`, and so do Binder's and the class image's `postBuild`; pip cannot: an editable install
does not install data files. Only mock mode (the default, from $LABKIT_MODE) loads anything: a kernel for real or
local mode never loads moto.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from labkit.lab.connect import current_mode

EXTENSION = __name__
#: the kernel provisioner's entry point name (pyproject.toml, labkit.course.lesson_kernels.WarmProvisioner)
PROVISIONER = "labkit-warm"
BEGIN = "# --- Fargate Lab Kit: preload the mock (labkit preload) ---"
END = "# --- end of Fargate Lab Kit ---"
BLOCK = f"""{BEGIN}
# Every IPython kernel of this environment loads labkit's simulated AWS as it starts, so a lesson's first cell
# opens its lab at once (mock mode only). `labkit preload --remove` takes this block out.
c = get_config()  # noqa: F821 - IPython runs its config files with get_config defined
c.InteractiveShellApp.extensions.append({EXTENSION!r})
{END}
"""


def load_ipython_extension(ipython: Any) -> None:
    """IPython's hook: lay labkit's mock layer over moto (no lab, no account, no warning yet) in mock mode.

    A kernel must start whatever happens here: on any error it starts without the layer, and the lesson's
    `labkit.connect()` meets the same error in a cell, where the learner sees it.
    """
    if current_mode() != "mock":
        return
    try:
        from labkit import mock

        mock.prepare()
    except Exception:  # noqa: BLE001 - see the docstring: the cell that connects shows it
        pass


def config_path(prefix: str | Path | None = None) -> Path:
    """The kernel config file IPython reads for the environment at `prefix` (this Python's by default)."""
    return Path(sys.prefix if prefix is None else prefix) / "etc" / "ipython" / "ipython_kernel_config.py"


def installed(prefix: str | Path | None = None) -> bool:
    """Whether the environment's kernels preload the mock."""
    path = config_path(prefix)
    return path.is_file() and BEGIN in path.read_text(encoding="utf-8")


def install(prefix: str | Path | None = None) -> Path:
    """Make the environment's kernels preload the mock (and be forked, where it has ipykernel's kernelspec);
    keeps whatever else the config file says. Idempotent."""
    path = config_path(prefix)
    text = _without_block(path.read_text(encoding="utf-8")) if path.is_file() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + ("\n" if text and not text.endswith("\n") else "") + BLOCK, encoding="utf-8")
    _name_provisioner(prefix, on=True)
    return path


def remove(prefix: str | Path | None = None) -> Path | None:
    """Take labkit's block out of the config file (deleting the file if nothing else is left) and its provisioner
    out of the kernelspec; the config file's path, or None when it had no block."""
    _name_provisioner(prefix, on=False)
    path = config_path(prefix)
    if not installed(prefix):
        return None
    rest = _without_block(path.read_text(encoding="utf-8"))
    if rest.strip():
        path.write_text(rest, encoding="utf-8")
    else:
        path.unlink()
    return path


def kernelspec_path(prefix: str | Path | None = None) -> Path:
    """The environment's `python3` kernelspec, where ipykernel installs it."""
    return Path(sys.prefix if prefix is None else prefix) / "share" / "jupyter" / "kernels" / "python3" / "kernel.json"


def forked(prefix: str | Path | None = None) -> bool:
    """Whether the environment's `python3` kernels are started by labkit's provisioner (forked in mock mode)."""
    try:
        spec = json.loads(kernelspec_path(prefix).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return spec.get("metadata", {}).get("kernel_provisioner", {}).get("provisioner_name") == PROVISIONER


def _name_provisioner(prefix: str | Path | None, *, on: bool) -> None:
    """Name labkit's provisioner in the kernelspec (on), or take it out; nothing when there is no kernelspec."""
    path = kernelspec_path(prefix)
    if not path.is_file():
        return
    spec = json.loads(path.read_text(encoding="utf-8"))
    metadata = spec.setdefault("metadata", {})
    if on:
        metadata["kernel_provisioner"] = {"provisioner_name": PROVISIONER, "config": {}}
    elif metadata.get("kernel_provisioner", {}).get("provisioner_name") == PROVISIONER:
        del metadata["kernel_provisioner"]
    path.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")


def _without_block(text: str) -> str:
    start = text.find(BEGIN)
    if start < 0:
        return text
    end = text.find(END, start)
    end = len(text) if end < 0 else end + len(END)
    return text[:start] + text[end:].lstrip("\n")
