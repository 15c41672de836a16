"""Exercises of the capstone: right-size, register, deploy on FARGATE + FARGATE_SPOT, cost it, tear it down.

The assignment (assignments/source/capstone.ipynb) states the need below; every expected value is worked out
from `labkit.fargate` and `labkit.pricing` when a check runs. Hidden checks live in the instructor source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from labkit.course.exercises import (
    Context,
    Exercise,
    Quiz,
    Wrong,
    close,
    item,
    number,
    register,
    register_quiz,
    results,
)
from labkit.course.exercises._lab import check_steady, check_strategy, clusters, find_service, name_of, split
from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.model.pricing import monthly
from labkit.model.rules import problems
from labkit.model.sizes import is_valid_size, size_hint, smallest_size_for
from labkit.model.units import gb, parse_cpu, parse_memory, short_name, vcpu

#: What the learner's service needs: two containers per task (the exercise statement, not Fargate facts).
CONTAINERS = (
    {"name": "app", "cpu": 512, "memory": 1536, "role": "the web application"},
    {"name": "metrics", "cpu": 128, "memory": 256, "role": "a metrics sidecar"},
)
FAMILY = "capstone-web"
SERVICE = "capstone-web"
CLUSTER = "capstone"
COUNT = 3
STRATEGY = {"FARGATE": {"base": 1, "weight": 1}, "FARGATE_SPOT": {"base": 0, "weight": 1}}


def brief() -> str:
    """The assignment's statement, written from the constants above (so text and checks cannot drift)."""
    lines = ["Each task of the service runs two containers:"]
    lines += [f"  - {c['name']} ({c['role']}): {c['cpu']} CPU units, {c['memory']} MiB" for c in CONTAINERS]
    strategy = ", ".join(f"{p} base {s['base']} weight {s['weight']}" for p, s in STRATEGY.items())
    lines += [f"Task definition family: {FAMILY}; cluster: {CLUSTER}; service: {SERVICE}.",
              f"The service runs {COUNT} tasks with the capacity provider strategy: {strategy}."]
    return "\n".join(lines)


def need() -> tuple[int, int]:
    """CPU units and MiB the two containers need together."""
    return sum(c["cpu"] for c in CONTAINERS), sum(c["memory"] for c in CONTAINERS)


def _expected_size() -> tuple[int, int]:

    return smallest_size_for(*need())


def placement() -> dict[str, int]:
    """How many of the COUNT tasks ECS places on each capacity provider under STRATEGY."""
    return split(COUNT, STRATEGY)


@dataclass(frozen=True)
class Setup:
    """What the capstone provides before the learner starts: network, execution role and log group."""

    subnets: tuple[str, ...]
    security_groups: tuple[str, ...]
    execution_role_arn: str
    log_group: str

    def __str__(self) -> str:
        return (f"Ready: {len(self.subnets)} public subnet(s) (tasks there need a public IP to pull their image), "
                f"{len(self.security_groups)} security group(s), "
                f"an execution role for ECS tasks, and the log group {self.log_group}.")


LOG_GROUP = "/labkit/capstone"
ROLE_NAME = "capstone-execution"


def prepare(lab: Any) -> Setup:
    """Create the network, the task execution role and the log group the capstone builds on (boto3 only)."""
    ec2, iam, logs = lab.client("ec2"), lab.client("iam"), lab.client("logs")
    key_tags = lab.tag_list("Key")
    vpc = ec2.create_vpc(CidrBlock="10.42.0.0/16",
                         TagSpecifications=[{"ResourceType": "vpc", "Tags": key_tags}])["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.42.1.0/24",
                               TagSpecifications=[{"ResourceType": "subnet", "Tags": key_tags}])["Subnet"]
    group = ec2.create_security_group(GroupName="capstone-web", Description="capstone web tasks", VpcId=vpc,
                                      TagSpecifications=[{"ResourceType": "security-group",
                                                          "Tags": key_tags}])["GroupId"]
    # A public subnet: its default route goes to an internet gateway, the tasks' way to their image registry
    igw = ec2.create_internet_gateway(TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": key_tags}])
    igw_id = igw["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=[{"ResourceType": "route-table",
                                                                   "Tags": key_tags}])["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet["SubnetId"])
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}
    role = iam.create_role(RoleName=ROLE_NAME, Path="/labkit/", AssumeRolePolicyDocument=json.dumps(trust),
                           Tags=key_tags)["Role"]
    iam.attach_role_policy(RoleName=ROLE_NAME, PolicyArn="arn:aws:iam::aws:policy/service-role/"
                                                         "AmazonECSTaskExecutionRolePolicy")
    logs.create_log_group(logGroupName=LOG_GROUP, tags=lab.tag_list("dict"))
    for kind, ident in (("vpc", vpc), ("subnet", subnet["SubnetId"]), ("security group", group),
                        ("internet gateway", igw_id), ("route table", table), ("role", ROLE_NAME),
                        ("log group", LOG_GROUP)):
        record = getattr(lab, "record", None)
        if callable(record):
            record(kind, ident)
    return Setup((subnet["SubnetId"],), (group,), role["Arn"], LOG_GROUP)


# ---- capstone.size ----------------------------------------------------------------------------------------

SIZE = register(Exercise(
    "capstone.size", "Right-size the task", points=2,
    prompt="Choose the task size (cpu units, memory MiB) for the two containers: the smallest valid one.",
    hints=("Add up what the containers need, then take the smallest Fargate size that covers both "
           "(labkit.fargate.valid_sizes() lists them).",),
))


def _size(answer: Any) -> tuple[int, int]:
    if isinstance(answer, dict) or hasattr(answer, "cpu"):
        cpu, memory = item(answer, "cpu"), item(answer, "memory")
    elif isinstance(answer, (tuple, list)) and len(answer) == 2:
        cpu, memory = answer
    else:
        raise Wrong(f"Expected (cpu units, memory MiB) such as (512, 1024), got {type(answer).__name__} "
                    f"{answer!r:.40}.", stop=True)
    try:
        return parse_cpu(cpu), parse_memory(memory)
    except InvalidInput as err:
        raise Wrong(str(err), stop=True) from None


@SIZE.check("a valid Fargate size")
def _size_valid(answer: Any, ctx: Context) -> None:

    cpu, memory = _size(answer)
    if not is_valid_size(cpu, memory):
        raise Wrong(f"{cpu} CPU units with {memory} MiB is not a Fargate size.", hint=size_hint(cpu, memory))


@SIZE.check("fits both containers")
def _size_fits(answer: Any, ctx: Context) -> None:
    cpu, memory = _size(answer)
    need_cpu, need_mem = need()
    short = [f"{what} {have} < {want} needed" for what, have, want in
             (("cpu", cpu, need_cpu), ("memory", memory, need_mem)) if have < want]
    if short:
        raise Wrong(f"Too small: {', '.join(short)}.",
                    hint="A task's size must cover the sum of its containers' cpu and memory.")


@SIZE.check("the smallest size that fits")
def _size_smallest(answer: Any, ctx: Context) -> None:

    cpu, memory = _size(answer)
    need_cpu, need_mem = need()
    if (cpu, memory) == _expected_size() or cpu < need_cpu or memory < need_mem \
            or not is_valid_size(cpu, memory):
        return  # too small or invalid is reported by the checks above
    raise Wrong("It fits, but a smaller valid size fits too.",
                hint="Fargate bills the requested vCPU and memory, used or not: take the smallest size "
                     "that covers the need.")


# ---- capstone.task_definition (lab state) -----------------------------------------------------------------

TASK_DEF = register(Exercise(
    "capstone.task_definition", "Register a Fargate task definition", points=3, needs_lab=True, hidden=True,
    prompt=f"Register the task definition family {FAMILY!r}: Fargate-valid, right-sized, logs with awslogs.",
    hints=("Fargate needs networkMode awsvpc, task-level cpu and memory, and an execution role for "
           "awslogs.",),
))


def _task_definition(ctx: Context, answer: Any) -> dict[str, Any]:
    family = name_of(answer, "task definition family", FAMILY)
    try:
        return ctx.client("ecs").describe_task_definition(taskDefinition=family)["taskDefinition"]
    except Exception as err:  # noqa: BLE001 - a missing family is the learner's to fix
        if type(err).__name__ in ("ClientError", "ClientException", "InvalidParameterException"):
            raise Wrong(f"No task definition {family!r} is registered in your lab.",
                        hint="Register it with ecs.register_task_definition(family=..., ...).",
                        stop=True) from None
        raise


@TASK_DEF.check("registered in your lab")
def _td_registered(answer: Any, ctx: Context) -> None:
    _task_definition(ctx, answer)


@TASK_DEF.check("Fargate accepts it")
def _td_valid(answer: Any, ctx: Context) -> None:

    found = problems(_task_definition(ctx, answer))
    if found:
        first = found[0]
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise Wrong(first.message + more, hint=first.hint)


@TASK_DEF.check("right-sized")
def _td_size(answer: Any, ctx: Context) -> None:
    td = _task_definition(ctx, answer)
    have = (int(td.get("cpu") or 0), int(td.get("memory") or 0))
    if have != _expected_size():
        raise Wrong(f"It asks for {have[0]} CPU units and {have[1]} MiB, not the size you worked out above.",
                    hint="Use the size from the first exercise for the task-level cpu and memory.")


@TASK_DEF.check("logs with awslogs through an execution role")
def _td_logs(answer: Any, ctx: Context) -> None:
    td = _task_definition(ctx, answer)
    missing = [c.get("name", "?") for c in td.get("containerDefinitions", [])
               if (c.get("logConfiguration") or {}).get("logDriver") != "awslogs"]
    if missing:
        raise Wrong(f"Container(s) {', '.join(missing)} do not log with awslogs.",
                    hint="Give each container logConfiguration={'logDriver': 'awslogs', 'options': {...}} "
                         "naming the log group, region and stream prefix.")
    if not td.get("executionRoleArn"):
        raise Wrong("awslogs needs an execution role, and the task definition has none.",
                    hint="Set executionRoleArn: Fargate uses that role to pull images and send logs.")


def role_trusts_ecs_tasks(iam: Any, role_arn: str) -> bool:
    """True when the IAM role exists and its trust policy lets ECS tasks assume it (for hidden checks)."""
    role = iam.get_role(RoleName=short_name(role_arn))["Role"]
    doc = role.get("AssumeRolePolicyDocument", {})
    if isinstance(doc, str):
        doc = json.loads(unquote(doc))
    return "ecs-tasks.amazonaws.com" in json.dumps(doc)


# ---- capstone.service (lab state) -------------------------------------------------------------------------

SERVICE_EX = register(Exercise(
    "capstone.service", "Run the service on FARGATE and FARGATE_SPOT", points=3, needs_lab=True, hidden=True,
    prompt=f"Create the service {SERVICE!r} in cluster {CLUSTER!r} and wait for steady state.",
    hints=("Create the cluster with the FARGATE and FARGATE_SPOT capacity providers, then the service with "
           "a capacityProviderStrategy.",),
))


@SERVICE_EX.check("runs your right-sized task definition")
def _svc_td(answer: Any, ctx: Context) -> None:
    service, _ = find_service(ctx, name_of(answer, "service", SERVICE))
    ecs = ctx.client("ecs")
    td = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    if td.get("family") != FAMILY:
        raise Wrong(f"The service runs task definition family {td.get('family')!r}, not {FAMILY!r}.",
                    hint="Pass taskDefinition=<your family> to ecs.create_service.")
    if (int(td.get("cpu") or 0), int(td.get("memory") or 0)) != _expected_size():
        raise Wrong("The service's task definition is not the right size.",
                    hint="Register the right-sized revision, then point the service at it.")


@SERVICE_EX.check("the capacity provider strategy")
def _svc_strategy(answer: Any, ctx: Context) -> None:
    service, _ = find_service(ctx, name_of(answer, "service", SERVICE))
    check_strategy(service, STRATEGY)


@SERVICE_EX.check("steady state with every task running")
def _svc_steady(answer: Any, ctx: Context) -> None:
    service, _ = find_service(ctx, name_of(answer, "service", SERVICE))
    check_steady(service, COUNT)


def running_tasks_by_provider(ctx: Context, service_name: str) -> dict[str, int]:
    """RUNNING tasks of a service counted by capacity provider (for hidden checks)."""
    service, cluster = find_service(ctx, service_name)
    ecs = ctx.client("ecs")
    arns = ecs.list_tasks(cluster=cluster, serviceName=service["serviceName"],
                          desiredStatus="RUNNING").get("taskArns", [])
    counts: dict[str, int] = {}
    if arns:
        for task in ecs.describe_tasks(cluster=cluster, tasks=arns).get("tasks", []):
            if task.get("lastStatus") == "RUNNING":
                provider = task.get("capacityProviderName") or task.get("launchType") or "?"
                counts[provider] = counts.get(provider, 0) + 1
    return counts


# ---- capstone.cost ----------------------------------------------------------------------------------------

COST = register(Exercise(
    "capstone.cost", "The service's monthly cost", points=2, hidden=True,
    prompt="What does the service cost per month (AWS's month of hours), its Spot tasks at the Spot rate?",
    hints=("Price the on-demand and the Spot tasks separately (labkit.pricing.monthly(..., spot=True)).",),
))


@COST.check("a monthly amount in US dollars")
def _cost_shape(answer: Any, ctx: Context) -> None:
    got = number(answer, "an amount in US dollars (a number such as 12.34)")
    if got <= 0:
        raise Wrong(f"A running service costs something: got {got:g}.", stop=True)
    month = facts()["billing"]["hours_per_month"]
    if close(got * month, _expected_monthly_cost(), rel=0.25):
        raise Wrong("That looks like the cost of one hour, not a month.",
                    hint=f"AWS prices a month as {month:g} hours.")


def _expected_monthly_cost() -> float:
    """The service's monthly cost: on-demand and Spot tasks at their rates, for AWS's month of hours."""
    cpu, memory = _expected_size()
    vcpus, memory_gb = vcpu(cpu), gb(memory)
    placed = placement()
    total = 0.0
    for provider, tasks in placed.items():
        if tasks:
            total += monthly(vcpus, memory_gb, tasks, spot=provider == "FARGATE_SPOT").total
    return total


# ---- capstone.quiz ----------------------------------------------------------------------------------------

def _warning_minutes() -> int:
    return facts()["discounts"]["spot_interruption"]["warning_seconds"] // 60


QUIZ = register_quiz(Quiz(
    "capstone.quiz", "When Spot takes a task back",
    question="AWS needs the capacity of one of your FARGATE_SPOT tasks back. What happens?",
    choices={
        "A": lambda: (f"The task gets a {_warning_minutes()}-minute warning (SIGTERM), stops, and the "
                      "service starts a replacement."),
        "B": "The task moves, still running, to on-demand FARGATE.",
        "C": "The task keeps running and is billed at the on-demand price from then on.",
        "D": "The whole service stops until Spot capacity returns.",
    },
    correct=frozenset({"A"}),
    explanation=lambda: (f"Spot tasks get a {_warning_minutes()}-minute warning (an EventBridge event and "
                         "SIGTERM), then stop; the service keeps its desired count by starting a new task. "
                         "That is why the base of the strategy sits on on-demand FARGATE."),
    hint="Think of what the service scheduler does when any task stops.",
))


# ---- capstone.teardown (lab state) ------------------------------------------------------------------------

TEARDOWN = register(Exercise(
    "capstone.teardown", "Tear it all down", points=1, needs_lab=True,
    prompt="Remove everything the lab made, and keep what lab.teardown() returns.",
    hints=("lab.teardown() removes everything the lab made, found by its tags.",),
))


@TEARDOWN.check("there was a deployment to tear down")
def _td_deployed(answer: Any, ctx: Context) -> None:
    earlier = results().get("capstone.service")
    ran = earlier is not None and any(p.passed for p in earlier.parts if not p.hidden)
    if not ran:
        raise Wrong("No capstone service was checked before the teardown.",
                    hint="Deploy and check the service first; then tear it down.")


@TEARDOWN.check("nothing left in the lab")
def _td_empty(answer: Any, ctx: Context) -> None:
    ecs = ctx.client("ecs")
    left: list[str] = []
    for cluster in clusters(ctx):
        left.append(f"cluster {cluster['clusterName']}")
        services = ecs.list_services(cluster=cluster["clusterArn"]).get("serviceArns", [])
        left += [f"service {a.rsplit('/', 1)[-1]}" for a in services]
    active = ecs.list_task_definitions(familyPrefix=FAMILY, status="ACTIVE").get("taskDefinitionArns", [])
    left += [f"task definition {FAMILY} ({len(active)} active revision(s))"] if active else []
    lab_id = getattr(ctx.lab, "id", None)
    if lab_id:
        vpcs = ctx.client("ec2").describe_vpcs(
            Filters=[{"Name": "tag:labkit:lab", "Values": [lab_id]}]).get("Vpcs", [])
        left += ["a VPC tagged with this lab"] * len(vpcs)
    if left:
        raise Wrong(f"Still there: {', '.join(left[:5])}{' ...' if len(left) > 5 else ''}.",
                    hint="Run lab.teardown(); it deletes what the lab made, in dependency order.")
