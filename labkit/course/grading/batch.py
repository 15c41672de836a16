"""Grading many submissions at once: a fresh kernel per submission, `workers` at a time, results in input order.

Each submission runs in a kernel of its own, forked from a warm template (`warm.py`) that has already imported
what every grading kernel imports, so a class pays those imports once rather than once per learner. The kernels
do the work; this process only drives them, so `workers` threads drive `workers` kernels at a time. Where a
template cannot run (no `fork`), each kernel starts from scratch, as `grade()` alone does.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

from labkit.course.grading.kernel import clean_error
from labkit.course.grading.pipeline import DEFAULT_TIMEOUT, grade
from labkit.course.grading.preamble import kernel_env
from labkit.course.grading.report import PROBLEM_UNGRADABLE, GradeReport
from labkit.errors import LabkitError


def skip_slow_imports() -> None:
    """Keep jsonschema from importing its optional `rfc3987_syntax`, which compiles grammars for seconds.

    nbformat imports jsonschema; notebook validation never needs the IRI format checks that module adds.
    Call it before nbformat is first imported (grading workers and the `labkit grade` command do).
    """
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _grade_job(submission: str | Path, reference: str | Path | None, timeout: float, label: str | None,
               kernels: type | None, public: bool) -> GradeReport:
    try:
        return grade(submission, reference, timeout=timeout, label=label, kernels=kernels, public=public)
    except Exception as err:  # noqa: BLE001 - one submission that cannot be graded must not stop the batch
        note = f"This submission could not be graded: {type(err).__name__}: {clean_error(str(err))}"
        return GradeReport(label or Path(submission).name, "unknown", (), (note,), problems=(PROBLEM_UNGRADABLE,))


def _template(stack: ExitStack) -> type | None:
    """The kernel manager class of a warm template for this batch, or None where one cannot run."""
    if not hasattr(os, "fork") or not hasattr(socket, "AF_UNIX"):
        return None
    from labkit.course.grading.warm import KernelTemplate

    try:
        template = stack.enter_context(KernelTemplate(kernel_env(Path(os.devnull))))
    except LabkitError:
        return None
    return template.kernel_manager_class()


def grade_many(submissions: Sequence[str | Path], reference: str | Path | None = None, *,
               timeout: float = DEFAULT_TIMEOUT, workers: int = 2, labels: Sequence[str] | None = None,
               warm: bool = True, public: bool = False,
               progress: Callable[[GradeReport], None] | None = None) -> list[GradeReport]:
    """Grade several submissions, `workers` at a time, each in a fresh kernel; results keep input order.

    `warm=False` starts every kernel from scratch instead of forking it from a warm template; `public=True` grades
    against the references' public checks only. `progress` is called with each report as it is made.
    """
    skip_slow_imports()
    names = list(labels) if labels is not None else [None] * len(submissions)
    if len(names) != len(submissions):
        raise ValueError(f"{len(submissions)} submissions but {len(names)} labels")
    with ExitStack() as stack:
        kernels = _template(stack) if warm and submissions else None

        def one(job: tuple[str | Path, str | None]) -> GradeReport:
            report = _grade_job(job[0], reference, timeout, job[1], kernels, public)
            if progress is not None:
                progress(report)
            return report

        jobs = list(zip(submissions, names, strict=True))
        if workers <= 1 or len(jobs) <= 1:
            return [one(j) for j in jobs]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="labkit-grade") as pool:
            return list(pool.map(one, jobs))
