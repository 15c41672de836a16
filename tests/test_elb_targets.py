"""Load balancer targets through boto3: a service registers its tasks as they start, and drains them as they stop.

moto registers nothing for a service's `loadBalancers` and reports every target healthy at once; the simulated AWS
registers each task's private IP and container port at RUNNING, checks its health, and drains it for the target
group's deregistration delay (the task keeps running until then) before it leaves.
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.alb import health, make_alb, web_service


def _tasks(lab: Any, desired: str = "RUNNING") -> list[dict[str, Any]]:
    ecs = lab.client("ecs")
    arns = ecs.list_tasks(cluster="labkit", desiredStatus=desired)["taskArns"]
    return ecs.describe_tasks(cluster="labkit", tasks=arns)["tasks"] if arns else []


def _ip(task: dict[str, Any]) -> str:
    details = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}
    return details["privateIPv4Address"]


def test_a_services_tasks_register_at_running_and_go_healthy(lab, alb, register, net, task_servers) -> None:
    web_service(lab, net, register(), alb, count=2)
    assert health(lab, alb) == []  # nothing registered before the tasks run
    lab.clock.advance(36)  # RUNNING at 35 s
    assert health(lab, alb) == [("initial", "Elb.RegistrationInProgress")] * 2
    found = lab.client("elbv2").describe_target_health(TargetGroupArn=alb["tg"])["TargetHealthDescriptions"]
    assert sorted((d["Target"]["Id"], d["Target"]["Port"]) for d in found) == sorted(
        (_ip(t), 80) for t in _tasks(lab))
    lab.clock.advance(10)  # the first health check passes: a new target needs one
    assert health(lab, alb) == [("healthy", None)] * 2
    assert {path for _, path in task_servers.requests} == {"/health"}
    events = [e["message"] for e in lab.client("ecs").describe_services(cluster="labkit", services=["web"])[
        "services"][0]["events"]]
    assert sum(f"registered 1 targets in (target-group {alb['tg']})" in m for m in events) == 2


def test_a_stopped_tasks_target_drains_for_the_delay_then_leaves(lab, net, register, task_servers) -> None:
    alb = make_alb(lab, net, delay=60)
    web_service(lab, net, register(), alb, count=1)
    lab.clock.advance(60)
    (task,) = _tasks(lab)
    assert health(lab, alb) == [("healthy", None)]
    ecs = lab.client("ecs")
    ecs.stop_task(cluster="labkit", task=task["taskArn"], reason="testing")
    lab.clock.advance(30)
    drained = lab.client("elbv2").describe_target_health(TargetGroupArn=alb["tg"])["TargetHealthDescriptions"]
    assert ("draining", "Target.DeregistrationInProgress") in [
        (d["TargetHealth"]["State"], d["TargetHealth"]["Reason"]) for d in drained]
    stopping = ecs.describe_tasks(cluster="labkit", tasks=[task["taskArn"]])["tasks"][0]
    assert (stopping["desiredStatus"], stopping["lastStatus"]) == ("STOPPED", "RUNNING")  # waits for the delay
    lab.clock.advance(31)  # the delay (60 s) has passed
    assert _ip(task) not in [d["Target"]["Id"] for d in lab.client("elbv2").describe_target_health(
        TargetGroupArn=alb["tg"])["TargetHealthDescriptions"]]
    lab.clock.advance(30)
    assert ecs.describe_tasks(cluster="labkit", tasks=[task["taskArn"]])["tasks"][0]["lastStatus"] == "STOPPED"
    events = [e["message"] for e in ecs.describe_services(cluster="labkit", services=["web"])["services"][0]["events"]]
    assert any(f"deregistered 1 targets in (target-group {alb['tg']})" in m for m in events)


def test_targets_registered_by_hand_are_checked_and_drain(lab, alb, net, register, task_servers) -> None:
    ecs = lab.client("ecs")
    task = ecs.run_task(cluster="labkit", taskDefinition=register(), launchType="FARGATE",
                        networkConfiguration=net["awsvpc"])["tasks"][0]
    lab.clock.advance(40)
    ip = _ip(ecs.describe_tasks(cluster="labkit", tasks=[task["taskArn"]])["tasks"][0])
    elbv2 = lab.client("elbv2")
    elbv2.register_targets(TargetGroupArn=alb["tg"], Targets=[{"Id": ip, "Port": 80}])
    assert health(lab, alb) == [("initial", "Elb.RegistrationInProgress")]
    lab.clock.advance(10)
    assert health(lab, alb) == [("healthy", None)]
    elbv2.deregister_targets(TargetGroupArn=alb["tg"], Targets=[{"Id": ip, "Port": 80}])
    assert health(lab, alb) == [("draining", "Target.DeregistrationInProgress")]
    lab.clock.advance(300)  # the default deregistration delay
    assert health(lab, alb) == []


def test_a_target_group_no_listener_uses_shows_its_targets_unused(lab, net) -> None:
    elbv2 = lab.client("elbv2")
    tg = elbv2.create_target_group(Name="alone", Protocol="HTTP", Port=80, VpcId=net["vpc"],
                                   TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    elbv2.register_targets(TargetGroupArn=tg, Targets=[{"Id": "10.0.0.9", "Port": 80}])
    (found,) = elbv2.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert (found["TargetHealth"]["State"], found["TargetHealth"]["Reason"]) == ("unused", "Target.NotInUse")


@pytest.mark.parametrize(("change", "code", "words"), [
    ("instance", "InvalidParameterException",
     "has target type instance, which is incompatible with the awsvpc network mode specified in the task definition."),
    ("no listener", "InvalidParameterException", "does not have an associated load balancer."),
    ("container", "InvalidParameterException", "The container api does not exist in the task definition."),
    ("missing", "InvalidParameterException", "Unable to assume role and validate the specified targetGroupArn."),
])
def test_create_service_refuses_load_balancers_as_ecs_does(lab, net, register, change: str, code: str,
                                                            words: str) -> None:
    alb = make_alb(lab, net)
    elbv2 = lab.client("elbv2")
    target = {"targetGroupArn": alb["tg"], "containerName": "web", "containerPort": 80}
    if change == "instance":
        tg = elbv2.create_target_group(Name="inst", Protocol="HTTP", Port=80, VpcId=net["vpc"],
                                       TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
        elbv2.create_listener(LoadBalancerArn=alb["lb"], Protocol="HTTP", Port=8080,
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        target["targetGroupArn"] = tg
    elif change == "no listener":
        target["targetGroupArn"] = elbv2.create_target_group(
            Name="idle", Protocol="HTTP", Port=80, VpcId=net["vpc"], TargetType="ip")["TargetGroups"][0][
            "TargetGroupArn"]
    elif change == "container":
        target["containerName"] = "api"
    else:
        target["targetGroupArn"] = alb["tg"].replace("/web/", "/gone/")
    with pytest.raises(ClientError) as err:
        lab.client("ecs").create_service(cluster="labkit", serviceName="web", taskDefinition=register(),
                                         desiredCount=1, launchType="FARGATE", networkConfiguration=net["awsvpc"],
                                         loadBalancers=[target])
    assert err.value.response["Error"]["Code"] == code
    assert words in err.value.response["Error"]["Message"]


def test_a_listener_to_a_missing_target_group_is_awss_target_group_not_found(lab, alb) -> None:
    missing = alb["tg"].replace("/web/", "/gone/")
    with pytest.raises(ClientError) as err:
        lab.client("elbv2").create_listener(LoadBalancerArn=alb["lb"], Protocol="HTTP", Port=8080, DefaultActions=[
            {"Type": "forward", "TargetGroupArn": missing}])
    assert err.value.response["Error"]["Code"] == "TargetGroupNotFound"
    assert err.value.response["Error"]["Message"] == f"Target groups '{missing}' not found"


def test_boto3s_target_waiters_wait_in_simulated_time(lab, alb, net, register, task_servers) -> None:
    import time

    web_service(lab, net, register(), alb, count=1)
    lab.clock.advance(36)
    elbv2 = lab.client("elbv2")
    (target,) = [d["Target"] for d in elbv2.describe_target_health(TargetGroupArn=alb["tg"])[
        "TargetHealthDescriptions"]]
    started = time.perf_counter()
    elbv2.get_waiter("target_in_service").wait(TargetGroupArn=alb["tg"], Targets=[target])
    assert time.perf_counter() - started < 5  # 15 s polls spent on the simulated clock, not slept
    assert health(lab, alb) == [("healthy", None)]
