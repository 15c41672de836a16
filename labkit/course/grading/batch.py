"""Grading many submissions at once: one process and one kernel per submission, results in input order."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from labkit.course.grading.kernel import clean_error
from labkit.course.grading.pipeline import DEFAULT_TIMEOUT, grade
from labkit.course.grading.report import GradeReport


def skip_slow_imports() -> None:
    """Keep jsonschema from importing its optional `rfc3987_syntax`, which compiles grammars for seconds.

    nbformat imports jsonschema; notebook validation never needs the IRI format checks that module adds.
    Call it before nbformat is first imported (grading workers and the `labkit grade` command do).
    """
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _grade_job(args: tuple[str, str | None, float, str | None]) -> GradeReport:
    submission, reference, timeout, label = args
    try:
        return grade(submission, reference, timeout=timeout, label=label)
    except Exception as err:  # noqa: BLE001 - one submission that cannot be graded must not stop the batch
        note = f"This submission could not be graded: {type(err).__name__}: {clean_error(str(err))}"
        return GradeReport(label or Path(submission).name, "unknown", (), (note,))


def grade_many(submissions: Sequence[str | Path], reference: str | Path | None = None, *,
               timeout: float = DEFAULT_TIMEOUT, workers: int = 2,
               labels: Sequence[str] | None = None) -> list[GradeReport]:
    """Grade several submissions in parallel (one process and one kernel each); results keep input order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    names = list(labels) if labels is not None else [None] * len(submissions)
    jobs = [(str(s), str(reference) if reference else None, timeout, n)
            for s, n in zip(submissions, names, strict=True)]
    if workers <= 1 or len(jobs) <= 1:
        return [_grade_job(j) for j in jobs]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=skip_slow_imports) as pool:
        return list(pool.map(_grade_job, jobs))
