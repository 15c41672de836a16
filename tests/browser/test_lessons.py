"""Every lesson, run through JupyterLab's UI in headless Chromium: all cells ran, no error output, widgets
render and respond (the pricing explorer's cost follows labkit.pricing), diagrams render as SVG and fit the
output area of a 1400-px window with the file browser open, and the browser console stays clean.

What a lesson must show is read from the notebook itself, so a new lesson needs no edit here. A screenshot of
each lesson goes to tests/browser/output/<lesson>.png: look at them when you change a lesson's layout.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_harness import OUTPUT, REPO, LabPage, check_lesson

pytestmark = pytest.mark.browser

# Student copies in notebooks/assignments/ have placeholders and are not lessons; the glossary is a page every
# lesson links to, checked the same way.
LESSONS = sorted((REPO / "notebooks").glob("[0-9]*.ipynb")) + [REPO / "notebooks" / "glossary.ipynb"]


def test_the_course_has_lessons() -> None:
    assert LESSONS, "no notebooks/[0-9]*.ipynb found: the browser test has nothing to check"


@pytest.mark.parametrize("notebook", LESSONS, ids=[p.stem for p in LESSONS])
def test_lesson_runs_in_jupyterlab(notebook: Path, course_lab: LabPage) -> None:
    report = check_lesson(course_lab, notebook.relative_to(REPO).as_posix(), notebook,
                          screenshot=OUTPUT / f"{notebook.stem}.png")
    assert not report.failures, str(report)
