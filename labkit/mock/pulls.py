"""Whether a mock Fargate task can pull its images: the task's subnet, routes and endpoints read from moto's EC2.

moto starts every task whatever its network; on AWS a task in a subnet with no way to its registry stops
without starting: on platform version 1.4.0 with a ResourceInitializationError (private ECR: the registry's
credentials) or a CannotPullContainerError (any other registry), as `labkit.model.pulls.cannot_pull_reason`
says. The decision itself is `labkit.model.pulls.pull_problem`, shared with the debugging lesson's checks; this
module only reads the facts it needs from moto's EC2 backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from labkit.mock.ec2 import ec2_backend, find_subnet
from labkit.model import pulls


def _described(route: Any) -> dict[str, Any]:
    """A moto route in the shape DescribeRouteTables gives it (what `pulls.route_target` reads)."""
    gateway = getattr(route.gateway, "id", None) or ("local" if route.local else None)
    return {"GatewayId": gateway or route.vpc_endpoint_id,
            "NatGatewayId": getattr(route.nat_gateway, "id", None),
            "TransitGatewayId": getattr(route.transit_gateway, "id", None),
            "VpcPeeringConnectionId": getattr(route.vpc_pcx, "id", None),
            "InstanceId": getattr(route.instance, "id", None),
            "NetworkInterfaceId": getattr(route.interface, "id", None)}


def _route_table(ec2: Any, subnet: Any) -> Any:
    """The subnet's own route table, or its VPC's main one."""
    tables = list(ec2.route_tables.values())
    own = next((t for t in tables if subnet.id in t._associations.values()), None)
    return own or next((t for t in tables if t.vpc_id == subnet.vpc_id and t.main_association_id), None)


def _endpoints(ec2: Any, subnet: Any, table: Any, region: str) -> set[str]:
    """The endpoint services ("ecr.dkr", "s3", ...) a task in the subnet can use."""
    prefix = f"com.amazonaws.{region}."
    found = set()
    for endpoint in ec2.vpc_end_points.values():
        if endpoint.vpc_id != subnet.vpc_id or getattr(endpoint, "state", "available") != "available":
            continue
        if str(endpoint.vpc_endpoint_type).lower() == "gateway" and (
                table is None or table.id not in (endpoint.route_table_ids or [])):
            continue  # a gateway endpoint serves only the route tables it is added to
        found.add(str(endpoint.service_name).removeprefix(prefix))
    return found


def pull_failure(account: str, region: str, subnet_id: str, public_ip: bool, images: Iterable[str],
                 platform_version: str = "1.4.0") -> str | None:
    """AWS's stop reason when a task in `subnet_id` cannot pull one of `images`; None when it can pull them all."""
    ec2 = ec2_backend(account, region)
    subnet = find_subnet(ec2, subnet_id)
    if subnet is None:
        return None
    table = _route_table(ec2, subnet)
    default = None
    for route in table.routes if table is not None else []:
        if route.destination_cidr_block == "0.0.0.0/0":
            default = pulls.route_target(_described(route))
    endpoints = _endpoints(ec2, subnet, table, region)
    for image in images:
        if image and pulls.pull_problem("task's", default, public_ip, image, endpoints, region):
            return pulls.cannot_pull_reason(image, platform_version)
    return None
