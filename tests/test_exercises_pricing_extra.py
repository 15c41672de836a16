"""Extra pricing exercises: the right answers pass, typical wrong ones fail with the hint that teaches."""

from __future__ import annotations

import pytest

from labkit import pricing
from labkit.course.exercises import check
from labkit.course.exercises.pricing_extra import ARM_SERVICE
from labkit.data import facts


def month(arch, tasks=ARM_SERVICE["tasks"]):
    return pricing.monthly(ARM_SERVICE["vcpu"], ARM_SERVICE["memory_gb"], tasks, arch=arch).total


SAVING = month("X86_64") - month("ARM64")


def test_arm_saving_right_answer_passes():
    assert SAVING > 0
    assert check("pricing_extra.arm_saving", SAVING).passed
    assert check("pricing_extra.arm_saving", round(SAVING, 2)).passed
    assert check("pricing_extra.arm_saving", f"${SAVING:,.2f}").passed


@pytest.mark.parametrize(("answer", "message", "hint"), [
    (-SAVING, "wrong sign", "x86 minus ARM"),
    (month("ARM64"), "the ARM bill", "Subtract"),
    (SAVING / facts()["billing"]["hours_per_month"], "one hour", "whole month"),
    (SAVING / facts()["billing"]["hours_per_month"] / ARM_SERVICE["tasks"], "one hour", "whole month"),
    (SAVING / ARM_SERVICE["tasks"], "one task", "tasks=..."),
    (100 * SAVING / month("X86_64"), "percentage", "US dollars"),
    (SAVING * 2, "more than ARM saves", ""),
])
def test_arm_saving_typical_mistakes(answer, message, hint):
    verdict = check("pricing_extra.arm_saving", answer)
    assert not verdict.passed
    assert message in str(verdict)
    assert hint in verdict.hint


@pytest.mark.parametrize("answer", ["lots", None, True])
def test_arm_saving_needs_a_number(answer):
    verdict = check("pricing_extra.arm_saving", answer)
    assert not verdict.passed and verdict.score == 0


def test_savings_plan_quiz():
    assert check("pricing_extra.quiz_savings_plan", "A").passed
    for choice, word in (("B", "two weeks"), ("C", "Spot"), ("D", "after the service has left")):
        verdict = check("pricing_extra.quiz_savings_plan", choice)
        assert not verdict.passed and word in verdict.hint


def test_savings_plan_explanation_reads_the_data():
    from labkit.course.exercises import quiz_spec

    text = quiz_spec("pricing_extra.quiz_savings_plan").text(quiz_spec("pricing_extra.quiz_savings_plan").explanation)
    assert f"{facts()['discounts']['savings_plan_max_discount_pct']}%" in text
