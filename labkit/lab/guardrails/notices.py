"""What real mode tells the learner (costs, refusals, progress): kept in `lab.notices`, then shown."""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from labkit.errors import GuardrailError


@dataclass(frozen=True)
class Notice:
    """One guardrail message, as a notebook shows it (text, or a small framed box)."""

    text: str

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return ('<div style="border-left:4px solid #d97706;padding:2px 8px;font-family:monospace;'
                f'white-space:pre-wrap">{html.escape(self.text)}</div>')


def in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel (notices are displayed there, not written to stderr)."""
    if "ipykernel" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def refuse(lab: Any, refusal: str) -> GuardrailError:
    """Keep a refusal in `lab.notices` (not shown: the error says it) and return the GuardrailError to raise."""
    say(lab, refusal, show=False)
    return GuardrailError(refusal)


def say(lab: Any, text: str, *, show: bool = True) -> None:
    """Tell the learner something real mode does (costs, refusals, progress): kept in `lab.notices`, then shown.

    `lab.on_notice`, when set, receives it; otherwise a notebook displays it and a terminal gets it on stderr.
    A refusal is kept but not shown (`show=False`): the GuardrailError raised with it says the same.
    """
    lab.notices.append(text)
    sink: Callable[[str], None] | None = lab.on_notice
    if not show:
        return
    if sink is not None:
        sink(text)
    elif in_kernel():
        from IPython.display import display

        display(Notice(text))
    else:
        sys.stderr.write(text + "\n")


def progress(lab: Any) -> Callable[[str], None]:
    """A progress callback for long waits (`labkit.deploy.wait_steady(..., on_progress=...)`) in real mode."""
    return lambda text: say(lab, text)
