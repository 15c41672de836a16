"""The processes a hub run starts, found by a marker in their environment: what each learner's use, and stopping
every one of them at the end (also after a failure), then proving none is left.

The hub starts configurable-http-proxy and the single-user servers in sessions of their own, the servers start
kernels in sessions of their own, and a kernel may start a `labkit server`: no one process group holds them all.
So the run puts `MARKER=<run id>` in the hub's environment and in every spawner's and service's; each process
they start inherits it, and a scan of the machine's processes finds them all, orphans included.
"""

from __future__ import annotations

import os
import signal
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass

import psutil

MARKER = "LABKIT_HUBTEST_RUN"
MIB = 1024 * 1024


def _environ(proc: psutil.Process) -> dict[str, str]:
    try:
        return proc.environ()
    except (psutil.AccessDenied, psutil.NoSuchProcess, psutil.ZombieProcess, OSError):
        return {}  # another user's process, or gone: never ours


def marked(run_id: str) -> list[psutil.Process]:
    """Every live process carrying this run's marker (zombies included: they are not gone until reaped)."""
    return [p for p in psutil.process_iter() if _environ(p).get(MARKER) == run_id]


@dataclass(frozen=True)
class Usage:
    """What one learner's processes (their Jupyter server, kernels, and what those started) use right now."""

    user: str
    processes: int
    rss_mib: float
    pss_mib: float | None  # proportional set size: shared pages split between the processes sharing them
    cpu_s: float
    server_mib: float = 0.0  # RSS of the Jupyter server (jupyterhub-singleuser)
    kernels_mib: float = 0.0  # RSS of the kernels (ipykernel)


def usage_by_user(run_id: str) -> dict[str, Usage]:
    """Usage of each learner's processes, keyed by JupyterHub user name (JUPYTERHUB_USER in their environment)."""
    groups: dict[str, list[psutil.Process]] = {}
    for proc in marked(run_id):
        user = _environ(proc).get("JUPYTERHUB_USER")
        if user:
            groups.setdefault(user, []).append(proc)
    return {user: _usage(user, procs) for user, procs in groups.items()}


def _role(cmdline: list[str]) -> str:
    """"server", "kernel" or "other", from a process's command line."""
    text = " ".join(cmdline)
    if "jupyterhub-singleuser" in text:
        return "server"
    # a kernel forked from a warm template (labkit.course.lesson_kernels) keeps the template's command line
    return "kernel" if "ipykernel" in text or "labkit.course.grading.warm" in text else "other"


def _usage(user: str, procs: Iterable[psutil.Process]) -> Usage:
    count, rss, pss, cpu, pss_known = 0, 0, 0, 0.0, True
    by_role = {"server": 0, "kernel": 0, "other": 0}
    for proc in procs:
        try:
            with proc.oneshot():
                own = proc.memory_info().rss
                rss += own
                by_role[_role(proc.cmdline())] += own
                times = proc.cpu_times()
                cpu += times.user + times.system + times.children_user + times.children_system
                try:
                    pss += proc.memory_full_info().pss
                except (AttributeError, psutil.AccessDenied):
                    pss_known = False
            count += 1
        except (psutil.NoSuchProcess, psutil.ZombieProcess):
            continue
    return Usage(user, count, rss / MIB, pss / MIB if pss_known else None, cpu, by_role["server"] / MIB,
                 by_role["kernel"] / MIB)


def median(values: Iterable[float | None]) -> float | None:
    """The median of the known values, or None."""
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def _signal(pids: Iterable[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _alive(pid: int) -> bool:
    try:
        proc = psutil.Process(pid)
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _group(pgid: int) -> set[int]:
    """The live processes of process group `pgid` (0: none)."""
    if not pgid or pgid == os.getpgrp():
        return set()  # never this program's own group
    found = set()
    for proc in psutil.process_iter():
        try:
            if os.getpgid(proc.pid) == pgid:
                found.add(proc.pid)
        except (ProcessLookupError, PermissionError, psutil.Error):
            continue
    return found


def stop_all(run_id: str, extra_pids: Iterable[int] = (), group: int = 0, grace: float = 10.0) -> list[str]:
    """SIGTERM every marked process, each of `extra_pids` and each process of `group` (a process group the run
    made), SIGKILL what is left after `grace` seconds, and return a line for each process still there after
    that (empty: nothing left)."""
    pids = {p.pid for p in marked(run_id)} | {pid for pid in extra_pids if pid} | _group(group)
    pids.discard(os.getpid())
    _signal(pids, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.2)
    _signal([pid for pid in pids if _alive(pid)], signal.SIGKILL)
    deadline = time.monotonic() + 5
    left: set[int] = set()
    while time.monotonic() < deadline:
        left = {pid for pid in pids | _group(group) | {p.pid for p in marked(run_id)} if _alive(pid)}
        if not left:
            return []
        _signal(left, signal.SIGKILL)
        time.sleep(0.2)
    return [_describe(pid) for pid in sorted(left)]


def _describe(pid: int) -> str:
    try:
        return f"{pid} {' '.join(psutil.Process(pid).cmdline())[:160]}"
    except psutil.Error:
        return str(pid)
