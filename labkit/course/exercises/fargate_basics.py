"""Exercises of lesson 2 (what is AWS Fargate): task definitions Fargate refuses, the two IAM roles, ENIs.

The task-definition checks judge with `labkit.fargate.problems` (AWS's own messages), so a learner's fix is
accepted exactly when Fargate would accept it, and typical wrong fixes (dropping the logs, undersizing the
task, using the task role) get a hint that names the rule. `size_table()` shows the valid sizes by CPU.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from labkit.course.exercises import Context, Exercise, Quiz, Wrong, register, register_quiz
from labkit.course.exercises._tiers import problem_tiers, size_tiers
from labkit.data import facts
from labkit.model.rules import problems
from labkit.model.sizes import is_valid_size, smallest_size_for, valid_sizes
from labkit.model.text import ShownAsText
from labkit.model.units import num, parse_cpu, parse_memory, short_name, vcpu

EXECUTION_POLICY = "AmazonECSTaskExecutionRolePolicy"
TASKS_PRINCIPAL = "ecs-tasks.amazonaws.com"


# ---------------------------------------------------------------- the size table


@dataclass(frozen=True)
class SizeRow:
    """One CPU size and the memory values Fargate pairs with it."""

    cpu: int
    vcpu: str
    memory: tuple[int, ...]
    memory_text: str
    os: tuple[str, ...]
    min_platform_version: str | None
    label: str | None = None  # what is not confirmed about the size yet (the data row's label)

    @property
    def note(self) -> str:
        """" (platform 1.4.0+)", with the row's label when it has one."""
        parts = ([f"platform {self.min_platform_version}+"] if self.min_platform_version else [])
        parts += [self.label] if self.label else []
        return f" ({'; '.join(parts)})" if parts else ""


@dataclass(frozen=True)
class SizeTable(ShownAsText):
    """The valid Fargate task sizes, one row per CPU value, with the date of the data."""

    rows: tuple[SizeRow, ...]
    as_of: str

    def __str__(self) -> str:
        lines = [f"{'cpu':>6}  {'vCPU':>5}  {'memory (MiB)':<46}  OS"]
        for r in self.rows:
            lines.append(f"{r.cpu:>6}  {r.vcpu:>5}  {r.memory_text:<46}  {', '.join(r.os)}{r.note}")
        lines.append(f"(as of {self.as_of})")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{r.cpu}</td><td>{html.escape(r.vcpu)}</td>"
            f"<td style='text-align:left'>{html.escape(r.memory_text)}</td>"
            f"<td style='text-align:left'>{html.escape(', '.join(r.os))}{html.escape(r.note)}</td></tr>"
            for r in self.rows)
        return ("<table><thead><tr><th>cpu (units)</th><th>vCPU</th><th style='text-align:left'>memory (MiB)</th>"
                f"<th style='text-align:left'>OS</th></tr></thead><tbody>{body}</tbody></table>"
                f"<p><small>Valid Fargate task sizes, as of {html.escape(self.as_of)}.</small></p>")


def _memory_text(values: list[int]) -> str:
    steps = {b - a for a, b in zip(values, values[1:], strict=False)}
    if len(values) > 3 and len(steps) == 1:
        return f"{values[0]} to {values[-1]}, in steps of {steps.pop()}"
    return ", ".join(str(v) for v in values)


def size_table() -> SizeTable:
    """Every valid Fargate task size (Linux and Windows), grouped by CPU, from `labkit.fargate`."""
    data = facts()["task_sizes"]
    linux = {cpu for cpu, _ in valid_sizes("LINUX")}
    windows = {cpu for cpu, _ in valid_sizes("WINDOWS")}
    rows = []
    for row in data["rows"]:
        cpu = row["cpu"]
        memory = sorted(m for c, m in valid_sizes("LINUX") if c == cpu)
        oses = tuple(name for name, cpus in (("Linux", linux), ("Windows", windows)) if cpu in cpus)
        rows.append(SizeRow(cpu, num(vcpu(cpu)), tuple(memory), _memory_text(memory), oses,
                            row.get("min_platform_version"), row.get("label")))
    return SizeTable(tuple(rows), data["as_of"])


# ---------------------------------------------------------------- helpers for task-definition answers


def task_def(answer: Any) -> dict[str, Any]:
    if not isinstance(answer, Mapping):
        raise Wrong(f"Expected the task definition as a dict, got {type(answer).__name__}.",
                    hint="Pass the dict you give to register_task_definition, e.g. labkit.check(..., td).",
                    stop=True)
    inner = answer.get("taskDefinition")
    return dict(inner) if isinstance(inner, Mapping) else dict(answer)


def container(td: dict[str, Any], name: str) -> dict[str, Any]:
    for c in td.get("containerDefinitions") or []:
        if isinstance(c, Mapping) and c.get("name") == name:
            return dict(c)
    raise Wrong(f"The container {name!r} is gone from containerDefinitions.",
                hint="Fix the task definition around the container; keep the container itself.", stop=True)


def accepted(td: dict[str, Any]) -> None:
    """Wrong with AWS's message and labkit's hint when Fargate would refuse `td`."""
    try:
        found = problems(td)
    except Exception as err:  # InvalidInput: the shape is wrong
        raise Wrong(str(err), hint="Compare with the starting task definition: same keys, new values.") from None
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise Wrong(f"Fargate still refuses it{more}: {first.message}", hint=problem_tiers(first, td))


# ---------------------------------------------------------------- worked example: network mode

NETWORK = register(Exercise(
    "fargate_basics.network_mode", "Network mode", points=1,
    prompt="Fix the `hello` task definition so that Fargate accepts it.",
    hints=("Fargate gives each task its own network interface: one network mode does that.",),
))


@NETWORK.check("networkMode is the one Fargate uses")
def _network_mode(answer: Any, ctx: Context) -> None:
    td = task_def(answer)
    mode = td.get("networkMode")
    required = facts()["network"]["required_mode"]
    if mode != required:
        raise Wrong(f"networkMode is {mode!r}.",
                    hint=("Fargate gives each task a network interface of its own: which network mode does that?",
                          "Fargate supports a single network mode: the one that gives each task its own interface "
                          "in your VPC (the table above names it)."))


@NETWORK.check("Fargate accepts the task definition")
def _network_accepted(answer: Any, ctx: Context) -> None:
    td = task_def(answer)
    container(td, "hello")
    accepted(td)


# ---------------------------------------------------------------- exercise: an invalid size

SIZE_NEED_CPU, SIZE_NEED_MEMORY = 256, 3072  # the report generator's needs (the exercise's story, not a fact)

SIZE = register(Exercise(
    "fargate_basics.task_size", "A size Fargate offers", points=2,
    prompt=("The report generator needs 0.25 vCPU and 3 GB of memory. Fix the `report` task definition's size: "
            "valid, big enough, and no bigger than it has to be."),
    hints=("Look up the CPU values that can go with 3072 MiB in the size table.",),
))


def _size(td: dict[str, Any]) -> tuple[int, int]:
    try:
        return parse_cpu(td.get("cpu")), parse_memory(td.get("memory"))
    except Exception as err:
        raise Wrong(str(err), hint="Give cpu in CPU units and memory in MiB, as strings such as '512'.",
                    stop=True) from None


@SIZE.check("Fargate offers this size")
def _size_valid(answer: Any, ctx: Context) -> None:
    td = task_def(answer)
    container(td, "report")
    cpu, memory = _size(td)
    if not is_valid_size(cpu, memory):
        raise Wrong(f"{cpu} CPU units with {memory} MiB is not a Fargate size.", hint=size_tiers(cpu, memory),
                    stop=True)
    accepted(td)


@SIZE.check("the report generator fits")
def _size_fits(answer: Any, ctx: Context) -> None:
    cpu, memory = _size(task_def(answer))
    if memory < SIZE_NEED_MEMORY:
        raise Wrong(f"{memory} MiB is less than the {SIZE_NEED_MEMORY} MiB the report generator needs.",
                    hint="Keep the memory and change the CPU instead: some CPU values allow more memory.",
                    stop=True)
    if cpu < SIZE_NEED_CPU:
        raise Wrong(f"{cpu} CPU units is less than the {SIZE_NEED_CPU} it needs.")


@SIZE.check("no bigger than needed")
def _size_smallest(answer: Any, ctx: Context) -> None:
    cpu, memory = _size(task_def(answer))
    best = smallest_size_for(SIZE_NEED_CPU, SIZE_NEED_MEMORY)
    if (cpu, memory) != best and cpu >= best[0] and memory >= best[1]:
        raise Wrong(f"{cpu} CPU units with {memory} MiB works, but Fargate bills the size you ask for.",
                    hint=("Is there a smaller valid size that still covers the need?",
                          "Read the size table from the top, row by row: the first size that covers both needs is "
                          "the one to pay for."))


# ---------------------------------------------------------------- exercise: awslogs needs the execution role

LOGS = register(Exercise(
    "fargate_basics.awslogs_role", "Logs need the execution role", points=2, needs_lab=True,
    prompt="Fix the `api` task definition so Fargate accepts it and its logs still reach CloudWatch Logs.",
    hints=("Someone has to send the logs to CloudWatch before your code even starts: which role is that?",),
))


def _role_name(arn: Any) -> str:
    if not isinstance(arn, str) or ":role/" not in arn:
        raise Wrong(f"executionRoleArn is {arn!r}, not a role ARN.",
                    hint=("executionRoleArn holds a role's ARN, its full name (arn:aws:iam::...:role/...).",
                          "Use the ARN of the execution role that labkit.deploy.ensure_roles made (roles above)."),
                    stop=True)
    return short_name(arn)


@LOGS.check("executionRoleArn is a task execution role")
def _logs_role(answer: Any, ctx: Context) -> None:
    _logs_kept(answer, ctx)  # without logs there is nothing to need the role for: say that first
    try:
        check_execution_role(task_def(answer), ctx)
    except Wrong as wrong:
        raise Wrong(wrong.message, hint=wrong.hint, stop=True) from None


@LOGS.check("the logs still go to CloudWatch (awslogs)")
def _logs_kept(answer: Any, ctx: Context) -> None:
    api = container(task_def(answer), "api")
    log = api.get("logConfiguration") or {}
    if not isinstance(log, Mapping) or log.get("logDriver") != "awslogs":
        raise Wrong("The api container no longer logs with awslogs.",
                    hint="Removing the logs makes Fargate accept it, but then nobody can read what the app "
                         "says. Keep logConfiguration and give the task what awslogs needs.", stop=True)


@LOGS.check("Fargate accepts the task definition")
def _logs_accepted(answer: Any, ctx: Context) -> None:
    accepted(task_def(answer))


def check_execution_role(td: dict[str, Any], ctx: Context) -> None:
    """Wrong unless td's executionRoleArn names a role in the lab that ECS tasks can use to pull and log."""
    if not td.get("executionRoleArn"):
        needs = [p for p in problems(td) if p.field == "executionRoleArn"]
        reasons = f"; Fargate refuses the task definition for {len(needs)} reason(s) that need one" if needs else ""
        raise Wrong(f"There is no executionRoleArn{reasons}.",
                    hint=problem_tiers(needs[0], td) if needs else ("The task definition names no execution role.",))
    name = _role_name(td.get("executionRoleArn"))
    iam = ctx.client("iam")
    try:
        role = iam.get_role(RoleName=name)["Role"]
    except iam.exceptions.NoSuchEntityException:
        raise Wrong(f"There is no role {name!r} in your lab.",
                    hint=("Use a role that exists in your lab: the lesson made the ones it needs.",
                          "Copy the execution role's ARN from the roles cell above.")) from None
    if TASKS_PRINCIPAL not in str(role.get("AssumeRolePolicyDocument") or {}):
        raise Wrong(f"Role {name!r} cannot be used by ECS tasks (its trust policy does not name {TASKS_PRINCIPAL}).")
    attached = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]]
    if EXECUTION_POLICY not in attached:
        hint = ("That is the task role: your code uses it after the task starts. Fargate pulls images and sends "
                "logs before that, with the execution role.")
        if td.get("taskRoleArn") == td.get("executionRoleArn"):
            hint = "The same role in both places: " + hint
        raise Wrong(f"Role {name!r} does not have the {EXECUTION_POLICY} policy.", hint=hint)


# ---------------------------------------------------------------- quiz: which role

register_quiz(Quiz(
    "fargate_basics.which_role",
    "Task role or execution role",
    question="Which of these does Fargate do with the task execution role (not the task role)? Pick every one.",
    choices={
        "A": "Pull the container image from a private Amazon ECR repository.",
        "B": "Send the container's output to CloudWatch Logs with the awslogs driver.",
        "C": "Let your application code read files from an S3 bucket.",
        "D": "Let your application code write items to a DynamoDB table.",
    },
    correct=frozenset({"A", "B"}),
    explanation=("Pulling the image and sending logs happen on the task's behalf, before and around your code: "
                 "the execution role. Calls your code makes use the task role."),
    hint=("Ask who makes the call, and when: Fargate itself, before and around your code, or your code "
          "once it runs?"),
    wrong_hints={
        "C": "Your code calls S3, so it uses the task role's permissions.",
        "D": "Your code calls DynamoDB, so it uses the task role's permissions.",
    },
))


# ---------------------------------------------------------------- lab state: each task's ENI

ENI_CLUSTER = "hello"

ENIS = register(Exercise(
    "fargate_basics.task_enis", "One ENI per task", points=2, needs_lab=True,
    prompt=(f"Build a dict from each running task in cluster `{ENI_CLUSTER}` (its ARN or id) to the id of its "
            "elastic network interface."),
    hints=("Each task's `attachments` has an ElasticNetworkInterface whose `details` name the interface.",),
))


def _running_tasks(ctx: Context) -> dict[str, dict[str, Any]]:
    ecs = ctx.client("ecs")
    arns = ecs.list_tasks(cluster=ENI_CLUSTER, desiredStatus="RUNNING")["taskArns"]
    if not arns:
        raise Wrong(f"No running tasks in cluster {ENI_CLUSTER!r}.",
                    hint="Run the cell that starts the tasks, then this one.", stop=True)
    tasks = ecs.describe_tasks(cluster=ENI_CLUSTER, tasks=arns)["tasks"]
    return {t["taskArn"]: t for t in tasks if t.get("lastStatus") == "RUNNING"}


def _eni_of(task: dict[str, Any]) -> str | None:
    for attachment in task.get("attachments") or []:
        if attachment.get("type") == "ElasticNetworkInterface":
            for detail in attachment.get("details") or []:
                if detail.get("name") == "networkInterfaceId":
                    return detail.get("value")
    return None


def _answer_by_task(answer: Any, tasks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    if not isinstance(answer, Mapping):
        raise Wrong(f"Expected a dict from task to ENI id, got {type(answer).__name__}.",
                    hint="Start from enis = {} and set enis[task['taskArn']] = ... in the loop.", stop=True)
    by_id = {short_name(arn): arn for arn in tasks}
    out: dict[str, Any] = {}
    for key, value in answer.items():
        arn = key if key in tasks else by_id.get(str(key))
        if arn is None:
            raise Wrong(f"{str(key)[-40:]!r} is not a running task of cluster {ENI_CLUSTER!r}.",
                        hint="Use task['taskArn'] (or the id at its end) as the key.", stop=True)
        out[arn] = value
    return out


@ENIS.check("one entry per running task")
def _every_task(answer: Any, ctx: Context) -> None:
    tasks = _running_tasks(ctx)
    given = _answer_by_task(answer, tasks)
    blanks = sum(1 for v in given.values() if v is None or v is Ellipsis)
    if blanks:
        raise Wrong(f"{blanks} of your entries are still `...`.",
                    hint="Look inside attachment['details']: one of them is named networkInterfaceId.", stop=True)
    missing = len(set(tasks) - set(given))
    if missing:
        raise Wrong(f"{missing} running task(s) are missing from your dict.",
                    hint="Loop over every task that describe_tasks returned.")


@ENIS.check("each value is that task's ENI id")
def _right_eni(answer: Any, ctx: Context) -> None:
    tasks = _running_tasks(ctx)
    for arn, value in _answer_by_task(answer, tasks).items():
        expected = _eni_of(tasks[arn])
        if value == expected:
            continue
        text = str(value)
        if text.startswith("subnet-"):
            raise Wrong("That is the subnet the interface is in, not the interface.",
                        hint="Take the detail named networkInterfaceId.")
        if isinstance(value, (list, dict)):
            raise Wrong("That is the whole attachment or its details; give only the ENI id (a string).",
                        hint="Pick the value of the detail named networkInterfaceId.")
        if any(a.get("id") == value for a in tasks[arn].get("attachments") or []):
            raise Wrong("That is the attachment's id, not the network interface's.",
                        hint="The interface id starts with 'eni-': look in the attachment's details.")
        raise Wrong(f"{text[:30]!r} is not the ENI of that task.",
                    hint="Take the value of the detail named networkInterfaceId of that task's attachment.")


@ENIS.check("the ENIs exist in your VPC, one per task")
def _enis_exist(answer: Any, ctx: Context) -> None:
    tasks = _running_tasks(ctx)
    values = [v for v in _answer_by_task(answer, tasks).values() if isinstance(v, str)]
    if len(set(values)) != len(values):
        raise Wrong("Two tasks share an ENI in your answer.",
                    hint="On Fargate every task gets its own network interface.")
    found = ctx.client("ec2").describe_network_interfaces(NetworkInterfaceIds=values)["NetworkInterfaces"]
    if len(found) != len(values):
        raise Wrong("Some of these interfaces are not in your account.")
