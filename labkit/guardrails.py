"""Real mode's guardrails: no start without credentials, a budget and a priced region; a cost shown before
every create that costs money, and a refusal when the lab's projected spend would pass its budget.

They hook into each real-mode boto3 client (botocore events), so they hold for labkit.deploy and for plain
boto3 calls in a learner's cell alike. Mock and local modes never call them.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from labkit.errors import GuardrailError

#: A lab's projected spend assumes what it runs keeps running this long (a lesson, with margin).
PLANNED_HOURS = 2.0
#: ECS calls that start (or add) Fargate capacity, and what they cost money on.
COSTLY_CALLS = ("ecs.RunTask", "ecs.StartTask", "ecs.CreateService", "ecs.UpdateService")


def masked_account(account_id: str) -> str:
    """An account id with all but its last four digits hidden: enough to recognise, not to copy."""
    text = str(account_id)
    return "*" * max(len(text) - 4, 0) + text[-4:]


def priced_regions() -> list[str]:
    """The regions labkit has Fargate prices for (real mode refuses others: it could not show costs)."""
    from labkit import pricing

    return pricing.regions()


@dataclass
class Spend:
    """What a real lab has started, as estimated dollars per hour, keyed by what runs it."""

    hourly: dict[str, float] = field(default_factory=dict)

    @property
    def total_hourly(self) -> float:
        return sum(self.hourly.values())


def say(lab: Any, text: str) -> None:
    """Show a guardrail notice to the learner (a notebook shows it as output; a terminal on stderr)."""
    lab.notices.append(text)
    sink: Callable[[str], None] | None = getattr(lab, "on_notice", None)
    if sink is not None:
        sink(text)
    else:
        print(text, file=sys.stderr)


def check_connect(lab: Any) -> None:
    """Refuse a real lab without a priced region or credentials; then show the masked account and region."""
    lab.notices = getattr(lab, "notices", [])
    lab.spend = Spend()
    regions = priced_regions()
    if lab.region not in regions:
        raise GuardrailError(f"real mode in {lab.region} is refused: labkit has no Fargate prices there, so it "
                             f"could not show what you spend. Use one of: {', '.join(regions)}.")
    if lab._session.get_credentials() is None:
        raise GuardrailError("real mode needs AWS credentials and none were found. Run `aws configure` (or set "
                             "AWS_PROFILE) in a terminal, then connect again; mock mode needs none.")
    account = lab.account_id
    say(lab, f"Real AWS: account {masked_account(account)}, region {lab.region}, lab {lab.id}, "
             f"budget ${lab.budget_usd:.2f}. Everything is tagged labkit:lab={lab.id}; "
             "lab.teardown() removes it.")


def install(lab: Any, client: Any) -> None:
    """Hook a real-mode client: tag what it creates, and price every call that starts Fargate capacity."""
    events = client.meta.events
    for call in COSTLY_CALLS:
        events.register(f"before-call.{call}", _pricing_hook(lab))
    from labkit import tagging

    tagging.install(lab, client)


def _pricing_hook(lab: Any) -> Callable[..., None]:
    def hook(params: dict[str, Any], model: Any, **_: Any) -> None:
        before_create(lab, model.name, params=params)

    return hook


def _task_size(lab: Any, params: dict[str, Any]) -> tuple[float, float, str, str]:
    """vCPU, GB, arch and OS of the task definition a call would run (asked of ECS when not in the call)."""
    task_def = params.get("taskDefinition")
    if task_def is None and params.get("service"):
        svc = lab.client("ecs").describe_services(cluster=params.get("cluster", "default"),
                                                   services=[params["service"]])["services"]
        task_def = svc[0]["taskDefinition"] if svc else None
    if task_def is None:
        raise GuardrailError("labkit could not tell which task definition this call runs, so it cannot price it; "
                             "name the task definition in the call.")
    td = lab.client("ecs").describe_task_definition(taskDefinition=task_def)["taskDefinition"]
    from labkit.fargate import parse_cpu, parse_memory

    units = lab_units()
    platform = td.get("runtimePlatform", {})
    os_family = platform.get("operatingSystemFamily", "LINUX")
    return (parse_cpu(td["cpu"]) / units, parse_memory(td["memory"]) / 1024,
            platform.get("cpuArchitecture", "X86_64"), "LINUX" if os_family == "LINUX" else "WINDOWS")


def lab_units() -> int:
    from labkit.data import facts

    return int(facts()["units"]["cpu_units_per_vcpu"])


def _count_and_key(operation: str, params: dict[str, Any]) -> tuple[int, str, bool]:
    """How many tasks the call would keep running, what it is (for the spend ledger), and whether on Spot."""
    strategy = params.get("capacityProviderStrategy") or []
    spot = bool(strategy) and all(item.get("capacityProvider") == "FARGATE_SPOT" for item in strategy)
    cluster = params.get("cluster", "default")
    if operation in ("RunTask", "StartTask"):
        return int(params.get("count", 1)), f"task:{cluster}:{params.get('taskDefinition')}:{id(params)}", spot
    name = params.get("serviceName") or params.get("service")
    return int(params.get("desiredCount", 1)), f"service:{cluster}:{name}", spot


def before_create(lab: Any, operation: str, *, params: dict[str, Any] | None = None, **_: Any) -> None:
    """Price a call that starts tasks, show it, and refuse it when the projected spend would pass the budget."""
    if lab.mode != "real" or params is None:
        return
    if operation == "UpdateService" and "desiredCount" not in params:
        return  # a new revision or setting: the service's running count, and so its spend, stays the same
    from labkit.pricing import fargate_cost

    count, key, spot = _count_and_key(operation, params)
    vcpu, gb, arch, os_name = _task_size(lab, params)
    hourly = fargate_cost(vcpu, gb, 3600, tasks=max(count, 1), region=lab.region, arch=arch, os=os_name,
                          spot=spot).total if count else 0.0
    spend: Spend = lab.spend
    projected_hourly = spend.total_hourly - spend.hourly.get(key, 0.0) + hourly
    hours = getattr(lab, "planned_hours", PLANNED_HOURS)
    projected = projected_hourly * hours
    if projected > lab.budget_usd:
        raise GuardrailError(
            f"refused {operation}: {count} task(s) of {vcpu:g} vCPU / {gb:g} GB cost about ${hourly:.4f} per hour; "
            f"with what this lab already runs that projects to ${projected:.2f} over {hours:g} h, above its budget "
            f"of ${lab.budget_usd:.2f}. Use fewer or smaller tasks, tear down what you no longer need, or connect "
            "with a larger budget_usd.")
    spend.hourly[key] = hourly
    say(lab, f"{operation}: about ${hourly:.4f}/hour for {count} task(s) of {vcpu:g} vCPU / {gb:g} GB "
             f"({'Spot' if spot else 'on-demand'}); this lab now projects ${projected:.2f} over {hours:g} h "
             f"of its ${lab.budget_usd:.2f} budget.")
