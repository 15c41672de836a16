"""Exercises of lesson 7 (debugging Fargate tasks): diagnose real Fargate failures and fix them.

`why_stopped()` lists a cluster's stopped tasks with the fields AWS puts the diagnosis in (stopCode,
stoppedReason, each container's reason), as stable text a lesson can show. The cases whose apps really run
and fail (a crash, out of memory, a failing health check) are in `_debugging_apps`, re-exported here.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from labkit.course.exercises import Context, Exercise, Quiz, Wrong, register, register_quiz
from labkit.course.exercises import _debugging_apps as debugging_apps
from labkit.course.exercises.fargate_basics import accepted, check_execution_role, container, task_def
from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.model import pulls
from labkit.model.sizes import is_valid_size
from labkit.model.text import ShownAsText
from labkit.model.units import mib_per_gb, parse_cpu, parse_memory, task_family, units_per_vcpu

# the cases whose apps run (and their helpers), one import away for the lesson
CLUSTER, APPS, LOG_GROUP = debugging_apps.CLUSTER, debugging_apps.APPS, debugging_apps.LOG_GROUP
push_app, app_definition = debugging_apps.push_app, debugging_apps.app_definition
app_logs, task_health = debugging_apps.app_logs, debugging_apps.task_health
_ACCOUNT_IN_TEXT = re.compile(r"\b\d{12}\b")


# ---------------------------------------------------------------- reading stopped tasks


def family(task: dict[str, Any]) -> str:
    """The task definition family of a task ("web" from ".../web:3")."""
    return task_family(task["taskDefinitionArn"])


@dataclass(frozen=True)
class StoppedTask(ShownAsText):
    """Where AWS says why one task stopped."""

    family: str
    last_status: str
    stop_code: str
    stopped_reason: str
    container_reasons: tuple[str, ...]

    def __str__(self) -> str:
        lines = [f"{self.family}: {self.last_status}, stopCode {self.stop_code or '-'}",
                 f"  stoppedReason: {self.stopped_reason or '-'}"]
        lines += [f"  container reason: {r}" for r in self.container_reasons]
        return "\n".join(lines)


@dataclass(frozen=True)
class StoppedTasks(ShownAsText):
    """The stopped tasks of a cluster, oldest first, in a stable text form (no ARNs, ids or times)."""

    cluster: str
    tasks: tuple[StoppedTask, ...]

    def __iter__(self) -> Any:
        return iter(self.tasks)

    def __len__(self) -> int:
        return len(self.tasks)

    def __str__(self) -> str:
        if not self.tasks:
            return f"No stopped tasks in cluster {self.cluster!r}."
        return "\n".join([f"Stopped tasks in cluster {self.cluster!r}:", *(str(t) for t in self.tasks)])

    def _repr_html_(self) -> str:
        if not self.tasks:
            return f"<p>{html.escape(str(self))}</p>"
        rows = "".join(
            f"<tr><td>{html.escape(t.family)}</td><td>{html.escape(t.stop_code or '-')}</td>"
            f"<td style='text-align:left'>{html.escape(t.stopped_reason or '-')}"
            + "".join(f"<br><small>container: {html.escape(r)}</small>" for r in t.container_reasons)
            + "</td></tr>" for t in self.tasks)
        return (f"<p>Stopped tasks in cluster <code>{html.escape(self.cluster)}</code>:</p><table><thead><tr>"
                "<th>family</th><th>stopCode</th><th style='text-align:left'>stoppedReason</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")


def _stable(text: str) -> str:
    """AWS's text without the account id, so the same failure reads the same in every lab."""
    return _ACCOUNT_IN_TEXT.sub("<account>", text or "")


def why_stopped(ecs: Any, cluster: str = CLUSTER, family_name: str | None = None) -> StoppedTasks:
    """The stopped tasks of `cluster` (optionally of one task definition family) and why AWS stopped them."""
    arns = ecs.list_tasks(cluster=cluster, desiredStatus="STOPPED")["taskArns"]
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    tasks = [t for t in tasks if family_name is None or family(t) == family_name]
    tasks.sort(key=lambda t: (str(t.get("stoppedAt") or t.get("createdAt") or ""), family(t)))
    rows = tuple(
        StoppedTask(family(t), t.get("lastStatus", ""), t.get("stopCode", ""), _stable(t.get("stoppedReason", "")),
                    tuple(_stable(c["reason"]) for c in t.get("containers") or [] if c.get("reason")))
        for t in tasks)
    return StoppedTasks(cluster, rows)


@dataclass(frozen=True)
class TaskOutcome(ShownAsText):
    """How a task that was just started ended up: RUNNING, or STOPPED and why (stable text)."""

    family: str
    last_status: str
    stop_code: str = ""
    stopped_reason: str = ""
    exit_code: int | None = None
    container_reason: str = ""

    def __str__(self) -> str:
        if self.last_status != "STOPPED":
            return f"{self.family} task: {self.last_status}"
        lines = [f"{self.family} task: STOPPED, stopCode {self.stop_code or '-'}",
                 f"  stoppedReason: {self.stopped_reason}"]
        if self.exit_code is not None:
            lines.append(f"  exitCode: {self.exit_code}")
        if self.container_reason:
            lines.append(f"  container reason: {self.container_reason}")
        return "\n".join(lines)


def run_and_watch(ecs: Any, task_definition: str, network_configuration: dict[str, Any],
                  cluster: str = CLUSTER, until: str = "running") -> TaskOutcome:
    """Run one Fargate task and wait until it is RUNNING (`until="stopped"`: until it has stopped, as a job
    does) or has stopped, without a traceback either way."""
    from botocore.exceptions import WaiterError

    if until not in ("running", "stopped"):
        raise InvalidInput(f"until={until!r}: give 'running' (a server) or 'stopped' (a job that ends).")
    started = ecs.run_task(cluster=cluster, taskDefinition=task_definition, launchType="FARGATE",
                           networkConfiguration=network_configuration)
    if not started.get("tasks"):
        reasons = "; ".join(f.get("reason", "") for f in started.get("failures") or [])
        raise InvalidInput(f"ECS started no task: {reasons or 'no reason given'}.")
    arn = started["tasks"][0]["taskArn"]
    try:
        if until == "running":
            ecs.get_waiter("tasks_running").wait(cluster=cluster, tasks=[arn])
        else:
            ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn])
    except WaiterError:  # it stopped instead (the waiter's failure state); STOPPED comes a little later
        ecs.get_waiter("tasks_stopped").wait(cluster=cluster, tasks=[arn])
    task = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"][0]
    first = next(iter(task.get("containers") or []), {})
    return TaskOutcome(family(task), task.get("lastStatus", ""), task.get("stopCode", ""),
                       _stable(task.get("stoppedReason", "")), first.get("exitCode"),
                       _stable(first.get("reason", "")))


# ---------------------------------------------------------------- case 1: an invalid CPU value

CPU_NEED, MEMORY_NEED = 512, 1024  # the resizer's needs in the story: half a vCPU and 1 GB (not a Fargate fact)

INVALID_CPU = register(Exercise(
    "debugging.invalid_cpu", "Units that Fargate understands", points=2,
    prompt=("The image resizer needs half a vCPU and 1 GB of memory. Fix the `resizer` task definition so that "
            "Fargate accepts it, with exactly that size."),
    hints=(f"ECS counts CPU in units where 1 vCPU is {units_per_vcpu()} units, and memory in MiB where 1 GB is "
           f"{mib_per_gb()} MiB.",),
))


def _sizes(td: dict[str, Any]) -> tuple[int, int]:
    try:
        return parse_cpu(td.get("cpu")), parse_memory(td.get("memory"))
    except Exception as err:
        raise Wrong(str(err), hint="Give cpu in CPU units and memory in MiB, as strings such as '512'.",
                    stop=True) from None


@INVALID_CPU.check("Fargate accepts the task definition")
def _cpu_accepted(answer: Any, ctx: Context) -> None:
    td = task_def(answer)
    container(td, "resizer")
    cpu, memory = _sizes(td)
    if not is_valid_size(cpu, memory) and (cpu % 1000 == 0 or memory % 1000 == 0 or cpu == 500):
        raise Wrong(f"cpu {cpu} with memory {memory} MiB: Fargate refuses it.",
                    hint=("ECS does not count CPU and memory in thousands.",
                          f"1 vCPU is {units_per_vcpu()} CPU units, not 1000, and 1 GB is {mib_per_gb()} MiB: ECS "
                          "counts in powers of two."),
                    stop=True)
    try:
        accepted(td)
    except Wrong as wrong:
        raise Wrong(wrong.message, hint=wrong.hint, stop=True) from None


@INVALID_CPU.check("exactly half a vCPU and 1 GB")
def _cpu_exact(answer: Any, ctx: Context) -> None:
    cpu, memory = _sizes(task_def(answer))
    if (cpu, memory) != (CPU_NEED, MEMORY_NEED):
        raise Wrong(f"{cpu} CPU units with {memory} MiB is a valid size, but not half a vCPU with 1 GB.",
                    hint=f"Fargate bills the size you ask for: convert the need with {units_per_vcpu()} units per "
                         f"vCPU and {mib_per_gb()} MiB per GB.")


# ---------------------------------------------------------------- case 2: one role, two symptoms

ROLE = register(Exercise(
    "debugging.execution_role", "One cause, two symptoms", points=2, needs_lab=True,
    prompt=("Fix the `thumbs` task definition so that Fargate accepts it, keeping its private ECR image and its "
            "logs."),
    hints=("labkit.fargate.problems(td) lists every reason at once; AWS names one at a time.",),
))


@ROLE.check("executionRoleArn is a task execution role")
def _role_is_execution(answer: Any, ctx: Context) -> None:
    _role_image(answer, ctx)  # a public image or no logs hide the symptoms: say that first
    _role_logs(answer, ctx)
    try:
        check_execution_role(task_def(answer), ctx)
    except Wrong as wrong:
        raise Wrong(wrong.message, hint=wrong.hint, stop=True) from None


@ROLE.check("the private ECR image is kept")
def _role_image(answer: Any, ctx: Context) -> None:
    image = container(task_def(answer), "thumbs").get("image")
    if not isinstance(image, str) or pulls.private_ecr_region(image) is None:
        raise Wrong("The thumbs container no longer uses the private ECR image.",
                    hint="A public image hides one symptom, but the team's image is the one to run. Keep it and "
                         "give Fargate a way to pull it.", stop=True)


@ROLE.check("the logs still go to CloudWatch (awslogs)")
def _role_logs(answer: Any, ctx: Context) -> None:
    log = container(task_def(answer), "thumbs").get("logConfiguration") or {}
    if not isinstance(log, dict) or log.get("logDriver") != "awslogs":
        raise Wrong("The thumbs container no longer logs with awslogs.",
                    hint="Without logs the next failure is invisible. Keep them.", stop=True)


@ROLE.check("Fargate accepts the task definition")
def _role_accepted(answer: Any, ctx: Context) -> None:
    accepted(task_def(answer))


# ---------------------------------------------------------------- case 3: the image cannot be pulled

register_quiz(Quiz(
    "debugging.pull_cause",
    "Why the image was not pulled",
    question=("The `api` task (a private ECR image, platform version 1.4.0) stopped with stopCode TaskFailedToStart "
              "and \"ResourceInitializationError: unable to pull secrets or registry auth: ... unable to retrieve "
              "ecr registry auth: ... dial tcp ...:443: i/o timeout\". It runs in a private subnet with no public "
              "IP. What is the cause?"),
    choices={
        "A": "The image tag does not exist in the repository.",
        "B": "Nothing routes the task's network interface to the registry: no public IP with an internet "
             "gateway, no NAT gateway, no VPC endpoints.",
        "C": "The task size is too small for the image.",
        "D": "The task execution role may not call ecr:GetAuthorizationToken.",
    },
    correct=frozenset({"B"}),
    explanation=("A timeout is a network symptom: the call for the registry's credentials never got an answer. "
                 "On platform version 1.4.0 the task fetches them, then pulls, through its own ENI, in the subnet "
                 "you chose."),
    hint="Is the message about something missing, a permission, or a connection that never got an answer?",
    wrong_hints={
        "A": "A missing image gives a 'not found' error from the registry; here the request never got an answer.",
        "C": "A size Fargate does not offer is refused when you register the task definition, before any pull.",
        "D": "A missing permission answers at once, with AccessDeniedException. Here the call never got an "
             "answer (i/o timeout): that is the network, not a permission.",
    },
))

PRIVATE_CIDR = "10.0.2.0/24"  # next to labkit.deploy's two public subnets in its 10.0.0.0/16 VPC


def private_subnet(lab: Any, network: Any) -> str:
    """The lab's private subnet: in the network's VPC and first zone, on the VPC's main route table (local only).

    Made on first use, found by its Name tag afterwards, so re-running a cell does not make another one.
    """
    ec2 = lab.client("ec2")
    found = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [network.vpc_id]},
                                          {"Name": "tag:Name", "Values": ["private"]}])["Subnets"]
    if found:
        return found[0]["SubnetId"]
    subnet = ec2.create_subnet(VpcId=network.vpc_id, CidrBlock=PRIVATE_CIDR,
                               AvailabilityZone=network.availability_zones[0],
                               TagSpecifications=[{"ResourceType": "subnet",
                                                   "Tags": [{"Key": "Name", "Value": "private"}]}])["Subnet"]
    return subnet["SubnetId"]


def _awsvpc(subnet: str, network: Any, public_ip: bool) -> dict[str, Any]:
    return {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [network.security_group_id],
                                    "assignPublicIp": "ENABLED" if public_ip else "DISABLED"}}


def private_config(lab: Any, network: Any) -> dict[str, Any]:
    """A network configuration in the lab's private subnet, without a public IP (case 3's failure)."""
    return _awsvpc(private_subnet(lab, network), network, public_ip=False)


def public_config(network: Any) -> dict[str, Any]:
    """A network configuration in the network's first public subnet, with a public IP (one way to a registry)."""
    return _awsvpc(network.subnet_ids[0], network, public_ip=True)


PULL = register(Exercise(
    "debugging.pull_fixed", "A route to the registry", points=2, needs_lab=True,
    prompt=("Choose a network configuration from which the `api` task can reach its registry, run the task with "
            "it, and check the configuration you used."),
    hints=("A task pulls its image through its own network interface: from its subnet, what way leads out of the "
           "VPC?",),
))


def _config(answer: Any) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise Wrong(f"Expected the network configuration (a dict), got {type(answer).__name__}.",
                    hint="Pass the `config` you gave run_task: labkit.check('debugging.pull_fixed', config, lab=lab).",
                    stop=True)
    inner = answer.get("awsvpcConfiguration", answer)
    if not isinstance(inner, dict) or not inner.get("subnets"):
        raise Wrong("The configuration names no subnets.",
                    hint="It looks like {'awsvpcConfiguration': {'subnets': [...], 'securityGroups': [...], "
                         "'assignPublicIp': ...}}.", stop=True)
    return inner


@PULL.check("it has a way to the registry")
def _pull_route(answer: Any, ctx: Context) -> None:
    config = _config(answer)
    for subnet in config["subnets"]:
        path = pull_path(ctx.client("ec2"), {"awsvpcConfiguration": {**config, "subnets": [subnet]}})
        if path.default_route is None:
            raise Wrong(f"In this configuration {path.problem}.",
                        hint=("That is the subnet the task failed in: nothing in its route table leads out of the "
                              "VPC. Which subnet of the lab has a way out? (debugging.routes shows a subnet's "
                              "routes.)",
                              "A public subnet's default route goes to an internet gateway; a task there needs a "
                              "public address to use it."), stop=True)
        if not path.reachable:
            raise Wrong(f"In this configuration {path.problem}.",
                        hint=("This subnet has a way out, through an internet gateway, which only carries traffic "
                              "for public addresses: does your task get one?",
                              "Whether a task gets a public address is part of its awsvpcConfiguration."),
                        stop=True)


@PULL.check("an api task runs with this configuration")
def _pull_running(answer: Any, ctx: Context) -> None:
    config = _config(answer)
    tasks = _tasks_of(ctx, "api")
    running = [t for t in tasks if t.get("lastStatus") == "RUNNING"]
    if not running:
        pending = [t for t in tasks if t.get("lastStatus") != "STOPPED"]
        if pending:
            raise Wrong(f"Your new api task is {pending[0].get('lastStatus')}, not RUNNING yet.",
                        hint="Wait for it with the tasks_running waiter.", stop=True)
        raise Wrong(f"No api task is running in cluster {CLUSTER!r}.",
                    hint="Run the task with your configuration (the exercise cell), then check.", stop=True)
    subnets = set(config["subnets"])
    if not any(_subnet_of(t) in subnets for t in running):
        raise Wrong("No running api task is in the subnets of this configuration.",
                    hint="Check the configuration you ran the task with, not another one.", stop=True)


def _tasks_of(ctx: Context, family_name: str) -> list[dict[str, Any]]:
    ecs = ctx.client("ecs")
    arns = [*ecs.list_tasks(cluster=CLUSTER, desiredStatus="RUNNING")["taskArns"],
            *ecs.list_tasks(cluster=CLUSTER, desiredStatus="STOPPED")["taskArns"]]
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []
    return [t for t in tasks if family(t) == family_name]


def _subnet_of(task: dict[str, Any]) -> str | None:
    for attachment in task.get("attachments") or []:
        for detail in attachment.get("details") or []:
            if detail.get("name") == "subnetId":
                return detail.get("value")
    return None


@dataclass(frozen=True)
class PullPath(ShownAsText):
    """Whether a task in this network configuration could reach a container registry, and why."""

    subnet: str
    default_route: str | None
    public_ip: bool

    @property
    def reachable(self) -> bool:
        """True when the task's interface has a way out: NAT, or an internet gateway with a public IP."""
        return not self.problem

    @property
    def problem(self) -> str:
        """What stops the pull, in a sentence ("" when nothing does): the rule the lab's mock applies too."""
        return pulls.pull_problem(self.subnet, self.default_route, self.public_ip)

    def __str__(self) -> str:
        ip = "with a public IP" if self.public_ip else "without a public IP"
        way = self.default_route or "no way out"
        verdict = ("the registry is reachable" if self.reachable
                   else "the task will stop before it starts (TaskFailedToStart: it cannot reach the registry)")
        return f"{self.subnet} subnet, {ip}: default route -> {way}; {verdict}."


def pull_path(ec2: Any, config: dict[str, Any]) -> PullPath:
    """Read the way out of the first subnet of an awsvpc network configuration (what an image pull needs)."""
    inner = _config(config) if isinstance(config, dict) else {}
    if not inner:
        raise InvalidInput("pull_path needs a network configuration such as {'awsvpcConfiguration': {...}}.")
    subnet_routes = routes(ec2, inner["subnets"][0])
    public_ip = str(inner.get("assignPublicIp") or "DISABLED").upper() == "ENABLED"
    return PullPath(subnet_routes.name, subnet_routes.default_route, public_ip)


# ---------------------------------------------------------------- case 4: Spot interruptions

SPOT = register(Exercise(
    "debugging.spot_base", "A base that Spot cannot take away", points=2, needs_lab=True, needs_answer=False,
    prompt=("Change the `worker` service so that at least one task always runs on regular FARGATE while the "
            "others stay on FARGATE_SPOT, and let it reach a steady state."),
    hints=("A capacity provider strategy item has a `base` (tasks placed there first) and a `weight` "
           "(the share of the rest).",),
))


def _worker(ctx: Context) -> dict[str, Any]:
    services = ctx.client("ecs").describe_services(cluster=CLUSTER, services=["worker"])["services"]
    if not services or services[0].get("status") != "ACTIVE":
        raise Wrong("There is no active service 'worker' in cluster 'debug'.",
                    hint="Run the cells above that create it.", stop=True)
    return services[0]


def _strategy(service: dict[str, Any]) -> dict[str, dict[str, Any]]:
    strategy = service.get("capacityProviderStrategy") or []
    return {item["capacityProvider"]: item for item in strategy}


@SPOT.check("at least one task on regular FARGATE (base)")
def _spot_base(answer: Any, ctx: Context) -> None:
    strategy = _strategy(_worker(ctx))
    regular = strategy.get("FARGATE")
    if not regular:
        raise Wrong("The service's strategy has no FARGATE item: every task is on Spot.",
                    hint=("Spot can take every one of these tasks back at once: which capacity provider is never "
                          "interrupted?",
                          "A strategy item's base is how many tasks go on its provider first, before the weights "
                          "share out the rest."), stop=True)
    if int(regular.get("base") or 0) < 1:
        raise Wrong("FARGATE has no base, so Spot may still hold every task.",
                    hint="`base` is the number of tasks placed on a provider before weights share the rest.")


@SPOT.check("the other tasks stay on FARGATE_SPOT")
def _spot_rest(answer: Any, ctx: Context) -> None:
    strategy = _strategy(_worker(ctx))
    spot = strategy.get("FARGATE_SPOT")
    if not spot or int(spot.get("weight") or 0) < 1:
        discount = facts()["discounts"]["spot_max_discount_pct"]
        raise Wrong("FARGATE_SPOT has no weight: the service no longer uses Spot.",
                    hint=f"Spot is up to {discount}% cheaper: keep FARGATE_SPOT with a weight for the tasks "
                         "beyond the base.")
    regular = strategy.get("FARGATE") or {}
    if int(regular.get("weight") or 0) > int(spot.get("weight") or 0):
        raise Wrong("More weight on FARGATE than on FARGATE_SPOT.",
                    hint="The base already keeps one task safe; give the rest to Spot (a larger weight).")


@SPOT.check("the service is steady")
def _spot_steady(answer: Any, ctx: Context) -> None:
    service = _worker(ctx)
    if service.get("runningCount") != service.get("desiredCount"):
        raise Wrong(f"{service.get('runningCount')} of {service.get('desiredCount')} tasks are running.",
                    hint="Wait for the service with the services_stable waiter.")
    deployments = service.get("deployments") or []
    if len(deployments) > 1:
        raise Wrong("The new deployment has not finished: old and new tasks are both running.",
                    hint="Wait for the service with the services_stable waiter.")


# ---------------------------------------------------------------- reading a subnet's routes


@dataclass(frozen=True)
class SubnetRoutes(ShownAsText):
    """A subnet's routes (destination and kind of target), and whether it gives new interfaces a public IP."""

    name: str
    routes: tuple[tuple[str, str], ...]
    public_ip_on_launch: bool

    @property
    def default_route(self) -> str | None:
        """Where traffic to the internet (0.0.0.0/0) goes from this subnet, or None when it goes nowhere."""
        return next((target for dest, target in self.routes if dest == "0.0.0.0/0"), None)

    def __str__(self) -> str:
        lines = [f"route table of the {self.name} subnet:"]
        lines += [f"  {dest:<18} -> {target}" for dest, target in self.routes]
        lines.append(f"  default route (0.0.0.0/0): {self.default_route or 'none: no way out of the VPC'}")
        lines.append(f"  public IP for new interfaces by default: {'yes' if self.public_ip_on_launch else 'no'}")
        return "\n".join(lines)


def _route_table(ec2: Any, subnet: dict[str, Any]) -> dict[str, Any] | None:
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id",
                                                 "Values": [subnet["SubnetId"]]}])["RouteTables"]
    if tables:
        return tables[0]
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [subnet["VpcId"]]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"]
    return main[0] if main else None


def routes(ec2: Any, subnet_id: str) -> SubnetRoutes:
    """The routes a subnet's route table (its own, or the VPC's main one) gives the interfaces in it."""
    subnet = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]
    table = _route_table(ec2, subnet) or {"Routes": []}
    found = tuple(sorted(((r.get("DestinationCidrBlock") or r.get("DestinationPrefixListId") or "?",
                           pulls.route_target(r))
                          for r in table.get("Routes") or []), key=lambda pair: pair[0] != "0.0.0.0/0"))
    default = next((target for dest, target in found if dest == "0.0.0.0/0"), None)
    name = "public" if default == "internet gateway" else "private"
    return SubnetRoutes(name, found, bool(subnet.get("MapPublicIpOnLaunch")))


# ---------------------------------------------------------------- a service at a glance


@dataclass(frozen=True)
class ServiceStatus(ShownAsText):
    """A service's counts and its tasks grouped by capacity provider and state (stable text)."""

    name: str
    desired: int
    running: int
    pending: int
    tasks: tuple[tuple[str, str, str, int], ...]  # (capacity provider, lastStatus, desiredStatus, count)

    def __str__(self) -> str:
        lines = [f"service {self.name}: desired {self.desired}, running {self.running}, pending {self.pending}"]
        for provider, last, desired, count in self.tasks:
            note = "" if last == desired else f" (desired {desired})"
            lines.append(f"  {count} task(s) on {provider}: {last}{note}")
        return "\n".join(lines)


_TASK_ID = re.compile(r"\(task [0-9a-f]{8,}\)")
_DEPLOYMENT_ID = re.compile(r"ecs-svc/\d+")


def service_events(ecs: Any, service: str, cluster: str = CLUSTER, limit: int = 5) -> list[str]:
    """The service's latest event messages, newest first, with task and deployment ids left out (stable text)."""
    svc = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    messages = [e["message"] for e in (svc.get("events") or [])[:limit]]
    return [_DEPLOYMENT_ID.sub("ecs-svc/...", _TASK_ID.sub("(task ...)", m)) for m in messages]


def service_status(ecs: Any, service: str, cluster: str = CLUSTER) -> ServiceStatus:
    """How many tasks the service wants and has, and where its live tasks run."""
    svc = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    arns = ecs.list_tasks(cluster=cluster, serviceName=service, desiredStatus="RUNNING")["taskArns"]
    arns += ecs.list_tasks(cluster=cluster, serviceName=service, desiredStatus="STOPPED")["taskArns"]
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    counts: dict[tuple[str, str, str], int] = {}
    for t in tasks:
        if t.get("lastStatus") == "STOPPED":
            continue
        key = (t.get("capacityProviderName") or t.get("launchType") or "?", t.get("lastStatus", "?"),
               t.get("desiredStatus", "?"))
        counts[key] = counts.get(key, 0) + 1
    rows = tuple((*key, n) for key, n in sorted(counts.items()))
    return ServiceStatus(service, svc.get("desiredCount", 0), svc.get("runningCount", 0), svc.get("pendingCount", 0),
                         rows)
