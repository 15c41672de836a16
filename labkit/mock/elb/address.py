"""Where a task's container port answers on this machine: the one seam between load balancing and the task runtime.

Health checks and the loopback listener reach a target only through `task_address`; the task runtime
(`labkit.mock.runtime`, task containers run as local processes) gives the answer. Tests of load balancing alone
may point this function at small HTTP servers of their own.
"""

from __future__ import annotations


def task_address(account: str, task_arn: str, port: int) -> tuple[str, int] | None:
    """The loopback (host, port) where `port` of task `task_arn` answers, or None (no live process there).

    The task runtime provides it: `labkit.mock.runtime.loopback_address(account, task_arn, port)`.
    """
    from labkit.mock.runtime import loopback_address  # the runtime loads only when a target is reached

    return loopback_address(account, task_arn, port)
