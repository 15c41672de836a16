"""Local mode's server: loopback only, control API, AWS answers (not HTTP 500s), quiet, found by connect."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.errors import InvalidInput, LabkitError
from labkit.lab import local
from labkit.mock import server

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def running():
    handle = server.start_server(0)
    yield handle
    handle.stop()


def test_listens_on_loopback_and_unpacks_as_url_and_stop(running):
    url, stop = running
    assert url.startswith("http://127.0.0.1:") and callable(stop)
    assert local.HttpControl(url).ping()


def test_port_in_use_names_a_free_port(running):
    port = int(running.url.rsplit(":", 1)[1])
    assert server.port_in_use(port)
    with pytest.raises(LabkitError, match=r"in use.*--port \d+"):
        server.start_server(port)


def test_stop_frees_the_port():
    url, stop = server.start_server(0)
    stop()
    assert not server.port_in_use(int(url.rsplit(":", 1)[1]))


def test_control_api_refuses_bad_requests_with_invalid_input(running):
    control = local.HttpControl(running.url)
    with pytest.raises(InvalidInput, match="unknown"):
        control.call("fly")
    with pytest.raises(InvalidInput, match="12-digit"):
        control.call("clock", account_id="12")


def test_moto_server_answers_aws_errors_not_500s(running, capfd):
    lab = labkit.connect("local", endpoint_url=running.url)
    try:
        ecs = lab.client("ecs")
        ecs.create_cluster(clusterName="labkit")
        with pytest.raises(ClientError) as caught:
            ecs.stop_task(cluster="labkit", task="0123456789abcdef0123456789abcdef")
        assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
        assert caught.value.response["ResponseMetadata"]["RetryAttempts"] == 0
    finally:
        lab.teardown()
    assert capfd.readouterr().err == ""  # werkzeug's access log and tracebacks are silenced


def test_local_lab_clock_and_isolation(running):
    a = labkit.connect("local", endpoint_url=running.url)
    b = labkit.connect("local", endpoint_url=running.url)
    try:
        assert a.account_id != b.account_id
        a.client("ecs").create_cluster(clusterName="only-a")
        assert b.client("ecs").list_clusters()["clusterArns"] == []
        before = a.clock.now()
        assert (a.clock.advance(120) - before).total_seconds() == 120
    finally:
        a.teardown()
        b.teardown()


def test_create_service_over_http_keeps_what_moto_drops(running):
    """The request is parsed on a server thread and decided in the backend: no parameter lost on the way."""
    lab = labkit.connect("local", endpoint_url=running.url)
    try:
        ec2, ecs = lab.client("ec2"), lab.client("ecs")
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
        ecs.create_cluster(clusterName="labkit", capacityProviders=["FARGATE", "FARGATE_SPOT"])
        td = ecs.register_task_definition(
            family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "web", "image": "nginx:1.27"}])["taskDefinition"]["taskDefinitionArn"]
        strategy = [{"capacityProvider": "FARGATE_SPOT", "weight": 1, "base": 0}]
        created = ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=td, desiredCount=1,
                                     capacityProviderStrategy=strategy,
                                     deploymentConfiguration={"minimumHealthyPercent": 50},
                                     networkConfiguration={"awsvpcConfiguration": {"subnets": [subnet]}})["service"]
        assert "launchType" not in created and created["capacityProviderStrategy"] == strategy
        assert created["deploymentConfiguration"]["minimumHealthyPercent"] == 50
    finally:
        lab.teardown()


def test_endpoint_from_environment_must_answer(monkeypatch):
    monkeypatch.setenv(local.ENDPOINT_ENV, f"http://127.0.0.1:{server.free_port()}")
    with pytest.raises(LabkitError, match="labkit server"):
        labkit.connect("local")


def test_state_file_of_a_running_server_is_found(running, tmp_path, monkeypatch):
    monkeypatch.setenv(server.STATE_DIR_ENV, str(tmp_path))
    monkeypatch.delenv(local.ENDPOINT_ENV, raising=False)
    server._write_state(running.url)
    assert local.find_endpoint() == running.url


def test_cli_server_prints_endpoint_writes_state_and_stops_on_ctrl_c(tmp_path):
    env = {**os.environ, server.STATE_DIR_ENV: str(tmp_path), "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "labkit.cli", "server", "--port", "0"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        url = None
        for line in proc.stdout:
            if "listening on " in line:
                url = line.split("listening on ", 1)[1].split()[0]
                break
        assert url and url.startswith("http://127.0.0.1:")
        assert urllib.request.urlopen(f"{url}/labkit/v1/ping", data=b"{}").status == 200  # noqa: S310
        state = tmp_path / "server.json"
        deadline = time.monotonic() + 30
        while not state.exists() and time.monotonic() < deadline:  # written just after the banner
            time.sleep(0.05)
        assert json.loads(state.read_text())["url"] == url
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=20)
    assert proc.returncode == 0
    assert not (tmp_path / "server.json").exists()


WAITING_CLIENT = """
import sys
import botocore.exceptions
import labkit
from labkit import mock

lab = labkit.connect("local", endpoint_url=sys.argv[1])
ecs = lab.client("ecs")
ecs.create_cluster(clusterName="w")
before = lab.clock.elapsed
try:  # no such task: the waiter polls twice, the wait between them is an hour
    ecs.get_waiter("tasks_stopped").wait(cluster="w", tasks=["nope"], WaiterConfig={"Delay": 3600, "MaxAttempts": 2})
except botocore.exceptions.WaiterError:
    pass
print(int(lab.clock.elapsed - before), mock.in_process())
lab.teardown()
"""


def test_a_lab_in_another_process_than_its_server_waits_in_simulated_time(running):
    """A notebook using a separate `labkit server` (no in-process mock): its waiters jump the clock, never sleep."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Without simulated waiting this would sleep an hour: the timeout turns that into a failure.
    done = subprocess.run([sys.executable, "-c", WAITING_CLIENT, running.url], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    advanced, in_process = done.stdout.split()
    assert in_process == "False" and int(advanced) >= 3600


def test_local_mode_sets_load_and_gives_a_load_balancers_loopback_url(running):
    """lab.load and load_balancer_url reach the server's simulated AWS through its control API."""
    from datetime import timedelta

    from labkit import deploy
    from labkit.lab.balancers import load_balancer_url

    lab = labkit.connect("local", endpoint_url=running.url)
    try:
        ecs, elbv2 = lab.client("ecs"), lab.client("elbv2")
        network = deploy.ensure_network(lab)  # public subnets: the image can be pulled
        subnets = list(network.subnet_ids)
        ecs.create_cluster(clusterName="labkit")
        td = ecs.register_task_definition(
            family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="512", memory="1024",
            containerDefinitions=[{"name": "web", "image": "nginx:1.27"}])["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=td, desiredCount=1,
                           launchType="FARGATE", networkConfiguration=network.awsvpc())
        shown = lab.load("labkit", "web", vcpu=0.25)
        assert (shown.vcpu, shown.service) == (0.25, "web")
        with pytest.raises(InvalidInput, match="no active service 'nope'"):
            lab.load("labkit", "nope", vcpu=1)
        lab.clock.advance(180)
        now = lab.clock.now()
        points = lab.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/ECS", MetricName="CPUUtilization", StartTime=now - timedelta(minutes=2), EndTime=now,
            Period=60, Statistics=["Average"], Dimensions=[{"Name": "ClusterName", "Value": "labkit"},
                                                           {"Name": "ServiceName", "Value": "web"}])["Datapoints"]
        assert points and {p["Average"] for p in points} == {50.0}
        elbv2.create_load_balancer(Name="web", Subnets=subnets)
        assert load_balancer_url(lab, "web") is None  # no listener yet
    finally:
        lab.teardown()
