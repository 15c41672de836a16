"""labkit.course.student: student copies carry no solution text, no hidden checks and no outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from labkit.cli import main
from labkit.course import student
from labkit.errors import InvalidInput

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / student.SOURCE_DIR).glob("*.ipynb"))


def test_there_is_at_least_one_assignment():
    assert [p.name for p in SOURCES] == ["capstone.ipynb"] or len(SOURCES) > 1


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.name)
def test_committed_student_copy_is_current(src):
    copy = ROOT / student.STUDENT_DIR / src.name
    assert copy.read_text(encoding="utf-8") == student.render_student_copy(src), "run `make student`"


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.name)
def test_no_solution_text_hidden_check_or_output_leaks(src):
    source = nbformat.read(src, as_version=4)
    copy = nbformat.read(ROOT / student.STUDENT_DIR / src.name, as_version=4)
    text = "\n".join(c.source for c in copy.cells)
    secret = [line.strip() for c in source.cells for line in student.solution_lines(c.source) if line.strip()]
    assert secret, "the source has solution regions"
    for line in secret:
        assert line not in text, f"solution line leaked: {line!r}"
    hidden = [c for c in source.cells if student.HIDDEN_TAG in student.tags(c)]
    assert hidden and not [c for c in copy.cells if student.HIDDEN_TAG in student.tags(c)]
    for c in hidden:
        assert c.source not in text
    assert "BEGIN SOLUTION" not in text and "hidden_check" not in text
    code = [c for c in copy.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    assert "widgets" not in copy.metadata


@pytest.mark.parametrize("src", SOURCES, ids=lambda p: p.name)
def test_answer_cells_keep_their_tags_and_a_placeholder(src):
    source = nbformat.read(src, as_version=4)
    copy = nbformat.read(ROOT / student.STUDENT_DIR / src.name, as_version=4)
    want = [t for c in source.cells for t in student.answer_ids(c)]
    got = [t for c in copy.cells for t in student.answer_ids(c)]
    assert want == got and want
    for c in copy.cells:
        if student.answer_ids(c):
            assert student.CODE_PLACEHOLDER in c.source
    assert copy.metadata["labkit"] == source.metadata["labkit"]


def test_regions_keep_indentation_and_markdown_gets_its_placeholder():
    src = "def f():\n    x = 1\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION\n"
    assert student.strip_solutions(src) == "def f():\n    x = 1\n    # YOUR CODE HERE"
    md = "Why?\n<!-- ### BEGIN SOLUTION -->\nBecause.\n<!-- ### END SOLUTION -->"
    assert student.strip_solutions(md, "markdown") == "Why?\n" + student.MARKDOWN_PLACEHOLDER


@pytest.mark.parametrize("src, words", [
    ("### BEGIN SOLUTION\nx = 1\n", "never closed"),
    ("x = 1\n### END SOLUTION\n", "without"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "a second"),
])
def test_unbalanced_markers_are_refused_with_the_line(src, words):
    with pytest.raises(InvalidInput, match=words):
        student.strip_solutions(src, where="demo.ipynb, cell 3")


def test_labkit_student_writes_copies_and_check_reports_stale(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["student", "--source", str(ROOT / student.SOURCE_DIR), "--out", str(out)]) == 0
    assert (out / "capstone.ipynb").exists()
    assert main(["student", "--source", str(ROOT / student.SOURCE_DIR), "--out", str(out), "--check"]) == 0
    (out / "capstone.ipynb").write_text("{}", encoding="utf-8")
    assert main(["student", "--source", str(ROOT / student.SOURCE_DIR), "--out", str(out), "--check"]) == 1
    assert "stale" in capsys.readouterr().out
    assert student.stale_student_copies(ROOT / student.SOURCE_DIR, out) == [out / "capstone.ipynb"]
    (out / "capstone.ipynb").unlink()
    assert student.stale_student_copies(ROOT / student.SOURCE_DIR, out) == [out / "capstone.ipynb"]


def test_checking_copies_of_a_missing_source_folder_is_a_problem_not_a_pass(tmp_path, capsys):
    missing = tmp_path / "no-such-sources"
    assert main(["student", "--source", str(missing), "--out", str(tmp_path / "out"), "--check"]) == 1
    assert "no assignment sources at" in capsys.readouterr().err
    with pytest.raises(InvalidInput, match="pass --source"):
        student.write_student_copies(missing, tmp_path / "out")
