"""Run a grading notebook in one fresh kernel, cell by cell, each with its time limit, and say how each cell went.

nbclient runs the cells. A cell past its limit is interrupted; if the kernel then does not answer a probe, grading
stops there. A kernel that dies, or cannot start, is a note: whatever the submission does, grading goes on.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labkit.course.grading.preamble import kernel_env
from labkit.course.grading.report import PROBLEM_DIED, PROBLEM_KERNEL, PROBLEM_STUCK, PROBLEM_TIMEOUT

PROBE_TIMEOUT = 10.0
TIMEOUT_ENAME = "CellTimeout"
#: Cell metadata that sets one cell's time limit in seconds (the reference's own cells get longer).
TIMEOUT_KEY = "labkit_timeout"

_FILE_LINE = re.compile(r"\((?:[^()]*[/\\])?[^()/\\]*\.py, line (\d+)\)")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def clean_error(evalue: str) -> str:
    """An error message fit for a report: its first line, no file paths or memory addresses, at most 200 chars."""
    text = _FILE_LINE.sub(r"(line \1)", str(evalue).splitlines()[0] if evalue else "")
    return _ADDRESS.sub("0x…", text)[:200]


@dataclass
class CellRun:
    """How one code cell went: ok, error (with the exception's name and message), timeout, or not run."""

    status: str = "not run"
    ename: str = ""
    evalue: str = ""


class CellRunner:
    """Runs every non-empty code cell of `nb` in one kernel; `runs` (by cell index), `notes` and `problems`
    (`report.PROBLEMS`) say what happened."""

    def __init__(self, nb: Any, timeout: float, workdir: Path, manager_class: type | None = None) -> None:
        from nbclient import NotebookClient

        self.nb = nb
        self.timeout = timeout
        self.runs: dict[int, CellRun] = {}
        self.notes: list[str] = []
        self.problems: list[str] = []
        self._replies: dict[int, dict[str, Any]] = {}
        default = int(max(1, timeout))
        self.client = NotebookClient(
            nb, timeout=default, startup_timeout=60, kernel_name="python3", allow_errors=True,
            interrupt_on_timeout=True, shutdown_kernel="immediate", iopub_timeout=2, record_timing=False,
            error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "stopped at its time limit", "traceback": []},
            resources={"metadata": {"path": str(workdir)}},
            timeout_func=lambda cell: cell.metadata.get(TIMEOUT_KEY) or default,
            **({"kernel_manager_class": manager_class} if manager_class else {}),
        )
        self.client.on_cell_executed = self._on_executed

    def _on_executed(self, cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        self._replies[cell_index] = execute_reply.get("content", {}) if execute_reply else {}

    def run(self, results_file: Path) -> None:
        """Start the kernel (verdicts go to `results_file`), run the cells in order, stop it."""
        try:
            with self.client.setup_kernel(env=kernel_env(results_file), stderr=subprocess.DEVNULL):
                for index, cell in enumerate(self.nb.cells):
                    if cell.cell_type == "code" and cell.source.strip() and not self._run_cell(cell, index):
                        break
        except Exception as err:  # noqa: BLE001 - a kernel that cannot start or stop is a note, not a crash
            self.notes.append(f"The grading kernel failed: {type(err).__name__}: {clean_error(str(err))}")
            self._problem(PROBLEM_KERNEL)

    def _problem(self, problem: str) -> None:
        if problem not in self.problems:
            self.problems.append(problem)

    def _run_cell(self, cell: Any, index: int) -> bool:
        """Run one cell and record how it went; False when grading must stop (the kernel is gone or stuck)."""
        from nbclient.exceptions import DeadKernelError

        try:
            self.client.execute_cell(cell, index)
        except DeadKernelError:
            self.runs[index] = CellRun("error", "DeadKernel", "the kernel died (did the code exit?)")
            self.notes.append("The kernel died while running the submission; later cells did not run.")
            self._problem(PROBLEM_DIED)
            return False
        reply = self._replies.pop(index, {})
        if reply.get("status") == "error" and reply.get("ename") == TIMEOUT_ENAME:
            limit = cell.metadata.get(TIMEOUT_KEY) or self.timeout
            self.runs[index] = CellRun("timeout", TIMEOUT_ENAME, f"stopped after {limit:g} s")
            self._problem(PROBLEM_TIMEOUT)
            if not self._still_answers(index):
                self.notes.append("A cell ran past its timeout and would not stop when interrupted; "
                                  "grading stopped there.")
                self._problem(PROBLEM_STUCK)
                return False
        elif reply.get("status") == "error":
            self.runs[index] = CellRun("error", reply.get("ename", "Error"), clean_error(reply.get("evalue", "")))
        else:
            self.runs[index] = CellRun("ok")
        return True

    def _still_answers(self, index: int) -> bool:
        """After an interrupt: does the kernel run a trivial cell within the probe's time limit?"""
        import nbformat

        probe = nbformat.v4.new_code_cell("pass", metadata={TIMEOUT_KEY: int(PROBE_TIMEOUT)})
        self.client.execute_cell(probe, index)
        return self._replies.pop(index, {}).get("ename") != TIMEOUT_ENAME
