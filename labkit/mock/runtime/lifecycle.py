"""The runtime's part of the mock's settle: start containers at RUNNING, notice exits, stop, kill, log, check health.

`observe(backend)` runs first in each settle (before services reconcile, so that a service sees a crash at
once): the output of every process goes to its awslogs stream, exits are noticed (an essential container's
exit stops its task: EssentialContainerExited), tasks told to stop get SIGTERM (or their image's STOPSIGNAL)
and, `stopTimeout` simulated seconds later, SIGKILL; health checks whose time the clock passed are probed.
`start_due(backend)` runs last: tasks that reached RUNNING start their containers. What is learnt is written on
each task's Life, where DescribeTasks reads it (`labkit.mock.ecs.tasks`). A CloudWatch Logs call looks first
too, so that what a container just printed is there to read.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from moto.ecs.models import ecs_backends
from moto.logs.responses import LogsResponse

from labkit.data import facts
from labkit.mock.accounts import clock as account_clock
from labkit.mock.accounts import now as account_now
from labkit.mock.ecs.tasks import Life, life, request_stop
from labkit.mock.logs import _task_definition_of, awslogs_stream, write_startup_logs
from labkit.mock.patch import patch
from labkit.mock.runtime import health, images, process, registry, secrets
from labkit.mock.runtime.registry import ContainerRun, TaskRun
from labkit.mock.runtime.standins import describe
from labkit.mock.runtime.start import start_task
from labkit.mock.state import LOCK
from labkit.model.lifecycle import STARTED

GRACE_WALL_SECONDS = 0.2  # wall time a settle gives processes to exit after SIGTERM
UP_WALL_SECONDS = 0.5  # a process just started gets this long to come up (print, or listen) before a stop signal
START_WALL_SECONDS = 0.5  # wall time a settle gives new processes to listen on their ports (or to fail)
EARLY_EXIT_SECONDS = 0.3  # wall time a settle gives a new process without ports to fail at start


def stop_timeout(backend: Any, task: Any) -> float:
    """The longest `stopTimeout` of a task's containers (Fargate: default 30 s, at most 120 s)."""
    limit = facts()["runtime"]["stop_timeout"]
    td = _task_definition_of(backend, task)
    values = [c.get("stopTimeout") or limit["default_s"] for c in (td.container_definitions if td else [])]
    return float(min(max(values or [limit["default_s"]]), limit["max_s"]))


def _labkit_tasks(backend: Any) -> dict[str, Any]:
    return {t.task_arn: t for tasks in backend.tasks.values() for t in tasks.values() if life(t) is not None}


def observe(backend: Any) -> None:
    """Exits, kills and SIGTERMs due, output and health of the account-region's running tasks, up to now.

    The tasks to stop are signalled together, and given one moment of wall time together to exit.
    """
    runs = registry.runs(backend.account_id, backend.region_name)
    if not runs:
        return
    now = account_now(backend.account_id)
    tasks = _labkit_tasks(backend)
    looked: list[tuple[TaskRun, Any, Life]] = []
    for run in runs:
        task = tasks.get(run.task_arn)
        if task is None:
            registry.end(run)  # its task is gone (the account was wiped)
            continue
        looked.append((run, task, life(task)))
    _look(looked, backend, now)


def _look(looked: list[tuple[TaskRun, Any, Life]], backend: Any, now: datetime) -> None:
    for run, task, lk in looked:
        _kill_due(run, now)
        _notice_exits(run, run.last_seen)
        exited = [c for c in run.containers if c.essential and c.exit_code is not None]
        if exited and not lk.stop_due(now):
            first = min(exited, key=lambda c: c.exited_at or now)
            words = facts()["runtime"]["essential_exit"]
            request_stop(task, code=words["stop_code"], reason=words["stopped_reason"],
                         when=first.exited_at or now)
    stopping = [(run, lk) for run, _, lk in looked
                if lk.stop_due(now) and lk.signal_at is not None and lk.signal_at <= now]
    told = _signal(stopping)
    if told:
        _wait(lambda: all(not c.alive for c in told), GRACE_WALL_SECONDS)
    for run, lk in stopping:
        _notice_exits(run, lk.signal_at)
        _kill_due(run, now)
        _notice_exits(run, run.last_seen)
    for run, task, lk in looked:
        _write_logs(run, task, backend, run.last_seen)
        for container in run.containers:
            health.update(run, container, now)
        _sync(run, lk)
        if not run.alive and lk.state(now) == "STOPPED":
            registry.end(run)
        run.last_seen = now


def _wait(done: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.005)


def _up(run: TaskRun, c: ContainerRun) -> bool:
    """A process has come up: it printed, listens on its task's ports, or exited (its signal handlers are set)."""
    registry.flush(c)
    return (c.printed or not c.alive or time.monotonic() - c.started_wall >= UP_WALL_SECONDS
            or bool(run.ports) and _listening(run, c.started_wall))


def _signal(stopping: list[tuple[TaskRun, Life]]) -> list[ContainerRun]:
    """SIGTERM (or the image's STOPSIGNAL) to every container not yet told; their SIGKILL is due stopTimeout later.

    A process started a moment ago first gets the rest of UP_WALL_SECONDS to come up, so that a stop right after a
    start finds the handlers the program sets as it starts, as it would on AWS, where a stop takes seconds.
    """
    pending = [(run, lk, c) for run, lk in stopping for c in run.containers if c.signalled_at is None and c.alive]
    fresh = [(run, c) for run, _, c in pending if c.proc is not None]
    if fresh:
        _wait(lambda: all(_up(run, c) for run, c in fresh), UP_WALL_SECONDS)
    told = []
    for _, lk, c in pending:
        if not c.alive:
            continue
        c.signalled_at = max(lk.signal_at, c.started_at or lk.signal_at)
        c.kill_at = c.signalled_at + timedelta(seconds=c.stop_timeout)
        if c.proc is not None:
            process.signal_group(c.proc, c.stop_signal)
            told.append(c)
        elif c.standin is not None:
            c.standin.stop()
    return told


def _kill_due(run: TaskRun, now: datetime) -> None:
    for c in run.containers:
        if c.kill_at is not None and now >= c.kill_at and c.alive:
            c.killed_at = c.kill_at
            registry.kill(c)
            if c.proc is not None:
                try:
                    c.proc.wait(timeout=2)
                except Exception:  # noqa: BLE001 - a SIGKILLed process that does not go is reaped later
                    pass


def _notice_exits(run: TaskRun, stamp: datetime) -> None:
    for c in run.containers:
        if c.exit_code is not None:
            continue
        code = c.returncode()
        if code is None:
            continue
        registry.flush(c)
        if c.proc is not None:
            process.finish_group(c.proc)  # as in a container: what its first process started dies with it
        c.exit_code = code
        c.exited_at = c.killed_at or max(stamp, c.started_at or stamp)
        if c.oom:
            c.reason = facts()["runtime"]["out_of_memory"]["reason"]


def _write_logs(run: TaskRun, task: Any, backend: Any, stamp: datetime) -> None:
    td = _task_definition_of(backend, task)
    cdefs = {str(c.get("name")): c for c in (td.container_definitions if td else [])}
    for c in run.containers:
        registry.flush(c)  # what it printed just now, which the watcher may not have read yet
        lines = c.drain()
        if not lines or c.name not in cdefs:
            continue
        target = awslogs_stream(run.account, run.region, run.task_id, cdefs[c.name])
        if target is None:
            continue
        logs, group, stream = target
        millis = max(int(max(stamp, c.started_at or stamp).timestamp() * 1000), c.log_ms + 1)
        events = [{"timestamp": millis + i, "message": line} for i, line in enumerate(lines)]
        c.log_ms = events[-1]["timestamp"]
        logs.put_log_events(group, stream, events)


def _sync(run: TaskRun, lk: Life) -> None:
    """Write what the runtime knows on the task's Life: exit codes, reasons, health, whether it still runs."""
    lk.exit_codes = {c.name: c.exit_code for c in run.containers if c.exit_code is not None}
    lk.container_reasons = {c.name: c.reason for c in run.containers if c.reason}
    lk.container_health = {c.name: c.health for c in run.containers if c.health_check is not None}
    checked = [c for c in run.containers if c.essential and c.health_check is not None]
    if any(c.health == "UNHEALTHY" for c in checked):
        lk.health = "UNHEALTHY"
    elif checked and all(c.health == "HEALTHY" for c in checked):
        lk.health = "HEALTHY"
    else:
        lk.health = "UNKNOWN"
    lk.held = run.alive
    if not lk.held and lk.exited_at is None:
        lk.exited_at = max((c.exited_at for c in run.containers if c.exited_at), default=None)
        if lk.exited_at and lk.stop_begins and lk.stop_begins > lk.exited_at:
            lk.stop_begins = max(lk.exited_at, lk.stop_requested or lk.exited_at)  # a Spot task that exited early


def _listening(run: TaskRun, since: float) -> bool:
    """The task's ports all listen: as its processes said (or, for a program that cannot say, as /proc shows)."""
    if run.said_listening():
        return True
    return time.monotonic() - since > 0.1 and process.listening([run.port_of(p) or 0 for p in run.ports])


def _ready(run: TaskRun, since: float) -> bool:
    """A new task's processes listen on its ports (without ports: had a moment to fail), or one has exited."""
    if any(c.proc is not None and not c.alive for c in run.containers):
        return True
    if not any(c.proc is not None for c in run.containers):
        return True
    if not run.ports:
        return time.monotonic() - since >= EARLY_EXIT_SECONDS
    return _listening(run, since)


def start_due(backend: Any) -> None:
    """Start the containers of tasks that reached RUNNING (stand-ins write their startup lines)."""
    now = account_now(backend.account_id)
    started: list[tuple[TaskRun, Any, Life]] = []
    for task in _labkit_tasks(backend).values():
        lk = life(task)
        if lk.runtime_started or lk.pull_fails or lk.at(STARTED) is None:
            continue
        lk.runtime_started = lk.logged = True
        td = _task_definition_of(backend, task)
        if lk.stop_due(now) or td is None:
            continue  # told to stop before its containers were looked at: they never ran
        try:
            values = secrets.resolve(backend.account_id, task.region_name, task.id, td)
        except secrets.SecretsError:
            values = {}
        run = start_task(task, td, lk, account_clock(backend.account_id), values, now)
        stand_ins = {c.name: describe(c.standin.kind, c.standin.image, images.stand_in_port(c.standin.image))
                     for c in run.containers if c.standin}
        if stand_ins:
            write_startup_logs(task, backend, lk.at(STARTED), lk.cpu, lk.memory, stand_ins)
        started.append((run, task, lk))
    if not started:
        return
    since = time.monotonic()
    _wait(lambda: all(_ready(run, since) for run, _, _ in started), START_WALL_SECONDS)
    _look(started, backend, now)


@patch(LogsResponse.logs_backend)
def logs_backend(fn: Any, self: Any) -> Any:
    """CloudWatch Logs, after the account-region's task processes' latest output is sent to it."""
    if registry.runs(self.current_account, self.region):
        regions = dict.get(ecs_backends, self.current_account)
        backend = dict.get(regions, self.region) if regions else None
        if backend is not None:
            with LOCK:
                observe(backend)
    return fn(self)
