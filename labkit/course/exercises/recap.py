"""Exercises of lesson 1 (recap of container orchestration): orchestrator words, and what Fargate takes over.

`responsibilities()` reads the shared-responsibility table (EC2 launch type vs Fargate) from `labkit.data`,
so the lesson and its checks count from the same rows. The exercises ask for understanding, not a filter: what
a set of tasks asks of you on EC2 instances and on Fargate (`recap.ec2_capacity`), and who deals with concrete
situations on Fargate, and why (`recap.no_longer_yours`).
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass
from typing import Any

from labkit.course.exercises import Context, Exercise, Quiz, Wrong, close, number, register, register_quiz
from labkit.data import facts
from labkit.model.pricing import ec2_cost, tasks_per_instance
from labkit.model.text import ShownAsText

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


# ---------------------------------------------------------------- what a set of tasks asks of you on EC2

#: The exercise's workload (its story, not a Fargate fact): the shop's report tasks and the instance type it
#: would run them on with the EC2 launch type. The instance's vCPU and memory come from `labkit.data`.
REPORT_TASKS = {"tasks": 5, "vcpu": 0.5, "memory_gb": 3}
INSTANCE_TYPE = "m5.large"
PLATFORMS = ("EC2", "Fargate")
PLAN_KEYS = ("instances", "idle_vcpu", "idle_memory_gb")


@dataclass(frozen=True)
class Plan:
    """What running the report tasks asks of you on one platform: instances to manage, capacity paid for idle."""

    instances: int
    idle_vcpu: float
    idle_memory_gb: float


def ec2_plan() -> Plan:
    """The EC2 launch type: the fewest instances that hold every task whole, and what they hold that no task uses."""
    t = REPORT_TASKS
    per_instance = tasks_per_instance(INSTANCE_TYPE, t["vcpu"], t["memory_gb"])
    instances = math.ceil(t["tasks"] / per_instance)
    spec = ec2_cost(INSTANCE_TYPE, 1)
    return Plan(instances, instances * spec.vcpu - t["tasks"] * t["vcpu"],
                instances * spec.memory_gib - t["tasks"] * t["memory_gb"])


def fargate_plan() -> Plan:
    """Fargate: no instance of yours, and each task billed for its own size (nothing idle around it)."""
    return Plan(0, 0.0, 0.0)


CAPACITY = register(Exercise(
    "recap.ec2_capacity", "What five tasks ask of you", points=3,
    prompt=(f"The shop runs {REPORT_TASKS['tasks']} report tasks of {REPORT_TASKS['vcpu']:g} vCPU / "
            f"{REPORT_TASKS['memory_gb']:g} GB all day. For the EC2 launch type on {INSTANCE_TYPE} instances, and "
            "for Fargate: how many instances must you launch, patch and scale, and how much vCPU and memory do "
            "you pay for that no task asked for?"),
    hints=("Start with EC2: a task runs whole on one instance, so count how many tasks fit on one.",),
))


def _plan(answer: Any, platform: str) -> dict[str, float]:
    if not isinstance(answer, dict) or not all(isinstance(answer.get(p), dict) for p in PLATFORMS):
        raise Wrong(f"Expected a dict with the keys {', '.join(map(repr, PLATFORMS))}, each a dict of "
                    f"{', '.join(map(repr, PLAN_KEYS))}.", stop=True)
    plan = answer[platform]
    blanks = [k for k in PLAN_KEYS if plan.get(k) is Ellipsis or k not in plan]
    if blanks:
        raise Wrong(f"{platform}: {', '.join(blanks)} still to fill in.", stop=True)
    return {k: number(plan[k], f"a number for {platform} {k}") for k in PLAN_KEYS}


@CAPACITY.check("both platforms, three numbers each", required=True)
def _plan_shape(answer: Any, ctx: Context) -> None:
    for platform in PLATFORMS:
        _plan(answer, platform)


@CAPACITY.check(f"EC2: {INSTANCE_TYPE} instances that hold every task")
def _ec2_instances(answer: Any, ctx: Context) -> None:
    got, t = _plan(answer, "EC2")["instances"], REPORT_TASKS
    right = ec2_plan().instances
    if close(got, right):
        return
    spec = ec2_cost(INSTANCE_TYPE, 1)
    by_totals = max(math.ceil(t["tasks"] * t["vcpu"] / spec.vcpu), math.ceil(t["tasks"] * t["memory_gb"] /
                                                                             spec.memory_gib))
    if close(got, t["tasks"]):
        raise Wrong("One instance per task holds them all, but pays for a lot of room nobody uses.",
                    hint=("Several tasks can share an instance: how many of these fit on one?",))
    if got < right and close(got, by_totals):
        raise Wrong(f"{got:g} instances hold the tasks' total vCPU and memory, but not the tasks themselves.",
                    hint=("Totals pretend a task can be split between two instances; it cannot: each runs whole "
                          "on one.",
                          "Count the tasks one instance holds, by vCPU and by memory: whichever runs out first "
                          "decides (labkit.pricing.tasks_per_instance does the counting)."))
    raise Wrong(f"{got:g} instances is {'too few' if got < right else 'more than the tasks need'}.",
                hint=("A task runs whole on one instance: count how many fit on one, by vCPU and by memory.",
                      f"labkit.pricing.ec2_cost({INSTANCE_TYPE!r}, 1) shows an instance's vCPU and memory; "
                      "labkit.pricing.tasks_per_instance counts the tasks that fit."))


@CAPACITY.check("EC2: capacity you pay for that no task uses")
def _ec2_idle(answer: Any, ctx: Context) -> None:
    plan, right = _plan(answer, "EC2"), ec2_plan()
    if close(plan["idle_vcpu"], right.idle_vcpu) and close(plan["idle_memory_gb"], right.idle_memory_gb):
        return
    if plan["idle_vcpu"] < 0 or plan["idle_memory_gb"] < 0:
        raise Wrong("Idle capacity cannot be negative.",
                    hint=("Idle is what the instances have minus what the tasks ask for.",))
    raise Wrong("That is not what the instances hold beyond what the tasks ask for.",
                hint=("You pay for whole instances: idle is their vCPU and memory minus what all the tasks ask "
                      "for.",
                      "Use the number of instances the tasks really need (the check above), times each one's vCPU "
                      "and memory, minus the tasks' totals."))


@CAPACITY.check("Fargate: instances to manage, capacity paid for idle")
def _fargate(answer: Any, ctx: Context) -> None:
    plan = _plan(answer, "Fargate")
    if plan["instances"]:
        raise Wrong(f"On Fargate you launch no instances ({plan['instances']:g} given).",
                    hint=("Fargate runs each task on compute AWS looks after: what is left for you to launch or "
                          "patch?",))
    if plan["idle_vcpu"] or plan["idle_memory_gb"]:
        raise Wrong("On Fargate you pay for no room around your tasks.",
                    hint=("Fargate bills each task for the size it asks for, and nothing else: is there a machine "
                          "with spare room that you pay for?",))


# ---------------------------------------------------------------- who does it on Fargate, and why

WHO = (YOU, AWS, NOT_NEEDED)

#: Concrete situations of the shop, each an instance of one row of the responsibility table (by its area).
SITUATIONS = {
    "kernel-fix": ("A security fix for the Linux kernel of the machines is released.",
                   "Host OS patching/hardening"),
    "agent-update": ("A new version of the ECS agent and container runtime comes out.",
                     "Container runtime / ECS agent"),
    "sale-peak": ("A sale triples the traffic: there must be room for three times the tasks.",
                  "Scale cluster capacity"),
    "machine-type": ("Someone has to choose which machines the tasks run on.",
                     "Provision/choose servers & instance types"),
    "packing": ("Six small tasks and two big ones have to fit on machines with little room wasted.",
                "Bin packing / cluster packing"),
    "image-cve": ("A library in the shop's container image has a known vulnerability.",
                  "Application, image, IAM, network config, data, logging/monitoring"),
    "s3-access": ("The report task needs permission to read an S3 bucket.",
                  "Application, image, IAM, network config, data, logging/monitoring"),
}

#: Reasons a learner picks from: three right ones (one per owner) and two that sound right and are not.
REASONS = {
    "hosts": "AWS runs the machines under every Fargate task: it picks, patches and scales them.",
    "own-compute": "Each Fargate task gets compute of its own size, so there is nothing to share out.",
    "your-app": "It concerns your application (its image, permissions, network or data), which stays yours.",
    "no-updates": "Fargate tasks never need updating.",
    "ecs-does-it": "ECS already does it for you with the EC2 launch type too.",
}
RIGHT_REASON = {AWS: "hosts", NOT_NEEDED: "own-compute", YOU: "your-app"}
_OWNER_WORDS = {"you": YOU, "aws": AWS, "not needed": NOT_NEEDED, "nobody": NOT_NEEDED}


def on_fargate() -> dict[str, str]:
    """Who does each situation's job on Fargate, read from the responsibility table in `labkit.data`."""
    owners = {r.area: r.fargate_owner for r in responsibilities()}
    return {key: owners[area] for key, (_, area) in SITUATIONS.items()}


def situations_text() -> str:
    """The situations and the reasons, as the lesson shows them."""
    lines = ["Situations:"] + [f"  {key:<13} {text}" for key, (text, _) in SITUATIONS.items()]
    lines += ["Reasons:"] + [f"  {key:<13} {text}" for key, text in REASONS.items()]
    return "\n".join(lines)


MOVED = register(Exercise(
    "recap.no_longer_yours", "Who does it on Fargate, and why", points=2,
    prompt=("For each situation, say who deals with it when the shop runs on Fargate (\"you\", \"AWS\" or "
            "\"nobody\": the job is gone) and why, with one of the reasons' keys."),
    hints=("Ask of each situation: is it about the machines, about sharing machines out, or about your "
           "application?",),
))


def _classified(answer: Any) -> dict[str, tuple[str, str]]:
    if not isinstance(answer, dict):
        raise Wrong(f"Expected a dict from situation to (who, reason), got {type(answer).__name__}.", stop=True)
    missing = [k for k in SITUATIONS if k not in answer]
    unknown = [k for k in answer if k not in SITUATIONS]
    if missing or unknown:
        what = f"missing {', '.join(missing)}" if missing else f"unknown {', '.join(map(str, unknown))}"
        raise Wrong(f"The dict should have one entry per situation ({what}).", stop=True)
    out = {}
    for key, value in answer.items():
        if value is Ellipsis or not isinstance(value, (tuple, list)) or len(value) != 2 or Ellipsis in value:
            raise Wrong(f"{key}: still to fill in, as a pair (who, reason key).",
                        stop=True)
        who, why = value
        owner = _OWNER_WORDS.get(str(who).strip().lower())
        if owner is None:
            raise Wrong(f"{key}: who is {who!r}; say \"you\", \"AWS\" or \"nobody\".", stop=True)
        if why not in REASONS:
            raise Wrong(f"{key}: {why!r} is not one of the reasons' keys ({', '.join(REASONS)}).", stop=True)
        out[key] = (owner, why)
    return out


@MOVED.check("every situation, with who and why", required=True)
def _moved_shape(answer: Any, ctx: Context) -> None:
    _classified(answer)


def _who_hint(key: str, right: str, got: str) -> tuple[str, ...]:
    if right == NOT_NEEDED:
        return ("One of these jobs does not move to AWS: it stops existing. Which one needs many tasks to share "
                "a machine?",
                "Fitting tasks onto machines only matters when tasks share machines; on Fargate each has its own.")
    if right == YOU:
        return ("Fargate takes over the machines, not what runs on them.",
                "Your image and your task's permissions are yours on any launch type: AWS cannot know what your "
                "code needs.")
    if got == NOT_NEEDED:
        return ("The machines under Fargate tasks still need patching, updating and scaling: somebody does it.",)
    return ("With Fargate there is no instance of yours under a task: who looks after the machine it runs on?",)


@MOVED.check("who does it on Fargate")
def _moved_who(answer: Any, ctx: Context) -> None:
    truth, given = on_fargate(), _classified(answer)
    wrong = [k for k in SITUATIONS if given[k][0] != truth[k]]
    if wrong:
        first = wrong[0]
        raise Wrong(f"{len(wrong)} of {len(SITUATIONS)} situations have the wrong owner, {first} among them.",
                    hint=_who_hint(first, truth[first], given[first][0]))


@MOVED.check("why")
def _moved_why(answer: Any, ctx: Context) -> None:
    truth, given = on_fargate(), _classified(answer)
    wrong = [k for k in SITUATIONS if given[k][1] != RIGHT_REASON[truth[k]]]
    if not wrong:
        return
    first, picked = wrong[0], given[wrong[0]][1]
    hints = {"no-updates": ("The machines under Fargate tasks are updated all the time: AWS does it, and may "
                            "retire a task to do it.",),
             "ecs-does-it": ("With the EC2 launch type these jobs are yours: ECS schedules tasks, it does not look "
                             "after your instances.",)}
    raise Wrong(f"{len(wrong)} of {len(SITUATIONS)} reasons do not explain the situation, {first} among them.",
                hint=hints.get(picked, ("A reason says why the job moves to AWS, disappears or stays yours: match "
                                        "it to who does it.",)))
