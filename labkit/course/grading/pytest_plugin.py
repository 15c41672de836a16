"""labkit's pytest plugin: nbval grading that means something (`pytest --nbval-lax --labkit-strict NOTEBOOK`).

Without it nbval passes a notebook whose checks print "not yet": a verdict is output, not an error. With
`--labkit-strict` the notebook's kernels run with `LABKIT_GRADING=strict`, so every `labkit.check` that does not
earn full marks raises `ExerciseNotPassed` (naming the exercise, its score and the hint) and its cell fails; the
exercises done pass. At the end the plugin lists each exercise checked, with its score.

`--labkit-exercise ID` (repeatable; implies `--labkit-strict`) grades only those exercises: the run passes when
each was checked and earned full marks, whatever other cells did. An autograder that gives points per exercise
(GitHub Classroom's, `labkit grade --classroom`) runs one such command per exercise.

pytest finds the plugin through the `pytest11` entry point of the installed course (named `labkit`); from a
source checkout that is not installed, load it with `-p labkit.course.grading.pytest_plugin`. Loaded first, it
also spares the session the seconds jsonschema spends on an optional import nbval never uses
(`skip_slow_imports`).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from labkit.course.exercises import GRADING_ENV, RESULTS_FILE_ENV, STRICT, Verdict, points_text
from labkit.course.grading.batch import skip_slow_imports

skip_slow_imports()


def pytest_addoption(parser: Any) -> None:
    """The plugin's options, in a `labkit` group of `pytest --help`."""
    group = parser.getgroup("labkit", "labkit grading of notebooks (with nbval)")
    group.addoption("--labkit-strict", action="store_true", default=False,
                    help="every labkit.check that does not earn full marks fails its cell "
                         f"(sets {GRADING_ENV}={STRICT} for the notebooks' kernels)")
    group.addoption("--labkit-exercise", action="append", default=[], metavar="ID",
                    help="pass only when exercise ID was checked and earned full marks, whatever other cells did "
                         "(repeatable; implies --labkit-strict): one autograder test per exercise")


#: the verdicts file of this run, handed on to pytest-xdist's workers (started after the controller configures)
SHARED_ENV = "LABKIT_PYTEST_VERDICTS"


class _Grading:
    """What the plugin set up for this session: the environment it changed and the verdicts file it reads.

    The first process to configure (pytest, or pytest-xdist's controller) makes the file; its workers, which
    inherit the environment, have their kernels record into the same one.
    """

    def __init__(self, exercises: list[str]) -> None:
        self.exercises = exercises
        self.saved = {k: os.environ.get(k) for k in (GRADING_ENV, RESULTS_FILE_ENV, SHARED_ENV)}
        self.owner = not os.environ.get(SHARED_ENV)
        if self.owner:
            handle, self.results = tempfile.mkstemp(prefix="labkit-verdicts-", suffix=".jsonl")
            os.close(handle)
        else:
            self.results = os.environ[SHARED_ENV]
        os.environ.update({GRADING_ENV: STRICT, RESULTS_FILE_ENV: self.results, SHARED_ENV: self.results})

    def verdicts(self) -> dict[str, Verdict]:
        """The latest verdict of every exercise the kernels checked."""
        found: dict[str, Verdict] = {}
        path = Path(self.results)
        for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else ():
            try:
                v = Verdict.from_dict(json.loads(line))
            except (ValueError, TypeError):
                continue
            found[v.exercise_id] = v
        return found

    def close(self) -> None:
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if self.owner:
            Path(self.results).unlink(missing_ok=True)


_KEY = pytest.StashKey[_Grading]()


def _full(v: Verdict | None) -> bool:
    return v is not None and v.passed and v.points > 0 and v.score >= v.points - 1e-9


def pytest_configure(config: Any) -> None:
    """With --labkit-strict or --labkit-exercise: strict kernels, and a file where they record their verdicts."""
    exercises = list(config.getoption("labkit_exercise") or [])
    if config.getoption("labkit_strict") or exercises:
        config.stash[_KEY] = _Grading(exercises)


def _grading(config: Any) -> _Grading | None:
    return config.stash.get(_KEY, None)


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    """With --labkit-exercise: the run's status is whether those exercises earned full marks."""
    grading = _grading(session.config)
    if grading is None or not grading.exercises or not grading.owner:
        return
    if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return  # interrupted, a usage error, nothing collected: pytest's own status says so
    verdicts = grading.verdicts()
    full = all(_full(verdicts.get(e)) for e in grading.exercises)
    session.exitstatus = pytest.ExitCode.OK if full else pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: Any) -> None:
    """Each exercise the notebooks checked, with its score; the graded ones first."""
    grading = _grading(config)
    if grading is None or not grading.owner:
        return
    verdicts = grading.verdicts()
    terminalreporter.section("labkit grading")
    for eid in grading.exercises:
        v = verdicts.get(eid)
        if v is None:
            terminalreporter.line(f"{eid}: not checked (no cell ran `labkit.check(\"{eid}\", ...)`): 0 points")
        else:
            mark = "passed" if _full(v) else "not full marks"
            terminalreporter.line(f"{eid}: {mark}, {points_text(v.score)}/{points_text(v.points)} points")
    others = [v for eid, v in sorted(verdicts.items()) if eid not in grading.exercises]
    if grading.exercises and others:
        terminalreporter.line("other exercises (they count in their own runs):")
    for v in others:
        mark = "passed" if _full(v) else "not full marks"
        terminalreporter.line(f"{v.exercise_id}: {mark}, {points_text(v.score)}/{points_text(v.points)} points")
    if not verdicts:
        terminalreporter.line("no labkit.check ran in these notebooks")


def pytest_unconfigure(config: Any) -> None:
    """Put the environment back and remove the verdicts file."""
    grading = _grading(config)
    if grading is not None:
        grading.close()
        del config.stash[_KEY]
