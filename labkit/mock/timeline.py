"""What happens in an account while simulated time passes: load balancer targets, health checks, metrics, alarms and
scaling, caught up step by step, one simulated minute at a time.

When an account's clock moves (this listener runs before ECS's own) or before a call reads what time changes
(ELBv2, CloudWatch, Application Auto Scaling, ECS, a request through a loopback listener), `settle` walks from the
moment last settled to now. For each whole minute on the way, with the account's time pinned there
(`labkit.mock.accounts.as_of`):

1. between the minutes: ECS services register the tasks that reached RUNNING with their target groups and drain
   those told to stop (`labkit.mock.elb.targets`); health checks due by then are applied, with one real probe per
   target per settle (`labkit.mock.elb.health`); a task whose target became unhealthy past its grace period is
   stopped at that moment, and its service reconciled there, which starts the replacement; a target becoming
   healthy reconciles its service there too (a rolling deployment waits for it);
2. at the minute: AWS/ECS and AWS/ApplicationELB datapoints for the minute just ended (`labkit.mock.cloudwatch.
   metrics`), the alarms whose period ended (`labkit.mock.cloudwatch.alarms`), then the scaling policies they
   invoke (`labkit.mock.autoscaling.acting`); a service whose desired count changed is reconciled at that minute.

The part of a minute after the last whole one gets step 1 only. An account with no ECS service, target group or
alarm is skipped at once, so lessons that use none of this pay nothing for it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from moto.applicationautoscaling.models import applicationautoscaling_backends
from moto.cloudwatch.models import cloudwatch_backends
from moto.ecs.models import ecs_backends
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.models import elbv2_backends

from labkit.mock.accounts import as_of, clock, when_account_ends, when_time_moves
from labkit.mock.autoscaling import acting
from labkit.mock.cloudwatch import alarms, metrics
from labkit.mock.ecs import services
from labkit.mock.elb import health, targets
from labkit.mock.patch import patch
from labkit.mock.state import LOCK, enabled

MINUTE = timedelta(minutes=1)
_settled: dict[str, datetime] = {}  # account -> the moment it was last settled to
_busy: set[str] = set()  # accounts being settled (what the settling reads does not settle again)


def _regions(backends: Any, account: str) -> dict[str, Any]:
    """The region -> backend of one account that moto has made (none is made here)."""
    regions = dict.get(backends, account)
    return dict(dict.items(regions)) if regions else {}


class _Account:
    """The backends of one account that take part, by region."""

    def __init__(self, account: str) -> None:
        self.account = account
        self.ecs = _regions(ecs_backends, account)
        self.elbv2 = _regions(elbv2_backends, account)
        self.cloudwatch = _regions(cloudwatch_backends, account)
        self.aas = _regions(applicationautoscaling_backends, account)

    @property
    def idle(self) -> bool:
        return not (any(b.services for b in self.ecs.values()) or any(b.target_groups for b in self.elbv2.values())
                    or any(b.alarms for b in self.cloudwatch.values()))

    def regions(self) -> set[str]:
        return set(self.ecs) | set(self.elbv2) | set(self.cloudwatch)


def _reconcile(account: str, ecs_backend: Any, service: Any, when: datetime) -> None:
    with as_of(account, when):
        services.reconcile(ecs_backend, service)


def _between(world: _Account, probes: health.Probes, upto: datetime) -> None:
    """Targets, health checks and what they make ECS do, up to `upto`."""
    for region in world.regions():
        ecs_backend, elbv2 = world.ecs.get(region), world.elbv2.get(region)
        if elbv2 is None or not elbv2.target_groups:
            continue
        for service in list(ecs_backend.services.values()) if ecs_backend else []:
            targets.sync_service(ecs_backend, service, upto)
        for group in list(elbv2.target_groups.values()):
            targets.finish_draining(group, upto)
            for target in health.check_group(probes, group, upto):
                service = ecs_backend.services.get(target.service or "") if ecs_backend else None
                if service is not None and target.changed is not None:
                    _reconcile(world.account, ecs_backend, service, target.changed)
            if ecs_backend is not None:
                for service, when in health.stop_unhealthy(ecs_backend, group, upto):
                    _reconcile(world.account, ecs_backend, service, when)
                    targets.sync_service(ecs_backend, service, upto)  # its stopped task's target drains


def _minute(world: _Account, tick: datetime) -> None:
    """The minute ending at `tick`: its datapoints, the alarms, the scaling they invoke."""
    for region in world.regions():
        ecs_backend, cloudwatch = world.ecs.get(region), world.cloudwatch.get(region)
        if cloudwatch is None:
            cloudwatch = cloudwatch_backends[world.account][region]
            world.cloudwatch[region] = cloudwatch
        if ecs_backend is not None:
            metrics.publish_ecs(ecs_backend, cloudwatch, tick)
        if region in world.elbv2:
            metrics.publish_elb(ecs_backend, world.elbv2[region], cloudwatch, tick)
        verdicts = alarms.evaluate(cloudwatch, tick)
        aas = world.aas.get(region)
        if verdicts and aas is not None and ecs_backend is not None:
            for service in acting.act(aas, ecs_backend, verdicts, tick):
                services.reconcile(ecs_backend, service)


def _catch_up(account: str, since: datetime, now: datetime) -> None:
    world = _Account(account)
    if world.idle:
        return
    probes = health.Probes(account)
    tick = since.replace(second=0, microsecond=0) + MINUTE
    while tick <= now:
        with as_of(account, tick):
            _between(world, probes, tick)
            _minute(world, tick)
        tick += MINUTE
    with as_of(account, now):
        _between(world, probes, now)


def settle(account: str) -> None:
    """Catch an account up to its simulated now, minute by minute (see the module doc); when no time passed, only
    what changed at this instant (a task told to stop starts draining). Cheap when there is nothing to do."""
    if not enabled() or account in _busy:
        return
    with LOCK:
        simulated = clock(account)
        now = simulated.now()
        since = _settled.get(account) or now - timedelta(seconds=simulated.elapsed)
        _busy.add(account)
        try:
            _settled[account] = max(now, since)
            _catch_up(account, min(since, now), now)
        finally:
            _busy.discard(account)


def _forget(account: str) -> None:
    _settled.pop(account, None)


when_time_moves(settle, first=True)
when_account_ends(_forget)


@patch(EC2ContainerServiceResponse.ecs_backend)
def ecs_backend(fn: Any, self: Any) -> Any:
    """Before an ECS call, the account's minutes are caught up (a labkit server's clock also runs with wall time)."""
    settle(self.current_account)
    return fn(self)
