"""A Fargate task's lifecycle timings: which state a task is in, so many seconds after it was created or told to stop.

AWS names the states and their order (`facts()["lifecycle"]["states"]`) but publishes no durations: a start of
30-45 s is typical (`facts()["lifecycle"]["typical_start_note"]`). The seconds below are labkit's choice, within
that range, counted from `createdAt`:

    PROVISIONING 0 s -> PENDING 10 s (image pull 10-28 s) -> ACTIVATING 30 s -> RUNNING 35 s (startedAt)

and from the moment a stop begins (StopTask, a scale-in, the end of a Spot warning):

    DEACTIVATING 0 s -> STOPPING 5 s (stoppingAt) -> DEPROVISIONING 10 s (executionStoppedAt) -> STOPPED 20 s

The stop sequence waits for the task's containers: DEPROVISIONING (executionStoppedAt) begins when they have all
exited, no sooner than its usual 10 s, and STOPPED follows it by 10 s; while they still run, the task stays
STOPPING (`stop_table`). Containers exit when their process does, or are killed `stopTimeout` after SIGTERM.

A task whose network cannot reach its image's registry (see `labkit.model.pulls`) stays PENDING while the pull
retries, and gives up at PULL_GIVES_UP: AWS documents the error, not how long the retries take. The simulated
AWS (`labkit.mock.ecs.tasks`) reads these.
"""

from __future__ import annotations

Table = tuple[tuple[str, float], ...]

START: Table = (("PROVISIONING", 0), ("PENDING", 10), ("ACTIVATING", 30), ("RUNNING", 35))
STOP: Table = (("DEACTIVATING", 0), ("STOPPING", 5), ("DEPROVISIONING", 10), ("STOPPED", 20))
PULL_STARTED, PULL_STOPPED, STARTED = 10, 28, 35  # seconds after createdAt
PULL_GIVES_UP = 70  # seconds after createdAt: a task that cannot pull (or log) stops, never having started
STOPPING_AT, EXECUTION_STOPPED, STOPPED_AT = 5, 10, 20  # seconds after the stop began
PLATFORM_VERSION = "1.4.0"  # what LATEST means for a Linux task (AWS's current platform version)

RUNNING_STATES = ("RUNNING",)
PENDING_STATES = tuple(name for name, _ in START[:-1])  # a service counts these as pendingCount


def stop_table(exited_after: float | None = None, held: bool = False) -> Table:
    """The stop sequence for containers that exited `exited_after` seconds after it began (or still run: `held`)."""
    if held:
        return STOP[:2]
    if exited_after is None or exited_after <= STOP[2][1]:
        return STOP
    shift = exited_after - STOP[2][1]
    return STOP[:2] + tuple((name, begins + shift) for name, begins in STOP[2:])


def phase(table: Table, elapsed: float) -> str:
    """The state of `table` reached after `elapsed` seconds (the first state before anything elapsed)."""
    current = table[0][0]
    for name, begins in table:
        if elapsed >= begins:
            current = name
    return current
