"""The live architecture of a lab, read from the account through `lab.client(...)`: works in every mode.

A pipeline of three steps, each its own module: `read` takes a plain `Snapshot` of the account (VPCs,
subnets, security groups, clusters, services, tasks and their ENIs, ECR repositories); `layout` arranges it
into boxes and decides what to hide; `draw` turns the layout into a `Diagram` (with `words` for its text).
Only the lab's own resources are shown: those tagged `labkit:lab=<lab id>`, and what the lab's tasks use.
"""

from __future__ import annotations

from typing import Any

from labkit.diagrams.base import Diagram
from labkit.diagrams.live.draw import draw
from labkit.diagrams.live.layout import MAX_TASKS_PER_SERVICE, lay_out
from labkit.diagrams.live.read import lab_tag, read_account
from labkit.errors import InvalidInput

__all__ = ["MAX_TASKS_PER_SERVICE", "architecture", "draw", "lab_tag", "lay_out", "read_account"]


def architecture(lab: Any, *, max_tasks_per_service: int = MAX_TASKS_PER_SERVICE) -> Diagram:
    """The lab as it is now: VPC, subnets, security groups, clusters, services, tasks with their ENIs, ECR.

    Above `max_tasks_per_service` tasks a service shows a few tasks and a "+N more tasks" box.
    """
    _check_max_tasks(max_tasks_per_service)
    snapshot = read_account(lab)  # 1. read: what the lab's account holds, one reader per resource kind
    layout = lay_out(snapshot, max_tasks_per_service)  # 2. lay out: boxes, order, what to hide
    return draw(layout)  # 3. draw: nodes, arrows and words


def _check_max_tasks(max_tasks_per_service: Any) -> None:
    if (
        isinstance(max_tasks_per_service, bool)
        or not isinstance(max_tasks_per_service, int)
        or max_tasks_per_service < 2
    ):
        raise InvalidInput(
            f"max_tasks_per_service={max_tasks_per_service!r}; expected a whole number of 2 or more."
        )
