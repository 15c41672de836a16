"""Tag everything a lab creates, whoever makes the call: labkit.deploy or plain boto3 in a learner's cell.

A botocore hook adds the lab's tags to each create call before it is sent, in the shape that service wants,
so teardown (and `labkit teardown --lab ID` from a new kernel) can find every resource by tag. Services pass
their tags on to their tasks, and IAM roles go under /labkit/ unless the caller names a path.
"""

from __future__ import annotations

import re
from typing import Any

from labkit.errors import InvalidInput

COURSE = "fargate-lab-kit"
TAG_LAB = "labkit:lab"  # the lab's id: what `lab.teardown()` and `labkit teardown --lab ID` remove
TAG_COURSE = "labkit:course"  # every lab of the course: what `labkit teardown --all` removes
ROLE_PATH = "/labkit/"  # IAM roles go here: where teardown looks for them, and where the IAM policy lets labkit act
TAG_STYLES = ("key", "Key", "dict")
LAB_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")  # a lab id is a tag value on every resource


def lab_tags(lab_id: str, style: str = "key") -> Any:
    """A lab's tags as a service wants them: "key" (ECS), "Key" (EC2, IAM, ...), "dict" (logs, ECR tags)."""
    pairs = [(TAG_LAB, lab_id), (TAG_COURSE, COURSE)]
    if style == "key":
        return [{"key": k, "value": v} for k, v in pairs]
    if style == "Key":
        return [{"Key": k, "Value": v} for k, v in pairs]
    if style == "dict":
        return dict(pairs)
    raise InvalidInput(f"tag_list style {style!r} is not known; use one of {', '.join(TAG_STYLES)} "
                       "(ECS uses 'key', EC2/IAM/ECR use 'Key', CloudWatch Logs uses 'dict').")

# operation -> (parameter, style); styles as Lab.tag_list: "key" (ECS), "Key" (EC2/IAM/ECR), "dict".
TAGGED_CALLS: dict[str, tuple[str, str]] = {
    "ecs.CreateCluster": ("tags", "key"),
    "ecs.CreateService": ("tags", "key"),
    "ecs.RunTask": ("tags", "key"),
    "ecs.RegisterTaskDefinition": ("tags", "key"),
    "ecs.CreateCapacityProvider": ("tags", "key"),
    "ecr.CreateRepository": ("tags", "Key"),
    "iam.CreateRole": ("Tags", "Key"),
    "iam.CreatePolicy": ("Tags", "Key"),
    "logs.CreateLogGroup": ("tags", "dict"),
    "eks.CreateCluster": ("tags", "dict"),
    "eks.CreateFargateProfile": ("tags", "dict"),
    "application-autoscaling.RegisterScalableTarget": ("Tags", "dict"),
}
# EC2 tags through TagSpecifications, naming the resource type.
EC2_RESOURCE_TYPES = {
    "CreateVpc": "vpc",
    "CreateSubnet": "subnet",
    "CreateSecurityGroup": "security-group",
    "CreateInternetGateway": "internet-gateway",
    "CreateRouteTable": "route-table",
    "CreateNetworkInterface": "network-interface",
}


def with_lab_tags(existing: Any, ours: Any) -> Any:
    """The caller's tags plus the lab's, the lab's winning on the same key (lists or dicts alike)."""
    if isinstance(ours, dict):
        return {**(existing or {}), **ours}
    key = "key" if ours and "key" in ours[0] else "Key"
    mine = {t[key] for t in ours}
    return [t for t in (existing or []) if t.get(key) not in mine] + list(ours)


def add_tags(lab: Any, service: str, operation: str, params: dict[str, Any]) -> None:
    """Add the lab's tags to one call's parameters, in place (no-op for calls that create nothing taggable)."""
    if service == "ec2" and operation in EC2_RESOURCE_TYPES:
        kind = EC2_RESOURCE_TYPES[operation]
        specs = [s for s in params.get("TagSpecifications", []) if s.get("ResourceType") != kind]
        current = next((s.get("Tags", []) for s in params.get("TagSpecifications", [])
                        if s.get("ResourceType") == kind), [])
        specs.append({"ResourceType": kind, "Tags": with_lab_tags(current, lab.tag_list("Key"))})
        params["TagSpecifications"] = specs
        return
    found = TAGGED_CALLS.get(f"{service}.{operation}")
    if found is None:
        return
    param, style = found
    params[param] = with_lab_tags(params.get(param), lab.tag_list(style))
    if service == "ecs" and operation in ("RunTask", "CreateService"):
        params.setdefault("enableECSManagedTags", True)
    if service == "ecs" and operation == "CreateService":
        params.setdefault("propagateTags", "SERVICE")  # its tasks carry the lab's tags too
    if service == "iam" and operation in ("CreateRole", "CreatePolicy"):
        params.setdefault("Path", ROLE_PATH)


def install(lab: Any, client: Any) -> None:
    """Register the tagging hook on one boto3 client of the lab."""
    service = client.meta.service_model.service_name

    def hook(params: dict[str, Any], model: Any, **_: Any) -> None:
        add_tags(lab, service, model.name, params)

    client.meta.events.register(f"provide-client-params.{client.meta.service_model.service_id.hyphenize()}",
                                hook)
