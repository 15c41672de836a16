"""Target health from real HTTP health checks on the simulated clock, through boto3, and ECS acting on it.

Each task's port is a tiny HTTP server of the test's (`task_servers`); the target group checks /health every 10 s,
2 failures make a target unhealthy, 2 passes bring it back (a new target needs one). The reason codes are AWS's
(ELB API Reference, TargetHealth).
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from labkit.mock.elb import probe
from tests.alb import health, web_service


def _service(lab: Any) -> dict[str, Any]:
    return lab.client("ecs").describe_services(cluster="labkit", services=["web"])["services"][0]


def _descriptions(lab: Any, alb: dict[str, str]) -> list[tuple[str, str | None, str | None]]:
    found = lab.client("elbv2").describe_target_health(TargetGroupArn=alb["tg"])["TargetHealthDescriptions"]
    return sorted((d["TargetHealth"]["State"], d["TargetHealth"].get("Reason"), d["TargetHealth"].get("Description"))
                  for d in found)


def test_a_failing_target_goes_unhealthy_and_its_task_is_replaced(lab, alb, net, register, task_servers) -> None:
    task_servers.default_code = 500
    web_service(lab, net, register(), alb, count=1)
    lab.clock.advance(36)
    first = lab.client("ecs").list_tasks(cluster="labkit")["taskArns"]
    lab.clock.advance(10)  # one failing check: still initial
    assert health(lab, alb) == [("initial", "Elb.InitialHealthChecking")]
    lab.clock.advance(10)  # two in a row: unhealthy, and ECS stops the task, whose target drains
    assert health(lab, alb) == [("draining", "Target.DeregistrationInProgress")]
    task = lab.client("ecs").describe_tasks(cluster="labkit", tasks=first)["tasks"][0]
    assert task["desiredStatus"] == "STOPPED"
    assert task["stoppedReason"] == f"Task failed ELB health checks in (target-group {alb['tg']})"
    assert task["stopCode"] == "ServiceSchedulerInitiated"
    events = [e["message"] for e in _service(lab)["events"]]
    assert any(m == f"(service web) (task {first[0].split('/')[-1]}) (port 80) is unhealthy in (target-group "
                    f"{alb['tg']}) due to (reason Health checks failed with these codes: [500])." for m in events)
    lab.clock.advance(1)
    running = lab.client("ecs").list_tasks(cluster="labkit", desiredStatus="RUNNING")["taskArns"]
    assert len(running) == 1 and running != first  # the service started a replacement


def test_the_grace_period_holds_ecs_back(lab, alb, net, register, task_servers) -> None:
    task_servers.default_code = 503
    web_service(lab, net, register(), alb, count=1, healthCheckGracePeriodSeconds=120)
    assert _service(lab)["healthCheckGracePeriodSeconds"] == 120
    lab.clock.advance(60)  # RUNNING at 35 s, unhealthy at 55 s
    assert health(lab, alb) == [("unhealthy", "Target.ResponseCodeMismatch")]
    assert lab.client("ecs").list_tasks(cluster="labkit", desiredStatus="STOPPED")["taskArns"] == []
    lab.clock.advance(100)  # 35 + 120 = 155 s: the grace period is over
    stopped = lab.client("ecs").list_tasks(cluster="labkit", desiredStatus="STOPPED")["taskArns"]
    assert len(stopped) == 1


def test_no_process_on_the_port_fails_the_checks(lab, alb, net, register) -> None:
    web_service(lab, net, register(), alb, count=1, healthCheckGracePeriodSeconds=600)
    lab.clock.advance(60)  # without the task runtime no task answers
    assert _descriptions(lab, alb) == [("unhealthy", "Target.FailedHealthChecks", "Health checks failed")]


def test_a_check_that_times_out_is_target_timeout(lab, alb, net, register, task_servers, monkeypatch) -> None:
    monkeypatch.setattr(probe, "WALL_TIMEOUT", 0.2)
    slow = task_servers.address

    def hanging(account: str, task_arn: str, port: int) -> tuple[str, int]:
        import socket

        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)  # accepts, never answers
        hanging.sockets.append(server)
        return server.getsockname()

    hanging.sockets = []
    monkeypatch.setattr("labkit.mock.elb.address.task_address", hanging)
    web_service(lab, net, register(), alb, count=1, healthCheckGracePeriodSeconds=600)
    started = time.perf_counter()
    lab.clock.advance(60)
    assert time.perf_counter() - started < 5
    assert _descriptions(lab, alb) == [("unhealthy", "Target.Timeout", "Request timed out")]
    for server in hanging.sockets:
        server.close()
    assert slow is not None


def test_an_hour_at_once_probes_each_target_once(lab, alb, net, register, task_servers) -> None:
    web_service(lab, net, register(), alb, count=2)
    lab.clock.advance(60)
    before = len(task_servers.requests)
    lab.clock.advance(3600)  # 360 checks each, one request each
    assert len(task_servers.requests) - before == 2
    assert health(lab, alb) == [("healthy", None)] * 2


def test_an_unhealthy_target_comes_back_after_the_healthy_threshold(lab, alb, net, register, task_servers) -> None:
    ecs = lab.client("ecs")
    task = ecs.run_task(cluster="labkit", taskDefinition=register(), launchType="FARGATE",
                        networkConfiguration=net["awsvpc"])["tasks"][0]
    lab.clock.advance(40)
    details = ecs.describe_tasks(cluster="labkit", tasks=[task["taskArn"]])["tasks"][0]["attachments"][0]["details"]
    ip = next(d["value"] for d in details if d["name"] == "privateIPv4Address")
    lab.client("elbv2").register_targets(TargetGroupArn=alb["tg"], Targets=[{"Id": ip, "Port": 80}])
    task_servers.default_code = 404
    lab.clock.advance(20)
    assert health(lab, alb) == [("unhealthy", "Target.ResponseCodeMismatch")]
    task_servers.default_code = 200
    lab.clock.advance(10)  # one pass is not enough for an unhealthy target
    assert health(lab, alb) == [("unhealthy", "Target.ResponseCodeMismatch")]
    lab.clock.advance(10)
    assert health(lab, alb) == [("healthy", None)]


@pytest.mark.parametrize(("matcher", "code", "healthy"), [("200-299", 204, True), ("200,302", 302, True),
                                                          ("200", 302, False)])
def test_the_matcher_decides_which_codes_pass(lab, net, register, task_servers, matcher: str, code: int,
                                              healthy: bool) -> None:
    from tests.alb import make_alb

    alb = make_alb(lab, net)
    lab.client("elbv2").modify_target_group(TargetGroupArn=alb["tg"], Matcher={"HttpCode": matcher})
    task_servers.default_code = code
    web_service(lab, net, register(), alb, count=1, healthCheckGracePeriodSeconds=600)
    lab.clock.advance(60)
    assert health(lab, alb)[0][0] == ("healthy" if healthy else "unhealthy")
