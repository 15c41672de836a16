"""Rolling deployments as ECS does them: within minimumHealthyPercent and maximumPercent, waiting for health, and the
deployment circuit breaker with its rollback.

A new PRIMARY deployment replaces the older ones' tasks step by step (`roll`). At each step ECS may run at most
maximumPercent of the desired count (rounded down) and must keep minimumHealthyPercent of it healthy (rounded up):
it stops old tasks it may spare (those not healthy first), and starts new ones in the room left
(`labkit.model.scaling.rolling_room`). A task is healthy when RUNNING and, for a service behind a load balancer,
in service in every target group (`labkit.mock.elb.targets.in_service_since`). The next step comes when a new task
becomes healthy or a task stops; the steps are replayed at their own moments, so a jump of the clock changes nothing.
With the defaults (100% and 200%) all new tasks start at once and the old ones stop when the new ones are healthy.

A service also stops a task whose essential container is UNHEALTHY ("Task failed container health checks", its
container health check run by `labkit.mock.runtime`) and starts another (`replace_unhealthy`).

The circuit breaker (deploymentCircuitBreaker.enable) counts the PRIMARY deployment's failed tasks: those that
stopped before they could serve (their image could not be pulled, their essential container exited, they failed
ELB or container health checks). At 0.5 x desired count (at least 3, at most 200; `circuit_breaker_threshold`) the
deployment is FAILED, "ECS deployment circuit breaker: tasks failed to start."; ECS launches no more of its tasks,
and with rollback a new PRIMARY deployment of the last COMPLETED one's task definition takes over.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from labkit.data import facts
from labkit.mock.accounts import as_of
from labkit.mock.ecs.events import add_event
from labkit.mock.ecs.tasks import life, request_stop
from labkit.mock.elb.targets import in_service_since
from labkit.model.lifecycle import STARTED
from labkit.model.scaling import circuit_breaker_threshold, rolling_room

FAILURE_CODES = ("TaskFailedToStart", "EssentialContainerExited")
FAILURE_REASONS = ("Task failed ELB health checks", "Task failed container health checks")
Start = Callable[[int], list[Any]]  # start n tasks of the PRIMARY deployment at the simulated now
Event = Callable[[Any, datetime, str], None]


def failed(task: Any) -> bool:
    """Whether a task stopped because it could not serve (what the circuit breaker counts)."""
    lk = life(task)
    if lk is None or not lk.stop_due():
        return False
    return lk.stop_code in FAILURE_CODES or (lk.stopped_reason or "").startswith(FAILURE_REASONS)


def _config(service: Any) -> dict[str, Any]:
    return service.deployment_configuration or {}


def _tasks(backend: Any, service: Any) -> list[Any]:
    group = f"service:{service.name}"
    return [t for t in backend.tasks.get(service.cluster_name, {}).values()
            if t.group == group and life(t) is not None]


def _live_at(task: Any, when: datetime) -> bool:
    lk = life(task)
    return lk.created <= when and (lk.stop_requested is None or lk.stop_requested > when)


def healthy_since(backend: Any, service: Any, task: Any) -> datetime | None:
    """When a task became healthy as a deployment counts it: RUNNING, and in service behind its load balancers."""
    started = life(task).at(STARTED)
    if started is None or not service.load_balancers:
        return started
    return in_service_since(backend, service, task)


def _step(backend: Any, service: Any, lk: Any, when: datetime, start: Start) -> None:
    """One step of the rollout at `when`: stop the old tasks ECS may spare, start new ones in the room left."""
    primary = lk.deployments[0]
    desired = service.desired_count
    config = _config(service)
    tasks = [t for t in _tasks(backend, service) if _live_at(t, when)]
    mine = [t for t in tasks if t.started_by == primary["id"]]
    old = [t for t in tasks if t.started_by != primary["id"]]
    healthy = {t.task_arn for t in tasks if (h := healthy_since(backend, service, t)) is not None and h <= when}
    _, spare = rolling_room(desired, int(config.get("minimumHealthyPercent", 100)),
                            int(config.get("maximumPercent", 200)), len(tasks), len(healthy))
    doomed = [t for t in old if t.task_arn not in healthy] + [t for t in old if t.task_arn in healthy][:spare]
    doomed += sorted(mine, key=lambda t: (life(t).created, t.id), reverse=True)[:max(0, len(mine) - desired)]
    for task in doomed:
        request_stop(task, code="ServiceSchedulerInitiated",
                     reason=f"Scaling activity initiated by (deployment {primary['id']})", when=when)
    if doomed:
        text = " ".join(f"(task {t.id})." for t in doomed)
        add_event(lk, when, f"(service {service.name}) has stopped {len(doomed)} running tasks: {text}")
    upper = int(desired * int(config.get("maximumPercent", 200)) // 100)
    room = min(desired - (len(mine) - len([t for t in doomed if t in mine])), upper - (len(tasks) - len(doomed)))
    if room > 0 and may_launch(lk):
        with as_of(backend.account_id, when):
            start(room)


def _next(backend: Any, service: Any, after: datetime, until: datetime) -> datetime | None:
    """The first moment in (after, until] when a task becomes healthy or is told to stop: the next step."""
    moments = []
    for task in _tasks(backend, service):
        lk = life(task)
        if lk.stop_requested is not None and after < lk.stop_requested <= until:
            moments.append(lk.stop_requested)
        if _live_at(task, until):
            since = healthy_since(backend, service, task)
            if since is not None and after < since <= until:
                moments.append(since)
    return min(moments) if moments else None


def roll(backend: Any, service: Any, lk: Any, now: datetime, start: Start) -> None:
    """Replay the rollout's steps from the last one to `now`, each at its own moment."""
    done = lk.__dict__.setdefault("_lk_rolled", {})
    primary = lk.deployments[0]
    when = done.get(primary["id"], primary["createdAt"])
    if when > now:
        return  # settled to a later moment already
    while when is not None:
        _step(backend, service, lk, when, start)
        when = _next(backend, service, when, now)
    done[primary["id"]] = now


def may_launch(lk: Any) -> bool:
    """Whether the scheduler may launch the PRIMARY deployment's tasks (not after its circuit breaker tripped)."""
    return bool(lk.deployments) and lk.deployments[0].get("rolloutState") != "FAILED"


def check_breaker(backend: Any, service: Any, lk: Any, now: datetime,
                  new_deployment: Callable[[str], dict[str, Any]]) -> bool:
    """Trip the circuit breaker when enough of the PRIMARY deployment's tasks failed; True when it rolled back."""
    primary = lk.deployments[0]
    if primary.get("rolloutState") == "COMPLETED":
        lk.__dict__["_lk_completed"] = dict(primary)
    breaker = _config(service).get("deploymentCircuitBreaker") or {}
    if primary.get("rolloutState") != "IN_PROGRESS" or not breaker.get("enable"):
        return False
    failures = sum(1 for t in _tasks(backend, service) if t.started_by == primary["id"] and failed(t))
    if failures < circuit_breaker_threshold(service.desired_count):
        return False
    words = facts()["autoscaling"]["circuit_breaker"]
    primary.update(rolloutState="FAILED", rolloutStateReason=words["rollout_state_reason"], updatedAt=now)
    add_event(lk, now, words["event_failed"].format(service=service.name, deployment=primary["id"]))
    last = lk.__dict__.get("_lk_completed")
    if not breaker.get("rollback") or last is None:
        return False
    back = new_deployment(last["taskDefinition"])
    back["rolloutStateReason"] = words["rollback_reason"].format(target=last["id"])
    primary["status"] = "ACTIVE"
    lk.deployments.insert(0, back)
    service.task_definition = last["taskDefinition"]
    add_event(lk, now, words["event_rollback"].format(service=service.name, deployment=back["id"], target=last["id"]))
    return True


def replace_unhealthy(service: Any, lk: Any, tasks: list[Any], now: datetime, event: Event) -> None:
    """Stop the service's live tasks whose essential container is UNHEALTHY; the scheduler then replaces them."""
    words = facts()["runtime"]["health_check"]
    for task in tasks:
        tl = life(task)
        if tl.is_live() and tl.health == "UNHEALTHY":
            request_stop(task, code=words["stop_code"], reason=words["stopped_reason"])
            event(lk, now, words["event"].format(service=service.name, task=task.id))
