"""EC2's teardown: the lab's network, parts before the VPC: security groups, route tables, subnets, internet
gateways, then VPCs. What is in a lab's VPC goes with it, even untagged (the default security group and the main
route table excepted: they go with the VPC)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from labkit.lab.listing import paginate
from labkit.lab.teardown_steps.run import Run

#: TagSpecifications resource type -> the kind teardown reports (the row's tagging names the same types)
KIND_OF_TYPE = {"vpc": "VPC", "subnet": "subnet", "security-group": "security group", "route-table": "route table",
                "internet-gateway": "internet gateway"}


@dataclass
class _Network:
    """The lab's network parts by kind, and what was already described of them (to act on directly)."""

    ids: dict[str, set[str]]
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)
    gateways: dict[str, dict[str, Any]] = field(default_factory=dict)


def remove(ec2: Any, run: Run) -> None:
    """Security groups, route tables, subnets, internet gateways, VPCs of the lab."""
    net = _tagged(ec2, run)
    net.ids["VPC"] |= run.recorded.get("VPC", set())
    if net.ids["VPC"]:
        _inside(ec2, net)
    for kind, ids in net.ids.items():
        ids |= run.recorded.get(kind, set())
    for sg in sorted(net.ids["security group"]):
        run.attempt("security group", sg, lambda g=sg: ec2.delete_security_group(GroupId=g))
    for rtb in sorted(net.ids["route table"]):
        run.attempt("route table", rtb, lambda r=rtb: _drop_route_table(ec2, net, r))
    for subnet in sorted(net.ids["subnet"]):
        run.attempt("subnet", subnet, lambda s=subnet: ec2.delete_subnet(SubnetId=s))
    for igw in sorted(net.ids["internet gateway"]):
        run.attempt("internet gateway", igw, lambda i=igw: _drop_gateway(ec2, net, i))
    for vpc in sorted(net.ids["VPC"]):
        run.attempt("VPC", vpc, lambda v=vpc: ec2.delete_vpc(VpcId=v))


def _tagged(ec2: Any, run: Run) -> _Network:
    """The lab's network parts by kind, from one DescribeTags listing instead of one Describe per kind."""
    key, value = run.tag
    found: dict[str, set[str]] = {kind: set() for kind in KIND_OF_TYPE.values()}
    for row in paginate(ec2, "describe_tags", "Tags", Filters=[
            {"Name": "key", "Values": [key]}, {"Name": "value", "Values": [value]},
            {"Name": "resource-type", "Values": sorted(KIND_OF_TYPE)}]):
        kind = KIND_OF_TYPE.get(row.get("ResourceType", ""))
        if kind is not None and row.get("Key") == key and row.get("Value") == value:
            found[kind].add(row["ResourceId"])
    return _Network(found)


def _inside(ec2: Any, net: _Network) -> None:
    """Add what is in the lab's VPCs: their security groups (not the default), subnets, route tables (not the
    main one) and attached internet gateways."""
    vpcs = sorted(net.ids["VPC"])
    in_vpcs = [{"Name": "vpc-id", "Values": vpcs}]
    net.ids["security group"] |= {g["GroupId"] for g in paginate(ec2, "describe_security_groups", "SecurityGroups",
                                                                 Filters=in_vpcs) if g.get("GroupName") != "default"}
    net.ids["subnet"] |= {s["SubnetId"] for s in paginate(ec2, "describe_subnets", "Subnets", Filters=in_vpcs)}
    net.tables = {r["RouteTableId"]: r for r in paginate(ec2, "describe_route_tables", "RouteTables",
                                                          Filters=in_vpcs)}
    net.ids["route table"] |= {r for r, t in net.tables.items()
                               if not any(a.get("Main") for a in t.get("Associations", []))}
    net.gateways = {i["InternetGatewayId"]: i for i in paginate(
        ec2, "describe_internet_gateways", "InternetGateways", Filters=[{"Name": "attachment.vpc-id", "Values": vpcs}])}
    net.ids["internet gateway"] |= set(net.gateways)


def _drop_route_table(ec2: Any, net: _Network, table_id: str) -> None:
    table = net.tables.get(table_id) or ec2.describe_route_tables(RouteTableIds=[table_id])["RouteTables"][0]
    for assoc in table.get("Associations", []):
        if not assoc.get("Main") and assoc.get("RouteTableAssociationId"):
            ec2.disassociate_route_table(AssociationId=assoc["RouteTableAssociationId"])
    ec2.delete_route_table(RouteTableId=table_id)


def _drop_gateway(ec2: Any, net: _Network, gateway_id: str) -> None:
    gw = net.gateways.get(gateway_id) or ec2.describe_internet_gateways(
        InternetGatewayIds=[gateway_id])["InternetGateways"][0]
    for att in gw.get("Attachments", []):
        ec2.detach_internet_gateway(InternetGatewayId=gateway_id, VpcId=att["VpcId"])
    ec2.delete_internet_gateway(InternetGatewayId=gateway_id)
