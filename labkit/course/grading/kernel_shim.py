"""The process jupyter_client starts as a grading kernel when a warm template serves kernels (`warm.py`).

Run as a script with the standard library only (`python -I -S kernel_shim.py SOCKET ARGS...`, a few milliseconds):
it asks the template listening on SOCKET for a fresh kernel forked with this process's environment, folder and
ipykernel arguments, then stands in for it. An interrupt (SIGINT) is passed on to the kernel; a terminate
(SIGTERM), the kernel's end, or the grader going away ends the kernel's whole process group and then this
process. A SIGKILL from jupyter_client closes the socket, and the kernel's own watchdog then ends its group.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

POLL = 1.0  # seconds between checks that the grader is still there


def _end_group(pid: int, sig: int = signal.SIGKILL) -> None:
    try:
        os.killpg(pid, sig)
    except OSError:
        pass  # already gone


def main(argv: list[str]) -> int:
    """Ask for a forked kernel, pass signals on, end its process group when it or the grader ends."""
    path, kernel_args = argv[0], argv[1:]
    parent = os.getppid()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    request = {"argv": kernel_args, "env": dict(os.environ), "cwd": os.getcwd()}
    conn.sendall(json.dumps(request).encode() + b"\n")
    reply = b""
    while not reply.endswith(b"\n"):
        chunk = conn.recv(64)
        if not chunk:
            return 1  # the template could not fork a kernel
        reply += chunk
    pid = int(reply)

    def terminate(signum: int, frame: object) -> None:
        _end_group(pid, signal.SIGTERM)
        _end_group(pid)
        sys.exit(0)

    def interrupt(signum: int, frame: object) -> None:
        try:
            os.kill(pid, signal.SIGINT)
        except OSError:
            pass  # the kernel is gone: the loop below notices

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, terminate)
    conn.settimeout(POLL)
    while True:
        try:
            if not conn.recv(64):
                break  # the kernel ended
        except TimeoutError:
            if os.getppid() != parent:
                break  # the grader is gone
        except OSError:
            break
    _end_group(pid)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
