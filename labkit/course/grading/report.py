"""What grading hands back to a learner: a report per submission, as Markdown, as an HTML page, and as plain data.

The feedback a learner reads shows each exercise, its score, each check with what failed and the hint. Hidden
checks are listed by name and result only: their messages and hints come from the instructor's hidden code, and
the learner never sees them (nor that code). These are plain results: the grading steps fill them, the
`labkit grade` command, the gradebook (`gradebook.py`) and the class report (`classreport.py`) read them.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass, field
from typing import Any

from labkit.course.exercises import Part, points_text
from labkit.errors import InvalidInput
from labkit.model.text import ShownAsText

#: The note every report ends with; the gradebook leaves it out (it is the same on every row).
HOW_GRADED = ("Graded by running your answer cells in a fresh kernel against the reference; "
              "outputs stored in the submitted file were ignored.")
#: ... and the note of a pre-submit check (`grade(..., public=True)`).
HOW_CHECKED = ("Checked as the grader checks: your answer cells ran in a fresh kernel against the assignment's "
               "public checks (outputs stored in the file were ignored); hidden checks run when your instructor "
               "grades.")
#: What can go wrong with a whole submission (`GradeReport.problems`), as the class report counts them.
PROBLEM_TIMEOUT = "timed out"            # a cell ran past its time limit and was stopped
PROBLEM_STUCK = "would not stop"         # ... and did not stop when interrupted: grading stopped there
PROBLEM_DIED = "kernel died"             # the kernel died while running it (os._exit, a crash)
PROBLEM_KERNEL = "kernel failed"         # the kernel could not start or stop
PROBLEM_UNREADABLE = "not a notebook"    # the file could not be read as a notebook
PROBLEM_UNGRADABLE = "not graded"        # grading itself failed (no reference, ...)
PROBLEMS = (PROBLEM_TIMEOUT, PROBLEM_STUCK, PROBLEM_DIED, PROBLEM_KERNEL, PROBLEM_UNREADABLE, PROBLEM_UNGRADABLE)
HIDDEN = "hidden check"


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

    def shown_parts(self) -> list[tuple[bool, str, str]]:
        """(passed, label, message) of each check the learner sees; a hidden check without its message."""
        out = []
        for p in self.parts:
            if p.skipped:
                continue
            label = p.name + (f" ({HIDDEN})" if p.hidden else "")
            message = "" if p.passed or p.hidden else p.message
            out.append((p.passed, label, message))
        return out

    def markdown_lines(self) -> list[str]:
        """This exercise's section of the learner's report: each check shown, hint when not passed, notes."""
        out = ["", f"## {self.title}: {points_text(self.score)} / {points_text(self.points)}", ""]
        for passed, label, message in self.shown_parts():
            out.append(f"- {'✓' if passed else '✗'} {label}" + (f": {message}" if message else ""))
        if self.hint and not self.passed:
            out.append(f"- Hint: {self.hint}")
        out += [f"- Note: {n}" for n in self.notes]
        return out

    def html_section(self) -> str:
        """This exercise's section of the learner's HTML page."""
        items = "".join(
            f"<li class='{'ok' if passed else 'no'}'>{'✓' if passed else '✗'} {html.escape(label)}"
            + (f": {html.escape(message)}" if message else "") + "</li>"
            for passed, label, message in self.shown_parts())
        hint = f"<p class='hint'><b>Hint:</b> {html.escape(self.hint)}</p>" if self.hint and not self.passed else ""
        notes = "".join(f"<p class='note'><b>Note:</b> {html.escape(n)}</p>" for n in self.notes)
        return (f"<section id='{html.escape(self.exercise_id)}'><h2>{html.escape(self.title)}: "
                f"{points_text(self.score)} / {points_text(self.points)}</h2><ul>{items}</ul>{hint}{notes}</section>")


_STYLE = ("body{font-family:system-ui,sans-serif;max-width:52em;margin:2em auto;padding:0 1em;line-height:1.45}"
          "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
          "td.n{text-align:right}li{list-style:none}li.ok{color:#1a7f37}li.no{color:#b35900}"
          ".hint{background:#eef4ff;padding:.3em .6em}.note{color:#555}")


@dataclass(frozen=True)
class GradeReport(ShownAsText):
    """The grade of one submission: per-exercise scores with partial credit, and notes on what happened."""

    submission: str
    assignment: str
    exercises: tuple[ExerciseGrade, ...]
    notes: tuple[str, ...] = ()
    seconds: float = field(default=0.0, compare=False)
    problems: tuple[str, ...] = ()  # what went wrong with the whole submission (`PROBLEMS`), for the class report

    @property
    def score(self) -> float:
        return round(sum(e.score for e in self.exercises), 4)

    @property
    def points(self) -> float:
        return round(sum(e.points for e in self.exercises), 4)

    @property
    def learner(self) -> str:
        """Who the submission is from: its path in the submissions folder without `.ipynb`."""
        return self.submission.removesuffix(".ipynb")

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

    def to_html(self) -> str:
        """The learner's report as a page of its own (what `labkit grade --feedback` writes beside the Markdown)."""
        title = f"{self.assignment}: grade for {self.submission}"
        return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
                f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>"
                f"<h1>{html.escape(title)}</h1>{self._html_body()}</body></html>\n")

    def _html_body(self) -> str:
        rows = "".join(f"<tr><td><a href='#{html.escape(e.exercise_id)}'>{html.escape(e.title)}</a></td>"
                       f"<td class='n'>{points_text(e.score)} / {points_text(e.points)}</td><td>{e.result}</td></tr>"
                       for e in self.exercises)
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes)
        sections = "".join(e.html_section() for e in self.exercises)
        return (f"<p><b>Total: {points_text(self.score)} / {points_text(self.points)} points</b></p>"
                f"<ul class='notes'>{notes}</ul>"
                f"<table><tr><th>exercise</th><th>score</th><th>result</th></tr>{rows}</table>{sections}")

    def _repr_html_(self) -> str:
        title = html.escape(f"{self.assignment}: {self.submission}")
        return f"<div class='labkit-grade'><h3>{title}</h3>{self._html_body()}</div>"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the JSON gradebook."""
        data = asdict(self)
        data.update(score=self.score, points=self.points)
        return data
