"""Image pulls on Fargate: which registry an image comes from, whether a task's network reaches it, and what AWS
says when it does not.

A Fargate task pulls its image through its own network interface, in the subnet it runs in. That subnet's
default route (0.0.0.0/0) must lead out of the VPC: to an internet gateway (and then the task needs a public
IP), or to a NAT gateway or another way out. A private ECR image can instead come through VPC endpoints for
ECR (`ecr.api`, `ecr.dkr`) and S3, where ECR keeps image layers (AWS re:Post, "Resolve the
cannotpullcontainererror error for ECS tasks on Fargate"; ECS Developer Guide, "CannotPullContainer task
errors", awsdocs/amazon-ecs-developer-guide, task_cannot_pull_image.md, 2023). The lab's mock and the
debugging lesson's checks both decide with `pull_problem`, so they cannot disagree.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

STOP_CODE = "TaskFailedToStart"
# AWS's text for a pull that never got an answer, from the ECS Developer Guide page cited above.
REASON = ("CannotPullContainerError: API error (500): Get https://{host}/v2/: net/http: request canceled while "
          "waiting for connection")
ECR_ENDPOINTS = ("ecr.api", "ecr.dkr", "s3")  # what a private subnet needs for private ECR images
DOCKER_HUB = "registry-1.docker.io"
_ECR = re.compile(r"^(?P<account>\d{12})\.dkr\.ecr(-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(\.cn)?/")


def registry_host(image: str) -> str:
    """The registry a container image is pulled from ("nginx:1.27" comes from Docker Hub)."""
    first, _, rest = image.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return DOCKER_HUB


def private_ecr_region(image: str) -> str | None:
    """The region of a private ECR image (None for any other registry)."""
    match = _ECR.match(image)
    return match.group("region") if match else None


def route_target(route: Mapping[str, Any]) -> str:
    """What a route (as EC2's DescribeRouteTables gives it) leads to, in words; ids are left out."""
    gateway = str(route.get("GatewayId") or "")
    if gateway == "local":
        return "local (inside the VPC)"
    if gateway.startswith("igw-"):
        return "internet gateway"
    if gateway.startswith("vpce-"):
        return "VPC endpoint"
    if route.get("NatGatewayId"):
        return "NAT gateway"
    if route.get("TransitGatewayId"):
        return "transit gateway"
    if route.get("VpcPeeringConnectionId"):
        return "VPC peering"
    if route.get("InstanceId") or route.get("NetworkInterfaceId"):
        return "instance"
    return gateway or "other"


def pull_problem(subnet: str, default_route: str | None, public_ip: bool, image: str = "",
                 endpoints: Collection[str] = (), region: str = "") -> str:
    """What stops a task in `subnet` from pulling `image`, in a sentence; "" when nothing does.

    `default_route` is `route_target` of the subnet's 0.0.0.0/0 route (None: there is none), `endpoints` the
    VPC endpoint services the subnet can use ("ecr.api", "ecr.dkr", "s3").
    """
    if image and private_ecr_region(image) == region and all(e in endpoints for e in ECR_ENDPOINTS):
        return ""
    if default_route is None or default_route in ("local (inside the VPC)", "VPC endpoint"):
        return f"the {subnet} subnet has no route out of the VPC (no 0.0.0.0/0 route)"
    if default_route == "internet gateway" and not public_ip:
        return f"the {subnet} subnet routes to an internet gateway, but the task gets no public IP"
    return ""


def cannot_pull_reason(image: str) -> str:
    """AWS's stoppedReason (and container reason) for a task that could not reach `image`'s registry."""
    return REASON.format(host=registry_host(image))
