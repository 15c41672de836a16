"""Accounts and their clocks: each lab of a process gets its own mock account, and each account a simulated clock.

Several labs in one kernel do not see each other: the first gets moto's default account, the next ones the
accounts after it. An account released by a torn-down lab is wiped before it is handed out again. When an
account's clock moves, the listeners registered with `when_time_moves` hear it (ECS settles its services there).
While time is caught up step by step (`as_of`), `now(account)` is the moment being settled; `when_account_ends`
listeners hear an account wiped or released (what runs beside moto for it, such as a load balancer's loopback
listener, stops there).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime

from labkit.mock.clock import SimulatedClock
from labkit.mock.state import LOCK

DEFAULT_ACCOUNT = "123456789012"  # moto's default account (moto.core.DEFAULT_ACCOUNT_ID)

_in_use: set[str] = set()
_known: set[str] = set()
_clocks: dict[str, SimulatedClock] = {}
_listeners: list[Callable[[str], None]] = []
_ending: list[Callable[[str], None]] = []
_pinned: dict[str, datetime] = {}  # account -> the moment a step-by-step catch-up is settling
_follow_wall = False  # a labkit server's clocks also run with wall time (see labkit.mock.server)


def account_for_index(index: int) -> str:
    """The account id of the n-th lab of a process: moto's default first, then the ones after it."""
    return f"{int(DEFAULT_ACCOUNT) + index:012d}"


def allocate_account(shared: bool = False) -> str:
    """An account for a new lab: the shared default account, or the first one no open lab uses."""
    with LOCK:
        if shared:
            _known.add(DEFAULT_ACCOUNT)
            return DEFAULT_ACCOUNT
        index = 0
        while account_for_index(index) in _in_use:
            index += 1
        account = account_for_index(index)
        if account in _known:
            wipe_account(account)
        _in_use.add(account)
        _known.add(account)
        return account


def _end_tasks(account: str) -> None:
    """End the account's task processes (only if this process ever ran one: the runtime is imported then)."""
    if "labkit.mock.runtime.registry" in sys.modules:
        sys.modules["labkit.mock.runtime.registry"].end_account(account)


def release_account(account: str) -> None:
    """Give an account back after its lab was torn down (its task processes end); the next lab starts from empty."""
    with LOCK:
        _in_use.discard(account)
    _end_tasks(account)
    _ended(account)


def wipe_account(account: str) -> None:
    """Delete every resource of one account in every service and restart its clock (other accounts untouched)."""
    from moto.core.base_backend import BackendDict, backend_lock

    _end_tasks(account)
    with backend_lock:
        for backend_dict in list(BackendDict._instances):  # type: ignore[attr-defined]
            if dict.__contains__(backend_dict, account):
                dict.__delitem__(backend_dict, account)
    with LOCK:
        found = _clocks.get(account)
    if found is not None:
        found.restart()  # outside LOCK: a moving clock takes its own lock first, then LOCK
    _ended(account)


def follow_wall_time(on: bool = True) -> None:
    """Make clocks made from now on also run with wall time (a `labkit server` does this)."""
    global _follow_wall
    _follow_wall = on


def when_time_moves(listener: Callable[[str], None], *, first: bool = False) -> None:
    """Call `listener(account)` after any account's clock moves (registered once); `first`: before the others
    (a listener that catches time up step by step, settling the others' worlds at each step, goes first)."""
    if listener in _listeners:
        return
    if first:
        _listeners.insert(0, listener)
    else:
        _listeners.append(listener)


def when_account_ends(listener: Callable[[str], None]) -> None:
    """Call `listener(account)` when an account is wiped or released (registered once)."""
    if listener not in _ending:
        _ending.append(listener)


def _ended(account: str) -> None:
    for listener in list(_ending):
        listener(account)


@contextmanager
def as_of(account: str, when: datetime) -> Iterator[None]:
    """Within the block, `now(account)` is `when`: a catch-up settles what happened at that moment."""
    with LOCK:
        before = _pinned.get(account)
        _pinned[account] = when
        try:
            yield
        finally:
            if before is None:
                _pinned.pop(account, None)
            else:
                _pinned[account] = before


def _moved(account: str) -> None:
    for listener in list(_listeners):
        listener(account)


def clock(account: str) -> SimulatedClock:
    """The simulated clock of an account (made on first use)."""
    with LOCK:
        if account not in _clocks:
            new = SimulatedClock(follow_wall=_follow_wall)
            new.on_advance(lambda before, after, acct=account: _moved(acct))
            _clocks[account] = new
        return _clocks[account]


def account_of(simulated: SimulatedClock) -> str | None:
    """The account whose clock this is, if it is one of this process's."""
    with LOCK:
        return next((a for a, c in _clocks.items() if c is simulated), None)


def now(account: str) -> datetime:
    """Simulated time in an account (the moment being settled, during a step-by-step catch-up)."""
    pinned = _pinned.get(account)
    return pinned if pinned is not None else clock(account).now()
