"""What goes wrong in a deployment: failed tasks, unhealthy tasks replaced, and the deployment circuit breaker.

A task counts in its deployment's `failedTasks` when it could not start (TaskFailedToStart), when its essential
container exited (EssentialContainerExited) or when its service stopped it for failing its container health
checks. A service stops a task whose essential container is UNHEALTHY ("Task failed container health checks")
and starts another. With `deploymentCircuitBreaker.enable`, a deployment whose failedTasks reach the threshold
(half the desired count, at least 3, at most 200: `facts()["runtime"]["circuit_breaker"]`) is FAILED and starts
no more tasks; with `rollback`, the service rolls back to a new deployment of its last completed task definition.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any

from labkit.data import facts
from labkit.mock.ecs.tasks import Life, life, request_stop

Event = Callable[[Any, datetime, str], None]


def is_failure(lk: Life) -> bool:
    """Whether a task counts in its deployment's failedTasks."""
    if not lk.stop_due():
        return False
    words = facts()["runtime"]
    return (lk.stop_code in (words["secrets"]["stop_code"], words["essential_exit"]["stop_code"])
            or lk.stopped_reason == words["health_check"]["stopped_reason"])


def failed_tasks(tasks: list[Any], deployment_id: str) -> int:
    return sum(1 for t in tasks if t.started_by == deployment_id and is_failure(life(t)))


def replace_unhealthy(service: Any, lk: Any, tasks: list[Any], now: datetime, event: Event) -> None:
    """Stop the service's live tasks whose essential container is UNHEALTHY; the scheduler then replaces them."""
    words = facts()["runtime"]["health_check"]
    for task in tasks:
        tl = life(task)
        if tl.is_live() and tl.health == "UNHEALTHY":
            request_stop(task, code=words["stop_code"], reason=words["stopped_reason"])
            event(lk, now, words["event"].format(service=service.name, task=task.id))


def threshold(desired_count: int) -> int:
    words = facts()["runtime"]["circuit_breaker"]
    return min(max(math.ceil(words["threshold_factor"] * desired_count), words["threshold_min"]),
               words["threshold_max"])


def remember_completed(service: Any, lk: Any) -> None:
    """Keep the task definition of the newest completed deployment (a rollback goes back to it)."""
    for dep in lk.deployments:
        if dep.get("rolloutState") == "COMPLETED":
            service.__dict__["_lk_last_good"] = dep["taskDefinition"]
            return


def circuit_breaker(service: Any, lk: Any, tasks: list[Any], now: datetime, event: Event,
                    new_deployment: Callable[[Any, str, datetime, Any], dict[str, Any]]) -> None:
    """Fail the PRIMARY deployment when its failed tasks reach the threshold; roll back if asked to."""
    config = (service.deployment_configuration or {}).get("deploymentCircuitBreaker") or {}
    primary = lk.deployments[0] if lk.deployments else None
    if not config.get("enable") or primary is None or primary.get("rolloutState") != "IN_PROGRESS":
        return
    if failed_tasks(tasks, primary["id"]) < threshold(service.desired_count):
        return
    words = facts()["runtime"]["circuit_breaker"]
    primary["rolloutState"], primary["rolloutStateReason"] = "FAILED", words["rollout_state_reason"]
    primary["updatedAt"] = now
    event(lk, now, words["event_failed"].format(service=service.name, deployment=primary["id"]))
    good = service.__dict__.get("_lk_last_good")
    if not config.get("rollback") or not good or good == primary["taskDefinition"]:
        return
    service.task_definition = good
    back = new_deployment(service, good, now, lk)
    for dep in lk.deployments:
        dep["status"] = "ACTIVE"
    lk.deployments.insert(0, back)
    event(lk, now, words["event_rollback"].format(service=service.name, deployment=back["id"]))
