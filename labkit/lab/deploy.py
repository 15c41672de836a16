"""The Fargate deployment workflow as steps over boto3 that work unchanged in every mode (only `lab.client`).

network -> roles -> image in ECR -> task definition -> cluster -> service (or one-off tasks) -> scale -> logs.
Each `ensure_*`/`deploy_*` step is safe to re-run: it finds what this lab made (by tag) and reuses it.
Results are small frozen dataclasses whose text shows no ARNs, ids or timestamps (the fields keep them).
Waiting is simulated time in mock and local modes (instant) and real time on AWS.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from labkit.data import facts
from labkit.errors import InvalidInput, LabkitError
from labkit.lab.guardrails import progress
from labkit.lab.images import DEFAULT_DOCKERFILE, Image, manifest_for, push_image
from labkit.lab.session import Lab
from labkit.lab.tagging import ROLE_PATH, TAG_LAB
from labkit.model.rules import problems
from labkit.model.units import gb_text, vcpu_text

__all__ = [
    "Cluster",
    "DEFAULT_DOCKERFILE",
    "EXECUTION_POLICY",
    "Image",
    "Network",
    "Roles",
    "Service",
    "TRUST_ECS_TASKS",
    "Task",
    "TaskDefinition",
    "deploy_service",
    "describe_service",
    "ensure_cluster",
    "ensure_log_group",
    "ensure_network",
    "ensure_roles",
    "logs",
    "manifest_for",
    "push_image",
    "register_task",
    "run_task",
    "scale",
    "wait_steady",
]

EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
TRUST_ECS_TASKS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                           "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}
VPC_CIDR = "10.0.0.0/16"
SUBNET_CIDRS = ("10.0.0.0/24", "10.0.1.0/24")
PROVIDERS = ("FARGATE", "FARGATE_SPOT")
POLL_SECONDS, POLL_ATTEMPTS = 15, 40  # as boto3's services_stable waiter


# --- results ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Network:
    """A VPC with DNS hostnames on, two public subnets in two Availability Zones, and a security group."""

    vpc_id: str
    subnet_ids: tuple[str, ...]
    security_group_id: str
    availability_zones: tuple[str, ...]
    cidr_block: str = VPC_CIDR
    subnet_cidrs: tuple[str, ...] = SUBNET_CIDRS
    ports: tuple[int, ...] = (80,)

    def awsvpc(self, assign_public_ip: bool = True) -> dict[str, Any]:
        """The `networkConfiguration` for run_task/create_service: these subnets and this security group."""
        return {"awsvpcConfiguration": {"subnets": list(self.subnet_ids), "securityGroups": [self.security_group_id],
                                        "assignPublicIp": "ENABLED" if assign_public_ip else "DISABLED"}}

    def __str__(self) -> str:
        subnets = ", ".join(f"{c} ({z})" for c, z in zip(self.subnet_cidrs, self.availability_zones, strict=False))
        ports = ", ".join(f"tcp {p}" for p in self.ports) or "nothing"
        return (f"Network: VPC {self.cidr_block} (DNS hostnames on), public subnets {subnets}; "
                f"security group allows {ports} in")


@dataclass(frozen=True)
class Roles:
    """The task execution role (ECS pulls images and writes logs with it) and the task role (your app's)."""

    execution_role_arn: str
    task_role_arn: str
    execution_role_name: str
    task_role_name: str

    def __str__(self) -> str:
        return ("Roles: task execution role with AmazonECSTaskExecutionRolePolicy (image pulls, logs); "
                "task role with no permissions yet (add what your app calls)")


@dataclass(frozen=True)
class TaskDefinition:
    """A registered Fargate task definition."""

    family: str
    revision: int
    cpu: str
    memory: str
    image: str
    arch: str
    port: int | None
    log_group: str | None
    arn: str = field(repr=False)

    def __str__(self) -> str:
        parts = [f"Task definition {self.family}:{self.revision}: {vcpu_text(self.cpu)}, {gb_text(self.memory)}, "
                 f"{self.arch}", f"image {_short_image(self.image)}"]
        if self.port:
            parts.append(f"port {self.port}")
        parts.append(f"logs to {self.log_group}" if self.log_group else "no logs")
        return ", ".join(parts)


@dataclass(frozen=True)
class Cluster:
    """An ECS cluster with the FARGATE and FARGATE_SPOT capacity providers."""

    name: str
    status: str
    capacity_providers: tuple[str, ...]
    arn: str = field(repr=False)

    def __str__(self) -> str:
        return f"Cluster {self.name} ({self.status}), capacity providers {', '.join(self.capacity_providers)}"


@dataclass(frozen=True)
class Service:
    """An ECS service as describe_services shows it."""

    name: str
    cluster: str
    status: str
    desired_count: int
    running_count: int
    pending_count: int
    task_definition: str
    launch_type: str | None
    capacity_provider_strategy: tuple[tuple[str, int, int], ...]
    rollout_state: str | None
    deployments: int
    arn: str = field(repr=False)

    @property
    def steady(self) -> bool:
        """What boto3's services_stable waiter checks: one deployment, running = desired."""
        return self.deployments == 1 and self.running_count == self.desired_count

    def __str__(self) -> str:
        if self.capacity_provider_strategy:
            how = " + ".join(f"{p} (base {b}, weight {w})" for p, b, w in self.capacity_provider_strategy)
        else:
            how = self.launch_type or "default"
        return (f"Service {self.name} ({self.status}) on {how}: {self.running_count}/{self.desired_count} running, "
                f"{self.pending_count} pending, task definition {self.task_definition}"
                + (f", rollout {self.rollout_state}" if self.rollout_state else ""))


@dataclass(frozen=True)
class Task:
    """A task as describe_tasks shows it."""

    task_definition: str
    last_status: str
    desired_status: str
    cpu: str | None
    memory: str | None
    capacity_provider_name: str | None
    launch_type: str | None
    availability_zone: str | None
    group: str | None
    stop_code: str | None
    arn: str = field(repr=False)
    private_ip: str | None = field(default=None, repr=False)

    def __str__(self) -> str:
        where = self.capacity_provider_name or self.launch_type or "?"
        size = f" ({vcpu_text(self.cpu)}, {gb_text(self.memory)})" if self.cpu and self.memory else ""
        stop = f", stopCode {self.stop_code}" if self.stop_code and self.last_status == "STOPPED" else ""
        return f"Task {self.task_definition} {self.last_status} on {where} in {self.availability_zone}{size}{stop}"


def _short_image(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


# --- network ---------------------------------------------------------------------------------------------
def _ec2_tags(lab: Lab, name: str) -> list[dict[str, str]]:
    return lab.tag_list("Key") + [{"Key": "Name", "Value": f"labkit-{lab.id}-{name}"}]


def _spec(lab: Lab, kind: str, name: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": _ec2_tags(lab, name)}]


def _lab_filter(lab: Lab, name: str) -> list[dict[str, Any]]:
    return [{"Name": f"tag:{TAG_LAB}", "Values": [lab.id]}, {"Name": "tag:Name", "Values": [f"labkit-{lab.id}-{name}"]}]


def ensure_network(lab: Lab, ports: Sequence[int] = (80,)) -> Network:
    """The lab's VPC (DNS hostnames on), two public subnets in two AZs and a security group open on `ports`."""
    ports = tuple(_port(p) for p in ports)
    ec2 = lab.client("ec2")
    found = ec2.describe_vpcs(Filters=_lab_filter(lab, "vpc"))["Vpcs"]
    fresh = not found  # a VPC made just now holds nothing yet: no need to look for its parts first
    if found:
        vpc_id = found[0]["VpcId"]
    else:
        vpc_id = ec2.create_vpc(CidrBlock=VPC_CIDR, TagSpecifications=_spec(lab, "vpc", "vpc"))["Vpc"]["VpcId"]
        lab.record("vpc", vpc_id)
        # DNS resolution is on by default in a new VPC; hostnames are not, and tasks pulling from ECR need them
        ec2.modify_vpc_attribute(VpcId=vpc_id, EnableDnsHostnames={"Value": True})
    zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones(
        Filters=[{"Name": "state", "Values": ["available"]}])["AvailabilityZones"])[:2]
    if len(zones) < 2:
        raise LabkitError(f"region {lab.region} shows fewer than two Availability Zones; choose another region.")
    igw = _ensure_gateway(lab, ec2, vpc_id, fresh)
    table = _ensure_route_table(lab, ec2, vpc_id, igw, fresh)
    subnets = []
    for i, (cidr, zone) in enumerate(zip(SUBNET_CIDRS, zones, strict=False)):
        existing = [] if fresh else ec2.describe_subnets(Filters=_lab_filter(lab, f"subnet-{i}"))["Subnets"]
        if existing:
            subnets.append(existing[0]["SubnetId"])
            continue
        subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=zone,
                                   TagSpecifications=_spec(lab, "subnet", f"subnet-{i}"))["Subnet"]["SubnetId"]
        lab.record("subnet", subnet)
        ec2.modify_subnet_attribute(SubnetId=subnet, MapPublicIpOnLaunch={"Value": True})
        ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
        subnets.append(subnet)
    group = _ensure_security_group(lab, ec2, vpc_id, ports, fresh)
    return Network(vpc_id=vpc_id, subnet_ids=tuple(subnets), security_group_id=group,
                   availability_zones=tuple(zones), ports=ports)


def _ensure_gateway(lab: Lab, ec2: Any, vpc_id: str, fresh: bool) -> str:
    found = [] if fresh else ec2.describe_internet_gateways(Filters=_lab_filter(lab, "igw"))["InternetGateways"]
    if found:
        return found[0]["InternetGatewayId"]
    igw = ec2.create_internet_gateway(TagSpecifications=_spec(lab, "internet-gateway", "igw"))
    igw_id = igw["InternetGateway"]["InternetGatewayId"]
    lab.record("internet gateway", igw_id)
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc_id)
    return igw_id


def _ensure_route_table(lab: Lab, ec2: Any, vpc_id: str, igw: str, fresh: bool) -> str:
    found = [] if fresh else ec2.describe_route_tables(Filters=_lab_filter(lab, "public"))["RouteTables"]
    if found:
        return found[0]["RouteTableId"]
    table = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=_spec(lab, "route-table", "public"))
    table_id = table["RouteTable"]["RouteTableId"]
    lab.record("route table", table_id)
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    return table_id


def _ensure_security_group(lab: Lab, ec2: Any, vpc_id: str, ports: tuple[int, ...], fresh: bool) -> str:
    name = f"labkit-{lab.id}-tasks"
    found = [] if fresh else ec2.describe_security_groups(Filters=[
        {"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    if found:
        return found[0]["GroupId"]
    group = ec2.create_security_group(GroupName=name, VpcId=vpc_id, Description="labkit: Fargate tasks",
                                      TagSpecifications=_spec(lab, "security-group", "tasks"))["GroupId"]
    lab.record("security group", group)
    if ports:
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]} for p in ports])
    return group


def _port(port: Any) -> int:
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidInput(f"port {port!r} is not a TCP port; give a whole number from 1 to 65535, such as 80.")
    return port


# --- roles -----------------------------------------------------------------------------------------------
def ensure_roles(lab: Lab) -> Roles:
    """The task execution role (with AmazonECSTaskExecutionRolePolicy) and an empty task role.

    Asked of IAM once per lab (then remembered, see `Lab.remembered`): register_task calls it every time."""
    known = lab.remembered("roles")
    if "task roles" in known:
        return known["task roles"]
    iam = lab.client("iam")
    names = (f"labkit-{lab.id}-execution", f"labkit-{lab.id}-task")
    arns = []
    for name in names:
        try:
            arns.append(iam.get_role(RoleName=name)["Role"]["Arn"])
            continue
        except iam.exceptions.NoSuchEntityException:
            pass
        role = iam.create_role(RoleName=name, Path=ROLE_PATH, AssumeRolePolicyDocument=json.dumps(TRUST_ECS_TASKS),
                               Description="labkit: Fargate task " + ("execution role" if "execution" in name
                                                                      else "role"),
                               Tags=lab.tag_list("Key"))["Role"]
        lab.record("role", name)
        if name == names[0]:
            iam.attach_role_policy(RoleName=name, PolicyArn=EXECUTION_POLICY)
        arns.append(role["Arn"])
    known["task roles"] = Roles(execution_role_arn=arns[0], task_role_arn=arns[1], execution_role_name=names[0],
                                task_role_name=names[1])
    return known["task roles"]


# --- task definition ------------------------------------------------------------------------------------------
def register_task(lab: Lab, family: str, image: Image | str, *, cpu: int | str, memory: int | str,
                  port: int | None = None, awslogs: bool = True, arch: str = "X86_64",
                  env: Mapping[str, str] | None = None) -> TaskDefinition:
    """Register a Fargate task definition (one container named after the family); creates its log group."""

    if not isinstance(family, str) or not re.match(r"^[A-Za-z0-9_-]{1,255}$", family):
        raise InvalidInput(f"family {family!r}: use up to 255 letters, digits, '-' or '_' (for example 'web').")
    uri = image.uri if isinstance(image, Image) else image
    if not isinstance(uri, str) or not uri:
        raise InvalidInput(f"image {image!r}: give an Image from push_image() or an image URI such as 'nginx:stable'.")
    roles = ensure_roles(lab)
    log_group = f"/ecs/{family}" if awslogs else None
    container: dict[str, Any] = {"name": family, "image": uri, "essential": True}
    if port is not None:
        container["portMappings"] = [{"containerPort": _port(port), "protocol": "tcp"}]
    if env:
        container["environment"] = [{"name": str(k), "value": str(v)} for k, v in sorted(env.items())]
    if log_group:
        container["logConfiguration"] = {"logDriver": "awslogs", "options": {
            "awslogs-group": log_group, "awslogs-region": lab.region, "awslogs-stream-prefix": "ecs"}}
    request = {"family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
               "cpu": str(cpu), "memory": str(memory), "executionRoleArn": roles.execution_role_arn,
               "taskRoleArn": roles.task_role_arn, "containerDefinitions": [container],
               "runtimePlatform": {"cpuArchitecture": arch, "operatingSystemFamily": "LINUX"},
               "tags": lab.tags}
    found = problems(request)
    if found:
        first = found[0]
        raise InvalidInput(f"{first.message} ({first.field}: {first.hint})")
    if log_group:  # first: awslogs does not start a task whose group is missing
        ensure_log_group(lab, log_group)
    td = lab.client("ecs").register_task_definition(**request)["taskDefinition"]
    lab.record("task definition", td["taskDefinitionArn"])
    return TaskDefinition(family=family, revision=td["revision"], cpu=str(cpu), memory=str(memory), image=uri,
                          arch=arch, port=port, log_group=log_group, arn=td["taskDefinitionArn"])


def ensure_log_group(lab: Lab, name: str) -> str:
    """The CloudWatch Logs group `name`, made with the lab's tags if it is missing; returns its name.

    Make a task's awslogs group before the task runs: Fargate does not start a task whose group is missing, and
    `awslogs-create-group` needs logs:CreateLogGroup, which AmazonECSTaskExecutionRolePolicy does not grant.
    """
    if not isinstance(name, str) or not re.match(r"^[.\-_/#A-Za-z0-9]{1,512}$", name):
        raise InvalidInput(f"log group {name!r}: use up to 512 letters, digits and . - _ / # (for example "
                           "'/ecs/web').")
    logs = lab.client("logs")
    if any(g["logGroupName"] == name for g in logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]):
        return name
    logs.create_log_group(logGroupName=name, tags=lab.tag_list("dict"))
    lab.record("log group", name)
    return name


# --- cluster, services, tasks ----------------------------------------------------------------------------------
def ensure_cluster(lab: Lab, name: str = "labkit") -> Cluster:
    """An ECS cluster with the FARGATE and FARGATE_SPOT capacity providers (FARGATE by default)."""
    ecs = lab.client("ecs")
    clusters = ecs.describe_clusters(clusters=[name], include=["TAGS"])["clusters"]
    if clusters and clusters[0]["status"] == "ACTIVE":
        c = clusters[0]
        if sorted(c.get("capacityProviders") or []) != sorted(PROVIDERS):
            ecs.put_cluster_capacity_providers(cluster=name, capacityProviders=list(PROVIDERS),
                                               defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE",
                                                                                 "weight": 1}])
    else:
        c = ecs.create_cluster(clusterName=name, tags=lab.tags, capacityProviders=list(PROVIDERS),
                               defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}])[
            "cluster"]
        lab.record("cluster", name)
    return Cluster(name=name, status="ACTIVE", capacity_providers=PROVIDERS, arn=c["clusterArn"])


def _name(x: Any) -> str:
    return x.name if isinstance(x, (Cluster, Service)) else str(x).split("/")[-1]


def _td_ref(td: TaskDefinition | str) -> str:
    return td.arn if isinstance(td, TaskDefinition) else str(td)


def _strategy(strategy: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]] | None:
    if not strategy:
        return None
    out = []
    for item in strategy:
        if not isinstance(item, Mapping) or item.get("capacityProvider") not in PROVIDERS:
            raise InvalidInput(f"capacity provider strategy item {item!r}: each needs capacityProvider FARGATE or "
                               "FARGATE_SPOT, with an optional weight and base, e.g. "
                               "{'capacityProvider': 'FARGATE_SPOT', 'weight': 3}.")
        out.append({"capacityProvider": item["capacityProvider"], "weight": int(item.get("weight", 1)),
                    "base": int(item.get("base", 0))})
    return out


def _service_result(raw: dict[str, Any], cluster: str) -> Service:
    strategy = tuple((s["capacityProvider"], int(s.get("base", 0)), int(s.get("weight", 0)))
                     for s in raw.get("capacityProviderStrategy") or [])
    primary = next((d for d in raw.get("deployments", []) if d.get("status") == "PRIMARY"), {})
    return Service(name=raw["serviceName"], cluster=cluster, status=raw["status"],
                   desired_count=raw["desiredCount"], running_count=raw["runningCount"],
                   pending_count=raw["pendingCount"], task_definition=raw["taskDefinition"].split("/")[-1],
                   launch_type=raw.get("launchType"), capacity_provider_strategy=strategy,
                   rollout_state=primary.get("rolloutState"), deployments=len(raw.get("deployments", [])),
                   arn=raw["serviceArn"])


def describe_service(lab: Lab, cluster: Cluster | str, service: Service | str) -> Service:
    """The service as ECS sees it now."""
    cluster_name = _name(cluster)
    found = lab.client("ecs").describe_services(cluster=cluster_name, services=[_name(service)])
    if not found["services"]:
        raise InvalidInput(f"there is no service {_name(service)!r} in cluster {cluster_name!r}.")
    return _service_result(found["services"][0], cluster_name)


def deploy_service(lab: Lab, cluster: Cluster | str, name: str, task_definition: TaskDefinition | str, *,
                   desired_count: int = 1, network: Network,
                   capacity_provider_strategy: Sequence[Mapping[str, Any]] | None = None, wait: bool = True,
                   on_progress: Callable[[str], None] | None = None) -> Service:
    """Create the service (or update it to this task definition and count), then wait until it is steady."""
    _count(desired_count, "desired_count")
    ecs = lab.client("ecs")
    cluster_name = _name(cluster)
    strategy = _strategy(capacity_provider_strategy)
    existing = ecs.describe_services(cluster=cluster_name, services=[name])["services"]
    if existing and existing[0]["status"] == "ACTIVE":
        update: dict[str, Any] = {"cluster": cluster_name, "service": name, "taskDefinition": _td_ref(task_definition),
                                  "desiredCount": desired_count}
        if strategy:
            update["capacityProviderStrategy"] = strategy
        ecs.update_service(**update)
    else:
        args: dict[str, Any] = {"cluster": cluster_name, "serviceName": name,
                                "taskDefinition": _td_ref(task_definition), "desiredCount": desired_count,
                                "networkConfiguration": network.awsvpc(), "tags": lab.tags,
                                "propagateTags": "SERVICE", "enableECSManagedTags": True}
        if strategy:
            args["capacityProviderStrategy"] = strategy
        else:
            args["launchType"] = "FARGATE"
        ecs.create_service(**args)
        lab.record("service", f"{cluster_name}/{name}")
    if wait:
        return wait_steady(lab, cluster_name, name, on_progress=on_progress)
    return describe_service(lab, cluster_name, name)


def scale(lab: Lab, cluster: Cluster | str, service: Service | str, desired_count: int, wait: bool = True,
          on_progress: Callable[[str], None] | None = None) -> Service:
    """Set a service's desired count, then (by default) wait until it is steady."""
    _count(desired_count, "desired_count")
    lab.client("ecs").update_service(cluster=_name(cluster), service=_name(service), desiredCount=desired_count)
    if wait:
        return wait_steady(lab, cluster, service, on_progress=on_progress)
    return describe_service(lab, cluster, service)


def wait_steady(lab: Lab, cluster: Cluster | str, service: Service | str,
                on_progress: Callable[[str], None] | None = None) -> Service:
    """Poll as boto3's services_stable waiter does (every 15 s, 40 times) until one deployment runs desiredCount.

    Mock/local: the polls happen in simulated time, so this returns at once. `on_progress(text)` hears each poll;
    in real mode, by default, each poll is shown to the learner as a notice (labkit.lab.guardrails.progress).
    """
    if on_progress is None and lab.mode == "real":
        on_progress = progress(lab)
    for attempt in range(POLL_ATTEMPTS):
        current = describe_service(lab, cluster, service)
        if on_progress is not None:
            on_progress(f"{current.name}: {current.running_count}/{current.desired_count} running, "
                        f"{current.pending_count} pending, {current.deployments} deployment(s)")
        if current.status != "ACTIVE":
            raise LabkitError(f"service {current.name} is {current.status}; it will not become steady.")
        if current.steady:
            return current
        if attempt + 1 < POLL_ATTEMPTS:
            _sleep(lab, POLL_SECONDS)
    raise LabkitError(f"service {_name(service)} did not become steady in {POLL_SECONDS * POLL_ATTEMPTS} s; "
                      "look at its events (describe_services) for the reason.")


def _sleep(lab: Lab, seconds: float) -> None:
    if getattr(lab.clock, "kind", "") == "simulated":
        lab.clock.advance(seconds)
    else:
        time.sleep(seconds)


def _count(value: Any, what: str, high: int = 1000) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= high:
        raise InvalidInput(f"{what}={value!r}; expected a whole number of tasks from 0 to {high}.")
    return value


def _task_result(raw: dict[str, Any]) -> Task:
    details = {d["name"]: d.get("value") for a in raw.get("attachments", []) for d in a.get("details", [])}
    return Task(task_definition=raw["taskDefinitionArn"].split("/")[-1], last_status=raw["lastStatus"],
                desired_status=raw["desiredStatus"], cpu=raw.get("cpu"), memory=raw.get("memory"),
                capacity_provider_name=raw.get("capacityProviderName"), launch_type=raw.get("launchType"),
                availability_zone=raw.get("availabilityZone"), group=raw.get("group"),
                stop_code=raw.get("stopCode"), arn=raw["taskArn"], private_ip=details.get("privateIPv4Address"))


def run_task(lab: Lab, cluster: Cluster | str, task_definition: TaskDefinition | str, *, network: Network,
             count: int = 1, spot: bool = False, wait: bool = True) -> list[Task]:
    """Run one-off tasks (on FARGATE, or FARGATE_SPOT with spot=True); by default wait until they run."""
    limit = int(facts()["limits"]["tasks_per_run_task"]["value"])
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= limit:
        raise InvalidInput(f"count={count!r}; run_task starts 1 to {limit} tasks per call.")
    ecs = lab.client("ecs")
    cluster_name = _name(cluster)
    args: dict[str, Any] = {"cluster": cluster_name, "taskDefinition": _td_ref(task_definition), "count": count,
                            "networkConfiguration": network.awsvpc(), "tags": lab.tags,
                            "enableECSManagedTags": True}
    if spot:
        args["capacityProviderStrategy"] = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]
    else:
        args["launchType"] = "FARGATE"
    result = ecs.run_task(**args)
    arns = [t["taskArn"] for t in result["tasks"]]
    for arn in arns:  # before any refusal below: teardown must find the tasks that did start
        lab.record("task", arn)
    if result.get("failures"):
        reasons = "; ".join(sorted({f.get("reason", "?") for f in result["failures"]}))
        raise LabkitError(f"run_task started {len(arns)} of {count} task(s): {reasons}. Stop tasks you no longer "
                          "need, or raise the account's Fargate vCPU quota (Service Quotas on AWS; lab.set_quota "
                          "in mock and local modes).")
    if wait and arns:
        ecs.get_waiter("tasks_running").wait(cluster=cluster_name, tasks=arns)
    described = ecs.describe_tasks(cluster=cluster_name, tasks=arns)["tasks"] if arns else []
    order = {arn: i for i, arn in enumerate(arns)}
    return [_task_result(t) for t in sorted(described, key=lambda t: order[t["taskArn"]])]


def logs(lab: Lab, task_definition_or_group: TaskDefinition | str, limit: int = 20) -> list[str]:
    """The last `limit` log lines of a task definition's awslogs group (or of a log group by name)."""
    if isinstance(task_definition_or_group, TaskDefinition):
        group = task_definition_or_group.log_group
        if group is None:
            raise InvalidInput(f"task definition {task_definition_or_group.family} was registered with "
                               "awslogs=False, so it has no log group.")
    else:
        given = str(task_definition_or_group)
        group = given if given.startswith("/") else f"/ecs/{given.split(':')[0]}"
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidInput(f"limit={limit!r}; expected a positive number of lines such as 20.")
    client = lab.client("logs")
    events: list[tuple[int, str, str]] = []
    kwargs: dict[str, Any] = {"logGroupName": group}
    try:
        while True:
            page = client.filter_log_events(**kwargs)
            events += [(e["timestamp"], e.get("logStreamName", ""), e["message"]) for e in page.get("events", [])]
            if not page.get("nextToken") or len(events) > 10_000:
                break
            kwargs["nextToken"] = page["nextToken"]
    except client.exceptions.ResourceNotFoundException as err:
        raise InvalidInput(f"there is no log group {group!r}; register the task with awslogs=True and run it.") from err
    events.sort()
    return [message for _, _, message in events[-limit:]]
