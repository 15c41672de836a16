"""Grading benchmarks for `make bench`: one submission's wall time, and a class's throughput on every core.

The batch is class-sized (`BATCH_PER_CORE` submissions per worker): a class pays the warm kernel template's start
once, as `labkit grade submissions/` does, and the figure is what grading a class goes at, start included.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

ASSIGNMENT = "capstone.ipynb"
BATCH_PER_CORE = 6


def _reference() -> Path:
    from labkit.course.student import SOURCE_DIR
    from labkit.data import course_root

    return course_root() / SOURCE_DIR / ASSIGNMENT


def grade_one(timeout: float = 60) -> dict[str, Any]:
    """Grade the reference solution once (a fresh kernel, mock mode): seconds taken and the score."""
    from labkit.course.grading import grade, skip_slow_imports

    skip_slow_imports()

    ref = _reference()
    start = time.perf_counter()
    report = grade(ref, ref, timeout=timeout)
    return {"seconds": round(time.perf_counter() - start, 2), "score": report.score, "points": report.points}


def grade_batch(n: int = 2 * BATCH_PER_CORE, workers: int = 2, timeout: float = 60) -> dict[str, Any]:
    """Grade `n` copies of the reference, `workers` at a time (as `labkit grade` does): submissions per minute."""
    from labkit.course.grading import grade_many

    ref = _reference()
    with tempfile.TemporaryDirectory(prefix="labkit-bench-") as tmp:
        paths = []
        for i in range(n):
            path = Path(tmp) / f"learner{i:02d}.ipynb"
            shutil.copyfile(ref, path)
            paths.append(path)
        start = time.perf_counter()
        reports = grade_many(paths, ref, timeout=timeout, workers=workers)
        seconds = time.perf_counter() - start
    full = sum(1 for r in reports if r.score == r.points)
    return {"submissions": n, "workers": workers, "seconds": round(seconds, 2),
            "per_minute": round(60 * n / seconds, 1), "full_marks": full}


def main() -> None:
    """Print both measurements (the bench harness may call the functions instead)."""
    one = grade_one()
    print(f"grade one submission: {one['seconds']} s ({one['score']:g}/{one['points']:g})")
    batch = grade_batch()
    print(f"batch grading: {batch['per_minute']} submissions/minute ({batch['submissions']} in "
          f"{batch['seconds']} s on {batch['workers']} workers, {batch['full_marks']} at full marks)")


if __name__ == "__main__":
    main()
