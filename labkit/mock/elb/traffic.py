"""Requests the loopback listeners forwarded, by target group and simulated time: RequestCountPerTarget counts them."""

from __future__ import annotations

from datetime import datetime

from labkit.mock.accounts import when_account_ends

_served: dict[tuple[str, str, str], list[datetime]] = {}  # (account, region, target group ARN) -> request times


def record(account: str, region: str, group_arn: str, when: datetime) -> None:
    """One request forwarded to a target of `group_arn` at simulated time `when`."""
    _served.setdefault((account, region, group_arn), []).append(when)


def served(account: str, region: str, group_arn: str, start: datetime, end: datetime) -> int:
    """Requests forwarded to a target group between `start` (included) and `end` (excluded); older ones are
    forgotten (their minute has been published)."""
    times = _served.get((account, region, group_arn), [])
    _served[(account, region, group_arn)] = [t for t in times if t >= start]
    return sum(1 for t in times if start <= t < end)


def _forget(account: str) -> None:
    for key in [k for k in _served if k[0] == account]:
        _served.pop(key, None)


when_account_ends(_forget)
