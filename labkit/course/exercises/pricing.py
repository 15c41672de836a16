"""Exercises of the pricing lesson: monthly bills, billing minimums, the Windows licence, Spot, break-even.

Expected values are computed from `labkit.pricing` when a check runs, so a price change in `labkit.data`
moves every exercise with it. The workloads below are the exercises' statements (not Fargate facts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from labkit.course.exercises import Context, Exercise, Quiz, Wrong, close, number, register, register_quiz
from labkit.course.exercises._lab import check_steady, check_strategy, find_service, name_of
from labkit.data import facts
from labkit.model.pricing import break_even_utilisation, compare, ec2_cost, fargate_cost, monthly
from labkit.model.units import usd


@dataclass(frozen=True)
class Workload:
    """A service in an exercise statement: tasks of one size running all month."""

    name: str
    vcpu: float
    memory_gb: float
    tasks: int
    os: str = "LINUX"
    ephemeral_gb: float = 20

    def monthly(self, **kwargs: Any) -> Any:
        return monthly(self.vcpu, self.memory_gb, self.tasks, os=self.os, ephemeral_gb=self.ephemeral_gb,
                       **kwargs)


WEB = Workload("web", vcpu=0.5, memory_gb=1, tasks=2, ephemeral_gb=50)
REPORTS = Workload("reports", vcpu=1, memory_gb=2, tasks=1, os="WINDOWS")
SHORT_TASK = {"vcpu": 0.25, "memory_gb": 0.5, "seconds": 20}
WINDOWS_TASK = {"vcpu": 1, "memory_gb": 2, "seconds": 120}
BREAK_EVEN = {"vcpu": 0.5, "memory_gb": 1, "tasks": 4, "instance_type": "t3.medium"}
SPOT_SERVICE = {"count": 4,
                "strategy": {"FARGATE": {"base": 1, "weight": 1}, "FARGATE_SPOT": {"base": 0, "weight": 3}}}


def _hours_per_month() -> float:
    return facts()["billing"]["hours_per_month"]


def _dollars(answer: Any) -> float:
    got = number(answer, "an amount in US dollars (a number such as 12.34)")
    if got < 0:
        raise Wrong(f"A cost cannot be negative (got {got:g}).", stop=True)
    return got


# ---- pricing.monthly_bill ---------------------------------------------------------------------------------

MONTHLY_BILL = register(Exercise(
    "pricing.monthly_bill", "A month of two services", points=2,
    prompt=(f"Two services run all month in us-east-1: '{WEB.name}' with {WEB.tasks} Linux tasks of "
            f"{WEB.vcpu:g} vCPU / {WEB.memory_gb:g} GB and {WEB.ephemeral_gb:g} GB of ephemeral storage "
            "each, "
            f"and '{REPORTS.name}' with {REPORTS.tasks} Windows task of {REPORTS.vcpu:g} vCPU / "
            f"{REPORTS.memory_gb:g} GB. What is the monthly bill in USD?"),
    hints=("Add up vCPU, memory, the Windows OS licence and storage above the free amount, for every task, "
           "over AWS's month of hours (labkit.pricing.monthly does one service).",),
))


@MONTHLY_BILL.check("the monthly total")
def _monthly_total(answer: Any, ctx: Context) -> None:
    got = _dollars(answer)
    web, rep = WEB.monthly(), REPORTS.monthly()
    expected = web.total + rep.total
    if close(got, expected):
        return
    free = facts()["billing"]["free_storage_gb"]
    month = _hours_per_month()
    storage = (f"Ephemeral storage is billed per GB-hour above the free {free} GB: the {WEB.name} tasks ask "
               f"for {WEB.ephemeral_gb:g} GB each.")
    licence = ("Windows tasks also pay an OS licence per vCPU-hour, on top of vCPU and memory (see the "
               "'OS licence' line of labkit.pricing.fargate_cost(..., os='WINDOWS')).")
    mistakes = [
        (expected - web.storage, "Your total leaves out ephemeral storage.", storage),
        (expected - rep.os_license, "Your total leaves out the Windows OS licence.", licence),
        (expected - web.storage - rep.os_license, "Your total leaves out storage and the Windows licence.",
         storage + " " + licence),
        (expected - web.total / WEB.tasks, f"Your total counts one {WEB.name} task; it runs {WEB.tasks}.",
         "A service's cost is per task: multiply by the number of tasks."),
        (expected / month, "That looks like the cost of one hour.",
         f"Multiply by the hours in a month: AWS prices a month as {month:g} hours."),
        (rep.total, f"That is the {REPORTS.name} service alone.", "Add both services."),
        (web.total, f"That is the {WEB.name} service alone.", "Add both services."),
    ]
    for hours in (24 * 30, 24 * 31, 24 * 28, 24 * 365):
        mistakes.append((expected * hours / month, f"Your total uses a {hours}-hour month.",
                         f"AWS prices a month as {month:g} hours (24 x 365 / 12); use that."))
    for value, message, hint in mistakes:
        if close(got, value):
            raise Wrong(message, hint=hint)
    raise Wrong(f"{usd(got)} is {'above' if got > expected else 'below'} the bill.")


# ---- pricing.short_task -----------------------------------------------------------------------------------

SHORT = register(Exercise(
    "pricing.short_task", "A 20-second task", points=1,
    prompt=(f"A Linux task of {SHORT_TASK['vcpu']} vCPU / {SHORT_TASK['memory_gb']} GB runs for "
            f"{SHORT_TASK['seconds']} seconds, from image pull to stop. What does that one run cost in USD?"),
    hints=("Fargate bills per second, but each task run has a minimum billed duration.",),
))


@SHORT.check("the cost of one run")
def _short_cost(answer: Any, ctx: Context) -> None:
    got = _dollars(answer)
    s = SHORT_TASK
    expected = fargate_cost(s["vcpu"], s["memory_gb"], s["seconds"]).total
    if close(got, expected, rel=0.01):
        return
    minimum = facts()["billing"]["minimum_seconds"]["LINUX"]
    if close(got, fargate_cost(s["vcpu"], s["memory_gb"], 3600).total, rel=0.01):
        raise Wrong("That is the price of a whole hour.",
                    hint=f"Fargate bills per second, with a {minimum}-second minimum for Linux tasks.")
    raw = fargate_cost(s["vcpu"], s["memory_gb"], 3600).total * s["seconds"] / 3600
    if close(got, raw, rel=0.01):
        raise Wrong(f"You billed only the {s['seconds']} seconds the task ran.",
                    hint=f"Every Linux task run is billed at least {minimum} seconds, however short it is.")
    raise Wrong(f"{usd(got)} is not what this run costs.")


# ---- pricing.windows_task ---------------------------------------------------------------------------------

WINDOWS = register(Exercise(
    "pricing.windows_task", "A 2-minute Windows task", points=1,
    prompt=(f"A Windows task of {WINDOWS_TASK['vcpu']} vCPU / {WINDOWS_TASK['memory_gb']} GB runs for "
            f"{WINDOWS_TASK['seconds']} seconds. What does that run cost in USD?"),
    hints=("Windows tasks have their own minimum billed duration and an OS licence.",),
))


@WINDOWS.check("the cost of one run")
def _windows_cost(answer: Any, ctx: Context) -> None:
    got = _dollars(answer)
    w = WINDOWS_TASK
    cost = fargate_cost(w["vcpu"], w["memory_gb"], w["seconds"], os="WINDOWS")
    if close(got, cost.total, rel=0.01):
        return
    mins = facts()["billing"]["minimum_seconds"]
    per_second = fargate_cost(w["vcpu"], w["memory_gb"], 3600, os="WINDOWS").total / 3600
    licence_share = cost.os_license / cost.total
    linux = fargate_cost(w["vcpu"], w["memory_gb"], w["seconds"]).total
    minimum_hint = (f"Windows tasks are billed at least {mins['WINDOWS']} seconds ({mins['WINDOWS'] // 60} "
                    f"minutes) per run; Linux's minimum is {mins['LINUX']} seconds.")
    licence_hint = "Windows tasks also pay an OS licence per vCPU-hour, on top of vCPU and memory."
    mistakes = [
        (per_second * max(w["seconds"], mins["LINUX"]),
         f"You billed only the {w['seconds']} seconds the task ran.", minimum_hint),
        (cost.total * (1 - licence_share), "Your cost leaves out the Windows OS licence.", licence_hint),
        (per_second * w["seconds"] * (1 - licence_share),
         "Your cost has neither the minimum nor the licence.", minimum_hint + " " + licence_hint),
        (linux, "That is the price of a Linux task.",
         "Windows tasks have their own (higher) vCPU and memory rates, a licence and a longer minimum: "
         "pass os='WINDOWS' to labkit.pricing.fargate_cost."),
    ]
    for value, message, hint in mistakes:
        if close(got, value, rel=0.01):
            raise Wrong(message, hint=hint)
    raise Wrong(f"{usd(got)} is not what this run costs.")


# ---- pricing.break_even -----------------------------------------------------------------------------------

BREAK = register(Exercise(
    "pricing.break_even", "When EC2 becomes cheaper", points=1,
    prompt=(f"{BREAK_EVEN['tasks']} tasks of {BREAK_EVEN['vcpu']} vCPU / {BREAK_EVEN['memory_gb']} GB could "
            f"run on Fargate only while there is work, or on always-on {BREAK_EVEN['instance_type']} "
            "instances (leave CPU credits aside). Above what fraction of the month (0 to 1) running is EC2 "
            "cheaper?"),
    hints=("EC2 costs the same busy or idle; Fargate's cost grows with the time the tasks run.",),
))


def _installed_memory_break_even() -> float:
    """The break-even a learner gets by packing tasks into the instance's installed memory, not what ECS registers."""
    b = BREAK_EVEN
    row = next(r for r in facts()["prices"]["ec2"] if r["instance_type"] == b["instance_type"])
    per = min(int(row["vcpu"] // b["vcpu"]), int(row["memory_gib"] // b["memory_gb"]))
    full = compare(b["vcpu"], b["memory_gb"], b["tasks"], b["instance_type"])
    return ec2_cost(b["instance_type"], full.hours, math.ceil(b["tasks"] / per)).total / full.fargate.total


@BREAK.check("the break-even utilisation")
def _break_even(answer: Any, ctx: Context) -> None:
    got = number(answer, "a fraction between 0 and 1 (such as 0.42)")
    b = BREAK_EVEN
    expected = break_even_utilisation(b["vcpu"], b["memory_gb"], b["tasks"], b["instance_type"])
    tolerance = 0.01
    if abs(got - expected) <= tolerance:
        return
    if 1 < got <= 100 and abs(got / 100 - expected) <= tolerance:
        raise Wrong("That looks like a percentage.", hint="Give a fraction between 0 and 1 (0.42 for 42%).")
    if abs(got - _installed_memory_break_even()) <= tolerance < abs(_installed_memory_break_even() - expected):
        raise Wrong(f"That packs the tasks into the {b['instance_type']}'s whole memory.",
                    hint="ECS registers less memory than an instance has installed (the kernel keeps some), so "
                         "fewer tasks fit: labkit.pricing.registered_memory_mib and tasks_per_instance count it.")
    if got > 0 and abs(1 / got - expected) <= tolerance:
        raise Wrong("That is the inverse: Fargate's cost over EC2's.",
                    hint="Break-even = EC2's monthly cost / Fargate's cost when the tasks run all month.")
    if got < 0 or got > 1:
        raise Wrong(f"{got:g} is not a fraction of the month.", hint="Give a number between 0 and 1.")
    raise Wrong(f"{got:g} is {'above' if got > expected else 'below'} the break-even.",
                hint=("EC2 costs the same busy or idle, Fargate grows with the time the tasks run: at what share "
                      "of the month are they equal?",
                      "Break-even = EC2's monthly cost / Fargate's cost when the tasks run all month; count "
                      "how many instances the tasks need (labkit.pricing.tasks_per_instance)."))


# ---- pricing.spot_strategy (lab state) --------------------------------------------------------------------

SPOT = register(Exercise(
    "pricing.spot_strategy", "A service on FARGATE and FARGATE_SPOT", points=2, needs_lab=True,
    prompt=(f"In your lab, run a service of {SPOT_SERVICE['count']} tasks with the capacity provider "
            f"strategy FARGATE base {SPOT_SERVICE['strategy']['FARGATE']['base']} weight "
            f"{SPOT_SERVICE['strategy']['FARGATE']['weight']}, FARGATE_SPOT weight "
            f"{SPOT_SERVICE['strategy']['FARGATE_SPOT']['weight']}. Check it with its name and your lab."),
    hints=("Pass capacityProviderStrategy (not launchType) to ecs.create_service.",),
))


@SPOT.check("the capacity provider strategy")
def _spot_strategy(answer: Any, ctx: Context) -> None:
    service, _ = find_service(ctx, name_of(answer, "service", "web"))
    check_strategy(service, SPOT_SERVICE["strategy"])


@SPOT.check("steady state with every task running")
def _spot_steady(answer: Any, ctx: Context) -> None:
    service, _ = find_service(ctx, name_of(answer, "service", "web"))
    check_steady(service, SPOT_SERVICE["count"])


# ---- quizzes ----------------------------------------------------------------------------------------------

def stop_timeout_text() -> str:
    """How long a stopped task's containers get between SIGTERM and SIGKILL, as the lessons say it."""
    stop = facts()["runtime"]["stop_timeout"]
    return f"{stop['default_s']} s unless set, at most {stop['max_s']} s"


def _spot_explanation() -> str:
    d = facts()["discounts"]
    return (f"Fargate Spot saves up to {d['spot_max_discount_pct']}%, but AWS can take a task back: at the "
            f"{d['spot_interruption']['warning_seconds'] // 60}-minute warning the task gets SIGTERM, and SIGKILL "
            f"follows after its stopTimeout ({stop_timeout_text()}), so it "
            f"has seconds, not the whole warning, to finish. Work that can be retried, or replicas behind "
            f"on-demand base tasks, suit it. Where Spot runs: {d['spot_available']}.")


QUIZ_SPOT = register_quiz(Quiz(
    "pricing.quiz_spot", "Which workloads suit Fargate Spot?",
    question="Which of these suit FARGATE_SPOT? (choose all that apply)",
    choices={
        "A": "A nightly batch job that can be retried",
        "B": "Extra web replicas behind on-demand base tasks",
        "C": "A single database task with no replica",
        "D": "A Windows container",
    },
    correct=frozenset({"A", "B"}),
    explanation=_spot_explanation,
    wrong_hints={"C": "A single stateful task has nothing to fall back on when Spot takes it back.",
                 "D": "Fargate Spot runs Linux tasks only."},
))


def _hourly_expected() -> float:
    return fargate_cost(1, 2, 3600).total


QUIZ_HOURLY = register_quiz(Quiz(
    "pricing.quiz_hourly", "One task-hour",
    question="In us-east-1, what does one hour of a 1 vCPU / 2 GB Linux/x86 task cost on demand, in USD?",
    expected=_hourly_expected, tolerance=0.0005, unit="USD",
    hint="Add the vCPU-hour and GB-hour rates for this size (labkit.pricing.rates()).",
    explanation=lambda: (f"1 vCPU-hour plus 2 GB-hours: {usd(_hourly_expected())} "
                         "(labkit.pricing.fargate_cost(1, 2, 3600))."),
))
