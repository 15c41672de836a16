"""Scaling policies that act: an alarm in ALARM changes an ECS service's desired count, as Application Auto Scaling
does, and the scaling activity is recorded (moto's policies never act, and it has no DescribeScalingActivities).

What labkit does each simulated minute, after the alarms were evaluated (`labkit.mock.cloudwatch.alarms`):

1. Every alarm in ALARM whose actions name a scaling policy invokes it, every minute it stays in ALARM (CloudWatch
   repeats Auto Scaling actions, and no other kind).
2. The policy proposes a capacity from the alarm's latest value:
   - target tracking: ceil(current desired count x metric / target value). The high alarm (metric above the target
     for 3 minutes) proposes only more tasks, the low alarm (below 90% of the target for 15 minutes) only fewer,
     and none with DisableScaleIn. Scaling out is fast and proportional; scaling in waits for the slow low alarm
     and its cooldown, and rounds up, so it removes capacity gradually and never below what the metric needs.
   - step scaling: the step whose bounds hold (metric - threshold) gives the adjustment: ChangeInCapacity,
     PercentChangeInCapacity (rounded toward zero, at least MinAdjustmentMagnitude) or ExactCapacity.
   The capacity is kept within the scalable target's MinCapacity and MaxCapacity.
3. Of several proposals for one target the largest wins, scale-out first (AWS gives precedence to the policy that
   provides the largest capacity).
4. Cooldowns: a scale-in waits until ScaleInCooldown (target tracking) or Cooldown (step) has passed since the last
   scale-in, and no scale-in happens while the service's deployment is in progress. A scale-out is not held back by
   its cooldown when it asks for more than the last one did: during the cooldown a step policy adds its adjustment
   to the capacity from before the last scale-out, so only the difference is added (AWS's example: +2, then +3 adds
   1). Defaults: 300 s. Suspended dynamic scaling (SuspendedState) is honoured.
5. The service's desiredCount becomes the new capacity at that minute (the ECS scheduler starts or stops tasks at
   once), and an activity is recorded: "Setting desired count to N.", cause "monitor alarm NAME in state ALARM
   triggered policy POLICY", status Successful.

Simplified from AWS: one evaluation per whole minute; the alarms' last periods only (`labkit.model.alarms`); the
low alarm's threshold (90% of the target) is AWS's usual, not a published rule; activities end when they start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from moto.moto_api._internal import mock_random

from labkit.model import scaling
from labkit.model.alarms import ALARM

DIMENSION = "ecs:service:DesiredCount"


@dataclass
class Cooldowns:
    """When a scalable target last scaled out (and from what capacity) and last scaled in."""

    out_at: datetime | None = None
    out_from: int | None = None
    in_at: datetime | None = None


@dataclass(frozen=True)
class Proposal:
    """What one policy, invoked by one alarm, asks a scalable target to become."""

    capacity: int
    out: bool
    policy: Any
    alarm: Any


def _cooldowns(target: Any) -> Cooldowns:
    return target.__dict__.setdefault("_lk_cooldowns", Cooldowns())


def activities(aas: Any) -> list[dict[str, Any]]:
    """The scaling activities recorded in an account-region, oldest first."""
    return aas.__dict__.setdefault("_lk_activities", [])


def _seconds(config: dict[str, Any], key: str) -> float:
    value = config.get(key)
    default = scaling.tracking_settings()["default_cooldown_seconds"]["value"]
    return float(default if value is None else value)


def policy_for(aas: Any, action: str) -> Any:
    """The scaling policy an alarm action names (target tracking adds ":createdBy/..." to the policy ARN)."""
    for policy in aas.policies.values():
        if action == policy.policy_arn or action.startswith(policy.policy_arn + ":"):
            return policy
    return None


def service_of(ecs_backend: Any, resource_id: str) -> Any:
    """The ECS service of a resource id "service/CLUSTER/NAME", if it is active."""
    _, cluster, name = (resource_id.split("/") + ["", ""])[:3]
    service = ecs_backend.services.get(f"{cluster}:{name}")
    return service if service is not None and service.status == "ACTIVE" else None


def _propose(policy: Any, alarm: Any, value: float, target: Any, current: int, now: datetime) -> Proposal | None:
    if policy.policy_type == "TargetTrackingScaling":
        config = policy.target_tracking_scaling_policy_configuration or {}
        capacity = scaling.tracking_capacity(current, value, float(config["TargetValue"]))
        high = str(alarm.comparison_operator).startswith("Greater")
        if high != (capacity > current) or (not high and config.get("DisableScaleIn")):
            return None
    else:
        config = policy.step_scaling_policy_configuration or {}
        adjustment = scaling.step_adjustment(value - float(alarm.threshold), config.get("StepAdjustments") or [])
        if not adjustment:
            return None
        base, cool = current, _cooldowns(target)
        if adjustment > 0 and cool.out_at and now < cool.out_at + timedelta(seconds=_seconds(config, "Cooldown")):
            base = cool.out_from if cool.out_from is not None else current
        capacity = scaling.step_capacity(base, config.get("AdjustmentType", "ChangeInCapacity"), adjustment,
                                         config.get("MinAdjustmentMagnitude"))
    capacity = scaling.clamp(capacity, target.min_capacity, target.max_capacity)
    return Proposal(capacity, capacity > current, policy, alarm) if capacity != current else None


def _may_scale_in(target: Any, proposal: Proposal, service: Any, now: datetime) -> bool:
    suspended = target.suspended_state or {}
    if suspended.get("DynamicScalingInSuspended"):
        return False
    config = (proposal.policy.target_tracking_scaling_policy_configuration
              or proposal.policy.step_scaling_policy_configuration or {})
    wait = _seconds(config, "ScaleInCooldown" if proposal.policy.policy_type == "TargetTrackingScaling" else "Cooldown")
    cool = _cooldowns(target)
    if cool.in_at is not None and now < cool.in_at + timedelta(seconds=wait):
        return False
    deployments = service.__dict__["_lk"].deployments if service.__dict__.get("_lk") else []
    return not any(d.get("rolloutState") == "IN_PROGRESS" for d in deployments)


def _cooling(target: Any, chosen: Proposal, before: int, now: datetime) -> None:
    """Start the cooldown a scaling activity begins (a scale-out during one keeps the capacity it started from)."""
    cool = _cooldowns(target)
    if not chosen.out:
        cool.in_at = now
        return
    config = (chosen.policy.target_tracking_scaling_policy_configuration
              or chosen.policy.step_scaling_policy_configuration or {})
    wait = _seconds(config, "ScaleOutCooldown" if chosen.policy.policy_type == "TargetTrackingScaling" else "Cooldown")
    if cool.out_at is None or now >= cool.out_at + timedelta(seconds=wait):
        cool.out_from = before
    cool.out_at = now


def _record(aas: Any, target: Any, proposal: Proposal, capacity: int, now: datetime) -> None:
    activities(aas).append({
        "ActivityId": str(mock_random.uuid4()), "ServiceNamespace": target.service_namespace,
        "ResourceId": target.resource_id, "ScalableDimension": target.scalable_dimension,
        "Description": f"Setting desired count to {capacity}.",
        "Cause": f"monitor alarm {proposal.alarm.name} in state ALARM triggered policy {proposal.policy.policy_name}",
        "StartTime": now, "EndTime": now, "StatusCode": "Successful",
        "StatusMessage": f"Successfully set desired count to {capacity}. Change successfully fulfilled by ecs."})


def act(aas: Any, ecs_backend: Any, verdicts: list[tuple[Any, Any]], now: datetime) -> list[Any]:
    """Invoke the policies of the alarms in ALARM; returns the ECS services whose desired count changed."""
    proposals: dict[str, list[Proposal]] = {}
    for alarm, verdict in verdicts:
        if alarm.state_value != ALARM or not alarm.actions_enabled or verdict.value is None:
            continue
        for action in alarm.alarm_actions:
            policy = policy_for(aas, action)
            target = aas.targets.get(DIMENSION, {}).get(policy.resource_id) if policy is not None else None
            service = service_of(ecs_backend, policy.resource_id) if target is not None else None
            if service is None or policy.service_namespace != "ecs":
                continue
            found = _propose(policy, alarm, verdict.value, target, service.desired_count, now)
            if found is not None:
                proposals.setdefault(policy.resource_id, []).append(found)
    changed = []
    for resource_id, found in proposals.items():
        target, service = aas.targets[DIMENSION][resource_id], service_of(ecs_backend, resource_id)
        outs = [p for p in found if p.out]
        chosen = max(outs or found, key=lambda p: p.capacity)
        suspended = target.suspended_state or {}
        if (chosen.out and suspended.get("DynamicScalingOutSuspended")) or (
                not chosen.out and not _may_scale_in(target, chosen, service, now)):
            continue
        _cooling(target, chosen, service.desired_count, now)
        service.desired_count = chosen.capacity
        _record(aas, target, chosen, chosen.capacity, now)
        changed.append(service)
    return changed
