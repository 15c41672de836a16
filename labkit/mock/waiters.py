"""boto3 waiters that wait in simulated time: no wall-clock sleep, the same polls at the same simulated moments.

A waiter polls, and between polls sleeps its delay (6 s for tasks_running, 15 s for services_stable). Here
each poll after the first advances the lab's simulated clock by that delay instead of sleeping, so the
waiter sees exactly what it would have seen at that time on AWS, and `services_stable` for a new service
returns after about three polls and no wall time. It applies to clients from `lab.client()` in mock and
local modes, and to every client in a process running the in-process mock (there is no real AWS to wait for
there). `WaiterConfig` (Delay, MaxAttempts) is honoured in simulated seconds. Task processes run in wall time
(`labkit.mock.runtime`): before each simulated delay the waiter gives the lab's processes a moment of wall time
(at most 0.1 s, less when one exits), so that a short batch job ends within the waiter's attempts.

`install()` patches botocore's `Waiter.wait` (once); `labkit.mock.apply()` calls it, and so does a local-mode
lab in a process without the in-process mock. botocore is imported only then.
"""

from __future__ import annotations

from typing import Any

from labkit.mock.accounts import DEFAULT_ACCOUNT, account_of, clock
from labkit.mock.patch import patch
from labkit.mock.state import enabled, in_process


def clock_for(waiter: Any) -> Any:
    """The simulated clock a waiter's client lives in, or None to let the waiter sleep for real."""
    method = getattr(waiter, "_operation_method", None)
    method = getattr(method, "_client_method", method)  # botocore wraps it in NormalizedOperationMethod
    client = getattr(method, "__self__", None)
    found = getattr(client, "_labkit_clock", None)
    if found is not None:
        return found if getattr(found, "kind", "") == "simulated" else None
    if client is None or not in_process() or not enabled():
        return None
    endpoint = getattr(getattr(client, "meta", None), "endpoint_url", "") or ""
    if "amazonaws.com" not in endpoint:
        return None  # a client pointed elsewhere (a local server): not ours to speed up
    return clock(DEFAULT_ACCOUNT)


def wait(fn: Any, self: Any, **kwargs: Any) -> None:
    """Waiter.wait with each delay spent on the simulated clock instead of sleeping."""
    simulated = clock_for(self)
    if simulated is None:
        return fn(self, **kwargs)
    config = dict(kwargs.pop("WaiterConfig", None) or {})
    delay = config.get("Delay", self.config.delay)
    config["Delay"] = 0
    operation = self._operation_method
    polls = 0

    def poll(**call_kwargs: Any) -> Any:
        nonlocal polls
        if polls:
            _let_tasks_run(simulated)
            simulated.advance(delay)
        polls += 1
        return operation(**call_kwargs)

    self._operation_method = poll
    try:
        return fn(self, WaiterConfig=config, **kwargs)
    finally:
        self._operation_method = operation


def _let_tasks_run(simulated: Any) -> None:
    """A moment of wall time for the task processes of the clock's account (in this process, or its server's)."""
    remote = getattr(simulated, "let_tasks_run", None)
    if remote is not None:
        remote()
        return
    account = account_of(simulated)
    if account is not None:
        from labkit.mock.runtime import give_wall_time

        give_wall_time(account)


def install() -> None:
    """Make botocore's waiters wait in simulated time (once; the same patch applied again does nothing).

    Not under the mock's lock: a waiter waits, and in local mode the server answering it may be in this process.
    With the layer off too: a lab's client carries its own clock (a local-mode lab's is on its server).
    """
    from botocore.waiter import Waiter

    patch(Waiter.wait, locked=False, always=True)(wait)
