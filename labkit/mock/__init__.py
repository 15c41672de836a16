"""Mock mode: moto in process (or in `labkit server`) made to behave like Fargate where it falls short.

This is the door to the mock layer: `start()` applies the layer once and starts one `mock_aws` for the process;
labs get accounts from `allocate_account()` so that several labs in one kernel do not see each other; each
account has a simulated clock. The rooms behind it, laid out like moto's services, import only downward, never
this door (only `server`, which serves the whole layer, goes through it):

- `state`: whether the layer is on, its one lock, the process's in-process moto;
- `patch`: the one way to extend moto (`@patch(Backend.method)`, `overlay` for computed fields);
- `accounts` and `clock`: accounts per lab and their simulated clocks;
- `ecs/`: `rules` (Fargate's refusals on the API), `tasks` (the lifecycle on the simulated clock and the fields
  DescribeTasks lacks), `services` (scheduling, deployments, RunTask, StopTask), `capacity` (Spot
  interruptions), `quotas` (the account's Fargate vCPU quotas), `logging_checks` (a task's awslogs group at
  start), `fixes` (moto crashes and listings), `responses` (parse only; settle; the safety net);
- `ec2` (task network interfaces, leftover tags), `iam` (managed policies made cheap), `eks` (Fargate profile
  refusals), `logs` (awslogs startup lines), `pulls` (can a task reach its registry), `waiters` (boto3 waiters
  in simulated time), `server` (local mode), `versions` (the pinned moto);
- `runtime/`: tasks that run (their containers as real processes or stand-ins; see its docstring for how
  simulated time and wall time meet).
- `elb/` (load balancers that route), `cloudwatch/` (metrics every minute, alarms that change state),
  `autoscaling/` (policies that act), and `timeline`, which catches all three up minute by minute as time passes.

moto is imported only by `apply()`: `import labkit` stays fast.
"""

from __future__ import annotations

import functools
from typing import Any

from labkit.mock.accounts import (
    DEFAULT_ACCOUNT,
    account_for_index,
    allocate_account,
    clock,
    follow_wall_time,
    now,
    release_account,
    wipe_account,
)
from labkit.mock.state import LOCK, disabled, enabled, in_process, start_moto
from labkit.mock.versions import warn_if_moto_differs

__all__ = ["DEFAULT_ACCOUNT", "MOCK_CONFIG", "account_for_index", "allocate_account", "apply", "clock", "disabled",
           "enabled", "follow_wall_time", "in_process", "interrupt_spot", "load_balancer_url", "now", "prepare",
           "quotas", "release_account", "set_load", "set_quota", "start", "warn_if_moto_differs", "wipe_account"]

MOCK_CONFIG = {"iam": {"load_aws_managed_policies": True}}


def apply() -> None:
    """Lay the Fargate layer over moto, once per process; warn plainly if moto is not the pinned one."""
    prepare()
    _warn_once()


def prepare() -> None:
    """Lay the layer over moto without a word: nothing starts and no warning shows until `apply()` or `start()`.

    A kernel calls it as it starts (`labkit.lab.preload`), where a warning would reach no cell.
    """
    with LOCK:
        _apply_once()


@functools.cache
def _warn_once() -> None:
    warn_if_moto_differs()


@functools.cache
def _apply_once() -> None:
    from labkit.mock import fast_start

    fast_start.install()  # first: before moto makes its botocore Sessions
    from labkit.mock import fast_answers

    fast_answers.install()  # moto's per-call work that gives the same answer each time, done once
    # Importing a patch module applies its patches (each once); these are all of them.
    from labkit.mock import ec2, eks, iam, timeline, waiters  # noqa: F401
    from labkit.mock.autoscaling import policies  # noqa: F401
    from labkit.mock.autoscaling import responses as aas_responses  # noqa: F401
    from labkit.mock.cloudwatch import alarms  # noqa: F401
    from labkit.mock.cloudwatch import responses as cloudwatch_responses  # noqa: F401
    from labkit.mock.ecs import capacity, fixes, logging_checks, quotas, responses, rules, services, tasks  # noqa: F401
    from labkit.mock.elb import proxy, targets, validate  # noqa: F401
    from labkit.mock.elb import responses as elb_responses  # noqa: F401

    waiters.install()
    fast_start.warm()  # last: what every lab's first calls need, built with the patches in


def start() -> None:
    """Apply the layer and start the process's one in-process `mock_aws` (idempotent)."""
    apply()
    start_moto(MOCK_CONFIG)


def interrupt_spot(account: str, region: str, cluster: str, service: str | None = None,
                   count: int = 1) -> list[str]:
    """Send the Spot warning (and SIGTERM) to up to `count` running FARGATE_SPOT tasks; returns their ARNs."""
    from labkit.mock.ecs import capacity

    return capacity.interrupt_spot(account, region, cluster, service, count)


def set_quota(account: str, on_demand_vcpu: float | None = None, spot_vcpu: float | None = None) -> dict[str, float]:
    """Set an account's Fargate vCPU quotas, as a quota increase on AWS does (None keeps one); returns them.

    Every account starts with AWS's defaults for a new account (labkit.data, limits); wiping it resets them.
    """
    from labkit.mock.ecs import quotas

    return quotas.set_quota(account, on_demand_vcpu, spot_vcpu)


def quotas(account: str) -> dict[str, float]:
    """An account's Fargate vCPU quotas: {"FARGATE": vCPUs, "FARGATE_SPOT": vCPUs}."""
    from labkit.mock.ecs import quotas as module

    return module.quotas(account)


def set_load(account: str, region: str, cluster: str, service: str, **work: float | None) -> Any:
    """Set the work a service receives from now on (vcpu, memory_gb, requests_per_second); returns it."""
    from labkit.mock.cloudwatch import metrics

    return metrics.set_load(account, region, cluster, service, **work)


def load_balancer_url(account: str, region: str, name_or_arn: str) -> str | None:
    """The loopback URL where a load balancer's HTTP listener answers (None without one)."""
    from labkit.mock.elb import proxy

    return proxy.url_for(account, region, name_or_arn)
