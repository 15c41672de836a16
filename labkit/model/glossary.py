"""The course's glossary: each term's one-line definition and the page that says more, read from
`labkit/data/glossary.json`. `term("ENI")` looks one up (by name, expansion or alias, any case); `glossary()` is
all of them, alphabetically, and writes the markdown of notebooks/glossary.ipynb, whose headings lessons link to.
"""

from __future__ import annotations

import difflib
import functools
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from labkit.data import fill_facts, read_json
from labkit.errors import InvalidInput
from labkit.model.text import ShownAsText

NOTEBOOK = "glossary.ipynb"  # beside the lessons in notebooks/, so a lesson links to it as "glossary.ipynb#ENI"


@dataclass(frozen=True)
class Term(ShownAsText):
    """One glossary entry: `definition` is one sentence; `url` and `source` name the page that says more."""

    term: str
    definition: str
    url: str
    source: str
    as_of: str
    name: str = ""  # what an abbreviation stands for ("elastic network interface" for ENI)
    aliases: tuple[str, ...] = ()

    @property
    def anchor(self) -> str:
        """The id JupyterLab gives the term's heading in the glossary notebook (spaces become dashes)."""
        return self.term.replace(" ", "-")

    @property
    def link(self) -> str:
        """Where a lesson in notebooks/ links to for this term."""
        return f"{NOTEBOOK}#{self.anchor}"

    @property
    def title(self) -> str:
        """The term with what it stands for: "ENI (elastic network interface)"."""
        return f"{self.term} ({self.name})" if self.name else self.term

    def __str__(self) -> str:
        return f"{self.title}: {self.definition}\nMore: {self.source}, {self.url} (read {self.as_of})"

    def _repr_html_(self) -> str:
        return (f"<p><b>{_html(self.title)}</b>: {_html(self.definition)}<br/>"
                f'<small>More: <a href="{_html(self.url)}" target="_blank">{_html(self.source)}</a> '
                f"(read {_html(self.as_of)})</small></p>")

    def markdown(self) -> str:
        """The term's part of the glossary notebook: a heading (the anchor lessons link to), then its definition."""
        expansion = f"*{self.name}*. " if self.name else ""
        return (f"### {self.term}\n\n{expansion}{self.definition}\\\n"
                f"More: [{self.source}]({self.url}) (read {self.as_of}).")


@dataclass(frozen=True)
class Glossary(ShownAsText):
    """Every term, alphabetically (ignoring case)."""

    terms: tuple[Term, ...]

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def __str__(self) -> str:
        return "\n".join(f"- {t.title}: {t.definition}" for t in self.terms)

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td><b>{_html(t.title)}</b></td><td>{_html(t.definition)}</td>"
                       f'<td><a href="{_html(t.url)}" target="_blank">more</a></td></tr>' for t in self.terms)
        return f"<table><tr><th>term</th><th>meaning</th><th></th></tr>{rows}</table>"

    def by_letter(self) -> dict[str, tuple[Term, ...]]:
        """The terms grouped under their first letter, A to Z."""
        groups: dict[str, list[Term]] = {}
        for t in self.terms:
            groups.setdefault(t.term[0].upper(), []).append(t)
        return {letter: tuple(terms) for letter, terms in groups.items()}

    def markdown_cells(self) -> list[str]:
        """The glossary notebook's markdown after its introduction: an index of letters, then one cell a letter."""
        letters = self.by_letter()
        index = "**Jump to:** " + " · ".join(f"[{letter}](#{letter})" for letter in letters)
        return [index] + [f"## {letter}\n\n" + "\n\n".join(t.markdown() for t in terms)
                          for letter, terms in letters.items()]


def term(name: str) -> Term:
    """The glossary entry for `name`: a term, what it stands for, or an alias, in any case ("eni", "ARN").

    InvalidInput, naming the closest terms, for a word the glossary does not have.
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"term({name!r}): give a word to look up, for example labkit.term('ENI').")
    found = _index().get(name.strip().casefold())
    if found is not None:
        return found
    close = difflib.get_close_matches(name.strip().casefold(), list(_index()), n=6, cutoff=0.6)
    names = list(dict.fromkeys(_index()[c].term for c in close))[:3]  # each term once, closest first
    hint = f" Did you mean {', '.join(map(repr, names))}?" if names else ""
    raise InvalidInput(f"{name!r} is not in the course glossary.{hint} The whole list is in notebooks/{NOTEBOOK}.")


@functools.cache
def glossary() -> Glossary:
    """All the course's terms, alphabetically, with every `{fact:...}` filled in from labkit.data."""
    terms = [_term(entry) for entry in read_json("glossary.json")["terms"]]
    return Glossary(tuple(sorted(terms, key=lambda t: t.term.casefold())))


@functools.cache
def _index() -> dict[str, Term]:
    """Every way to name a term (term, expansion, aliases), case-folded, to its entry."""
    index: dict[str, Term] = {}
    for t in glossary():
        for key in (t.term, t.name, *t.aliases):
            if key:
                index.setdefault(key.casefold(), t)
    return index


def _term(entry: dict[str, Any]) -> Term:
    return Term(
        term=entry["term"],
        definition=fill_facts(entry["definition"]),
        url=entry["url"],
        source=entry["source"],
        as_of=entry["as_of"],
        name=entry.get("name", ""),
        aliases=tuple(entry.get("aliases", ())),
    )


def _html(text: str) -> str:
    """Escape text for HTML; `code` spans become <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text, quote=True))
