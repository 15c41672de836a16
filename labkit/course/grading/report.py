"""What grading hands back: a report per submission (Markdown for the learner, HTML, plain data) and the gradebook.

These are plain results: the grading steps fill them, the `labkit grade` command and instructors read them.
"""

from __future__ import annotations

import csv
import html
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from labkit.course.exercises import Part, points_text
from labkit.errors import InvalidInput
from labkit.model.text import ShownAsText

#: The note every report ends with; the gradebook leaves it out (it is the same on every row).
HOW_GRADED = ("Graded by running your answer cells in a fresh kernel against the reference; "
              "outputs stored in the submitted file were ignored.")


@dataclass(frozen=True)
class ExerciseGrade:
    """One exercise of one submission: its score, the checks behind it, and what happened."""

    exercise_id: str
    title: str
    score: float
    points: float
    passed: bool
    parts: tuple[Part, ...] = ()
    hint: str = ""
    notes: tuple[str, ...] = ()

    @property
    def result(self) -> str:
        """One word for the table: passed, partly or not yet."""
        return "passed" if self.passed else ("partly" if self.score > 0 else "not yet")

    def markdown_lines(self) -> list[str]:
        """This exercise's section of the learner's report: each check shown, hint when not passed, notes."""
        out = ["", f"## {self.title}: {points_text(self.score)} / {points_text(self.points)}", ""]
        for p in self.parts:
            if p.skipped:
                continue
            mark = "✓" if p.passed else "✗"
            label = p.name + (" (hidden check)" if p.hidden else "")
            out.append(f"- {mark} {label}" + (f": {p.message}" if p.message and not p.passed else ""))
        if self.hint and not self.passed:
            out.append(f"- Hint: {self.hint}")
        out += [f"- Note: {n}" for n in self.notes]
        return out


@dataclass(frozen=True)
class GradeReport(ShownAsText):
    """The grade of one submission: per-exercise scores with partial credit, and notes on what happened."""

    submission: str
    assignment: str
    exercises: tuple[ExerciseGrade, ...]
    notes: tuple[str, ...] = ()
    seconds: float = field(default=0.0, compare=False)

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 4)

    @property
    def points(self) -> float:
        return round(sum(e.points for e in self.exercises), 4)

    def exercise(self, exercise_id: str) -> ExerciseGrade:
        """The grade of one exercise, by id."""
        for e in self.exercises:
            if e.exercise_id == exercise_id:
                return e
        raise InvalidInput(f"no exercise {exercise_id!r} in this report; it has "
                           f"{', '.join(e.exercise_id for e in self.exercises)}")

    def __str__(self) -> str:
        return self.to_markdown()

    def to_markdown(self) -> str:
        """The learner's report: total, a table of exercises, then each exercise's checks, hint and notes."""
        out = [f"# {self.assignment}: grade for `{self.submission}`", "",
               f"**Total: {points_text(self.score)} / {points_text(self.points)} points**", ""]
        out += [f"- {n}" for n in self.notes]
        out += ["", "| exercise | score | result |", "|---|---:|---|"]
        out += [f"| {e.title} (`{e.exercise_id}`) | {points_text(e.score)} / {points_text(e.points)} | {e.result} |"
                for e in self.exercises]
        for e in self.exercises:
            out += e.markdown_lines()
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(e.title)}</td><td>{points_text(e.score)} / {points_text(e.points)}"
                       f"</td><td>{html.escape(' '.join(e.notes))}</td></tr>" for e in self.exercises)
        return (f"<b>{html.escape(self.assignment)}: {points_text(self.score)} / {points_text(self.points)}</b>"
                f"<table><tr><th>exercise</th><th>score</th><th>notes</th></tr>{rows}</table>")

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the JSON gradebook."""
        data = asdict(self)
        data.update(score=self.score, points=self.points)
        return data


def gradebook_csv(reports: Iterable[GradeReport]) -> str:
    """One row per submission: total, each exercise's score, and the notes."""
    reports = list(reports)
    ids: list[str] = []
    for r in reports:
        for e in r.exercises:
            if e.exercise_id not in ids:
                ids.append(e.exercise_id)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["submission", "assignment", "score", "points", *ids, "notes"])
    for r in reports:
        scores = {e.exercise_id: points_text(e.score) for e in r.exercises}
        notes = [f"{e.exercise_id}: {n}" for e in r.exercises for n in e.notes]
        notes += [n for n in r.notes if n != HOW_GRADED]
        writer.writerow([r.submission, r.assignment, points_text(r.score), points_text(r.points),
                         *[scores.get(i, "") for i in ids], " | ".join(notes)])
    return buf.getvalue()


def write_gradebook(reports: Sequence[GradeReport], out: str | Path) -> list[Path]:
    """Write the gradebook (CSV, or JSON when `out` ends in .json) and one Markdown report per learner.

    The Markdown reports go in a `feedback/` folder beside the gradebook. Returns every path written.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps([r.as_dict() for r in reports], indent=1, sort_keys=True) + "\n",
                       encoding="utf-8")
    else:
        out.write_text(gradebook_csv(reports), encoding="utf-8")
    written = [out]
    feedback = out.parent / "feedback"
    feedback.mkdir(exist_ok=True)
    for r in reports:
        path = feedback / (r.submission.removesuffix(".ipynb").replace("/", "__").replace("\\", "__") + ".md")
        path.write_text(r.to_markdown(), encoding="utf-8")
        written.append(path)
    return written
