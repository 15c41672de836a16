"""Listing AWS resources through boto3, in every mode: every page of a listing, and ids in batches a describe takes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def chunks(items: list[str], size: int) -> Iterator[list[str]]:
    """`items` in batches of at most `size` (describe calls take 10, 100 or 200 ids at a time)."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def paginate(client: Any, op: str, key: str, **kwargs: Any) -> list[Any]:
    """Every item under `key` of a listing call, across its pages."""
    if client.can_paginate(op):
        out: list[Any] = []
        for page in client.get_paginator(op).paginate(**kwargs):
            out.extend(page.get(key, []))
        return out
    return getattr(client, op)(**kwargs).get(key, [])
