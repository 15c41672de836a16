"""Rolling deployments through boto3: minimumHealthyPercent and maximumPercent honoured, health awaited, and the
deployment circuit breaker with its rollback (labkit.mock.ecs.deployments)."""

from __future__ import annotations

from typing import Any

from tests.alb import web_service


def _describe(lab: Any, name: str = "web") -> dict[str, Any]:
    return lab.client("ecs").describe_services(cluster="labkit", services=[name])["services"][0]


def _live(lab: Any) -> list[dict[str, Any]]:
    ecs = lab.client("ecs")
    arns = ecs.list_tasks(cluster="labkit", desiredStatus="RUNNING")["taskArns"]
    return ecs.describe_tasks(cluster="labkit", tasks=arns)["tasks"] if arns else []


def _revisions(tasks: list[dict[str, Any]]) -> list[str]:
    return sorted(t["taskDefinitionArn"].rsplit(":", 1)[1] for t in tasks)


def test_min_50_max_100_replaces_half_at_a_time(lab, net, register) -> None:
    v1, v2 = register(), register(cpu="512", memory="1024")
    ecs = lab.client("ecs")
    ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=v1, desiredCount=4, launchType="FARGATE",
                       networkConfiguration=net["awsvpc"],
                       deploymentConfiguration={"minimumHealthyPercent": 50, "maximumPercent": 100})
    lab.clock.advance(60)
    ecs.update_service(cluster="labkit", service="web", taskDefinition=v2)
    assert _revisions(_live(lab)) == ["1", "1", "2", "2"]  # two old stopped first: never more than 4 tasks
    lab.clock.advance(20)
    assert _revisions(_live(lab)) == ["1", "1", "2", "2"]  # the new ones are not running yet: 2 healthy kept
    lab.clock.advance(20)  # the new two run: the last old two go, two more new start
    assert _revisions(_live(lab)) == ["2", "2", "2", "2"]
    lab.clock.advance(60)
    service = _describe(lab)
    assert [d["rolloutState"] for d in service["deployments"]] == ["COMPLETED"]
    assert service["runningCount"] == 4


def test_defaults_start_every_new_task_then_stop_the_old_when_they_run(lab, net, register) -> None:
    v1, v2 = register(), register(cpu="512", memory="1024")
    ecs = lab.client("ecs")
    ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=v1, desiredCount=2, launchType="FARGATE",
                       networkConfiguration=net["awsvpc"])
    lab.clock.advance(60)
    ecs.update_service(cluster="labkit", service="web", taskDefinition=v2)
    assert _revisions(_live(lab)) == ["1", "1", "2", "2"]
    lab.clock.advance(600)  # one jump: the old tasks still stopped when the new ones ran, at 35 s
    old = ecs.list_tasks(cluster="labkit", desiredStatus="STOPPED")["taskArns"]
    stopped = ecs.describe_tasks(cluster="labkit", tasks=old)["tasks"]
    started = [t["startedAt"] for t in _live(lab)]
    assert {t["stoppingAt"] for t in stopped} and max(started) <= min(t["stoppingAt"] for t in stopped)


def test_behind_a_load_balancer_old_tasks_wait_for_the_new_targets_health(lab, alb, net, register,
                                                                          task_servers) -> None:
    v1, v2 = register(), register(cpu="512", memory="1024")
    web_service(lab, net, v1, alb, count=1)
    lab.clock.advance(60)
    lab.client("ecs").update_service(cluster="labkit", service="web", taskDefinition=v2)
    lab.clock.advance(40)  # the new task runs (35 s) but its target is not healthy yet (first check at 45 s)
    assert _revisions(_live(lab)) == ["1", "2"]
    lab.clock.advance(10)
    assert _revisions(_live(lab)) == ["2"]


def _failing_update(lab: Any, alb: dict[str, str], net: Any, register: Any, task_servers: Any,
                    rollback: bool) -> tuple[str, str]:
    v1, v2 = register(), register(cpu="512", memory="1024")
    web_service(lab, net, v1, alb, count=2, deploymentConfiguration={
        "deploymentCircuitBreaker": {"enable": True, "rollback": rollback}})
    lab.clock.advance(60)
    first = _describe(lab)["deployments"][0]["id"]
    for task in _live(lab):
        task_servers.codes[task["taskArn"]] = 200
    task_servers.default_code = 500  # every task of the new revision fails its health checks
    lab.client("ecs").update_service(cluster="labkit", service="web", taskDefinition=v2)
    return first, v1


def test_the_circuit_breaker_rolls_back_to_the_last_completed_deployment(lab, alb, net, register,
                                                                         task_servers) -> None:
    first, v1 = _failing_update(lab, alb, net, register, task_servers, rollback=True)
    lab.clock.advance(150)  # two rounds of new tasks failed: 4 >= 3, the breaker trips
    rolling = _describe(lab)["deployments"][0]
    assert rolling["rolloutStateReason"] == f"ECS deployment circuit breaker: rolling back to deployment {first}."
    task_servers.default_code = 200  # the rollback's tasks (revision 1) answer
    lab.clock.advance(600)
    service = _describe(lab)
    events = [e["message"] for e in service["events"]]
    assert any(m.endswith("deployment failed: tasks failed to start.") for m in events)
    assert any(m.endswith(f"rolling back to deployment {first}.") for m in events)
    (primary,) = service["deployments"]  # the failed one is gone with its tasks
    assert (primary["taskDefinition"], primary["rolloutState"]) == (v1, "COMPLETED")
    assert service["taskDefinition"] == v1
    assert _revisions(_live(lab)) == ["1", "1"]


def test_without_rollback_the_failed_deployment_launches_no_more(lab, alb, net, register, task_servers) -> None:
    _failing_update(lab, alb, net, register, task_servers, rollback=False)
    lab.clock.advance(600)
    service = _describe(lab)
    failed = service["deployments"][0]
    assert (failed["rolloutState"], failed["rolloutStateReason"]) == (
        "FAILED", "ECS deployment circuit breaker: tasks failed to start.")
    assert failed["failedTasks"] >= 3
    launched = len(lab.client("ecs").list_tasks(cluster="labkit", desiredStatus="STOPPED")["taskArns"])
    lab.clock.advance(600)
    assert len(lab.client("ecs").list_tasks(cluster="labkit", desiredStatus="STOPPED")["taskArns"]) == launched
    assert _revisions(_live(lab)) == ["1", "1"]  # the old tasks were never given up
