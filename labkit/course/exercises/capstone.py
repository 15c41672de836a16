"""Exercises of the capstone: design a Fargate service for a brief, deploy it, cost it, tear it down.

The brief (`brief()`) gives a peak load and a latency target, a monthly budget and how much interruption the
service can take. The learner chooses the task size, the number of tasks and the Spot share, and says why
(`capstone.design`); several designs meet the brief. Hidden checks (registered in the instructor source from the
`judge_*` functions below) grade the design against the brief; the lab checks compare what runs with the design,
and the cost with what runs. Prices and sizes come from `labkit.model` and `labkit.data` when a check runs; the
budget is worked out from them, so the brief stays feasible when prices are re-read.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from labkit.course.exercises import (
    Context,
    Exercise,
    Quiz,
    Wrong,
    close,
    number,
    register,
    register_quiz,
    results,
)
from labkit.course.exercises._lab import clusters, find_service, split
from labkit.course.exercises._tiers import problem_tiers, size_tiers
from labkit.course.exercises.pricing import stop_timeout_text
from labkit.data import facts
from labkit.errors import InvalidInput, LabkitError
from labkit.model.pricing import monthly
from labkit.model.rules import problems
from labkit.model.sizes import is_valid_size, valid_sizes
from labkit.model.units import gb, parse_cpu, parse_memory, short_name, units_per_vcpu, usd, vcpu

#: What each task runs: the app and a metrics sidecar (the exercise's story, not Fargate facts).
CONTAINERS = (
    {"name": "app", "cpu": 512, "memory": 1536, "role": "the web application"},
    {"name": "metrics", "cpu": 128, "memory": 256, "role": "a metrics sidecar"},
)
FAMILY = "capstone-web"
SERVICE = "capstone-web"
CLUSTER = "capstone"
#: The brief's numbers (the team's, not Fargate's): the peak, the latency target and what one vCPU of the app
#: serves within it, and the share of the peak the on-demand tasks must serve alone while Spot tasks are replaced.
PEAK_RPS = 400
LATENCY_MS = 200
RPS_PER_APP_VCPU = 50
ON_DEMAND_SHARE = 0.5
#: The budget is this share of what the cheapest all-on-demand design costs, rounded down to BUDGET_STEP dollars:
#: all on demand does not fit, a mix with Spot does.
BUDGET_SHARE, BUDGET_STEP = 0.8, 5
DESIGN_KEYS = ("cpu", "memory", "on_demand", "spot", "why")
MIN_WHY_WORDS = 30
TRADE_OFFS = {  # what the justification must weigh: each group's words, and what it stands for
    "the peak and the latency target": ("peak", "latency", "capacity", "request", "throughput", "load", "rps"),
    "the budget": ("cost", "budget", "$", "price", "cheap", "expensive", "dollar", "spend"),
    "the risk of Spot interruptions": ("spot", "interrupt", "on-demand", "on demand", "reclaim", "taken back"),
}


def need() -> tuple[int, int]:
    """CPU units and MiB the two containers need together (the smallest task they fit in)."""
    return sum(c["cpu"] for c in CONTAINERS), sum(c["memory"] for c in CONTAINERS)


def _sidecar_cpu() -> int:
    return sum(c["cpu"] for c in CONTAINERS if c["name"] != "app")


def requests_per_task(cpu: Any) -> float:
    """Requests per second one task of `cpu` units serves within the latency target: the app gets the CPU the
    sidecar leaves, at RPS_PER_APP_VCPU per vCPU."""
    return max(parse_cpu(cpu) - _sidecar_cpu(), 0) / units_per_vcpu() * RPS_PER_APP_VCPU


def monthly_cost(cpu: Any, memory: Any, on_demand: int, spot: int) -> float:
    """What `on_demand` FARGATE and `spot` FARGATE_SPOT tasks of this size cost a month (AWS's month of hours)."""
    vcpus, memory_gb = vcpu(parse_cpu(cpu)), gb(parse_memory(memory))
    return sum(monthly(vcpus, memory_gb, n, spot=is_spot).total
               for n, is_spot in ((on_demand, False), (spot, True)) if n)


def _fitting_sizes() -> list[tuple[int, int]]:
    need_cpu, need_mem = need()
    return [(c, m) for c, m in valid_sizes() if c >= need_cpu and m >= need_mem]


def budget() -> int:
    """The brief's monthly budget in whole dollars, from the prices: below every all-on-demand design."""
    cheapest = min(monthly_cost(c, m, math.ceil(PEAK_RPS / requests_per_task(c)), 0) for c, m in _fitting_sizes())
    return int(cheapest * BUDGET_SHARE // BUDGET_STEP * BUDGET_STEP)


def _warning_minutes() -> int:
    return facts()["discounts"]["spot_interruption"]["warning_seconds"] // 60


def brief() -> str:
    """The assignment's brief, written from the constants and the prices (so text and checks cannot drift)."""
    month = facts()["billing"]["hours_per_month"]
    lines = ["The team's web API runs on Fargate. Each task runs two containers:"]
    lines += [f"  - {c['name']} ({c['role']}): {c['cpu']} CPU units, {c['memory']} MiB" for c in CONTAINERS]
    lines += [
        "  The sidecar keeps its CPU units; the app gets the rest of the task's CPU.",
        f"Peak load: {PEAK_RPS} requests per second.",
        f"Latency target: 95% of requests within {LATENCY_MS} ms. The team measured that one vCPU of the app "
        f"serves {RPS_PER_APP_VCPU} requests per second within it (capstone.requests_per_task(cpu) works it out "
        "for a task size).",
        f"Budget: at most ${budget()} a month for the service's tasks (us-east-1, AWS's month of {month:g} hours).",
        f"Interruptions: AWS may take back every Fargate Spot task at once, with {_warning_minutes()} minutes' "
        f"warning; until replacements run, the on-demand tasks alone must serve at least {ON_DEMAND_SHARE:.0%} of "
        "the peak.",
        f"Names: task definition family {FAMILY}; cluster {CLUSTER}; service {SERVICE}.",
    ]
    return "\n".join(lines)


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


# ---- the design: read it, and judge it against the brief --------------------------------------------------

@dataclass(frozen=True)
class Design:
    """A learner's design: the task size, how many tasks on FARGATE and on FARGATE_SPOT, and why."""

    cpu: int
    memory: int
    on_demand: int
    spot: int
    why: str

    @property
    def tasks(self) -> int:
        return self.on_demand + self.spot

    def placement(self) -> dict[str, int]:
        return {"FARGATE": self.on_demand, "FARGATE_SPOT": self.spot}


def design_of(answer: Any) -> Design:
    """The design in an answer (a dict with DESIGN_KEYS); Wrong, stopping the checks, until it is filled in."""
    if not isinstance(answer, dict):
        raise Wrong(f"Expected your design: a dict with the keys {', '.join(DESIGN_KEYS)}; got "
                    f"{type(answer).__name__}.", hint="Pass the `design` dict from the design cell.", stop=True)
    blanks = [k for k in DESIGN_KEYS if answer.get(k, ...) is Ellipsis or answer.get(k) == "..."]
    if blanks:
        raise Wrong(f"Your design still has {', '.join(blanks)} to fill in.", stop=True)
    try:
        cpu, memory = parse_cpu(answer["cpu"]), parse_memory(answer["memory"])
    except InvalidInput as err:
        raise Wrong(str(err), stop=True) from None
    counts = {}
    for key in ("on_demand", "spot"):
        value = answer[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise Wrong(f"{key} is {value!r}: give a whole number of tasks (0 or more).", stop=True)
        counts[key] = value
    if not counts["on_demand"] + counts["spot"]:
        raise Wrong("Your design runs no task at all.", stop=True)
    if not isinstance(answer["why"], str):
        raise Wrong("`why` should be text: a few sentences on your choices.", stop=True)
    return Design(cpu, memory, counts["on_demand"], counts["spot"], answer["why"])


def judge_capacity(answer: Any, ctx: Context) -> None:
    """Wrong unless the design's tasks together serve the peak within the latency target."""
    d = design_of(answer)
    have = d.tasks * requests_per_task(d.cpu)
    if have < PEAK_RPS:
        raise Wrong(f"{d.tasks} task(s) of {d.cpu} CPU units serve {have:g} requests per second within the "
                    f"latency target; the peak is {PEAK_RPS}.",
                    hint=("Capacity comes from the app's share of each task's CPU, times the number of tasks.",
                          "capstone.requests_per_task(cpu) says what one task serves: add tasks, or CPU per task."))


def judge_budget(answer: Any, ctx: Context) -> None:
    """Wrong unless the design serves the peak and costs no more than the brief's monthly budget."""
    d = design_of(answer)
    cost = monthly_cost(d.cpu, d.memory, d.on_demand, d.spot)
    if d.tasks * requests_per_task(d.cpu) < PEAK_RPS:
        raise Wrong(f"It costs {usd(cost)} a month, but it does not serve the peak: a design that does not do the "
                    "job saves nothing.", hint=("Meet the peak first, then make it cheaper.",))
    if cost > budget():
        raise Wrong(f"It costs {usd(cost)} a month; the budget is ${budget()}.",
                    hint=("Fargate bills the size you ask for: extra memory, and CPU the app does not need, cost "
                          "money; Spot tasks cost much less.",
                          "Price the on-demand and the Spot tasks separately (labkit.pricing.monthly(..., "
                          "spot=True)) and compare sizes: the sidecar's share weighs more in small tasks."))


def judge_interruption(answer: Any, ctx: Context) -> None:
    """Wrong unless the on-demand tasks alone serve the brief's share of the peak (every Spot task taken back)."""
    d = design_of(answer)
    have, want = d.on_demand * requests_per_task(d.cpu), PEAK_RPS * ON_DEMAND_SHARE
    if have < want:
        raise Wrong(f"If every Spot task is taken back, {d.on_demand} on-demand task(s) serve {have:g} requests "
                    f"per second; the brief asks for {want:g}.",
                    hint=("Spot tasks can all go at once: count only the on-demand ones for this part.",
                          "Move tasks from Spot to on demand until they alone serve the share of the peak the "
                          "brief names."))


def judge_why(answer: Any, ctx: Context) -> None:
    """Wrong unless the justification is a few sentences that weigh the peak, the budget and Spot's risk."""
    text = design_of(answer).why.lower()
    words = len(re.findall(r"\w+", text))
    if words < MIN_WHY_WORDS:
        raise Wrong(f"Your justification has {words} words; explain your choices in at least {MIN_WHY_WORDS}.",
                    hint=("Say what you chose, and what each choice gains and costs.",))
    missing = [what for what, terms in TRADE_OFFS.items() if not any(t in text for t in terms)]
    if missing:
        raise Wrong(f"Your justification does not weigh {', '.join(missing)}.",
                    hint=("A design is a trade: say how yours meets each part of the brief, and what it gives up.",))


# ---- capstone.design --------------------------------------------------------------------------------------

DESIGN = register(Exercise(
    "capstone.design", "Design the service", points=4, hidden=True,
    prompt=("Choose the task size, how many tasks run on FARGATE and on FARGATE_SPOT, and say why, so that the "
            "service meets the brief: the peak within the latency target, the budget, and the interruptions."),
    hints=("Start from one task: what size holds both containers, and how many requests does it serve?",),
))


@DESIGN.check("a design: size, tasks and why", required=True)
def _design_shape(answer: Any, ctx: Context) -> None:
    design_of(answer)


# In the notebook only the design's shape is checked (a size Fargate offers, that holds the containers): what it
# is worth against the brief is judged at grading, by the hidden checks.
@DESIGN.check("a size Fargate offers", required=True)
def _design_valid(answer: Any, ctx: Context) -> None:
    d = design_of(answer)
    if not is_valid_size(d.cpu, d.memory):
        raise Wrong(f"{d.cpu} CPU units with {d.memory} MiB is not a Fargate size.", hint=size_tiers(d.cpu, d.memory))


@DESIGN.check("holds both containers", required=True)
def _design_fits(answer: Any, ctx: Context) -> None:
    d = design_of(answer)
    need_cpu, need_mem = need()
    short = [f"{what} {have} < {want} needed" for what, have, want in
             (("cpu", d.cpu, need_cpu), ("memory", d.memory, need_mem)) if have < want]
    if short:
        raise Wrong(f"Too small: {', '.join(short)}.",
                    hint=("A task's size must hold all of its containers together.",))


# ---- capstone.task_definition (lab state) -----------------------------------------------------------------

TASK_DEF = register(Exercise(
    "capstone.task_definition", "Register the task definition", points=3, needs_lab=True, hidden=True,
    prompt=f"Register the task definition family {FAMILY!r} at your design's size: Fargate-valid, logs with awslogs.",
    hints=("Fargate needs a network mode, a task-level size and a role of its own before it accepts a task "
           "definition that logs with awslogs.",),
))


def _task_definition(ctx: Context) -> dict[str, Any]:
    try:
        return ctx.client("ecs").describe_task_definition(taskDefinition=FAMILY)["taskDefinition"]
    except Exception as err:  # noqa: BLE001 - a missing family is the learner's to fix
        if type(err).__name__ in ("ClientError", "ClientException", "InvalidParameterException"):
            raise Wrong(f"No task definition {FAMILY!r} is registered in your lab.",
                        hint=("Register it with ecs.register_task_definition(family=..., ...).",),
                        stop=True) from None
        raise


@TASK_DEF.check("registered in your lab", required=True)
def _td_registered(answer: Any, ctx: Context) -> None:
    design_of(answer)
    _task_definition(ctx)


@TASK_DEF.check("Fargate accepts it")
def _td_valid(answer: Any, ctx: Context) -> None:
    td = _task_definition(ctx)
    found = problems(td)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise Wrong(found[0].message + more, hint=problem_tiers(found[0], td))


@TASK_DEF.check("at your design's size")
def _td_size(answer: Any, ctx: Context) -> None:
    d, td = design_of(answer), _task_definition(ctx)
    have = (int(td.get("cpu") or 0), int(td.get("memory") or 0))
    if have != (d.cpu, d.memory):
        raise Wrong(f"It asks for {have[0]} CPU units and {have[1]} MiB; your design says {d.cpu} and {d.memory}.",
                    hint=("The task-level cpu and memory are what Fargate runs and bills: make them your design's.",))


@TASK_DEF.check("logs with awslogs through an execution role")
def _td_logs(answer: Any, ctx: Context) -> None:
    td = _task_definition(ctx)
    missing = [c.get("name", "?") for c in td.get("containerDefinitions", [])
               if (c.get("logConfiguration") or {}).get("logDriver") != "awslogs"]
    if missing:
        raise Wrong(f"Container(s) {', '.join(missing)} do not log with awslogs.",
                    hint=("Every container's output should reach the log group the setup made.",
                          "Each container needs a logConfiguration with the awslogs driver, naming the log group, "
                          "the region and a stream prefix."))
    if not td.get("executionRoleArn"):
        raise Wrong("awslogs needs an execution role, and the task definition has none.",
                    hint=("Which role does Fargate use to send logs before your code runs? The setup made one.",))


def role_trusts_ecs_tasks(iam: Any, role_arn: str) -> bool:
    """True when the IAM role exists and its trust policy lets ECS tasks assume it (for hidden checks)."""
    role = iam.get_role(RoleName=short_name(role_arn))["Role"]
    doc = role.get("AssumeRolePolicyDocument", {})
    if isinstance(doc, str):
        doc = json.loads(unquote(doc))
    return "ecs-tasks.amazonaws.com" in json.dumps(doc)


def judge_role(answer: Any, ctx: Context) -> None:
    """Wrong unless the task definition's execution role lets ECS tasks assume it (a hidden check)."""
    td = _task_definition(ctx)
    if not role_trusts_ecs_tasks(ctx.client("iam"), td.get("executionRoleArn") or "none"):
        raise Wrong("The execution role does not trust ecs-tasks.amazonaws.com.",
                    hint=("Use the role the setup made for you.",))


# ---- capstone.service (lab state) -------------------------------------------------------------------------

SERVICE_EX = register(Exercise(
    "capstone.service", "Deploy your design", points=3, needs_lab=True,
    prompt=(f"Create the service {SERVICE!r} in cluster {CLUSTER!r}, running your design: its size, its on-demand "
            "and Spot tasks; wait until it is steady."),
    hints=("A capacity provider strategy decides where a service's tasks run: its base goes first, then the weights "
           "share out the rest.",),
))


def _service(ctx: Context) -> dict[str, Any]:
    return find_service(ctx, SERVICE)[0]


@SERVICE_EX.check("the service runs in your lab", required=True)
def _svc_exists(answer: Any, ctx: Context) -> None:
    design_of(answer)
    _service(ctx)


@SERVICE_EX.check("runs your task definition at your design's size")
def _svc_td(answer: Any, ctx: Context) -> None:
    d, service = design_of(answer), _service(ctx)
    td = ctx.client("ecs").describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    if td.get("family") != FAMILY:
        raise Wrong(f"The service runs task definition family {td.get('family')!r}, not {FAMILY!r}.",
                    hint=("Point the service at the task definition you registered.",))
    if (int(td.get("cpu") or 0), int(td.get("memory") or 0)) != (d.cpu, d.memory):
        raise Wrong("The service's task definition is not your design's size.",
                    hint=("Register a revision at your design's size, then point the service at it.",))


def _strategy(service: dict[str, Any]) -> list[dict[str, Any]]:
    return list(service.get("capacityProviderStrategy") or [])


@SERVICE_EX.check("your on-demand and Spot tasks, where the design puts them")
def _svc_placement(answer: Any, ctx: Context) -> None:
    d, service = design_of(answer), _service(ctx)
    if service.get("desiredCount") != d.tasks:
        raise Wrong(f"The service wants {service.get('desiredCount')} task(s); your design has {d.tasks}.",
                    hint=("The desired count is all the tasks of your design, on demand and Spot together.",))
    strategy = _strategy(service)
    if not strategy:
        placed = {"FARGATE": d.tasks if service.get("launchType") == "FARGATE" else 0, "FARGATE_SPOT": 0}
    else:
        placed = {"FARGATE": 0, "FARGATE_SPOT": 0, **split(d.tasks, {
            s["capacityProvider"]: {"base": int(s.get("base") or 0), "weight": int(s.get("weight") or 0)}
            for s in strategy})}
    if placed != d.placement():
        raise Wrong(f"Its strategy places {placed['FARGATE']} task(s) on FARGATE and {placed['FARGATE_SPOT']} on "
                    f"FARGATE_SPOT; your design says {d.on_demand} and {d.spot}.",
                    hint=("A strategy's base is placed first, on its provider; the weights share out the rest.",
                          "Put your on-demand tasks in FARGATE's base, and give FARGATE_SPOT the weight for the "
                          "rest (a provider of weight 0 takes nothing beyond its base)."))
    running = running_tasks_by_provider(ctx, SERVICE)
    if service.get("runningCount") == d.tasks and running != {k: v for k, v in d.placement().items() if v}:
        raise Wrong(f"Running tasks by capacity provider: {dict(sorted(running.items())) or 'none'}.")


@SERVICE_EX.check("steady: every task running")
def _svc_steady(answer: Any, ctx: Context) -> None:
    d, service = design_of(answer), _service(ctx)
    running, desired = service.get("runningCount", 0), service.get("desiredCount", 0)
    failed = sum(int(x.get("failedTasks") or 0) for x in service.get("deployments") or [])
    if running == desired == d.tasks:
        return
    if failed:
        raise Wrong(f"{running} of {desired} tasks are running, and {failed} task(s) failed to start.",
                    hint=("A stopped task's stoppedReason (ecs.describe_tasks) says why.",
                          "CannotPullContainerError means the task could not reach its registry: in a public "
                          "subnet a task needs a public IP to get out."))
    raise Wrong(f"{running} of {desired} tasks are running: the service has not reached steady state.",
                hint=("Starting tasks takes time: wait until the service is stable.",))


def running_tasks_by_provider(ctx: Context, service_name: str) -> dict[str, int]:
    """RUNNING tasks of a service counted by capacity provider."""
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
    "capstone.cost", "What your service costs a month", points=2, hidden=True,
    prompt=("What does the service you deployed cost per month (AWS's month of hours), its Spot tasks at the Spot "
            "rate? Check it with your lab: the value is compared with what runs there."),
    hints=("Price the on-demand and the Spot tasks separately.",),
))


@COST.check("a monthly amount in US dollars", required=True)
def _cost_shape(answer: Any, ctx: Context) -> None:
    got = number(answer, "an amount in US dollars (a number such as 12.34)")
    if got <= 0:
        raise Wrong(f"A running service costs something: got {got:g}.", stop=True)


def running_cost(ctx: Context) -> float:
    """The monthly cost of the service's RUNNING tasks, each provider at its rate, at the service's task size."""
    service, _ = find_service(ctx, SERVICE)
    td = ctx.client("ecs").describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    counts = running_tasks_by_provider(ctx, SERVICE)
    if not counts:
        raise Wrong("No task of your service is running: there is nothing to price.",
                    hint=("Deploy the service first, then cost what runs.",), stop=True)
    return monthly_cost(td["cpu"], td["memory"], counts.get("FARGATE", 0), counts.get("FARGATE_SPOT", 0))


def judge_cost(answer: Any, ctx: Context) -> None:
    """Wrong unless the answer is the monthly cost of what runs in the lab (a hidden check)."""
    got, expected = number(answer), running_cost(ctx)
    if close(got, expected):
        return
    service, _ = find_service(ctx, SERVICE)
    td = ctx.client("ecs").describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    counts = running_tasks_by_provider(ctx, SERVICE)
    all_on_demand = monthly_cost(td["cpu"], td["memory"], sum(counts.values()), 0)
    month = facts()["billing"]["hours_per_month"]
    if close(got, all_on_demand) and counts.get("FARGATE_SPOT"):
        raise Wrong("You priced every task on demand.",
                    hint=("The FARGATE_SPOT tasks are billed at the Spot rate: price them with spot=True.",))
    if close(got * month, expected, rel=0.25):
        raise Wrong("That looks like the cost of one hour, not a month.",
                    hint=(f"AWS prices a month as {month:g} hours.",))
    raise Wrong("That is not what the service in your lab costs a month.",
                hint=("Price the on-demand and the Spot tasks that run, at the task size that runs.",))


# ---- capstone.quiz ----------------------------------------------------------------------------------------

QUIZ = register_quiz(Quiz(
    "capstone.quiz", "When Spot takes a task back",
    question="AWS needs the capacity of one of your FARGATE_SPOT tasks back. What happens?",
    choices={
        "A": lambda: (f"The task gets SIGTERM at the {_warning_minutes()}-minute warning and stops when its "
                      "process exits (or at SIGKILL after its stopTimeout); the service starts a replacement."),
        "B": "The task moves, still running, to on-demand FARGATE.",
        "C": "The task keeps running and is billed at the on-demand price from then on.",
        "D": "The whole service stops until Spot capacity returns.",
    },
    correct=frozenset({"A"}),
    explanation=lambda: (f"At the {_warning_minutes()}-minute warning a Spot task gets an EventBridge event "
                         "and SIGTERM; it stops as soon as its process exits, and SIGKILL ends it after its "
                         f"stopTimeout ({stop_timeout_text()}), not after the whole warning. The service keeps "
                         "its desired count by starting a new task. That is why the base of the strategy sits on "
                         "on-demand FARGATE."),
    hint="Think of what the service scheduler does when any task stops.",
))


# ---- capstone.teardown (lab state) ------------------------------------------------------------------------

TEARDOWN = register(Exercise(
    "capstone.teardown", "Tear it all down", points=1, needs_lab=True,
    prompt="Remove everything the lab made, and keep what lab.teardown() returns.",
    hints=("The lab can remove everything it made, found by its tags.",),
))


@TEARDOWN.check("there was a deployment to tear down")
def _td_deployed(answer: Any, ctx: Context) -> None:
    earlier = results().get("capstone.service")
    ran = earlier is not None and any(p.passed for p in earlier.parts if not p.hidden)
    if not ran:
        raise Wrong("No capstone service was checked before the teardown.",
                    hint=("Deploy and check the service first; then tear it down.",))


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
                    hint=("Something the lab made is still there: remove all of it, in one go.",
                          "lab.teardown() removes what the lab made, in dependency order; it is safe to repeat."))


# ---- show it answers (not graded) -----------------------------------------------------------------------------
def page_title(lab: Any) -> str:
    """The title of the page one of the service's tasks answers with, or what to do first when none answers yet."""
    import re
    import urllib.request

    from botocore.exceptions import ClientError

    try:
        arns = lab.client("ecs").list_tasks(cluster=CLUSTER, serviceName=SERVICE, desiredStatus="RUNNING")["taskArns"]
    except ClientError:
        arns = []
    if not arns:
        return (f"No task of service {SERVICE!r} runs yet: deploy your design (section 3) and wait until it is "
                "steady, then run this cell again.")
    try:
        page = urllib.request.urlopen(lab.endpoint(arns[0]), timeout=10).read().decode(errors="replace")
    except (OSError, LabkitError) as err:
        return f"The task does not answer yet ({err}); wait a few seconds and run this cell again."
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    return found.group(1).strip() if found else page[:80]
