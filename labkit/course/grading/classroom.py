"""GitHub Classroom autograding for an assignment: one nbval test per exercise, worth the exercise's points.

GitHub Classroom's autograder runs each test's command in the student's repository and gives the test's points
when the command exits 0 (education/autograding reads `.github/classroom/autograding.json`: a list of tests with
"name", "setup", "run", "input", "output", "comparison", "timeout" in minutes and "points"). Each test here runs
the learner's notebook under `pytest --nbval-lax --labkit-exercise ID`, which passes when that exercise earned
full marks (`pytest_plugin.py`). Only public checks run there: the students' repository must not hold the
instructor sources (solutions, hidden checks), so make it from the student copy.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from labkit.course.exercises import get as get_exercise
from labkit.course.grading.notebooks import answered, read_notebook
from labkit.errors import InvalidInput

INSTALL = "python -m pip install --quiet -e ."
SETUP_MINUTES = 10
TEST_MINUTES = 5


def autograding_tests(notebook: str | Path, repo_path: str | None = None) -> dict[str, list[dict[str, object]]]:
    """The autograding.json content for one assignment notebook (a student copy with its answer cells).

    `repo_path` is where the notebook sits in the students' repository (default: the path as given).
    """
    path = Path(notebook)
    try:
        nb = read_notebook(path)
    except Exception as err:  # noqa: BLE001 - any unreadable file gets the same clear message
        raise InvalidInput(f"cannot read {path} as a notebook ({type(err).__name__}): pass the assignment's "
                           "student copy, e.g. notebooks/assignments/capstone.ipynb") from None
    ids = list(dict.fromkeys(answered(nb)))
    if not ids:
        raise InvalidInput(f"{path} has no answer cells (cells tagged answer:<exercise id>): pass an assignment "
                           "notebook, e.g. notebooks/assignments/capstone.ipynb")
    where = repo_path or PurePosixPath(*path.parts).as_posix()
    tests: list[dict[str, object]] = []
    for i, eid in enumerate(ids):
        ex = get_exercise(eid)
        if ex is None:
            raise InvalidInput(f"{path} answers {eid!r}, which labkit does not know: is labkit up to date?")
        tests.append({
            "name": f"{ex.title} ({eid})",
            "setup": INSTALL if i == 0 else "",
            "run": f"python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env "
                   f"--labkit-exercise {eid} {where}",
            "input": "", "output": "", "comparison": "included",
            "timeout": SETUP_MINUTES if i == 0 else TEST_MINUTES,
            "points": int(ex.points) if float(ex.points).is_integer() else ex.points,
        })
    return {"tests": tests}


def autograding_json(notebook: str | Path, repo_path: str | None = None) -> str:
    """`autograding_tests` as the JSON text GitHub Classroom reads."""
    return json.dumps(autograding_tests(notebook, repo_path), indent=2) + "\n"
