"""`labkit.check_submission()`: the learner's pre-submit check runs the grader's steps on the public checks only,
finds the notebook the kernel belongs to, and says plainly what it could not do."""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict

import nbformat
import pytest

import labkit
from labkit.course import grading
from labkit.course.grading import presubmit
from labkit.course.grading.report import HOW_CHECKED
from labkit.errors import InvalidInput
from tests.grading_helpers import ROOT, toy_reference, toy_submissions
from tests.helpers import run_cli


@pytest.fixture()
def course(tmp_path, monkeypatch):
    """A course folder with the toy assignment's source, as a learner's checkout has it."""
    reference = toy_reference(tmp_path / "assignments" / "source")
    subs = toy_submissions(reference, tmp_path / "work")
    monkeypatch.chdir(tmp_path)
    for name in presubmit.SESSION_NAMES:
        monkeypatch.delitem(presubmit._namespace(), name, raising=False)
    monkeypatch.delenv(presubmit.SESSION_ENV, raising=False)
    return reference, subs


def test_it_is_a_learner_name_of_labkit():
    assert "check_submission" in labkit.__all__ and labkit.check_submission is presubmit.check_submission


def test_right_and_wrong_notebooks_get_the_graders_public_verdicts(course):
    reference, subs = course
    right = labkit.check_submission(subs["solved"])
    wrong = labkit.check_submission(subs["half"])
    assert right.score == right.points == 2 and all(e.passed for e in right.exercises), right.to_markdown()
    assert [e.passed for e in wrong.exercises] == [True, False] and wrong.score == 1
    assert wrong.exercises[1].hint  # what to fix
    assert HOW_CHECKED in right.notes and "as last saved" in right.notes[0]
    assert not any(p.hidden for e in right.exercises for p in e.parts)  # hidden checks stay with the instructor


def test_it_runs_exactly_the_graders_checks_minus_the_hidden_ones(course, capsys):
    reference, subs = course
    checked = labkit.check_submission(subs["held"])
    graded = grading.grade(subs["held"], reference)
    assert graded.score == 1.5 and checked.score == 2  # the hidden check takes half a point at grading
    for mine, theirs in zip(checked.exercises, graded.exercises, strict=True):
        assert mine.exercise_id == theirs.exercise_id
        assert mine.parts == tuple(p for p in theirs.parts if not p.hidden)
    code, out, _ = run_cli(capsys, "grade", str(subs["held"]), "--public", "--json")
    same = json.loads(json.dumps([asdict(e) for e in checked.exercises]))
    assert code == 0 and json.loads(out)[0]["exercises"] == same


def test_without_the_reference_it_uses_the_notebooks_own_checks_and_says_so(tmp_path, monkeypatch):
    reference = toy_reference(tmp_path / "elsewhere")
    subs = toy_submissions(reference, tmp_path / "work")
    lone = tmp_path / "lone"
    lone.mkdir()
    nb = nbformat.read(subs["solved"], as_version=4)
    nb.metadata["labkit"] = {"assignment": "not-here"}
    nbformat.write(nb, lone / "mine.ipynb")
    monkeypatch.chdir(lone)
    report = presubmit.check_submission(lone / "mine.ipynb")
    assert report.score == 2
    assert any("reference was not found here" in n for n in report.notes)


def test_it_does_nothing_in_a_kernel_that_is_being_graded(course, monkeypatch):
    _, subs = course
    for value in ("1", "strict"):
        monkeypatch.setenv("LABKIT_GRADING", value)
        report = labkit.check_submission(subs["solved"])
        assert report.exercises == () and report.notes == (presubmit.WHILE_GRADING,)


def test_it_says_what_it_could_not_do(course, tmp_path):
    with pytest.raises(InvalidInput, match=r"cannot tell which notebook .* labkit.check_submission\('capstone"):
        labkit.check_submission()
    with pytest.raises(InvalidInput, match="no notebook at"):
        labkit.check_submission(tmp_path / "missing.ipynb")
    (tmp_path / "text.ipynb").write_text("not json", encoding="utf-8")
    with pytest.raises(InvalidInput, match="could not be read as a notebook"):
        labkit.check_submission(tmp_path / "text.ipynb")


@pytest.mark.slow
def test_in_a_kernel_it_finds_the_open_notebook(course, tmp_path):
    """Run from the learner's own kernel, which Jupyter started with JPY_SESSION_NAME set to the notebook."""
    from nbclient import NotebookClient

    reference, subs = course
    mine = tmp_path / "work" / "mine.ipynb"
    shutil.copyfile(subs["half"], mine)
    nb = nbformat.read(mine, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        "import labkit\nreport = labkit.check_submission()\nprint(report.score, report.submission)"))
    nbformat.write(nb, mine)
    env = {**grading.preamble.kernel_env(tmp_path / "unused.jsonl"), "PYTHONPATH": str(ROOT),
           presubmit.SESSION_ENV: str(mine)}
    env.pop("LABKIT_RESULTS_FILE")
    env.pop("LABKIT_GRADING")  # a learner's kernel, not a grading one
    client = NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}})
    with client.setup_kernel(env=env):
        client.execute_cell(nb.cells[-1], len(nb.cells) - 1)
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert out.strip() == "1.0 mine.ipynb", nb.cells[-1].outputs
