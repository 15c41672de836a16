"""The mock layer's process-wide state: whether it is on, its one lock, and the process's one in-process moto.

Everything else in `labkit.mock` reads these; nothing here imports moto at module level.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

#: One lock for the whole mock layer: moto's server answers on several threads, and a patch, a settle or an
#: account change must see moto's backends whole. Re-entrant, since a patch may call another patched method.
LOCK = threading.RLock()

_enabled = True
_moto: Any = None  # the process's started `mock_aws`, or None


def enabled() -> bool:
    """Whether the Fargate layer is active (the benchmark turns it off to time raw moto)."""
    return _enabled


@contextmanager
def disabled() -> Iterator[None]:
    """Run a block against raw moto, without labkit's Fargate layer (for `make bench` comparisons)."""
    global _enabled
    with LOCK:
        before, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = before


def in_process() -> bool:
    """Whether an in-process mock is running (waiters then wait in simulated time)."""
    return _moto is not None


def start_moto(config: dict[str, Any]) -> None:
    """Start the process's one in-process `mock_aws` with `config` (once; later calls do nothing)."""
    global _moto
    with LOCK:
        if _moto is None:
            from moto import mock_aws

            started = mock_aws(config=config)
            started.start()
            _moto = started
