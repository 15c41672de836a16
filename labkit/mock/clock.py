"""Clocks a Lab reads time from: simulated in mock and local modes (it moves only when asked), wall time in real.

A simulated clock starts at the wall time it was made (whole seconds, UTC) and then moves only through
`advance(seconds)`: by the learner, by `labkit.deploy`'s waits, and by boto3 waiters in mock mode, which
wait in simulated time instead of sleeping. Nothing else moves it, so a notebook replays identically.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from labkit.errors import InvalidInput


def _utc_now_whole_seconds() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


def _check_seconds(seconds: float) -> float:
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)):
        raise InvalidInput(f"advance() got {seconds!r}; expected a number of seconds such as 60 or 3600.")
    if seconds < 0:
        raise InvalidInput(f"advance() got {seconds} seconds; a clock only moves forward, give 0 or more.")
    return float(seconds)


class SimulatedClock:
    """Simulated time: `now()` is the start plus every `advance()` so far; listeners hear each move.

    With `follow_wall=True` (a `labkit server`, so that an AWS CLI waiter in a terminal sees tasks start as
    on AWS) the clock also runs with wall time, and `advance()` jumps ahead of it.
    """

    kind = "simulated"

    def __init__(self, start: datetime | None = None, follow_wall: bool = False) -> None:
        self._start = start or _utc_now_whole_seconds()
        self._elapsed = 0.0
        self._lock = threading.RLock()
        self._listeners: list[Callable[[datetime, datetime], None]] = []
        self._wall_start = time.monotonic() if follow_wall else None

    def now(self) -> datetime:
        """The current simulated time (UTC, timezone-aware)."""
        return self._start + timedelta(seconds=self.elapsed)

    @property
    def elapsed(self) -> float:
        """Seconds of simulated time since the clock started."""
        if self._wall_start is None:
            return self._elapsed
        return self._elapsed + (time.monotonic() - self._wall_start)

    def advance(self, seconds: float) -> datetime:
        """Move simulated time forward by `seconds` and return the new time; listeners run after the move."""
        seconds = _check_seconds(seconds)
        with self._lock:
            before = self.now()
            self._elapsed += seconds
            after = before + timedelta(seconds=seconds)
            for listener in list(self._listeners):
                listener(before, after)
        return after

    def restart(self) -> None:
        """Start again from the wall time now, with nothing elapsed (a wiped mock account does this)."""
        with self._lock:
            self._start = _utc_now_whole_seconds()
            self._elapsed = 0.0
            if self._wall_start is not None:
                self._wall_start = time.monotonic()

    def advance_to(self, when: datetime) -> datetime:
        """Move forward to `when` (no-op when it is not in the future)."""
        delta = (when - self.now()).total_seconds()
        return self.advance(delta) if delta > 0 else self.now()

    def on_advance(self, listener: Callable[[datetime, datetime], None]) -> None:
        """Call `listener(before, after)` after every move (the mock layer settles services here)."""
        self._listeners.append(listener)

    def __repr__(self) -> str:
        return f"SimulatedClock(elapsed={self.elapsed:g}s)"


class WallClock:
    """Real time, for real mode: `advance()` cannot move it."""

    kind = "wall"

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def advance(self, seconds: float) -> datetime:
        _check_seconds(seconds)
        raise InvalidInput("real mode runs on wall time, which cannot be advanced; wait for AWS instead "
                           "(labkit.deploy.wait_steady, or a boto3 waiter).")

    def __repr__(self) -> str:
        return "WallClock()"


class RemoteClock:
    """The simulated clock of a `labkit server` (local mode), read and moved over its control API."""

    kind = "simulated"

    def __init__(self, get: Callable[[], tuple[datetime, float]], advance: Callable[[float], datetime],
                 let_tasks_run: Callable[[], None] | None = None) -> None:
        self._get = get
        self._advance = advance
        self._let_tasks_run = let_tasks_run

    def let_tasks_run(self) -> None:
        """Give the server's task processes a moment of wall time (a waiter does, between polls)."""
        if self._let_tasks_run is not None:
            self._let_tasks_run()

    def now(self) -> datetime:
        return self._get()[0]

    @property
    def elapsed(self) -> float:
        return self._get()[1]

    def advance(self, seconds: float) -> datetime:
        return self._advance(_check_seconds(seconds))

    def __repr__(self) -> str:
        return "RemoteClock()"
