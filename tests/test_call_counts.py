"""labkit's helpers ask AWS less (teardown, bills, task roles) and still give the same answers.

Calls are counted with a botocore event hook on the lab's clients (deterministic), never timed.
"""

from __future__ import annotations

from collections import Counter

import pytest

import labkit
from labkit import deploy, pricing
from tests.test_teardown import EXPECTED, build, fresh_clients

#: a typical lab's teardown (tests.test_teardown.build: network, image, task definition, a service of 2 tasks and
#: a one-off task) asks this many calls at most; it was 46 before the deletes and describes it no longer needs
TYPICAL_TEARDOWN_CEILING = 43


def counting(lab) -> Counter:
    """Count every call the lab's clients (those it has now) make from here on, by operation."""
    seen: Counter = Counter()
    for client in lab._clients.values():
        client.meta.events.register("before-call", lambda model, **_: seen.update([model.name]))
    return seen


def left_behind(lab) -> dict[str, int]:
    from labkit.lab.teardown import teardown_by_tag

    return teardown_by_tag(fresh_clients(lab), lab.id, dry_run=True).counts()


def _x86_then_arm(lab, net, register):
    ecs = lab.client("ecs")
    x86 = register("job", runtimePlatform={"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"})
    ecs.run_task(cluster="labkit", taskDefinition=x86, launchType="FARGATE", networkConfiguration=net["awsvpc"])
    return ecs, x86


def test_a_typical_teardown_stays_under_its_call_ceiling_and_removes_the_same(lab):
    build(lab)
    calls = counting(lab)
    report = lab.teardown()
    assert report.ok and report.counts() == EXPECTED
    assert sum(calls.values()) <= TYPICAL_TEARDOWN_CEILING, calls
    # a forced delete needs no scale to 0 first; the task definition the lab registered needs no describe
    assert calls["UpdateService"] == 0 and calls["DescribeTaskDefinition"] == 0
    # the service's two tasks were told to stop by its forced delete: only the one-off task needs StopTask
    assert calls["DeleteService"] == 1 and calls["StopTask"] == 1
    assert left_behind(lab) == {}


def test_a_task_definition_a_learner_registers_is_removed_without_reading_its_tags(lab, register):
    arns = [register("web"), register("web"), register("job")]
    calls = counting(lab)
    report = lab.teardown()
    assert report.counts() == {"task definition": 3}
    assert calls["DescribeTaskDefinition"] == 0 and calls["DeregisterTaskDefinition"] == 3
    left = fresh_clients(lab)("ecs")
    assert [left.list_task_definitions(status=s)["taskDefinitionArns"] for s in ("ACTIVE", "INACTIVE")] == [[], []]
    assert len(set(arns)) == 3


def test_teardown_of_a_lab_that_used_autoscaling_removes_the_alarms_it_made(lab, net, register):
    ecs, aas = lab.client("ecs"), lab.client("application-autoscaling")
    ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=register(), desiredCount=1,
                       launchType="FARGATE", networkConfiguration=net["awsvpc"])
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId="service/labkit/web",
                                 ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=4)
    metric = {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}
    aas.put_scaling_policy(PolicyName="cpu50", ServiceNamespace="ecs", ResourceId="service/labkit/web",
                           ScalableDimension="ecs:service:DesiredCount", PolicyType="TargetTrackingScaling",
                           TargetTrackingScalingPolicyConfiguration={"TargetValue": 50.0,
                                                                     "PredefinedMetricSpecification": metric})
    watcher = fresh_clients(lab)("cloudwatch")  # the lab itself never made a CloudWatch client
    assert watcher.describe_alarms()["MetricAlarms"], "target tracking makes its alarms"
    report = lab.teardown()
    assert report.ok and report.counts()["scaling policy"] == 1 and report.counts()["scalable target"] == 1
    assert watcher.describe_alarms()["MetricAlarms"] == []


def test_a_bill_asks_for_a_task_definitions_platform_once(lab, net, register):
    _x86_then_arm(lab, net, register)
    lab.clock.advance(120)
    first = lab.bill()
    calls = counting(lab)
    again = lab.bill()
    assert calls["DescribeTaskDefinition"] == 0
    assert again.total == pytest.approx(first.total)


def test_a_bill_describes_a_stopped_task_once_and_prices_it_the_same(lab, net, register):
    """A stopped task never changes: later bills price it from what the lab saw, and describe only the others."""
    ecs, _ = _x86_then_arm(lab, net, register)
    lab.clock.advance(120)
    [task] = lab.bill().charges
    ecs.stop_task(cluster="labkit", task=task.task_arn)
    lab.clock.advance(60)
    stopped = lab.bill()
    ecs.run_task(cluster="labkit", taskDefinition=task.task_definition, launchType="FARGATE",
                 networkConfiguration=net["awsvpc"])
    lab.clock.advance(600)
    calls = counting(lab)
    described: list[str] = []
    lab.client("ecs").meta.events.register(
        "provide-client-params.ecs.DescribeTasks", lambda params, **_: described.extend(params["tasks"]))
    later = lab.bill()
    assert calls["DescribeTasks"] == 1 and task.task_arn not in described and len(described) == 1
    [then] = [c for c in later.charges if c.task_arn == task.task_arn]
    assert then == stopped.charges[0] and not then.running and len(later.charges) == 2


def test_a_bill_after_a_family_is_registered_again_prices_the_new_platform(lab, net, register):
    ecs, x86 = _x86_then_arm(lab, net, register)
    lab.clock.advance(120)
    [before] = lab.bill().charges
    assert before.cost == pytest.approx(pricing.fargate_cost(0.25, 0.5, before.seconds).total)
    ecs.stop_task(cluster="labkit", task=before.task_arn)
    lab.clock.advance(60)
    ecs.deregister_task_definition(taskDefinition=x86)
    ecs.delete_task_definitions(taskDefinitions=[x86])
    lab.clock.advance(3600)  # the stopped task is gone from the listing; only the new one is billed
    arm = register("job", runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"})
    assert arm == x86, "moto gives the deleted revision's ARN to the next one: the bill must not remember it"
    ecs.run_task(cluster="labkit", taskDefinition=arm, launchType="FARGATE", networkConfiguration=net["awsvpc"])
    lab.clock.advance(120)
    [now] = [c for c in lab.bill().charges if c.running]
    assert now.cost == pytest.approx(pricing.fargate_cost(0.25, 0.5, now.seconds, arch="ARM64").total)
    assert now.cost < pricing.fargate_cost(0.25, 0.5, now.seconds).total


def test_a_bill_remembers_nothing_after_teardown_or_in_a_shared_account(lab):
    lab.remembered("platform")["x"] = ("X86_64", "LINUX")
    lab.teardown()
    assert lab.remembered("platform") == {}
    with labkit.connect(shared_account=True) as shared:
        shared.remembered("platform")["x"] = ("X86_64", "LINUX")
        assert shared.remembered("platform") == {}


def test_task_roles_are_asked_of_iam_once_and_made_again_after_a_delete(lab):
    first = deploy.ensure_roles(lab)
    calls = counting(lab)
    assert deploy.ensure_roles(lab) == first and calls["GetRole"] == 0
    iam = lab.client("iam")
    iam.detach_role_policy(RoleName=first.execution_role_name,
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
    iam.delete_role(RoleName=first.execution_role_name)
    again = deploy.ensure_roles(lab)
    assert iam.get_role(RoleName=again.execution_role_name)["Role"]["Arn"] == again.execution_role_arn
    assert calls["CreateRole"] == 1


def test_a_shared_account_labs_teardown_leaves_another_labs_task_definitions():
    request = {"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "256",
               "memory": "512", "containerDefinitions": [{"name": "web", "image": "nginx:1.27"}]}
    with labkit.connect(shared_account=True) as mine, labkit.connect(shared_account=True) as theirs:
        mine.client("ecs").register_task_definition(**request)
        kept = theirs.client("ecs").register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]
        assert mine.teardown().counts() == {"task definition": 1}
        status = theirs.client("ecs").describe_task_definition(taskDefinition=kept)["taskDefinition"]["status"]
        assert status == "ACTIVE"
