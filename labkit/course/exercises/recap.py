"""Exercises of lesson 1 (recap of container orchestration): orchestrator words, and what Fargate takes over.

`responsibilities()` reads the shared-responsibility table (EC2 launch type vs Fargate) from `labkit.data`,
so the lesson and its checks count from the same rows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from labkit.course.exercises import Context, Exercise, Quiz, Wrong, register, register_quiz
from labkit.data import facts
from labkit.model.text import ShownAsText
from labkit.model.units import task_family

YOU, AWS, NOT_NEEDED = "you", "AWS", "not needed"


# ---------------------------------------------------------------- the shared-responsibility table


def _owner(text: str) -> str | None:
    """Who does this area, from the start of a table cell: "you", "AWS", "not needed", or None (a property)."""
    head = text.strip().lower()
    if head.startswith("customer"):
        return YOU
    if head.startswith("aws"):
        return AWS
    if head.startswith("not applicable"):
        return NOT_NEEDED
    return None


@dataclass(frozen=True)
class Responsibility:
    """One row of the table: an area, what each launch type says about it, and who does it on each."""

    area: str
    ec2_launch_type: str
    fargate: str
    as_of: str

    @property
    def ec2_owner(self) -> str | None:
        """Who does this with the EC2 launch type: "you", "AWS", "not needed" or None (not a duty)."""
        return _owner(self.ec2_launch_type)

    @property
    def fargate_owner(self) -> str | None:
        """Who does this on Fargate: "you", "AWS", "not needed" or None (not a duty)."""
        return _owner(self.fargate)


@dataclass(frozen=True)
class ResponsibilityTable(ShownAsText):
    """The rows, shown as a table (text and HTML) with their date."""

    rows: tuple[Responsibility, ...]

    def __iter__(self) -> Any:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> Responsibility:
        return self.rows[index]

    def _dates(self) -> str:
        return ", ".join(sorted({r.as_of for r in self.rows}))

    def __str__(self) -> str:
        width = max(len(r.area) for r in self.rows)
        lines = [f"{'area':<{width}}  {'EC2 launch type':<15}  Fargate"]
        for r in self.rows:
            lines.append(f"{r.area:<{width}}  {r.ec2_owner or '-':<15}  {r.fargate_owner or '-'}")
        lines.append(f"(sources dated {self._dates()}; owner '-' means the row is a property, not a job)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        def cell(text: str, owner: str | None) -> str:
            if not owner:
                return f"<td style='text-align:left'>{html.escape(text)}</td>"
            return f"<td style='text-align:left'><b>{html.escape(owner)}</b>{html.escape(_detail(text))}</td>"

        body = "".join(
            f"<tr><td style='text-align:left'>{html.escape(r.area)}</td>"
            f"{cell(r.ec2_launch_type, r.ec2_owner)}{cell(r.fargate, r.fargate_owner)}</tr>"
            for r in self.rows)
        return ("<table><thead><tr><th style='text-align:left'>area</th><th style='text-align:left'>EC2 launch "
                "type</th><th style='text-align:left'>Fargate</th></tr></thead>"
                f"<tbody>{body}</tbody></table><p><small>Sources dated {html.escape(self._dates())}.</small></p>")


def _detail(text: str) -> str:
    """A cell's text after its owner word ("Customer (AMI updates)" -> ": AMI updates"), or "" if nothing is left."""
    rest = re.sub(r"^\s*(customer|aws|not applicable)\b\s*", "", text, flags=re.IGNORECASE)
    rest = rest.strip().lstrip("-\u2014").strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    rest = rest.strip()
    return f": {rest}" if rest else ""


def responsibilities() -> ResponsibilityTable:
    """Who runs what with the EC2 launch type and with Fargate, row by row, from `labkit.data`."""
    return ResponsibilityTable(tuple(
        Responsibility(row["area"], row["ec2_launch_type"], row["fargate"], row.get("as_of", "undated"))
        for row in facts()["shared_responsibility"]))


def no_longer_yours() -> list[str]:
    """The areas that are your job with the EC2 launch type and not your job on Fargate (the lesson's answer)."""
    return [r.area for r in responsibilities() if r.ec2_owner == YOU and r.fargate_owner in (AWS, NOT_NEEDED)]


# ---------------------------------------------------------------- quizzes

register_quiz(Quiz(
    "recap.service_replaces",
    "What keeps tasks running",
    question=("An ECS service is asked to keep 3 copies of a task running, and one of them stops. "
              "What happens next?"),
    choices={
        "A": "Nothing, until you run a new task yourself.",
        "B": "The service starts a new task from the same task definition.",
        "C": "The cluster launches a new EC2 instance and moves the task there.",
        "D": "The task definition is marked INACTIVE.",
    },
    correct=frozenset({"B"}),
    explanation=("A service compares the running count with the desired count and starts or stops tasks "
                 "until they match: that is the scheduling an orchestrator does for you."),
    hint="A service is told how many tasks to keep running. What does it do when it sees fewer?",
    wrong_hints={
        "A": "That is what happens to a task you start yourself with run_task: nothing watches it. A service does.",
        "C": "Orchestrators place tasks; they do not launch instances. Capacity is a separate job.",
        "D": "A task definition is a blueprint; running or stopping tasks does not change it.",
    },
))

register_quiz(Quiz(
    "recap.same_idea",
    "ECS words and Kubernetes words",
    question="Which pairs name the same idea in Amazon ECS and in Kubernetes (Amazon EKS)? Pick every one.",
    choices={
        "A": "ECS task and Kubernetes Pod",
        "B": "ECS service and Kubernetes Deployment",
        "C": "ECS task definition and Kubernetes node",
        "D": "ECS cluster and EKS cluster",
    },
    correct=frozenset({"A", "B", "D"}),
    explanation=("A task and a Pod are one running group of containers; a service and a Deployment keep a number "
                 "of them running; both orchestrators group everything in a cluster. A task definition is a "
                 "blueprint, like a Pod spec; a node is a machine."),
    hint=("Match what each thing does: one running group of containers, a controller that keeps a number of them "
          "running, a blueprint for them, a machine that runs them, and the group of it all."),
    wrong_hints={
        "C": "A node is a machine that runs Pods. The blueprint of a task (a task definition) is like a Pod spec.",
    },
))


# ---------------------------------------------------------------- value: what stops being yours

MOVED = register(Exercise(
    "recap.no_longer_yours", "What stops being your job", points=2,
    prompt=("List the areas (their `area` names) that are your job with the EC2 launch type and are not your "
            "job on Fargate."),
    hints=("Look at both owner columns: keep a row when it is yours with EC2 and AWS's (or nobody's) "
           "on Fargate.",),
))


def _areas(answer: Any) -> list[str]:
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        raise Wrong(f"Expected a list of area names, got {type(answer).__name__}.",
                    hint="Build a list such as [r.area for r in rows if ...].", stop=True)
    names = []
    for item in answer:
        if isinstance(item, Responsibility):
            item = item.area
        if not isinstance(item, str):
            raise Wrong(f"Expected area names (text), got {type(item).__name__}.",
                        hint="Use r.area, the name of each row.", stop=True)
        names.append(item)
    known = {r.area for r in responsibilities()}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise Wrong(f"{unknown[0]!r} is not an area of the table.", hint="Copy the names from r.area.", stop=True)
    return names


@MOVED.check("only areas that stop being yours")
def _no_extra(answer: Any, ctx: Context) -> None:
    rows = {r.area: r for r in responsibilities()}
    for name in _areas(answer):
        row = rows[name]
        if row.ec2_owner != YOU:
            raise Wrong(f"{name!r} is not your job with the EC2 launch type either.",
                        hint="Keep only rows whose EC2 owner is 'you'.")
        if row.fargate_owner == YOU:
            raise Wrong(f"{name!r} stays your job on Fargate.",
                        hint="Fargate takes over the machines, not your application, image, IAM or network "
                             "choices: those stay yours on both.")


@MOVED.check("every area that stops being yours")
def _no_missing(answer: Any, ctx: Context) -> None:
    missing = [a for a in no_longer_yours() if a not in set(_areas(answer))]
    if not missing:
        return
    rows = {r.area: r for r in responsibilities()}
    if all(rows[a].fargate_owner == NOT_NEEDED for a in missing):
        raise Wrong(f"{len(missing)} area(s) missing.",
                    hint="Some jobs do not move to AWS, they disappear: on Fargate nobody packs tasks onto "
                         "instances. Count those too.")
    raise Wrong(f"{len(missing)} area(s) missing.",
                hint="Check every row whose EC2 owner is 'you' and whose Fargate owner is not.")


# ---------------------------------------------------------------- lab state: run without instances

NO_INSTANCES = register(Exercise(
    "recap.run_without_instances", "A task with no instances", points=2, needs_lab=True, needs_answer=False,
    prompt="Run the `web` task in cluster `shop` so that it reaches RUNNING while the cluster has no instances.",
    hints=("The EC2 launch type needs container instances in the cluster; another launch type brings its "
           "own compute.",),
))

CLUSTER, FAMILY = "shop", "web"


def _family(task: dict[str, Any]) -> str:
    return task_family(task["taskDefinitionArn"])


def _web_tasks(ctx: Context) -> list[dict[str, Any]]:
    ecs = ctx.client("ecs")
    arns = [*ecs.list_tasks(cluster=CLUSTER, desiredStatus="RUNNING")["taskArns"],
            *ecs.list_tasks(cluster=CLUSTER, desiredStatus="STOPPED")["taskArns"]]
    if not arns:
        return []
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"]
    return [t for t in tasks if _family(t) == FAMILY]


def _cluster_exists(ctx: Context) -> None:
    clusters = ctx.client("ecs").describe_clusters(clusters=[CLUSTER])["clusters"]
    if not clusters or clusters[0].get("status") != "ACTIVE":
        raise Wrong(f"There is no active cluster {CLUSTER!r} in your lab.",
                    hint="Run the cells above that create the cluster, then this exercise.", stop=True)


def _launch_type(task: dict[str, Any]) -> str:
    return task.get("launchType") or task.get("capacityProviderName") or "?"


@NO_INSTANCES.check("a web task runs on Fargate")
def _on_fargate(answer: Any, ctx: Context) -> None:
    _cluster_exists(ctx)
    tasks = _web_tasks(ctx)
    if not tasks:
        raise Wrong(f"No task of {FAMILY!r} has started in cluster {CLUSTER!r} yet.",
                    hint="With the EC2 launch type a task needs an instance registered in the cluster, and "
                         "there is none. Change the launch type to the serverless one and run the cell again.",
                    stop=True)
    if not any(_launch_type(t) in ("FARGATE", "FARGATE_SPOT") for t in tasks):
        raise Wrong(f"Your {FAMILY!r} tasks use {_launch_type(tasks[0])}, not Fargate.",
                    hint="Pass launchType='FARGATE'.", stop=True)


@NO_INSTANCES.check("it is RUNNING")
def _running(answer: Any, ctx: Context) -> None:
    fargate = [t for t in _web_tasks(ctx) if _launch_type(t) in ("FARGATE", "FARGATE_SPOT")]
    if any(t.get("lastStatus") == "RUNNING" for t in fargate):
        return
    states = sorted({t.get("lastStatus", "?") for t in fargate})
    stopped = [t for t in fargate if t.get("lastStatus") == "STOPPED"]
    if stopped and stopped[0].get("stoppedReason"):
        raise Wrong(f"Your Fargate task stopped: {stopped[0]['stoppedReason']}",
                    hint="Read the stoppedReason above, fix the cause and run the task again.")
    raise Wrong(f"Your Fargate task is {', '.join(states)}, not RUNNING yet.",
                hint="A task goes through PROVISIONING and PENDING first: wait for it with the "
                     "tasks_running waiter, as the exercise cell does.")


@NO_INSTANCES.check("the cluster has no EC2 instances")
def _no_instances(answer: Any, ctx: Context) -> None:
    ecs = ctx.client("ecs")
    count = len(ecs.list_container_instances(cluster=CLUSTER)["containerInstanceArns"])
    if count:
        raise Wrong(f"The cluster has {count} container instance(s).",
                    hint="The point is to run without instances: leave the cluster empty.")
