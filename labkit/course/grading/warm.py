"""A warm kernel template: each submission gets a fresh kernel forked from a process that has done the imports.

A grading kernel spends about a second of CPU before a submission's first line runs: Python and ipykernel start,
then labkit lays its mock layer over moto. A class of hundreds pays it hundreds of times. The template pays it
once: a process started with the grading kernel's environment that imports ipykernel and IPython and prepares
labkit's mock layer (`labkit.mock.prepare()`: code and AWS's static data; moto is not started, no lab or account
exists, and a wrong moto's warning waits for each kernel's first lab), freezes that heap, and then only forks. No
submission's code runs in it. Lessons' kernels are forked from one too (`labkit.course.lesson_kernels`).

Each kernel is a new process forked from it, in a session of its own, with the environment, working folder and
arguments jupyter_client gave its stand-in (`kernel_shim.py`, the process jupyter_client starts and signals); it
runs one submission's cells and ends with them. What a fork writes is its own. When the stand-in ends (the grader
shut the kernel down or killed it), a watchdog in the kernel ends its whole process group: nothing it started
outlives the submission. The template ends when the grader closes its stdin or goes away.

`KernelTemplate` starts and stops the template; `kernel_manager_class()` is the jupyter_client manager whose
kernels come from it (nbclient's `kernel_manager_class`).
"""

from __future__ import annotations

import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from labkit.errors import LabkitError

READY = "ready"
_TEMPLATE_DIR = os.getcwd()  # sys.path[0] of the template (started with -m from there)
START_TIMEOUT = 60.0
SHIM = Path(__file__).with_name("kernel_shim.py")
#: what every forked kernel has imported before its first line (`labkit.mock.prepare()` follows)
WARM_IMPORTS = ("ipykernel.kernelapp", "ipykernel.ipkernel", "IPython", "ipywidgets", "labkit", "labkit.lab.connect",
                "labkit.course.exercises", "labkit.course.widget_views", "labkit.pricing", "labkit.fargate",
                "labkit.widgets", "labkit.deploy", "labkit.diagrams", "labkit.lab.preload")


# ---- the template process ---------------------------------------------------------------------------------

def _warm() -> None:
    import importlib

    import labkit.mock
    from labkit.course.exercises import all_ids
    from labkit.lab.services import NAMES

    for name in WARM_IMPORTS:
        importlib.import_module(name)
    labkit.mock.prepare()
    from botocore.session import get_session
    from moto.core.utils import get_service_model

    loader = get_session().get_component("data_loader")
    for service in NAMES:
        for module in ("responses", "urls"):
            importlib.import_module(f"moto.{service.replace('-', '')}.{module}")  # application-autoscaling
        loader.load_service_model(service, "service-2")
        loader.load_service_model(service, "endpoint-rule-set-1")
        get_service_model(service)
    all_ids()
    gc.collect()
    gc.freeze()  # the forks' collections skip (and so do not copy) the template's objects


def _reseed() -> None:
    """A fork's random numbers are its own: Python reseeds `random` after a fork, not moto's generator (the
    IDs moto gives tasks, ENIs and requests), which the template seeded once."""
    moto_random = sys.modules.get("moto.moto_api._internal")
    if moto_random is not None:
        moto_random.mock_random.seed()


def _receive_line(conn: socket.socket) -> bytes:
    data = b""
    while not data.endswith(b"\n"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def _watch(conn: socket.socket) -> None:
    """In a kernel: when its stand-in's end of the socket closes, end this kernel's process group."""
    try:
        while conn.recv(64):
            pass
    except OSError:
        pass
    os.killpg(0, signal.SIGKILL)


def _run_kernel(conn: socket.socket, request: dict[str, Any]) -> None:
    """In a fork: become the kernel the request asks for (never returns)."""
    code = 1
    try:
        os.setsid()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.chdir(request["cwd"])
        if sys.path and sys.path[0] == _TEMPLATE_DIR:
            del sys.path[0]  # as ipykernel_launcher does; IPython then puts "" (the kernel's folder) in its place
        os.environ.clear()
        os.environ.update(request["env"])
        _reseed()
        os.environ.pop("JPY_PARENT_PID", None)  # the stand-in watches the grader; the watchdog watches it
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        conn.sendall(f"{os.getpid()}\n".encode())
        threading.Thread(target=_watch, args=(conn,), daemon=True).start()
        from ipykernel.kernelapp import IPKernelApp

        sys.argv = ["ipykernel_launcher", *request["argv"]]  # what a kernel started from scratch sees
        IPKernelApp.launch_instance(argv=request["argv"])
        code = 0
    finally:
        os._exit(code)


def _reap() -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def serve(path: str) -> None:
    """The template's main loop: warm up, say ready, then fork a kernel for each request until stdin closes.

    A process with a second thread is not safe to fork (a lock that thread holds stays held in every fork): if
    warming up ever starts one, the template never says ready and grading starts kernels from scratch instead.
    """
    _warm()
    if threading.active_count() != 1:
        raise SystemExit("the warm-up started a thread: not safe to fork")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    print(READY, flush=True)
    while True:
        readable, _, _ = select.select([listener, sys.stdin], [], [], 1.0)
        _reap()
        if sys.stdin in readable and not os.read(sys.stdin.fileno(), 1024):
            return  # the grader closed our stdin (or went away)
        if listener not in readable:
            continue
        conn, _ = listener.accept()
        try:
            request = json.loads(_receive_line(conn))
        except ValueError:
            conn.close()
            continue
        if os.fork() == 0:
            listener.close()
            _run_kernel(conn, request)
        conn.close()


# ---- the grader's side ------------------------------------------------------------------------------------

class KernelTemplate:
    """A running template process (a context manager): `kernel_manager_class()` gives kernels forked from it."""

    def __init__(self, env: dict[str, str]) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="labkit-template-")
        self.socket_path = str(Path(self._dir.name) / "template.sock")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "labkit.course.grading.warm", self.socket_path], env=env,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            start_new_session=True)
        ready = select.select([self.process.stdout], [], [], START_TIMEOUT)[0]
        line = self.process.stdout.readline().strip() if ready else ""  # type: ignore[union-attr]
        if line != READY:
            self.close()
            raise LabkitError("the warm kernel template did not start; grading uses plain kernels instead")

    def kernel_manager_class(self) -> type:
        """A jupyter_client kernel manager class whose kernels are forked from this template."""
        from jupyter_client.kernelspec import KernelSpec
        from jupyter_client.manager import AsyncKernelManager

        argv = [sys.executable, "-I", "-S", str(SHIM), self.socket_path, "-f", "{connection_file}"]
        spec = KernelSpec(argv=argv, display_name="labkit grading (warm)", language="python",
                          interrupt_mode="signal")

        class WarmKernelManager(AsyncKernelManager):
            @property
            def kernel_spec(self) -> Any:
                return spec

        return WarmKernelManager

    def close(self) -> None:
        """Stop the template (its running kernels end with their stand-ins) and remove its socket."""
        if self.process.poll() is None:
            try:
                self.process.stdin.close()  # type: ignore[union-attr]
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream and not stream.closed:
                stream.close()
        self._dir.cleanup()

    def __enter__(self) -> KernelTemplate:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    serve(sys.argv[1])
