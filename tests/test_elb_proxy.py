"""Real HTTP through the loopback listener: requests reach the service's healthy tasks round robin; 503 with none.

`labkit.lab.balancers.load_balancer_url` gives the address (lab.endpoint hands load balancers to it); each task's
port is a tiny HTTP server of the test's, answering "task <id>".
"""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from typing import Any

import pytest

import labkit
from labkit.lab.balancers import load_balancer_url
from tests.alb import web_service


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 - loopback only
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _task_ids(lab: Any) -> set[str]:
    return {a.split("/")[-1] for a in lab.client("ecs").list_tasks(cluster="labkit", desiredStatus="RUNNING")[
        "taskArns"]}


def test_ten_requests_are_answered_by_the_services_tasks_round_robin(lab, alb, net, register, task_servers) -> None:
    web_service(lab, net, register(), alb, count=2)
    lab.clock.advance(60)
    url = load_balancer_url(lab, alb["dns"])
    assert url is not None and url.startswith("http://127.0.0.1:")
    answers = [_get(url + "/") for _ in range(10)]
    assert {code for code, _ in answers} == {200}
    bodies = [body for _, body in answers]
    assert {b.removeprefix("task ") for b in bodies} == _task_ids(lab)
    assert bodies[0::2] == [bodies[0]] * 5 and bodies[1::2] == [bodies[1]] * 5  # round robin over the two
    assert load_balancer_url(lab, alb["lb"]) == url == load_balancer_url(lab, "web")  # ARN, name, DNS name


def test_503_without_a_target_in_service_and_502_when_the_target_does_not_answer(lab, alb, net, register) -> None:
    url = load_balancer_url(lab, "web")
    assert _get(url)[0] == 503  # nothing registered
    idle = [{"name": "web", "image": "busybox:1.36", "portMappings": [{"containerPort": 80}]}]
    web_service(lab, net, register(containers=idle), alb, count=1, healthCheckGracePeriodSeconds=600)
    lab.clock.advance(40)
    assert _get(url)[0] == 503  # registered, not yet checked: not in service
    lab.clock.advance(30)  # busybox's stand-in idles and listens on no port: unhealthy, and the load balancer
    # fails open to its unhealthy target, which does not answer
    code, body = _get(url)
    assert code == 502 and "502 Bad Gateway" in body


def test_requests_stop_when_the_service_scales_to_zero(lab, alb, net, register, task_servers) -> None:
    web_service(lab, net, register(), alb, count=1)
    lab.clock.advance(60)
    url = load_balancer_url(lab, "web")
    assert _get(url)[0] == 200
    lab.client("ecs").update_service(cluster="labkit", service="web", desiredCount=0)
    assert _get(url)[0] == 503  # the target drains: no new requests


def test_the_listener_stops_with_its_load_balancer_and_listens_on_loopback_only(lab, alb) -> None:
    url = load_balancer_url(lab, "web")
    port = int(url.rsplit(":", 1)[1])
    lab.client("elbv2").delete_load_balancer(LoadBalancerArn=alb["lb"])
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_teardown_stops_the_listener(net_free_lab_port: None = None) -> None:
    import labkit as kit

    lab = kit.connect("mock")
    ec2 = lab.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.1.{i}.0/24", AvailabilityZone=z)["Subnet"]["SubnetId"]
               for i, z in enumerate(zones)]
    elbv2 = lab.client("elbv2")
    lb = elbv2.create_load_balancer(Name="gone", Subnets=subnets)["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="gone", Protocol="HTTP", Port=80, VpcId=vpc, TargetType="ip")[
        "TargetGroups"][0]
    elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])
    port = int(load_balancer_url(lab, "gone").rsplit(":", 1)[1])
    report = lab.teardown()
    assert report.counts()["load balancer"] == 1 and report.counts()["listener"] == 1
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_a_load_balancer_without_listener_has_no_url_and_an_unknown_one_is_refused(lab, net) -> None:
    lab.client("elbv2").create_load_balancer(Name="bare", Subnets=net["subnets"])
    assert load_balancer_url(lab, "bare") is None
    with pytest.raises(labkit.InvalidInput, match="no load balancer 'nope' in this lab"):
        load_balancer_url(lab, "nope")
