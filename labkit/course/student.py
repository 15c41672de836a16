"""Student copies of assignments: solutions replaced by a placeholder, hidden checks and outputs removed.

Instructor sources live in `assignments/source/*.ipynb`. In them:
- code between `### BEGIN SOLUTION` and `### END SOLUTION` lines is the solution (markdown cells may use
  the same markers); the student copy has `# YOUR CODE HERE` (or `_Write your answer here._`) instead;
- cells tagged `hidden-check` (instructor checks) or `instructor-only` are dropped;
- cells tagged `answer:<exercise id>` are the learner's answer cells: the grader takes only those from a
  submission, so their tags are kept.
`labkit student` writes the copies to `notebooks/assignments/`.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from labkit.errors import InvalidInput

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
CODE_PLACEHOLDER = "# YOUR CODE HERE"
MARKDOWN_PLACEHOLDER = "_Write your answer here._"
HIDDEN_TAG = "hidden-check"
DROP_TAGS = frozenset({HIDDEN_TAG, "instructor-only"})
ANSWER_PREFIX = "answer:"
SOURCE_DIR = Path("assignments") / "source"
STUDENT_DIR = Path("notebooks") / "assignments"

_MARKER = re.compile(r"^(\s*)(?:<!--\s*)?(### (?:BEGIN|END) SOLUTION)(?:\s*-->)?\s*$")


def tags(cell: Any) -> list[str]:
    """The cell's tags (an empty list when it has none)."""
    return list(cell.get("metadata", {}).get("tags", []))


def answer_ids(cell: Any) -> list[str]:
    """Exercise ids this cell answers, from its `answer:<id>` tags."""
    return [t[len(ANSWER_PREFIX):] for t in tags(cell) if t.startswith(ANSWER_PREFIX)]


def strip_solutions(source: str, cell_type: str = "code", *, where: str = "a cell") -> str:
    """`source` with each solution region replaced by one placeholder line at the region's indentation."""
    placeholder = CODE_PLACEHOLDER if cell_type == "code" else MARKDOWN_PLACEHOLDER
    out: list[str] = []
    inside = False
    for number, line in enumerate(source.splitlines(), start=1):
        match = _MARKER.match(line)
        if match and match.group(2) == BEGIN:
            if inside:
                raise InvalidInput(f"{where}, line {number}: a second {BEGIN!r} before {END!r}; "
                                   "close each solution region before opening the next")
            inside = True
            out.append(match.group(1) + placeholder)
        elif match and match.group(2) == END:
            if not inside:
                raise InvalidInput(f"{where}, line {number}: {END!r} without {BEGIN!r} above it")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise InvalidInput(f"{where}: {BEGIN!r} is never closed; add a {END!r} line after the solution")
    return "\n".join(out)


def solution_lines(source: str) -> list[str]:
    """The lines inside solution regions (what must never reach a student copy)."""
    lines, inside = [], False
    for line in source.splitlines():
        match = _MARKER.match(line)
        if match:
            inside = match.group(2) == BEGIN
        elif inside:
            lines.append(line)
    return lines


def student_notebook(nb: Any, *, name: str = "notebook") -> Any:
    """A student copy of notebook `nb` (an nbformat node); the source is left unchanged."""
    out = copy.deepcopy(nb)
    cells = []
    for index, cell in enumerate(out.cells):
        if DROP_TAGS & set(tags(cell)):
            continue
        cell.source = strip_solutions(cell.source, cell.cell_type, where=f"{name}, cell {index + 1}")
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        keep = {k: v for k, v in cell.metadata.items() if k in ("tags", "labkit", "editable", "deletable")}
        cell.metadata = type(cell.metadata)(keep)
        cells.append(cell)
    out.cells = cells
    meta = out.metadata
    for key in ("widgets", "toc", "celltoolbar"):
        meta.pop(key, None)
    return out


def render_student_copy(src: Path) -> str:
    """The text of the student copy of source notebook `src`: what `write_student_copies` writes for it."""
    import nbformat

    return nbformat.writes(student_notebook(nbformat.read(src, as_version=4), name=src.name)) + "\n"


def _sources(source_dir: Path) -> list[Path]:
    if not source_dir.is_dir():
        raise InvalidInput(f"no assignment sources at {source_dir}: expected a folder of instructor notebooks"
                           " (run from the course folder, or pass --source)")
    return sorted(source_dir.glob("*.ipynb"))


def _current(target: Path, text: str) -> bool:
    return target.exists() and target.read_text(encoding="utf-8") == text


def write_student_copies(source_dir: Path, out_dir: Path) -> list[Path]:
    """Write a student copy of every notebook in `source_dir` into `out_dir`; returns the paths written.

    A copy that is already current is left untouched (its file's time stays as it was).
    """
    sources = _sources(source_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources:
        target, text = out_dir / src.name, render_student_copy(src)
        if not _current(target, text):
            target.write_text(text, encoding="utf-8")
        written.append(target)
    return written


def stale_student_copies(source_dir: Path, out_dir: Path) -> list[Path]:
    """The student copies in `out_dir` that are missing, or differ from what their source in `source_dir` gives."""
    return [out_dir / src.name for src in _sources(source_dir)
            if not _current(out_dir / src.name, render_student_copy(src))]
