"""Shared fixtures: no test may reach the network (loopback is fine), and a fresh mock lab per test."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkBlocked(OSError):
    """A test tried to open a connection to a non-loopback address."""


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX socket path
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost would need DNS: not allowed


def _guarded(real):  # noqa: ANN001, ANN202 - thin wrapper around socket methods
    def connect(self, address):  # noqa: ANN001, ANN202
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise NetworkBlocked(f"tests must not use the network: connect to {address!r} blocked")
        return real(self, address)
    return connect


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Block every outbound connection except loopback, for every test."""
    monkeypatch.setattr(socket.socket, "connect", _guarded(_real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded(_real_connect_ex))


@pytest.fixture(autouse=True)
def own_local_server_state(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """connect("local") must not find a `labkit server` of the machine (or of another test worker)."""
    monkeypatch.setenv("LABKIT_STATE_DIR", str(tmp_path_factory.getbasetemp() / "labkit-state"))
    monkeypatch.delenv("LABKIT_ENDPOINT", raising=False)


@pytest.fixture(autouse=True)
def first_hint_tier() -> None:
    """Each test starts with no missed attempts, so every hint shows its first tier (tests run in any order)."""
    import sys

    exercises = sys.modules.get("labkit.course.exercises")
    if exercises is not None:
        exercises.reset_hints()


@pytest.fixture(scope="session", autouse=True)
def no_task_process_left():
    """After the session, no labkit task process may be left: ours (after the runtime's exit cleanup, as at
    interpreter exit) nor any whose labkit process died (the reaper must have ended them)."""
    yield
    import sys
    import time

    registry = sys.modules.get("labkit.mock.runtime.registry")
    if registry is not None:
        registry.shutdown()
    from labkit.mock.runtime.process import owned_processes

    def left() -> list[dict]:
        return [p for p in owned_processes() if p["owner"] == os.getpid() or not _pid_alive(p["owner"])]

    deadline = time.monotonic() + 5
    while left() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left(), f"labkit task processes left running after the tests: {left()}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@pytest.fixture
def lab():
    """A fresh mock lab in its own account, torn down afterwards."""
    import labkit

    with labkit.connect("mock") as the_lab:
        yield the_lab


@pytest.fixture
def net(lab):
    """A VPC made with plain create_vpc (DNS hostnames off, as AWS's default), two private subnets in two AZs
    whose way out (for image pulls) is a NAT gateway in a third, public subnet."""
    ec2 = lab.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for i, zone in enumerate(zones)]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.100.0/24", AvailabilityZone=zones[0])["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_table, SubnetId=public)
    nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=ec2.allocate_address(Domain="vpc")["AllocationId"])
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
    ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0",
                     NatGatewayId=nat["NatGateway"]["NatGatewayId"])
    lab.client("ecs").create_cluster(clusterName="labkit", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    return {"vpc": vpc, "subnets": subnets, "awsvpc": {"awsvpcConfiguration": {"subnets": subnets}}}


@pytest.fixture
def register(lab):
    """register(family="web", **changes): a valid Fargate task definition through boto3; returns its ARN."""
    def make(family: str = "web", containers: list | None = None, **changes):
        request = {"family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                   "cpu": "256", "memory": "512",
                   "containerDefinitions": containers or [{"name": "web", "image": "nginx:1.27",
                                                           "portMappings": [{"containerPort": 80}]}]}
        request.update(changes)
        request = {k: v for k, v in request.items() if v is not None}
        return lab.client("ecs").register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
    return make


@pytest.fixture
def no_aws(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No AWS variables or files; the in-process mock (started first: it sets AWS variables of its own, which
    must come back after this test) answers what the CLI sends to AWS."""
    from labkit import mock

    mock.start()
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none-credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none-config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def task_servers(monkeypatch: pytest.MonkeyPatch):
    """Each task's container port answered by a tiny HTTP server on 127.0.0.1 (in place of the task runtime)."""
    from labkit.mock.elb import address
    from tests.alb import TaskServers

    servers = TaskServers()
    monkeypatch.setattr(address, "task_address", servers.address)
    yield servers
    servers.stop()


@pytest.fixture
def alb(lab, net):
    """An ALB with an ip target group (health checks on /health every 10 s, 2 to be healthy or unhealthy, a 20 s
    deregistration delay) and an HTTP listener on port 80, in the `net` fixture's subnets."""
    from tests.alb import make_alb

    return make_alb(lab, net, delay=20)
