"""The task runs of this process: each running task's containers (processes or stand-ins), ports and folder.

One thread watches every process: it reads their output as it comes (stdout and stderr, line by line) and their
memory every few tens of milliseconds, and kills one whose memory goes over its limit (an OOM kill: exit 137).
Runs end with their task, with their account (a lab released or reset), and with this process (at exit; if the
process dies without exiting cleanly, the reaper ends them).
"""

from __future__ import annotations

import atexit
import os
import selectors
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labkit.mock.runtime import process
from labkit.mock.runtime.standins import StandIn

WATCH_SECONDS = 0.03  # how often the watcher reads memory (and wakes to look for new output)
MAX_LINE = 16 * 1024  # labkit's bound on one log line (longer output is cut into pieces of this size)
MAX_PENDING_LINES = 10_000  # lines kept between two drains; beyond, the oldest are dropped (and it says so)


@dataclass
class ContainerRun:
    """One container of a running task: a process of the course's Python, or a stand-in."""

    name: str
    essential: bool
    image: str
    key: str  # its id in the task metadata endpoint's paths
    proc: subprocess.Popen[bytes] | None = None
    standin: StandIn | None = None
    memory_mib: int | None = None  # hard limit: more is an OOM kill
    stop_signal: int = signal.SIGTERM
    stop_timeout: float = 30.0
    health_check: dict[str, Any] | None = None
    env: dict[str, str] = field(default_factory=dict)  # what its process was started with (a health check too)
    root: str = ""  # its copy of the image's files
    cwd: str = ""
    exit_code: int | None = None
    exited_at: datetime | None = None
    reason: str | None = None
    oom: bool = False
    signalled_at: datetime | None = None
    kill_at: datetime | None = None
    killed_at: datetime | None = None  # when labkit's SIGKILL came (stopTimeout after SIGTERM)
    log_ms: int = 0  # the last log event's timestamp: the next ones come after it
    health: str = "UNKNOWN"
    health_fails: int = 0
    health_next: datetime | None = None
    started_at: datetime | None = None
    started_wall: float = field(default_factory=time.monotonic)
    printed: bool = False  # it has printed something (it is up: a stop signal may come)
    lines: list[str] = field(default_factory=list)
    dropped: int = 0
    _partial: bytes = b""
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def alive(self) -> bool:
        if self.proc is not None:
            return self.proc.poll() is None
        return self.standin is not None and self.standin.alive

    def returncode(self) -> int | None:
        """Its exit code as Docker reports it once it exited (137 after an OOM kill), else None."""
        if self.proc is not None:
            code = self.proc.poll()
            if code is None:
                return None
            return 137 if self.oom else process.exit_code(code)
        return self.standin.exit_code if self.standin is not None else 0

    def add_output(self, data: bytes, final: bool = False) -> None:
        with self._lock:
            text = self._partial + data
            self.printed = self.printed or b"\n" in text  # a whole line: its program is past its first print
            parts = text.split(b"\n")
            self._partial = b"" if final else parts.pop()
            if final and parts and parts[-1] == b"":
                parts.pop()
            for raw in parts:
                for start in range(0, max(len(raw), 1), MAX_LINE):
                    self.lines.append(raw[start:start + MAX_LINE].decode("utf-8", "replace").rstrip("\r"))
            if len(self.lines) > MAX_PENDING_LINES:
                self.dropped += len(self.lines) - MAX_PENDING_LINES
                del self.lines[:len(self.lines) - MAX_PENDING_LINES]

    def drain(self) -> list[str]:
        """The lines printed since the last drain (a stand-in's access log lines too)."""
        with self._lock:
            out, self.lines = self.lines, []
            if self.dropped:
                out.insert(0, f"[labkit mock] {self.dropped} lines of output were dropped (more than "
                              f"{MAX_PENDING_LINES} between two looks)")
                self.dropped = 0
        if self.standin is not None:
            out += self.standin.drain()
        return out


@dataclass
class TaskRun:
    """A running task's containers, its port map (container port -> loopback port) and its folder."""

    account: str
    region: str
    cluster: str
    task_arn: str
    root: str
    ports: dict[int, int]
    containers: list[ContainerRun]
    clock: Any  # the account's simulated clock
    last_seen: datetime  # the simulated time of the last look at its processes (what a noticed exit is stamped)
    metadata: dict[str, Any] = field(default_factory=dict)
    life: Any = None  # the task's labkit timeline (its state, for the metadata endpoint)

    @property
    def task_id(self) -> str:
        return self.task_arn.rsplit("/", 1)[-1]

    @property
    def port_dir(self) -> str:
        return os.path.join(self.root, "ports") if self.root else ""

    def port_of(self, container_port: int) -> int | None:
        """The loopback port where a container port of the task answers: as its process bound it (the task's
        port folder, which also holds ports bound on the fly, and a declared port whose planned loopback port
        another program took first), else as declared."""
        if self.root:
            try:
                with open(os.path.join(self.port_dir, str(container_port))) as f:
                    return int(f.read().strip())
            except (OSError, ValueError):
                pass
        return self.ports.get(container_port)

    @property
    def alive(self) -> bool:
        return any(c.alive for c in self.containers)

    def said_listening(self) -> bool:
        """Every port of the task listens, as its processes said (a stand-in listens on all of them)."""
        said = {p for c in self.containers if c.proc is not None for p in process.listened(c.proc)}
        if any(c.standin is not None for c in self.containers):
            said |= set(self.ports)
        return set(self.ports) <= said


_runs: dict[str, TaskRun] = {}
_lock = threading.RLock()
_base: str | None = None


def base_dir() -> str:
    """This process's folder for task copies of images (removed at exit)."""
    global _base
    with _lock:
        if _base is None or not os.path.isdir(_base):
            _base = tempfile.mkdtemp(prefix="labkit-tasks-")
        return _base


def register(run: TaskRun) -> None:
    with _lock:
        _runs[run.task_arn] = run
    for container in run.containers:
        if container.proc is not None:
            _watcher.watch(container)


def runs(account: str | None = None, region: str | None = None) -> list[TaskRun]:
    with _lock:
        return [r for r in _runs.values() if (account is None or r.account == account)
                and (region is None or r.region == region)]


def find(account: str, task_arn: str) -> TaskRun | None:
    with _lock:
        run = _runs.get(task_arn)
    if run is None:
        task_id = task_arn.rsplit("/", 1)[-1]
        run = next((r for r in runs(account) if r.task_id == task_id), None)
    return run if run is not None and run.account == account else None


def by_key(key: str) -> tuple[TaskRun, ContainerRun] | None:
    """The task and container whose metadata id is `key`."""
    for run in runs():
        for container in run.containers:
            if container.key == key:
                return run, container
    return None


def kill(container: ContainerRun) -> None:
    """SIGKILL a container now (its whole process group), or stop a stand-in."""
    if container.proc is not None:
        process.signal_group(container.proc, signal.SIGKILL)
    elif container.standin is not None:
        container.standin.stop()


def end(run: TaskRun) -> None:
    """End a run: kill what still runs, reap it, remove the task's folder, forget it."""
    for container in run.containers:
        kill(container)
    for container in run.containers:
        if container.proc is not None:
            _watcher.forget(container)
            process.finish_group(container.proc)
    with _lock:
        _runs.pop(run.task_arn, None)
    if run.root:
        shutil.rmtree(run.root, ignore_errors=True)


def end_account(account: str) -> None:
    """End every run of an account (its lab was released, reset or wiped)."""
    for run in runs(account):
        end(run)


def shutdown() -> None:
    """End every run of this process and stop the reaper (at exit, when a server stops, in tests)."""
    for run in runs():
        end(run)
    process.stop_reaper()
    global _base
    with _lock:
        base, _base = _base, None
    if base:
        shutil.rmtree(base, ignore_errors=True)


atexit.register(shutdown)


def loopback_address(account: str, task_arn: str, container_port: int) -> tuple[str, int] | None:
    """Where a running task's container port answers on loopback, or None when no live process has it."""
    run = find(account, task_arn)
    if run is None or not run.alive:
        return None
    port = run.port_of(int(container_port))
    return ("127.0.0.1", port) if port else None


def give_wall_time(account: str, budget: float = 0.1) -> None:
    """Let the account's task processes run a little (a waiter polling in simulated time calls this per poll).

    Only processes that may be about to end are waited for (`about_to_end`). Returns at once when there is none;
    otherwise when one exits, or after `budget` seconds.
    """
    watched = about_to_end(account)
    if not watched:
        return
    deadline = time.monotonic() + budget
    while time.monotonic() < deadline:
        if any(not c.alive for c in watched):
            return
        time.sleep(0.005)


def about_to_end(account: str) -> list[ContainerRun]:
    """The account's live processes that may end any moment: a batch job's (a task without ports), one told to
    stop, or one started less than a second ago that does not listen yet (a crash at start; a server that came up
    is not waited for)."""
    now = time.monotonic()
    return [c for r in runs(account) for c in r.containers if c.proc is not None and c.alive and (
        not r.ports or c.signalled_at is not None or now - c.started_wall < 1.0 and not process.listened(c.proc))]


class _Watcher:
    """One thread for every process: output as it comes, memory against its limit."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._selector = selectors.DefaultSelector()
        self._containers: list[ContainerRun] = []
        self._thread: threading.Thread | None = None

    def watch(self, container: ContainerRun) -> None:
        assert container.proc is not None and container.proc.stdout is not None
        os.set_blocking(container.proc.stdout.fileno(), False)
        with self._lock:
            self._selector.register(container.proc.stdout, selectors.EVENT_READ, container)
            self._containers.append(container)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="labkit-task-watcher", daemon=True)
                self._thread.start()

    def flush(self, container: ContainerRun) -> None:
        """Read what a process that exited left in its pipe (the watcher may not have read it yet)."""
        with self._lock:
            while self._read(container):
                stream = container.proc.stdout if container.proc is not None else None
                if stream is None or not _readable(stream):
                    break

    def forget(self, container: ContainerRun) -> None:
        with self._lock:
            self._drop(container)

    def _drop(self, container: ContainerRun) -> None:
        if container in self._containers:
            self._containers.remove(container)
        stream = container.proc.stdout if container.proc is not None else None
        if stream is not None:
            try:
                self._selector.unregister(stream)
            except (KeyError, ValueError):
                pass
            self._read(container, final=True)
            stream.close()

    @staticmethod
    def _read(container: ContainerRun, final: bool = False) -> bool:
        """Read what is there; False at end of output."""
        stream = container.proc.stdout if container.proc is not None else None
        if stream is None or stream.closed:
            return False
        try:
            data = os.read(stream.fileno(), 65536)
        except BlockingIOError:
            return True
        except OSError:
            data = b""
        if data:
            container.add_output(data)
            return True
        container.add_output(b"", final=True)
        return False

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._containers:
                    self._thread = None
                    return
                ready = self._selector.select(timeout=0) if self._selector.get_map() else []
                for key, _ in ready:
                    if not self._read(key.data):
                        try:
                            self._selector.unregister(key.fileobj)
                        except (KeyError, ValueError):
                            pass
                for container in list(self._containers):
                    self._check_memory(container)
            time.sleep(WATCH_SECONDS if not ready else 0.002)

    @staticmethod
    def _check_memory(container: ContainerRun) -> None:
        if container.memory_mib is None or container.proc is None or container.oom or not container.alive:
            return
        if process.rss_mib(container.proc.pid) > container.memory_mib:
            container.oom = True
            process.signal_group(container.proc, signal.SIGKILL)


def _readable(stream: Any) -> bool:
    import select

    try:
        return bool(select.select([stream], [], [], 0)[0])
    except (OSError, ValueError):
        return False


_watcher = _Watcher()


def flush(container: ContainerRun) -> None:
    """Read the rest of an exited process's output now."""
    if container.proc is not None:
        _watcher.flush(container)
