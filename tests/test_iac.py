"""labkit.deploy.cloudformation(): a task definition dict and its service as a CloudFormation template. Every field
name is checked against the ECS API model in botocore (CloudFormation spells ECS's fields with a capital letter), the
account's ids become parameters, and the log groups the containers need become resources."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest

import labkit.deploy
from labkit.errors import InvalidInput
from labkit.model import iac

ECS = botocore.session.get_session().get_service_model("ecs")
ROLE = "arn:aws:iam::123456789012:role/labkit/web-execution"
TASK = {
    "family": "hello-web",
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
    "executionRoleArn": ROLE,
    "runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
    "containerDefinitions": [{
        "name": "web",
        "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-web:1.0",
        "portMappings": [{"containerPort": 8080}],
        "environment": [{"name": "GREETING", "value": "hello"}],
        "dockerLabels": {"team": "shop"},
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/hello-web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}},
    }],
}


def unpascal(name: str) -> str:
    return name[:1].lower() + name[1:]


def check_names(value: Any, shape: Any, path: str) -> None:
    """Every field name in `value` is a member of the botocore `shape`, spelled as CloudFormation spells it."""
    if isinstance(value, dict) and shape.type_name == "structure":
        for key, item in value.items():
            if isinstance(item, dict) and set(item) == {"Ref"}:
                continue  # a template parameter stands in for the value
            assert key[:1].isupper(), f"{path}.{key}: CloudFormation names start with a capital letter"
            member = unpascal(key)
            assert member in shape.members, f"{path}.{key} is no field of {shape.name}"
            check_names(item, shape.members[member], f"{path}.{key}")
    elif isinstance(value, list) and shape.type_name == "list":
        for i, item in enumerate(value):
            check_names(item, shape.member, f"{path}[{i}]")


def test_the_task_definition_has_the_api_s_fields_in_cloudformation_s_spelling():
    body = labkit.deploy.cloudformation(TASK).body
    properties = body["Resources"]["TaskDefinition"]["Properties"]
    assert body["Resources"]["TaskDefinition"]["Type"] == "AWS::ECS::TaskDefinition"
    check_names(properties, ECS.operation_model("RegisterTaskDefinition").input_shape, "TaskDefinition")
    container = properties["ContainerDefinitions"][0]
    assert container["PortMappings"] == [{"ContainerPort": 8080}]
    assert container["Environment"] == [{"Name": "GREETING", "Value": "hello"}]
    # maps whose keys are data keep them as written
    assert container["LogConfiguration"]["Options"] == TASK["containerDefinitions"][0]["logConfiguration"]["options"]
    assert container["DockerLabels"] == {"team": "shop"}
    assert properties["Cpu"] == "256" and properties["RuntimePlatform"]["CpuArchitecture"] == "ARM64"


def test_the_account_s_ids_are_parameters_and_the_template_shows_none():
    text = str(labkit.deploy.cloudformation(TASK, service="web", desired_count=3))
    body = json.loads(text)
    assert ROLE not in text and "subnet-" not in text and "sg-" not in text
    assert body["Resources"]["TaskDefinition"]["Properties"]["ExecutionRoleArn"] == {"Ref": "ExecutionRoleArn"}
    assert set(body["Parameters"]) == {"ExecutionRoleArn", "Cluster", "Subnets", "SecurityGroup"}
    assert body["Parameters"]["Subnets"]["Type"] == "List<AWS::EC2::Subnet::Id>"
    assert body["AWSTemplateFormatVersion"] == "2010-09-09"


def test_the_service_runs_the_task_definition_on_fargate_in_the_given_network():
    body = labkit.deploy.cloudformation(TASK, service="web", desired_count=3, cluster="lesson03").body
    service = body["Resources"]["Service"]
    assert service["Type"] == "AWS::ECS::Service"
    check_names(service["Properties"], ECS.operation_model("CreateService").input_shape, "Service")
    props = service["Properties"]
    assert props["TaskDefinition"] == {"Ref": "TaskDefinition"} and props["DesiredCount"] == 3
    assert props["LaunchType"] == "FARGATE" and body["Parameters"]["Cluster"]["Default"] == "lesson03"
    network = props["NetworkConfiguration"]["AwsvpcConfiguration"]
    assert network == {"Subnets": {"Ref": "Subnets"}, "SecurityGroups": [{"Ref": "SecurityGroup"}],
                       "AssignPublicIp": "ENABLED"}


def test_a_capacity_provider_strategy_replaces_the_launch_type():
    strategy = [{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
                {"capacityProvider": "FARGATE_SPOT", "weight": 3}]
    props = labkit.deploy.cloudformation(TASK, service="web", capacity_provider_strategy=strategy,
                                         assign_public_ip=False).body["Resources"]["Service"]["Properties"]
    assert "LaunchType" not in props
    assert props["CapacityProviderStrategy"] == [{"CapacityProvider": "FARGATE", "Base": 1, "Weight": 1},
                                                 {"CapacityProvider": "FARGATE_SPOT", "Weight": 3}]
    assert props["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"


def test_the_log_group_the_containers_write_to_is_made_unless_they_create_it():
    body = labkit.deploy.cloudformation(TASK).body
    assert body["Resources"]["LogGroup"] == {"Type": "AWS::Logs::LogGroup",
                                             "Properties": {"LogGroupName": "/ecs/hello-web"}}
    creates = json.loads(json.dumps(TASK))
    creates["containerDefinitions"][0]["logConfiguration"]["options"]["awslogs-create-group"] = "true"
    assert "LogGroup" not in labkit.deploy.cloudformation(creates).body["Resources"]
    assert "Parameters" not in labkit.deploy.cloudformation({"family": "x", "containerDefinitions": []}).body


@pytest.mark.parametrize("bad, kwargs, match", [
    ({"family": "x"}, {}, "containerDefinitions"),
    ("hello-web", {}, "task definition dict"),
    (TASK, {"desired_count": -1}, "desired_count=-1"),
    (TASK, {"desired_count": True}, "desired_count=True"),
])
def test_what_is_not_a_task_definition_is_refused_with_what_to_give(bad, kwargs, match):
    with pytest.raises(InvalidInput, match=match):
        iac.cloudformation(bad, **kwargs)
