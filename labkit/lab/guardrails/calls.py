"""The calls real mode guards: what each would run, priced before it is sent, and settled in the ledger after.

`ASKS` says what a priced call would run (call -> function); `SETTLES` how the ledger changes once AWS accepted
a call. The service rows (`labkit.lab.services`, `Guards`) name the same calls; a test keeps them equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from labkit.errors import GuardrailError
from labkit.lab.guardrails.notices import refuse, say
from labkit.lab.guardrails.spend import Charge, Ledger, ledger, service_key, task_key
from labkit.model import placement
from labkit.model.pricing import load_balancer_hourly
from labkit.model.units import gb, short_name, size_text, vcpu

_SERVICE_DIMENSION = "ecs:service:DesiredCount"
#: Error codes of ECS's describe calls for something that does not exist.
NOT_FOUND = ("ClientException", "ServiceNotFoundException", "ClusterNotFoundException", "InvalidParameterException")


@dataclass(frozen=True)
class Quote:
    """A priced call: what it would run, in place of what, and the lab's projection with it."""

    charge: Charge
    hourly: float
    projected: float


class _AwsAnswers(Exception):
    """The call names something that is not there (or not a Fargate size): nothing to price, AWS will say why."""


@dataclass(frozen=True)
class _Ask:
    """What a priced call would run: `count` tasks of `size`, named `key` in the ledger, `what` in words.

    `how`: "adds" (new tasks beside what runs), "replaces" (a service at a new count, in place of what ran under
    `key`), or "ceiling" (auto scaling may run up to `count`). A call that `may_lower` what runs is not shown
    when it costs no more than before.
    """

    key: str
    what: str
    count: int
    strategy: list[Any]
    size: dict[str, Any]
    how: str = "replaces"
    may_lower: bool = False
    balancer: bool = False  # an Application Load Balancer: priced by the hour, not by task size


# --- what each priced call would run ---------------------------------------------------------------------------
def _tasks(lab: Any, operation: str, params: dict[str, Any], count: int) -> _Ask:
    cluster = short_name(params.get("cluster") or "default")
    return _Ask(key=f"{operation} {cluster}", what=f"{count} new task(s) in cluster {cluster}", count=count,
                strategy=list(params.get("capacityProviderStrategy") or []),
                size=size(lab, params.get("taskDefinition")), how="adds")


def _run_task(lab: Any, params: dict[str, Any]) -> _Ask:
    return _tasks(lab, "RunTask", params, int(params.get("count", 1)))


def _start_task(lab: Any, params: dict[str, Any]) -> _Ask:
    return _tasks(lab, "StartTask", params, len(params.get("containerInstances", [])))


def _create_service(lab: Any, params: dict[str, Any]) -> _Ask:
    key = service_key(params.get("cluster"), params["serviceName"])
    return _Ask(key=key, what=key, count=int(params.get("desiredCount", 1)),
                strategy=list(params.get("capacityProviderStrategy") or []),
                size=size(lab, params.get("taskDefinition")))


def _update_service(lab: Any, params: dict[str, Any]) -> _Ask | None:
    strategy = list(params.get("capacityProviderStrategy") or [])
    if "desiredCount" not in params and "taskDefinition" not in params and not strategy:
        return None  # a setting that leaves what runs, and so the spend, as it is
    cluster = params.get("cluster")
    svc = _describe_service(lab, cluster, params["service"])
    key = service_key(cluster, params["service"])
    return _Ask(key=key, what=key, count=int(params.get("desiredCount", svc.get("desiredCount", 0))),
                strategy=strategy or list(svc.get("capacityProviderStrategy") or []),
                size=size(lab, params.get("taskDefinition") or svc["taskDefinition"]), may_lower=True)


def _register_scalable_target(lab: Any, params: dict[str, Any]) -> _Ask | None:
    if params.get("ScalableDimension") != _SERVICE_DIMENSION or "MaxCapacity" not in params:
        return None
    _, cluster, name = (params["ResourceId"].split("/", 2) + ["", ""])[:3]
    svc = _describe_service(lab, cluster, name)
    key = service_key(cluster, name)
    count = int(params["MaxCapacity"])
    return _Ask(key=key, what=f"auto scaling up to {count} task(s) of {key}", count=count,
                strategy=list(svc.get("capacityProviderStrategy") or []), size=size(lab, svc["taskDefinition"]),
                how="ceiling", may_lower=True)


def balancer_key(name_or_arn: str) -> str:
    """How the ledger names a load balancer ("load balancer web"), from its name or ARN."""
    name = name_or_arn.split(":loadbalancer/", 1)[1].split("/")[1] if ":loadbalancer/" in name_or_arn else name_or_arn
    return f"load balancer {name}"


def _create_load_balancer(lab: Any, params: dict[str, Any]) -> _Ask:
    kind = params.get("Type") or "application"
    if kind != "application":
        raise GuardrailError(f"refused CreateLoadBalancer: a {kind} load balancer is billed apart, and labkit prices "
                             "Application Load Balancers only. Use Type='application' (the default).")
    key = balancer_key(params["Name"])
    return _Ask(key=key, what=key, count=0, strategy=[], size={}, how="adds", balancer=True)


ASKS: dict[str, Callable[[Any, dict[str, Any]], _Ask | None]] = {
    "ecs.RunTask": _run_task,
    "ecs.StartTask": _start_task,
    "ecs.CreateService": _create_service,
    "ecs.UpdateService": _update_service,
    "application-autoscaling.RegisterScalableTarget": _register_scalable_target,
    "elbv2.CreateLoadBalancer": _create_load_balancer,
}


# --- pricing -------------------------------------------------------------------------------------------------
def priced(lab: Any, call: str, params: dict[str, Any]) -> Quote | None:
    """`quote`, except that a call naming what does not exist goes to AWS unpriced, for AWS's own answer."""
    from botocore.exceptions import ClientError

    operation = call.split(".", 1)[1]
    try:
        return quote(lab, call, params)
    except _AwsAnswers as why:
        say(lab, f"{operation}: not priced ({why}); AWS decides.", show=False)
        return None
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in NOT_FOUND:
            return None
        raise GuardrailError(f"refused {operation}: labkit could not price it because AWS refused to describe what "
                             f"it runs ({err}); real mode sends no call it cannot price. Check the IAM policy "
                             "in labkit/data/iam-policy.json.") from err


def quote(lab: Any, call: str, params: dict[str, Any]) -> Quote | None:
    """Price a call that starts tasks; show it, or refuse it when the projection would pass the budget."""
    ask = ASKS[call](lab, params)
    if ask is None:
        return None
    book = ledger(lab)
    if ask.balancer:
        return _quote_balancer(lab, book, ask, call.split(".", 1)[1])
    priced_at, count, was_hourly = _price(lab, book, ask)
    if ask.may_lower and priced_at.hourly <= was_hourly:
        return priced_at  # runs less (or the same): no new cost
    operation = call.split(".", 1)[1]
    spot = placement.on_spot(ask.count, ask.strategy)
    option = f"{spot} on Fargate Spot, counted at the on-demand rate" if spot else "on-demand"
    sized = size_text(ask.size["vcpu"], ask.size["memory_gb"])
    if priced_at.projected > book.budget_usd:
        refusal = (f"refused {operation} ({ask.what}): {count} task(s) of {sized} cost about "
                   f"${priced_at.hourly:.4f} per hour; with what this lab has run and runs, that projects to "
                   f"${priced_at.projected:.2f} over {book.planned_hours:g} h, above its budget of "
                   f"${book.budget_usd:.2f}. Use fewer or smaller tasks, lab.teardown() what you no longer need, or "
                   "connect with a larger budget_usd.")
        raise refuse(lab, refusal)
    say(lab, f"{operation} ({ask.what}): {count} task(s) of {sized} ({option}), about ${priced_at.hourly:.4f}/hour. "
             f"This lab projects ${priced_at.projected:.2f} over {book.planned_hours:g} h, within its "
             f"${book.budget_usd:.2f} budget.")
    return priced_at


def _quote_balancer(lab: Any, book: Ledger, ask: _Ask, operation: str) -> Quote:
    """A load balancer's quote: its hourly price (labkit.data, prices.alb), shown, or refused over budget."""
    try:
        hourly = load_balancer_hourly(lab.region)
    except ValueError as err:
        raise GuardrailError(f"refused {operation} ({ask.what}): {err}") from err
    now = lab.clock.now()
    charge = Charge(what=ask.key, vcpu=0.0, memory_gb=0.0, on_demand=0, spot=0, started=now, balancer=True)
    projected = book.projected(now) + hourly * book.planned_hours
    if projected > book.budget_usd:
        refusal = (f"refused {operation} ({ask.what}): an Application Load Balancer costs about ${hourly:.4f} per "
                   f"hour; with what this lab has run and runs, that projects to ${projected:.2f} over "
                   f"{book.planned_hours:g} h, above its budget of ${book.budget_usd:.2f}. lab.teardown() what you "
                   "no longer need, or connect with a larger budget_usd.")
        raise refuse(lab, refusal)
    say(lab, f"{operation} ({ask.what}): about ${hourly:.4f}/hour (each hour or part of one billed, with one LCU of "
             f"traffic). This lab projects ${projected:.2f} over {book.planned_hours:g} h, within its "
             f"${book.budget_usd:.2f} budget.")
    return Quote(charge=charge, hourly=hourly, projected=projected)


def _price(lab: Any, book: Ledger, ask: _Ask) -> tuple[Quote, int, float]:
    """The quote of `ask`, the number of tasks it is priced at, and the hourly cost of what it replaces."""
    now = lab.clock.now()
    spot = placement.on_spot(ask.count, ask.strategy)
    charge = Charge(what=ask.key, on_demand=ask.count - spot, spot=spot, started=now, **ask.size)
    before = book.running().get(ask.key)
    was_hourly = book.for_budget(before).hourly(lab.region) if before else 0.0
    count = ask.count
    if ask.how == "ceiling":  # auto scaling may run up to MaxCapacity tasks: the budget must hold for that many
        count = max(count, before.tasks if before else 0)
        hourly = Charge(what=ask.key, on_demand=count, spot=0, started=now, **ask.size).hourly(lab.region)
        projected = book.spent(now) + (book.hourly(replacing=ask.key) + hourly) * book.planned_hours
        charge = before or Charge(what=ask.key, on_demand=0, spot=0, started=now, **ask.size)
    elif ask.how == "adds":
        hourly = charge.hourly(lab.region)
        projected = book.projected(now) + hourly * book.planned_hours
    else:
        hourly = book.for_budget(charge).hourly(lab.region)
        projected = book.projected(now, charge)
    return Quote(charge=charge, hourly=hourly, projected=projected), count, was_hourly


# --- what ECS says a task definition or service is ---------------------------------------------------------------
def size_or_none(lab: Any, task_definition: str) -> dict[str, Any] | None:
    """The size of a task definition, or None when ECS cannot say (gone, or no task-level size)."""
    from botocore.exceptions import ClientError

    try:
        return size(lab, task_definition)
    except (_AwsAnswers, ClientError):
        return None


def _describe_service(lab: Any, cluster: str | None, service: str) -> dict[str, Any]:
    found = lab.client("ecs").describe_services(cluster=cluster or "default", services=[service])["services"]
    if not found or found[0].get("status") == "INACTIVE":
        raise _AwsAnswers(f"no active service {short_name(service)} in cluster {short_name(cluster or 'default')}")
    return found[0]


def size(lab: Any, task_definition: str | None) -> dict[str, Any]:
    """vCPU, GB, arch, OS and ephemeral storage of a task definition, asked of ECS."""
    if not task_definition:
        raise _AwsAnswers("no task definition named")
    td = lab.client("ecs").describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    if not td.get("cpu") or not td.get("memory"):
        raise _AwsAnswers(f"task definition {td['family']}:{td['revision']} sets no task-level cpu and memory, "
                          "which Fargate needs")
    platform = td.get("runtimePlatform") or {}
    os_family = platform.get("operatingSystemFamily", "LINUX")
    return {"vcpu": vcpu(td["cpu"]), "memory_gb": gb(td["memory"]),
            "arch": platform.get("cpuArchitecture", "X86_64"),
            "os": "LINUX" if os_family == "LINUX" else "WINDOWS",
            "ephemeral_gb": float((td.get("ephemeralStorage") or {}).get("sizeInGiB", 20))}


# --- after AWS accepted a call: the ledger -------------------------------------------------------------------------
def settle(lab: Any, call: str, params: dict[str, Any], parsed: dict[str, Any], quoted: Quote | None) -> None:
    """Record what now runs (or no longer runs) in the lab's ledger."""
    SETTLES[call](ledger(lab), lab.clock.now(), params, parsed, quoted)


def _tasks_started(book: Ledger, now: datetime, params: dict[str, Any], parsed: dict[str, Any],
                   quoted: Quote | None) -> None:
    if quoted is None:
        return
    c = quoted.charge
    for task in parsed.get("tasks", []):
        on_spot = task.get("capacityProviderName") == "FARGATE_SPOT"
        book.start(Charge(what=task_key(task.get("clusterArn"), task["taskArn"]), vcpu=c.vcpu,
                          memory_gb=c.memory_gb, on_demand=0 if on_spot else 1, spot=1 if on_spot else 0,
                          started=now, arch=c.arch, os=c.os, ephemeral_gb=c.ephemeral_gb))


def _service_set(book: Ledger, now: datetime, params: dict[str, Any], parsed: dict[str, Any],
                 quoted: Quote | None) -> None:
    if quoted is not None:
        book.start(quoted.charge)


def _task_stopped(book: Ledger, now: datetime, params: dict[str, Any], parsed: dict[str, Any],
                  quoted: Quote | None) -> None:
    book.stop(task_key(params.get("cluster"), params["task"]), now)


def _service_deleted(book: Ledger, now: datetime, params: dict[str, Any], parsed: dict[str, Any],
                     quoted: Quote | None) -> None:
    key = service_key(params.get("cluster"), params["service"])
    book.stop(key, now)
    book.ceilings.pop(key, None)


def _ceiling_set(book: Ledger, now: datetime, params: dict[str, Any], parsed: dict[str, Any],
                 quoted: Quote | None) -> None:
    if quoted is None:
        return
    book.ceilings[quoted.charge.what] = int(params["MaxCapacity"])
    if quoted.charge.what not in book.running():
        book.start(quoted.charge)


def _ceiling_dropped(book: Ledger, now: datetime, params: dict[str, Any], parsed: dict[str, Any],
                     quoted: Quote | None) -> None:
    _, cluster, name = (str(params.get("ResourceId", "")).split("/", 2) + ["", ""])[:3]
    book.ceilings.pop(service_key(cluster, name), None)


def _balancer_deleted(book: Ledger, now: datetime, params: dict[str, Any], parsed: dict[str, Any],
                      quoted: Quote | None) -> None:
    book.stop(balancer_key(str(params.get("LoadBalancerArn", ""))), now)


SETTLES: dict[str, Callable[[Ledger, datetime, dict[str, Any], dict[str, Any], Quote | None], None]] = {
    "ecs.RunTask": _tasks_started,
    "ecs.StartTask": _tasks_started,
    "ecs.CreateService": _service_set,
    "ecs.UpdateService": _service_set,
    "ecs.StopTask": _task_stopped,
    "ecs.DeleteService": _service_deleted,
    "application-autoscaling.RegisterScalableTarget": _ceiling_set,
    "application-autoscaling.DeregisterScalableTarget": _ceiling_dropped,
    "elbv2.CreateLoadBalancer": _service_set,
    "elbv2.DeleteLoadBalancer": _balancer_deleted,
}
