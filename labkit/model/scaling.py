"""Scaling arithmetic: what a target-tracking policy aims for, and what the simulated AWS computes each minute.

- `target_tracking`: the desired count a policy aims for, with the arithmetic shown (for lessons and checks). A
  simplified model (running tasks x metric / target, rounded up, clamped to the minimum and maximum): AWS also waits
  for its CloudWatch alarms over several minutes, applies cooldowns and scales in more cautiously than out.
- What `labkit.mock` uses to act as AWS does (the algorithm and where it simplifies AWS's are told in
  `labkit.mock.autoscaling.acting`): each task's utilisation from the work a service receives (`Load`,
  `task_utilisation`), target tracking's alarm thresholds and proportional capacity, step scaling's adjustments,
  the scalable target's bounds, a rolling deployment's room and the deployment circuit breaker's threshold. The
  numbers AWS documents are in labkit.data ("autoscaling"), with their sources.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from labkit.data import facts
from labkit.errors import InvalidInput


@dataclass(frozen=True)
class ScalingDecision:
    """What a target-tracking policy would set the desired count to, and the arithmetic behind it."""

    running: int
    metric: float
    target: float
    min_capacity: int
    max_capacity: int
    proportional: float
    desired_count: int

    def __str__(self) -> str:
        rounded = math.ceil(self.proportional - 1e-9)
        text = (f"{self.running} tasks x {self.metric:g}% / {self.target:g}% target = {self.proportional:.2f}, "
                f"rounded up: {rounded}")
        if rounded > self.max_capacity:
            text += f", capped at the maximum {self.max_capacity}"
        elif rounded < self.min_capacity:
            text += f", raised to the minimum {self.min_capacity}"
        change = self.desired_count - self.running
        verb = "scale out by" if change > 0 else "scale in by" if change < 0 else "no change"
        return text + f" -> desired count {self.desired_count} ({verb}{f' {abs(change)}' if change else ''})"


def _whole(value: Any, name: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise InvalidInput(f"{name} {value!r} must be a whole number, at least {minimum}.")
    return value


def _positive(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise InvalidInput(f"{name} {value!r} must be a number above 0 (a percentage such as 50).")
    return float(value)


def target_tracking(running: int, metric: float, target: float, *, min_capacity: int,
                    max_capacity: int) -> ScalingDecision:
    """The desired count a CPU target-tracking policy aims for: running x metric / target, rounded up, clamped.

    A simplified model: AWS also waits for its CloudWatch alarms over several minutes, applies cooldowns and
    scales in more cautiously than out; it does not publish the exact algorithm.
    """
    running = _whole(running, "running", 1)
    metric = _positive(metric, "metric")
    target = _positive(target, "target")
    lo = _whole(min_capacity, "min_capacity")
    hi = _whole(max_capacity, "max_capacity")
    if hi < lo:
        raise InvalidInput(f"max_capacity {hi} is below min_capacity {lo}; the maximum must be at least the "
                           "minimum.")
    proportional = running * metric / target
    desired = min(max(math.ceil(proportional - 1e-9), lo), hi)
    return ScalingDecision(running, metric, target, lo, hi, proportional, desired)


# --- what the simulated AWS computes each minute (labkit.mock.cloudwatch and labkit.mock.autoscaling) ------------
@dataclass(frozen=True)
class Load:
    """The work a service receives (`lab.load`): vCPU of work, GB of memory in use, requests per second."""

    cluster: str
    service: str
    vcpu: float = 0.0
    memory_gb: float = 0.0
    requests_per_second: float = 0.0

    def __str__(self) -> str:
        return (f"service {self.cluster}/{self.service} receives {self.vcpu:g} vCPU of work, {self.memory_gb:g} GB "
                f"of memory in use and {self.requests_per_second:g} requests per second")


def task_utilisation(work: float, sizes: list[float]) -> list[float]:
    """Percent of its size each task uses when running tasks of `sizes` share `work` evenly (each at most 100).

    `work` and the sizes are in one unit (vCPU, or GB): 1.5 vCPU of work over three 0.5-vCPU tasks is 100% each.
    """
    if not sizes:
        return []
    share = max(work, 0.0) / len(sizes)
    return [min(100.0, share / size * 100.0) if size > 0 else 100.0 for size in sizes]


def average_utilisation(work: float, sizes: list[float]) -> float | None:
    """A service's utilisation as CloudWatch averages it over its running tasks (None: no task runs)."""
    each = task_utilisation(work, sizes)
    return sum(each) / len(each) if each else None


def tracking_settings() -> dict[str, Any]:
    """Target tracking's alarm shape and defaults, from labkit.data ("autoscaling")."""
    return facts()["autoscaling"]


def tracking_thresholds(target: float) -> tuple[float, float]:
    """The thresholds of the high (scale-out) and low (scale-in) alarms a target-tracking policy creates."""
    ratio = float(tracking_settings()["target_tracking"]["low_threshold_ratio"])
    return float(target), round(float(target) * ratio, 6)


def tracking_capacity(current: int, metric: float, target: float) -> int:
    """Target tracking's proportional capacity: current x metric / target, rounded up (never below 0)."""
    if target <= 0:
        raise InvalidInput(f"target {target!r} must be above 0.")
    return max(0, math.ceil(current * max(metric, 0.0) / target - 1e-9))


def clamp(capacity: int, min_capacity: int | None, max_capacity: int | None) -> int:
    """A capacity kept within a scalable target's minimum and maximum."""
    if max_capacity is not None:
        capacity = min(capacity, max_capacity)
    if min_capacity is not None:
        capacity = max(capacity, min_capacity)
    return capacity


def step_adjustment(breach: float, steps: list[dict[str, Any]]) -> int | None:
    """The ScalingAdjustment of the step whose bounds hold `breach` (metric minus alarm threshold), if any.

    Bounds are relative to the threshold; a missing lower bound is minus infinity, a missing upper bound plus
    infinity. Above the threshold a step's lower bound is inclusive and its upper bound exclusive; below it the
    other way round (AWS's convention).
    """
    above = breach >= 0
    for step in steps:
        low, high = step.get("MetricIntervalLowerBound"), step.get("MetricIntervalUpperBound")
        low_ok = low is None or (breach >= float(low) if above else breach > float(low))
        high_ok = high is None or (breach < float(high) if above else breach <= float(high))
        if low_ok and high_ok:
            return int(step["ScalingAdjustment"])
    return None


def step_capacity(current: int, adjustment_type: str, adjustment: int, min_magnitude: int | None = None) -> int:
    """The capacity a step scaling adjustment asks for: change by, change by percent, or set exactly."""
    if adjustment_type == "ExactCapacity":
        return max(0, adjustment)
    if adjustment_type == "PercentChangeInCapacity":
        change = current * adjustment / 100.0
        change = math.floor(change) if change > 0 else math.ceil(change)  # AWS rounds toward zero
        if min_magnitude and abs(change) < min_magnitude and adjustment != 0:
            change = min_magnitude if adjustment > 0 else -min_magnitude
        return max(0, current + int(change))
    if adjustment_type == "ChangeInCapacity":
        return max(0, current + adjustment)
    raise InvalidInput(f"AdjustmentType {adjustment_type!r}: use ChangeInCapacity, PercentChangeInCapacity or "
                       "ExactCapacity.")


def circuit_breaker_threshold(desired: int) -> int:
    """How many failed tasks make the deployment circuit breaker trip: 0.5 x desired, within 3 and 200."""
    breaker = tracking_settings()["circuit_breaker"]
    return int(min(breaker["maximum"], max(breaker["minimum"], math.ceil(breaker["ratio"] * desired))))


def rolling_room(desired: int, minimum_healthy_percent: int, maximum_percent: int, live: int,
                 healthy: int) -> tuple[int, int]:
    """A rolling update's room now: (tasks it may start, healthy tasks it may stop).

    ECS keeps at least minimumHealthyPercent of the desired count healthy (rounded up) and runs at most
    maximumPercent of it (rounded down), counting `live` tasks (desired RUNNING) and `healthy` ones.
    """
    upper = math.floor(desired * maximum_percent / 100)
    lower = math.ceil(desired * minimum_healthy_percent / 100)
    return max(0, upper - live), max(0, healthy - lower)
