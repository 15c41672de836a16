"""Strict grading: under LABKIT_GRADING=strict a check short of full marks raises; labkit's pytest plugin turns it
on (`--labkit-strict`), grades one exercise at a time (`--labkit-exercise`), and `labkit classroom` writes GitHub
Classroom tests that run it."""

from __future__ import annotations

import json
import shlex
from collections import Counter

import nbformat
import pytest

import labkit
from labkit.course.exercises import GRADING_ENV, STRICT, Verdict, strict
from labkit.course.exercises import get as get_exercise
from labkit.course.grading.classroom import autograding_tests
from labkit.errors import ExerciseNotPassed, InvalidInput
from tests.grading_helpers import (
    COLOUR,
    PLUGIN,
    STUDENT,
    answer_cell,
    exercise_ids,
    run_pytest,
    toy_reference,
    toy_submissions,
)
from tests.helpers import run_cli


@pytest.fixture()
def strict_env(monkeypatch):
    monkeypatch.setenv(GRADING_ENV, STRICT)


def test_a_wrong_answer_raises_naming_the_exercise_its_score_and_the_hint(strict_env):
    with pytest.raises(ExerciseNotPassed) as caught:
        labkit.check("pricing.short_task", 1.0)
    err = caught.value
    assert (err.exercise_id, err.score, err.points) == ("pricing.short_task", 0.0, 1.0)
    text = str(err)
    assert text.startswith("pricing.short_task scored 0/1 points, not full marks.")
    assert "✗ the cost of one run:" in text and "Hint: " in text
    assert isinstance(err, AssertionError) and isinstance(err, labkit.LabkitError)


def test_a_blank_answer_and_an_unknown_exercise_raise_too(strict_env):
    with pytest.raises(ExerciseNotPassed, match="No answer yet"):
        labkit.check("pricing.short_task", ...)
    with pytest.raises(ExerciseNotPassed, match="nope.such scored 0/0 points"):
        labkit.check("nope.such", 1)


def test_full_marks_pass_quietly_and_without_strict_nothing_raises(monkeypatch):
    monkeypatch.setenv(GRADING_ENV, "strict ")
    assert strict()
    assert labkit.check("pricing.quiz_spot", "A B").passed
    for value in ("1", "", "lenient"):  # the grader's own kernels say "1": they record, never raise
        monkeypatch.setenv(GRADING_ENV, value)
        verdict = labkit.check("pricing.short_task", 1.0)
        assert isinstance(verdict, Verdict) and not verdict.passed


# ---- the pytest plugin, in a pytest of its own ------------------------------------------------------------

@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    root = tmp_path_factory.mktemp("strict")
    reference = toy_reference(root / "source")
    student_copies = toy_submissions(reference, root / "learners")
    return root / "learners", student_copies


@pytest.mark.slow
def test_strict_fails_exactly_the_cells_whose_checks_were_not_earned(toy):
    folder, _ = toy
    done = run_pytest(folder, "--nbval-lax", "--nbval-current-env", "--labkit-strict", "-q", "-rf",
                      "--labkit-exercise", "pricing.nothing_here", "-n", "2", "--dist", "loadfile",
                      "solved.ipynb", "half.ipynb", "blank.ipynb", xdist=True)  # two workers, one summary
    out = COLOUR.sub("", done.stdout)
    failed = Counter(line.split("::")[0].removeprefix("FAILED ") for line in out.splitlines()
                     if line.startswith("FAILED "))
    assert failed == {"blank.ipynb": 2, "half.ipynb": 1}, out
    assert "ExerciseNotPassed: pricing.quiz_spot scored 0/1 points" in out
    assert "pricing.nothing_here: not checked" in out  # the plugin's summary: the exercise graded ...
    assert "other exercises (they count in their own runs):" in out  # ... then the rest
    assert "pricing.quiz_spot: not full marks, 0/1 points" in out
    assert done.returncode == 1


@pytest.mark.slow
def test_the_classroom_tests_run_the_plugin_per_exercise_with_its_points(toy, tmp_path, capsys):
    folder, subs = toy
    tests = autograding_tests(subs["half"], "half.ipynb")["tests"]
    assert [(t["name"], t["points"]) for t in tests] == [("A 20-second task (pricing.short_task)", 1),
                                                         ("Which workloads suit Fargate Spot? (pricing.quiz_spot)", 1)]
    assert tests[0]["setup"].startswith("python -m pip install") and tests[1]["setup"] == ""
    runs = []
    for test in tests:  # as GitHub Classroom runs them, with this checkout's labkit instead of an install
        argv = shlex.split(test["run"])
        assert argv[:3] == ["python", "-m", "pytest"]
        runs.append(run_pytest(folder, *argv[3:]))
    assert [r.returncode for r in runs] == [0, 1]  # the quiz cell failed, yet the cost's test passes
    assert "pricing.short_task: passed, 1/1 points" in runs[0].stdout
    code, out, _ = run_cli(capsys, "classroom", str(STUDENT), "--out", str(tmp_path / "autograding.json"))
    written = json.loads((tmp_path / "autograding.json").read_text(encoding="utf-8"))
    ids = exercise_ids(nbformat.read(STUDENT, as_version=4))
    assert code == 0 and [t["points"] for t in written["tests"]] == [get_exercise(e).points for e in ids]
    assert [t["run"].split("--labkit-exercise ")[1] for t in written["tests"]] == [f"{e} {STUDENT}" for e in ids]


def test_classroom_refuses_what_is_not_an_assignment(tmp_path, capsys):
    plain = tmp_path / "plain.ipynb"
    plain.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    with pytest.raises(InvalidInput, match="has no answer cells"):
        autograding_tests(plain)
    code, _, err = run_cli(capsys, "classroom", str(tmp_path / "missing.ipynb"))
    assert code == 1 and "cannot read" in err


def test_the_plugin_is_registered_for_pytest_as_labkit():
    text = (STUDENT.parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert f'[project.entry-points.pytest11]\nlabkit = "{PLUGIN}"' in text


@pytest.mark.slow
def test_labkit_grade_runs_nbval_on_the_merged_notebook_hidden_checks_included(toy, tmp_path, capsys):
    folder, subs = toy
    reference = folder.parent / "source" / "toy.ipynb"
    code, out, _ = run_cli(capsys, "grade", str(subs["held"]), "--reference", str(reference), "--nbval")
    assert code == 1, out  # the hidden check fails it: the learner's own nbval run passes this notebook
    assert "ExerciseNotPassed: pricing.short_task scored 0.5/1 points" in COLOUR.sub("", out)
    assert "1 failed" in out
    merged = tmp_path / "merged.ipynb"
    code, _, err = run_cli(capsys, "grade", str(subs["held"]), "--reference", str(reference), "--merged", str(merged))
    assert code == 0 and f"wrote {merged}" in err and "--labkit-strict" in err
    cells = nbformat.read(merged, as_version=4).cells
    assert any("TOY-HIDDEN-MESSAGE" in c.source for c in cells)  # the hidden check is in ...
    held = nbformat.read(subs["held"], as_version=4)
    assert answer_cell(held, "pricing.short_task").source in [c.source for c in cells]  # ... and the answer
