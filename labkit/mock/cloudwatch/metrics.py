"""The metrics AWS publishes every minute, from the work each service receives (`lab.load`).

A service's load (vCPU of work, GB of memory in use, requests per second) is kept per account until it is changed
or the account ends. Every simulated minute (`publish`, called by `labkit.mock.timeline` at each whole minute):

- AWS/ECS CPUUtilization and MemoryUtilization, dimensions ClusterName and ServiceName, unit Percent: the work
  spread evenly over the tasks RUNNING (and still desired) at the minute's end, each task's share of its own size,
  capped at 100%, averaged over the tasks (`labkit.model.scaling.average_utilisation`). No running task, no datapoint.
- AWS/ApplicationELB RequestCountPerTarget, dimension TargetGroup, Sum per minute: the
  requests the target group received in the minute, from the services' `requests_per_second` and the real requests
  the loopback listener forwarded, divided by its healthy targets. No healthy target, no datapoint.

A datapoint is stamped with the start of its minute, as CloudWatch does. They go into moto's own store, so
GetMetricStatistics and GetMetricData read them as they read `put_metric_data`'s.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from moto.cloudwatch.models import MetricDatum
from moto.ecs.models import ecs_backends

from labkit.errors import InvalidInput
from labkit.mock.accounts import when_account_ends
from labkit.mock.ecs.tasks import life
from labkit.mock.elb import traffic
from labkit.mock.elb.targets import in_use, targets_of
from labkit.model.scaling import Load, average_utilisation
from labkit.model.units import gb, vcpu

MINUTE = timedelta(minutes=1)


_loads: dict[tuple[str, str, str, str], Load] = {}


def _amount(value: Any, name: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 or value != value:
        raise InvalidInput(f"load {name}={value!r}: give a number, 0 or more (for example {name}=1.5).")
    return float(value)


def set_load(account: str, region: str, cluster: str, service: str, *, vcpu: float | None = None,
             memory_gb: float | None = None, requests_per_second: float | None = None) -> Load:
    """Set the work `service` receives from now on; what is not given stays as it was (0 at first)."""
    cluster, service = str(cluster).split("/")[-1], str(service).split("/")[-1]
    regions = dict.get(ecs_backends, account)
    backend = dict.get(regions, region) if regions else None
    found = backend.services.get(f"{cluster}:{service}") if backend is not None else None
    if found is None or found.status != "ACTIVE":
        raise InvalidInput(f"load: there is no active service {service!r} in cluster {cluster!r} of this lab; give "
                           "the cluster and service names you created (create_service's serviceName).")
    key = (account, region, cluster, service)
    before = _loads.get(key) or Load(cluster, service)
    given = {"vcpu": _amount(vcpu, "vcpu"), "memory_gb": _amount(memory_gb, "memory_gb"),
             "requests_per_second": _amount(requests_per_second, "requests_per_second")}
    load = Load(cluster, service, **{k: (v if v is not None else getattr(before, k)) for k, v in given.items()})
    _loads[key] = load
    return load


def load_of(account: str, region: str, cluster: str, service: str) -> Load:
    """The work a service receives now (none unless `set_load` said otherwise)."""
    return _loads.get((account, region, cluster, service)) or Load(cluster, service)


def _forget(account: str) -> None:
    for key in [k for k in _loads if k[0] == account]:
        _loads.pop(key, None)


when_account_ends(_forget)


def _datum(namespace: str, name: str, value: float, dimensions: dict[str, str], start: datetime,
           unit: str) -> MetricDatum:
    dims = [{"Name": k, "Value": v} for k, v in dimensions.items()]
    return MetricDatum(namespace, name, float(value), dims, start.replace(tzinfo=None), unit)


def _size(value: Any, convert: Any) -> float:
    return float(convert(value)) if value else 0.0


def running_tasks(ecs_backend: Any, service: Any) -> list[Any]:
    """The service's tasks RUNNING and still desired at the simulated now (the moment being settled)."""
    group = f"service:{service.name}"
    return [t for t in ecs_backend.tasks.get(service.cluster_name, {}).values()
            if t.group == group and life(t) is not None and life(t).is_live() and life(t).state() == "RUNNING"]


def publish_ecs(ecs_backend: Any, cloudwatch: Any, tick: datetime) -> None:
    """CPUUtilization and MemoryUtilization of every active service for the minute ending at `tick`."""
    start = tick - MINUTE
    for service in list(ecs_backend.services.values()):
        if service.status != "ACTIVE" or service.__dict__.get("_lk") is None:
            continue
        tasks = running_tasks(ecs_backend, service)
        if not tasks:
            continue
        load = load_of(ecs_backend.account_id, ecs_backend.region_name, service.cluster_name, service.name)
        dims = {"ClusterName": service.cluster_name, "ServiceName": service.name}
        cpu = average_utilisation(load.vcpu, [_size(life(t).cpu, vcpu) for t in tasks])
        memory = average_utilisation(load.memory_gb, [_size(life(t).memory, gb) for t in tasks])
        cloudwatch.metric_data.append(_datum("AWS/ECS", "CPUUtilization", cpu or 0.0, dims, start, "Percent"))
        cloudwatch.metric_data.append(_datum("AWS/ECS", "MemoryUtilization", memory or 0.0, dims, start, "Percent"))


def _requested(ecs_backend: Any, group_arn: str) -> float:
    """Requests per second the services behind a target group receive (their `requests_per_second`)."""
    total = 0.0
    for service in ecs_backend.services.values():
        if service.status == "ACTIVE" and any(b.get("targetGroupArn") == group_arn for b in service.load_balancers):
            total += load_of(ecs_backend.account_id, ecs_backend.region_name, service.cluster_name,
                             service.name).requests_per_second
    return total


def publish_elb(ecs_backend: Any | None, elbv2: Any, cloudwatch: Any, tick: datetime) -> None:
    """RequestCountPerTarget of every target group a listener uses, for the minute ending at `tick`."""
    start = tick - MINUTE
    for group in list(elbv2.target_groups.values()):
        if not in_use(group):
            continue
        healthy = sum(1 for t in targets_of(group).values() if t.health.in_service and not t.draining)
        served = traffic.served(elbv2.account_id, elbv2.region_name, group.arn, start, tick)
        requests = served + (_requested(ecs_backend, group.arn) * 60 if ecs_backend is not None else 0.0)
        if not healthy:
            continue
        label = "targetgroup/" + group.arn.split(":targetgroup/", 1)[1]
        per_target = requests / healthy
        cloudwatch.metric_data.append(_datum("AWS/ApplicationELB", "RequestCountPerTarget", per_target,
                                             {"TargetGroup": label}, start, "None"))
