"""The Fargate task lifecycle on the simulated clock, and the fields moto's `describe_tasks` lacks.

A task's state is a function of simulated time (the timings are `labkit.model.lifecycle`'s), so it never depends
on how often it is described. Each moto task labkit starts carries a `Life`: when it was created, when it was
told to stop and why, its size, capacity provider and network interface. The fields DescribeTasks shows are
computed from it (`TASK_FIELDS`, `CONTAINER_FIELDS`, laid over moto's Task and Container).

A task whose subnet has no way to its image's registry (see `labkit.model.pulls`) stays PENDING while the pull
retries, and at PULL_GIVES_UP it stops with stopCode TaskFailedToStart and AWS's reason (`labkit.model.pulls`),
never having started; so does a task whose awslogs group is missing (`logging_checks`). Its desired status
stays RUNNING until then, as on AWS.

At RUNNING its containers start for real (`labkit.mock.runtime`): what they print goes to their awslogs stream,
their exit stops the task, and a stop waits for them to exit (`lifecycle.stop_table`). The runtime writes what it
learns on the Life (exit codes, reasons, health); the fields below show it. A secret the execution role cannot
fetch stops the task before it starts, as a failed pull does. Once STOPPED, the task's network interface is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from moto.ecs.models import Container, Task
from moto.moto_api._internal import mock_random

from labkit.data import facts
from labkit.mock import ec2
from labkit.mock.accounts import now as account_now
from labkit.mock.ecs import logging_checks
from labkit.mock.patch import overlay, raw
from labkit.mock.pulls import pull_failure
from labkit.mock.runtime import secrets
from labkit.mock.state import enabled
from labkit.model import pulls
from labkit.model.lifecycle import (
    PLATFORM_VERSION,
    PULL_GIVES_UP,
    PULL_STARTED,
    PULL_STOPPED,
    START,
    STARTED,
    STOP,
    Table,
    phase,
    stop_table,
)


@dataclass
class Life:
    """What labkit keeps on each moto task: its timeline and the Fargate facts moto does not model."""

    account: str
    created: datetime
    fargate: bool
    cpu: str | None = None
    memory: str | None = None
    capacity_provider: str | None = None
    availability_zone: str | None = None
    subnet_id: str | None = None
    eni_id: str | None = None
    private_ip: str | None = None
    stop_requested: datetime | None = None  # desiredStatus became STOPPED
    stop_begins: datetime | None = None  # the stop sequence starts (later than requested for Spot)
    stop_code: str | None = None
    stopped_reason: str | None = None
    warning_code: str | None = None
    pull_fails: bool = False  # it cannot start (its image or a secret cannot be fetched): it stops at `gives_up`
    gives_up: float = PULL_GIVES_UP
    logged: bool = False
    signal_at: datetime | None = None  # when its containers get SIGTERM (the warning, for a Spot interruption)
    held: bool = False  # its containers still run: the stop sequence waits for them
    exited_at: datetime | None = None  # its containers have all exited
    runtime_started: bool = False
    exit_codes: dict[str, int] = field(default_factory=dict)
    container_reasons: dict[str, str] = field(default_factory=dict)
    container_health: dict[str, str] = field(default_factory=dict)
    health: str = "UNKNOWN"
    eni_deleted: bool = False
    attachment_id: str = ""

    def now(self) -> datetime:
        return account_now(self.account)

    def state(self, now: datetime | None = None) -> str:
        now = now or self.now()
        if self.stop_begins is not None and now >= self.stop_begins:
            return phase(self.stop_table(), (now - self.stop_begins).total_seconds())
        return phase(START[:2] if self.pull_fails else START, (now - self.created).total_seconds())

    def stop_table(self) -> Table:
        """The stop sequence's states and offsets: waiting for containers that still run, or exited late."""
        if self.held:
            return stop_table(held=True)
        if self.exited_at is None or self.stop_begins is None:
            return STOP
        return stop_table((self.exited_at - self.stop_begins).total_seconds())

    def stop_moment(self, name: str, now: datetime | None = None) -> datetime | None:
        """When the stop sequence reached state `name`, if it has."""
        offset = dict(self.stop_table()).get(name)
        return None if offset is None else self.after_stop(offset, now)

    def at(self, offset: float, now: datetime | None = None) -> datetime | None:
        """createdAt + offset, if that moment has come and came before any stop began."""
        if self.pull_fails and offset not in (PULL_STARTED, self.gives_up):
            return None  # never got further than the pull
        when = self.created + timedelta(seconds=offset)
        if when > (now or self.now()):
            return None
        if self.stop_begins is not None and when > self.stop_begins:
            return None
        return when

    def after_stop(self, offset: float, now: datetime | None = None) -> datetime | None:
        """The moment the stop began + offset, if it has come."""
        if self.stop_begins is None:
            return None
        when = self.stop_begins + timedelta(seconds=offset)
        return when if when <= (now or self.now()) else None

    @property
    def started_at(self) -> datetime | None:
        return self.at(STARTED)

    def stop_due(self, now: datetime | None = None) -> bool:
        """Its desired status has become STOPPED (a failed start is set in advance, and comes due in time)."""
        return self.stop_requested is not None and self.stop_requested <= (now or self.now())

    def is_live(self) -> bool:
        """Desired RUNNING: the scheduler still counts it."""
        return not self.stop_due()


def life(task: Any) -> Life | None:
    """The labkit timeline of a moto task (None for tasks made while the layer was off, or while it is off)."""
    found = task.__dict__.get("_lk")
    return found if found is not None and enabled() else None


# --- the fields DescribeTasks shows, computed from a task's Life ----------------------------------------------
def _is_labkit(obj: Any) -> bool:
    """A task labkit started, or a container of one."""
    task = obj.__dict__.get("_lk_task", obj)
    return task.__dict__.get("_lk") is not None


def _desired(task: Any) -> str:
    return "RUNNING" if task._lk.is_live() else "STOPPED"


def _fargate_or(value_if_fargate: Any, name: str) -> Any:
    def compute(task: Any) -> Any:
        return value_if_fargate(task) if task._lk.fargate else raw(task, name)
    return compute


def _version(task: Any) -> int:
    """DescribeTasks' `version`: one more for every state change so far."""
    lk: Life = task._lk
    elapsed = (lk.now() - lk.created).total_seconds()
    version = 1 + sum(1 for _, begins in START[1:] if elapsed >= begins and lk.at(begins) is not None)
    if lk.stop_due():
        version += 1 + sum(1 for _, begins in lk.stop_table()[1:] if lk.after_stop(begins) is not None)
    return version


def _attachments(task: Any) -> list[dict[str, Any]]:
    lk: Life = task._lk
    if not lk.eni_id:
        return []
    state = lk.state()
    status = {"PROVISIONING": "PRECREATED", "DEPROVISIONING": "DELETED", "STOPPED": "DELETED"}.get(state, "ATTACHED")
    details = [{"name": "subnetId", "value": lk.subnet_id}, {"name": "networkInterfaceId", "value": lk.eni_id},
               {"name": "macAddress", "value": task.__dict__.get("_lk_mac", "")},
               {"name": "privateDnsName", "value": ec2.dns_name(lk.private_ip or "", task.region_name)},
               {"name": "privateIPv4Address", "value": lk.private_ip}]
    return [{"id": lk.attachment_id, "type": "ElasticNetworkInterface", "status": status, "details": details}]


def _stop_code(task: Any) -> str | None:
    lk: Life = task._lk
    if not lk.stop_due():
        return None
    if lk.warning_code and lk.state() == "RUNNING":
        return lk.warning_code
    return lk.stop_code


def resolved_platform_version(obj: Any) -> str:
    """The platform version a task or service runs on: the one it was given, or what LATEST means."""
    given = raw(obj, "platform_version")
    return given if given not in (None, "", "LATEST") else PLATFORM_VERSION


def _default_ephemeral(task: Any) -> dict[str, int]:
    return {"sizeInGiB": int(facts()["limits"]["ephemeral_storage"]["default_gib"])}


def _container_status(container: Any) -> str:
    lk: Life = container._lk_task._lk
    if container.name in lk.exit_codes:
        return "STOPPED"
    state = lk.state()
    if state in ("PROVISIONING", "PENDING", "ACTIVATING"):
        return "PENDING"
    if state in ("RUNNING", "DEACTIVATING") or lk.held:
        return "RUNNING"  # (a container still running holds its task in STOPPING)
    return "STOPPED"


def _container_exit(container: Any) -> int | None:
    lk: Life = container._lk_task._lk
    if lk.pull_fails:
        return None  # the container never ran
    if container.name in lk.exit_codes:
        return lk.exit_codes[container.name]
    return 0 if _container_status(container) == "STOPPED" else None


def _container_reason(container: Any) -> str | None:
    lk: Life = container._lk_task._lk
    if container.name in lk.container_reasons:
        return lk.container_reasons[container.name]
    return lk.stopped_reason if lk.pull_fails and lk.stop_due() and lk.stop_code == pulls.STOP_CODE else None


def _container_nics(container: Any) -> list[dict[str, Any]]:
    lk: Life = container._lk_task._lk
    if not lk.eni_id or _container_status(container) == "STOPPED":
        return []
    return [{"attachmentId": lk.attachment_id, "privateIpv4Address": lk.private_ip}]


def _container_runtime(container: Any) -> str | None:
    return container.__dict__.get("_lk_runtime") if _container_status(container) != "PENDING" else None


TASK_FIELDS: dict[str, Any] = {
    "status": lambda t: t._lk.state(),
    "desired_status": _desired,
    "created_at": lambda t: t._lk.created,
    "pull_started_at": lambda t: t._lk.at(PULL_STARTED),
    "pull_stopped_at": lambda t: t._lk.at(t._lk.gives_up if t._lk.pull_fails else PULL_STOPPED),
    "started_at": lambda t: t._lk.at(STARTED),
    "stopping_at": lambda t: t._lk.stop_moment("STOPPING"),
    "execution_stopped_at": lambda t: t._lk.stop_moment("DEPROVISIONING"),
    "stopped_at": lambda t: t._lk.stop_moment("STOPPED"),
    "stop_code": _stop_code,
    "stopped_reason": lambda t: t._lk.stopped_reason if t._lk.stop_due() else None,
    "cpu": lambda t: t._lk.cpu,
    "memory": lambda t: t._lk.memory,
    "connectivity": lambda t: "CONNECTED" if t._lk.at(PULL_STARTED) else None,
    "connectivity_at": lambda t: t._lk.at(PULL_STARTED),
    "availability_zone": lambda t: t._lk.availability_zone,
    "health_status": lambda t: t._lk.health,
    "attachments": _attachments,
    "launch_type": _fargate_or(lambda t: "FARGATE", "launch_type"),
    "platform_version": _fargate_or(resolved_platform_version, "platform_version"),
    "platform_family": _fargate_or(lambda t: "Linux", "platform_family"),
    "capacity_provider_name": lambda t: t._lk.capacity_provider,
    "ephemeral_storage": _fargate_or(_default_ephemeral, "ephemeral_storage"),
    "version": _version,
}
CONTAINER_FIELDS: dict[str, Any] = {
    "last_status": _container_status,
    "exitCode": _container_exit,
    "reason": _container_reason,
    "network_interfaces": _container_nics,
    "runtime_id": _container_runtime,
    "health_status": lambda c: c._lk_task._lk.container_health.get(c.name, "UNKNOWN"),
}
for _name, _compute in TASK_FIELDS.items():
    overlay(Task, _name, _compute, active=_is_labkit)
for _name, _compute in CONTAINER_FIELDS.items():
    overlay(Container, _name, _compute, active=_is_labkit)


# --- creating and stopping tasks -------------------------------------------------------------------------------
def annotate(task: Any, backend: Any, task_definition: Any, *, fargate: bool, capacity_provider: str | None,
             overrides: dict[str, Any] | None, created: datetime | None = None) -> None:
    """Give a freshly made moto task its timeline, size, containers and a network interface in its subnet."""
    overrides = overrides or {}
    lk = Life(account=backend.account_id, created=created or account_now(backend.account_id), fargate=fargate,
              capacity_provider=capacity_provider if fargate else None, attachment_id=str(mock_random.uuid4()))
    lk.cpu = str(overrides.get("cpu") or task_definition.cpu or _sum(task_definition, "cpu") or "") or None
    lk.memory = str(overrides.get("memory") or task_definition.memory or _sum(task_definition, "memory") or "") or None
    task.containers = _containers(task, backend, task_definition)
    if task.attachments:
        _adopt_eni(task, backend, lk)
    task.__dict__["_lk"] = lk
    if fargate and lk.subnet_id:
        _fail_if_unpullable(task, backend, task_definition, lk)
    if not lk.pull_fails and secrets.has_secrets(task_definition):
        _fail_if_secrets_fail(task, backend, task_definition, lk)


def _containers(task: Any, backend: Any, task_definition: Any) -> list[Any]:
    """One moto Container per container definition (moto makes one for the whole task)."""
    containers = []
    for cdef in task_definition.container_definitions:
        c = Container(task_definition)
        c.name, c.image = cdef.get("name"), cdef.get("image")
        c.cpu = str(cdef.get("cpu", 0))
        c.memory = str(cdef["memory"]) if cdef.get("memory") is not None else None
        c.memory_reservation = str(cdef["memoryReservation"]) if cdef.get("memoryReservation") else None
        c.environment = cdef.get("environment")
        c.command = cdef.get("command")
        c.__dict__["_lk_task"] = task
        c.__dict__["_lk_runtime"] = f"{task.id.replace('-', '')}-{len(containers) + 1:010d}"
        c.task_arn = task.task_arn
        c.container_arn = (f"arn:aws:ecs:{task.region_name}:{backend.account_id}:container/"
                           f"{task.cluster_name}/{task.id}/{mock_random.uuid4()}")
        c.health_status = "UNKNOWN"
        containers.append(c)
    return containers


def _adopt_eni(task: Any, backend: Any, lk: Life) -> None:
    """Give the ENI moto made an address inside its subnet and AWS's description, and remember it."""
    details = {d["name"]: d["value"] for d in task.attachments[0]["details"]}
    arn = f"arn:aws:ecs:{task.region_name}:{backend.account_id}:attachment/{lk.attachment_id}"
    address = ec2.adopt_eni(backend.account_id, task.region_name, details.get("networkInterfaceId"),
                            seed=task.id, attachment_arn=arn)
    if address is not None:
        lk.eni_id, lk.private_ip, lk.subnet_id = address.eni_id, address.private_ip, address.subnet_id
        lk.availability_zone = address.availability_zone
        task.__dict__["_lk_mac"] = address.mac


def _fail_if_unpullable(task: Any, backend: Any, task_definition: Any, lk: Life) -> None:
    """Set a task that cannot reach its registry to fail its start when the pull gives up."""
    conf = (task.network_configuration or {}).get("awsvpcConfiguration") or {}
    public_ip = str(conf.get("assignPublicIp") or "DISABLED").upper() == "ENABLED"
    images = [cdef.get("image") or "" for cdef in task_definition.container_definitions]
    reason = (pull_failure(backend.account_id, task.region_name, lk.subnet_id, public_ip, images,
                           resolved_platform_version(task))
              or logging_checks.start_failure(backend.account_id, task.region_name, task, task_definition))
    if reason:
        lk.pull_fails = True
        request_stop(task, code=pulls.STOP_CODE, reason=reason, when=lk.created + timedelta(seconds=PULL_GIVES_UP))


def _fail_if_secrets_fail(task: Any, backend: Any, task_definition: Any, lk: Life) -> None:
    """A secret the execution role cannot fetch stops the task after its pull, before any container starts."""
    try:
        secrets.resolve(backend.account_id, task.region_name, task.id, task_definition)
    except secrets.SecretsError as err:
        lk.pull_fails, lk.gives_up = True, PULL_STOPPED
        request_stop(task, code=facts()["runtime"]["secrets"]["stop_code"], reason=str(err),
                     when=lk.created + timedelta(seconds=PULL_STOPPED))


def _sum(task_definition: Any, key: str) -> int:
    total = 0
    for cdef in task_definition.container_definitions:
        value = cdef.get(key) if key != "memory" else (cdef.get("memory") or cdef.get("memoryReservation"))
        total += int(value or 0)
    return total


def request_stop(task: Any, *, code: str, reason: str, when: datetime | None = None,
                 delay_seconds: float = 0, warning_code: str | None = None) -> None:
    """Set a task's desired status to STOPPED at `when` (default now); its stop sequence begins after `delay`."""
    lk: Life | None = life(task)
    when = when or (lk.now() if lk is not None else None)
    if lk is None or (lk.stop_requested is not None and lk.stop_requested <= when):
        return  # already told to stop (a failed start set for later can still be overtaken by an earlier stop)
    lk.stop_requested = lk.signal_at = when
    lk.stop_begins = when + timedelta(seconds=delay_seconds)
    lk.stop_code, lk.stopped_reason, lk.warning_code = code, reason, warning_code


# --- settling: what happens when time passes -------------------------------------------------------------------
def settle_tasks(backend: Any) -> None:
    """Delete the network interfaces of stopped tasks (their containers are the runtime's: `labkit.mock.runtime`)."""
    for cluster_tasks in backend.tasks.values():
        for task in cluster_tasks.values():
            lk = life(task)
            if lk is None:
                continue
            if lk.state() == "STOPPED" and lk.eni_id and not lk.eni_deleted:
                lk.eni_deleted = True
                ec2.delete_eni(backend.account_id, task.region_name, lk.eni_id)
