"""The task lifecycle on the simulated clock, the fields describe_tasks shows, awslogs lines, ENIs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from labkit.model import lifecycle

STATES = [(0, "PROVISIONING"), (10, "PENDING"), (30, "ACTIVATING"), (35, "RUNNING")]


@pytest.fixture
def one_task(lab, net, register):
    task = lab.client("ecs").run_task(cluster="labkit", taskDefinition=register(), launchType="FARGATE",
                                      networkConfiguration=net["awsvpc"])["tasks"][0]
    return task["taskArn"]


def _describe(lab, arn):
    return lab.client("ecs").describe_tasks(cluster="labkit", tasks=[arn])["tasks"][0]


def test_documented_timeline_matches_the_model():
    assert [(begins, name) for name, begins in lifecycle.START] == STATES
    drawn = re.sub(r" \([^)]*\)", "", " ".join(lifecycle.__doc__.split()))  # the docstring draws both tables
    for table in (lifecycle.START, lifecycle.STOP):
        assert " -> ".join(f"{name} {begins} s" for name, begins in table) in drawn


@pytest.mark.parametrize("elapsed,state", [(-1, "PROVISIONING"), (0, "PROVISIONING"), (9.9, "PROVISIONING"),
                                           (10, "PENDING"), (34, "ACTIVATING"), (35, "RUNNING"), (1e6, "RUNNING")])
def test_phase_is_the_last_state_begun(elapsed, state):
    assert lifecycle.phase(lifecycle.START, elapsed) == state


def test_start_walks_the_lifecycle_on_the_clock(lab, one_task):
    seen = []
    elapsed = 0
    for at, _ in STATES:
        lab.clock.advance(at - elapsed)
        elapsed = at
        seen.append(_describe(lab, one_task)["lastStatus"])
    assert seen == [name for _, name in STATES]


def test_describing_does_not_move_a_task(lab, one_task):
    lab.clock.advance(40)
    assert {_describe(lab, one_task)["lastStatus"] for _ in range(8)} == {"RUNNING"}


def test_running_task_has_fargate_fields(lab, net, one_task):
    lab.clock.advance(60)
    task = _describe(lab, one_task)
    created = task["createdAt"]
    assert task["pullStartedAt"] - created == timedelta(seconds=10)
    assert task["pullStoppedAt"] - created == timedelta(seconds=28)
    assert task["startedAt"] - created == timedelta(seconds=35)
    assert (task["cpu"], task["memory"], task["launchType"], task["platformVersion"], task["platformFamily"]) == (
        "256", "512", "FARGATE", "1.4.0", "Linux")
    assert task["connectivity"] == "CONNECTED" and task["desiredStatus"] == "RUNNING"
    assert task["availabilityZone"].startswith("us-east-1")
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    assert task["attachments"][0]["status"] == "ATTACHED" and details["subnetId"] in net["subnets"]
    subnet = lab.client("ec2").describe_subnets(SubnetIds=[details["subnetId"]])["Subnets"][0]
    assert subnet["AvailabilityZone"] == task["availabilityZone"]
    assert details["privateIPv4Address"].startswith(subnet["CidrBlock"].rsplit(".", 1)[0])
    assert task["containers"][0]["lastStatus"] == "RUNNING"
    assert len(task["taskArn"].rsplit("/", 1)[1]) == 32
    assert "stoppedAt" not in task


def test_stop_walks_down_and_releases_the_network_interface(lab, one_task):
    ecs = lab.client("ecs")
    lab.clock.advance(40)
    eni = {d["name"]: d["value"] for d in _describe(lab, one_task)["attachments"][0]["details"]}["networkInterfaceId"]
    ecs.stop_task(cluster="labkit", task=one_task, reason="done for today")
    seen = []
    for step in (0, 5, 5, 10):
        lab.clock.advance(step)
        seen.append(_describe(lab, one_task)["lastStatus"])
    assert seen == ["DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"]
    task = _describe(lab, one_task)
    assert (task["stopCode"], task["stoppedReason"], task["desiredStatus"]) == ("UserInitiated", "done for today",
                                                                                "STOPPED")
    assert task["stoppedAt"] - task["stoppingAt"] == timedelta(seconds=15)
    assert task["containers"][0]["lastStatus"] == "STOPPED" and task["containers"][0]["exitCode"] == 0
    enis = lab.client("ec2").describe_network_interfaces()["NetworkInterfaces"]
    assert eni not in [e["NetworkInterfaceId"] for e in enis]


def test_waiters_pass_in_simulated_time(lab, one_task):
    ecs = lab.client("ecs")
    ecs.get_waiter("tasks_running").wait(cluster="labkit", tasks=[one_task])
    assert lab.clock.elapsed == 36  # polls every 6 simulated seconds: RUNNING at 35 s is seen at 36 s
    ecs.stop_task(cluster="labkit", task=one_task)
    ecs.get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[one_task])
    assert _describe(lab, one_task)["lastStatus"] == "STOPPED"


def test_plain_boto3_client_waits_in_simulated_time(lab, one_task):
    """A learner's own boto3.client('ecs') in a mock kernel waits on the default account's clock."""
    import boto3

    if lab.account_id != "123456789012":
        pytest.skip("only the first lab of a process uses moto's default account")
    ecs = boto3.client("ecs", region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")
    ecs.get_waiter("tasks_running").wait(cluster="labkit", tasks=[one_task])
    assert _describe(lab, one_task)["lastStatus"] == "RUNNING"
