"""Targets of ip target groups on the simulated clock: ECS registers its tasks, deregistration drains, health shows.

- A service with `loadBalancers` registers each task's private IP and container port when the task reaches RUNNING
  (at its startedAt), and deregisters it when the task is told to stop: the target drains for the target group's
  deregistration_delay.timeout_seconds, and the task keeps running (desired status STOPPED) until it has drained,
  as ECS waits for the deregistration delay before it stops a task. Then the target is gone.
- RegisterTargets and DeregisterTargets by hand do the same for any address (deregistration drains too).
- DescribeTargetHealth shows what labkit decided (`labkit.mock.elb.health`): initial, healthy, unhealthy, draining,
  or unused when no listener forwards to the group; moto reports every target healthy at once.

Each moto target group carries its labkit targets (`targets_of`); the service events say "registered 1 targets in
(target-group ...)" and "deregistered 1 targets in (target-group ...)", as ECS's do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.elbv2.models import ELBv2Backend, FakeHealthStatus, FakeTargetGroup, elbv2_backends

from labkit.data import facts
from labkit.mock.accounts import now as account_now
from labkit.mock.ecs.events import service_event
from labkit.mock.ecs.tasks import life
from labkit.mock.patch import patch
from labkit.model import health
from labkit.model.lifecycle import STARTED

DISABLED = ("Target.HealthCheckDisabled", "Health checks are disabled")


@dataclass
class Target:
    """A registered target as labkit follows it: when it came, its health, and whether it drains."""

    id: str
    port: int
    registered: datetime
    task_arn: str | None = None  # the ECS task it is (registered by its service), if any
    service: str | None = None  # that service's key in moto's ECS backend ("cluster:service")
    health: health.Health = field(default_factory=health.Health)
    changed: datetime | None = None  # when its health state last changed
    draining_since: datetime | None = None
    drained_at: datetime | None = None

    @property
    def draining(self) -> bool:
        return self.draining_since is not None


def targets_of(group: Any) -> dict[str, Target]:
    """The labkit targets of a moto target group, by target id."""
    return group.__dict__.setdefault("_lk_targets", {})


def _tasks_seen(group: Any) -> set[str]:
    return group.__dict__.setdefault("_lk_tasks", set())


def deregistration_delay(group: Any) -> int:
    """Seconds a deregistered target of `group` drains (its deregistration_delay.timeout_seconds)."""
    default = facts()["load_balancing"]["deregistration_delay_seconds"]["value"]
    return int(group.attributes.get("deregistration_delay.timeout_seconds", default))


def in_use(group: Any) -> bool:
    """Whether a listener (or a rule) forwards to `group`."""
    return bool(elbv2_backends[group.account_id][group.region_name]._any_listener_using(group.arn))


def register(group: Any, target_id: str, port: int, when: datetime, *, task_arn: str | None = None,
             service: str | None = None) -> Target:
    """Register a target at `when` (in moto's list too, so DescribeTargetHealth lists it)."""
    group.targets[target_id] = {"Id": target_id, "Port": port}
    group.deregistered_targets.pop(target_id, None)
    target = Target(target_id, port, when, task_arn=task_arn, service=service)
    targets_of(group)[target_id] = target
    return target


def begin_draining(group: Any, target: Target, when: datetime) -> None:
    """Deregister a target at `when`: it drains for the group's deregistration delay, then leaves."""
    if not target.draining:
        target.draining_since = when
        target.drained_at = when + timedelta(seconds=deregistration_delay(group))


def finish_draining(group: Any, upto: datetime) -> None:
    """Remove the targets whose deregistration delay has passed by `upto`."""
    for target in [t for t in targets_of(group).values() if t.drained_at is not None and t.drained_at <= upto]:
        targets_of(group).pop(target.id, None)
        moto_target = group.targets.pop(target.id, None)
        if moto_target is not None:
            group.deregistered_targets[target.id] = moto_target


# --- ECS services register and deregister their tasks -------------------------------------------------------------
def _hold_until_drained(task: Any, until: datetime) -> None:
    """ECS waits for the deregistration delay before it stops a deregistered task: its stop begins then."""
    lk = life(task)
    if lk is not None and lk.stop_begins is not None and lk.stop_begins < until:
        lk.stop_begins = until


def sync_service(ecs_backend: Any, service: Any, upto: datetime) -> None:
    """Register the service's tasks that reached RUNNING by `upto`; drain those told to stop by then."""
    if not service.load_balancers:
        return
    elbv2 = elbv2_backends[ecs_backend.account_id][ecs_backend.region_name]
    group_name = f"service:{service.name}"
    tasks = [t for t in ecs_backend.tasks.get(service.cluster_name, {}).values()
             if t.group == group_name and life(t) is not None]
    key = f"{service.cluster_name}:{service.name}"
    for binding in service.load_balancers:
        group = elbv2.target_groups.get(binding.get("targetGroupArn") or "")
        if group is None:
            continue
        for task in tasks:
            _sync_task(group, task, int(binding.get("containerPort") or group.port), service, key, upto)
        finish_draining(group, upto)


def _sync_task(group: Any, task: Any, port: int, service: Any, key: str, upto: datetime) -> None:
    lk = life(task)
    seen = _tasks_seen(group)
    started = lk.at(STARTED, now=upto)
    if task.task_arn not in seen and started is not None and lk.private_ip:
        seen.add(task.task_arn)
        register(group, lk.private_ip, port, started, task_arn=task.task_arn, service=key)
        service_event(service, started, f"(service {service.name}) registered 1 targets in (target-group {group.arn})")
    target = targets_of(group).get(lk.private_ip or "")
    if target is None or target.task_arn != task.task_arn or target.draining:
        return
    if lk.stop_requested is not None and lk.stop_requested <= upto:
        begin_draining(group, target, lk.stop_requested)
        _hold_until_drained(task, target.drained_at or lk.stop_requested)
        service_event(service, lk.stop_requested,
               f"(service {service.name}) deregistered 1 targets in (target-group {group.arn})")


# --- what DescribeTargetHealth shows, and targets registered by hand ------------------------------------------------
def shown(group: Any, target: Target) -> tuple[str, str | None, str | None]:
    """(State, Reason, Description) of a target as DescribeTargetHealth gives them."""
    if target.draining:
        return ("draining", *health.DRAINING)
    if not in_use(group):
        return ("unused", *health.NOT_IN_USE)
    if not group.health_check_enabled:
        return ("unavailable", *DISABLED)
    return target.health.state, target.health.reason, target.health.description


@patch(FakeTargetGroup.health_for)
def health_for(fn: Any, self: Any, target: dict[str, Any], ec2_backend: Any) -> Any:
    """A registered target's health as labkit follows it (moto says healthy at once)."""
    found = targets_of(self).get(target["Id"])
    if found is None:
        return fn(self, target, ec2_backend)
    state, reason, description = shown(self, found)
    return FakeHealthStatus(found.id, found.port, self.health_check_port, state, reason, description)


@patch(ELBv2Backend.register_targets)
def register_targets(fn: Any, self: Any, target_group_arn: str, instances: list[Any]) -> None:
    """RegisterTargets: each target starts initial, its health checks on the simulated clock."""
    fn(self, target_group_arn, instances)
    group = self.target_groups[target_group_arn]
    when = account_now(self.account_id)
    for target in instances:
        known = targets_of(group).get(target["Id"])
        if known is None or known.draining:
            register(group, target["Id"], int(target.get("Port") or group.port), when)


@patch(ELBv2Backend.deregister_targets)
def deregister_targets(fn: Any, self: Any, target_group_arn: str, instances: list[dict[str, Any]]) -> None:
    """DeregisterTargets: a target labkit follows drains for the deregistration delay before it leaves."""
    group = self.target_groups.get(target_group_arn)
    if group is None:
        return fn(self, target_group_arn, instances)
    when = account_now(self.account_id)
    for target in instances:
        known = targets_of(group).get(target["Id"])
        if known is None:
            fn(self, target_group_arn, [target])  # moto's own answer (InvalidTarget for an unknown one)
        else:
            begin_draining(group, known, when)
    finish_draining(group, when)
    return None


def in_service_since(ecs_backend: Any, service: Any, task: Any) -> datetime | None:
    """When a service's task became healthy in every target group it is registered with (None: not yet)."""
    moments = []
    for binding in service.load_balancers or []:
        group = elbv2_backends[ecs_backend.account_id][ecs_backend.region_name].target_groups.get(
            binding.get("targetGroupArn") or "")
        if group is None:
            continue
        target = next((t for t in targets_of(group).values() if t.task_arn == task.task_arn), None)
        if target is None or target.draining or target.health.state != health.HEALTHY or target.changed is None:
            return None
        moments.append(target.changed)
    return max(moments) if moments else None
