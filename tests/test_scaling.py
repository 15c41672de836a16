"""labkit.model.scaling: the desired count a target-tracking policy aims for, with the arithmetic shown."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.errors import InvalidInput
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
