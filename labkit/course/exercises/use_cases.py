"""Exercises of the use-cases lesson: a scale-out decision, a batch job on Spot, an ML task's size, a migration.

The scale-out decision is `labkit.model.scaling.target_tracking`'s. Expected values come from `labkit.pricing`
/ `labkit.fargate` when a check runs; the workloads below are the
exercises' statements (not Fargate facts).
"""

from __future__ import annotations

import math
from typing import Any

from labkit.course.exercises import Context, Exercise, Quiz, Wrong, close, number, register, register_quiz
from labkit.course.exercises._tiers import size_tiers
from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.model.pricing import fargate_cost
from labkit.model.scaling import target_tracking
from labkit.model.sizes import is_valid_size, smallest_size_for
from labkit.model.units import parse_cpu, parse_memory

# ---- use_cases.scale_out ----------------------------------------------------------------------------------

SCALE = {"running": 4, "metric": 90, "target": 40, "min_capacity": 2, "max_capacity": 8}

SCALE_OUT = register(Exercise(
    "use_cases.scale_out", "A scale-out decision", points=1,
    prompt=(f"A service runs {SCALE['running']} tasks at an average CPU of {SCALE['metric']}%. Its target-tracking "
            f"policy aims for {SCALE['target']}% CPU, with a minimum of {SCALE['min_capacity']} and a maximum "
            f"of {SCALE['max_capacity']} tasks. What desired count does the policy set?"),
    hints=("Scale the task count in proportion to how far the metric is from its target, round up, then keep "
           "it within the minimum and maximum.",),
))


@SCALE_OUT.check("the desired count")
def _scale_out(answer: Any, ctx: Context) -> None:
    got = number(answer, "a number of tasks")
    s = SCALE
    decision = target_tracking(s["running"], s["metric"], s["target"], min_capacity=s["min_capacity"],
                               max_capacity=s["max_capacity"])
    if got == decision.desired_count:
        return
    rounded = math.ceil(decision.proportional)
    if got == rounded or close(got, decision.proportional):
        raise Wrong(f"{got:g} is above the policy's maximum of {s['max_capacity']} tasks.",
                    hint="The scalable target's MaxCapacity caps every scaling decision: Application Auto "
                         "Scaling never sets the desired count above it.")
    if close(got, s["running"] * s["target"] / s["metric"]) or got == math.ceil(s["running"] * s["target"]
                                                                                / s["metric"]):
        raise Wrong("That turns the ratio upside down: it would scale in while the CPU is above target.",
                    hint="When the metric is above the target, the service needs more tasks: multiply the "
                         "running count by metric / target.")
    if got != int(got):
        raise Wrong(f"{got:g} is not a whole number of tasks.", hint="Round up: a service runs whole tasks.")
    if got == s["running"]:
        raise Wrong("That keeps the service as it is, but its CPU is well above the target.",
                    hint="Target tracking changes the desired count so the average metric returns to the "
                         "target.")
    raise Wrong(f"{got:g} is not the desired count the policy sets.")


# ---- use_cases.batch_spot_saving --------------------------------------------------------------------------

BATCH = {"jobs": 40, "vcpu": 2, "memory_gb": 4, "minutes": 12}

BATCH_SAVING = register(Exercise(
    "use_cases.batch_spot_saving", "What Spot saves on a batch", points=1,
    prompt=(f"A nightly batch runs {BATCH['jobs']} one-off Linux tasks of {BATCH['vcpu']} vCPU / "
            f"{BATCH['memory_gb']} GB, each for {BATCH['minutes']} minutes, in us-east-1. How many US dollars "
            "does one night on FARGATE_SPOT save compared with on-demand FARGATE, at labkit's Spot rates?"),
    hints=("Cost the same tasks twice with labkit.pricing.fargate_cost, once with spot=True, and subtract.",),
))


def _batch_cost(spot: bool, tasks: int | None = None) -> float:
    b = BATCH
    return fargate_cost(b["vcpu"], b["memory_gb"], b["minutes"] * 60, tasks=tasks or b["jobs"], spot=spot).total


@BATCH_SAVING.check("the saving")
def _batch_saving(answer: Any, ctx: Context) -> None:
    got = number(answer, "an amount in US dollars (a number such as 1.23)")
    on_demand, spot = _batch_cost(False), _batch_cost(True)
    expected = on_demand - spot
    if close(got, expected):
        return
    pct = facts()["discounts"]["spot_max_discount_pct"]
    mistakes = [
        (spot, "That is what the night costs on Spot, not what it saves.",
         "The saving is the on-demand cost minus the Spot cost."),
        (on_demand, "That is the on-demand cost of the night.",
         "The saving is the on-demand cost minus the Spot cost."),
        (on_demand * pct / 100, f"That applies the full {pct}% discount.",
         f"AWS says Spot saves *up to* {pct}%; the actual Spot price moves. labkit uses a dated sample Spot "
         "rate: pass spot=True to labkit.pricing.fargate_cost."),
        (_batch_cost(False, 1) - _batch_cost(True, 1), "That is the saving on one task.",
         f"The batch runs {BATCH['jobs']} tasks: pass tasks={BATCH['jobs']}."),
        (-expected, "The sign is reversed.", "Saving = on-demand cost - Spot cost, a positive amount."),
    ]
    for value, message, hint in mistakes:
        if close(got, value):
            raise Wrong(message, hint=hint)
    raise Wrong(f"${got:,.2f} is {'above' if got > expected else 'below'} the saving.")


# ---- use_cases.ml_task_size -------------------------------------------------------------------------------

MODEL = {"model_mib": 4608, "runtime_mib": 1536, "headroom_pct": 25, "vcpu": 2}

ML_SIZE = register(Exercise(
    "use_cases.ml_task_size", "A task size for a model", points=2,
    prompt=(f"An inference container holds a model that takes {MODEL['model_mib']} MiB in memory once loaded; "
            f"the server around it takes {MODEL['runtime_mib']} MiB more, and you keep {MODEL['headroom_pct']}% "
            f"headroom on top of both for request buffers. To meet its latency target it needs {MODEL['vcpu']} "
            "vCPU. What is the smallest Fargate task size (cpu_units, memory_mib) for it?"),
    hints=("Add up the memory, add the headroom, then round up to a valid Fargate size "
           "(labkit.fargate.smallest_size_for).",),
))


def ml_memory_need() -> int:
    """MiB the exercise's model task needs: model + runtime, plus the headroom, rounded up."""
    m = MODEL
    return math.ceil((m["model_mib"] + m["runtime_mib"]) * (1 + m["headroom_pct"] / 100))


def _ml_expected() -> tuple[int, int]:

    return smallest_size_for(f"{MODEL['vcpu']} vCPU", ml_memory_need())


def _pair(answer: Any) -> tuple[int, int]:

    if isinstance(answer, dict):
        answer = (answer.get("cpu"), answer.get("memory"))
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Wrong(f"Expected a pair (cpu_units, memory_mib) such as (1024, 2048), got {answer!r:.60}.",
                    hint="smallest_size_for returns such a pair; give both numbers in one tuple.", stop=True)
    try:
        return parse_cpu(answer[0]), parse_memory(answer[1])
    except InvalidInput as err:
        raise Wrong(str(err), stop=True) from None


@ML_SIZE.check("a valid Fargate size")
def _ml_valid(answer: Any, ctx: Context) -> None:

    cpu, memory = _pair(answer)
    if not is_valid_size(cpu, memory):
        raise Wrong(f"({cpu}, {memory}) is not a size Fargate offers.", hint=size_tiers(cpu, memory), stop=True)


@ML_SIZE.check("enough for the model, and no bigger than needed")
def _ml_fits(answer: Any, ctx: Context) -> None:
    cpu, memory = _pair(answer)
    want_cpu, want_memory = _ml_expected()
    if (cpu, memory) == (want_cpu, want_memory):
        return
    m = MODEL
    per_vcpu = facts()["units"]["cpu_units_per_vcpu"]
    if cpu < m["vcpu"] * per_vcpu:
        raise Wrong(f"{cpu} CPU units is less than the {m['vcpu']} vCPU the model needs.",
                    hint=(f"The model needs {m['vcpu']} vCPU: how many CPU units is that?",
                          f"1 vCPU is {per_vcpu} CPU units."))
    need = ml_memory_need()
    if memory < need:
        bare = m["model_mib"] + m["runtime_mib"]
        if memory >= bare:
            raise Wrong(f"{memory} MiB holds the model and the server but not the headroom.",
                        hint=f"Add {m['headroom_pct']}% to the model and runtime memory before rounding up.")
        raise Wrong(f"{memory} MiB is less than the model and its server need.",
                    hint="Add the model's memory and the server's, then the headroom.")
    raise Wrong(f"({cpu}, {memory}) fits, but a smaller size does too: you would pay for capacity you "
                "don't use.",
                hint="Fargate bills the task size you ask for: take the smallest valid size with at least the "
                     "vCPU and memory needed.")


# ---- use_cases.quiz_migration -----------------------------------------------------------------------------

def _largest_task_gb() -> int:
    f = facts()
    return max(max(row["memory"]) for row in f["task_sizes"]["rows"]) // f["units"]["mib_per_gb"]


QUIZ_MIGRATION = register_quiz(Quiz(
    "use_cases.quiz_migration", "What can move to Fargate as it is?",
    question=("You are moving an on-premises application to containers on Fargate. Which parts can run on "
              "Fargate without being redesigned? (choose all that apply)"),
    choices={
        "A": "A stateless web front end that needs 2 vCPU and 4 GB per copy",
        "B": "A nightly report job that runs for an hour with 4 vCPU and 12 GB",
        "C": "A video transcoder that needs an NVIDIA GPU",
        "D": "A monitoring agent that runs as a privileged container to read the host's metrics",
        "E": lambda: f"An in-memory cache that needs {_largest_task_gb() + 16} GB of RAM in one process",
    },
    correct=frozenset({"A", "B"}),
    explanation=lambda: ("Stateless services and batch jobs fit Fargate's task sizes and need no host access. "
                         "Fargate offers no GPUs, refuses privileged containers (there is no host you could "
                         f"read), and its largest task has {_largest_task_gb()} GB of memory."),
    wrong_hints={
        "C": "Fargate has no GPUs: keep GPU work on EC2 (the EC2 launch type, or EC2 nodes for EKS).",
        "D": "Fargate refuses privileged containers, and you never see the host: AWS monitors it for you.",
        "E": "That is more memory than any Fargate task can have: split the cache, or use EC2 or a managed "
             "cache service.",
    },
))
