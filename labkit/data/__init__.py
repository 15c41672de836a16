"""Fargate facts as data, with sources and dates: loaded once, read by everything else in labkit.

`facts()` returns the parsed `fargate.json`. Treat it as read-only: it is cached and shared. This module also
says where things are: the package's data files, and the course folder (notebooks/, diagrams/, assignments/).
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from pathlib import Path
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


_FACT = re.compile(r"\{fact:([A-Za-z0-9_.]+)\}")


def fill_facts(text: str) -> str:
    """`text` with each `{fact:a.b.c}` replaced by that value of `facts()` (a list reads "1 or 3"): prose kept in
    other data files (the glossary, the compute comparison) states Fargate's numbers without copying them."""

    def value(match: re.Match[str]) -> str:
        node: Any = facts()
        for key in match.group(1).split("."):
            if not isinstance(node, dict) or key not in node:
                raise KeyError(f"no fact {match.group(1)!r} in labkit/data/fargate.json")
            node = node[key]
        return " or ".join(map(str, node)) if isinstance(node, list) else str(node)

    return _FACT.sub(value, text)


def read_json(name: str) -> Any:
    """A data file of this package, parsed (`glossary.json`, `compute_choices.json`)."""
    return json.loads(resources.files(__package__).joinpath(name).read_text(encoding="utf-8"))


def package_data_dir() -> Path:
    """This folder: the data files the package ships (fargate.json, iam-policy.json, the static diagrams' SVGs)."""
    return Path(__file__).resolve().parent


def course_root() -> Path:
    """The folder that holds the course (notebooks/, diagrams/, assignments/): the clone labkit was installed from."""
    return Path(__file__).resolve().parents[2]
