"""Services that really schedule tasks, on the simulated clock; RunTask that launches like Fargate; Spot.

- RunTask: checks (mock_rules), fills the network (mock_fixes), spreads tasks over the given subnets, and
  places each task on FARGATE or FARGATE_SPOT by the capacity provider strategy (base first, then weight).
- A service keeps `desiredCount` tasks of its PRIMARY deployment (startedBy the deployment id, group
  "service:<name>"). Scaling starts or stops tasks at once; a new task definition (or forceNewDeployment)
  makes a new PRIMARY deployment: all its tasks start together and the old ones stop when they are RUNNING
  (minimumHealthyPercent 100, maximumPercent 200). runningCount/pendingCount count tasks by lifecycle state;
  rolloutState becomes COMPLETED, and an event says the service reached a steady state.
- Spot interruptions (mock_capacity) stop tasks; the service starts their replacements at the warning.
Everything is settled lazily: before each ECS call, and whenever the simulated clock moves.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labkit import mock
from labkit.mock.ecs import rules as mock_rules
from labkit.mock.ecs.fixes import normalise_network
from labkit.mock.ecs.tasks import LOCK, START, annotate, life, overlay, raw, request_stop, settle_tasks
from labkit.model import placement, pulls

RUNNING_STATES = ("RUNNING",)
PENDING_STATES = tuple(name for name, _ in START[:-1])
DEPLOYMENT_CONFIGURATION = {"deploymentCircuitBreaker": {"enable": False, "rollback": False},
                            "maximumPercent": 200, "minimumHealthyPercent": 100}
_extras = threading.local()  # what CreateService's request carried that moto's backend signature drops


@dataclass
class ServiceLife:
    """What labkit keeps on each moto service."""

    account: str
    created: datetime
    launch: str | None
    strategy: list[dict[str, Any]] | None
    deployments: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    last_placement_problem: str | None = None


def _new_id(prefix: str = "ecs-svc/") -> str:
    from moto.moto_api._internal import mock_random

    return f"{prefix}{mock_random.randint(10**18, 10**19 - 1)}"


def _event(lk: ServiceLife, when: datetime, message: str) -> None:
    from moto.moto_api._internal import mock_random

    lk.events.insert(0, {"id": str(mock_random.uuid4()), "createdAt": when, "message": message})
    del lk.events[100:]


def _short_id(task: Any) -> str:
    return task.id.replace("-", "")[:32]


# --- launching ------------------------------------------------------------------------------------------
def launch(backend: Any, cluster: Any, task_definition: Any, *, network: dict[str, Any] | None, index: int,
           launch_type: str | None, provider: str | None, started_by: str, group: str,
           tags: list[dict[str, str]] | None, overrides: dict[str, Any] | None, platform_version: str | None,
           created: datetime | None = None) -> list[Any]:
    """Start one task through moto's own RunTask, then give it its Fargate life."""
    net = network
    if network and network.get("awsvpcConfiguration", {}).get("subnets"):
        net = {**network, "awsvpcConfiguration": dict(network["awsvpcConfiguration"])}
        subnets = list(net["awsvpcConfiguration"]["subnets"])
        k = index % len(subnets)
        net["awsvpcConfiguration"]["subnets"] = subnets[k:] + subnets[:k]
    strategy = [{"capacityProvider": provider}] if provider else None
    tasks = _ORIGINAL["run_task"](backend, cluster.name, task_definition.arn, 1, overrides, started_by, tags,
                                  None if provider else launch_type, net, group, platform_version, strategy)
    fargate = mock_rules.uses_fargate(launch_type, strategy)
    cluster_tasks = backend.tasks[cluster.name]
    for task in tasks:
        # ECS task ids are 32 hex digits (moto uses a dashed UUID): re-key the task under its AWS-style ARN
        cluster_tasks.pop(task.task_arn, None)
        task.id = task.id.replace("-", "")
        cluster_tasks[task.task_arn] = task
        task.network_configuration = network
        annotate(task, backend, task_definition, fargate=fargate, capacity_provider=provider,
                 overrides=overrides, created=created)
    return tasks


def _provider_counts(tasks: list[Any]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for task in tasks:
        lk = life(task)
        if lk is not None and lk.capacity_provider:
            counts[lk.capacity_provider] = counts.get(lk.capacity_provider, 0) + 1
    return counts


# --- services -------------------------------------------------------------------------------------------
def _service_tasks(backend: Any, service: Any) -> list[Any]:
    group = f"service:{service.name}"
    return [t for t in backend.tasks.get(service.cluster_name, {}).values()
            if t.group == group and life(t) is not None]


def _deployment(service: Any, task_definition_arn: str, now: datetime, lk: ServiceLife) -> dict[str, Any]:
    dep = {"id": _new_id(), "status": "PRIMARY", "taskDefinition": task_definition_arn,
           "desiredCount": service.desired_count, "failedTasks": 0, "createdAt": now, "updatedAt": now,
           "platformVersion": mock_rules_platform(service), "platformFamily": "Linux",
           "networkConfiguration": service.network_configuration or None,
           "rolloutState": "IN_PROGRESS"}
    if lk.strategy:
        dep["capacityProviderStrategy"] = [dict(s) for s in lk.strategy]
    else:
        dep["launchType"] = lk.launch
    dep["rolloutStateReason"] = f"ECS deployment {dep['id']} in progress."
    return dep


def mock_rules_platform(service: Any) -> str:
    from labkit.mock.ecs.tasks import PLATFORM_VERSION

    given = raw(service, "platform_version")
    return given if given not in (None, "", "LATEST") else PLATFORM_VERSION


def _propagated_tags(backend: Any, service: Any, task_definition: Any) -> list[dict[str, str]]:
    if service.propagate_tags == "SERVICE":
        return [dict(t) for t in service.tags or []]
    if service.propagate_tags == "TASK_DEFINITION":
        return [dict(t) for t in task_definition.tags or []]
    return []


def reconcile(backend: Any, service: Any) -> None:
    """Bring one service to its desired state at the current simulated time."""
    lk: ServiceLife | None = service.__dict__.get("_lk")
    if lk is None or not lk.deployments:
        return
    now = mock.now(backend.account_id)
    tasks = _service_tasks(backend, service)
    live = [t for t in tasks if life(t).is_live()]
    if service.status != "ACTIVE":
        for task in live:
            request_stop(task, code="ServiceSchedulerInitiated", reason="Service deleted: the scheduler stopped "
                         "its tasks.")
        return
    primary = lk.deployments[0]
    primary["desiredCount"] = service.desired_count
    mine = [t for t in live if t.started_by == primary["id"]]
    old = [t for t in live if t.started_by != primary["id"]]
    wanted = service.desired_count - len(mine)
    if wanted > 0:
        mine += _start(backend, service, lk, primary, wanted, live, now)
    elif wanted < 0:
        extras = sorted(mine, key=lambda t: (life(t).created, t.id), reverse=True)[:-wanted]
        for task in extras:
            request_stop(task, code="ServiceSchedulerInitiated",
                         reason=f"Scaling activity initiated by (deployment {primary['id']})")
        mine = [t for t in mine if t not in extras]
        _event(lk, now, f"(service {service.name}) has stopped {len(extras)} running tasks: "
               + " ".join(f"(task {_short_id(t)})." for t in extras))
    if old:
        started = [life(t).started_at for t in mine]
        if len(mine) >= service.desired_count and all(started):
            when = max([s for s in started if s] or [now])
            for task in old:
                request_stop(task, code="ServiceSchedulerInitiated",
                             reason=f"Scaling activity initiated by (deployment {primary['id']})", when=when)
            _event(lk, when, f"(service {service.name}) has stopped {len(old)} running tasks: "
                   + " ".join(f"(task {_short_id(t)})." for t in old))
    still = {t.started_by for t in live if life(t).is_live()}
    kept = [primary] + [d for d in lk.deployments[1:] if d["id"] in still]
    for dep in kept[1:]:
        dep["status"] = "ACTIVE"
    lk.deployments = kept
    running = [t for t in mine if life(t).state() in RUNNING_STATES]
    if (primary["rolloutState"] == "IN_PROGRESS" and len(kept) == 1 and len(running) == service.desired_count):
        when = max([life(t).started_at for t in running if life(t).started_at] or [now])
        primary["rolloutState"] = "COMPLETED"
        primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
        primary["updatedAt"] = when
        _event(lk, when, f"(service {service.name}) has reached a steady state.")


def _start(backend: Any, service: Any, lk: ServiceLife, deployment: dict[str, Any], n: int, live: list[Any],
           now: datetime) -> list[Any]:
    cluster = backend.clusters.get(service.cluster_name)
    td = backend.describe_task_definition(deployment["taskDefinition"])
    fargate = mock_rules.uses_fargate(lk.launch, lk.strategy)
    if not fargate:
        instances = [ci for ci in backend.container_instances.get(cluster.name, {}).values() if ci.status == "ACTIVE"]
        if not instances:
            problem = (f"service {service.name} was unable to place a task because no container instance met all "
                       "of its requirements. Reason: No Container Instances were found in your cluster.")
            if lk.last_placement_problem != problem:
                lk.last_placement_problem = problem
                _event(lk, now, problem)
            return []
    providers = placement.place(n, lk.strategy, _provider_counts(live)) if lk.strategy else [None] * n
    started = []
    for i, provider in enumerate(providers):
        started += launch(backend, cluster, td, network=service.network_configuration or None,
                          index=len(live) + i, launch_type=lk.launch, provider=provider,
                          started_by=deployment["id"], group=f"service:{service.name}",
                          tags=_propagated_tags(backend, service, td), overrides=None,
                          platform_version=raw(service, "platform_version"))
    _event(lk, now, f"(service {service.name}) has started {len(started)} tasks: "
           + " ".join(f"(task {_short_id(t)})." for t in started))
    return started


def settle_backend(backend: Any) -> None:
    """Settle one account-region: tasks (logs, ENIs), then every service."""
    if not mock.enabled():
        return
    with LOCK:
        for service in list(backend.services.values()):
            reconcile(backend, service)
        settle_tasks(backend)


def settle_account(account: str) -> None:
    """Settle every region of an account (the clock moved)."""
    from moto.ecs.models import ecs_backends

    regions = dict.get(ecs_backends, account)
    if not regions:
        return
    for backend in list(dict.values(regions)):
        settle_backend(backend)


# --- counts laid over moto's Service and Cluster -----------------------------------------------------------
def _count(service: Any, states: tuple[str, ...], deployment: str | None = None) -> int:
    return sum(1 for t in _service_tasks(service._backend, service)
               if life(t).is_live() and life(t).state() in states
               and (deployment is None or t.started_by == deployment))


def _deployments(service: Any) -> list[dict[str, Any]]:
    out = []
    for dep in service._lk.deployments:
        shown = dict(dep)
        shown["runningCount"] = _count(service, RUNNING_STATES, dep["id"])
        shown["pendingCount"] = _count(service, PENDING_STATES, dep["id"])
        shown["failedTasks"] = sum(1 for t in _service_tasks(service._backend, service)
                                   if t.started_by == dep["id"] and life(t).pull_fails and life(t).stop_due()
                                   and life(t).stop_code == pulls.STOP_CODE)
        if shown["status"] != "PRIMARY":
            shown["desiredCount"] = shown["runningCount"] + shown["pendingCount"]
        out.append(shown)
    return out


def _has_service_life(service: Any) -> bool:
    return mock.enabled() and service.__dict__.get("_lk") is not None


def _cluster_tasks(cluster: Any, states: tuple[str, ...]) -> int:
    from moto.ecs.models import ecs_backends

    backend = ecs_backends[cluster.arn.split(":")[4]][cluster.region_name]
    return sum(1 for t in backend.tasks.get(cluster.name, {}).values()
               if life(t) is not None and life(t).state() in states)


def _cluster_services(cluster: Any) -> int:
    from moto.ecs.models import ecs_backends

    backend = ecs_backends[cluster.arn.split(":")[4]][cluster.region_name]
    return sum(1 for s in backend.services.values() if s.cluster_name == cluster.name and s.status == "ACTIVE")


SERVICE_FIELDS: dict[str, Any] = {
    "running_count": lambda s: _count(s, RUNNING_STATES),
    "pending_count": lambda s: _count(s, PENDING_STATES),
    "deployments": _deployments,
    "launch_type": lambda s: None if s._lk.strategy else s._lk.launch,
    "capacity_provider_strategy": lambda s: [dict(x) for x in s._lk.strategy] if s._lk.strategy else None,
    "platform_version": lambda s: raw(s, "platform_version") or "LATEST",
    "platform_family": lambda s: "Linux",
    "events": lambda s: list(s._lk.events),
    "created_at": lambda s: s._lk.created,
    "deployment_configuration": lambda s: raw(s, "deployment_configuration") or dict(DEPLOYMENT_CONFIGURATION),
}
CLUSTER_FIELDS: dict[str, Any] = {
    "running_tasks_count": lambda c: _cluster_tasks(c, RUNNING_STATES),
    "pending_tasks_count": lambda c: _cluster_tasks(c, PENDING_STATES),
    "active_services_count": _cluster_services,
}


# --- installing ---------------------------------------------------------------------------------------------
_ORIGINAL: dict[str, Any] = {}
_installed = False


def install() -> None:
    """Wrap RunTask, the service calls and the per-request backend lookup (to settle first), once."""
    global _installed
    if _installed:
        return
    from moto.ecs.models import Cluster, Service
    from moto.ecs.models import EC2ContainerServiceBackend as Backend
    from moto.ecs.responses import EC2ContainerServiceResponse as Response

    _ORIGINAL.update(run_task=Backend.run_task, create_service=Backend.create_service,
                     update_service=Backend.update_service, delete_service=Backend.delete_service)
    original_backend_property = Response.ecs_backend
    original_create_response = Response.create_service

    for name, compute in SERVICE_FIELDS.items():
        overlay(Service, name, compute, active=_has_service_life)
    for name, compute in CLUSTER_FIELDS.items():
        overlay(Cluster, name, compute, active=lambda c: mock.enabled())

    def run_task(self: Any, cluster_str: str, task_definition_str: str, count: int, overrides: Any,
                 started_by: str, tags: Any, launch_type: str | None, networking_configuration: Any = None,
                 group: str | None = None, platform_version: str | None = None,
                 capacity_provider_strategy: Any = None) -> list[Any]:
        if not mock.enabled():
            return _ORIGINAL["run_task"](self, cluster_str, task_definition_str, count, overrides, started_by, tags,
                                         launch_type, networking_configuration, group, platform_version,
                                         capacity_provider_strategy)
        with LOCK:
            cluster = self._get_cluster(cluster_str)
            td = self.describe_task_definition(task_definition_str)
            launch_type, strategy = mock_rules.check_run_task(self, cluster, td, count, launch_type,
                                                              capacity_provider_strategy, networking_configuration,
                                                              platform_version)
            network = normalise_network(self, networking_configuration) if td.network_mode == "awsvpc" else None
            providers = placement.place(count, strategy) if strategy else [None] * count
            tasks: list[Any] = []
            for i, provider in enumerate(providers):
                tasks += launch(self, cluster, td, network=network, index=i, launch_type=launch_type,
                                provider=provider, started_by=started_by or "", group=group or f"family:{td.family}",
                                tags=tags, overrides=overrides, platform_version=platform_version)
            return tasks

    def create_service(self: Any, cluster_str: str, service_name: str, desired_count: int,
                       task_definition_str: str | None = None, *args: Any, **kwargs: Any) -> Any:
        if not mock.enabled():
            return _ORIGINAL["create_service"](self, cluster_str, service_name, desired_count, task_definition_str,
                                               *args, **kwargs)
        with LOCK:
            extras = getattr(_extras, "value", None) or {}
            _extras.value = None
            bound = _bind_create(args, kwargs)
            cluster = self._get_cluster(cluster_str)
            td = self.describe_task_definition(task_definition_str) if task_definition_str else None
            launch_type, strategy = mock_rules.check_create_service(
                self, cluster, service_name, td, bound.get("launch_type"), extras.get("capacityProviderStrategy"),
                bound.get("network_configuration"))
            if td is not None and td.network_mode == "awsvpc":
                bound["network_configuration"] = normalise_network(self, bound.get("network_configuration"))
            bound["launch_type"] = launch_type or "FARGATE"
            service = _ORIGINAL["create_service"](self, cluster_str, service_name, desired_count,
                                                  td.arn if td else None, **bound)
            now = mock.now(self.account_id)
            lk = ServiceLife(account=self.account_id, created=now, launch=launch_type, strategy=strategy)
            service.__dict__["_lk"] = lk
            if extras.get("deploymentConfiguration"):
                service.deployment_configuration = {**DEPLOYMENT_CONFIGURATION, **extras["deploymentConfiguration"]}
            if td is not None:
                lk.deployments = [_deployment(service, td.arn, now, lk)]
            reconcile(self, service)
            return service

    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        if not mock.enabled():
            return _ORIGINAL["update_service"](self, service_properties)
        with LOCK:
            props = dict(service_properties)
            cluster = self._get_cluster(props.get("cluster", "default"))
            service = self._get_service(cluster.name, props["service"].split("/")[-1])
            lk: ServiceLife | None = service.__dict__.get("_lk")
            td_str = props.get("task_definition")
            td = self.describe_task_definition(td_str or service.task_definition)
            strategy = props.get("capacity_provider_strategy")
            mock_rules.check_update_service(cluster, service, td, strategy, props.get("network_configuration"))
            if props.get("network_configuration") and td.network_mode == "awsvpc":
                props["network_configuration"] = normalise_network(self, props["network_configuration"])
            if td_str:
                props["task_definition"] = td.arn
            old_td, old_net = service.task_definition, service.network_configuration
            result = _ORIGINAL["update_service"](self, props)
            if lk is None:
                return result
            changed = td.arn != old_td or bool(props.get("force_new_deployment"))
            if strategy and strategy != lk.strategy:
                lk.strategy, lk.launch, changed = strategy, None, True
            if props.get("network_configuration") and service.network_configuration != old_net:
                changed = True
            now = mock.now(self.account_id)
            if changed or not lk.deployments:
                for dep in lk.deployments:
                    dep["status"] = "ACTIVE"
                lk.deployments.insert(0, _deployment(service, td.arn, now, lk))
            reconcile(self, service)
            return result

    def delete_service(self: Any, cluster_name: str, service_name: str, force: bool) -> Any:
        result = _ORIGINAL["delete_service"](self, cluster_name, service_name, force)
        if mock.enabled():
            with LOCK:
                reconcile(self, result)
        return result

    def ecs_backend(self: Any) -> Any:
        backend = original_backend_property.fget(self)
        settle_backend(backend)
        return backend

    def create_service_response(self: Any) -> Any:
        _extras.value = {"capacityProviderStrategy": self._get_param("capacityProviderStrategy"),
                         "deploymentConfiguration": self._get_param("deploymentConfiguration")}
        try:
            return original_create_response(self)
        finally:
            _extras.value = None

    Backend.run_task = run_task
    Backend.create_service = create_service
    Backend.update_service = update_service
    Backend.delete_service = delete_service
    Response.ecs_backend = property(ecs_backend)
    Response.create_service = create_service_response
    _installed = True


_CREATE_ARGS = ("load_balancers", "scheduling_strategy", "tags", "deployment_controller", "launch_type",
                "service_registries", "platform_version", "propagate_tags", "network_configuration", "role_arn")


def _bind_create(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    bound = dict(zip(_CREATE_ARGS, args, strict=False))
    bound.update(kwargs)
    return bound
