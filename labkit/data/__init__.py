"""Fargate facts as data, with sources and dates: loaded once, read by everything else in labkit.

`facts()` returns the parsed `fargate.json`. Treat it as read-only: it is cached and shared.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any


@functools.cache
def facts() -> dict[str, Any]:
    """All Fargate facts (sizes, limits, prices, rules), each with `sources` and `as_of`."""
    text = resources.files(__package__).joinpath("fargate.json").read_text(encoding="utf-8")
    return json.loads(text)


def source(key: str) -> dict[str, str]:
    """The title, URL and date of a source key such as "PRICING-PAGE"."""
    return facts()["sources"][key]


def cite(entry: dict[str, Any]) -> str:
    """A short citation for a fact entry: its source titles and its date, for a learner to see."""
    names = ", ".join(facts()["sources"].get(k, {"title": k})["title"] for k in entry.get("sources", []))
    return f"{names} ({entry.get('as_of', 'undated')})"
