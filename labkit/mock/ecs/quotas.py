"""Fargate's vCPU quotas in mock mode: an account runs at most so many vCPUs at once, on demand and on Spot.

Each account starts with AWS's defaults for a new account (`facts()["limits"]`, "Fargate On-Demand vCPU resource
count" and "Fargate Spot vCPU resource count", per Region); `set_quota` changes them, as a quota increase does.
A task counts from the moment it is started until it is STOPPED. Past the quota, RunTask starts no task and
names AWS's reason in `failures`, and a service says in its events that it was unable to place a task
(`facts()["errors"]["vcpu_quota"]`).
"""

from __future__ import annotations

import numbers
from fractions import Fraction
from typing import Any

from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.mock.accounts import when_account_ends
from labkit.mock.ecs.tasks import life
from labkit.mock.state import LOCK

QUOTA_KEYS = {"FARGATE": "fargate_on_demand_vcpu_quota", "FARGATE_SPOT": "fargate_spot_vcpu_quota"}
_set: dict[str, dict[str, float]] = {}  # account -> provider -> vCPUs, where a lab changed the default


def default_quota(provider: str) -> float:
    """AWS's default vCPU quota of a new account for FARGATE or FARGATE_SPOT."""
    return float(facts()["limits"][QUOTA_KEYS[provider]]["value"])


def quotas(account: str) -> dict[str, float]:
    """The account's vCPU quotas, {"FARGATE": ..., "FARGATE_SPOT": ...} (the same in every Region)."""
    with LOCK:
        return {p: _set.get(account, {}).get(p, default_quota(p)) for p in QUOTA_KEYS}


def _vcpus(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= float(value) < float("inf"):
        raise InvalidInput(f"{name}={value!r}: expected a number of vCPUs, 0 or more (AWS's default is "
                           f"{default_quota('FARGATE' if name == 'on_demand_vcpu' else 'FARGATE_SPOT'):g}).")
    return float(value)


def set_quota(account: str, on_demand_vcpu: float | None = None, spot_vcpu: float | None = None) -> dict[str, float]:
    """Set an account's Fargate vCPU quotas (None keeps one as it is); returns them. Wiping the account resets them."""
    wanted = {"FARGATE": on_demand_vcpu, "FARGATE_SPOT": spot_vcpu}
    checked = {p: _vcpus(v, "on_demand_vcpu" if p == "FARGATE" else "spot_vcpu")
               for p, v in wanted.items() if v is not None}
    with LOCK:
        _set.setdefault(account, {}).update(checked)
    return quotas(account)


def _forget(account: str) -> None:
    _set.pop(account, None)


when_account_ends(_forget)


def task_vcpus(task_definition: Any, overrides: dict[str, Any] | None = None) -> Fraction:
    """The vCPUs a Fargate task of this task definition holds (the task-level cpu, or its override)."""
    units = (overrides or {}).get("cpu") or task_definition.cpu or 0
    return Fraction(int(units), int(facts()["units"]["cpu_units_per_vcpu"]))


def in_use(backend: Any, provider: str) -> Fraction:
    """vCPUs of the account-Region's Fargate tasks on `provider` that are not STOPPED yet."""
    total = Fraction(0)
    for cluster_tasks in backend.tasks.values():
        for task in cluster_tasks.values():
            lk = life(task)
            if lk is None or not lk.fargate or lk.state() == "STOPPED":
                continue
            if (lk.capacity_provider or "FARGATE") == provider and lk.cpu:
                total += Fraction(int(lk.cpu), int(facts()["units"]["cpu_units_per_vcpu"]))
    return total


def refusal(backend: Any, task_definition: Any, fargate: bool, provider: str | None,
            overrides: dict[str, Any] | None = None) -> str | None:
    """AWS's reason when one more task would take the account past its vCPU quota; None when it fits."""
    if not fargate:
        return None
    provider = provider or "FARGATE"
    limit = quotas(backend.account_id)[provider]
    if in_use(backend, provider) + task_vcpus(task_definition, overrides) > limit:
        return str(facts()["errors"]["vcpu_quota"]["reason"])
    return None


def service_event(service_name: str) -> str:
    """The event a service shows when a task would go past the vCPU quota."""
    return facts()["errors"]["vcpu_quota"]["service_event"].format(service=f"service {service_name}")


class Started(list):  # type: ignore[type-arg]
    """The tasks RunTask started, and its `failures` (AWS's Failure objects: arn, reason) for the response."""

    def __init__(self, tasks: list[Any], failures: list[dict[str, str]]) -> None:
        super().__init__(tasks)
        self.failures = failures
