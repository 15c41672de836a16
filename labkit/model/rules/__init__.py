"""The task-definition rules Fargate enforces, as a list of small registered functions.

`problems(task_def)` reads the task definition once (`view_of`) and runs every registered rule, stage by stage
(`STAGES`): the platform (OS, architecture), the task (network mode, size, container count, task-level
parameters, storage), the containers, then the run-time platform version. Each Problem carries AWS's own words
where they are known (what a learner sees from `register_task_definition`) and a labkit hint that teaches the
rule and the fix. To add a rule: a small function `(view) -> Iterator[Problem]` decorated with `@rule`, in the
module of its stage.
"""

from __future__ import annotations

from typing import Any

from labkit.errors import InvalidInput
from labkit.model.rules import containers, platform, runtime, task  # noqa: F401 - each registers its rules
from labkit.model.rules.base import CLIENT, INVALID_PARAM, RULES, Problem, Rule, TaskView, rule, unwrap, view_of

#: The order problems are reported in, as AWS names them: the platform, the task, each container, then run time.
STAGES = ("platform", "task", "containers", "runtime")


def ordered_rules() -> list[Rule]:
    """Every registered rule, stage by stage."""
    return [check for stage in STAGES for check in RULES.get(stage, [])]

__all__ = ["CLIENT", "INVALID_PARAM", "RULES", "STAGES", "Problem", "TaskView", "check_task_definition",
           "ordered_rules", "problems", "rule", "view_of"]


def _applies(td: dict[str, Any], launch_type: str | None) -> bool:
    """The Fargate rules apply when launching on FARGATE, or at registration when FARGATE is required."""
    required = td.get("requiresCompatibilities") or []
    if not isinstance(required, (list, tuple)):
        raise InvalidInput(f"requiresCompatibilities is {required!r}; expected a list such as ['FARGATE'].")
    if launch_type is not None and not isinstance(launch_type, str):
        raise InvalidInput(f"launch_type {launch_type!r} must be a string such as 'FARGATE' or 'EC2'.")
    return (launch_type or "").upper() == "FARGATE" or "FARGATE" in required


def problems(task_def: Any, *, launch_type: str | None = "FARGATE",
             platform_version: str | None = None) -> list[Problem]:
    """Every reason Fargate would refuse this task definition (empty when it would accept it).

    `task_def` is what a learner passes to `register_task_definition` (camelCase keys), or the output of
    `describe-task-definition`. With `launch_type="FARGATE"` (the default) the Fargate rules always apply;
    otherwise only when FARGATE is in `requiresCompatibilities`, as AWS does at registration.
    `platform_version` (e.g. "1.3.0", "LATEST") adds the run-time platform-version checks.
    """
    if platform_version is not None and not isinstance(platform_version, str):
        raise InvalidInput(f"platform_version {platform_version!r} must be a string such as 'LATEST' or '1.4.0'.")
    td = unwrap(task_def)
    if not _applies(td, launch_type):
        return []
    view = view_of(td, platform_version=platform_version)
    return [found for check in ordered_rules() for found in check(view)]


def check_task_definition(task_def: Any, *, launch_type: str | None = "FARGATE") -> list[str]:
    """AWS's messages for each reason Fargate would refuse this task definition; empty when accepted."""
    return [p.message for p in problems(task_def, launch_type=launch_type)]
