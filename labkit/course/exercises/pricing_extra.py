"""More exercises of the pricing lesson: what ARM saves on a month's bill, and what a Savings Plan suits.

Expected values come from `labkit.pricing` when a check runs; the workload is the exercise's statement.
"""

from __future__ import annotations

from typing import Any

from labkit.course.exercises import Context, Exercise, Quiz, Wrong, close, number, register, register_quiz
from labkit.data import facts
from labkit.model.pricing import monthly

#: the exercise's service: tasks of one size running all month on Linux in us-east-1
ARM_SERVICE = {"vcpu": 1, "memory_gb": 2, "tasks": 4}


def _month(arch: str, tasks: int | None = None) -> Any:
    s = ARM_SERVICE
    return monthly(s["vcpu"], s["memory_gb"], s["tasks"] if tasks is None else tasks, arch=arch)


ARM = register(Exercise(
    "pricing_extra.arm_saving", "What ARM saves in a month", points=1,
    prompt=(f"A service runs {ARM_SERVICE['tasks']} Linux tasks of {ARM_SERVICE['vcpu']:g} vCPU / "
            f"{ARM_SERVICE['memory_gb']:g} GB all month in us-east-1, on x86. Its image is rebuilt for ARM64. "
            "How many US dollars a month does moving it to ARM (Graviton) save?"),
    hints=("Price the month twice, with arch='X86_64' and arch='ARM64', and subtract.",),
))


@ARM.check("the monthly saving")
def _arm_saving(answer: Any, ctx: Context) -> None:
    got = number(answer, "an amount in US dollars (a number such as 12.34)")
    x86, arm = _month("X86_64"), _month("ARM64")
    expected = x86.total - arm.total
    if close(got, expected):
        return
    if close(-got, expected):
        raise Wrong("That is the saving with the wrong sign.", hint="ARM is the cheaper one: x86 minus ARM.")
    if close(got, arm.total):
        raise Wrong("That is the ARM bill, not the saving.", hint="Subtract it from the x86 bill.")
    hours = x86.billed_hours / ARM_SERVICE["tasks"]
    if close(got, expected / hours) or close(got, expected / hours / ARM_SERVICE["tasks"]):
        raise Wrong("That looks like the saving for one hour.",
                    hint="labkit.pricing.monthly(...) prices a whole month (AWS's month of hours).")
    if close(got, expected / ARM_SERVICE["tasks"]):
        raise Wrong("That is the saving for one task.",
                    hint=f"The service runs {ARM_SERVICE['tasks']} tasks: pass tasks=... or multiply.")
    if 0 < got < 100 and close(got / 100, expected / x86.total, rel=0.02):
        raise Wrong("That is the saving as a percentage.", hint="Give it in US dollars per month.")
    raise Wrong(f"${got:,.2f} is {'more' if got > expected else 'less'} than ARM saves.")


def _plan_explanation() -> str:
    d = facts()["discounts"]
    years = " or ".join(str(y) for y in d["savings_plan_terms_years"])
    return (f"A Compute Savings Plan takes up to {d['savings_plan_max_discount_pct']}% off (the most, on a "
            f"{d['savings_plan_max_discount_term_years']}-year term; a 1-year plan takes less) in return for a "
            f"{years}-year commitment to spend a fixed amount per hour. It pays off for a steady baseline that "
            "runs the whole term; short or uncertain work is better on demand, and interruptible work on Spot.")


register_quiz(Quiz(
    "pricing_extra.quiz_savings_plan", "What suits a Savings Plan?",
    question="Which workload suits a Compute Savings Plan best?",
    choices={
        "A": "A web API that runs 4 tasks around the clock, and will for years",
        "B": "A two-week data migration",
        "C": "A nightly batch job that can be retried if interrupted",
        "D": "A service that moves off AWS in three months",
    },
    correct=frozenset({"A"}),
    explanation=_plan_explanation,
    wrong_hints={
        "B": "A plan commits you for a year or more: two weeks of use cannot pay it back.",
        "C": "Work that can be retried fits Fargate Spot: a bigger discount, and no commitment.",
        "D": "You would keep paying the commitment after the service has left.",
    },
))
