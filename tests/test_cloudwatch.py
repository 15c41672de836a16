"""CloudWatch in the simulated AWS, through boto3: the datapoints AWS publishes every minute, and alarms that change
state as AWS evaluates them (moto stores put_metric_data but publishes nothing, and its alarms never move)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.request import urlopen

from labkit.lab.balancers import load_balancer_url
from tests.alb import web_service

SERVICE = [{"Name": "ClusterName", "Value": "labkit"}, {"Name": "ServiceName", "Value": "web"}]


def _service(lab: Any, register: Any, net: Any, count: int = 2) -> None:
    lab.client("ecs").create_service(cluster="labkit", serviceName="web", taskDefinition=register(cpu="512",
                                     memory="1024"), desiredCount=count, launchType="FARGATE",
                                     networkConfiguration=net["awsvpc"])


def _stats(lab: Any, metric: str, minutes: int, namespace: str = "AWS/ECS", dims: Any = None,
           stat: str = "Average") -> list[float]:
    """The last `minutes` published datapoints (the minute under way has none yet)."""
    now = lab.clock.now()
    found = lab.client("cloudwatch").get_metric_statistics(
        Namespace=namespace, MetricName=metric, Dimensions=dims or SERVICE,
        StartTime=now - timedelta(minutes=minutes + 1), EndTime=now, Period=60, Statistics=[stat])["Datapoints"]
    return [d[stat] for d in sorted(found, key=lambda d: d["Timestamp"])][-minutes:]


def test_cpu_and_memory_every_minute_from_the_load(lab, net, register) -> None:
    _service(lab, register, net)
    lab.clock.advance(60)  # the tasks run
    lab.load("labkit", "web", vcpu=0.5, memory_gb=0.5)  # two 0.5 vCPU / 1 GB tasks: 50% CPU, 25% memory
    lab.clock.advance(5 * 60)
    assert _stats(lab, "CPUUtilization", 5) == [50.0] * 5
    assert _stats(lab, "MemoryUtilization", 5) == [25.0] * 5
    lab.load("labkit", "web", vcpu=4.0)  # more than two tasks can do: capped at 100%
    lab.clock.advance(120)
    assert _stats(lab, "CPUUtilization", 2) == [100.0, 100.0]
    now = lab.clock.now()
    data = lab.client("cloudwatch").get_metric_data(
        MetricDataQueries=[{"Id": "cpu", "MetricStat": {"Metric": {"Namespace": "AWS/ECS",
                                                                   "MetricName": "CPUUtilization",
                                                                   "Dimensions": SERVICE},
                                                        "Period": 60, "Stat": "Average"}}],
        StartTime=now - timedelta(minutes=8), EndTime=now, ScanBy="TimestampAscending")["MetricDataResults"][0]
    assert data["Values"][-7:] == [50.0] * 5 + [100.0] * 2


def test_no_running_task_no_datapoint_and_an_idle_service_at_zero(lab, net, register) -> None:
    _service(lab, register, net, count=1)
    lab.clock.advance(30)  # not running yet
    assert _stats(lab, "CPUUtilization", 1) == []
    lab.clock.advance(90)
    assert _stats(lab, "CPUUtilization", 1) == [0.0]


def test_request_count_per_target_counts_real_requests_and_the_load(lab, alb, net, register, task_servers) -> None:
    web_service(lab, net, register(), alb, count=2)
    lab.clock.advance(60)  # the tasks are healthy
    lab.clock.advance(60 - lab.clock.now().second)  # to a whole minute
    url = load_balancer_url(lab, "web")
    for _ in range(10):
        with urlopen(url) as answer:  # noqa: S310 - loopback only
            assert answer.status == 200
    lab.clock.advance(60)
    label = "targetgroup/" + alb["tg"].split(":targetgroup/")[1]
    dims = [{"Name": "TargetGroup", "Value": label}]
    assert _stats(lab, "RequestCountPerTarget", 1, "AWS/ApplicationELB", dims, "Sum") == [5.0]
    lab.load("labkit", "web", requests_per_second=2)
    lab.clock.advance(60)
    assert _stats(lab, "RequestCountPerTarget", 1, "AWS/ApplicationELB", dims, "Sum") == [60.0]


def test_an_alarm_starts_insufficient_then_follows_its_metric(lab, net, register) -> None:
    _service(lab, register, net, count=1)
    cloudwatch = lab.client("cloudwatch")
    cloudwatch.put_metric_alarm(AlarmName="busy", Namespace="AWS/ECS", MetricName="CPUUtilization", Dimensions=SERVICE,
                                Statistic="Average", Period=60, EvaluationPeriods=3, DatapointsToAlarm=2,
                                Threshold=80.0, ComparisonOperator="GreaterThanOrEqualToThreshold")

    def state() -> tuple[str, str]:
        alarm = cloudwatch.describe_alarms(AlarmNames=["busy"])["MetricAlarms"][0]
        return alarm["StateValue"], alarm["StateReason"]

    assert state()[0] == "INSUFFICIENT_DATA"
    lab.clock.advance(120)
    assert state()[0] == "OK"
    lab.load("labkit", "web", vcpu=0.5)
    lab.clock.advance(120)
    value, reason = state()
    assert value == "ALARM"
    assert reason.startswith("Threshold Crossed: 2 out of the last 3 datapoints [100.0 (")
    assert reason.endswith("were greater than or equal to the threshold (80.0).")
