"""Application Auto Scaling that acts, through boto3: target tracking and step scaling change a service's desired
count as AWS does, scaling activities are listed, and the bill follows the tasks that ran.

moto creates a target-tracking policy's alarms with a threshold of 6.0, never evaluates them and never scales; it
has no DescribeScalingActivities.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.lab.session import Lab
from labkit.mock.clock import WallClock

DIMENSION = "ecs:service:DesiredCount"
RESOURCE = "service/labkit/web"


@pytest.fixture
def web(lab, net, register) -> dict[str, Any]:
    """A service "web" of one 0.5 vCPU / 1 GB task, scalable from 1 to 6 tasks."""
    td = register(cpu="512", memory="1024")
    lab.client("ecs").create_service(cluster="labkit", serviceName="web", taskDefinition=td, desiredCount=1,
                                     launchType="FARGATE", networkConfiguration=net["awsvpc"])
    lab.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION, MinCapacity=1, MaxCapacity=6)
    lab.clock.advance(60)
    return {"td": td}


def _track(lab: Any, target: float = 50.0, metric: str = "ECSServiceAverageCPUUtilization", **extra: Any) -> Any:
    config = {"TargetValue": target, "PredefinedMetricSpecification": {"PredefinedMetricType": metric}, **extra}
    return lab.client("application-autoscaling").put_scaling_policy(
        PolicyName="cpu50", ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration=config)


def _desired(lab: Any) -> int:
    return lab.client("ecs").describe_services(cluster="labkit", services=["web"])["services"][0]["desiredCount"]


def _minutes(lab: Any, n: int) -> list[int]:
    """Desired counts seen at the end of each of the next `n` simulated minutes."""
    seen = []
    for _ in range(n):
        lab.clock.advance(60)
        seen.append(_desired(lab))
    return seen


def _activities(lab: Any) -> list[dict[str, Any]]:
    return lab.client("application-autoscaling").describe_scaling_activities(
        ServiceNamespace="ecs", ResourceId=RESOURCE)["ScalingActivities"]


def test_a_service_under_load_scales_out_to_the_target_then_back_to_its_minimum(lab, web) -> None:
    _track(lab)
    lab.load("labkit", "web", vcpu=1.5)  # three tasks' worth of work for 0.5 vCPU tasks: 6 at 50%
    counts = _minutes(lab, 20)
    assert 5 <= counts[-1] <= 6 and max(counts) <= 6
    scaled_out = len(_activities(lab))
    lab.load("labkit", "web", vcpu=0)
    after = _minutes(lab, 60)
    assert after[-1] == 1
    assert after[13] > 1 and after[14] == 1  # scale-in waits for 15 minutes below the low alarm's threshold
    activities = _activities(lab)
    assert len(activities) > scaled_out
    newest, oldest = activities[0], activities[-1]
    assert newest["Description"] == "Setting desired count to 1."
    assert newest["StatusCode"] == "Successful"
    assert newest["StatusMessage"] == "Successfully set desired count to 1. Change successfully fulfilled by ecs."
    assert "-AlarmLow-" in newest["Cause"] and newest["Cause"].endswith("in state ALARM triggered policy cpu50")
    assert oldest["Description"] == "Setting desired count to 2." and "-AlarmHigh-" in oldest["Cause"]
    assert oldest["StartTime"] < newest["StartTime"]


def test_the_bill_follows_the_tasks_that_ran(lab, web) -> None:
    _track(lab)
    lab.load("labkit", "web", vcpu=1.5)
    _minutes(lab, 20)
    bill = lab.bill()
    assert len(bill.by_task()) == 6
    assert bill.by_service()["web"] == pytest.approx(bill.total)


def test_target_tracking_alarms_get_the_right_thresholds(lab, web) -> None:
    policy = _track(lab, target=60.0)
    names = [a["AlarmName"] for a in policy["Alarms"]]
    found = {a["AlarmName"]: a for a in lab.client("cloudwatch").describe_alarms(AlarmNames=names)["MetricAlarms"]}
    high = next(a for n, a in found.items() if "-AlarmHigh-" in n)
    low = next(a for n, a in found.items() if "-AlarmLow-" in n)
    assert (high["Threshold"], high["ComparisonOperator"], high["EvaluationPeriods"], high["Period"]) == (
        60.0, "GreaterThanThreshold", 3, 60)
    assert (low["Threshold"], low["ComparisonOperator"], low["EvaluationPeriods"]) == (54.0, "LessThanThreshold", 15)
    assert (high["Namespace"], high["MetricName"], high["Statistic"]) == ("AWS/ECS", "CPUUtilization", "Average")
    assert sorted((d["Name"], d["Value"]) for d in high["Dimensions"]) == [("ClusterName", "labkit"),
                                                                           ("ServiceName", "web")]
    assert high["StateValue"] == "INSUFFICIENT_DATA"  # as a new alarm on AWS


def test_a_policy_put_again_replaces_its_alarms_and_deregistering_deletes_them(lab, web) -> None:
    _track(lab)
    _track(lab, target=40.0)
    cloudwatch, aas = lab.client("cloudwatch"), lab.client("application-autoscaling")
    assert sorted(a["Threshold"] for a in cloudwatch.describe_alarms()["MetricAlarms"]) == [36.0, 40.0]
    aas.deregister_scalable_target(ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION)
    assert aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"] == []
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []


def test_a_policy_for_a_service_that_is_not_a_scalable_target_is_awss_error(lab, net, register) -> None:
    with pytest.raises(ClientError) as err:
        lab.client("application-autoscaling").put_scaling_policy(
            PolicyName="p", ServiceNamespace="ecs", ResourceId="service/labkit/nothing", ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration={"TargetValue": 50.0})
    assert err.value.response["Error"]["Code"] == "ObjectNotFoundException"
    assert err.value.response["Error"]["Message"] == (
        "No scalable target registered for service namespace: ecs, resource ID: service/labkit/nothing, "
        "scalable dimension: ecs:service:DesiredCount")


def test_disable_scale_in_keeps_the_capacity(lab, web) -> None:
    _track(lab, DisableScaleIn=True)
    lab.load("labkit", "web", vcpu=1.0)
    assert _minutes(lab, 10)[-1] == 4
    lab.load("labkit", "web", vcpu=0)
    assert _minutes(lab, 30)[-1] == 4


def test_step_scaling_with_the_learners_alarm_and_its_cooldown(lab, web) -> None:
    aas, cloudwatch = lab.client("application-autoscaling"), lab.client("cloudwatch")
    arn = aas.put_scaling_policy(
        PolicyName="step", ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
        PolicyType="StepScaling", StepScalingPolicyConfiguration={
            "AdjustmentType": "ChangeInCapacity", "Cooldown": 300, "MetricAggregationType": "Average",
            "StepAdjustments": [{"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]})["PolicyARN"]
    cloudwatch.put_metric_alarm(
        AlarmName="web-cpu-high", Namespace="AWS/ECS", MetricName="CPUUtilization", Statistic="Average",
        Dimensions=[{"Name": "ClusterName", "Value": "labkit"}, {"Name": "ServiceName", "Value": "web"}],
        Period=60, EvaluationPeriods=2, Threshold=70.0, ComparisonOperator="GreaterThanThreshold",
        AlarmActions=[arn])
    lab.load("labkit", "web", vcpu=5.0)  # far above what six tasks can do: the alarm stays in ALARM
    counts = _minutes(lab, 12)
    assert counts[:2] == [1, 2]  # two minutes above 70%: +1
    assert counts[2:6] == [2] * 4  # the cooldown (300 s): the same step again adds nothing
    assert counts[6] == 3 and counts[-1] == 4  # after each cooldown, +1 again
    causes = {a["Cause"] for a in _activities(lab)}
    assert causes == {"monitor alarm web-cpu-high in state ALARM triggered policy step"}


def test_request_count_per_target_tracking_scales_with_requests(lab, net, register, alb, task_servers) -> None:
    td = register(cpu="512", memory="1024")
    lab.client("ecs").create_service(
        cluster="labkit", serviceName="web", taskDefinition=td, desiredCount=1, launchType="FARGATE",
        networkConfiguration=net["awsvpc"],
        loadBalancers=[{"targetGroupArn": alb["tg"], "containerName": "web", "containerPort": 80}])
    aas = lab.client("application-autoscaling")
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=RESOURCE, ScalableDimension=DIMENSION,
                                 MinCapacity=1, MaxCapacity=4)
    label = alb["lb"].split(":loadbalancer/")[1] + "/" + alb["tg"].split(":")[-1]
    _track(lab, target=600.0, metric="ALBRequestCountPerTarget",
           PredefinedMetricSpecification={"PredefinedMetricType": "ALBRequestCountPerTarget", "ResourceLabel": label})
    lab.clock.advance(60)
    lab.load("labkit", "web", requests_per_second=30)  # 1800 a minute: three targets at 600
    assert _minutes(lab, 15)[-1] == 3


def test_load_refuses_what_it_cannot_use(lab, web) -> None:
    with pytest.raises(labkit.InvalidInput, match="no active service 'nope' in cluster 'labkit'"):
        lab.load("labkit", "nope", vcpu=1)
    with pytest.raises(labkit.InvalidInput, match="give a number, 0 or more"):
        lab.load("labkit", "web", vcpu=-1)
    shown = lab.load("labkit", "web", requests_per_second=5)
    assert (shown.vcpu, shown.requests_per_second) == (0.0, 5.0)
    assert str(shown) == ("service labkit/web receives 0 vCPU of work, 0 GB of memory in use and 5 requests per "
                          "second")


def test_real_mode_says_load_comes_from_real_clients() -> None:
    real = Lab(mode="real", region="us-east-1", lab_id="x", account_id="123456789012", clock=WallClock())
    with pytest.raises(labkit.InvalidInput, match="on AWS the load comes from real clients"):
        real.load("labkit", "web", vcpu=1)


def test_eighty_simulated_minutes_take_little_wall_time(lab, web) -> None:
    import time

    _track(lab)
    lab.load("labkit", "web", vcpu=1.5)
    started = time.perf_counter()
    lab.clock.advance(timedelta(minutes=80).total_seconds())
    assert time.perf_counter() - started < 3
    assert len(_activities(lab)) >= 3
