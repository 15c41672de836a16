"""Submissions for the grading tests, built from whatever the assignment's notebooks are today (never from
hard-coded cell text), a toy assignment whose kernels are fast, and strict nbval run in a subprocess."""

from __future__ import annotations

import copy
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import nbformat

from labkit.course import student

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / student.SOURCE_DIR / "capstone.ipynb"
STUDENT = ROOT / student.STUDENT_DIR / "capstone.ipynb"
PLUGIN = "labkit.course.grading.pytest_plugin"
_NOT_PASSED = re.compile(r"ExerciseNotPassed: (\S+) scored")
COLOUR = re.compile(r"(?:\x1b|#x1B)\[[0-9;]*m")
_MENTION = re.compile(r"""["']([a-z0-9_]+\.[a-z0-9_]+)["']""")


def answer_cell(nb, exercise_id):
    return next(c for c in nb.cells if exercise_id in student.answer_ids(c))


def solution(nb, exercise_id) -> str:
    """The reference answer cell's code without its markers (what a learner who solved it would have)."""
    return "\n".join(line for line in answer_cell(nb, exercise_id).source.splitlines() if "### " not in line)


def exercise_ids(nb) -> list[str]:
    return list(dict.fromkeys(eid for c in nb.cells for eid in student.answer_ids(c)))


def solved(reference, blank, exercises=None):
    """The student copy with the reference's answers written in (all exercises, or only `exercises`)."""
    nb = copy.deepcopy(blank)
    for c in nb.cells:
        for eid in student.answer_ids(c):
            if exercises is None or eid in exercises:
                c.source = solution(reference, eid)
    return nb


def capstone_submissions(folder: Path) -> dict[str, Path]:
    """solved, blank, and partly right (the first half of the exercises solved, the rest left blank: a later
    exercise cannot change an earlier one's result); with `expected_failures` in `partial_failing`."""
    reference = nbformat.read(SOURCE, as_version=4)
    blank = nbformat.read(STUDENT, as_version=4)
    ids = exercise_ids(blank)
    first = ids[: len(ids) // 2]
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"solved": folder / "solved.ipynb", "blank": folder / "blank.ipynb", "partial": folder / "partial.ipynb"}
    nbformat.write(solved(reference, blank), paths["solved"])
    nbformat.write(blank, paths["blank"])
    nbformat.write(solved(reference, blank, first), paths["partial"])
    return paths


def partial_failing() -> set[str]:
    """The exercises the partly right capstone submission leaves blank."""
    ids = exercise_ids(nbformat.read(STUDENT, as_version=4))
    return set(ids[len(ids) // 2:])


# ---- a toy assignment: value exercises only, one hidden check, kernels that need no lab ------------------

HIDDEN_SOURCE = '''# Hidden checks (instructor only)
from labkit.course.exercises import Wrong, hidden_check


@hidden_check("pricing.short_task", "the cost is a plain number")
def _plain_number(answer, ctx):
    if not isinstance(answer, float):
        raise Wrong("TOY-HIDDEN-MESSAGE: a Cost object, not a float", hint="TOY-HIDDEN-HINT: use its .total")'''


def toy_reference(folder: Path) -> Path:
    """An instructor source with two value exercises and a hidden check on the first."""
    answer = student.ANSWER_PREFIX
    nb = nbformat.v4.new_notebook(metadata={"labkit": {"assignment": "toy"}}, cells=[
        nbformat.v4.new_code_cell("import labkit\nimport labkit.pricing"),
        nbformat.v4.new_code_cell(HIDDEN_SOURCE, metadata={"tags": [student.HIDDEN_TAG]}),
        nbformat.v4.new_code_cell("cost = ...\n### BEGIN SOLUTION\n"
                                  "cost = labkit.pricing.fargate_cost(0.25, 0.5, 20).total\n### END SOLUTION",
                                  metadata={"tags": [answer + "pricing.short_task"]}),
        nbformat.v4.new_code_cell('labkit.check("pricing.short_task", cost)'),
        nbformat.v4.new_code_cell('pick = ...\n### BEGIN SOLUTION\npick = "A B"\n### END SOLUTION',
                                  metadata={"tags": [answer + "pricing.quiz_spot"]}),
        nbformat.v4.new_code_cell('labkit.check("pricing.quiz_spot", pick)'),
    ])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "toy.ipynb"
    nbformat.write(nb, path)
    return path


def toy_submissions(reference: Path, folder: Path) -> dict[str, Path]:
    """solved; held back (passes the public check, fails the hidden one); half (the quiz wrong); blank."""
    ref = nbformat.read(reference, as_version=4)
    blank = student.student_notebook(ref)
    held = solved(ref, blank)
    answer_cell(held, "pricing.short_task").source = "cost = labkit.pricing.fargate_cost(0.25, 0.5, 20)"
    half = solved(ref, blank)
    answer_cell(half, "pricing.quiz_spot").source = 'pick = "D"'
    folder.mkdir(parents=True, exist_ok=True)
    notebooks = {"solved": solved(ref, blank), "held": held, "half": half, "blank": blank}
    paths = {}
    for name, nb in notebooks.items():
        paths[name] = folder / f"{name}.ipynb"
        nbformat.write(nb, paths[name])
    return paths


def hidden_lines(reference: Path) -> list[str]:
    """The non-blank lines of the reference's hidden-check cells (what feedback must never show)."""
    nb = nbformat.read(reference, as_version=4)
    return [line.strip() for c in nb.cells if student.HIDDEN_TAG in student.tags(c)
            for line in c.source.splitlines() if line.strip()]


# ---- strict nbval in a subprocess -----------------------------------------------------------------------

def pytest_env() -> dict[str, str]:
    """The environment of a pytest subprocess: this checkout's labkit, mock mode, no pytest settings inherited."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "LABKIT_GRADING", "LABKIT_RESULTS", "AWS_"))}
    env.update(PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]),
               LABKIT_MODE="mock", PYDEVD_DISABLE_FILE_VALIDATION="1")
    return env


def run_pytest(cwd: Path, *args: str, timeout: float = 600, xdist: bool = False) -> subprocess.CompletedProcess[str]:
    """`pytest ARGS` with labkit's plugin (loaded by module, as an installed entry point would be), in `cwd`."""
    cmd = [sys.executable, "-m", "pytest", "-p", PLUGIN, "-p", "no:labkit", "-p", "no:cacheprovider",
           "-p", "no:randomly", *([] if xdist else ["-p", "no:xdist"]), "--color=no", *args]
    return subprocess.run(cmd, cwd=cwd, env=pytest_env(), capture_output=True, text=True, timeout=timeout)


def nbval_failures(junit: Path, notebooks: dict[str, Path]) -> dict[str, set[str]]:
    """The exercises each notebook's nbval run failed: named by an ExerciseNotPassed, or checked by a failed cell
    (a check cell that could not run because its answer cell failed)."""
    by_file = {p.stem: name for name, p in notebooks.items()}
    code_cells = {name: [c for c in nbformat.read(p, as_version=4).cells if c.cell_type == "code"]
                  for name, p in notebooks.items()}
    failed: dict[str, set[str]] = {name: set() for name in notebooks}
    for case in ET.parse(junit).iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        if problem is None:
            continue
        name = by_file[case.get("classname", "").removesuffix(".ipynb")]
        text = COLOUR.sub("", (problem.get("message") or "") + (problem.text or ""))
        named = set(_NOT_PASSED.findall(text))
        if not named:
            cell = code_cells[name][int(case.get("name", "Cell -1").split()[-1])]
            if not student.answer_ids(cell):
                named = set(_MENTION.findall(cell.source))
        failed[name] |= named
    return failed
