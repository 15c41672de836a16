"""Image pulls on Fargate: which registry an image comes from, whether a task's network reaches it, and what AWS
says when it does not.

A Fargate task pulls its image through its own network interface, in the subnet it runs in. That subnet's
default route (0.0.0.0/0) must lead out of the VPC: to an internet gateway (and then the task needs a public
IP), or to a NAT gateway or another way out. A private ECR image can instead come through VPC endpoints for
ECR (`ecr.api`, `ecr.dkr`) and S3, where ECR keeps image layers (AWS re:Post, "Resolve the
cannotpullcontainererror error for ECS tasks on Fargate"; ECS Developer Guide, "CannotPullContainer task
errors", awsdocs/amazon-ecs-developer-guide, task_cannot_pull_image.md, 2023). The lab's mock and the
debugging lesson's checks both decide with `pull_problem`, so they cannot disagree.

What AWS says depends on the platform version (`cannot_pull_reason`): on 1.4.0 a private ECR image fails first
on the registry's credentials (a ResourceInitializationError), any other image on the manifest (a containerd
CannotPullContainerError); 1.3.0 (Docker) says "API error (500)". The texts are in `facts()["errors"]`, with
where they come from.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from labkit.data import facts

STOP_CODE = "TaskFailedToStart"
# Platform version 1.3.0's (Docker's) text for a pull that never got an answer, from the ECS Developer Guide page
# cited above; 1.4.0's texts are facts()["errors"]["registry_auth_timeout"] and ["pull_timeout"].
DOCKER_REASON = ("CannotPullContainerError: API error (500): Get https://{host}/v2/: net/http: request canceled "
                 "while waiting for connection")
DOCKER_PLATFORMS = ("1.3.0",)
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


def image_ref(image: str) -> tuple[str, str]:
    """(the reference containerd resolves, the manifest URL it asks): "nginx:1.27" is docker.io/library/nginx:1.27."""
    host = registry_host(image)
    path = image.split("/", 1)[1] if host != DOCKER_HUB else image
    if "@" in path:
        repository, _, reference = path.partition("@")
    else:
        head, _, tail = path.rpartition(":")
        repository, reference = (head, tail) if head and "/" not in tail else (path, "latest")
    if host == DOCKER_HUB:
        repository = repository if "/" in repository else f"library/{repository}"
        ref = f"docker.io/{repository}"
    else:
        ref = f"{host}/{repository}"
    ref += f"@{reference}" if reference.startswith("sha256:") else f":{reference}"
    return ref, f"https://{host}/v2/{repository}/manifests/{reference}"


def cannot_pull_reason(image: str, platform_version: str = "1.4.0") -> str:
    """AWS's stoppedReason for a task that could not reach `image`'s registry, on this Fargate platform version."""
    if platform_version in DOCKER_PLATFORMS:
        return DOCKER_REASON.format(host=registry_host(image))
    errors = facts()["errors"]
    region = private_ecr_region(image)
    if region:
        entry = errors["registry_auth_timeout"]
        return str(entry["reason"]).format(region=region, address=entry["address"])
    entry = errors["pull_timeout"]
    ref, url = image_ref(image)
    return str(entry["reason"]).format(ref=ref, url=url, address=entry["address"])
