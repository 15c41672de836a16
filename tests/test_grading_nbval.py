"""nbval grading that means something: `pytest --nbval-lax --labkit-strict` fails exactly the exercises not earned,
and agrees with `labkit grade` on the same submissions (public checks on the learner's file, hidden ones on the
grader's merged notebook).

One pytest subprocess runs every notebook (kernel starts are the cost), while this process grades the same
submissions; the tests read both.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from labkit.course import grading
from labkit.course.grading import strict_nbval
from tests.grading_helpers import (
    STUDENT,
    capstone_submissions,
    exercise_ids,
    nbval_failures,
    partial_failing,
    run_pytest,
)

pytestmark = pytest.mark.slow
NAMES = ("solved", "blank", "partial")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("nbval")
    subs = capstone_submissions(folder)
    merged = {}
    for name in NAMES:  # the grader's notebook for each submission: hidden checks in
        merged[f"{name}_merged"] = strict_nbval.write_merged(subs[name], folder / f"{name}_merged.ipynb")
    notebooks = {**subs, **merged}
    junit = folder / "junit.xml"
    with ThreadPoolExecutor(1) as pool:  # nbval in a subprocess while this process grades: both at once
        nbval = pool.submit(run_pytest, folder, "--nbval-lax", "--nbval-current-env", "--labkit-strict", "-q",
                            f"--junitxml={junit}", *[p.name for p in notebooks.values()])
        reports = grading.grade_many([subs[n] for n in NAMES], workers=2)
        done = nbval.result()
    return {"done": done, "failed": nbval_failures(junit, notebooks),
            "reports": dict(zip(NAMES, reports, strict=True))}


def test_the_blank_student_copy_fails_every_exercise_under_strict_nbval(runs):
    every = set(exercise_ids(nbformat.read(STUDENT, as_version=4)))
    assert runs["failed"]["blank"] == every, runs["done"].stdout[-3000:]
    assert runs["done"].returncode == 1


def test_the_reference_answers_pass_every_cell(runs):
    assert runs["failed"]["solved"] == set() and runs["failed"]["solved_merged"] == set(), runs["done"].stdout[-3000:]


def test_a_partly_right_submission_fails_exactly_the_exercises_left_blank(runs):
    assert runs["failed"]["partial"] == partial_failing(), runs["done"].stdout[-3000:]


@pytest.mark.parametrize("name", NAMES)
def test_labkit_grade_and_nbval_agree_on_which_exercises_pass(runs, name):
    report = runs["reports"][name]
    not_passed = {e.exercise_id for e in report.exercises if not e.passed}
    assert runs["failed"][f"{name}_merged"] == not_passed, report.to_markdown()
    assert runs["failed"][name] == not_passed  # no hidden check changes these three


def test_the_plugin_lists_each_exercise_with_its_score(runs):
    out = runs["done"].stdout
    assert "labkit grading" in out
    for eid in exercise_ids(nbformat.read(STUDENT, as_version=4)):
        assert f"{eid}: " in out
