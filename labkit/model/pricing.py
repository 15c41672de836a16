"""Fargate and EC2 costs from the dated prices in `labkit.data`: breakdowns that add up, and comparisons.

Fargate bills requested vCPU and memory (plus a Windows licence and storage above the free amount) per
second, with a minimum per task run. Results carry the rates' source, date and caveats (disputed or
third-party prices, Spot estimates), so a learner sees how far to trust a number.
"""

from __future__ import annotations

import html
import math
import numbers
from dataclasses import asdict, dataclass, field, replace
from fractions import Fraction
from typing import Any

from labkit.data import cite, facts
from labkit.errors import InvalidInput
from labkit.model.sizes import is_valid_size, normalize_os, size_hint, smallest_size_for
from labkit.model.text import ShownAsText
from labkit.model.units import num, parse_cpu, parse_memory, round_to_total, size_text, usd, usd_places

__all__ = [
    "Comparison",
    "Cost",
    "Ec2Cost",
    "Rates",
    "break_even_utilisation",
    "compare",
    "ec2_cost",
    "fargate_cost",
    "fargate_cost_for_size",
    "billed_size",
    "monthly",
    "rates",
    "regions",
    "registered_memory_mib",
    "tasks_per_instance",
]

ARCHES = ("X86_64", "ARM64")
PLATFORMS = ("ECS", "EKS")
_KEYS = {("LINUX", "X86_64"): "linux_x86", ("LINUX", "ARM64"): "linux_arm",
         ("WINDOWS", "X86_64"): "windows_x86"}
_LABELS = {"linux_x86": "Linux/X86", "linux_arm": "Linux/ARM", "windows_x86": "Windows/X86"}
_SPOT_SAMPLE_REGION = "us-east-1"


# ---------------------------------------------------------------- input checks


def _real(value: Any, name: str, *, allow_zero: bool = False, example: str = "a number") -> float:
    """A finite number (> 0, or >= 0 with allow_zero) as float; InvalidInput otherwise."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInput(f"{name} {value!r} is not a number; expected {example}.")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInput(f"{name} {value!r} is not a finite number; expected {example}.")
    if number < 0 or (number == 0 and not allow_zero):
        bound = "zero or more" if allow_zero else "greater than zero"
        raise InvalidInput(f"{name} {value!r} must be {bound}; expected {example}.")
    return number


def _count(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise InvalidInput(f"{name} {value!r} must be a whole number of 1 or more.")
    return int(value)


def _arch(arch: Any) -> str:
    name = str(arch).strip().upper() if isinstance(arch, str) else None
    if name not in ARCHES:
        raise InvalidInput(f"arch {arch!r} is not known; expected one of {', '.join(ARCHES)}.")
    return name


def _platform(platform: Any) -> str:
    name = str(platform).strip().upper() if isinstance(platform, str) else None
    if name not in PLATFORMS:
        raise InvalidInput(f"platform {platform!r} is not known; expected 'ECS' or 'EKS'.")
    return name


def regions() -> list[str]:
    """Regions with Fargate prices in labkit's data."""
    return list(facts()["prices"]["fargate"])


def _region(region: Any) -> dict[str, Any]:
    table = facts()["prices"]["fargate"]
    if not isinstance(region, str) or region not in table:
        raise InvalidInput(f"region {region!r} has no Fargate prices in labkit's data; "
                           f"choose one of {', '.join(table)}.")
    return table[region]


def load_balancer_hourly(region: str = "us-east-1") -> float:
    """What an Application Load Balancer costs an hour in `region`: its hourly charge plus the LCU-hours labkit
    budgets a lesson's traffic at (labkit.data, prices.alb)."""
    table = facts()["prices"]["alb"]
    if region not in table:
        raise InvalidInput(f"region {region!r} has no Application Load Balancer price in labkit's data; labkit "
                           f"prices load balancers in {', '.join(table)}.")
    rates = table[region]
    return float(rates["usd_per_hour"]) + float(rates["lcu_usd_per_hour"]) * float(rates["lcu_hours_per_hour"])


def load_balancer_cost(seconds: float, region: str = "us-east-1") -> float:
    """What an Application Load Balancer costs running `seconds`: each hour or partial hour billed as an hour."""
    return load_balancer_hourly(region) * max(1, math.ceil(max(seconds, 0.0) / 3600 - 1e-9))


# ---------------------------------------------------------------- rates


@dataclass(frozen=True)
class Rates:
    """Fargate prices in USD for one region, architecture, OS and purchase option, with their provenance."""

    region: str
    arch: str
    os: str
    spot: bool
    vcpu_hour: float
    gb_hour: float
    os_license_vcpu_hour: float
    storage_gb_hour: float | None
    source: str
    as_of: str
    caveats: tuple[str, ...] = ()

    def __str__(self) -> str:
        option = "Spot" if self.spot else "on-demand"
        lines = [f"Fargate {option} rates, {self.region}, {self.os}/{self.arch} (as of {self.as_of})",
                 f"  ${self.vcpu_hour:g} per vCPU-hour", f"  ${self.gb_hour:g} per GB-hour"]
        if self.os_license_vcpu_hour:
            lines.append(f"  ${self.os_license_vcpu_hour:g} per vCPU-hour OS licence")
        if self.storage_gb_hour is not None:
            lines.append(f"  ${self.storage_gb_hour:g} per GB-hour of storage above the free amount")
        lines.append(f"Source: {self.source}")
        lines += [f"Caveat: {c}" for c in self.caveats]
        return "\n".join(lines)


def _caveat(entry: dict[str, Any], what: str) -> tuple[str, ...]:
    status = entry.get("status", "CONFIRMED")
    if status == "CONFIRMED":
        return ()
    note = entry.get("note", "")
    return (f"{what} are {status} (as of {entry.get('as_of', 'undated')}): {note}".rstrip(": "),)


def rates(region: str = "us-east-1", arch: str = "X86_64", os: str = "LINUX", spot: bool = False) -> Rates:
    """The Fargate rates for a region/arch/OS, on-demand or Spot; unknown combinations say what exists."""
    table = facts()["prices"]["fargate"]
    prices = _region(region)
    arch, os_name = _arch(arch), normalize_os(os)
    if not isinstance(spot, bool):
        raise InvalidInput(f"spot {spot!r} must be True or False.")
    spot_facts = facts()["discounts"]["spot_available"]
    if os_name == "WINDOWS" and arch == "ARM64":
        raise InvalidInput("Fargate runs Windows on X86_64 only; ARM64 (Graviton) is for Linux tasks. "
                           "Use arch='X86_64' with Windows, or os='LINUX' with ARM64.")
    if os_name == "WINDOWS" and spot:
        raise InvalidInput(f"Fargate Spot is not available for Windows tasks ({spot_facts}). "
                           "Use on-demand (spot=False), or Linux.")
    key = _KEYS[(os_name, arch)]
    entry = prices.get(key)
    label = f"{region} {_LABELS[key]} rates"
    if entry is None:
        having = [r for r, p in table.items() if key in p]
        raise InvalidInput(f"labkit has no {_LABELS[key]} Fargate prices for {region}; regions with them: "
                           f"{', '.join(having)}.")
    vcpu, gb = entry["vcpu_hour"], entry["gb_hour"]
    caveats = list(_caveat(entry, label))
    source, as_of = cite(entry), entry["as_of"]
    if spot:
        sample_prices = table[_SPOT_SAMPLE_REGION]
        sample = sample_prices["spot_linux_x86"]
        if key == "linux_x86" and "spot_linux_x86" in prices:
            vcpu, gb = prices["spot_linux_x86"]["vcpu_hour"], prices["spot_linux_x86"]["gb_hour"]
            source, as_of = cite(prices["spot_linux_x86"]), prices["spot_linux_x86"]["as_of"]
            caveats += _caveat(prices["spot_linux_x86"], f"{region} Spot rates")
        else:
            base = sample_prices["linux_x86"]
            vcpu *= sample["vcpu_hour"] / base["vcpu_hour"]
            gb *= sample["gb_hour"] / base["gb_hour"]
            caveats.append(f"Spot rates for {region} {_LABELS[key]} are an estimate: on-demand x the ratio "
                           f"of the {_SPOT_SAMPLE_REGION} Linux/X86 Spot sample ({sample['as_of']}) to "
                           "on-demand. "
                           f"{sample['note']}")
    storage = prices.get("storage_gb_hour")
    licence = entry.get("os_license_vcpu_hour", 0.0) if os_name == "WINDOWS" else 0.0
    return Rates(region=region, arch=arch, os=os_name, spot=spot, vcpu_hour=vcpu, gb_hour=gb,
                 os_license_vcpu_hour=licence, storage_gb_hour=storage, source=source, as_of=as_of,
                 caveats=tuple(dict.fromkeys(caveats)))


# ---------------------------------------------------------------- display helpers


def _table_text(title: list[str], rows: list[tuple[str, str, float]], total: float,
                footer: list[str]) -> str:
    d = usd_places(total)
    shown, shown_total = round_to_total([r[2] for r in rows], total, d), round(total, d)
    width = max(len(r[1]) for r in rows) if rows else 0
    lwidth = max([len(r[0]) for r in rows] + [len("total")])
    money = [usd(v, d) for v in shown] + [usd(shown_total, d)]
    mwidth = max(len(m) for m in money)
    lines = list(title)
    for (label, detail, _), m in zip(rows, money, strict=False):
        lines.append(f"  {label:<{lwidth}}  {detail:<{width}}  {m:>{mwidth}}")
    lines.append(f"  {'total':<{lwidth}}  {'':<{width}}  {money[-1]:>{mwidth}}")
    return "\n".join(lines + footer)


def _table_html(title: list[str], rows: list[tuple[str, str, float]], total: float,
                footer: list[str]) -> str:
    d = usd_places(total)
    shown, shown_total = round_to_total([r[2] for r in rows], total, d), round(total, d)
    esc = html.escape
    body = "".join(f"<tr><td>{esc(label)}</td><td>{esc(detail)}</td>"
                   f"<td style='text-align:right'>{esc(usd(v, d))}</td></tr>"
                   for (label, detail, _), v in zip(rows, shown, strict=False))
    body += (f"<tr><th>total</th><td></td><th style='text-align:right'>{esc(usd(shown_total, d))}</th>"
             "</tr>")
    head = "<br>".join(esc(t) for t in title)
    foot = "".join(f"<p>{esc(f)}</p>" for f in footer)
    return f"<div><p><b>{head}</b></p><table>{body}</table>{foot}</div>"


# ---------------------------------------------------------------- Fargate cost


@dataclass(frozen=True)
class Cost(ShownAsText):
    """A Fargate cost breakdown in USD (unrounded). total = cpu + memory + os_license + storage - discount."""

    cpu: float
    memory: float
    os_license: float
    storage: float
    savings_plan_discount: float
    total: float
    billed_seconds: int
    tasks: int
    inputs: dict[str, Any]
    rates: Rates
    caveats: tuple[str, ...] = ()
    breakdown: tuple[tuple[str, str, float], ...] = field(default=(), repr=False)

    @property
    def billed_hours(self) -> float:
        """Task-hours billed in all: billed seconds per task x tasks / 3600."""
        return self.billed_seconds * self.tasks / 3600

    def _title(self) -> list[str]:
        i = self.inputs
        option = "Spot" if i["spot"] else "on-demand"
        unit = "pod" if i["platform"] == "EKS" else "task"  # EKS on Fargate runs pods, ECS runs tasks
        runs = unit if self.tasks == 1 else unit + "s"
        hours = num(self.billed_hours)
        return [f"Fargate cost ({i['platform']}, {i['region']}, {i['os']}/{i['arch']}, {option})",
                f"{self.tasks} {runs} x {self.billed_seconds:,} s billed per {unit} "
                f"= {hours} {unit}-hour{'' if hours == '1' else 's'}"]

    def _footer(self) -> list[str]:
        lines = ["The lines add up to the total (each rounded for display).", f"Rates: {self.rates.source}."]
        return lines + [f"Caveat: {c}" for c in self.caveats]

    def __str__(self) -> str:
        return _table_text(self._title(), list(self.breakdown), self.total, self._footer())

    def _repr_html_(self) -> str:
        return _table_html(self._title(), list(self.breakdown), self.total, self._footer())

    def to_dict(self) -> dict[str, Any]:
        """Plain data for JSON: the amounts, the inputs, the rates and the caveats."""
        keys = ("cpu", "memory", "os_license", "storage", "savings_plan_discount", "total", "billed_seconds",
                "tasks")
        data: dict[str, Any] = {k: getattr(self, k) for k in keys}
        data["inputs"] = dict(self.inputs)
        data["rates"] = asdict(self.rates)
        data["rates"]["caveats"] = list(self.rates.caveats)
        data["caveats"] = list(self.caveats)
        return data


def _check_eks(platform: str, spot: bool, os_name: str, arch: str) -> None:
    """EKS on Fargate runs Linux X86_64 Pods, and never on Spot."""
    f = facts()
    if platform != "EKS":
        return
    if spot:
        raise InvalidInput(f"Fargate Spot is not available on EKS ({f['discounts']['spot_available']}). "
                           "Use spot=False, or platform='ECS'.")
    if os_name == "WINDOWS" or arch == "ARM64":
        refused = [n for n in f["eks"]["not_supported"] if n.startswith(("No Arm", "No Windows"))]
        raise InvalidInput(f"EKS on Fargate runs Linux X86_64 Pods only ({'; '.join(refused)}). "
                           "Use os='LINUX', arch='X86_64', or platform='ECS'.")


def _check_storage(ephemeral_gb: Any, platform: str, os_name: str) -> float:
    """Ephemeral storage within the platform's maximum (Windows tasks keep the free default)."""
    f = facts()
    max_storage = (f["eks"]["ephemeral_storage"]["max_gib"] if platform == "EKS"
                   else f["limits"]["ephemeral_storage"]["max_gib"])
    gb = _real(ephemeral_gb, "ephemeral_gb", allow_zero=True, example=f"GB of ephemeral storage, at most {max_storage}")
    if gb > max_storage:
        raise InvalidInput(f"ephemeral_gb {gb:g} is above the {platform} Fargate maximum of "
                           f"{max_storage} GB; choose at most {max_storage}.")
    free = f["billing"]["free_storage_gb"]
    if os_name == "WINDOWS" and gb > free and not f["windows"]["ephemeral_storage_configurable"]:
        raise InvalidInput("Windows tasks on Fargate cannot configure ephemeral storage; ephemeral_gb must "
                           f"be at most the default {free} GB.")
    return gb


def _check_savings_plan(savings_plan_pct: Any, spot: bool) -> float:
    """A Savings Plan percentage within what AWS says it saves at most, and never with Spot."""
    max_pct = facts()["discounts"]["savings_plan_max_discount_pct"]
    pct = _real(savings_plan_pct, "savings_plan_pct", allow_zero=True, example=f"a percentage from 0 to {max_pct}")
    if pct > max_pct:
        raise InvalidInput(f"savings_plan_pct {pct:g} is above the {max_pct}% that AWS says Compute Savings "
                           f"Plans save at most on Fargate; choose 0 to {max_pct}.")
    if pct and spot:
        raise InvalidInput("Savings Plans do not apply to Fargate Spot; use savings_plan_pct=0 with "
                           "spot=True.")
    return pct


def billed_size(vcpu: float, memory_gb: float, os: str = "LINUX") -> tuple[float, float, str]:
    """(vCPU, GB, note): the size Fargate bills for this need, the smallest valid size that holds it.

    A valid size comes back as it is, with no note; another pair (0.3 vCPU / 1 GB) comes back as the size a task
    would have to register, with a sentence that says so (as the AWS Pricing Calculator rounds up).
    """
    per_vcpu, per_gb = facts()["units"]["cpu_units_per_vcpu"], facts()["units"]["mib_per_gb"]
    need_cpu = math.ceil(Fraction(repr(float(vcpu))) * per_vcpu)
    need_mem = math.ceil(Fraction(repr(float(memory_gb))) * per_gb)
    cpu, mem = smallest_size_for(need_cpu, need_mem, os)
    if (Fraction(cpu, per_vcpu), Fraction(mem, per_gb)) == (Fraction(repr(float(vcpu))),
                                                          Fraction(repr(float(memory_gb)))):
        return float(vcpu), float(memory_gb), ""
    fit = size_text(cpu / per_vcpu, mem / per_gb)
    return (cpu / per_vcpu, mem / per_gb,
            f"{size_text(vcpu, memory_gb)} is not a Fargate size: a task that needs it must register {fit} "
            f"(cpu {cpu}, memory {mem}), the smallest size that holds it, and that is what Fargate bills and "
            "labkit prices here.")


def _inputs(vcpu: Any, memory_gb: Any, seconds: Any, tasks: Any, region: str, arch: Any, os: Any,
            ephemeral_gb: Any, spot: Any, savings_plan_pct: Any, platform: Any) -> dict[str, Any]:
    """Every input of `fargate_cost` checked and normalised, or InvalidInput saying what to give instead."""
    if not isinstance(spot, bool):
        raise InvalidInput(f"spot {spot!r} must be True or False.")
    checked = {"vcpu": _real(vcpu, "vcpu", example="vCPUs such as 0.25 or 1"),
               "memory_gb": _real(memory_gb, "memory_gb", example="GB such as 0.5 or 2"),
               "seconds": _real(seconds, "seconds", allow_zero=True, example="the run time of one task in seconds"),
               "tasks": _count(tasks, "tasks"), "region": region, "arch": _arch(arch), "os": normalize_os(os),
               "spot": spot, "platform": _platform(platform)}
    _check_eks(checked["platform"], spot, checked["os"], checked["arch"])
    checked["vcpu"], checked["memory_gb"], checked["size_note"] = billed_size(checked["vcpu"], checked["memory_gb"],
                                                                              checked["os"])
    if checked["size_note"]:
        checked["requested"] = {"vcpu": float(vcpu), "memory_gb": float(memory_gb)}
    checked["ephemeral_gb"] = _check_storage(ephemeral_gb, checked["platform"], checked["os"])
    checked["savings_plan_pct"] = _check_savings_plan(savings_plan_pct, spot)
    order = ("vcpu", "memory_gb", "seconds", "tasks", "region", "arch", "os", "ephemeral_gb", "spot",
             "savings_plan_pct", "platform")
    extra = ("size_note", "requested") if checked["size_note"] else ()
    return {key: checked[key] for key in order + extra}


def _extra_storage_gb(i: dict[str, Any], r: Rates) -> float:
    """GB of ephemeral storage above the free amount, which only then has a price."""
    free = facts()["billing"]["free_storage_gb"]
    extra = max(0.0, i["ephemeral_gb"] - free)
    if extra and r.storage_gb_hour is None:
        having = [k for k, v in facts()["prices"]["fargate"].items() if "storage_gb_hour" in v]
        raise InvalidInput(f"labkit has no ephemeral storage price for {i['region']}; use ephemeral_gb <= {free} "
                           f"(free), or a region with one: {', '.join(having)}.")
    return extra


def _breakdown(i: dict[str, Any], r: Rates, hours: float, extra_gb: float,
               amounts: dict[str, float]) -> list[tuple[str, str, float]]:
    """The lines of a cost, each with the arithmetic that makes it (the lines add up to the total)."""
    free = facts()["billing"]["free_storage_gb"]
    h = f"{num(hours)} h"
    rows = [("vCPU", f"{num(i['vcpu'])} vCPU x {h} x ${r.vcpu_hour:g}/vCPU-h", amounts["cpu"]),
            ("memory", f"{num(i['memory_gb'])} GB x {h} x ${r.gb_hour:g}/GB-h", amounts["memory"])]
    if i["os"] == "WINDOWS":
        rows.append(("OS licence", f"{num(i['vcpu'])} vCPU x {h} x ${r.os_license_vcpu_hour:g}/vCPU-h",
                     amounts["licence"]))
    storage_detail = (f"{num(extra_gb)} GB above the free {free} GB x {h} x ${r.storage_gb_hour:g}/GB-h"
                      if extra_gb else f"{num(i['ephemeral_gb'])} GB, within the free {free} GB")
    rows.append(("storage", storage_detail, amounts["storage"]))
    if i["savings_plan_pct"]:
        rows.append(("Savings Plan", f"-{i['savings_plan_pct']:g}% of vCPU and memory", -amounts["discount"]))
    return rows


def _caveats(i: dict[str, Any], r: Rates, extra_gb: float) -> tuple[str, ...]:
    """How far to trust the number: the rates' own caveats, the minimum, unconfirmed storage, Savings Plans."""
    f = facts()
    minimum = f["billing"]["minimum_seconds"][i["os"]]
    caveats = ([i["size_note"]] if i.get("size_note") else []) + list(r.caveats)
    if i["seconds"] < minimum:
        caveats.append(f"Each task run is billed at least {minimum} s ({i['os'].title()} minimum); "
                       f"{num(i['seconds'])} s was rounded up.")
    storage_sources = f["prices"]["fargate"][i["region"]].get("storage_sources", [])
    if extra_gb and "PRICING-PAGE" not in storage_sources:
        names = cite({"sources": storage_sources}).rsplit(" (", 1)[0]
        caveats.append(f"The {i['region']} storage rate is UNCONFIRMED: it comes from {names}.")
    if i["savings_plan_pct"]:
        caveats.append(f"Savings Plan: labkit takes {i['savings_plan_pct']:g}% off vCPU and memory; AWS says "
                       f"'up to' {f['discounts']['savings_plan_max_discount_pct']}% (the "
                       f"{f['discounts']['savings_plan_max_discount_term_years']}-year maximum), and the real rate "
                       "depends on "
                       "term, payment option and region. " + f["discounts"]["savings_plan_note"])
    return tuple(dict.fromkeys(caveats))


def fargate_cost(vcpu: float, memory_gb: float, seconds: float, *, tasks: int = 1, region: str = "us-east-1",
                 arch: str = "X86_64", os: str = "LINUX", ephemeral_gb: float = 20, spot: bool = False,
                 savings_plan_pct: float = 0, platform: str = "ECS") -> Cost:
    """What `tasks` Fargate tasks of this size cost when each runs `seconds` (per-second, with the minimum).

    vcpu and memory_gb may be any positive numbers: a pair Fargate does not offer is priced as the smallest
    valid size that holds it, with a caveat that says so (`fargate_cost_for_size` refuses such a pair instead).
    Storage is charged only above the free amount; a Savings Plan percentage lowers the vCPU and memory lines.
    """
    i = _inputs(vcpu, memory_gb, seconds, tasks, region, arch, os, ephemeral_gb, spot, savings_plan_pct, platform)
    r = rates(region, i["arch"], i["os"], spot)
    billed = max(math.ceil(i["seconds"]), facts()["billing"]["minimum_seconds"][i["os"]])
    hours = billed * i["tasks"] / 3600
    extra_gb = _extra_storage_gb(i, r)
    amounts = {"cpu": i["vcpu"] * r.vcpu_hour * hours, "memory": i["memory_gb"] * r.gb_hour * hours,
               "licence": i["vcpu"] * r.os_license_vcpu_hour * hours,
               "storage": extra_gb * (r.storage_gb_hour or 0.0) * hours}
    amounts["discount"] = (amounts["cpu"] + amounts["memory"]) * i["savings_plan_pct"] / 100
    total = amounts["cpu"] + amounts["memory"] + amounts["licence"] + amounts["storage"] - amounts["discount"]
    return Cost(cpu=amounts["cpu"], memory=amounts["memory"], os_license=amounts["licence"],
                storage=amounts["storage"], savings_plan_discount=amounts["discount"], total=total,
                billed_seconds=billed, tasks=i["tasks"], inputs=i, rates=r, caveats=_caveats(i, r, extra_gb),
                breakdown=tuple(_breakdown(i, r, hours, extra_gb, amounts)))


def fargate_cost_for_size(cpu_units: Any, memory_mib: Any, seconds: float, **kwargs: Any) -> Cost:
    """Like `fargate_cost`, from a task definition's cpu (units) and memory (MiB): a valid size only."""
    os_name = kwargs.get("os", "LINUX")
    if not is_valid_size(cpu_units, memory_mib, os_name):
        raise InvalidInput(size_hint(cpu_units, memory_mib, os_name))

    units = facts()["units"]
    vcpu = Fraction(parse_cpu(cpu_units), units["cpu_units_per_vcpu"])
    gb = Fraction(parse_memory(memory_mib), units["mib_per_gb"])
    return fargate_cost(float(vcpu), float(gb), seconds, **kwargs)


def monthly(vcpu: float, memory_gb: float, tasks: int = 1, *, hours_per_day: float = 24,
            days: float | None = None, **cost_kwargs: Any) -> Cost:
    """The cost of a service of `tasks` tasks running `hours_per_day` each day for a month (or `days`).

    A month is AWS's billing.hours_per_month from labkit.data; each day's run is billed with the per-run
    minimum.
    """
    billing = facts()["billing"]
    hpd = _real(hours_per_day, "hours_per_day", example="hours from 0 to 24")
    if hpd > 24:
        raise InvalidInput(f"hours_per_day {hpd:g} is more than a day has; choose at most 24.")
    if days is None:
        days = billing["hours_per_month"] / 24
    days = _real(days, "days", example="a number of days such as 30")
    if "seconds" in cost_kwargs:
        raise InvalidInput("monthly() works the seconds out from hours_per_day and days; "
                           "do not pass seconds.")
    os_name = normalize_os(cost_kwargs.get("os", "LINUX"))
    per_run = max(math.ceil(hpd * 3600), billing["minimum_seconds"][os_name])
    cost = fargate_cost(vcpu, memory_gb, per_run * days, tasks=tasks, **cost_kwargs)
    inputs = dict(cost.inputs, hours_per_day=hpd, days=days)
    return replace(cost, inputs=inputs)


# ---------------------------------------------------------------- EC2


def _instance(instance_type: Any) -> dict[str, Any]:
    table = facts()["prices"]["ec2"]
    for row in table:
        if row["instance_type"] == instance_type:
            return row
    raise InvalidInput(f"instance type {instance_type!r} is not in labkit's data; known types: "
                       f"{', '.join(r['instance_type'] for r in table)}.")


@dataclass(frozen=True)
class Ec2Cost(ShownAsText):
    """What EC2 on-demand instances cost for some hours (Linux, instance price only)."""

    instance_type: str
    hours: float
    count: int
    region: str
    usd_per_hour: float
    total: float
    vcpu: int
    memory_gib: float
    arch: str
    source: str
    as_of: str
    caveats: tuple[str, ...] = ()

    def _rows(self) -> list[tuple[str, str, float]]:
        return [(self.instance_type, f"{self.count} x {num(self.hours)} h x ${self.usd_per_hour:g}/h",
                 self.total)]

    def _title(self) -> list[str]:
        return [f"EC2 on-demand cost ({self.region}, Linux): {self.count} x {self.instance_type} "
                f"({self.vcpu} vCPU, {num(self.memory_gib)} GiB, {self.arch})"]

    def _footer(self) -> list[str]:
        return [f"Rates: {self.source}."] + [f"Caveat: {c}" for c in self.caveats]

    def __str__(self) -> str:
        return _table_text(self._title(), self._rows(), self.total, self._footer())

    def _repr_html_(self) -> str:
        return _table_html(self._title(), self._rows(), self.total, self._footer())


def ec2_cost(instance_type: str, hours: float, count: int = 1, region: str = "us-east-1") -> Ec2Cost:
    """On-demand Linux price of `count` instances for `hours` hours, from labkit's dated EC2 prices."""
    row = _instance(instance_type)
    hours = _real(hours, "hours", allow_zero=True, example="a number of hours such as 24")
    count = _count(count, "count")
    if region != row["region"]:
        known = sorted({r["region"] for r in facts()["prices"]["ec2"]})
        raise InvalidInput(f"labkit has no EC2 prices for region {region!r}; it has them for "
                           f"{', '.join(known)} only.")
    caveats = ("Instance price only: EBS volumes and data transfer are not counted.",)
    if row.get("burstable"):
        caveats += (f"{instance_type} is burstable: sustained full CPU use may cost extra CPU credits.",)
    return Ec2Cost(instance_type=instance_type, hours=hours, count=count, region=region,
                   usd_per_hour=row["usd_per_hour"], total=row["usd_per_hour"] * hours * count,
                   vcpu=row["vcpu"], memory_gib=row["memory_gib"], arch=row["arch"], source=cite(row),
                   as_of=row["as_of"], caveats=caveats)


def registered_memory_mib(instance_type: str, reserved_mib: int | None = None) -> int:
    """The MiB of memory ECS registers for tasks on one instance: less than installed, as the kernel keeps some.

    Scaled from AWS's one example (facts()["ecs_container_instance"], an estimate for other types), less
    ECS_RESERVED_MEMORY (`reserved_mib`, default the agent's default).
    """
    row = _instance(instance_type)
    known = facts()["ecs_container_instance"]
    example = known["memory_example"]
    installed = Fraction(repr(float(row["memory_gib"]))) * facts()["units"]["mib_per_gb"]
    registered = math.floor(installed * example["registered_mib"] / example["installed_mib"])
    if reserved_mib is None:
        reserved_mib = known["reserved_memory_default_mib"]
    reserved = _real(reserved_mib, "reserved_mib", allow_zero=True, example="MiB such as 0 or 256")
    return max(0, registered - math.ceil(reserved))


def tasks_per_instance(instance_type: str, vcpu: float, memory_gb: float) -> int:
    """How many tasks of this size ECS places on one instance, by CPU and by memory (whichever runs out first).

    CPU counts whole (1024 units per vCPU); memory counts what ECS registers (`registered_memory_mib`), not the
    instance's installed memory: two 1 vCPU / 2 GB tasks do not fit on a 4 GiB c5.large.
    """
    row = _instance(instance_type)
    need_cpu = Fraction(repr(_real(vcpu, "vcpu", example="vCPUs such as 0.25 or 1")))
    need_mem = Fraction(repr(_real(memory_gb, "memory_gb", example="GB such as 0.5 or 2")))
    by_memory = Fraction(registered_memory_mib(instance_type), facts()["units"]["mib_per_gb"]) // need_mem
    return int(min(Fraction(row["vcpu"]) // need_cpu, by_memory))


@dataclass(frozen=True)
class Comparison(ShownAsText):
    """Fargate for tasks running part of the time vs EC2 instances holding them all the time."""

    vcpu: float
    memory_gb: float
    tasks: int
    instance_type: str
    hours: float
    utilisation: float
    fargate: Cost
    ec2: Ec2Cost
    tasks_per_instance: int
    instances: int
    cheaper: str
    difference: float
    break_even_utilisation: float

    def __str__(self) -> str:
        d = usd_places(max(self.fargate.total, self.ec2.total))
        lines = [f"Fargate vs EC2: {self.tasks} tasks of {num(self.vcpu)} vCPU / {num(self.memory_gb)} GB "
                 f"over {num(self.hours)} h ({self.fargate.inputs['region']})",
                 f"  Fargate, running {self.utilisation:.0%} of the time: {usd(self.fargate.total, d)}",
                 f"  EC2, {self.instances} x {self.instance_type} ({self.tasks_per_instance} "
                 f"task{'' if self.tasks_per_instance == 1 else 's'} each), "
                 f"always on: {usd(self.ec2.total, d)}",
                 f"  (ECS registers about {registered_memory_mib(self.instance_type):,} of the "
                 f"{self.instance_type}'s {num(self.ec2.memory_gib * 1024)} MiB for tasks)"]
        if self.cheaper == "EQUAL":
            lines.append("They cost the same.")
        else:
            lines.append(f"{self.cheaper.title() if self.cheaper == 'FARGATE' else 'EC2'} is cheaper by "
                         f"{usd(self.difference, d)}.")
        if self.break_even_utilisation < 1:
            lines.append(f"Break-even: EC2 is cheaper when the tasks run more than "
                         f"{self.break_even_utilisation:.0%} of the time.")
        else:
            lines.append("Break-even: Fargate stays cheaper even when the tasks run all the time.")
        caveats = dict.fromkeys(self.fargate.caveats + self.ec2.caveats)
        return "\n".join(lines + [f"Caveat: {c}" for c in caveats])

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(str(self)) + "</pre>"


def _utilisation(value: Any) -> float:
    u = _real(value, "utilisation", example="a fraction of the time from 0 to 1, such as 0.5")
    if u > 1:
        raise InvalidInput(f"utilisation {u:g} is above 1; give a fraction of the time "
                           "(0.5 is half the time).")
    return u


def compare(vcpu: float, memory_gb: float, tasks: int, instance_type: str, *, hours: float | None = None,
            utilisation: float = 1.0, region: str = "us-east-1", arch: str | None = None, spot: bool = False,
            savings_plan_pct: float = 0) -> Comparison:
    """Fargate for `tasks` tasks running `utilisation` of `hours` vs enough EC2 instances running all `hours`.

    `hours` defaults to a month (AWS's billing.hours_per_month in labkit.data).
    Fargate's architecture follows the instance's unless `arch` is given.
    """
    row = _instance(instance_type)
    tasks = _count(tasks, "tasks")
    if hours is None:
        hours = facts()["billing"]["hours_per_month"]
    hours = _real(hours, "hours", example="a number of hours such as 24")
    u = _utilisation(utilisation)
    per = tasks_per_instance(instance_type, vcpu, memory_gb)
    if per == 0:
        raise InvalidInput(f"a task of {num(vcpu)} vCPU / {num(memory_gb)} GB does not fit on a "
                           f"{instance_type} ({row['vcpu']} vCPU, {num(row['memory_gib'])} GiB, of which ECS "
                           f"registers about {registered_memory_mib(instance_type):,} MiB for tasks); "
                           "choose a bigger instance type.")
    instances = math.ceil(tasks / per)
    ec2 = ec2_cost(instance_type, hours, instances, region)
    fg = fargate_cost(vcpu, memory_gb, hours * 3600 * u, tasks=tasks, region=region,
                      arch=arch or row["arch"], spot=spot, savings_plan_pct=savings_plan_pct)
    full = fargate_cost(vcpu, memory_gb, hours * 3600, tasks=tasks, region=region,
                        arch=arch or row["arch"], spot=spot, savings_plan_pct=savings_plan_pct)
    cheaper = "EQUAL" if math.isclose(fg.total, ec2.total) else ("FARGATE" if fg.total < ec2.total else "EC2")
    return Comparison(vcpu=float(vcpu), memory_gb=float(memory_gb), tasks=tasks, instance_type=instance_type,
                      hours=hours, utilisation=u, fargate=fg, ec2=ec2, tasks_per_instance=per,
                      instances=instances, cheaper=cheaper, difference=abs(fg.total - ec2.total),
                      break_even_utilisation=ec2.total / full.total)


def break_even_utilisation(vcpu: float, memory_gb: float, tasks: int, instance_type: str, *,
                           hours: float | None = None, region: str = "us-east-1", arch: str | None = None,
                           spot: bool = False, savings_plan_pct: float = 0) -> float:
    """The fraction of the time above which always-on EC2 instances are cheaper than Fargate.

    Fargate's cost grows with the time the tasks run; the instances cost the same whether busy or idle. The
    break-even is EC2's cost divided by Fargate's cost when running all the time (ignoring the per-run
    minimum).
    A value of 1 or more means Fargate is cheaper even at 100%.
    """
    return compare(vcpu, memory_gb, tasks, instance_type, hours=hours, utilisation=1.0, region=region,
                   arch=arch, spot=spot, savings_plan_pct=savings_plan_pct).break_even_utilisation
