"""Where a running task answers from outside (`lab.endpoint` in mock and local modes), once it listens.

`address` is `loopback_address` with a moment of grace: a process that was just started gets up to a few
seconds of wall time to listen before the address is handed out (whatever it is then, the address is right).
"""

from __future__ import annotations

import time

from labkit.mock.runtime import process, registry

LISTEN_WAIT_SECONDS = 3.0


def address(account: str, task_arn: str, container_port: int) -> tuple[str, int] | None:
    """(host, port) on 127.0.0.1 where the task's container port answers, or None when no process has it."""
    found = registry.loopback_address(account, task_arn, container_port)
    if found is None:
        return None
    deadline = time.monotonic() + LISTEN_WAIT_SECONDS
    while time.monotonic() < deadline:
        run = registry.find(account, task_arn)
        if run is None or not run.alive or container_port in {
                p for c in run.containers if c.proc is not None for p in process.listened(c.proc)} or (
                any(c.standin is not None for c in run.containers)) or process.listening([found[1]]):
            break
        time.sleep(0.01)
    return registry.loopback_address(account, task_arn, container_port)
