"""Grades for the instructor and the LMS: the gradebook (CSV or JSON), a Canvas import file, feedback files.

The gradebook has a row per submission with each exercise's score and the notes. The Canvas file is what Canvas's
gradebook import reads (Canvas Instructor Guide, "How do I import grades in the Gradebook?",
https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807, and the
Ohio State guide to it, https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/
import-csv-file-carmen-grades, both read 2026-12-05): a header row; the columns "Student", "ID", "SIS User ID",
"SIS Login ID" and "Section" that say who each row is (Canvas matches a learner by one of the first three and
needs the SIS Login ID and Section columns there); then one column per assignment headed "Name (id)", as
Canvas's own export heads it. A column whose name is not an existing assignment makes a new assignment.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from labkit.course.exercises import points_text
from labkit.course.grading.report import HOW_GRADED, GradeReport
from labkit.errors import InvalidInput

CANVAS_PEOPLE = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
#: the roster columns a submission's learner name is matched against, in this order
_MATCH_BY = ("SIS Login ID", "SIS User ID", "ID", "Student")
_ASSIGNMENT_COLUMN = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)$")


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


def feedback_name(report: GradeReport) -> str:
    """The file name (without suffix) of a learner's feedback: their submission's path, flattened."""
    return report.learner.replace("/", "__").replace("\\", "__")


def write_feedback(reports: Sequence[GradeReport], folder: str | Path) -> list[Path]:
    """Write each learner's report as Markdown and as an HTML page into `folder`; returns the paths written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"{folder} is a file: --feedback takes a folder to write one report per learner into")
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for r in reports:
        for suffix, text in ((".md", r.to_markdown()), (".html", r.to_html())):
            path = folder / (feedback_name(r) + suffix)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def write_gradebook(reports: Sequence[GradeReport], out: str | Path,
                    feedback: str | Path | None = None) -> list[Path]:
    """Write the gradebook (CSV, or JSON when `out` ends in .json) and each learner's report.

    The reports go in `feedback` (by default a `feedback/` folder beside the gradebook). Returns every path written.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix.lower() == ".json":
        out.write_text(json.dumps([r.as_dict() for r in reports], indent=1, sort_keys=True) + "\n",
                       encoding="utf-8")
    else:
        out.write_text(gradebook_csv(reports), encoding="utf-8")
    return [out, *write_feedback(reports, feedback if feedback is not None else out.parent / "feedback")]


# ---- Canvas -----------------------------------------------------------------------------------------------

def read_roster(path: str | Path) -> list[dict[str, str]]:
    """The learners of a Canvas gradebook export (or any CSV with its "Student" ... "Section" columns)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidInput(f"cannot read the roster {path}: {err}; export the gradebook from Canvas "
                           "(Grades, Export) and pass that CSV file") from None
    rows = list(csv.DictReader(io.StringIO(text)))
    missing = [c for c in CANVAS_PEOPLE if rows and c not in rows[0]] or ([] if rows else ["any row"])
    if missing:
        raise InvalidInput(f"the roster {path} has no {', '.join(missing)}: it should be Canvas's gradebook export "
                           f"(columns {', '.join(CANVAS_PEOPLE)})")
    return [r for r in rows if r.get("Student", "").strip() and "Points Possible" not in r.get("Student", "")]


def canvas_column(assignment: str, roster: Sequence[dict[str, str]] = (), column: str | None = None) -> str:
    """The assignment's column header: `column` as given, else the roster's "Name (id)" column for this
    assignment (its name matched without case), else the assignment's name (Canvas then makes a new assignment)."""
    if column:
        return column
    for header in roster[0] if roster else ():
        match = _ASSIGNMENT_COLUMN.match(header)
        if match and match["name"].strip().lower() == assignment.strip().lower():
            return header
    return assignment


def _learner_keys(report: GradeReport) -> list[str]:
    """Who a submission may be from, most likely first: each folder of its path in the submissions folder
    (`alice/capstone.ipynb`, nbgrader's `alice/capstone/capstone.ipynb`), then its file name (`alice.ipynb`)."""
    return report.learner.split("/")


def canvas_csv(reports: Sequence[GradeReport], roster: Sequence[dict[str, str]] = (),
               column: str | None = None) -> tuple[str, list[str]]:
    """A Canvas gradebook import: the people columns, then the assignment's total; and the submissions that
    matched no one on the roster (they are left out, so nothing is imported for a stranger).

    Without a roster the learner's name (the submission's folder or file name) fills "Student" and
    "SIS Login ID": that matches when submissions are named by SIS login.
    """
    if not reports:
        raise InvalidInput("no grades to export: no submission was graded")
    header = canvas_column(reports[0].assignment, roster, column)
    index = {}
    for person in roster:
        for key in _MATCH_BY:
            value = person.get(key, "").strip().lower()
            if value:
                index.setdefault(value, person)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([*CANVAS_PEOPLE, header])
    unmatched = []
    for r in reports:
        keys = _learner_keys(r)
        if roster:
            person = next((index[k.strip().lower()] for k in keys if k.strip().lower() in index), None)
            if person is None:
                unmatched.append(r.submission)
                continue
            people = [person.get(c, "") for c in CANVAS_PEOPLE]
        else:
            people = [keys[0], "", "", keys[0], ""]
        writer.writerow([*people, points_text(r.score)])
    return buf.getvalue(), unmatched


def write_canvas(reports: Sequence[GradeReport], out: str | Path, roster: str | Path | None = None,
                 column: str | None = None) -> list[str]:
    """Write the Canvas import file; returns the submissions that matched no one on the roster."""
    people = read_roster(roster) if roster else []
    text, unmatched = canvas_csv(reports, people, column)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return unmatched
