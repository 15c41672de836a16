"""Fargate's refusals on the ECS API itself, through plain boto3 calls on lab.client(...): AWS's code and words."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

AWSVPC_ONLY = "Fargate only supports network mode \u2018awsvpc\u2019."
NO_NETWORK = "Network Configuration must be provided when networkMode 'awsvpc' is specified."
BOTH = "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again."
NO_FARGATE = "Task definition does not support launch_type FARGATE."


def _error(call) -> tuple[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["Error"]["Message"]


# --- RegisterTaskDefinition: content rules come from labkit.fargate.problems -------------------------------
REGISTER = [
    ("bridge with FARGATE is refused, not rewritten", {"networkMode": "bridge"}, ("ClientException", AWSVPC_ONLY)),
    ("host with FARGATE", {"networkMode": "host"}, ("ClientException", AWSVPC_ONLY)),
    ("no network mode with FARGATE", {"networkMode": None}, ("ClientException", AWSVPC_ONLY)),
    ("hostPort differs from containerPort", {"containerDefinitions": [
        {"name": "web", "image": "nginx", "portMappings": [{"containerPort": 80, "hostPort": 8080}]}]},
     ("ClientException", "When networkMode=awsvpc, the host ports and container ports in port mappings must match.")),
    ("invalid size 256 CPU / 8192 MiB", {"memory": "8192"}, ("ClientException", None)),
    ("no task-level cpu", {"cpu": None},
     ("ClientException", "Fargate requires that 'cpu' be defined at the task level.")),
    ("awslogs without execution role", {"containerDefinitions": [
        {"name": "web", "image": "nginx", "logConfiguration": {
            "logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "us-east-1"}}}]},
     ("ClientException",
      "Fargate requires task definition to have execution role ARN to support log driver awslogs.")),
]


@pytest.mark.parametrize("changes,expected", [r[1:] for r in REGISTER], ids=[r[0] for r in REGISTER])
def test_register_refuses_what_fargate_refuses(lab, register, changes, expected):
    code, message = _error(lambda: register(**changes))
    assert code == expected[0]
    assert expected[1] is None or message == expected[1]
    assert lab.client("ecs").list_task_definitions()["taskDefinitionArns"] == []


def test_bridge_for_ec2_keeps_its_mode_and_is_not_fargate_compatible(lab, register):
    arn = register("batch", networkMode="bridge", requiresCompatibilities=["EC2"],
                   containers=[{"name": "job", "image": "busybox", "memory": 128}])
    td = lab.client("ecs").describe_task_definition(taskDefinition=arn)["taskDefinition"]
    assert (td["networkMode"], td["compatibilities"]) == ("bridge", ["EC2"])


def test_awsvpc_fills_host_port(lab, register):
    td = lab.client("ecs").describe_task_definition(taskDefinition=register())["taskDefinition"]
    assert td["containerDefinitions"][0]["portMappings"] == [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]


# --- RunTask ---------------------------------------------------------------------------------------------------
def _run(lab, net, td, **changes):
    args = {"cluster": "labkit", "taskDefinition": td, "launchType": "FARGATE", "networkConfiguration": net["awsvpc"]}
    args.update(changes)
    return lab.client("ecs").run_task(**{k: v for k, v in args.items() if v is not None})


SPOT = [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]


def _ec2_only(register):
    return register("batch", networkMode="bridge", requiresCompatibilities=["EC2"],
                    containers=[{"name": "job", "image": "busybox", "memory": 128}])


def _inactive(lab, register):
    arn = register()
    lab.client("ecs").deregister_task_definition(taskDefinition=arn)
    return arn


RUN = [
    ("no networkConfiguration for awsvpc", lambda lab, r: r(), {"networkConfiguration": None},
     ("InvalidParameterException", NO_NETWORK)),
    ("launchType with a strategy", lambda lab, r: r(), {"capacityProviderStrategy": SPOT},
     ("InvalidParameterException", BOTH)),
    ("bridge/EC2-only task definition on FARGATE", lambda lab, r: _ec2_only(r), {},
     ("InvalidParameterException", NO_FARGATE)),
    ("INACTIVE task definition", _inactive, {}, ("InvalidParameterException", "TaskDefinition is inactive")),
    ("more than 10 tasks", lambda lab, r: r(), {"count": 11}, ("InvalidParameterException", None)),
    ("strategy with a provider not on the cluster", lambda lab, r: r(),
     {"launchType": None, "capacityProviderStrategy": [{"capacityProvider": "MY_ASG", "weight": 1}]},
     ("InvalidParameterException", None)),
]


@pytest.mark.parametrize("make_td,changes,expected", [r[1:] for r in RUN], ids=[r[0] for r in RUN])
def test_run_task_refuses_what_fargate_refuses(lab, net, register, make_td, changes, expected):
    td = make_td(lab, register)
    code, message = _error(lambda: _run(lab, net, td, **changes))
    assert code == expected[0]
    assert expected[1] is None or message == expected[1]
    assert lab.client("ecs").list_tasks(cluster="labkit")["taskArns"] == []


def test_ten_tasks_is_the_limit(lab, net, register):
    assert len(_run(lab, net, register(), count=10)["tasks"]) == 10


# --- CreateService / UpdateService -------------------------------------------------------------------------------
def _create(lab, net, td, **changes):
    args = {"cluster": "labkit", "serviceName": "web", "taskDefinition": td, "desiredCount": 1,
            "launchType": "FARGATE", "networkConfiguration": net["awsvpc"]}
    args.update(changes)
    return lab.client("ecs").create_service(**{k: v for k, v in args.items() if v is not None})


SERVICE = [
    ("no networkConfiguration for awsvpc", lambda lab, r: r(), {"networkConfiguration": None},
     ("InvalidParameterException", NO_NETWORK)),
    ("launchType with a strategy", lambda lab, r: r(), {"capacityProviderStrategy": SPOT},
     ("InvalidParameterException", BOTH)),
    ("EC2-only task definition on FARGATE", lambda lab, r: _ec2_only(r), {"networkConfiguration": None},
     ("InvalidParameterException", NO_FARGATE)),
    ("INACTIVE task definition", _inactive, {}, ("ClientException", "TaskDefinition is inactive")),
]


@pytest.mark.parametrize("make_td,changes,expected", [r[1:] for r in SERVICE], ids=[r[0] for r in SERVICE])
def test_create_service_refuses_what_fargate_refuses(lab, net, register, make_td, changes, expected):
    td = make_td(lab, register)
    assert _error(lambda: _create(lab, net, td, **changes)) == expected
    assert lab.client("ecs").list_services(cluster="labkit")["serviceArns"] == []


def test_create_service_twice_is_not_idempotent(lab, net, register):
    td = register()
    _create(lab, net, td)
    assert _error(lambda: _create(lab, net, td)) == ("InvalidParameterException",
                                                     "Creation of service was not idempotent.")


def test_update_service_to_inactive_task_definition(lab, net, register):
    _create(lab, net, register())
    old = _inactive(lab, register)
    call = lambda: lab.client("ecs").update_service(cluster="labkit", service="web", taskDefinition=old)  # noqa: E731
    assert _error(call) == ("ClientException", "TaskDefinition is inactive")


# --- DeleteCluster ----------------------------------------------------------------------------------------------
def test_delete_cluster_with_an_active_service(lab, net, register):
    _create(lab, net, register())
    assert _error(lambda: lab.client("ecs").delete_cluster(cluster="labkit")) == (
        "ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.")


def test_delete_cluster_with_running_tasks(lab, net, register):
    _run(lab, net, register())
    assert _error(lambda: lab.client("ecs").delete_cluster(cluster="labkit")) == (
        "ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.")
