"""EC2 in the simulated AWS: a task's network interface as AWS shows it, and two moto 5.2.5 gaps closed.

- moto keeps the tags of a deleted VPC, subnet, route table, internet gateway or security group, so DescribeTags
  still lists what is gone: here the tags go with the resource, as in AWS;
- moto gives a network interface a `private_dns_name` only when its VPC has DNS hostnames on (off by default
  for `create_vpc`), and ECS's RunTask reads it: AttributeError. Here it is None, as EC2 answers.

A Fargate task's interface gets an address inside its subnet and AWS's description (`adopt_eni`), and is deleted
once the task has stopped (`delete_eni`). moto's 1,300 sample AMIs, which a Fargate course never uses, are not
loaded (set MOTO_EC2_LOAD_DEFAULT_AMIS=true before connecting to get them back).
"""

from __future__ import annotations

import ipaddress
import os
import random
from typing import Any, NamedTuple

from moto.ec2 import ec2_backends
from moto.ec2.models import EC2Backend
from moto.ec2.models.elastic_network_interfaces import NetworkInterface

from labkit.mock.patch import patch

os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")


class Address(NamedTuple):
    """Where a task's network interface sits: what DescribeTasks shows in its attachment."""

    eni_id: str
    private_ip: str
    subnet_id: str
    availability_zone: str
    mac: str


def ec2_backend(account: str, region: str) -> Any:
    """moto's EC2 backend of one account and region."""
    return ec2_backends[account][region]


def find_subnet(ec2: Any, subnet_id: str) -> Any:
    """A subnet of moto's EC2 backend by id, or None."""
    for zone_subnets in ec2.subnets.values():
        if subnet_id in zone_subnets:
            return zone_subnets[subnet_id]
    return None


def dns_name(ip: str, region: str) -> str:
    """EC2's private DNS name for an address in `region`."""
    dashed = ip.replace(".", "-")
    return f"ip-{dashed}.ec2.internal" if region == "us-east-1" else f"ip-{dashed}.{region}.compute.internal"


def adopt_eni(account: str, region: str, eni_id: str, *, seed: str, attachment_arn: str) -> Address | None:
    """Give the interface moto made for a task an unused address in its subnet and AWS's description."""
    ec2 = ec2_backend(account, region)
    eni = ec2.enis.get(eni_id)
    if eni is None:
        return None
    network = ipaddress.IPv4Network(eni.subnet.cidr_block)
    used = {getattr(e, "private_ip_address", None) for e in ec2.enis.values()}
    rng = random.Random(seed)
    candidates = (str(network.network_address + rng.randrange(4, max(5, network.num_addresses - 1)))
                  for _ in range(64))
    ip = next((c for c in candidates if c not in used), str(network.network_address + 4))
    eni.private_ip_address = ip
    eni.private_ip_addresses = [{"Primary": True, "PrivateIpAddress": ip}]
    eni.private_dns_name = dns_name(ip, region)
    eni.description = attachment_arn
    eni.requester_managed = True
    eni.interface_type = "interface"
    return Address(eni.id, ip, eni.subnet.id, eni.subnet.availability_zone, eni.mac_address)


def delete_eni(account: str, region: str, eni_id: str) -> None:
    """Delete a stopped task's network interface (Fargate's DEPROVISIONING does)."""
    ec2_backend(account, region).enis.pop(eni_id, None)


# --- moto's gaps ------------------------------------------------------------------------------------------------
# With the layer off too (raw moto's RunTask in a DNS-less VPC is compared with labkit's), and not locked: an
# interface can be made inside moto's own backend lock, where waiting for the mock's lock could deadlock.
@patch(NetworkInterface.__init__, locked=False, always=True)
def network_interface(fn: Any, self: Any, *args: Any, **kwargs: Any) -> None:
    """A new interface starts with no DNS name (moto sets one only with DNS hostnames on)."""
    self.private_dns_name = None  # moto sets it only with DNS hostnames on; RunTask reads it either way
    fn(self, *args, **kwargs)


@patch(EC2Backend.delete_vpc)
def delete_vpc(fn: Any, self: Any, vpc_id: str) -> Any:
    """DeleteVpc, and its tags go with it."""
    result = fn(self, vpc_id)
    self.tags.pop(vpc_id, None)
    return result


@patch(EC2Backend.delete_subnet)
def delete_subnet(fn: Any, self: Any, subnet_id: str) -> Any:
    """DeleteSubnet, and its tags go with it."""
    result = fn(self, subnet_id)
    self.tags.pop(subnet_id, None)
    return result


@patch(EC2Backend.delete_route_table)
def delete_route_table(fn: Any, self: Any, route_table_id: str) -> None:
    """DeleteRouteTable, and its tags go with it."""
    fn(self, route_table_id)
    self.tags.pop(route_table_id, None)


@patch(EC2Backend.delete_internet_gateway)
def delete_internet_gateway(fn: Any, self: Any, internet_gateway_id: str) -> None:
    """DeleteInternetGateway, and its tags go with it."""
    fn(self, internet_gateway_id)
    self.tags.pop(internet_gateway_id, None)


@patch(EC2Backend.delete_security_group)
def delete_security_group(fn: Any, self: Any, name: str | None = None, group_id: str | None = None) -> None:
    """DeleteSecurityGroup (by id or by name), and its tags go with it."""
    fn(self, name=name, group_id=group_id)
    if group_id:
        self.tags.pop(group_id, None)
        return
    for gone in [r for r in self.tags if r.startswith("sg-") and self.get_security_group_from_id(r) is None]:
        self.tags.pop(gone, None)  # deleted by name: drop the tags of every group that no longer exists
