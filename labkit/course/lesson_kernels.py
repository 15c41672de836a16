"""Lesson kernels forked from a warm template: a mock-mode kernel is ready in about 0.4 s instead of 0.9 s.

A fresh IPython kernel starts Python, imports ipykernel and IPython, then (`labkit.lab.preload`) moto and labkit's
mock layer: about 0.9 s on the course's 2-core machine, every time a learner opens a lesson or restarts its kernel.
Batch grading already forks its kernels from a process that has done all that once (`labkit.course.grading.warm`);
`WarmProvisioner` does the same for every kernel of the environment. It is a jupyter_client kernel provisioner
(JupyterLab, nbclient and the benchmark start kernels through one); `labkit preload` names it in the
environment's `python3` kernelspec (`labkit.lab.preload.PROVISIONER`, the entry point's name in pyproject.toml).

Only an IPython kernel of this Python in mock mode is forked; anything else (another interpreter, real or local
mode, `LABKIT_FORK_KERNELS=0`, a platform without fork, a template that does not start) starts as jupyter_client
would start it. The template is started with the first such kernel, lives as long as the process that started it
(Jupyter's server, a test, the benchmark) and is replaced when labkit's code or the environment its imports read
changes. A forked kernel's own output streams (not its cells') go nowhere, as a graded kernel's do.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import socket
import sys
import threading
from pathlib import Path
from typing import Any

from jupyter_client.provisioning import LocalProvisioner

from labkit.errors import LabkitError
from labkit.lab.connect import current_mode

OPT_OUT = "LABKIT_FORK_KERNELS"
#: the environment a template's imports read; the rest of a kernel's environment is set in its fork
TEMPLATE_ENV = ("PYTHONPATH", "LABKIT_CACHE_DIR", "XDG_CACHE_HOME", "HOME", "TMPDIR")
_LABKIT = Path(__file__).resolve().parents[1]

_lock = threading.Lock()
_templates: dict[tuple[Any, ...], Any] = {}  # key -> KernelTemplate, or None where one could not start


class WarmProvisioner(LocalProvisioner):  # type: ignore[misc]
    """jupyter_client's local provisioner, except that a mock-mode IPython kernel is forked from a warm template."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        env = kwargs.get("env") or dict(os.environ)
        if forkable(cmd, env):
            template = await asyncio.to_thread(template_for, env)
            if template is not None:
                from labkit.course.grading.warm import SHIM

                cmd = [sys.executable, "-I", "-S", str(SHIM), template.socket_path, *cmd[3:]]
        return await super().launch_kernel(cmd, **kwargs)


def forkable(cmd: list[str], env: dict[str, str]) -> bool:
    """Whether a kernel command is `python -m ipykernel_launcher ...` of this Python, in mock mode, forking allowed."""
    return (hasattr(os, "fork") and hasattr(socket, "AF_UNIX") and len(cmd) >= 3
            and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
            and cmd[1:3] == ["-m", "ipykernel_launcher"]
            and current_mode(env) == "mock"
            and env.get(OPT_OUT, "1") != "0")


def template_for(env: dict[str, str]) -> Any:
    """The running template for this environment and labkit's code (started if needed); None if it cannot run."""
    from labkit.course.grading.warm import KernelTemplate

    key = (_code_stamp(), *(env.get(name) for name in TEMPLATE_ENV))
    with _lock:
        template = _templates.get(key, ...)
        if template is None:
            return None
        if template is not ... and template.process.poll() is None:
            return template
        for old_key in [k for k in _templates if k != key]:  # labkit's code changed: its kernels keep running
            _close(_templates.pop(old_key))
        try:
            _templates[key] = KernelTemplate(dict(env))
        except (LabkitError, OSError):
            _templates[key] = None
        return _templates[key]


def close_templates() -> None:
    """Stop every template this process started (kernels forked from them end with their own stand-ins)."""
    with _lock:
        while _templates:
            _close(_templates.popitem()[1])


atexit.register(close_templates)


def _close(template: Any) -> None:
    if template is not None:
        template.close()


def _code_stamp() -> int:
    return max((p.stat().st_mtime_ns for p in _LABKIT.rglob("*.py")), default=0)
