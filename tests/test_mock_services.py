"""Services that really schedule tasks: counts, deployments, strategies, Spot interruptions."""

from __future__ import annotations


def _service(lab, name="web"):
    return lab.client("ecs").describe_services(cluster="labkit", services=[name])["services"][0]


def _tasks(lab, **filters):
    ecs = lab.client("ecs")
    arns = ecs.list_tasks(cluster="labkit", **filters)["taskArns"]
    return ecs.describe_tasks(cluster="labkit", tasks=arns)["tasks"] if arns else []


def _create(lab, net, td, desired=3, **extra):
    args = {"cluster": "labkit", "serviceName": "web", "taskDefinition": td, "desiredCount": desired,
            "networkConfiguration": net["awsvpc"]}
    args.update(extra or {"launchType": "FARGATE"})
    return lab.client("ecs").create_service(**args)["service"]


def _stable(lab, name="web"):
    lab.client("ecs").get_waiter("services_stable").wait(cluster="labkit", services=[name])


def test_service_starts_its_tasks_and_counts_follow_the_lifecycle(lab, net, register):
    created = _create(lab, net, register())
    assert (created["runningCount"], created["pendingCount"], created["launchType"]) == (0, 3, "FARGATE")
    lab.clock.advance(20)
    assert (_service(lab)["runningCount"], _service(lab)["pendingCount"]) == (0, 3)
    lab.clock.advance(20)
    svc = _service(lab)
    assert (svc["runningCount"], svc["pendingCount"]) == (3, 0)
    assert svc["deployments"][0]["rolloutState"] == "COMPLETED"
    assert svc["events"][0]["message"] == "(service web) has reached a steady state."
    tasks = _tasks(lab, serviceName="web")
    deployment = svc["deployments"][0]["id"]
    assert {(t["group"], t["startedBy"]) for t in tasks} == {("service:web", deployment)}
    assert deployment.startswith("ecs-svc/")
    assert len({t["availabilityZone"] for t in tasks}) == 2  # spread over both subnets


def test_scale_up_and_down(lab, net, register):
    _create(lab, net, register())
    _stable(lab)
    ecs = lab.client("ecs")
    ecs.update_service(cluster="labkit", service="web", desiredCount=5)
    assert _service(lab)["pendingCount"] == 2
    _stable(lab)
    assert len(_tasks(lab, serviceName="web")) == 5
    ecs.update_service(cluster="labkit", service="web", desiredCount=1)
    _stable(lab)
    assert _service(lab)["runningCount"] == 1
    stopped = _tasks(lab, serviceName="web", desiredStatus="STOPPED")
    assert len(stopped) == 4 and {t["stopCode"] for t in stopped} == {"ServiceSchedulerInitiated"}


def test_new_task_definition_rolls_a_deployment(lab, net, register):
    first = register()
    _create(lab, net, first, desired=2)
    _stable(lab)
    old_tasks = {t["taskArn"] for t in _tasks(lab, serviceName="web")}
    second = register(memory="1024")
    lab.client("ecs").update_service(cluster="labkit", service="web", taskDefinition=second)
    svc = _service(lab)
    assert [(d["status"], d["taskDefinition"]) for d in svc["deployments"]] == [("PRIMARY", second),
                                                                              ("ACTIVE", first)]
    assert svc["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    assert svc["runningCount"] == 2  # the old tasks serve until the new ones run
    _stable(lab)
    svc = _service(lab)
    assert len(svc["deployments"]) == 1 and svc["taskDefinition"] == second
    now_running = _tasks(lab, serviceName="web")
    assert {t["taskDefinitionArn"] for t in now_running} == {second}
    assert old_tasks.isdisjoint({t["taskArn"] for t in now_running})


STRATEGY = [{"capacityProvider": "FARGATE", "base": 1, "weight": 1},
            {"capacityProvider": "FARGATE_SPOT", "weight": 3}]


def test_service_keeps_its_capacity_provider_strategy(lab, net, register):
    created = _create(lab, net, register(), desired=5, capacityProviderStrategy=STRATEGY)
    assert "launchType" not in created
    assert created["capacityProviderStrategy"] == STRATEGY
    _stable(lab)
    providers = sorted(t["capacityProviderName"] for t in _tasks(lab, serviceName="web"))
    assert providers == ["FARGATE", "FARGATE", "FARGATE_SPOT", "FARGATE_SPOT", "FARGATE_SPOT"]
    assert {t["launchType"] for t in _tasks(lab, serviceName="web")} == {"FARGATE"}


def test_service_keeps_its_deployment_configuration(lab, net, register):
    """moto's CreateService parser drops deploymentConfiguration; the layer's parser hands it to the backend."""
    created = _create(lab, net, register(), launchType="FARGATE",
                      deploymentConfiguration={"minimumHealthyPercent": 50, "maximumPercent": 150})
    described = _service(lab)["deploymentConfiguration"]
    assert created["deploymentConfiguration"] == described
    assert (described["minimumHealthyPercent"], described["maximumPercent"]) == (50, 150)
    assert described["deploymentCircuitBreaker"] == {"enable": False, "rollback": False}  # AWS's default kept


def test_service_without_deployment_configuration_shows_aws_defaults(lab, net, register):
    _create(lab, net, register())
    described = _service(lab)["deploymentConfiguration"]
    assert (described["minimumHealthyPercent"], described["maximumPercent"]) == (100, 200)


def test_delete_service_stops_its_tasks(lab, net, register):
    _create(lab, net, register(), desired=2)
    _stable(lab)
    ecs = lab.client("ecs")
    ecs.update_service(cluster="labkit", service="web", desiredCount=0)
    ecs.delete_service(cluster="labkit", service="web")
    assert _tasks(lab) == []
    assert ecs.list_services(cluster="labkit")["serviceArns"] == []


def test_stopped_service_task_is_replaced(lab, net, register):
    _create(lab, net, register(), desired=1)
    _stable(lab)
    [task] = _tasks(lab, serviceName="web")
    lab.client("ecs").stop_task(cluster="labkit", task=task["taskArn"])
    [replacement] = _tasks(lab, serviceName="web")
    assert replacement["taskArn"] != task["taskArn"]


def test_cluster_counts(lab, net, register):
    _create(lab, net, register(), desired=2)
    _stable(lab)
    cluster = lab.client("ecs").describe_clusters(clusters=["labkit"])["clusters"][0]
    assert (cluster["runningTasksCount"], cluster["pendingTasksCount"], cluster["activeServicesCount"]) == (2, 0, 1)
