"""labkit.course.lessons: one entry per notebook, and each notebook checks only exercises of its own topics.

The notebooks are read as JSON (their code cells), not run: the map must say what the notebooks really do.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from labkit.course import exercises
from labkit.course.lessons import LESSONS, REFERENCE, Lesson, Run, lesson_costs
from labkit.course.student import SOURCE_DIR

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(p.relative_to(ROOT) for p in (ROOT / "notebooks").rglob("*.ipynb")
                   if ".ipynb_checkpoints" not in p.parts)
SOURCES = sorted(p.relative_to(ROOT) for p in (ROOT / SOURCE_DIR).glob("*.ipynb"))
CALL = re.compile(r"\b(?:labkit\.(?:check|prompt|widgets\.quiz)|hidden_check)\(")
CHECKED_ID = re.compile(r"""\b(?:labkit\.(?:check|prompt|widgets\.quiz)|hidden_check)\(\s*["']([^"']+)["']""")


def checked_ids(path: Path) -> list[str]:
    """Exercise ids the notebook's code cells check, prompt or quiz; every such call must name its id literally."""
    nb = json.loads((ROOT / path).read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    ids = [i for src in code for i in CHECKED_ID.findall(src)]
    calls = sum(len(CALL.findall(src)) for src in code)
    assert calls == len(ids), f"{path}: a check, prompt or quiz call whose exercise id is not a literal string"
    return ids


def notebooks_of(lesson: Lesson) -> list[Path]:
    return [lesson.notebook] + ([lesson.source] if lesson.source else [])


def test_every_notebook_has_exactly_one_lesson():
    mapped = [lesson.notebook for lesson in LESSONS]
    assert sorted(mapped + list(REFERENCE)) == NOTEBOOKS, (
        "add the notebook to LESSONS, or to REFERENCE if it is not a lesson (or remove one whose notebook is gone)")
    assert len(set(mapped + list(REFERENCE))) == len(mapped) + len(REFERENCE)


@pytest.mark.parametrize("page", REFERENCE, ids=lambda p: p.stem)
def test_a_reference_page_checks_no_exercise(page):
    assert checked_ids(page) == [], f"{page} checks exercises: it is a lesson, put it in LESSONS"


def test_every_assignment_source_has_exactly_one_lesson():
    sources = [lesson.source for lesson in LESSONS if lesson.source]
    assert sorted(sources) == SOURCES and len(set(sources)) == len(sources)
    assert SOURCES, "the course has at least one assignment"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda lesson: lesson.name)
def test_a_lessons_topics_are_exactly_those_its_notebooks_check(lesson):
    for path in notebooks_of(lesson):
        ids = checked_ids(path)
        assert ids, f"{path} checks no exercise"
        foreign = [i for i in ids if i.split(".", 1)[0] not in lesson.topics]
        assert not foreign, f"{path} checks {foreign}, outside its topics {lesson.topics}"
        unknown = [i for i in ids if exercises.get(i) is None]
        assert not unknown, f"{path} checks exercises no topic module registers: {unknown}"
        assert {i.split(".", 1)[0] for i in ids} == set(lesson.topics), f"{path} does not use every topic"


def test_every_exercise_topic_module_belongs_to_exactly_one_lesson():
    folder = Path(exercises.__file__).parent
    modules = sorted(p.stem for p in folder.glob("*.py") if not p.stem.startswith("_"))
    mapped = [topic for lesson in LESSONS for topic in lesson.topics]
    assert sorted(mapped) == modules


def test_an_assignment_is_found_by_its_student_copy_and_source():
    capstone = next(lesson for lesson in LESSONS if lesson.name == "assignments/capstone")
    assert capstone.notebook == Path("notebooks/assignments/capstone.ipynb")
    assert capstone.source == Path("assignments/source/capstone.ipynb")
    assert LESSONS[0].source is None


def test_a_rows_text_and_cost_come_from_its_runs():
    run = Run(2, 0.25, 0.5, 20, spot=True)
    assert str(run) == "2 tasks of 0.25 vCPU / 0.5 GB on Fargate Spot for 20 min"
    assert str(Run(1, 1, 2, 5)) == "1 task of 1 vCPU / 2 GB for 5 min"
    rows = {row.lesson: row for row in lesson_costs()}
    assert list(rows) == [lesson.name for lesson in LESSONS]
    assert rows["00_start_here"].description == "nothing (connects and shows the account)"
    assert rows["00_start_here"].cost_text == "$0" and rows["00_start_here"].total == 0
    pricing = rows["04_pricing"]
    assert pricing.total == pytest.approx(run.cost("us-east-1")) and pricing.total > 0
    assert pricing.cost_text == f"${pricing.total:.4f}"
    london = {row.lesson: row for row in lesson_costs("eu-west-2")}["04_pricing"]
    assert london.total == pytest.approx(run.cost("eu-west-2")) and london.total > pricing.total  # its own rates


def test_a_load_balancer_is_priced_by_the_hour_from_the_data():
    from labkit.course.lessons import BalancerRun
    from labkit.model.pricing import load_balancer_hourly

    assert str(BalancerRun(45)) == "1 Application Load Balancer for 45 min (billed by the hour, with 1 LCU)"
    assert BalancerRun(45).cost("us-east-1") == pytest.approx(load_balancer_hourly("us-east-1"))
    assert BalancerRun(61).cost("us-east-1") == pytest.approx(2 * load_balancer_hourly("us-east-1"))
    row = {r.lesson: r for r in lesson_costs()}["08_production_service"]
    tasks = sum(run.cost("us-east-1") for run in row.runs if not isinstance(run, BalancerRun))
    assert row.total == pytest.approx(tasks + load_balancer_hourly("us-east-1")) and tasks > 0
