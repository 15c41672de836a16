"""CloudWatch metric alarms as pure rules: a statistic over a period, compared with a threshold, M of N periods.

An alarm looks at its last `evaluation_periods` periods. Each period's statistic (Average, Sum, Minimum, Maximum or
SampleCount of the datapoints in it) breaches when it compares with the threshold as the alarm's operator says.
With `datapoints_to_alarm` (M, default N) breaching periods it is ALARM, otherwise OK; with no data at all it is
INSUFFICIENT_DATA. Periods without data follow TreatMissingData: `missing` (the default) and `ignore` leave them
out, `breaching` and `notBreaching` count them as such (`ignore` keeps the current state when all are missing).

A simplification, said here once: CloudWatch looks further back than N periods for datapoints when some are
missing; labkit evaluates the last N periods only. The state reason follows AWS's wording ("Threshold Crossed: 3
datapoints [...] were greater than the threshold (50.0).").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from labkit.errors import InvalidInput

ALARM, OK, INSUFFICIENT = "ALARM", "OK", "INSUFFICIENT_DATA"
COMPARISONS = {
    "GreaterThanThreshold": (lambda v, t: v > t, "greater than"),
    "GreaterThanOrEqualToThreshold": (lambda v, t: v >= t, "greater than or equal to"),
    "LessThanThreshold": (lambda v, t: v < t, "less than"),
    "LessThanOrEqualToThreshold": (lambda v, t: v <= t, "less than or equal to"),
}
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")


def statistic(values: Sequence[float], name: str) -> float | None:
    """One period's statistic of its datapoints (None without datapoints)."""
    if not values:
        return None
    if name == "Average":
        return sum(values) / len(values)
    if name == "Sum":
        return float(sum(values))
    if name == "Minimum":
        return float(min(values))
    if name == "Maximum":
        return float(max(values))
    if name == "SampleCount":
        return float(len(values))
    raise InvalidInput(f"statistic {name!r}: use one of {', '.join(STATISTICS)}.")


def breaches(value: float, threshold: float, comparison: str) -> bool:
    """Whether a period's value breaches the threshold under the alarm's comparison operator."""
    if comparison not in COMPARISONS:
        raise InvalidInput(f"comparison {comparison!r}: use one of {', '.join(COMPARISONS)}.")
    return bool(COMPARISONS[comparison][0](value, threshold))


@dataclass(frozen=True)
class Verdict:
    """An alarm's state after one evaluation, with AWS's kind of reason."""

    state: str
    reason: str
    value: float | None  # the most recent period's value, what a scaling policy acts on


def _stamp(when: datetime) -> str:
    return when.strftime("%d/%m/%y %H:%M:%S")


def evaluate(periods: Sequence[tuple[datetime, float | None]], *, threshold: float, comparison: str,
             datapoints_to_alarm: int | None = None, treat_missing: str | None = None,
             current: str = INSUFFICIENT) -> Verdict:
    """The state of an alarm whose last N periods (oldest first, value None when empty) are `periods`."""
    n = len(periods)
    m = datapoints_to_alarm or n
    missing = treat_missing or "missing"
    counted: list[tuple[datetime, float, bool]] = []
    for when, value in periods:
        if value is not None:
            counted.append((when, value, breaches(value, threshold, comparison)))
        elif missing in ("breaching", "notBreaching"):
            counted.append((when, float("nan"), missing == "breaching"))
    latest = next((v for _, v in reversed(periods) if v is not None), None)
    if not counted:
        if missing == "ignore":
            return Verdict(current, "", latest)
        return Verdict(INSUFFICIENT, f"Insufficient Data: {n} datapoint{'s' if n != 1 else ''} were unknown.",
                       latest)
    bad = [c for c in counted if c[2]]
    words = COMPARISONS[comparison][1]
    if len(bad) >= m:
        shown = bad[-m:][::-1]
        state, verb = ALARM, ("was" if len(shown) == 1 else "were")
    else:
        shown = [c for c in counted if not c[2]][-1:] or counted[-1:]
        state, verb, words = OK, ("was" if len(shown) == 1 else "were"), "not " + words
    points = ", ".join(f"{float(v)} ({_stamp(w)})" for w, v, _ in shown)
    count = f"{len(shown)} datapoint{'s' if len(shown) != 1 else ''}"
    if state == ALARM and m < n:
        count = f"{len(bad)} out of the last {n} datapoints"
    reason = f"Threshold Crossed: {count} [{points}] {verb} {words} the threshold ({float(threshold)})."
    return Verdict(state, reason, latest)
