"""What you deployed, as infrastructure as code: an AWS CloudFormation template (JSON) of a task definition and the
service that runs it, the way you would keep it in version control instead of making boto3 calls by hand.

The task definition is the dict you pass to `register_task_definition`; its keys become CloudFormation's names
(`networkMode` -> `NetworkMode`). What belongs to one account (subnets, security group, role ARNs) becomes a
template parameter, so the template deploys anywhere and shows no ids.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labkit.errors import InvalidInput
from labkit.model.text import ShownAsText

FREE_FORM = frozenset({"options", "dockerLabels"})  # maps whose keys are data ("awslogs-group"), not field names
ROLE_PARAMETERS = {"executionRoleArn": "ExecutionRoleArn", "taskRoleArn": "TaskRoleArn"}
TEMPLATE_VERSION = "2010-09-09"  # the only AWSTemplateFormatVersion CloudFormation has


@dataclass(frozen=True)
class Template(ShownAsText):
    """A CloudFormation template: `body` is the template as a dict; its text is the JSON you would save."""

    body: dict[str, Any]

    def __str__(self) -> str:
        return json.dumps(self.body, indent=2)


def cloudformation(
    task_definition: Mapping[str, Any],
    *,
    service: str | None = None,
    desired_count: int = 1,
    cluster: str = "default",
    capacity_provider_strategy: Sequence[Mapping[str, Any]] = (),
    assign_public_ip: bool = True,
) -> Template:
    """The template of `task_definition` (a register_task_definition dict) and, with `service`, the Fargate service
    running `desired_count` copies of it in `cluster` (on `capacity_provider_strategy` if given, else FARGATE)."""
    _check(task_definition, desired_count)
    parameters: dict[str, Any] = {}
    properties = {}
    for key, value in task_definition.items():
        if key in ROLE_PARAMETERS:
            parameters[ROLE_PARAMETERS[key]] = {"Type": "String", "Description": f"the ARN for {key}"}
            properties[_pascal(key)] = {"Ref": ROLE_PARAMETERS[key]}
        else:
            properties[_pascal(key)] = _convert(key, value)
    resources: dict[str, Any] = {**_log_groups(task_definition),
                                 "TaskDefinition": {"Type": "AWS::ECS::TaskDefinition", "Properties": properties}}
    if service is not None:
        parameters.update(_network_parameters(cluster))
        resources["Service"] = _service(service, desired_count, capacity_provider_strategy, assign_public_ip)
    body = {
        "AWSTemplateFormatVersion": TEMPLATE_VERSION,
        "Description": f"Task definition {task_definition['family']}" + (f" and service {service}" if service else ""),
        **({"Parameters": parameters} if parameters else {}),
        "Resources": resources,
    }
    return Template(body)


def _check(task_definition: Any, desired_count: Any) -> None:
    if not isinstance(task_definition, Mapping) or not {"family", "containerDefinitions"} <= task_definition.keys():
        raise InvalidInput("cloudformation() takes a task definition dict as you pass it to register_task_definition, "
                           "with at least 'family' and 'containerDefinitions'.")
    if isinstance(desired_count, bool) or not isinstance(desired_count, int) or desired_count < 0:
        raise InvalidInput(f"desired_count={desired_count!r}; expected a whole number of tasks, 0 or more.")


def _pascal(key: str) -> str:
    """boto3's name of a field as CloudFormation spells it: containerPort -> ContainerPort."""
    return key[:1].upper() + key[1:]


def _convert(key: str, value: Any) -> Any:
    """A field's value with every nested field name in CloudFormation's spelling (free-form maps kept as they are)."""
    if key in FREE_FORM:
        return dict(value)
    if isinstance(value, Mapping):
        return {_pascal(k): _convert(k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_convert(key, item) for item in value]
    return value


def _log_groups(task_definition: Mapping[str, Any]) -> dict[str, Any]:
    """A log group resource for each awslogs group the containers write to and do not create themselves."""
    names = []
    for container in task_definition.get("containerDefinitions", []):
        logs = container.get("logConfiguration") or {}
        options = logs.get("options") or {}
        if logs.get("logDriver") == "awslogs" and options.get("awslogs-create-group") != "true":
            names.append(options.get("awslogs-group"))
    unique = [n for n in dict.fromkeys(names) if n]
    return {f"LogGroup{i + 1}" if len(unique) > 1 else "LogGroup":
            {"Type": "AWS::Logs::LogGroup", "Properties": {"LogGroupName": name}} for i, name in enumerate(unique)}


def _network_parameters(cluster: str) -> dict[str, Any]:
    return {
        "Cluster": {"Type": "String", "Default": cluster, "Description": "the ECS cluster to run the service in"},
        "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>", "Description": "the subnets for the tasks' ENIs"},
        "SecurityGroup": {"Type": "AWS::EC2::SecurityGroup::Id", "Description": "the tasks' security group"},
    }


def _service(name: str, count: int, strategy: Sequence[Mapping[str, Any]], public_ip: bool) -> dict[str, Any]:
    placement: dict[str, Any] = (
        {"CapacityProviderStrategy": [_convert("strategy", dict(item)) for item in strategy]}
        if strategy else {"LaunchType": "FARGATE"}
    )
    return {
        "Type": "AWS::ECS::Service",
        "Properties": {
            "ServiceName": name,
            "Cluster": {"Ref": "Cluster"},
            "TaskDefinition": {"Ref": "TaskDefinition"},
            "DesiredCount": count,
            **placement,
            "NetworkConfiguration": {"AwsvpcConfiguration": {
                "Subnets": {"Ref": "Subnets"},
                "SecurityGroups": [{"Ref": "SecurityGroup"}],
                "AssignPublicIp": "ENABLED" if public_ip else "DISABLED",
            }},
        },
    }
