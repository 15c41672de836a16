"""How labkit's results show as plain text in IPython: their `str()`, the same words a notebook's HTML shows."""

from __future__ import annotations

from typing import Any


def _pretty_as_str(self: Any, p: Any, cycle: bool) -> None:
    p.text(str(self))


class ShownAsText:
    """A result whose plain-text display (a terminal, a console, what nbval compares) is `str(self)`, not a repr.

    IPython looks for `_repr_pretty_` in each class's own namespace before that class's `__repr__`, and a
    dataclass writes its own `__repr__`; so each subclass gets the method in its own namespace.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._repr_pretty_ = _pretty_as_str  # type: ignore[attr-defined]
