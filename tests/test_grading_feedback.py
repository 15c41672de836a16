"""Grade and hand back: per-learner feedback (Markdown, HTML) that never shows hidden checks' code or messages, a
Canvas gradebook import, the class report, and `labkit grade`'s options for them.

A toy assignment (two value exercises and a hidden check) keeps the kernels quick; one folder of its submissions
is graded once through the command line and shared.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json

import pytest

from labkit.cli import main
from labkit.course import grading
from labkit.course.exercises import Part
from labkit.course.grading.classreport import class_report
from labkit.course.grading.gradebook import CANVAS_PEOPLE, canvas_csv, read_roster
from labkit.course.grading.report import PROBLEM_DIED, PROBLEM_TIMEOUT, ExerciseGrade, GradeReport
from labkit.errors import InvalidInput
from tests.grading_helpers import hidden_lines, toy_reference, toy_submissions
from tests.helpers import run_cli

ROSTER = """Student,ID,SIS User ID,SIS Login ID,Section,Toy (4242),Other (7)
    Points Possible,,,,,2,10
"Doe, Jane",101,S101,solved,Section A,,
"Roe, Rick",102,S102,held,Section A,,
"Poe, Ann",103,S103,half,Section B,,
"""


def _grade_cli(*argv: str) -> tuple[int, str, str]:
    """`labkit grade ARGV` in this process (a module fixture cannot use capsys): code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["grade", *argv])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def handed_back(tmp_path_factory):
    """`labkit grade submissions/ --out --feedback --canvas --roster --report`, run once."""
    root = tmp_path_factory.mktemp("toy")
    reference = toy_reference(root / "source")
    subs = toy_submissions(reference, root / "submissions")
    (root / "roster.csv").write_text(ROSTER, encoding="utf-8")
    code, out, err = _grade_cli(str(root / "submissions"), "--reference", str(reference),
                                "--out", str(root / "out" / "gradebook.csv"), "--feedback", str(root / "feedback"),
                                "--canvas", str(root / "out" / "canvas.csv"), "--roster", str(root / "roster.csv"),
                                "--report", str(root / "out" / "report.md"), "--json")
    reports = {r["submission"].removesuffix(".ipynb"): r for r in json.loads(out)} if code == 0 else {}
    return {"root": root, "reference": reference, "subs": subs, "code": code, "err": err, "reports": reports}


def test_the_command_writes_everything_it_was_asked_for(handed_back):
    root = handed_back["root"]
    assert handed_back["code"] == 0, handed_back["err"]
    for path in ("out/gradebook.csv", "out/canvas.csv", "out/report.md", "out/report.svg",
                 "feedback/held.md", "feedback/held.html", "feedback/solved.html", "feedback/blank.md"):
        assert (root / path).is_file(), path
        assert f"wrote {root / path}" in handed_back["err"]
    assert not (root / "out" / "feedback").exists()  # --feedback says where feedback goes
    scores = {name: r["score"] for name, r in handed_back["reports"].items()}
    assert scores == {"blank": 0, "half": 1, "held": 1.5, "solved": 2}


def test_held_back_feedback_shows_scores_per_exercise_and_nothing_of_the_hidden_checks(handed_back):
    root, secret = handed_back["root"], hidden_lines(handed_back["reference"])
    assert any("TOY-HIDDEN-MESSAGE" in line for line in secret)
    page = (root / "feedback" / "held.html").read_text(encoding="utf-8")
    text = (root / "feedback" / "held.md").read_text(encoding="utf-8")
    for feedback in (page, text):
        for line in secret:
            assert line not in feedback, line
        assert "TOY-HIDDEN" not in feedback and "hidden_check" not in feedback
        assert "the cost is a plain number (hidden check)" in feedback  # its name and result only
    assert page.startswith("<!DOCTYPE html>") and "<title>toy: grade for held.ipynb</title>" in page
    assert "<b>Total: 1.5 / 2 points</b>" in page
    assert "0.5 / 1</td><td>partly" in page and "1 / 1</td><td>passed" in page
    assert "✗ the cost is a plain number (hidden check)</li>" in page
    assert "| A 20-second task (`pricing.short_task`) | 0.5 / 1 | partly |" in text


def test_feedback_says_what_failed_and_the_hint_for_public_checks(handed_back):
    page = (handed_back["root"] / "feedback" / "half.html").read_text(encoding="utf-8")
    wrong = handed_back["reports"]["half"]["exercises"][1]
    assert wrong["exercise_id"] == "pricing.quiz_spot" and wrong["score"] == 0
    failed = next(p for p in wrong["parts"] if not p["passed"])
    assert f"✗ {failed['name']}: {failed['message']}" in page.replace("&#x27;", "'")
    assert "<b>Hint:</b>" in page and wrong["hint"] and wrong["hint"].replace("'", "&#x27;") in page


def test_canvas_csv_has_canvas_columns_and_the_rosters_people(handed_back):
    rows = list(csv.reader(io.StringIO((handed_back["root"] / "out" / "canvas.csv").read_text(encoding="utf-8"))))
    assert rows[0] == [*CANVAS_PEOPLE, "Toy (4242)"]  # the roster's column for this assignment
    assert rows[1:] == [["Poe, Ann", "103", "S103", "half", "Section B", "1"],
                        ["Roe, Rick", "102", "S102", "held", "Section A", "1.5"],
                        ["Doe, Jane", "101", "S101", "solved", "Section A", "2"]]
    assert "blank.ipynb matches no one on the roster: left out of" in handed_back["err"]


def test_the_class_report_names_the_checks_failed_most_and_the_spread(handed_back):
    md = (handed_back["root"] / "out" / "report.md").read_text(encoding="utf-8")
    assert md.startswith("# toy: class report")
    assert "4 submissions, out of 2 points: mean 1.12, median 1.25, lowest 0, highest 2; 1 at full marks." in md
    checks = md.split("## Checks failed most")[1].split("##")[0]
    assert "1. pricing.quiz_spot: your choice: 2 of 4" in checks  # blank, and the wrong pick
    assert "2. pricing.short_task: the cost is a plain number (hidden check): 2 of 4" in checks
    assert "3. pricing.short_task: the cost of one run: 1 of 4" in checks  # blank only
    assert "| Which workloads suit Fargate Spot? (`pricing.quiz_spot`) | 2 / 4 | 0.5 / 1 |" in md
    histogram = md.split("```")[1].strip().splitlines()
    assert [line.split()[-1] for line in histogram] == ["1", "3"]  # 0 to 1 point: blank; 1 to 2: the others
    assert "![score distribution](report.svg)" in md and "None." in md.split("timed out, crashed")[1]
    svg = (handed_back["root"] / "out" / "report.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and svg.count("<rect") == 2


def test_the_gradebook_keeps_its_columns(handed_back):
    rows = list(csv.DictReader(io.StringIO((handed_back["root"] / "out" / "gradebook.csv").read_text())))
    assert [r["submission"] for r in rows] == ["blank.ipynb", "half.ipynb", "held.ipynb", "solved.ipynb"]
    assert rows[2]["pricing.short_task"] == "0.5" and rows[2]["score"] == "1.5"


# ---- without kernels --------------------------------------------------------------------------------------

def _report(name, score, points=2.0, problems=(), parts=()):
    grade = ExerciseGrade("toy.one", "One", score, points, score == points, parts)
    return GradeReport(name, "toy", (grade,), problems=problems)


def test_the_class_report_lists_submissions_that_timed_out_or_crashed():
    reports = [_report("a.ipynb", 2), _report("b.ipynb", 0, problems=(PROBLEM_TIMEOUT,)),
               _report("c/d.ipynb", 0, problems=(PROBLEM_DIED, PROBLEM_TIMEOUT))]
    md = class_report(reports).to_markdown()
    assert f"- {PROBLEM_TIMEOUT}: `b.ipynb`, `c/d.ipynb`" in md
    assert f"- {PROBLEM_DIED}: `c/d.ipynb`" in md
    with pytest.raises(InvalidInput, match="no submissions were graded"):
        class_report([])


def test_checks_failed_most_come_first_and_count_checks_never_reached():
    first, second = Part("first", False, "wrong"), Part("second", False, skipped=True)
    reports = [_report("a", 0, parts=(first, second)), _report("b", 1, parts=(Part("first", True), second))]
    failed = class_report(reports).failed_checks()
    assert [(c.check, c.failed) for c in failed] == [("second", 2), ("first", 1)]


def test_canvas_without_a_roster_names_learners_by_their_submission():
    reports = [_report("alice/capstone.ipynb", 1.5), _report("bob.ipynb", 2)]
    text, unmatched = canvas_csv(reports)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [[*CANVAS_PEOPLE, "toy"], ["alice", "", "", "alice", "", "1.5"], ["bob", "", "", "bob", "", "2"]]
    assert unmatched == []
    assert canvas_csv(reports, column="Capstone (99)")[0].splitlines()[0].endswith(",Capstone (99)")


def test_a_roster_that_is_not_a_canvas_export_is_refused(tmp_path):
    bad = tmp_path / "roster.csv"
    bad.write_text("name,email\nJane,j@example.org\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="should be Canvas's gradebook export"):
        read_roster(bad)
    with pytest.raises(InvalidInput, match="cannot read the roster"):
        read_roster(tmp_path / "missing.csv")


def test_bad_command_lines_get_clear_errors(tmp_path, capsys):
    sub = tmp_path / "one.ipynb"
    sub.write_text("{}", encoding="utf-8")
    code, _, err = run_cli(capsys, "grade", str(tmp_path), "--merged", str(tmp_path / "m.ipynb"))
    assert code == 2 and "--merged and --nbval take one submission" in err
    code, _, err = run_cli(capsys, "grade", str(sub), "--roster", str(tmp_path / "r.csv"))
    assert code == 2 and "--roster and --canvas-column go with --canvas FILE" in err
    code, _, err = run_cli(capsys, "grade", str(sub), "--reference", str(tmp_path / "nope.ipynb"))
    assert code == 2 and "the reference" in err and "does not exist" in err
    code, _, err = run_cli(capsys, "grade", str(sub), "--merged", str(tmp_path / "m.ipynb"), "--nbval")
    assert code == 2 and "choose one of --merged" in err
    code, _, err = run_cli(capsys, "grade", str(sub), "--merged", str(tmp_path / "m.ipynb"),
                           "--reference", str(sub))
    assert code == 1 and "could not be read as a notebook" in err and "Traceback" not in err


def test_feedback_into_a_file_is_refused(tmp_path):
    (tmp_path / "taken").write_text("", encoding="utf-8")
    with pytest.raises(InvalidInput, match="is a file: --feedback takes a folder"):
        grading.write_feedback([_report("a.ipynb", 1)], tmp_path / "taken")
