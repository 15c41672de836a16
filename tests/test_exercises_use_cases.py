"""The use-cases lesson's exercises and its target-tracking model: right answers pass, mistakes get their hint."""

from __future__ import annotations

import math

import pytest

from labkit.course.exercises import check, get, quiz_spec
from labkit.course.exercises import use_cases as uc
from labkit.data import facts
from labkit.fargate import is_valid_size, smallest_size_for
from labkit.model.scaling import target_tracking
from labkit.pricing import fargate_cost

# ---- use_cases.scale_out ----------------------------------------------------------------------------------


def test_scale_out_reference_passes():
    s = uc.SCALE
    d = target_tracking(s["running"], s["metric"], s["target"], min_capacity=s["min_capacity"],
                           max_capacity=s["max_capacity"])
    assert check("use_cases.scale_out", d.desired_count).passed
    assert check("use_cases.scale_out", str(d.desired_count)).passed


@pytest.mark.parametrize("answer, message, hint", [
    (9, "above the policy's maximum", "MaxCapacity"),
    (1.78, "upside down", "metric / target"),
    (4, "keeps the service as it is", "returns to the target"),
    (7.5, "not a whole number", "Round up"),
    (6, "not the desired count", "minimum and maximum"),
])
def test_scale_out_mistakes(answer, message, hint):
    verdict = check("use_cases.scale_out", answer)
    assert not verdict.passed and message in str(verdict) and hint in verdict.hint


# ---- use_cases.batch_spot_saving --------------------------------------------------------------------------


def _batch(spot: bool, tasks: int = uc.BATCH["jobs"]) -> float:
    b = uc.BATCH
    return fargate_cost(b["vcpu"], b["memory_gb"], b["minutes"] * 60, tasks=tasks, spot=spot).total


def test_batch_saving_reference_passes_and_follows_the_spot_rates(monkeypatch):
    saving = _batch(False) - _batch(True)
    assert saving > 0
    assert check("use_cases.batch_spot_saving", saving).passed
    spot = facts()["prices"]["fargate"]["us-east-1"]["spot_linux_x86"]
    monkeypatch.setitem(spot, "vcpu_hour", spot["vcpu_hour"] / 2)
    assert not check("use_cases.batch_spot_saving", saving).passed
    assert check("use_cases.batch_spot_saving", _batch(False) - _batch(True)).passed


@pytest.mark.parametrize("wrong, message, hint", [
    (lambda: _batch(True), "costs on Spot", "minus the Spot cost"),
    (lambda: _batch(False), "on-demand cost", "minus the Spot cost"),
    (lambda: _batch(False) * facts()["discounts"]["spot_max_discount_pct"] / 100, "full", "up to"),
    (lambda: _batch(False, 1) - _batch(True, 1), "one task", "tasks="),
    (lambda: _batch(True) - _batch(False), "sign", "positive"),
])
def test_batch_saving_mistakes(wrong, message, hint):
    verdict = check("use_cases.batch_spot_saving", wrong())
    assert not verdict.passed and message in str(verdict) and hint in verdict.hint


# ---- use_cases.ml_task_size -------------------------------------------------------------------------------


def test_ml_size_reference_is_the_smallest_valid_size_that_fits():
    m = uc.MODEL
    need = uc.ml_memory_need()
    assert need == math.ceil((m["model_mib"] + m["runtime_mib"]) * (1 + m["headroom_pct"] / 100))
    size = smallest_size_for(m["vcpu"] * 1024, need)
    assert is_valid_size(*size) and size[0] >= m["vcpu"] * 1024 and size[1] >= need
    assert check("use_cases.ml_task_size", size).passed
    assert check("use_cases.ml_task_size", (f"{m['vcpu']} vCPU", f"{size[1] // 1024} GB")).passed


@pytest.mark.parametrize("answer, message, hint", [
    ((2048, 7680), "not a size Fargate offers", "size table"),
    ((2048, 6144), "not the headroom", "Add 25%"),
    ((1024, 8192), "less than the 2 vCPU", "how many CPU units is that"),
    ((4096, 8192), "a smaller size does too", "smallest valid size"),
    ((2048, 4096), "less than the model", "Add the model's memory"),
])
def test_ml_size_mistakes(answer, message, hint):
    verdict = check("use_cases.ml_task_size", answer)
    assert not verdict.passed and message in str(verdict) and hint in verdict.hint


def test_ml_size_partial_credit_for_a_valid_but_wrong_size():
    assert check("use_cases.ml_task_size", (4096, 8192)).score == get("use_cases.ml_task_size").points / 2
    assert check("use_cases.ml_task_size", (2048, 7680)).score == 0


# ---- use_cases.quiz_migration -----------------------------------------------------------------------------


def test_migration_quiz():
    q = quiz_spec("use_cases.quiz_migration")
    largest = max(max(r["memory"]) for r in facts()["task_sizes"]["rows"]) // 1024
    assert str(largest + 16) in q.choice_texts()["E"]
    assert str(largest) in q.text(q.explanation)
    assert check("use_cases.quiz_migration", "A B").passed
    assert "no GPUs" in check("use_cases.quiz_migration", "A B C").hint
    assert "privileged" in check("use_cases.quiz_migration", "A, B, D").hint


def test_prompts_state_the_constants_the_checks_use():
    assert all(str(v) in get("use_cases.scale_out").prompt for v in uc.SCALE.values())
    assert all(str(v) in get("use_cases.batch_spot_saving").prompt for v in uc.BATCH.values())
    assert all(str(v) in get("use_cases.ml_task_size").prompt for v in uc.MODEL.values())
