"""The awslogs log driver in mock mode: when a task reaches RUNNING, each container that logs with awslogs
writes a few honest startup lines to `prefix/container/task-id` in its group, stamped at startedAt (no
process really runs). A missing group is made only when the task asks for it (`awslogs-create-group`) and its
execution role may (`labkit.mock.ecs.logging_checks`, which stops the task at start otherwise).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from labkit.model.lifecycle import PLATFORM_VERSION


def _task_definition_of(backend: Any, task: Any) -> Any:
    family_rev = task.task_definition_arn.split("/")[-1]
    family, _, rev = family_rev.rpartition(":")
    return backend.task_definitions.get(family, {}).get(int(rev))


def write_startup_logs(task: Any, backend: Any, started: datetime, cpu: str | None, memory: str | None) -> None:
    """awslogs: a few honest lines per container, stamped at startedAt, in `prefix/container/task-id`."""
    from moto.logs.models import logs_backends

    td = _task_definition_of(backend, task)
    if td is None:
        return
    logs = logs_backends[backend.account_id][task.region_name]
    millis = int(started.timestamp() * 1000)
    for cdef in td.container_definitions:
        conf = cdef.get("logConfiguration") or {}
        if conf.get("logDriver") != "awslogs":
            continue
        options = conf.get("options") or {}
        group = options.get("awslogs-group")
        if not group:
            continue
        if group not in logs.groups:
            if str(options.get("awslogs-create-group", "")).lower() == "true":
                logs.create_log_group(group, {})
            else:
                continue
        prefix = options.get("awslogs-stream-prefix")
        stream = f"{prefix}/{cdef.get('name')}/{task.id}" if prefix else task.id
        try:
            logs.create_log_stream(group, stream)
        except Exception:  # noqa: BLE001 - the stream exists already (same task id): add to it
            pass
        lines = [f"[labkit mock] container {cdef.get('name')} started from image {cdef.get('image')}",
                 f"[labkit mock] task {task.id} running on Fargate {PLATFORM_VERSION}, "
                 f"{cpu} CPU units, {memory} MiB"]
        for pm in cdef.get("portMappings") or []:
            lines.append(f"[labkit mock] listening on port {pm.get('containerPort')}/{pm.get('protocol', 'tcp')}")
        lines.append("[labkit mock] no process really runs in mock mode; these lines stand for its output")
        events = [{"timestamp": millis + i, "message": line} for i, line in enumerate(lines)]
        logs.put_log_events(group, stream, events)
