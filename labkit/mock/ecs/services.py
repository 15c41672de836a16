"""Services that really schedule tasks, on the simulated clock; RunTask and StopTask as Fargate does them.

- RunTask: the refusals (`rules`), the network checked and filled (`rules.normalise_network`), tasks spread over
  the given subnets and each placed on FARGATE or FARGATE_SPOT by the capacity provider strategy
  (`labkit.model.placement`: base first, then weight).
- StopTask: the task's stop sequence begins (an unknown task is AWS's InvalidParameterException, where moto
  raises a bare Exception); its service, if any, starts a replacement.
- A service keeps `desiredCount` tasks of its PRIMARY deployment (startedBy the deployment id, group
  "service:<name>"). Scaling starts or stops tasks at once; a new task definition (or forceNewDeployment)
  makes a new PRIMARY deployment that replaces the old tasks as `deployments` rolls it (within
  minimumHealthyPercent and maximumPercent, waiting for health; the circuit breaker and its rollback).
  runningCount/pendingCount count tasks by lifecycle state; rolloutState becomes COMPLETED, and an event says
  the service reached a steady state.
- Spot interruptions (`capacity`) stop tasks; the service starts their replacements at the warning.
- Tasks really run (`labkit.mock.runtime`): a crash stops a task and the service replaces it; unhealthy tasks are
  replaced; failed tasks count in the deployment and trip its circuit breaker when it is on (`deployments`).
Everything is settled lazily: before each ECS call (`responses`), and whenever an account's clock moves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from moto.ecs.models import Cluster, Service, ecs_backends
from moto.ecs.models import EC2ContainerServiceBackend as Backend
from moto.moto_api._internal import mock_random

from labkit.mock.accounts import now as account_now
from labkit.mock.accounts import when_time_moves
from labkit.mock.ecs import deployments, quotas, rules
from labkit.mock.ecs.events import add_event as _event
from labkit.mock.ecs.tasks import annotate, life, request_stop, resolved_platform_version, settle_tasks
from labkit.mock.elb import validate
from labkit.mock.patch import original, overlay, patch, raw
from labkit.mock.runtime import lifecycle as runtime
from labkit.mock.state import LOCK, enabled
from labkit.model import placement
from labkit.model.lifecycle import PENDING_STATES, RUNNING_STATES

DEPLOYMENT_CONFIGURATION = {"deploymentCircuitBreaker": {"enable": False, "rollback": False},
                            "maximumPercent": 200, "minimumHealthyPercent": 100}


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
    return f"{prefix}{mock_random.randint(10**18, 10**19 - 1)}"


def _tasks_text(tasks: list[Any]) -> str:
    return " ".join(f"(task {t.id.replace('-', '')[:32]})." for t in tasks)


# --- launching ---------------------------------------------------------------------------------------------------
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
    tasks = original(Backend.run_task)(backend, cluster.name, task_definition.arn, 1, overrides, started_by, tags,
                                       None if provider else launch_type, net, group, platform_version, strategy)
    fargate = rules.uses_fargate(launch_type, strategy)
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


# --- services ----------------------------------------------------------------------------------------------------
def _service_tasks(backend: Any, service: Any) -> list[Any]:
    group = f"service:{service.name}"
    return [t for t in backend.tasks.get(service.cluster_name, {}).values()
            if t.group == group and life(t) is not None]


def _deployment(service: Any, task_definition_arn: str, now: datetime, lk: ServiceLife) -> dict[str, Any]:
    dep = {"id": _new_id(), "status": "PRIMARY", "taskDefinition": task_definition_arn,
           "desiredCount": service.desired_count, "failedTasks": 0, "createdAt": now, "updatedAt": now,
           "platformVersion": resolved_platform_version(service), "platformFamily": "Linux",
           "networkConfiguration": service.network_configuration or None,
           "rolloutState": "IN_PROGRESS"}
    if lk.strategy:
        dep["capacityProviderStrategy"] = [dict(s) for s in lk.strategy]
    else:
        dep["launchType"] = lk.launch
    dep["rolloutStateReason"] = f"ECS deployment {dep['id']} in progress."
    return dep


def _propagated_tags(service: Any, task_definition: Any) -> list[dict[str, str]]:
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
    now = account_now(backend.account_id)
    if service.status == "ACTIVE":
        deployments.replace_unhealthy(service, lk, _service_tasks(backend, service), now, _event)
    live = [t for t in _service_tasks(backend, service) if life(t).is_live()]
    if service.status != "ACTIVE":
        for task in live:
            request_stop(task, code="ServiceSchedulerInitiated",
                         reason="Service deleted: the scheduler stopped its tasks.")
        return
    primary = lk.deployments[0]
    primary["desiredCount"] = service.desired_count
    if any(t.started_by != primary["id"] for t in live):
        deployments.roll(backend, service, lk, now, lambda n: _start(backend, service, lk, primary, n, live,
                                                                     account_now(backend.account_id)))
        live = [t for t in _service_tasks(backend, service) if life(t).is_live()]
        mine = [t for t in live if t.started_by == primary["id"]]
    else:
        mine = _scale(backend, service, lk, [t for t in live if t.started_by == primary["id"]], live, now)
    still = {t.started_by for t in live if life(t).is_live()}
    kept = [primary] + [d for d in lk.deployments[1:] if d["id"] in still]
    for dep in kept[1:]:
        dep["status"] = "ACTIVE"
    lk.deployments = kept
    _complete(service, lk, mine, now)
    if deployments.check_breaker(backend, service, lk, now, lambda td: _deployment(service, td, now, lk)):
        reconcile(backend, service)  # the rollback deployment starts its tasks


def _scale(backend: Any, service: Any, lk: ServiceLife, mine: list[Any], live: list[Any],
           now: datetime) -> list[Any]:
    """Start or stop tasks of the PRIMARY deployment to its desired count; returns its tasks afterwards."""
    primary = lk.deployments[0]
    wanted = service.desired_count - len(mine)
    if wanted > 0 and deployments.may_launch(lk):
        return mine + _start(backend, service, lk, primary, wanted, live, now)
    if wanted < 0:
        extras = sorted(mine, key=lambda t: (life(t).created, t.id), reverse=True)[:-wanted]
        for task in extras:
            request_stop(task, code="ServiceSchedulerInitiated",
                         reason=f"Scaling activity initiated by (deployment {primary['id']})")
        _event(lk, now, f"(service {service.name}) has stopped {len(extras)} running tasks: {_tasks_text(extras)}")
        return [t for t in mine if t not in extras]
    return mine


def _complete(service: Any, lk: ServiceLife, mine: list[Any], now: datetime) -> None:
    """The rollout is COMPLETED when only the PRIMARY deployment is left and all its tasks are RUNNING."""
    primary = lk.deployments[0]
    running = [t for t in mine if life(t).state() in RUNNING_STATES]
    if primary["rolloutState"] != "IN_PROGRESS" or len(lk.deployments) != 1 or len(running) != service.desired_count:
        return
    when = max([life(t).started_at for t in running if life(t).started_at] or [now])
    primary["rolloutState"] = "COMPLETED"
    primary["rolloutStateReason"] = f"ECS deployment {primary['id']} completed."
    primary["updatedAt"] = when
    _event(lk, when, f"(service {service.name}) has reached a steady state.")


def _start(backend: Any, service: Any, lk: ServiceLife, deployment: dict[str, Any], n: int, live: list[Any],
           now: datetime) -> list[Any]:
    cluster = backend.clusters.get(service.cluster_name)
    td = backend.describe_task_definition(deployment["taskDefinition"])
    if not rules.uses_fargate(lk.launch, lk.strategy) and not _has_instances(backend, cluster):
        problem = (f"service {service.name} was unable to place a task because no container instance met all "
                   "of its requirements. Reason: No Container Instances were found in your cluster.")
        if lk.last_placement_problem != problem:
            lk.last_placement_problem = problem
            _event(lk, now, problem)
        return []
    providers = placement.place(n, lk.strategy, _provider_counts(live)) if lk.strategy else [None] * n
    started, refused = [], False
    for i, provider in enumerate(providers):
        if quotas.refusal(backend, td, rules.uses_fargate(lk.launch, lk.strategy), provider):
            refused = True
            _placement_problem(lk, now, quotas.service_event(service.name))
            continue
        started += launch(backend, cluster, td, network=service.network_configuration or None,
                          index=len(live) + i, launch_type=lk.launch, provider=provider,
                          started_by=deployment["id"], group=f"service:{service.name}",
                          tags=_propagated_tags(service, td), overrides=None,
                          platform_version=raw(service, "platform_version"))
    if started:
        if not refused:
            lk.last_placement_problem = None
        _event(lk, now, f"(service {service.name}) has started {len(started)} tasks: {_tasks_text(started)}")
    return started


def _placement_problem(lk: ServiceLife, now: datetime, problem: str) -> None:
    """A service event saying why a task could not be placed, once until the service places one again."""
    if lk.last_placement_problem != problem:
        lk.last_placement_problem = problem
        _event(lk, now, problem)


def _has_instances(backend: Any, cluster: Any) -> bool:
    return any(ci.status == "ACTIVE" for ci in backend.container_instances.get(cluster.name, {}).values())


def settle_backend(backend: Any) -> None:
    """Settle one account-region: every service, then tasks (logs, ENIs)."""
    if not enabled():
        return  # the clock moved while the layer was off: nothing of labkit's to move
    with LOCK:
        runtime.observe(backend)  # first: a service sees a crash in the same settle
        runtime.start_due(backend)  # then tasks that reached RUNNING start (and a crash at start shows at once)
        for service in list(backend.services.values()):
            reconcile(backend, service)
        settle_tasks(backend)


def settle_account(account: str) -> None:
    """Settle every region of an account (its clock moved)."""
    regions = dict.get(ecs_backends, account)
    for backend in list(dict.values(regions)) if regions else []:
        settle_backend(backend)


when_time_moves(settle_account)


# --- counts laid over moto's Service and Cluster -----------------------------------------------------------------
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
                                   if t.started_by == dep["id"] and deployments.failed(t))
        if shown["status"] != "PRIMARY":
            shown["desiredCount"] = shown["runningCount"] + shown["pendingCount"]
        out.append(shown)
    return out


def _cluster_backend(cluster: Any) -> Any:
    return ecs_backends[cluster.arn.split(":")[4]][cluster.region_name]


def _cluster_tasks(cluster: Any, states: tuple[str, ...]) -> int:
    return sum(1 for t in _cluster_backend(cluster).tasks.get(cluster.name, {}).values()
               if life(t) is not None and life(t).state() in states)


def _cluster_services(cluster: Any) -> int:
    return sum(1 for s in _cluster_backend(cluster).services.values()
               if s.cluster_name == cluster.name and s.status == "ACTIVE")


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
for _name, _compute in SERVICE_FIELDS.items():
    overlay(Service, _name, _compute, active=lambda s: s.__dict__.get("_lk") is not None)
for _name, _compute in CLUSTER_FIELDS.items():
    overlay(Cluster, _name, _compute, active=lambda c: True)


# --- on the API --------------------------------------------------------------------------------------------------
@patch(Backend.run_task)
def run_task(fn: Any, self: Any, cluster_str: str, task_definition_str: str, count: int, overrides: Any,
             started_by: str, tags: Any, launch_type: str | None, networking_configuration: Any = None,
             group: str | None = None, platform_version: str | None = None,
             capacity_provider_strategy: Any = None) -> list[Any]:
    """RunTask as Fargate does it: AWS's refusals, the network filled in, one task per placement."""
    cluster = self._get_cluster(cluster_str)
    td = self.describe_task_definition(task_definition_str)
    launch_type, strategy = rules.check_run_task(self, cluster, td, count, launch_type, capacity_provider_strategy,
                                                 networking_configuration, platform_version)
    network = rules.normalise_network(self, networking_configuration) if td.network_mode == "awsvpc" else None
    providers = placement.place(count, strategy) if strategy else [None] * count
    tasks: list[Any] = []
    failures: list[dict[str, str]] = []
    for i, provider in enumerate(providers):
        refused = quotas.refusal(self, td, rules.uses_fargate(launch_type, strategy), provider, overrides)
        if refused:
            failures.append({"arn": td.arn, "reason": refused})
            continue
        tasks += launch(self, cluster, td, network=network, index=i, launch_type=launch_type, provider=provider,
                        started_by=started_by or "", group=group or f"family:{td.family}", tags=tags,
                        overrides=overrides, platform_version=platform_version)
    return quotas.Started(tasks, failures)


_CREATE_ARGS = ("load_balancers", "scheduling_strategy", "tags", "deployment_controller", "launch_type",
                "service_registries", "platform_version", "propagate_tags", "network_configuration", "role_arn")


@patch(Backend.create_service)
def create_service(fn: Any, self: Any, cluster_str: str, service_name: str, desired_count: int,
                   task_definition_str: str | None = None, *args: Any,
                   capacity_provider_strategy: list[dict[str, Any]] | None = None,
                   deployment_configuration: dict[str, Any] | None = None,
                   health_check_grace_period_seconds: int | None = None, **kwargs: Any) -> Any:
    """CreateService with what moto's signature lacks (the strategy, the deployment configuration, the health check
    grace period) as keywords."""
    moto_args = {**dict(zip(_CREATE_ARGS, args, strict=False)), **kwargs}
    cluster = self._get_cluster(cluster_str)
    td = self.describe_task_definition(task_definition_str) if task_definition_str else None
    launch_type, strategy = rules.check_create_service(self, cluster, service_name, td, moto_args.get("launch_type"),
                                                       capacity_provider_strategy,
                                                       moto_args.get("network_configuration"))
    validate.check_service_load_balancers(self, td, moto_args.get("load_balancers"))
    if td is not None and td.network_mode == "awsvpc":
        moto_args["network_configuration"] = rules.normalise_network(self, moto_args.get("network_configuration"))
    moto_args["launch_type"] = launch_type or "FARGATE"
    service = fn(self, cluster_str, service_name, desired_count, td.arn if td else None, **moto_args)
    now = account_now(self.account_id)
    lk = ServiceLife(account=self.account_id, created=now, launch=launch_type, strategy=strategy)
    service.__dict__["_lk"] = lk
    if health_check_grace_period_seconds is not None:
        service.health_check_grace_period_seconds = health_check_grace_period_seconds
    if deployment_configuration:
        service.deployment_configuration = {**DEPLOYMENT_CONFIGURATION, **deployment_configuration}
    if td is not None:
        lk.deployments = [_deployment(service, td.arn, now, lk)]
    reconcile(self, service)
    return service


@patch(Backend.update_service)
def update_service(fn: Any, self: Any, service_properties: dict[str, Any]) -> Any:
    """UpdateService: AWS's refusals, then a new deployment when the task definition, strategy or network changes."""
    props = dict(service_properties)
    cluster = self._get_cluster(props.get("cluster", "default"))
    service = self._get_service(cluster.name, props["service"].split("/")[-1])
    lk: ServiceLife | None = service.__dict__.get("_lk")
    td = self.describe_task_definition(props.get("task_definition") or service.task_definition)
    strategy = props.get("capacity_provider_strategy")
    rules.check_update_service(cluster, service, td, strategy, props.get("network_configuration"))
    validate.check_service_load_balancers(self, td, props.get("load_balancers"))
    if props.get("network_configuration") and td.network_mode == "awsvpc":
        props["network_configuration"] = rules.normalise_network(self, props["network_configuration"])
    if props.get("task_definition"):
        props["task_definition"] = td.arn
    old_td, old_net = service.task_definition, service.network_configuration
    result = fn(self, props)
    if lk is None:
        return result  # a service made while the layer was off stays moto's
    changed = td.arn != old_td or bool(props.get("force_new_deployment"))
    if strategy and strategy != lk.strategy:
        lk.strategy, lk.launch, changed = strategy, None, True
    if props.get("network_configuration") and service.network_configuration != old_net:
        changed = True
    if changed or not lk.deployments:
        for dep in lk.deployments:
            dep["status"] = "ACTIVE"
        lk.deployments.insert(0, _deployment(service, td.arn, account_now(self.account_id), lk))
    reconcile(self, service)
    return result


@patch(Backend.delete_service)
def delete_service(fn: Any, self: Any, cluster_name: str, service_name: str, force: bool) -> Any:
    """DeleteService: the service goes INACTIVE and its scheduler stops its tasks."""
    service = fn(self, cluster_name, service_name, force)
    reconcile(self, service)  # INACTIVE now: its scheduler stops its tasks
    return service


def find_task(backend: Any, cluster_name: str, task_str: str) -> Any:
    """The task of a cluster named by id or ARN, or None."""
    task_id = task_str.split("/")[-1]
    for arn, task in backend.tasks.get(cluster_name, {}).items():
        if arn == task_str or arn.split("/")[-1] == task_id:
            return task
    return None


@patch(Backend.stop_task)
def stop_task(fn: Any, self: Any, cluster_str: str, task_str: str, reason: str | None) -> Any:
    """StopTask: the task's stop sequence begins on the clock; an unknown task is AWS's error, not a crash."""
    cluster = self._get_cluster(cluster_str)
    task = find_task(self, cluster.name, task_str or "")
    if task is None:
        raise rules.invalid("The referenced task was not found.")
    lk = life(task)
    if lk is None:
        return fn(self, cluster_str, task_str, reason)
    if task.container_instance_arn and lk.is_live():
        fn(self, cluster_str, task_str, reason)
    request_stop(task, code="UserInitiated", reason=reason or "Task stopped by user")
    settle_backend(self)
    return task
