"""The first exercise: the right answer passes; vCPUs or decimal thousands get the hint that teaches units."""

from __future__ import annotations

import pytest

import labkit
from labkit.data import facts


def test_half_a_vcpu_in_cpu_units_passes():
    verdict = labkit.check("start.cpu_units", facts()["units"]["cpu_units_per_vcpu"] // 2)
    assert verdict.passed and str(verdict).startswith("✓")


@pytest.mark.parametrize(("answer", "hint", "closer"), [
    (0.5, "how many units make one vCPU", "1 vCPU = 1024 CPU units"),
    (500, "not counted in thousands", "not 1000"),
    (256, "1 vCPU = 1024 CPU units", "1 vCPU = 1024 CPU units"),
])
def test_typical_mistakes_get_a_hint_that_gets_closer(answer, hint, closer):
    verdict = labkit.check("start.cpu_units", answer)
    assert not verdict.passed
    assert hint in str(verdict) and "multiply" not in verdict.hint
    assert closer in labkit.check("start.cpu_units", answer).hint


def test_a_word_instead_of_a_number_is_a_friendly_message():
    verdict = labkit.check("start.cpu_units", "half")
    assert not verdict.passed and "Traceback" not in str(verdict)
    assert "number" in str(verdict)
