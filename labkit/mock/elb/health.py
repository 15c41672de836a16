"""Target health from real HTTP health checks on the simulated clock, and ECS replacing tasks that fail them.

A target group checks each registered target every HealthCheckIntervalSeconds, counted from the target's
registration: the k-th check is at registration + k x interval. When the clock has passed several checks at once,
labkit probes the target once (one real GET of the health check path, `probe`) and applies that one result to
every check passed (`labkit.model.health.after_checks`), so a jump of an hour costs one request per target; the
moment the state changed is still exact. Each settle of the simulated AWS probes a target at most once.

A task whose target is unhealthy is stopped by its service, once healthCheckGracePeriodSeconds have passed since the
task started: stopCode ServiceSchedulerInitiated, stoppedReason "Task failed ELB health checks in (target-group
ARN)", and the service event "(service S) (task T) (port P) is unhealthy in (target-group ARN) due to (reason ...)".
The service then starts a replacement (`labkit.mock.timeline` reconciles it at that moment).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.ecs.models import ecs_backends

from labkit.mock.ecs.events import service_event
from labkit.mock.ecs.tasks import life, request_stop
from labkit.mock.elb import address, probe
from labkit.mock.elb.targets import Target, in_use, targets_of
from labkit.model import health


@dataclass
class Probes:
    """The health checks one settle has sent: each target is probed at most once per settle."""

    account: str
    done: dict[tuple[str, int, str], health.Check] = field(default_factory=dict)


def task_for(account: str, region: str, target: Target) -> str | None:
    """The ARN of the task a target is: the one its service registered, or a live task with that private IP."""
    if target.task_arn:
        return target.task_arn
    backend = dict.get(ecs_backends, account, {})
    backend = dict.get(backend, region) if backend else None
    for cluster_tasks in (backend.tasks.values() if backend else []):
        for task in cluster_tasks.values():
            lk = life(task)
            if lk is not None and lk.private_ip == target.id and lk.is_live():
                return task.task_arn
    return None


def check_port(group: Any, target: Target) -> int:
    """The port health checks go to: the target's own ("traffic-port") or the group's HealthCheckPort."""
    port = group.health_check_port
    return target.port if port in (None, "", "traffic-port") else int(port)


def _probe(probes: Probes, group: Any, target: Target) -> health.Check:
    key = (target.id, check_port(group, target), group.health_check_path or "/")
    if key not in probes.done:
        task_arn = task_for(probes.account, group.region_name, target)
        where = address.task_address(probes.account, task_arn, key[1]) if task_arn else None
        matcher = (group.matcher or {}).get("HttpCode") or "200"
        probes.done[key] = probe.probe(where, key[2], float(group.health_check_timeout_seconds or 5), matcher)
    return probes.done[key]


def check_group(probes: Probes, group: Any, upto: datetime) -> list[Target]:
    """Apply the health checks `group` made by `upto`; returns the targets whose state changed (at `changed`)."""
    if not group.health_check_enabled or not in_use(group):
        return []
    interval = float(group.health_check_interval_seconds or 30)
    changed = []
    for target in list(targets_of(group).values()):
        if target.draining:
            continue
        due = int((upto - target.registered).total_seconds() // interval)
        n = due - target.health.checks
        if n <= 0:
            continue
        before = target.health.checks
        target.health, k = health.after_checks(target.health, _probe(probes, group, target), n,
                                               healthy_threshold=int(group.healthy_threshold_count),
                                               unhealthy_threshold=int(group.unhealthy_threshold_count))
        if k is not None:
            target.changed = target.registered + timedelta(seconds=(before + k) * interval)
            changed.append(target)
    return changed


def stop_unhealthy(ecs_backend: Any, group: Any, upto: datetime) -> list[tuple[Any, datetime]]:
    """Stop the tasks whose target is unhealthy past their service's grace period; returns (service, when) pairs."""
    stopped = []
    for target in targets_of(group).values():
        if target.draining or target.task_arn is None or target.health.state != health.UNHEALTHY:
            continue
        service = ecs_backend.services.get(target.service or "")
        task = ecs_backend.tasks.get(service.cluster_name, {}).get(target.task_arn) if service else None
        lk = life(task) if task is not None else None
        if lk is None or not lk.is_live() or lk.started_at is None:
            continue
        grace = float(getattr(service, "health_check_grace_period_seconds", None) or 0)
        when = max(target.changed or upto, lk.started_at + timedelta(seconds=grace))
        if when > upto:
            continue
        request_stop(task, code="ServiceSchedulerInitiated", when=when,
                     reason=f"Task failed ELB health checks in (target-group {group.arn})")
        service_event(service, when, f"(service {service.name}) (task {task.id}) (port {target.port}) is unhealthy "
                                     f"in (target-group {group.arn}) due to (reason {target.health.description}).")
        stopped.append((service, when))
    return stopped
