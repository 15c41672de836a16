"""Task processes on this machine: spawn one in its own process group, signal it, read its memory, find its ports.

A process starts with a fresh environment (nothing of labkit's, no credentials), `guest/` first on its
PYTHONPATH (the task's network, see `guest/sitecustomize.py`), and its output on one pipe (stdout and stderr
together, as the awslogs driver sends both). Each is the leader of its own process group (`start_new_session`),
and the reaper (`guest/reaper.py`, one per labkit process) hears of each group, so that nothing outlives a
labkit process that dies without cleaning up.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

GUEST_DIR = Path(__file__).resolve().parent / "guest"
MARK = "LABKIT_TASK_OWNER"  # in every task process's environment: the pid of the labkit process that owns it
_reaper: subprocess.Popen[bytes] | None = None
_reaper_lock = threading.Lock()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (a container port is mapped to it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_environment() -> dict[str, str]:
    """What every task process gets before its image's and task's variables: a PATH that finds the course's
    Python (as `python`, `python3` or `python3.N`) first, a UTF-8 locale, unbuffered Python output."""
    python_dir = os.path.dirname(sys.executable)
    return {"PATH": os.pathsep.join([python_dir, "/usr/local/bin", "/usr/bin", "/bin"]),
            "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1", MARK: str(os.getpid())}


def with_guest(env: dict[str, str]) -> dict[str, str]:
    """`env` with guest/ first on PYTHONPATH: a Python program started with it gets its task's network."""
    return {**env, "PYTHONPATH": os.pathsep.join(filter(None, [str(GUEST_DIR), env.get("PYTHONPATH", "")]))}


def spawn(argv: list[str], *, env: dict[str, str], cwd: str) -> subprocess.Popen[bytes]:
    """Start `argv` as a new process group leader, its output piped, stdin closed; tell the reaper.

    The process says on a pipe of its own which ports it listens on (`listened`), so that nobody polls for them.
    """
    ready_read, ready_write = os.pipe()
    os.set_blocking(ready_read, False)
    try:
        proc = subprocess.Popen(argv, cwd=cwd, env={**with_guest(env), "LABKIT_READY_FD": str(ready_write)},
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True, close_fds=True, pass_fds=(ready_write,))
    except OSError:
        os.close(ready_read)
        raise
    finally:
        os.close(ready_write)
    proc.labkit_ready = ready_read  # type: ignore[attr-defined]
    proc.labkit_listening = set()  # type: ignore[attr-defined]
    _tell_reaper(f"+{proc.pid}")
    return proc


def listened(proc: subprocess.Popen[bytes]) -> set[int]:
    """The container ports the process has said it listens on so far."""
    fd = getattr(proc, "labkit_ready", -1)
    found: set[int] = proc.labkit_listening  # type: ignore[attr-defined]
    while fd >= 0:
        try:
            data = os.read(fd, 4096)
        except BlockingIOError:
            break
        except OSError:
            data = b""
        if not data:
            os.close(fd)
            proc.labkit_ready = -1  # type: ignore[attr-defined]
            break
        found.update(int(x) for x in data.split() if x.isdigit())
    return found


def signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    """Send `sig` to the process (SIGKILL goes to its whole group)."""
    try:
        if sig == signal.SIGKILL:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def finish_group(proc: subprocess.Popen[bytes]) -> None:
    """After the leader exited: kill what is left of its group (a container's processes die with it), reap it."""
    fd = getattr(proc, "labkit_ready", -1)
    if fd >= 0:
        os.close(fd)
        proc.labkit_ready = -1  # type: ignore[attr-defined]
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass
    _tell_reaper(f"-{proc.pid}")


def exit_code(returncode: int) -> int:
    """A container's exit code as Docker reports it: 128 + the signal for a process killed by one."""
    return 128 - returncode if returncode < 0 else returncode


def signal_number(name: str | None, default: int = signal.SIGTERM) -> int:
    """A Dockerfile's STOPSIGNAL ("SIGQUIT", "QUIT" or "3") as a number; the default when absent or unknown."""
    if not name:
        return default
    text = str(name).strip().upper()
    if text.isdigit():
        return int(text)
    found = getattr(signal, text if text.startswith("SIG") else "SIG" + text, None)
    return int(found) if found is not None else default


# --- memory ------------------------------------------------------------------------------------------------------
def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except (OSError, ValueError):
        return []


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0


def rss_mib(pid: int) -> float:
    """Resident memory of a process and its descendants, in MiB (Linux /proc; 0 where it cannot be read)."""
    total, todo, seen = 0, [pid], set()
    while todo and len(seen) < 200:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        total += _rss_kib(current)
        todo += _children(current)
    return total / 1024


# --- listening ports -----------------------------------------------------------------------------------------------
def _listening_from_proc() -> set[int] | None:
    ports: set[int] = set()
    found = False
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                lines = f.readlines()[1:]
        except OSError:
            continue
        found = True
        for line in lines:
            parts = line.split()
            if len(parts) > 3 and parts[3] == "0A":  # LISTEN
                ports.add(int(parts[1].rsplit(":", 1)[1], 16))
    return ports if found else None


def listening(ports: list[int]) -> bool:
    """Whether something listens on each of these 127.0.0.1 ports (read from /proc, so no connection is made)."""
    if not ports:
        return True
    known = _listening_from_proc()
    if known is not None:
        return all(p in known for p in ports)
    for port in ports:  # no /proc: try to connect (the server sees a connection that sends nothing)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.settimeout(0.05)
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return False
    return True


# --- the reaper ---------------------------------------------------------------------------------------------------
def _tell_reaper(line: str) -> None:
    global _reaper
    with _reaper_lock:
        if _reaper is None or _reaper.poll() is not None:
            env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1"}
            _reaper = subprocess.Popen([sys.executable, "-S", str(GUEST_DIR / "reaper.py")], stdin=subprocess.PIPE,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                                       start_new_session=True, close_fds=True)
        try:
            assert _reaper.stdin is not None
            _reaper.stdin.write(line.encode() + b"\n")
            _reaper.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass


def stop_reaper() -> None:
    """Close the reaper's stdin (it then kills any group still listed, and exits) and wait for it."""
    global _reaper
    with _reaper_lock:
        reaper, _reaper = _reaper, None
    if reaper is None:
        return
    try:
        assert reaper.stdin is not None
        reaper.stdin.close()
    except OSError:
        pass
    try:
        reaper.wait(timeout=5)
    except subprocess.TimeoutExpired:
        reaper.kill()


def owned_processes(owner: int | None = None) -> list[dict[str, Any]]:
    """Task processes on this machine (found by their environment's mark), each {"pid", "owner"}; only those of
    `owner` if given. Processes of other users, which cannot be read, are left out."""
    found = []
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                environ = f.read().split(b"\0")
        except OSError:
            continue
        for item in environ:
            if item.startswith(MARK.encode() + b"="):
                mine = int(item.split(b"=", 1)[1] or 0)
                if owner is None or mine == owner:
                    found.append({"pid": int(entry), "owner": mine})
                break
    return found
