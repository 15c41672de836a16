"""Container health checks on the simulated clock: when the clock passes a check's time, probe once for real.

The task definition's `healthCheck` (`CMD` or `CMD-SHELL`, interval, timeout, retries, startPeriod; defaults in
`facts()["runtime"]["health_check"]`). A check of `curl` or `wget` on a localhost URL is made as an HTTP request
to the task's port (curl passes on any answer, `curl -f` and wget on one below 400); any other command runs in
the container's environment and folder (a Python one sees the task's ports), and passes when it exits 0. One
probe is made per look, and its result counts for every check time the clock passed since the last look (the
app is taken to be as it is now), so a long clock jump does not run hundreds of probes. A probe waits at most a
few seconds of wall time whatever its timeout.
"""

from __future__ import annotations

import re
import subprocess
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from labkit.data import facts
from labkit.mock.runtime import process
from labkit.mock.runtime.registry import ContainerRun, TaskRun
from labkit.mock.runtime.start import resolve_argv

MAX_PROBE_WALL_SECONDS = 3.0
LOCAL_URL = re.compile(r"(https?)://(localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])(?::(\d+))?(/[^\s'\"|;&]*)?")
#: `python -c "import urllib.request; urllib.request.urlopen('URL')"`, nothing more: it exits 0 exactly when the
#: URL answers below 400 (urlopen raises otherwise), as `curl -f` does, so it is probed the same way in process
PYTHON_URLOPEN = re.compile(r"^\s*import urllib\.request\s*[;\n]\s*urllib\.request\.urlopen\(\s*(['\"])([^'\"]+)\1"
                            r"\s*(?:,\s*timeout\s*=\s*[\d.]+\s*)?\)(?:\.read\(\))?\s*;?\s*$")


def settings(check: dict[str, Any]) -> tuple[float, float, int, float]:
    """(interval, timeout, retries, startPeriod) of a health check, AWS's defaults where not given."""
    d = facts()["runtime"]["health_check"]
    return (float(check.get("interval") or d["interval_s"]), float(check.get("timeout") or d["timeout_s"]),
            int(check.get("retries") or d["retries"]), float(check.get("startPeriod") or d["start_period_s"]))


def _python_urlopen(argv: list[str]) -> str | None:
    """The URL of a `python -c` check that only opens a URL (see PYTHON_URLOPEN), else None."""
    if len(argv) != 3 or not argv[0].rsplit("/", 1)[-1].startswith("python") or argv[1] != "-c":
        return None
    found = PYTHON_URLOPEN.match(argv[2])
    return found.group(2) if found else None


def _http_probe(text: str, run: TaskRun, timeout: float, argv: list[str] | None = None) -> bool | None:
    """A curl/wget (or urlopen-only Python) check of a localhost URL, made as a request to the task's port; None if
    `text` is not one."""
    words = text.split()
    url = _python_urlopen(argv or [])
    if url is not None:
        words, text = ["curl", "-f", url], f"curl -f {url}"
    if not words or not any(w.rsplit("/", 1)[-1] in ("curl", "wget") for w in words[:1] + words[1:2]):
        return None
    match = LOCAL_URL.search(text)
    if match is None:
        return None
    scheme, _, port, path = match.groups()
    real = run.port_of(int(port or (443 if scheme == "https" else 80)))
    if real is None:
        return False
    strict = "wget" in words[0] or any(w in ("-f", "--fail", "-sf", "-fs", "-fsS", "-sSf", "-fail") or
                                       (w.startswith("-") and not w.startswith("--") and "f" in w) for w in words)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{real}{path or '/'}",  # noqa: S310 - loopback only
                                    timeout=min(timeout, MAX_PROBE_WALL_SECONDS)) as answer:
            return answer.status < 400 or not strict
    except urllib.error.HTTPError as err:
        return err.code < 400 or not strict
    except (urllib.error.URLError, OSError):
        return False


def probe(run: TaskRun, container: ContainerRun) -> bool | None:
    """Run the container's health check once: True passes, False fails, None when it is NONE (no check)."""
    check = container.health_check or {}
    command = [str(c) for c in check.get("command") or []]
    if not command or command[0] == "NONE":
        return None
    _, timeout, _, _ = settings(check)
    if command[0] == "CMD-SHELL":
        text, argv = " ".join(command[1:]), ["/bin/sh", "-c", " ".join(command[1:])]
    else:
        argv = command[1:] if command[0] == "CMD" else command
        text = " ".join(argv)
    http = _http_probe(text, run, timeout, None if command[0] == "CMD-SHELL" else argv)
    if http is not None:
        return http
    try:
        done = subprocess.run(resolve_argv(argv, container.root), cwd=container.cwd or None,
                              env=process.with_guest(container.env), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              timeout=min(timeout, MAX_PROBE_WALL_SECONDS), check=False)
    except (subprocess.TimeoutExpired, OSError):
        return False
    return done.returncode == 0


def update(run: TaskRun, container: ContainerRun, now: datetime) -> None:
    """Bring a container's health to `now`: probe once if a check time passed, and count it for each one."""
    if container.health_check is None or container.started_at is None or not container.alive:
        return
    interval, _, retries, start_period = settings(container.health_check)
    if container.health_next is None:
        container.health_next = container.started_at + timedelta(seconds=interval)
    if now < container.health_next:
        return
    due = 1 + int((now - container.health_next).total_seconds() // interval)
    passed = probe(run, container)
    if passed is None:
        container.health_next = None
        container.health_check = None
        return
    grace_ends = container.started_at + timedelta(seconds=start_period)
    for i in range(min(due, retries + 1)):
        at = container.health_next + timedelta(seconds=interval * i)
        if passed:
            container.health, container.health_fails = "HEALTHY", 0
        elif at >= grace_ends:
            container.health_fails += 1
            if container.health_fails >= retries:
                container.health = "UNHEALTHY"
    container.health_next += timedelta(seconds=interval * due)
