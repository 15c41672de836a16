"""The exact moto version labkit's mock layer was built against, and a plain message when it differs."""

from __future__ import annotations

import warnings
from importlib import metadata

MOTO_PINNED = "5.2.5"
MOTO_FIX = f"run `make setup`, or pip install moto=={MOTO_PINNED}"


def moto_mismatch() -> str | None:
    """A sentence saying which moto is installed when it is not the pinned one; None when all is well."""
    try:
        installed = metadata.version("moto")
    except metadata.PackageNotFoundError:
        return f"moto is not installed; labkit's mock mode needs moto {MOTO_PINNED}"
    if installed != MOTO_PINNED:
        return (f"moto {installed} is installed, but labkit's mock layer is tested with moto {MOTO_PINNED} "
                "only and reaches into its internals")
    return None


def warn_if_moto_differs() -> None:
    """A plain RuntimeWarning when the installed moto is not the one the layer was built and tested on."""
    mismatch = moto_mismatch()
    if mismatch:
        warnings.warn(f"{mismatch}; mock mode may misbehave ({MOTO_FIX}).", RuntimeWarning, stacklevel=3)
