"""Grading with nbval: the grader's notebook for a submission (hidden checks in), run under `pytest --nbval-lax`.

`labkit grade SUBMISSION --merged merged.ipynb` writes the notebook the grader runs (`pipeline.merged`);
`labkit grade SUBMISSION --nbval` runs it under nbval with labkit's pytest plugin in strict mode, so the cells
that fail are the checks the submission did not earn, hidden ones included. Both agree with `labkit grade` on
which exercises pass: they run the same notebook and the same checks.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

from labkit.course.exercises import GRADING_ENV, RESULTS_FILE_ENV
from labkit.course.grading.pipeline import merged
from labkit.course.grading.preamble import kernel_env

PLUGIN = "labkit.course.grading.pytest_plugin"
#: pytest's options for strict nbval grading; `-p no:labkit` keeps an installed entry point from loading it twice
PYTEST_ARGS = ("-p", PLUGIN, "-p", "no:labkit", "-p", "no:cacheprovider", "--nbval-lax", "--nbval-current-env",
               "--labkit-strict", "-q", "-rf", "--color=no")


def write_merged(submission: str | Path, out: str | Path, reference: str | Path | None = None) -> Path:
    """Write the grader's notebook for `submission` (the reference, hidden checks included, with its answers)."""
    import nbformat

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(merged(submission, reference), out)
    return out


def nbval_env() -> dict[str, str]:
    """The environment of a strict nbval run: the grading kernel's (mock mode, no AWS settings), strict from the
    plugin, verdicts to the plugin's own file."""
    env = kernel_env(Path(os.devnull))
    for key in (GRADING_ENV, RESULTS_FILE_ENV, "PYTEST_ADDOPTS"):
        env.pop(key, None)
    return env


def run_nbval(submission: str | Path, reference: str | Path | None = None,
              timeout: float | None = None) -> tuple[int, str]:
    """Run the grader's notebook for `submission` under strict nbval; pytest's exit status and output."""
    with tempfile.TemporaryDirectory(prefix="labkit-nbval-") as tmp:
        notebook = write_merged(submission, Path(tmp) / (Path(submission).stem + "-graded.ipynb"), reference)
        args = [*PYTEST_ARGS, *(["--nbval-cell-timeout", f"{timeout:g}"] if timeout else []), notebook.name]
        run = subprocess.run([sys.executable, "-m", "pytest", *args], cwd=tmp, env=nbval_env(),
                             capture_output=True, text=True, check=False)
    return run.returncode, run.stdout + run.stderr
