"""labkit.course.grading: answer cells run in fresh kernels against the reference; what a submission does is a note.

Kernel starts are slow, so one batch of submissions is graded once (two workers) and shared by the tests.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from labkit.cli import main
from labkit.course import grading, student

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / student.SOURCE_DIR / "capstone.ipynb"
STUDENT = ROOT / student.STUDENT_DIR / "capstone.ipynb"
LOOP_TIMEOUT = 10


def _cell(nb, exercise_id):
    return next(c for c in nb.cells if exercise_id in student.answer_ids(c))


def _solution(nb, exercise_id):
    """The reference answer cell's code without its markers (what a learner who solved it would have)."""
    src = _cell(nb, exercise_id).source
    return "\n".join(line for line in src.splitlines() if "### " not in line)


def _submissions(folder: Path) -> dict[str, Path]:
    ref = nbformat.read(SOURCE, as_version=4)
    blank = nbformat.read(STUDENT, as_version=4)
    paths = {}

    solved = copy.deepcopy(blank)  # a learner who wrote the reference answers into the student copy
    for c in solved.cells:
        for eid in student.answer_ids(c):
            c.source = _solution(ref, eid)
    paths["solved"] = folder / "solved.ipynb"
    nbformat.write(solved, paths["solved"])

    paths["blank"] = folder / "blank.ipynb"
    nbformat.write(blank, paths["blank"])

    faked = copy.deepcopy(blank)  # blank answers, with the executed reference's outputs pasted in
    ref_code = [c for c in ref.cells if c.cell_type == "code" and student.HIDDEN_TAG not in student.tags(c)]
    fake_code = [c for c in faked.cells if c.cell_type == "code"]
    assert len(ref_code) == len(fake_code)
    for src, dst in zip(ref_code, fake_code, strict=True):
        dst.outputs, dst.execution_count = src.outputs, src.execution_count
    assert any(c.outputs for c in fake_code), "the reference is committed executed"
    paths["faked"] = folder / "faked.ipynb"
    nbformat.write(faked, paths["faked"])

    broken = copy.deepcopy(solved)  # renamed file, a syntax error, an endless loop, a deleted cell
    _cell(broken, "capstone.quiz").source = 'quiz_answer = "A"\nif True print("oops")'
    _cell(broken, "capstone.cost").source = "while True:\n    pass"
    broken.cells = [c for c in broken.cells if "capstone.teardown" not in student.answer_ids(c)]
    paths["broken"] = folder / "my capstone (final) v2.ipynb"
    nbformat.write(broken, paths["broken"])
    return paths


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    paths = _submissions(folder)
    names = list(paths)
    reports = grading.grade_many([paths[n] for n in names], timeout=LOOP_TIMEOUT, workers=2)
    return dict(zip(names, reports, strict=True)), folder


def test_the_reference_solution_scores_full_marks(graded):
    r = graded[0]["solved"]
    assert r.score == r.points == 14, r.to_markdown()
    assert all(e.passed and not e.notes for e in r.exercises), r.to_markdown()
    hidden = [p for e in r.exercises for p in e.parts if p.hidden]
    assert len(hidden) == 6 and all(p.passed for p in hidden)


def test_the_blank_student_copy_scores_zero(graded):
    r = graded[0]["blank"]
    assert r.score == 0, r.to_markdown()
    named_only = ("capstone.design", "capstone.task_definition", "capstone.service")  # a design template, checked
    assert all(e.notes == ("no answer given.",) for e in r.exercises if e.exercise_id not in named_only)


def test_outputs_copied_from_the_reference_are_ignored(graded):
    faked, blank = graded[0]["faked"], graded[0]["blank"]
    assert faked.score == 0
    assert [e.score for e in faked.exercises] == [e.score for e in blank.exercises]
    assert "outputs stored in the submitted file were ignored" in faked.to_markdown()


def test_a_broken_submission_is_graded_with_notes(graded):
    r = graded[0]["broken"]
    assert r.submission == "my capstone (final) v2.ipynb" and r.assignment == "capstone"
    scores = {e.exercise_id: e.score for e in r.exercises}
    assert scores == {"capstone.design": 4, "capstone.task_definition": 3, "capstone.service": 3,
                      "capstone.cost": 0, "capstone.quiz": 0, "capstone.teardown": 0}, r.to_markdown()
    notes = {e.exercise_id: " ".join(e.notes) for e in r.exercises}
    assert f"ran past its timeout and was stopped (stopped after {LOOP_TIMEOUT} s)" in notes["capstone.cost"]
    assert "raised SyntaxError" in notes["capstone.quiz"] and "line 2" in notes["capstone.quiz"]
    assert "answer cell not found in the submission" in notes["capstone.teardown"]
    assert "tag `answer:capstone.teardown`" in notes["capstone.teardown"]


def test_reports_and_gradebook(graded, tmp_path):
    reports, _ = graded
    md = reports["broken"].to_markdown()
    assert md.startswith("# capstone: grade for `my capstone (final) v2.ipynb`")
    assert "**Total: 10 / 14 points**" in md
    assert "| What your service costs a month (`capstone.cost`) | 0 / 2 |" in md
    assert "0x" not in md and "arn:" not in md
    written = grading.write_gradebook(list(reports.values()), tmp_path / "gradebook.csv")
    rows = list(csv.DictReader(io.StringIO(written[0].read_text())))
    assert [r["submission"] for r in rows] == [r.submission for r in reports.values()]
    assert rows[0]["score"] == "14" and rows[0]["capstone.design"] == "4"
    assert "SyntaxError" in rows[3]["notes"]
    assert (tmp_path / "feedback" / "my capstone (final) v2.md").read_text() == md
    grading.write_gradebook(list(reports.values()), tmp_path / "gradebook.json")
    data = json.loads((tmp_path / "gradebook.json").read_text())
    assert data[0]["score"] == 14 and data[0]["exercises"][0]["exercise_id"] == "capstone.design"


# ---- without a kernel -------------------------------------------------------------------------------------

def test_answer_cells_are_matched_by_tag_not_position():
    ref = nbformat.read(SOURCE, as_version=4)
    sub = nbformat.read(STUDENT, as_version=4)
    _cell(sub, "capstone.cost").source = "monthly_cost = 1.0"
    moved = _cell(sub, "capstone.cost")
    sub.cells.remove(moved)
    sub.cells.insert(0, moved)
    sub.cells.append(nbformat.v4.new_code_cell("print('my own scratch cell')"))
    plan = grading.build(ref, sub)
    sources = [c.source for c in plan.nb.cells]
    assert "monthly_cost = 1.0" in sources and "print('my own scratch cell')" not in sources
    cost_index = ref.cells.index(_cell(ref, "capstone.cost"))
    assert sources[cost_index + 1] == "monthly_cost = 1.0"  # where the reference has it (after the preamble)
    assert plan.exercise_ids == ["capstone.design", "capstone.task_definition", "capstone.service",
                                 "capstone.cost", "capstone.quiz", "capstone.teardown"]
    assert any(student.HIDDEN_TAG in student.tags(c) for c in plan.nb.cells)  # hidden checks: the reference
    assert all(not c.get("outputs") for c in plan.nb.cells if c.cell_type == "code")


def test_the_built_notebook_starts_with_the_preamble_and_maps_answers_and_checks():
    ref = nbformat.read(SOURCE, as_version=4)
    sub = nbformat.read(STUDENT, as_version=4)
    extra = copy.deepcopy(_cell(sub, "capstone.quiz"))
    sub.cells.append(extra)  # a second cell tagged answer:capstone.quiz
    plan = grading.build(ref, sub, timeout=5)
    assert plan.nb.cells[0].source == grading.PREAMBLE
    assert plan.nb.cells[0].metadata["labkit_timeout"] == grading.INSTRUCTOR_TIMEOUT
    for index, eid in plan.cell_exercise.items():
        assert student.answer_ids(plan.nb.cells[index])[0] == eid
        assert "labkit_timeout" not in plan.nb.cells[index].metadata  # an answer cell gets the --timeout
    assert sorted(set(plan.cell_exercise.values())) == sorted(plan.exercise_ids)
    checks = {eid for ids in plan.check_exercises.values() for eid in ids}
    assert "capstone.cost" in checks
    assert plan.notes["capstone.quiz"] == [
        "the submission has 2 cells tagged `answer:capstone.quiz`; only the first 1 were graded."]


def test_the_reference_is_found_by_assignment_even_when_renamed(tmp_path):
    sub = nbformat.read(STUDENT, as_version=4)
    assert grading.find_reference(sub).name == "capstone.ipynb"
    del sub.metadata["labkit"]
    assert grading.find_reference(sub).name == "capstone.ipynb"  # by its answer tags


def test_the_grading_kernel_has_no_network():
    code = grading.PREAMBLE + (
        "\nimport socket\n"
        "server = socket.socket(); server.bind(('127.0.0.1', 0)); server.listen()\n"
        "socket.create_connection(server.getsockname()).close()\n"
        "try:\n    socket.create_connection(('192.0.2.1', 80), timeout=1)\n"
        "except OSError as e:\n    print(e)\n"
        "try:\n    socket.getaddrinfo('example.com', 443)\nexcept OSError as e:\n    print(e)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    out = run.stdout
    assert "network access is blocked while grading (to 192.0.2.1)" in out
    assert "name resolution is blocked while grading (example.com)" in out


def test_labkit_grade_usage_errors(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "missing.ipynb")]) == 2
    assert main(["grade", str(tmp_path)]) == 1
    assert main(["grade", str(tmp_path), "--timeout", "0"]) == 2
    assert "does not exist" in capsys.readouterr().err


# ---- a small assignment of value exercises: fast kernels for the crash cases ------------------------------

def _toy_reference(folder: Path) -> Path:
    answer = "answer:"
    nb = nbformat.v4.new_notebook(metadata={"labkit": {"assignment": "toy"}}, cells=[
        nbformat.v4.new_code_cell("import labkit\nimport labkit.pricing"),
        nbformat.v4.new_code_cell("cost = ...\n### BEGIN SOLUTION\n"
                                  "cost = labkit.pricing.fargate_cost(0.25, 0.5, 20)\n### END SOLUTION",
                                  metadata={"tags": [answer + "pricing.short_task"]}),
        nbformat.v4.new_code_cell('import labkit.pricing\nlabkit.check("pricing.short_task", cost)'),
        nbformat.v4.new_code_cell('pick = ...\n### BEGIN SOLUTION\npick = "A B"\n### END SOLUTION',
                                  metadata={"tags": [answer + "pricing.quiz_spot"]}),
        nbformat.v4.new_code_cell('labkit.check("pricing.quiz_spot", pick)'),
    ])
    path = folder / "toy.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_kernel_that_dies_or_a_file_that_is_not_a_notebook_is_graded(tmp_path):
    ref = _toy_reference(tmp_path)
    nb = nbformat.read(ref, as_version=4)
    nb.cells[3].source = 'pick = "A B"'
    nb.cells[1].source = "import os\nos._exit(3)"
    dead = tmp_path / "dead.ipynb"
    nbformat.write(nb, dead)
    garbage = tmp_path / "garbage.ipynb"
    garbage.write_text("not a notebook", encoding="utf-8")
    r_dead, r_garbage = grading.grade_many([dead, garbage], ref, timeout=LOOP_TIMEOUT, workers=2)
    assert r_dead.score == 0
    assert any("kernel died" in n for n in r_dead.notes)
    assert "did not run" in " ".join(r_dead.exercise("pricing.quiz_spot").notes)
    assert r_garbage.score == 0 and "could not be read as a notebook" in r_garbage.notes[0]
    assert r_garbage.exercise("pricing.short_task").notes == ("no answer given.",)
