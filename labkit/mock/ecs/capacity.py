"""Spot interruptions in mock mode (which provider runs each task is `labkit.model.placement`'s rule).

A Spot interruption gives tasks the two-minute warning (`facts()["discounts"]["spot_interruption"]`):
desiredStatus STOPPED at once while they keep RUNNING, stopCode TerminationNotice, and their containers get
SIGTERM; each is killed `stopTimeout` later (default 30 s), so a task stops as soon as its processes exit, or
after stopTimeout, not after the two minutes: stopCode SpotInterruption and "Your Spot Task was interrupted.".
Their service replaces them at the warning.
"""

from __future__ import annotations

from moto.ecs.models import ecs_backends

from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.mock.ecs.services import settle_backend
from labkit.mock.ecs.tasks import Life, life, request_stop
from labkit.mock.runtime.lifecycle import stop_timeout
from labkit.mock.state import LOCK


def interrupt_spot(account: str, region: str, cluster: str, service: str | None, count: int) -> list[str]:
    """Give up to `count` running FARGATE_SPOT tasks the two-minute warning and SIGTERM; services replace them."""
    spot = facts()["discounts"]["spot_interruption"]
    backend = ecs_backends[account][region]
    with LOCK:
        settle_backend(backend)
        name = cluster.split("/")[-1]
        if name not in backend.clusters or backend.clusters[name].status != "ACTIVE":
            raise InvalidInput(f"interrupt_spot: there is no cluster {name!r} in this lab; give the cluster your "
                               "Spot tasks run in (ensure_cluster makes 'labkit').")
        group = f"service:{service.split('/')[-1]}" if service else None
        candidates = []
        for task in backend.tasks.get(name, {}).values():
            lk: Life | None = life(task)
            if (lk and lk.is_live() and lk.capacity_provider == "FARGATE_SPOT" and lk.state() == "RUNNING"
                    and (group is None or task.group == group)):
                candidates.append(task)
        if not candidates:
            where = f"service {service!r}" if service else f"cluster {name!r}"
            raise InvalidInput(f"interrupt_spot: no RUNNING FARGATE_SPOT task in {where}; run tasks with a "
                               "FARGATE_SPOT capacity provider strategy and wait until they run.")
        candidates.sort(key=lambda t: (life(t).created, t.id))
        chosen = candidates[:count]
        for task in chosen:
            request_stop(task, code=spot["stop_code"], reason=spot["stopped_reason"],
                         delay_seconds=stop_timeout(backend, task), warning_code=spot["event_stop_code"])
        settle_backend(backend)
        return [t.task_arn for t in chosen]
