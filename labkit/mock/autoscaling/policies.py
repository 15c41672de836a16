"""Scaling policies as Application Auto Scaling makes them: refused without a scalable target, alarms with the right
thresholds, and cleaned up with what they belong to.

- PutScalingPolicy for a resource that is not a registered scalable target: ObjectNotFoundException, "No scalable
  target registered for service namespace: ecs, resource ID: ..., scalable dimension: ..." (moto accepts it).
- A target-tracking policy's two alarms: AlarmHigh (metric > target for 3 datapoints within 3 minutes) and AlarmLow
  (metric < 90% of the target for 15 datapoints within 15 minutes; `labkit.model.scaling.tracking_thresholds`),
  on the metric the policy tracks: AWS/ECS CPUUtilization or MemoryUtilization of the service (Average), AWS/
  ApplicationELB RequestCountPerTarget of the target group named by ResourceLabel (Sum), or the customized metric.
  moto gives both a threshold of 6.0 whatever the target value.
- A policy put again replaces its alarms (moto leaves the old ones behind); deregistering a scalable target deletes
  its policies and their alarms, as AWS does.
"""

from __future__ import annotations

from typing import Any

from moto.applicationautoscaling.models import ApplicationAutoscalingBackend as Backend
from moto.applicationautoscaling.models import FakeApplicationAutoscalingPolicy as Policy
from moto.cloudwatch.models import cloudwatch_backends
from moto.core.exceptions import JsonRESTError
from moto.moto_api._internal import mock_random

from labkit.mock.patch import patch
from labkit.model.scaling import tracking_settings, tracking_thresholds

PREDEFINED = {
    "ECSServiceAverageCPUUtilization": ("AWS/ECS", "CPUUtilization", "Average", "Percent"),
    "ECSServiceAverageMemoryUtilization": ("AWS/ECS", "MemoryUtilization", "Average", "Percent"),
    "ALBRequestCountPerTarget": ("AWS/ApplicationELB", "RequestCountPerTarget", "Sum", None),
}


def not_registered(namespace: str, resource_id: str, dimension: str) -> Exception:
    """AWS's ObjectNotFoundException for a policy (or action) on a resource that is not a scalable target."""
    return JsonRESTError("ObjectNotFoundException", f"No scalable target registered for service namespace: "
                         f"{namespace}, resource ID: {resource_id}, scalable dimension: {dimension}")


def _metric(policy: Any) -> tuple[str, str, str, str | None, list[dict[str, str]]]:
    """(namespace, metric, statistic, unit, dimensions) a target-tracking policy tracks."""
    config = policy.target_tracking_scaling_policy_configuration or {}
    custom = config.get("CustomizedMetricSpecification")
    if custom:
        dims = [{"Name": d["Name"], "Value": d["Value"]} for d in custom.get("Dimensions") or []]
        return (custom.get("Namespace", ""), custom.get("MetricName", ""), custom.get("Statistic", "Average"),
                custom.get("Unit"), dims)
    spec = config.get("PredefinedMetricSpecification") or {}
    namespace, name, stat, unit = PREDEFINED.get(spec.get("PredefinedMetricType", ""),
                                                 PREDEFINED["ECSServiceAverageCPUUtilization"])
    if namespace == "AWS/ECS":
        _, cluster, service = (policy.resource_id.split("/") + ["", ""])[:3]
        return namespace, name, stat, unit, [{"Name": "ClusterName", "Value": cluster},
                                             {"Name": "ServiceName", "Value": service}]
    label = str(spec.get("ResourceLabel") or "")
    group = label[label.index("targetgroup/"):] if "targetgroup/" in label else label
    return namespace, name, stat, unit, [{"Name": "TargetGroup", "Value": group}]


@patch(Policy._generate_ecs_alarms)
def generate_ecs_alarms(fn: Any, self: Any) -> list[Any]:
    """The high and low alarms of an ECS service's target-tracking policy, at the thresholds AWS sets."""
    cloudwatch = cloudwatch_backends[self.account_id][self.region_name]
    shape = tracking_settings()["target_tracking"]
    config = self.target_tracking_scaling_policy_configuration or {}
    high, low = tracking_thresholds(float(config.get("TargetValue", 0)))
    namespace, name, stat, unit, dims = _metric(self)
    action = f"{self.policy_arn}:createdBy/{mock_random.uuid4()}"
    made = []
    for word, threshold, operator, periods in (("AlarmHigh", high, "GreaterThanThreshold", "high_alarm_datapoints"),
                                               ("AlarmLow", low, "LessThanThreshold", "low_alarm_datapoints")):
        made.append(cloudwatch.put_metric_alarm(
            name=f"TargetTracking-{self.resource_id}-{word}-{mock_random.uuid4()}", namespace=namespace,
            metric_name=name, metric_data_queries=[], comparison_operator=operator,
            evaluation_periods=int(shape[periods]), datapoints_to_alarm=int(shape[periods]),
            period=int(shape["period_seconds"]), threshold=threshold, statistic=stat, unit=unit,
            description=f"DO NOT EDIT OR DELETE. For TargetTrackingScaling policy {action}.", dimensions=dims,
            alarm_actions=[action]))
    return made


@patch(Backend.put_scaling_policy)
def put_scaling_policy(fn: Any, self: Any, policy_name: str, service_namespace: str, resource_id: str,
                       scalable_dimension: str, policy_body: dict[str, Any], policy_type: str | None) -> Any:
    """PutScalingPolicy: only on a registered scalable target; a policy put again replaces its alarms."""
    if not self._scalable_target_exists(resource_id, scalable_dimension):
        raise not_registered(service_namespace, resource_id, scalable_dimension)
    key = Policy.formulate_key(service_namespace, resource_id, scalable_dimension, policy_name)
    before = self.policies.get(key)
    if before is not None:
        before.delete_alarms(self.account_id, self.region_name)
    return fn(self, policy_name, service_namespace, resource_id, scalable_dimension, policy_body, policy_type)


@patch(Backend.deregister_scalable_target)
def deregister_scalable_target(fn: Any, self: Any, namespace: str, r_id: str, dimension: str) -> None:
    """DeregisterScalableTarget: its scaling policies and their alarms go with it."""
    fn(self, namespace, r_id, dimension)
    for key, policy in list(self.policies.items()):
        if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (namespace, r_id, dimension):
            policy.delete_alarms(self.account_id, self.region_name)
            del self.policies[key]
