"""A service's events as DescribeServices shows them: newest first, at most 100 kept."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from moto.moto_api._internal import mock_random


def add_event(lk: Any, when: datetime, message: str) -> None:
    """Add an event to a service's labkit record (`ServiceLife`), in its place among them (newest first): a
    catch-up of simulated time may tell what happened a moment ago after what happened now."""
    at = next((i for i, e in enumerate(lk.events) if e["createdAt"] <= when), len(lk.events))
    lk.events.insert(at, {"id": str(mock_random.uuid4()), "createdAt": when, "message": message})
    del lk.events[100:]


def service_event(service: Any, when: datetime, message: str) -> None:
    """Add an event to a moto service labkit keeps (nothing for one made while the layer was off)."""
    lk = service.__dict__.get("_lk")
    if lk is not None:
        add_event(lk, when, message)
