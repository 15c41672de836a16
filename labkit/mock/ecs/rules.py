"""Fargate's refusals on the ECS API itself, with AWS's exception types and messages.

Task definition content is judged by `labkit.model.rules.problems` (the course's one rulebook); this module adds
what only the API call can know: the launch type, the cluster, the network, the task definition's status. As in
moto's own layering, the refusals are raised in the backend (these checks run inside the backend's patched
methods), never in the response layer. Messages are AWS's own where they are known (tests/test_mock_rules.py).
"""

from __future__ import annotations

import copy
from typing import Any

from moto.ecs.exceptions import ECSException
from moto.ecs.models import EC2ContainerServiceBackend as Backend

from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.mock.ec2 import ec2_backend, find_subnet
from labkit.mock.ecs.tasks import life
from labkit.mock.patch import patch
from labkit.model.rules import problems

FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")
MSG = {
    "both": "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.",
    "no_network": "Network Configuration must be provided when networkMode 'awsvpc' is specified.",
    "no_fargate": "Task definition does not support launch_type FARGATE.",
    "inactive": "TaskDefinition is inactive",
    "no_instances": "No Container Instances were found in your cluster.",
    "count": "count must be between 1 and {limit}: run_task starts at most {limit} tasks per call.",
    "ports": "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
    "not_idempotent": "Creation of service was not idempotent.",
    "provider": "The specified capacity provider strategy cannot contain a capacity provider that is not associated "
                "with the cluster. Associate the capacity provider with the cluster or specify a valid capacity "
                "provider and try again.",
    "services": "The Cluster cannot be deleted while Services are active.",
    "tasks": "The Cluster cannot be deleted while Tasks are active.",
    "not_active": "Service was not ACTIVE.",
}


def error(code: str, message: str) -> Exception:
    """An ECS error as moto serialises it: the boto3 caller gets ClientError with this code and message."""
    return ECSException(code, message)


def invalid(message: str) -> Exception:
    """AWS's InvalidParameterException with `message`."""
    return error("InvalidParameterException", message)


# --- task definitions -------------------------------------------------------------------------------------
def task_definition_request(family: str, container_definitions: list[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
    """The RegisterTaskDefinition request as AWS spells it, rebuilt from moto's keyword arguments."""
    names = {"network_mode": "networkMode", "requires_compatibilities": "requiresCompatibilities", "cpu": "cpu",
             "memory": "memory", "task_role_arn": "taskRoleArn", "execution_role_arn": "executionRoleArn",
             "runtime_platform": "runtimePlatform", "ephemeral_storage": "ephemeralStorage", "pid_mode": "pidMode",
             "ipc_mode": "ipcMode", "volumes": "volumes", "placement_constraints": "placementConstraints",
             "proxy_configuration": "proxyConfiguration", "inference_accelerators": "inferenceAccelerators",
             "tags": "tags"}
    request: dict[str, Any] = {"family": family, "containerDefinitions": container_definitions}
    for key, aws in names.items():
        if kwargs.get(key) is not None:
            request[aws] = kwargs[key]
    return request


def task_definition_problems(request: dict[str, Any], *, launch_type: str | None = None,
                             platform_version: str | None = None) -> list[tuple[str, str]]:
    """(code, message) of each reason Fargate refuses this task definition; empty when it would accept it.

    With launch_type None the Fargate rules apply when FARGATE is in requiresCompatibilities, as at
    registration; with "FARGATE" they always apply (and platform_version adds the run-time checks).
    """
    try:
        found = [(p.code, p.message) for p in problems(request, launch_type=launch_type,
                                                       platform_version=platform_version)]
    except InvalidInput as err:  # malformed input: AWS answers a ClientException naming it
        found = [("ClientException", str(err))]
    mode = request.get("networkMode")
    if mode == "host":
        for cdef in request.get("containerDefinitions") or []:
            for pm in cdef.get("portMappings") or []:
                if pm.get("hostPort") not in (None, pm.get("containerPort")):
                    found.append(("ClientException", MSG["ports"].replace("awsvpc", "host")))
    unique: list[tuple[str, str]] = []
    for item in found:
        if item[1] not in [m for _, m in unique]:
            unique.append(item)
    return unique


def request_from_model(td: Any) -> dict[str, Any]:
    """A registered task definition (moto's model) as the request that made it."""
    return task_definition_request(td.family, td.container_definitions, network_mode=td.network_mode,
                                   requires_compatibilities=td.requires_compatibilities, cpu=td.cpu,
                                   memory=td.memory, execution_role_arn=getattr(td, "execution_role_arn", None),
                                   task_role_arn=getattr(td, "task_role_arn", None),
                                   runtime_platform=td.runtime_platform, ephemeral_storage=td.ephemeral_storage,
                                   pid_mode=td.pid_mode, ipc_mode=td.ipc_mode, volumes=td.volumes)


def check_platform_version(td: Any, platform_version: str | None) -> None:
    """Run-time only: a platform version too old for what the task definition asks."""
    if not platform_version or platform_version == "LATEST":
        return
    for code, message in task_definition_problems(request_from_model(td), launch_type="FARGATE",
                                                  platform_version=platform_version):
        if "platform" in message.lower():
            raise error(code, message)


def check_task_definition(request: dict[str, Any]) -> None:
    """Raise AWS's error for the first reason Fargate refuses this task definition."""
    problems = task_definition_problems(request)
    if problems:
        raise error(*problems[0])


# --- launches -----------------------------------------------------------------------------------------------
def uses_fargate(launch_type: str | None, strategy: list[dict[str, Any]] | None) -> bool:
    if launch_type:
        return launch_type == "FARGATE"
    return bool(strategy) and all(s.get("capacityProvider") in FARGATE_PROVIDERS for s in strategy or [])


def resolve_launch(cluster: Any, launch_type: str | None,
                   strategy: list[dict[str, Any]] | None) -> tuple[str | None, list[dict[str, Any]] | None]:
    """(launch type, capacity provider strategy) as ECS resolves them: the cluster's default strategy, else EC2."""
    if launch_type and strategy:
        raise invalid(MSG["both"])
    if launch_type:
        return launch_type, None
    if strategy:
        return None, strategy
    default = cluster.default_capacity_provider_strategy
    if default:
        return None, list(default)
    return "EC2", None


def check_strategy(cluster: Any, strategy: list[dict[str, Any]] | None) -> None:
    if not strategy:
        return
    associated = set(cluster.capacity_providers or [])
    for item in strategy:
        if item.get("capacityProvider") not in associated:
            raise invalid(MSG["provider"])


def check_task_definition_usable(task_definition: Any, fargate: bool, *, for_service: bool) -> None:
    if task_definition.status != "ACTIVE":
        raise error("ClientException" if for_service else "InvalidParameterException", MSG["inactive"])
    if fargate and "FARGATE" not in (task_definition.compatibilities or []):
        raise invalid(MSG["no_fargate"])


def check_network(task_definition: Any, network_configuration: dict[str, Any] | None) -> None:
    if task_definition.network_mode == "awsvpc" and not (network_configuration or {}).get("awsvpcConfiguration"):
        raise invalid(MSG["no_network"])


def check_run_task(backend: Any, cluster: Any, task_definition: Any, count: int, launch_type: str | None,
                   strategy: list[dict[str, Any]] | None, network_configuration: dict[str, Any] | None,
                   platform_version: str | None = None) -> tuple[str | None, list[dict[str, Any]] | None]:
    """Everything RunTask refuses; returns the resolved (launch type, strategy)."""
    limit = int(facts()["limits"]["tasks_per_run_task"]["value"])
    if count is None or count < 1 or count > limit:
        raise invalid(MSG["count"].format(limit=limit))
    launch_type, strategy = resolve_launch(cluster, launch_type, strategy)
    check_strategy(cluster, strategy)
    fargate = uses_fargate(launch_type, strategy)
    check_task_definition_usable(task_definition, fargate, for_service=False)
    if fargate:
        check_platform_version(task_definition, platform_version)
    check_network(task_definition, network_configuration)
    if not fargate and launch_type in ("EC2", None):
        instances = [ci for ci in backend.container_instances.get(cluster.name, {}).values() if ci.status == "ACTIVE"]
        if not instances:
            raise invalid(MSG["no_instances"])
    return launch_type, strategy


def check_create_service(backend: Any, cluster: Any, name: str, task_definition: Any, launch_type: str | None,
                         strategy: list[dict[str, Any]] | None,
                         network_configuration: dict[str, Any] | None,
                         ) -> tuple[str | None, list[dict[str, Any]] | None]:
    existing = backend.services.get(f"{cluster.name}:{name}")
    if existing is not None and existing.status == "ACTIVE":
        raise invalid(MSG["not_idempotent"])
    launch_type, strategy = resolve_launch(cluster, launch_type, strategy)
    check_strategy(cluster, strategy)
    if task_definition is not None:
        check_task_definition_usable(task_definition, uses_fargate(launch_type, strategy), for_service=True)
        check_network(task_definition, network_configuration)
    return launch_type, strategy


def check_update_service(cluster: Any, service: Any, task_definition: Any, strategy: list[dict[str, Any]] | None,
                         network_configuration: dict[str, Any] | None) -> None:
    if service.status != "ACTIVE":
        raise error("ServiceNotActiveException", MSG["not_active"])
    check_strategy(cluster, strategy)
    lk = service.__dict__.get("_lk")
    current_strategy = strategy or (lk.strategy if lk else None)
    launch = None if current_strategy else (lk.launch if lk else service.launch_type)
    check_task_definition_usable(task_definition, uses_fargate(launch, current_strategy), for_service=True)
    check_network(task_definition, network_configuration or service.network_configuration)


def check_delete_cluster(backend: Any, cluster: Any) -> None:
    """A cluster with active services or tasks cannot be deleted."""
    for service in backend.services.values():
        if service.cluster_name == cluster.name and service.status == "ACTIVE":
            raise error("ClusterContainsServicesException", MSG["services"])
    for task in backend.tasks.get(cluster.name, {}).values():
        lk = life(task)
        if lk is not None and lk.state() != "STOPPED":
            raise error("ClusterContainsTasksException", MSG["tasks"])


def _fill_ports(cdef: dict[str, Any]) -> dict[str, Any]:
    mappings = cdef.get("portMappings")
    if not mappings:
        return cdef
    filled = []
    for pm in mappings:
        pm = dict(pm)
        if pm.get("containerPort") is not None and pm.get("hostPort") is None:
            pm["hostPort"] = pm["containerPort"]
        pm.setdefault("protocol", "tcp")
        filled.append(pm)
    return {**cdef, "portMappings": filled}


def normalise_network(backend: Any, network_configuration: dict[str, Any] | None) -> dict[str, Any] | None:
    """Check subnets and security groups as AWS does, and fill in the VPC's default group when none is given.

    moto 5.2.5 crashes instead: IndexError on `subnets: []`, KeyError without `securityGroups`.
    """
    if not network_configuration or "awsvpcConfiguration" not in network_configuration:
        return network_configuration
    conf = copy.deepcopy(network_configuration)
    vpc_conf = conf["awsvpcConfiguration"]
    subnets = vpc_conf.get("subnets") or []
    if not subnets:
        raise invalid("subnets can not be empty.")
    ec2 = ec2_backend(backend.account_id, backend.region_name)
    vpc_id = None
    for subnet_id in subnets:
        subnet = find_subnet(ec2, subnet_id)
        if subnet is None:
            raise invalid(f"Error retrieving subnet information for [{subnet_id}]: The subnet ID '{subnet_id}' "
                          "does not exist (ErrorCode: InvalidSubnetID.NotFound)")
        vpc_id = vpc_id or subnet.vpc_id
    groups = vpc_conf.get("securityGroups")
    if not groups:
        default = ec2.get_default_security_group(vpc_id)
        vpc_conf["securityGroups"] = [default.id] if default is not None else []
    for group_id in groups or []:
        if ec2.get_security_group_from_id(group_id) is None:
            raise invalid(f"Error retrieving security group information for [{group_id}]: The security group "
                          f"'{group_id}' does not exist (ErrorCode: InvalidGroup.NotFound)")
    return conf


# --- on the API: RegisterTaskDefinition and DeleteCluster (RunTask and the service calls: services.py) ----------
@patch(Backend.register_task_definition)
def register_task_definition(fn: Any, self: Any, family: str, container_definitions: list[dict[str, Any]],
                             *args: Any, **kwargs: Any) -> Any:
    """RegisterTaskDefinition with Fargate's refusals, awsvpc's hostPort, and AWS's compatibilities."""
    if args:  # not the Response's call (keywords only): leave it to moto
        return fn(self, family, container_definitions, *args, **kwargs)
    request = task_definition_request(family, container_definitions, **kwargs)
    check_task_definition(request)
    given = kwargs.get("network_mode")
    if given == "awsvpc":  # AWS fills hostPort with containerPort (and the protocol) under awsvpc
        container_definitions = [_fill_ports(c) for c in container_definitions]
    td = fn(self, family, container_definitions, **kwargs)
    if given:  # moto rewrites bridge/host to awsvpc when FARGATE is asked for; AWS keeps what was given
        td.network_mode = given
    # AWS validates every task definition against Fargate too and lists FARGATE when it passes
    td.compatibilities = ["EC2", "FARGATE"] if not task_definition_problems(request, launch_type="FARGATE") else ["EC2"]
    return td


@patch(Backend.delete_cluster)
def delete_cluster(fn: Any, self: Any, cluster_str: str) -> Any:
    """DeleteCluster refused while services or tasks are active, as AWS does."""
    check_delete_cluster(self, self._get_cluster(cluster_str))
    return fn(self, cluster_str)
