"""A service and its broken tasks: a crash is replaced and counted in failedTasks, the deployment circuit breaker
fails a deployment and rolls it back, a failing container health check makes a task UNHEALTHY and replaced."""

from __future__ import annotations

import pytest

from labkit.data import facts
from labkit.model.scaling import circuit_breaker_threshold as threshold
from tests.runtime_kit import describe, push_app, register

SERVER = """
import http.server, os
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status = 200 if self.path == "/health" and os.environ.get("SICK") != "yes" else 500
        self.send_response(status if self.path == "/health" else 200)
        self.end_headers()
print("up", flush=True)
http.server.ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
"""
CRASH = "import sys\nprint('boom', flush=True)\nsys.exit(2)\n"


def _service(lab, name="web"):
    return lab.client("ecs").describe_services(cluster="labkit", services=[name])["services"][0]


def _create(lab, net, td, name="web", desired=1, **extra):
    lab.client("ecs").create_service(cluster="labkit", serviceName=name, taskDefinition=td, desiredCount=desired,
                                     launchType="FARGATE", networkConfiguration=net["awsvpc"], **extra)


def _stopped(lab, name="web"):
    ecs = lab.client("ecs")
    arns = ecs.list_tasks(cluster="labkit", serviceName=name, desiredStatus="STOPPED")["taskArns"]
    return ecs.describe_tasks(cluster="labkit", tasks=arns)["tasks"] if arns else []


def test_a_crashing_task_is_replaced_and_counted_as_failed(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "c", CRASH)
    _create(lab, net, register(lab, image.uri, family="web"))
    lab.clock.advance(40)  # the first task runs, crashes
    lab.clock.advance(40)  # its replacement runs, crashes
    stopped = _stopped(lab)
    assert len(stopped) >= 2
    assert {(t["stopCode"], t["containers"][0]["exitCode"]) for t in stopped} == {("EssentialContainerExited", 2)}
    svc = _service(lab)
    [deployment] = svc["deployments"]
    assert deployment["failedTasks"] == len(stopped) and deployment["rolloutState"] == "IN_PROGRESS"
    assert svc["desiredCount"] == 1 and svc["runningCount"] + svc["pendingCount"] == 1  # the scheduler keeps trying


def test_the_circuit_breaker_fails_a_deployment_and_rolls_back(lab, net, tmp_path):
    good = register(lab, push_app(lab, tmp_path / "g", SERVER, name="good").uri, family="web", port=8080)
    _create(lab, net, good, desired=2, deploymentConfiguration={
        "deploymentCircuitBreaker": {"enable": True, "rollback": True}})
    ecs = lab.client("ecs")
    ecs.get_waiter("services_stable").wait(cluster="labkit", services=["web"])
    good_deployment = _service(lab)["deployments"][0]["id"]
    bad = register(lab, push_app(lab, tmp_path / "b", CRASH, name="bad").uri, family="web", port=8080)
    ecs.update_service(cluster="labkit", service="web", taskDefinition=bad)
    bad_deployment = _service(lab)["deployments"][0]["id"]
    for _ in range(8):
        lab.clock.advance(40)
    svc = _service(lab)
    words = facts()["autoscaling"]["circuit_breaker"]
    messages = [e["message"] for e in svc["events"]]
    assert words["event_failed"].format(service="web", deployment=bad_deployment) in messages
    primary = next(d for d in svc["deployments"] if d["status"] == "PRIMARY")
    assert words["event_rollback"].format(service="web", deployment=primary["id"], target=good_deployment) in messages
    assert svc["taskDefinition"] == primary["taskDefinition"] == good
    assert len(_stopped(lab)) >= threshold(2) == 3
    ecs.get_waiter("services_stable").wait(cluster="labkit", services=["web"])
    running = ecs.describe_tasks(cluster="labkit", tasks=ecs.list_tasks(cluster="labkit", serviceName="web")[
        "taskArns"])["tasks"]
    assert {t["taskDefinitionArn"] for t in running} == {good}


def test_the_circuit_breaker_without_rollback_stops_starting_tasks(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "c", CRASH)
    _create(lab, net, register(lab, image.uri, family="web"), desired=2, deploymentConfiguration={
        "deploymentCircuitBreaker": {"enable": True, "rollback": False}})
    for _ in range(6):
        lab.clock.advance(40)
    [deployment] = _service(lab)["deployments"]
    words = facts()["autoscaling"]["circuit_breaker"]
    assert (deployment["rolloutState"], deployment["rolloutStateReason"]) == ("FAILED", words["rollout_state_reason"])
    assert deployment["failedTasks"] >= threshold(2)
    tried = len(_stopped(lab))
    lab.clock.advance(120)
    assert len(_stopped(lab)) == tried and _service(lab)["runningCount"] == 0  # no more tasks started


def test_without_the_circuit_breaker_a_failing_deployment_keeps_trying(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "c", CRASH)
    _create(lab, net, register(lab, image.uri, family="web"), desired=1)
    for _ in range(6):
        lab.clock.advance(40)
    [deployment] = _service(lab)["deployments"]
    assert deployment["rolloutState"] == "IN_PROGRESS" and deployment["failedTasks"] >= 3


def _health(lab, net, tmp_path, sick: str, **check):
    image = push_app(lab, tmp_path / "h", SERVER)
    health = {"command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"], "interval": 10,
              "retries": 2, **check}
    td = register(lab, image.uri, family="web", port=8080, healthCheck=health,
                  environment=[{"name": "SICK", "value": sick}])
    _create(lab, net, td)
    lab.clock.advance(40)
    return lab.client("ecs").list_tasks(cluster="labkit", serviceName="web")["taskArns"][0]


def test_a_passing_health_check_makes_the_task_healthy(lab, net, tmp_path):
    arn = _health(lab, net, tmp_path, sick="no")
    assert describe(lab, arn)["healthStatus"] == "UNKNOWN"  # no check has run yet
    lab.clock.advance(10)
    task = describe(lab, arn)
    assert task["healthStatus"] == "HEALTHY" and task["containers"][0]["healthStatus"] == "HEALTHY"


def test_a_failing_health_check_makes_the_task_unhealthy_and_replaced(lab, net, tmp_path):
    arn = _health(lab, net, tmp_path, sick="yes")
    lab.clock.advance(10)
    assert describe(lab, arn)["healthStatus"] == "UNKNOWN"  # one failure of two
    lab.clock.advance(10)
    task = describe(lab, arn)
    words = facts()["runtime"]["health_check"]
    assert task["healthStatus"] == "UNHEALTHY" and task["desiredStatus"] == "STOPPED"
    assert (task["stopCode"], task["stoppedReason"]) == (words["stop_code"], words["stopped_reason"])
    events = [e["message"] for e in _service(lab)["events"]]
    assert words["event"].format(service="web", task=arn.rsplit("/", 1)[1]) in events
    ecs = lab.client("ecs")
    live = ecs.list_tasks(cluster="labkit", serviceName="web")["taskArns"]
    assert len(live) == 1 and live[0] != arn  # its replacement
    assert _service(lab)["deployments"][0]["failedTasks"] == 1


def test_failures_in_the_start_period_do_not_count(lab, net, tmp_path):
    arn = _health(lab, net, tmp_path, sick="yes", startPeriod=60)
    lab.clock.advance(40)
    assert describe(lab, arn)["healthStatus"] == "UNKNOWN"
    lab.clock.advance(40)
    assert describe(lab, arn)["healthStatus"] == "UNHEALTHY"


def test_a_python_health_check_command_sees_the_task_ports(lab, net, tmp_path):
    code = "import urllib.request; urllib.request.urlopen('http://localhost:8080/health'); print('ok')"
    arn = _health(lab, net, tmp_path, sick="no", command=["CMD", "python", "-c", code])  # runs as a process
    lab.clock.advance(10)
    assert describe(lab, arn)["healthStatus"] == "HEALTHY"


URLOPEN = "import urllib.request; urllib.request.urlopen('http://localhost:8080/health')"


@pytest.mark.parametrize(("sick", "status"), [("no", "HEALTHY"), ("yes", "UNHEALTHY")])
def test_a_urlopen_only_python_check_is_probed_in_process_with_the_same_result(lab, net, tmp_path, monkeypatch,
                                                                                 sick, status):
    from labkit.mock.runtime import health

    def no_process(*args, **kwargs):
        raise AssertionError("a urlopen-only check must not start a process")

    monkeypatch.setattr(health.subprocess, "run", no_process)
    arn = _health(lab, net, tmp_path, sick=sick, command=["CMD", "python", "-c", URLOPEN])
    lab.clock.advance(20)
    assert describe(lab, arn)["healthStatus"] == status


@pytest.mark.parametrize(("code", "url"), [
    (URLOPEN, "http://localhost:8080/health"),
    ("import urllib.request\nurllib.request.urlopen('http://localhost:80/', timeout=2).read()", "http://localhost:80/"),
    ("urllib.request.urlopen('http://localhost:80/')", None),  # NameError on AWS: not the same as a probe
    (URLOPEN + "; import os; os._exit(0)", None),  # does more than open a URL
])
def test_which_python_checks_are_only_a_url(code, url):
    from labkit.mock.runtime.health import _python_urlopen

    assert _python_urlopen(["python3", "-c", code]) == url
