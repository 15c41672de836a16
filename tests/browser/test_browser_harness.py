"""The browser test's own test: it must fail a lesson that is broken.

A lesson is copied to a scratch course and broken on purpose (a cell raising an error, a console error, a
widget never shown, a widget view whose model never arrives, a pricing explorer whose cost ignores a
slider); the same checking function that passes the real lessons must report each break, and nothing before
it. The pure parts (what a lesson must show, money as shown, the isolated Jupyter dirs) are tested without a
browser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_harness import (
    REPO,
    SETTINGS,
    LabPage,
    LabServer,
    LessonReport,
    _shows,
    check_lesson,
    expectations,
    isolated_env,
    lab_server,
)

LESSONS = sorted((REPO / "notebooks").glob("[0-9]*.ipynb"))
Scratch = tuple[Path, LabServer]
EXPLORER = "import labkit.widgets\nlabkit.widgets.pricing_explorer()"
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def code(source: str, outputs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": outputs or [],
            "source": source}


def markdown(source: str) -> dict[str, Any]:
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def write_notebook(path: Path, cells: list[dict[str, Any]], kernelspec: dict | None = KERNELSPEC) -> Path:
    metadata = {"kernelspec": kernelspec} if kernelspec else {}
    path.write_text(json.dumps({"cells": cells, "metadata": metadata, "nbformat": 4, "nbformat_minor": 5}))
    return path


# ---------------------------------------------------------------- without a browser


def test_expectations_are_read_from_the_notebook(tmp_path: Path) -> None:
    svg_out = {"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": "<svg/>"}}
    widget_out = {"output_type": "execute_result", "metadata": {}, "execution_count": 1,
                  "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "w"}}
    nb = write_notebook(tmp_path / "l.ipynb", [
        markdown("# Title"),
        code("print(1)"),
        code("labkit.widgets.pricing_explorer()"),
        code("labkit.show(labkit.diagrams.workflow())", [svg_out]),
        code("explorer", [widget_out]),
        code("from labkit.widgets import quiz\nquiz('pricing.q1')"),
        code("quiz('pricing.q2', 'B')"),
        code("x = 1  # widgets are mentioned, not made"),
    ])
    e = expectations(nb)
    assert e.code_cells == (1, 2, 3, 4, 5, 6, 7)
    assert e.widget_cells == (2, 4, 5, 6)
    assert e.pricing_cells == (2,)
    assert e.svg_cells == (3,)
    assert e.answered_cells == (6,)
    assert e.has_kernelspec
    assert not expectations(write_notebook(tmp_path / "n.ipynb", [code("1")], kernelspec=None)).has_kernelspec


@pytest.mark.parametrize(("text", "amount", "shown"), [
    ("$36.04", 36.0401, True),
    ("$36.04", 36.035, True),
    ("$36.04", 36.06, False),
    ("$1,460.00", 1460.004, True),
    ("$0.0123", 0.01234, True),
    ("$0.01", 0.0234, False),
    ("36.04", 36.04, False),
    (None, 1.0, False),
])
def test_money_is_compared_at_the_precision_shown(text: str | None, amount: float, shown: bool) -> None:
    assert _shows(text, amount) is shown


def test_jupyter_dirs_are_isolated_with_the_test_settings(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    for var in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR",
                "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR"):
        assert Path(env[var]).is_dir() and Path(env[var]).is_relative_to(tmp_path), var
    copied = {p.relative_to(SETTINGS) for p in SETTINGS.rglob("*.jupyterlab-settings")}
    assert copied, "tests/browser/jupyter_settings holds the news and windowing settings"
    assert all((Path(env["JUPYTERLAB_SETTINGS_DIR"]) / p).is_file() for p in copied)
    assert env["LABKIT_MODE"] == "mock"
    assert env["PYTHONPATH"].split(":")[0] == str(REPO)


# ---------------------------------------------------------------- in the browser


@pytest.fixture(scope="module")
def scratch(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scratch]:
    """A scratch course (the repository's files linked in, lessons copied in) served by its own JupyterLab."""
    root = tmp_path_factory.mktemp("course-copy")
    for entry in REPO.iterdir():
        if entry.name not in {"notebooks", ".git", ".venv"}:
            (root / entry.name).symlink_to(entry)
    (root / "notebooks").mkdir()
    for entry in (REPO / "notebooks").iterdir() if (REPO / "notebooks").is_dir() else ():
        if entry not in LESSONS and not entry.name.startswith("."):
            (root / "notebooks" / entry.name).symlink_to(entry)
    with lab_server(root, tmp_path_factory.mktemp("jupyterlab-copy")) as server:
        yield root, server


def broken_copy(root: Path, lesson: Path, name: str, edit: Callable[[list[dict]], None]) -> Path:
    """Copy `lesson` into the scratch course as `name`, with `edit` applied to its cells."""
    nb = json.loads(lesson.read_text(encoding="utf-8"))
    edit(nb["cells"])
    path = root / "notebooks" / f"{name}.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def run_copy(browser: Any, scratch: Scratch, path: Path) -> LessonReport:
    root, server = scratch
    lab = LabPage(browser, server)
    try:
        return check_lesson(lab, path.relative_to(root).as_posix(), path, timeout=120)
    finally:
        lab.close()


def cells_named(report: LessonReport) -> list[int]:
    return [int(m.group(1)) for f in report.failures for m in [re.match(r"cell (\d+)", f)] if m]


def test_an_error_output_and_a_console_error_fail_the_lesson(browser: Any, scratch: Scratch) -> None:
    assert LESSONS, "no lessons to break"
    lesson = LESSONS[0]
    first_code = expectations(lesson).code_cells[0]
    at = first_code + 1

    def edit(cells: list[dict]) -> None:
        cells[at:at] = [
            code("from IPython.display import Javascript, display\n"
                 "display(Javascript(\"console.error('broken on purpose: console')\"))"),
            code(EXPLORER),  # sound, before the error: the checks pass it
            code("raise RuntimeError('broken on purpose')"),
        ]

    path = broken_copy(scratch[0], lesson, f"{lesson.stem}_raises", edit)
    report = run_copy(browser, scratch, path)

    raises = at + 2
    assert any(f.startswith(f"cell {raises} has error output") and "broken on purpose" in f
               for f in report.failures), report
    assert any("console error" in f and "broken on purpose: console" in f for f in report.failures), report
    assert at + 1 not in cells_named(report), f"the sound pricing explorer failed:\n{report}"
    later = [i for i in expectations(path).code_cells if i > raises]
    if later:  # Run All stops at the error: the next cell never ran, and the checker says so
        assert f"cell {later[0]} did not run (prompt '[ ]:')" in report.failures, report
    assert all(i >= at for i in cells_named(report)), f"cells before the break failed too:\n{report}"


def test_a_widget_that_does_not_render_fails_the_lesson(browser: Any, scratch: Scratch) -> None:
    with_widgets = [p for p in LESSONS if expectations(p).widget_cells]
    assert with_widgets, "no lesson shows a widget"
    lesson = with_widgets[0]
    count = len(json.loads(lesson.read_text(encoding="utf-8"))["cells"])
    wrong, hidden, ghost = range(count, count + 3)

    def edit(cells: list[dict]) -> None:
        cells.extend([
            code("import labkit.widgets\n"  # this explorer's cost no longer follows its tasks slider
                 "explorer = labkit.widgets.pricing_explorer()\n"
                 "explorer.tasks.unobserve_all('value')\n"
                 "explorer"),
            code(EXPLORER + "\npass  # built but never shown"),
            code("from IPython.display import display\n"  # a view whose model never arrives (a broken comm)
                 "display({'application/vnd.jupyter.widget-view+json': {'model_id': '0' * 32, "
                 "'version_major': 2, 'version_minor': 0}, 'text/plain': 'a widget'}, raw=True)"),
        ])

    path = broken_copy(scratch[0], lesson, f"{lesson.stem}_widgets", edit)
    assert {wrong, hidden} <= set(expectations(path).pricing_cells)
    report = run_copy(browser, scratch, path)

    assert any(f.startswith(f"cell {wrong}: ") and "pricing explorer" in f for f in report.failures), report
    assert f"cell {hidden} shows no widget" in report.failures, report
    assert any(f.startswith(f"cell {ghost}: widget did not render") for f in report.failures), report
    assert all(i >= wrong for i in cells_named(report)), f"cells before the breaks failed too:\n{report}"


def test_a_diagram_wider_than_the_output_area_fails_the_lesson(browser: Any, scratch: Scratch) -> None:
    with_diagrams = [p for p in LESSONS if expectations(p).svg_cells]
    assert with_diagrams, "no lesson shows a diagram"
    lesson = with_diagrams[0]
    count = len(json.loads(lesson.read_text(encoding="utf-8"))["cells"])
    wide, fitted = count, count + 1
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="1500pt" height="200pt" viewBox="0 0 1500 200">'
           '<rect width="1500" height="200" fill="#D3E4FD"/></svg>')

    shown = [{"output_type": "display_data", "metadata": {}, "data": {"image/svg+xml": svg}}]

    def edit(cells: list[dict]) -> None:
        cells.extend([
            code(f"from IPython.display import SVG\nSVG({svg!r})", shown),  # at its full width: cut off
            code("import labkit.diagrams\n"  # as wide, but labkit's: scaled down to fit
                 "labkit.show(labkit.diagrams.Diagram.from_dot('digraph g { rankdir=LR; "
                 + " -> ".join("abcdefghijklmn") + " }'))", shown),
        ])

    path = broken_copy(scratch[0], lesson, f"{lesson.stem}_wide", edit)
    assert {wide, fitted} <= set(expectations(path).svg_cells)
    report = run_copy(browser, scratch, path)

    assert any(f.startswith(f"cell {wide}: a diagram 2000 px wide does not fit its output area") for f in
               report.failures), report
    assert cells_named(report) == [wide], f"only the raw SVG is cut off:\n{report}"
