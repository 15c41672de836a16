"""Hint tiers the task-definition exercises share: for each Fargate refusal, from pointing the way to close.

`labkit.fargate.problems` gives AWS's message and a hint that states the fix (right for a tool, too much for an
exercise). Here each refusal the lessons teach gets tiers that never state the fix outright: the first points the
way, the later ones get closer (the engine shows one more tier per miss). Sizes come from `labkit.model.sizes`.
"""

from __future__ import annotations

from typing import Any

from labkit.model.rules.base import Problem
from labkit.model.sizes import valid_sizes
from labkit.model.units import join, parse_cpu, parse_memory, vcpu_text


def size_tiers(cpu: Any, memory: Any, os: str = "LINUX") -> tuple[str, ...]:
    """Tiers for a CPU and memory pair Fargate does not offer: the table, then the row, then the rows that fit."""
    units, mem = parse_cpu(cpu), parse_memory(memory)
    sizes = valid_sizes(os)
    by_cpu: dict[int, list[int]] = {}
    for c, m in sizes:
        by_cpu.setdefault(c, []).append(m)
    first = ("Not every CPU and memory pair is a Fargate size: find your CPU value's row in Fargate's size table "
             "(lesson 2).")
    if units not in by_cpu:
        return (first, f"{units} CPU units is not a CPU value Fargate offers; those are "
                       f"{join([str(c) for c in sorted(by_cpu)])} CPU units.")
    allowed = by_cpu[units]
    second = (f"With {vcpu_text(units)} ({units} CPU units) Fargate takes {allowed[0]} to {allowed[-1]} MiB of "
              f"memory ({len(allowed)} values); {mem} MiB is not one of them.")
    rows = sorted(c for c, m in sizes if m == mem)
    if not rows:
        return first, second
    third = (f"Decide which of the two the task really needs and keep it: {mem} MiB is in the rows of "
             f"{join([str(c) for c in rows])} CPU units.")
    return first, second, third


def _role_tiers(what: str) -> tuple[str, ...]:
    return (f"Fargate {what} before your code even starts: which of the task's two IAM roles does Fargate use "
            "for its own work?",
            "Fargate's own work (pulling the image, sending the logs) uses the task execution role, which the task "
            "definition names in a field of its own; the task role is for your code.",
            "The field's name ends in RoleArn; the lab's execution role is one that labkit.deploy.ensure_roles "
            "made (look at what it returned).")


def problem_tiers(problem: Problem, td: Any = None) -> tuple[str, ...]:
    """Tiers for one reason Fargate refuses a task definition (`td`, when given, sharpens the size tiers)."""
    if problem.rule == "invalid-size" and isinstance(td, dict):
        try:
            return size_tiers(td.get("cpu"), td.get("memory"))
        except Exception:  # noqa: BLE001 - an unreadable size gets the generic tiers below
            pass
    if problem.rule == "network-mode":
        return ("Read AWS's message: it names the only network mode Fargate supports.",
                "That mode gives each task a network interface of its own; set the task definition's "
                "networkMode to it.")
    if problem.rule == "execution-role-awslogs":
        return _role_tiers("sends the container's logs to CloudWatch Logs")
    if problem.rule == "execution-role-ecr":
        return _role_tiers("pulls the image from your private ECR repository")
    if problem.rule.startswith("missing-task-"):
        return ("On Fargate the size belongs to the whole task, not only to its containers.",
                "Give the task definition itself a cpu and a memory value: a pair from the size table.")
    return ("Read AWS's message: it names what Fargate refuses.", f"Look at {problem.field}: {problem.hint}")
