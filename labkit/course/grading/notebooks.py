"""Finding and reading what grading needs: submissions in a folder, and the instructor's reference for each."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from labkit.course.student import SOURCE_DIR, answer_ids
from labkit.data import course_root
from labkit.errors import InvalidInput


def read_notebook(path: Path) -> Any:
    """The notebook at `path` (nbformat 4); raises what nbformat raises for a file that is not one."""
    import nbformat

    return nbformat.read(path, as_version=4)


@functools.lru_cache(maxsize=32)
def _cached(path: Path, mtime_ns: int, size: int) -> Any:
    return read_notebook(path)


def read_reference_nb(path: Path) -> Any:
    """An instructor source, read once per version of the file (a class's grading reads it once, not per
    learner). Callers copy before they change it (`pipeline.copy_reference`)."""
    stat = Path(path).stat()
    return _cached(Path(path).resolve(), stat.st_mtime_ns, stat.st_size)


def assignment_name(nb: Any) -> str | None:
    """The assignment a notebook belongs to (its `labkit.assignment` metadata), if it says."""
    meta = nb.metadata.get("labkit", {}) if hasattr(nb, "metadata") else {}
    return meta.get("assignment") if isinstance(meta, dict) else None


def answered(nb: Any) -> list[str]:
    """Every exercise the notebook has an answer cell for (its `answer:<id>` tags), in cell order."""
    return [eid for c in nb.cells for eid in answer_ids(c)]


def source_dirs() -> list[Path]:
    """Where instructor sources are looked for: ./assignments/source, then the course's own."""
    dirs = [Path.cwd() / SOURCE_DIR, course_root() / SOURCE_DIR]
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def find_reference(submission_nb: Any) -> Path:
    """The instructor source this submission answers: by assignment metadata, else by shared answer tags."""
    candidates = [p for d in source_dirs() for p in sorted(d.glob("*.ipynb"))]
    if not candidates:
        raise InvalidInput("no instructor sources found in assignments/source/: "
                           "pass --reference SOURCE.ipynb")
    name = assignment_name(submission_nb) if submission_nb is not None else None
    for path in candidates:
        if name and assignment_name(read_reference_nb(path)) == name:
            return path
    wanted = set(answered(submission_nb)) if submission_nb is not None else set()
    best = max(candidates, key=lambda p: len(wanted & set(answered(read_reference_nb(p)))))
    if not wanted & set(answered(read_reference_nb(best))) and len(candidates) > 1:
        raise InvalidInput("cannot tell which assignment this submission answers (no assignment metadata and "
                           "no answer cells in common with any source): pass --reference SOURCE.ipynb")
    return best


def find_submissions(folder: str | Path) -> list[Path]:
    """The notebooks in a submissions folder (recursively), skipping checkpoints."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)
