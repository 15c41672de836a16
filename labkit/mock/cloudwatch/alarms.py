"""CloudWatch alarms that change state as AWS evaluates them, every simulated minute (moto's never do).

At each whole minute (`evaluate`, called by `labkit.mock.timeline`), an alarm whose period ends then looks at its
last EvaluationPeriods periods of its metric (namespace, name and exactly its dimensions) in moto's store, and
`labkit.model.alarms.evaluate` says its state: ALARM, OK or INSUFFICIENT_DATA, with AWS's kind of reason. A new
alarm starts INSUFFICIENT_DATA, as on AWS (moto starts it OK). Alarms on metric math, composite alarms and
percentile statistics are left as they are. Every alarm is returned with its verdict: an alarm in ALARM with an
Application Auto Scaling policy among its actions acts every period it stays there (`labkit.mock.autoscaling`).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from moto.cloudwatch.models import CloudWatchBackend

from labkit.mock.accounts import now as account_now
from labkit.mock.patch import patch
from labkit.model import alarms as rules

LOOK_BACK = timedelta(hours=1)  # datapoints put this much out of time order are still found


def _key(namespace: str, name: str, dimensions: list[Any]) -> tuple[str, str, frozenset[tuple[str, str]]]:
    return namespace, name, frozenset((d.name, d.value) for d in dimensions)


def _datapoints(cloudwatch: Any, since: datetime) -> dict[tuple[Any, ...], list[tuple[datetime, float]]]:
    """Every single-value datapoint since `since`, by metric (namespace, name, dimensions).

    The store grows at its end, mostly in time order (labkit publishes minute after minute), so it is read from the
    end back until well before `since`: an hour-long lab costs its alarms what a five-minute one does.
    """
    found: dict[tuple[Any, ...], list[tuple[datetime, float]]] = defaultdict(list)
    stop = since - LOOK_BACK
    for datum in reversed(cloudwatch.metric_data):
        if datum.timestamp < stop:
            break
        if datum.timestamp >= since and hasattr(datum, "value"):
            found[_key(datum.namespace, datum.name, datum.dimensions)].append((datum.timestamp, datum.value))
    return found


def evaluable(alarm: Any) -> bool:
    """Whether labkit evaluates this alarm: one metric, a plain statistic, a comparison it knows."""
    return (bool(alarm.metric_name) and not alarm.metric_data_queries and not alarm.rule
            and alarm.statistic in rules.STATISTICS and alarm.comparison_operator in rules.COMPARISONS
            and int(alarm.period or 0) > 0)


def _periods(alarm: Any, points: list[tuple[datetime, float]], end: datetime) -> list[tuple[datetime, float | None]]:
    period = timedelta(seconds=int(alarm.period))
    out = []
    for k in range(int(alarm.evaluation_periods), 0, -1):
        start = end - k * period
        values = [v for t, v in points if start <= t < start + period]
        out.append((start, rules.statistic(values, alarm.statistic)))
    return out


def evaluate(cloudwatch: Any, tick: datetime) -> list[tuple[Any, rules.Verdict]]:
    """Evaluate the alarms whose period ends at `tick`; returns each with its verdict (ALARM or not)."""
    due = [a for a in cloudwatch.alarms.values() if evaluable(a) and int(tick.timestamp()) % int(a.period) == 0]
    if not due:
        return []
    end = tick.replace(tzinfo=None)
    window = max(int(a.period) * int(a.evaluation_periods) for a in due)
    data = _datapoints(cloudwatch, end - timedelta(seconds=window))
    out = []
    for alarm in due:
        points = data.get(_key(alarm.namespace, alarm.metric_name, alarm.dimensions), [])
        verdict = rules.evaluate(_periods(alarm, points, end), threshold=float(alarm.threshold),
                                 comparison=alarm.comparison_operator, datapoints_to_alarm=alarm.datapoints_to_alarm,
                                 treat_missing=alarm.treat_missing_data, current=alarm.state_value)
        if verdict.state != alarm.state_value:
            data_json = json.dumps({"version": "1.0", "queryDate": end.isoformat(), "recentDatapoints":
                                    [v for _, v in _periods(alarm, points, end) if v is not None],
                                    "threshold": float(alarm.threshold)})
            alarm.update_state(verdict.reason, data_json, verdict.state)
            alarm.state_updated_timestamp = end
        out.append((alarm, verdict))
    return out


@patch(CloudWatchBackend.put_metric_alarm)
def put_metric_alarm(fn: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    """PutMetricAlarm: a new alarm starts INSUFFICIENT_DATA, as on AWS; updating one keeps its state."""
    name = kwargs.get("name", args[0] if args else None)
    before = self.alarms.get(name)
    alarm = fn(self, *args, **kwargs)
    when = account_now(self.account_id).replace(tzinfo=None)
    if before is None:
        alarm.state_value, alarm.state_updated_timestamp = rules.INSUFFICIENT, when
    else:
        alarm.state_value, alarm.state_reason = before.state_value, before.state_reason
        alarm.state_updated_timestamp = before.state_updated_timestamp
    alarm.configuration_updated_timestamp = when
    return alarm
