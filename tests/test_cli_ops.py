"""The README's real-mode cost table (`python -m labkit.cli.ops lesson-costs`): equal to what labkit.pricing
computes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from labkit.cli import ops as cli_ops
from labkit.course.lessons import LESSONS, BalancerRun, lesson_costs
from labkit.model.pricing import load_balancer_cost
from labkit.pricing import fargate_cost

ROOT = Path(__file__).resolve().parent.parent


def readme_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("<!-- lesson-costs:begin -->\n", 1)[1].split("\n<!-- lesson-costs:end -->", 1)[0]


def test_the_readme_cost_table_is_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_ops.main(["lesson-costs"]) == 0
    assert capsys.readouterr().out.strip() == readme_table().strip()


def test_each_lessons_figure_is_its_runs_priced_by_labkit_pricing() -> None:
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([^`]+)` \|.*\| (\$[\d.]+) \|$", readme_table(),
                                                         re.MULTILINE)}
    assert list(rows) == [lesson.name for lesson in LESSONS]
    for lesson in LESSONS:
        expected = sum(load_balancer_cost(r.minutes * 60) if isinstance(r, BalancerRun)
                       else fargate_cost(r.vcpu, r.memory_gb, r.minutes * 60, tasks=r.tasks).total
                       for r in lesson.runs)
        assert rows[lesson.name] == (f"${expected:.4f}" if lesson.runs else "$0"), lesson.name
    total = re.search(r"\*\*all lessons\*\* \| \| \*\*\$([\d.]+)\*\*", readme_table())
    assert total and float(total.group(1)) == pytest.approx(sum(c.total for c in lesson_costs()), abs=5e-5)


def test_lesson_costs_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_ops.main([]) == 2
    assert "lesson-costs" in capsys.readouterr().err
