"""Target tracking: the desired count a scaling policy aims for, and the arithmetic behind it.

A simplified model of Application Auto Scaling's target tracking (running tasks x metric / target, rounded up,
clamped to the minimum and maximum): AWS also waits for its CloudWatch alarms over several minutes, applies
cooldowns and scales in more cautiously than out, and does not publish the exact algorithm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

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
