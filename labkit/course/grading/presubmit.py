"""A learner's pre-submit check: `labkit.check_submission()` grades the open notebook as the grader will.

It runs exactly what the grader runs (the same pipeline steps: the saved file's answer cells in a fresh kernel,
against the assignment's reference, with a time limit per cell and no network) on the reference's public part:
the hidden checks stay with the instructor, so a "passed" here can still lose points to them, and the report
says so. It checks the notebook as last saved, finds which notebook that is from the kernel (Jupyter's
`JPY_SESSION_NAME`, the `__session__` IPython keeps, or VS Code's `__vsc_ipynb_file__`), and says plainly what
it could not do.
"""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from labkit.course.exercises import GRADING_ENV
from labkit.course.grading.notebooks import answered, find_reference, read_notebook, read_reference_nb
from labkit.course.grading.pipeline import DEFAULT_TIMEOUT, grade
from labkit.course.grading.report import GradeReport
from labkit.errors import InvalidInput

SESSION_NAMES = ("__session__", "__vsc_ipynb_file__")  # what Jupyter and VS Code keep in the kernel's namespace
SESSION_ENV = "JPY_SESSION_NAME"  # what jupyter_server sets in a kernel's environment: the notebook's path
WHILE_GRADING = "labkit.check_submission() does nothing while the notebook is being graded."


def _namespace() -> dict[str, Any]:
    try:
        from IPython import get_ipython
    except ImportError:
        return {}
    shell = get_ipython()
    return getattr(shell, "user_ns", {}) or {}


def open_notebook() -> Path | None:
    """The notebook this kernel belongs to, as a file that exists; None when the kernel cannot tell."""
    ns = _namespace()
    named = [ns.get(k) for k in SESSION_NAMES] + [os.environ.get(SESSION_ENV)]
    for name in named:
        if not isinstance(name, str) or not name.endswith(".ipynb"):
            continue
        for candidate in (Path(name), Path.cwd() / Path(name).name):
            if candidate.is_file():
                return candidate.resolve()
    return None


def _saved_note(path: Path) -> str:
    saved = time.strftime("%H:%M:%S", time.localtime(path.stat().st_mtime))
    return (f"Checked `{path.name}` as last saved (at {saved}): save the notebook first (Ctrl+S, or ⌘S on a Mac) "
            "so the check sees your latest answers.")


def check_submission(path: str | Path | None = None, *, timeout: float = DEFAULT_TIMEOUT) -> GradeReport:
    """Check the open notebook (or `path`) as the grader will, public checks only; returns the report.

    Takes about as long as grading one submission (a few seconds): the saved answers run in a fresh kernel.
    In a kernel that is itself being graded (`labkit grade`, strict nbval) it does nothing and says so.
    """
    if os.environ.get(GRADING_ENV):
        return GradeReport(Path(path or "").name, "", (), (WHILE_GRADING,))
    if path is None:
        found = open_notebook()
        if found is None:
            raise InvalidInput("cannot tell which notebook this kernel belongs to (Jupyter did not say): pass its "
                               "path, e.g. labkit.check_submission('capstone.ipynb')")
        path = found
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no notebook at {path}: pass the path of your saved assignment notebook, "
                           "e.g. labkit.check_submission('capstone.ipynb')")
    try:
        nb = read_notebook(path)
    except Exception as err:  # noqa: BLE001 - whatever nbformat raises, the learner gets one clear message
        raise InvalidInput(f"{path.name} could not be read as a notebook ({type(err).__name__}): is it the "
                           "assignment's .ipynb file?") from None
    notes = [_saved_note(path)]
    reference = _reference(nb)
    if reference is None:
        notes.append("The assignment's reference was not found here, so your notebook's own check cells were "
                     "used: if you changed or deleted one, the grader's result can differ from this one.")
    report = _in_thread(path, reference or path, timeout)
    return replace(report, notes=(*notes, *report.notes))


def _reference(nb: Any) -> Path | None:
    """The instructor source of this assignment when it is here (same assignment, shared answer cells)."""
    try:
        found = find_reference(nb)
    except InvalidInput:
        return None
    return found if set(answered(nb)) & set(answered(read_reference_nb(found))) else None


def _in_thread(path: Path, reference: Path, timeout: float) -> GradeReport:
    """Grade in a thread of its own: a notebook's kernel runs an event loop that nbclient must not share."""
    from concurrent.futures import ThreadPoolExecutor

    from labkit.course.grading.batch import skip_slow_imports

    skip_slow_imports()
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="labkit-check-submission") as pool:
        return pool.submit(grade, path, reference, timeout=timeout, public=True).result()
