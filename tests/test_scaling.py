"""labkit.model.scaling: the desired count a target-tracking policy aims for, with the arithmetic shown."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.errors import InvalidInput
from labkit.model import scaling
from labkit.model.scaling import target_tracking


@pytest.mark.parametrize("running, metric, target, lo, hi, desired, words", [
    (2, 80, 50, 2, 10, 4, "scale out by 2"),      # 3.2 rounds up to 4
    (2, 50, 50, 2, 10, 2, "no change"),            # on target
    (6, 20, 50, 2, 10, 3, "scale in by 3"),        # 2.4 rounds up to 3
    (4, 90, 40, 2, 8, 8, "capped at the maximum 8"),
    (3, 10, 50, 2, 10, 2, "raised to the minimum 2"),
])
def test_target_tracking_table(running, metric, target, lo, hi, desired, words):
    decision = target_tracking(running, metric, target, min_capacity=lo, max_capacity=hi)
    assert decision.desired_count == desired
    assert words in str(decision)


@given(running=st.integers(1, 50), metric=st.floats(1, 100), target=st.floats(1, 100),
       lo=st.integers(0, 20), extra=st.integers(0, 20))
def test_target_tracking_stays_within_bounds_and_moves_toward_the_target(running, metric, target, lo, extra):
    hi = lo + extra
    d = target_tracking(running, metric, target, min_capacity=lo, max_capacity=hi)
    assert lo <= d.desired_count <= hi
    unclamped = math.ceil(running * metric / target - 1e-9)
    if lo <= unclamped <= hi:
        # the new count brings the average back to (at most) the target, with one task to spare at most
        assert d.desired_count * target >= running * metric - 1e-6
        assert (d.desired_count - 1) * target < running * metric + 1e-6


@pytest.mark.parametrize("kwargs, words", [
    ({"running": 0}, "running 0"), ({"metric": -5}, "metric -5"), ({"target": 0}, "target 0"),
    ({"min_capacity": 5, "max_capacity": 2}, "below min_capacity"), ({"running": 2.5}, "whole number"),
])
def test_target_tracking_bad_input_is_explained(kwargs, words):
    args = {"running": 2, "metric": 50, "target": 50, "min_capacity": 1, "max_capacity": 4} | kwargs
    with pytest.raises(InvalidInput, match=words):
        target_tracking(args.pop("running"), args.pop("metric"), args.pop("target"), **args)


# --- what the simulated AWS computes each minute ------------------------------------------------------------------
@pytest.mark.parametrize("work, sizes, each, average", [
    (1.5, [0.5], [100.0], 100.0),                 # capped: three tasks' worth of work on one
    (1.5, [0.5, 0.5, 0.5], [100.0] * 3, 100.0),
    (1.5, [0.5] * 6, [50.0] * 6, 50.0),
    (1.0, [0.5, 1.0], [100.0, 50.0], 75.0),       # an even share of the work, each of its own size
    (0.0, [0.25, 0.25], [0.0, 0.0], 0.0),
    (1.0, [], [], None),                          # nothing runs: no datapoint
])
def test_work_is_shared_evenly_and_each_task_capped_at_100(work, sizes, each, average):
    assert scaling.task_utilisation(work, sizes) == pytest.approx(each)
    assert scaling.average_utilisation(work, sizes) == (pytest.approx(average) if average is not None else None)


def test_target_tracking_alarms_and_capacity():
    assert scaling.tracking_thresholds(50) == (50.0, 45.0)
    shape = scaling.tracking_settings()["target_tracking"]
    assert (shape["high_alarm_datapoints"], shape["low_alarm_datapoints"], shape["period_seconds"]) == (3, 15, 60)
    assert scaling.tracking_capacity(1, 100, 50) == 2
    assert scaling.tracking_capacity(4, 75, 50) == 6
    assert scaling.tracking_capacity(6, 0, 50) == 0  # the scalable target's minimum keeps it up
    assert scaling.clamp(0, 1, 6) == 1 and scaling.clamp(9, 1, 6) == 6


STEPS = [{"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
         {"MetricIntervalLowerBound": 10, "ScalingAdjustment": 3},
         {"MetricIntervalUpperBound": 0, "ScalingAdjustment": -1}]


@pytest.mark.parametrize("breach, adjustment", [(0, 1), (9.9, 1), (10, 3), (50, 3), (-0.1, -1), (-40, -1)])
def test_the_step_holding_the_breach_gives_the_adjustment(breach, adjustment):
    assert scaling.step_adjustment(breach, STEPS) == adjustment


def test_no_step_holds_a_breach_outside_every_interval():
    assert scaling.step_adjustment(-5, STEPS[:2]) is None


@pytest.mark.parametrize("current, kind, adjustment, magnitude, capacity", [
    (3, "ChangeInCapacity", 2, None, 5),
    (3, "ChangeInCapacity", -5, None, 0),
    (3, "ExactCapacity", 7, None, 7),
    (10, "PercentChangeInCapacity", 25, None, 12),   # 2.5 rounded toward zero
    (10, "PercentChangeInCapacity", -25, None, 8),
    (2, "PercentChangeInCapacity", 10, 1, 3),        # 0.2 would add none: the minimum magnitude adds one
])
def test_step_capacity(current, kind, adjustment, magnitude, capacity):
    assert scaling.step_capacity(current, kind, adjustment, magnitude) == capacity


def test_an_unknown_adjustment_type_is_refused():
    with pytest.raises(InvalidInput, match="ChangeInCapacity, PercentChangeInCapacity or ExactCapacity"):
        scaling.step_capacity(1, "Double", 2)


@pytest.mark.parametrize("desired, threshold", [(1, 3), (6, 3), (7, 4), (10, 5), (1000, 200)])
def test_the_circuit_breaker_threshold_is_half_the_desired_count_within_3_and_200(desired, threshold):
    assert scaling.circuit_breaker_threshold(desired) == threshold


@pytest.mark.parametrize("desired, minimum, maximum, live, healthy, room", [
    (3, 100, 200, 3, 3, (3, 0)),     # start three new, stop none until they are healthy
    (3, 100, 200, 6, 6, (0, 3)),     # the new ones are healthy: stop the old three
    (4, 50, 100, 4, 4, (0, 2)),      # no room above 100%: stop two first
    (4, 50, 100, 2, 2, (2, 0)),      # then start two
    (1, 0, 100, 1, 1, (0, 1)),
])
def test_rolling_room(desired, minimum, maximum, live, healthy, room):
    assert scaling.rolling_room(desired, minimum, maximum, live, healthy) == room
