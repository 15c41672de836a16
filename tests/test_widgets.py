"""labkit.widgets: quizzes answered from the kernel, the pricing explorer and the task-size picker."""

from __future__ import annotations

import pytest

from labkit import pricing, widgets
from labkit.course import exercises
from labkit.errors import InvalidInput
from labkit.fargate import is_valid_size, valid_sizes


def test_a_quiz_answered_programmatically_is_kept_graded_and_explained():
    q = widgets.quiz("capstone.quiz")
    assert q.answer is None and not q.explanation_shown and q.feedback.value == ""
    assert repr(q) == "Quiz: When Spot takes a task back (not answered yet)"
    q.answer = "b"
    q.button.click()  # what the Check button does in the browser
    assert not q.verdict.passed and exercises.results()["capstone.quiz"] == q.verdict
    assert q.explanation_shown and "SIGTERM" in q.feedback.value
    q._choice.value = "A"  # as a click on the radio button sets it
    assert q.submit().passed and exercises.results()["capstone.quiz"].passed


def test_a_graded_quiz_is_answered_at_once_from_its_answer_cell():
    q = widgets.quiz("pricing.quiz_spot", answer=["B", "A"])
    assert q.verdict.passed and q.explanation_shown
    assert repr(q).endswith("(answered)")
    blank = widgets.quiz("pricing.quiz_spot", answer=...)
    assert blank.verdict is None and not blank.explanation_shown
    assert "No answer yet" in str(exercises.results()["pricing.quiz_spot"])


def test_multiple_choice_and_numeric_quizzes():
    q = widgets.quiz("pricing.quiz_spot")
    q._boxes["A"].value = True
    assert q.answer == ["A"] and not q.submit().passed
    n = widgets.quiz("pricing.quiz_hourly")
    n.answer = pricing.fargate_cost(1, 2, 3600).total
    assert n.submit().passed


def test_bad_quiz_input_is_refused_plainly():
    with pytest.raises(InvalidInput, match="not a quiz"):
        widgets.quiz("capstone.design")
    with pytest.raises(InvalidInput, match="choose one of A, B, C, D"):
        widgets.quiz("capstone.quiz").answer = "E"


def test_pricing_explorer_shows_labkit_pricing_live():
    e = widgets.pricing_explorer()
    assert e.cost.total == pricing.fargate_cost_for_size(e.vcpu.value, e.memory.value, 730 * 3600).total
    e.vcpu.value = 2048
    assert is_valid_size(e.vcpu.value, e.memory.value)
    e.tasks.value, e.hours.value, e.spot.value = 3, 100, True
    want = pricing.fargate_cost_for_size(2048, e.memory.value, 100 * 3600, tasks=3, spot=True)
    assert e.cost.total == pytest.approx(want.total)
    assert f"{want.total:,.2f}" in e.output.value


def test_pricing_explorer_offers_only_what_windows_allows():
    e = widgets.pricing_explorer()
    e.os.value = "WINDOWS"
    assert e.arch.value == "X86_64" and e.arch.disabled and e.spot.disabled
    cpus = {c for c, _ in valid_sizes("WINDOWS")}
    assert {value for _label, value in e.vcpu.options} == cpus
    assert e.cost.inputs["os"] == "WINDOWS" and e.cost.os_license > 0
    assert "Windows/X86 rates are DISPUTED" in e.output.value  # the caveat travels with the disputed price


def test_task_size_picker_offers_only_valid_sizes():
    p = widgets.task_size_picker()
    assert p.options == valid_sizes("LINUX")
    for cpu, _label in [(c, None) for _l, c in p.cpu.options]:
        p.cpu.value = cpu
        offered = [m for _l, m in p.memory.options]
        assert offered == [m for c, m in valid_sizes("LINUX") if c == cpu]
        assert is_valid_size(*p.size)
    assert "valid Fargate size" in p.summary.value
    p.cpu.value = 32768  # the newest size says what is not confirmed about it
    assert "ARM64, EKS and Region support unconfirmed" in p.summary.value
    assert {c for _l, c in widgets.task_size_picker("WINDOWS").cpu.options} == \
        {c for c, _ in valid_sizes("WINDOWS")}
