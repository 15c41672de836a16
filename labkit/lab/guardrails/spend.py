"""A real lab's ledger: what it runs and has run, priced, to project its spend against its budget.

What runs now is assumed to keep running `PLANNED_HOURS` (a lesson, with margin): what the lab has run so far
plus that must stay within the budget. `ledger(lab)` is the one ledger of a lab.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labkit.model.pricing import fargate_cost, load_balancer_cost
from labkit.model.units import short_name, size_text

#: A lab's projection assumes what runs now keeps running this long (a lesson, with margin).
PLANNED_HOURS = 2.0


@dataclass
class Charge:
    """Something that runs and costs: a service at one desired count, one task, or a load balancer (`balancer`:
    priced by the hour, not by size), from `started` to `ended`."""

    what: str
    vcpu: float
    memory_gb: float
    on_demand: int
    spot: int
    started: datetime
    arch: str = "X86_64"
    os: str = "LINUX"
    ephemeral_gb: float = 20
    ended: datetime | None = None
    balancer: bool = False

    @property
    def tasks(self) -> int:
        return self.on_demand + self.spot

    def cost(self, region: str, seconds: float) -> float:
        """What it costs running `seconds`, per labkit.pricing (minimums included). Spot tasks are counted at the
        on-demand rate: Spot prices move, and the budget must hold whatever they do."""
        if self.balancer:
            return load_balancer_cost(seconds, region)
        if not self.tasks:
            return 0.0
        return fargate_cost(self.vcpu, self.memory_gb, max(seconds, 0.0), tasks=self.tasks, region=region,
                            arch=self.arch, os=self.os, ephemeral_gb=self.ephemeral_gb).total

    def hourly(self, region: str) -> float:
        return self.cost(region, 3600.0)


def service_key(cluster: str | None, service: str) -> str:
    """How the ledger names an ECS service ("service labkit/web")."""
    return f"service {short_name(cluster or 'default')}/{short_name(service)}"


def task_key(cluster: str | None, task: str) -> str:
    """How the ledger names one task ("task labkit/1a2b...")."""
    return f"task {short_name(cluster or 'default')}/{short_name(task)}"


@dataclass
class Ledger:
    """What one real lab runs and has run, to project its spend against its budget."""

    region: str
    budget_usd: float
    planned_hours: float = PLANNED_HOURS
    charges: list[Charge] = field(default_factory=list)
    #: services with a scalable target: the most tasks auto scaling may run
    ceilings: dict[str, int] = field(default_factory=dict)

    def running(self) -> dict[str, Charge]:
        """What runs now, by what it is ("service labkit/web", "task labkit/1a2b...")."""
        return {c.what: c for c in self.charges if c.ended is None}

    def spent(self, now: datetime) -> float:
        """Estimated dollars spent so far (what has run, and what runs, until `now`)."""
        return sum(c.cost(self.region, ((c.ended or now) - c.started).total_seconds()) for c in self.charges)

    def hourly(self, replacing: str | None = None) -> float:
        """Dollars per hour of what runs now (without `replacing`, about to change), auto scaling's ceiling included."""
        return sum(self.for_budget(c).hourly(self.region) for c in self.running().values() if c.what != replacing)

    def for_budget(self, charge: Charge) -> Charge:
        """`charge` as the budget counts it: at its auto scaling ceiling, when that is higher."""
        ceiling = self.ceilings.get(charge.what, 0)
        if ceiling <= charge.tasks:
            return charge
        return Charge(charge.what, charge.vcpu, charge.memory_gb, ceiling, 0, charge.started, charge.arch,
                      charge.os, charge.ephemeral_gb)

    def projected(self, now: datetime, new: Charge | None = None) -> float:
        """Spent so far plus what would run (with `new` in place of what it replaces) for planned_hours."""
        hourly = self.hourly(replacing=new.what if new else None)
        if new is not None:
            hourly += self.for_budget(new).hourly(self.region)
        return self.spent(now) + hourly * self.planned_hours

    def start(self, charge: Charge) -> None:
        """Record `charge` as running, ending what ran under the same name."""
        self.stop(charge.what, charge.started)
        self.charges.append(charge)

    def stop(self, what: str, when: datetime) -> None:
        for charge in self.charges:
            if charge.what == what and charge.ended is None:
                charge.ended = when

    def __str__(self) -> str:
        from datetime import timezone

        now = datetime.now(timezone.utc)
        groups: dict[tuple[str, float, float], int] = {}
        for c in self.running().values():
            name = "tasks in cluster " + c.what.split(" ", 1)[1].split("/")[0] if c.what.startswith("task ") \
                else c.what
            groups[(name, c.vcpu, c.memory_gb)] = groups.get((name, c.vcpu, c.memory_gb), 0) + c.tasks
        lines = [f"Spent so far about ${self.spent(now):.2f}; running now about ${self.hourly():.4f}/hour; "
                 f"projected ${self.projected(now):.2f} over {self.planned_hours:g} h of a ${self.budget_usd:.2f} "
                 "budget."]
        lines += [f"  {name}: {n} x {size_text(cpus, mem)}" for (name, cpus, mem), n in sorted(groups.items()) if n]
        lines += [f"  {c.what}" for c in self.running().values() if c.balancer]
        if len(lines) == 1:
            lines.append("  nothing running")
        return "\n".join(lines)


_ledgers: weakref.WeakKeyDictionary[Any, Ledger] = weakref.WeakKeyDictionary()


def ledger(lab: Any) -> Ledger:
    """The spend ledger of a real lab (made at connect)."""
    if lab not in _ledgers:
        _ledgers[lab] = Ledger(region=lab.region, budget_usd=float(lab.budget_usd))
    return _ledgers[lab]
