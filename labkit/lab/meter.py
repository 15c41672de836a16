"""The cost meter behind `lab.bill()`: what the lab's Fargate tasks cost so far, by service and by task.

It reads the tasks through boto3 (so it works in every mode) and prices each with `labkit.pricing.fargate_cost`:
billed per second from `pullStartedAt` (the image download starts) until `stoppedAt`, or until now on the
lab's clock for a task still running, with the per-task minimum. In mock and local modes "now" is simulated
time, so `lab.clock.advance(3600)` shows what an hour costs. In real mode it is an estimate from the same
rules, not AWS's bill.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labkit.data import facts
from labkit.lab.listing import chunks, paginate
from labkit.lab.tagging import of_lab
from labkit.model.pricing import fargate_cost
from labkit.model.text import ShownAsText
from labkit.model.units import gb, round_to_total, short_name, vcpu

ONE_OFF = "one-off tasks"


@dataclass(frozen=True)
class TaskCharge:
    """One task's charge: its size, where it ran, how long it is billed, and what that costs."""

    service: str
    task_definition: str
    capacity_provider: str
    cpu: str
    memory: str
    running: bool
    seconds: float
    billed_seconds: int
    cost: float
    task_arn: str = field(repr=False)

    def __str__(self) -> str:
        state = "running" if self.running else "stopped"
        return (f"{self.task_definition} on {self.capacity_provider} ({state}): "
                f"{self.billed_seconds:,} s billed, ${self.cost:.6f}")


@dataclass(frozen=True)
class Bill(ShownAsText):
    """The lab's Fargate charges so far; lines by service add up to the total."""

    charges: tuple[TaskCharge, ...]
    mode: str
    region: str
    elapsed_seconds: float
    minimum_seconds: int

    @property
    def total(self) -> float:
        return sum(c.cost for c in self.charges)

    def by_service(self) -> dict[str, float]:
        """Cost per service name ('one-off tasks' for tasks run by run_task), sorted by name."""
        out: dict[str, float] = {}
        for c in self.charges:
            out[c.service] = out.get(c.service, 0.0) + c.cost
        return dict(sorted(out.items(), key=lambda kv: (kv[0] == ONE_OFF, kv[0])))

    def by_task(self) -> tuple[TaskCharge, ...]:
        return self.charges

    def _rows(self) -> list[tuple[str, str, float]]:
        rows = []
        for name, cost in self.by_service().items():
            mine = [c for c in self.charges if c.service == name]
            seconds = sum(c.billed_seconds for c in mine)
            label = name if name == ONE_OFF else f"service {name}"
            rows.append((label, f"{len(mine)} task{'s' if len(mine) != 1 else ''}, {seconds:,} task-seconds billed",
                         cost))
        return rows

    def __str__(self) -> str:
        clock = "simulated" if self.mode != "real" else "wall-clock estimate"
        lines = [f"Fargate bill ({self.mode} mode, {self.region}, {clock}): {len(self.charges)} tasks"]
        rows = self._rows()
        shown = round_to_total([r[2] for r in rows], self.total, 4)
        width = max([len(r[0]) for r in rows] + [5])
        dwidth = max([len(r[1]) for r in rows] + [0])
        for (label, detail, _), value in zip(rows, shown, strict=True):
            lines.append(f"  {label:<{width}}  {detail:<{dwidth}}  ${value:.4f}")
        lines.append(f"  {'total':<{width}}  {'':<{dwidth}}  ${round(self.total, 4):.4f}")
        lines.append("The lines add up to the total. Billed per second from image pull to stop, at least "
                     f"{self.minimum_seconds} s per task.")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = self._rows()
        shown = round_to_total([r[2] for r in rows], self.total, 4)
        body = "".join(f"<tr><td>{html.escape(a)}</td><td>{html.escape(b)}</td><td style='text-align:right'>"
                       f"${v:.4f}</td></tr>" for (a, b, _), v in zip(rows, shown, strict=True))
        body += f"<tr><th>total</th><td></td><th style='text-align:right'>${round(self.total, 4):.4f}</th></tr>"
        return (f"<div><p><b>Fargate bill ({html.escape(self.mode)} mode, {html.escape(self.region)})</b></p>"
                f"<table>{body}</table><p>The lines add up to the total. Billed per second from image pull to "
                f"stop, at least {self.minimum_seconds} s per task.</p></div>")


def _service_of(task: dict[str, Any]) -> str:
    group = task.get("group") or ""
    return group.split(":", 1)[1] if group.startswith("service:") else ONE_OFF


def _seconds(task: dict[str, Any], now: datetime) -> float:
    start = task.get("pullStartedAt")
    if start is None:
        return 0.0
    end = task.get("stoppedAt") or now
    return max(0.0, (end - start).total_seconds())


def _fargate_tasks(lab: Any, ecs: Any) -> Iterator[dict[str, Any]]:
    """Every Fargate task the lab can see, running or stopped (in a shared account: the ones tagged with its id).

    A stopped task never changes, so one the lab has seen stopped is not described again (see `Lab.remembered`).
    """
    remembered = getattr(lab, "remembered", None)
    stopped: dict[str, dict[str, Any]] = remembered("stopped task", real_too=True) if remembered else {}
    for cluster in paginate(ecs, "list_clusters", "clusterArns"):
        arns: list[str] = []
        for status in ("RUNNING", "STOPPED"):
            arns += paginate(ecs, "list_tasks", "taskArns", cluster=cluster, desiredStatus=status)
        tasks = [stopped[arn] for arn in arns if arn in stopped]
        for chunk in chunks([arn for arn in arns if arn not in stopped], 100):
            tasks += ecs.describe_tasks(cluster=cluster, tasks=chunk, include=["TAGS"])["tasks"]
        for task in tasks:
            if task.get("lastStatus") == "STOPPED":
                stopped[task["taskArn"]] = task
            if task.get("launchType") != "FARGATE" or not task.get("cpu") or not task.get("memory"):
                continue
            if lab.shared_account and not of_lab(task.get("tags"), lab.id):
                continue
            yield task


def _platform(ecs: Any, task_definition: str, known: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """(architecture, LINUX or WINDOWS) of a task definition, asked of ECS once (a revision's platform never
    changes; `known` is what the lab remembers between bills, see `Lab.remembered`)."""
    if task_definition not in known:
        described = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
        platform = described.get("runtimePlatform") or {}
        family = platform.get("operatingSystemFamily", "LINUX")
        known[task_definition] = (platform.get("cpuArchitecture", "X86_64"),
                                  "WINDOWS" if family.startswith("WINDOWS") else "LINUX")
    return known[task_definition]


def _charge(lab: Any, task: dict[str, Any], platform: tuple[str, str], now: datetime) -> TaskCharge:
    """What one task costs so far, per labkit.pricing."""
    seconds = _seconds(task, now)
    provider = task.get("capacityProviderName") or "FARGATE"
    storage = (task.get("ephemeralStorage") or {}).get("sizeInGiB", facts()["billing"]["free_storage_gb"])
    cost = fargate_cost(vcpu(task["cpu"]), gb(task["memory"]), seconds, region=lab.region, arch=platform[0],
                        os=platform[1], ephemeral_gb=storage, spot=provider == "FARGATE_SPOT")
    return TaskCharge(service=_service_of(task), task_definition=short_name(task["taskDefinitionArn"]),
                      capacity_provider=provider, cpu=task["cpu"], memory=task["memory"],
                      running=task.get("lastStatus") != "STOPPED", seconds=seconds,
                      billed_seconds=cost.billed_seconds, cost=cost.total, task_arn=task["taskArn"])


def bill(lab: Any) -> Bill:
    """Price every Fargate task the lab can see; nothing is billed before a task's image download starts."""
    ecs = lab.client("ecs")
    now = lab.clock.now()
    remembered = getattr(lab, "remembered", None)
    platforms: dict[str, tuple[str, str]] = remembered("platform", real_too=True) if remembered else {}
    charges = [_charge(lab, task, _platform(ecs, task["taskDefinitionArn"], platforms), now)
               for task in _fargate_tasks(lab, ecs) if task.get("pullStartedAt") is not None]
    charges.sort(key=lambda c: (c.service == ONE_OFF, c.service, c.task_definition, c.capacity_provider,
                                -c.billed_seconds, c.task_arn))
    elapsed = float(getattr(lab.clock, "elapsed", 0.0))
    return Bill(charges=tuple(charges), mode=lab.mode, region=lab.region, elapsed_seconds=elapsed,
                minimum_seconds=int(facts()["billing"]["minimum_seconds"]["LINUX"]))
