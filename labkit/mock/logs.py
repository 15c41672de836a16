"""The awslogs log driver in mock mode: what a container prints goes to `prefix/container/task-id` in its group.

`awslogs_stream` finds (and makes) a container's stream: a missing group is made only when the task asks for it
(`awslogs-create-group`) and its execution role may (`labkit.mock.ecs.logging_checks`, which stops the task at
start otherwise). Containers run by labkit's runtime (`labkit.mock.runtime`) send their own output; a stand-in
for an image labkit cannot run writes a few honest startup lines at startedAt (`write_startup_logs`), which say
what it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from labkit.model.lifecycle import PLATFORM_VERSION


def _task_definition_of(backend: Any, task: Any) -> Any:
    family_rev = task.task_definition_arn.split("/")[-1]
    family, _, rev = family_rev.rpartition(":")
    return backend.task_definitions.get(family, {}).get(int(rev))


def awslogs_stream(account: str, region: str, task_id: str, cdef: dict[str, Any]) -> tuple[Any, str, str] | None:
    """(the logs backend, group, stream) a container logs to with awslogs, the stream made; None if it cannot."""
    from moto.logs.models import logs_backends

    conf = cdef.get("logConfiguration") or {}
    if conf.get("logDriver") != "awslogs":
        return None
    options = conf.get("options") or {}
    group = options.get("awslogs-group")
    if not group:
        return None
    logs = logs_backends[account][region]
    if group not in logs.groups:
        if str(options.get("awslogs-create-group", "")).lower() != "true":
            return None
        logs.create_log_group(group, {})
    prefix = options.get("awslogs-stream-prefix")
    stream = f"{prefix}/{cdef.get('name')}/{task_id}" if prefix else task_id
    if stream not in logs.groups[group].streams:
        logs.create_log_stream(group, stream)
    return logs, group, stream


def write_startup_logs(task: Any, backend: Any, started: datetime, cpu: str | None, memory: str | None,
                       stand_ins: dict[str, str] | None = None) -> None:
    """awslogs: a few honest lines per stand-in container (`stand_ins`: name -> what it is), stamped at startedAt."""
    td = _task_definition_of(backend, task)
    if td is None:
        return
    millis = int(started.timestamp() * 1000)
    for cdef in td.container_definitions:
        if stand_ins is not None and cdef.get("name") not in stand_ins:
            continue
        target = awslogs_stream(backend.account_id, task.region_name, task.id, cdef)
        if target is None:
            continue
        logs, group, stream = target
        lines = [f"[labkit mock] container {cdef.get('name')} started from image {cdef.get('image')}",
                 f"[labkit mock] task {task.id} running on Fargate {PLATFORM_VERSION}, "
                 f"{cpu} CPU units, {memory} MiB"]
        for pm in cdef.get("portMappings") or []:
            lines.append(f"[labkit mock] listening on port {pm.get('containerPort')}/{pm.get('protocol', 'tcp')}")
        what = (stand_ins or {}).get(cdef.get("name"))
        lines.append(what or "[labkit mock] no process really runs in mock mode; these lines stand for its output")
        events = [{"timestamp": millis + i, "message": line} for i, line in enumerate(lines)]
        logs.put_log_events(group, stream, events)
