"""How a grading kernel is sealed: its environment (mock mode, no AWS credentials) and its first cell (no network).

The preamble runs before any of the submission's code: only loopback connections and names are allowed, and the
recorded verdicts start empty. The environment sends every verdict to a results file the grader reads, so what
was checked still counts if the kernel dies later.
"""

from __future__ import annotations

import os
from pathlib import Path

from labkit.course.exercises import RESULTS_FILE_ENV
from labkit.course.lesson_kernels import OPT_OUT as FORK_OPT_OUT
from labkit.data import course_root

# Runs first in the grading kernel: only loopback connections are allowed, and the results start empty.
PREAMBLE = '''\
def _labkit_grading_preamble():
    import ipaddress
    import socket

    def allowed(address):
        if not isinstance(address, tuple):
            return True  # AF_UNIX and the like stay on this machine
        host = str(address[0]).split("%")[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def guard(original):
        def connect(self, address, *args):
            if not allowed(address):
                raise OSError(101, f"network access is blocked while grading (to {address[0]})")
            return original(self, address, *args)
        return connect

    socket.socket.connect = guard(socket.socket.connect)
    socket.socket.connect_ex = guard(socket.socket.connect_ex)
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        try:
            ipaddress.ip_address(str(name).split("%")[0])  # a numeric address: connect() decides
        except ValueError:
            if name is not None and not allowed((name, 0)):
                raise socket.gaierror(-2, f"name resolution is blocked while grading ({name})") from None
        return real_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


_labkit_grading_preamble()
del _labkit_grading_preamble
import labkit.course.exercises as _labkit_exercises
_labkit_exercises.reset_results()
'''


def kernel_env(results_file: Path) -> dict[str, str]:
    """The grading kernel's environment: this one without AWS settings, plus mock mode and fake credentials."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "LABKIT_MODE": "mock", "LABKIT_GRADING": "1", RESULTS_FILE_ENV: str(results_file),
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
        "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        FORK_OPT_OUT: "0",  # grading forks its kernels from its own template (warm.py), or starts them from scratch
    })
    root = str(course_root())
    rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([root, *rest])
    return env
