"""When to pick which way of running code on AWS: Fargate, ECS Express Mode, AWS Lambda, AWS App Runner, or ECS on
EC2 instances, compared on what you hand over, how long a run may last, the largest size, what you pay for, whether
it scales to zero cost, and how much you control.

The words and numbers live in `labkit/data/compute_choices.json`, each row with its sources and the date they were
read; Fargate's own numbers come from `labkit.data.facts()`. `compute_options()` renders them as a table.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from labkit.data import fill_facts, read_json
from labkit.errors import InvalidInput
from labkit.model.sizes import valid_sizes
from labkit.model.text import ShownAsText
from labkit.model.units import gb_text, num, vcpu_text

#: (field of an option, the heading it has in the table)
ASPECTS = (
    ("hand_over", "you hand over"),
    ("longest_run", "longest run"),
    ("largest", "largest size"),
    ("pricing", "you pay for"),
    ("scale_to_zero", "scales to zero cost?"),
    ("control", "control"),
    ("pick_when", "pick it for"),
)
_FIELD = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Source:
    """A page a comparison row was read from, and when."""

    title: str
    url: str
    as_of: str


@dataclass(frozen=True)
class ComputeOption(ShownAsText):
    """One way to run code, in words, with its numbers filled in and the pages they come from."""

    name: str
    what: str
    hand_over: str
    longest_run: str
    largest: str
    pricing: str
    scale_to_zero: str
    control: str
    pick_when: str
    sources: tuple[Source, ...]
    as_of: str

    def __str__(self) -> str:
        lines = [f"{self.name}: {self.what}"]
        lines += [f"  {heading}: {getattr(self, field)}" for field, heading in ASPECTS]
        return "\n".join(lines)


@dataclass(frozen=True)
class ComputeOptions(ShownAsText):
    """The comparison: one option per column in HTML, one block per option as text, its sources at the end."""

    options: tuple[ComputeOption, ...]

    def option(self, name: str) -> ComputeOption:
        """The option called `name` (any case); InvalidInput naming the options for another word."""
        for o in self.options:
            if o.name.casefold() == str(name).strip().casefold():
                return o
        raise InvalidInput(f"no compute option {name!r}; the table compares {', '.join(o.name for o in self.options)}.")

    def sources(self) -> tuple[Source, ...]:
        """Every page the table was read from, once, in the order the rows name them."""
        return tuple(dict.fromkeys(s for o in self.options for s in o.sources))

    def __str__(self) -> str:
        blocks = [str(o) for o in self.options]
        cited = [f"- {s.title}: {s.url} ({s.as_of})" for s in self.sources()]
        return "\n\n".join(blocks) + "\n\nSources:\n" + "\n".join(cited)

    def _repr_html_(self) -> str:
        head = "<tr><th></th>" + "".join(f"<th>{_esc(o.name)}</th>" for o in self.options) + "</tr>"
        rows = [
            f"<tr><th style='text-align:left'>{_esc(heading)}</th>"
            + "".join(f"<td style='text-align:left;vertical-align:top'>{_esc(getattr(o, field))}</td>"
                      for o in self.options)
            + "</tr>"
            for field, heading in ASPECTS
        ]
        cited = "; ".join(f'<a href="{_esc(s.url)}" target="_blank">{_esc(s.title)}</a> ({_esc(s.as_of)})'
                          for s in self.sources())
        width = 88 // len(self.options)  # percent: the aspect column gets the rest
        cols = "<colgroup><col style='width:12%'/>" + f"<col style='width:{width}%'/>" * len(self.options)
        table = f"<table style='table-layout:fixed;width:100%'>{cols}</colgroup>{head}{''.join(rows)}</table>"
        # tex2jax_ignore: JupyterLab's MathJax would read "$0.20 ... $0.00001667" as a formula
        return f"<div class='tex2jax_ignore mathjax_ignore'>{table}<p><small>Sources: {cited}.</small></p></div>"


@functools.cache
def compute_options() -> ComputeOptions:
    """Fargate, ECS Express Mode, AWS Lambda, AWS App Runner and ECS on EC2, side by side, from labkit's data."""
    data = read_json("compute_choices.json")
    table = {key: Source(s["title"], s["url"], s["as_of"]) for key, s in data["sources"].items()}
    return ComputeOptions(tuple(_option(entry, table) for entry in data["options"]))


def _option(entry: dict[str, Any], table: dict[str, Source]) -> ComputeOption:
    values = {key: _number_text(key, value) for key, value in entry.get("numbers", {}).items()}
    values["fargate_largest"] = _fargate_largest()
    return ComputeOption(
        name=entry["name"],
        what=entry["what"],
        **{field: _fill(entry[field], values) for field, _ in ASPECTS},
        sources=tuple(table[key] for key in entry["sources"]),
        as_of=entry["as_of"],
    )


def _fill(text: str, values: dict[str, str]) -> str:
    """The row's `{number}`s and `{fact:...}`s written in (KeyError for a number the row does not give)."""
    return _FIELD.sub(lambda m: values[m.group(1)], fill_facts(text))


def _number_text(key: str, value: float) -> str:
    """A number as it reads in the table: dollars with every decimal the source gives ("$0.00001667"), else 10,240."""
    if key.startswith("usd_"):
        places = max(2, -Decimal(str(value)).as_tuple().exponent)
        return f"${value:.{places}f}"
    return num(value)


def _fargate_largest() -> str:
    cpu, memory = max(valid_sizes())
    return f"{vcpu_text(cpu)} and {gb_text(memory)}"


def _esc(text: str) -> str:
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=True))
