"""labkit.model.alarms: a CloudWatch alarm's state from its last N periods, with AWS's kind of reason."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from labkit.errors import InvalidInput
from labkit.model import alarms

T0 = datetime(2026, 12, 5, 10, 0)


def periods(*values: float | None) -> list[tuple[datetime, float | None]]:
    return [(T0 + timedelta(minutes=i), v) for i, v in enumerate(values)]


def test_three_breaching_datapoints_of_three_are_alarm():
    verdict = alarms.evaluate(periods(60, 70, 80), threshold=50, comparison="GreaterThanThreshold")
    assert (verdict.state, verdict.value) == ("ALARM", 80)
    assert verdict.reason == ("Threshold Crossed: 3 datapoints [80.0 (05/12/26 10:02:00), 70.0 (05/12/26 10:01:00), "
                              "60.0 (05/12/26 10:00:00)] were greater than the threshold (50.0).")


def test_one_datapoint_below_makes_it_ok():
    verdict = alarms.evaluate(periods(60, 70, 40), threshold=50, comparison="GreaterThanThreshold")
    assert verdict.state == "OK"
    assert verdict.reason == ("Threshold Crossed: 1 datapoint [40.0 (05/12/26 10:02:00)] was not greater than the "
                              "threshold (50.0).")


def test_m_out_of_n():
    verdict = alarms.evaluate(periods(60, 40, 80), threshold=50, comparison="GreaterThanOrEqualToThreshold",
                              datapoints_to_alarm=2)
    assert verdict.state == "ALARM" and verdict.reason.startswith("Threshold Crossed: 2 out of the last 3 datapoints")


@pytest.mark.parametrize("treat, state", [("missing", "INSUFFICIENT_DATA"), ("breaching", "ALARM"),
                                          ("notBreaching", "OK"), ("ignore", "OK")])
def test_missing_data_as_treat_missing_data_says(treat, state):
    verdict = alarms.evaluate(periods(None, None, None), threshold=45, comparison="LessThanThreshold",
                              treat_missing=treat, current="OK")
    assert verdict.state == state


def test_missing_periods_are_left_out_by_default():
    assert alarms.evaluate(periods(None, 30, 20), threshold=45, comparison="LessThanThreshold",
                           datapoints_to_alarm=2).state == "ALARM"


@pytest.mark.parametrize("name, value", [("Average", 2.0), ("Sum", 6.0), ("Minimum", 1.0), ("Maximum", 3.0),
                                         ("SampleCount", 3.0)])
def test_statistics(name, value):
    assert alarms.statistic([1.0, 2.0, 3.0], name) == value
    assert alarms.statistic([], name) is None


def test_unknown_statistic_and_comparison_are_refused():
    with pytest.raises(InvalidInput, match="Average, Sum"):
        alarms.statistic([1.0], "p99")
    with pytest.raises(InvalidInput, match="GreaterThanThreshold"):
        alarms.breaches(1.0, 0.0, "Above")
