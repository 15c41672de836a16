"""boto3 waiters that wait in simulated time: no wall-clock sleep, the same polls at the same simulated moments.

A waiter polls, and between polls sleeps its delay (6 s for tasks_running, 15 s for services_stable). Here
each poll after the first advances the lab's simulated clock by that delay instead of sleeping, so the
waiter sees exactly what it would have seen at that time on AWS, and `services_stable` for a new service
returns after about three polls and no wall time. It applies to clients from `lab.client()` in mock and
local modes, and to every client in a process running the in-process mock (there is no real AWS to wait for
there). `WaiterConfig` (Delay, MaxAttempts) is honoured in simulated seconds.
"""

from __future__ import annotations

from typing import Any

from labkit import mock

_installed = False


def clock_for(waiter: Any) -> Any:
    """The simulated clock a waiter's client lives in, or None to let the waiter sleep for real."""
    method = getattr(waiter, "_operation_method", None)
    method = getattr(method, "_client_method", method)  # botocore wraps it in NormalizedOperationMethod
    client = getattr(method, "__self__", None)
    clock = getattr(client, "_labkit_clock", None)
    if clock is not None:
        return clock if getattr(clock, "kind", "") == "simulated" else None
    if client is None or not mock.in_process() or not mock.enabled():
        return None
    endpoint = getattr(getattr(client, "meta", None), "endpoint_url", "") or ""
    if "amazonaws.com" not in endpoint:
        return None  # a client pointed elsewhere (a local server): not ours to speed up
    return mock.clock(mock.DEFAULT_ACCOUNT)


def install() -> None:
    """Wrap botocore's Waiter.wait once."""
    global _installed
    if _installed:
        return
    from botocore.waiter import Waiter

    original_wait = Waiter.wait

    def wait(self: Any, **kwargs: Any) -> None:
        clock = clock_for(self)
        if clock is None:
            return original_wait(self, **kwargs)
        config = dict(kwargs.pop("WaiterConfig", None) or {})
        delay = config.get("Delay", self.config.delay)
        config["Delay"] = 0
        operation = self._operation_method
        polls = 0

        def poll(**call_kwargs: Any) -> Any:
            nonlocal polls
            if polls:
                clock.advance(delay)
            polls += 1
            return operation(**call_kwargs)

        self._operation_method = poll
        try:
            return original_wait(self, WaiterConfig=config, **kwargs)
        finally:
            self._operation_method = operation

    Waiter.wait = wait
    _installed = True
