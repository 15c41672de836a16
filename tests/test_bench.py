"""`make bench`'s table and JSON, with tiny run counts: what is written, compared and said when a part is
missing. No timing is asserted here; budgets are the benchmark's own business."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tools import bench
from tools.bench import Row


def test_quick_run_prints_one_table_and_writes_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert bench.main(["--quick", "--only", "import", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "import labkit" in printed and "cores" in printed and "budget" in printed
    data = json.loads((tmp_path / "latest.json").read_text())
    assert data["command"] == f"python -m tools.bench --quick --only import --out {tmp_path}"
    assert data["machine"]["cores"] >= 1
    (row,) = data["rows"]
    assert row["name"] == "import labkit" and row["runs"] == 1 and row["value"] > 0
    assert row["status"] in ("pass", "over") and row["budget"] == bench.BUDGETS["import labkit"]
    assert not (tmp_path / "previous.json").exists()


def test_second_run_is_compared_with_the_last(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    bench.main(["--quick", "--only", "import", "--out", str(tmp_path)])
    first = json.loads((tmp_path / "latest.json").read_text())
    capsys.readouterr()
    bench.main(["--quick", "--only", "import", "--out", str(tmp_path)])
    assert json.loads((tmp_path / "previous.json").read_text()) == first
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("import labkit"))
    assert line.rstrip().endswith("%"), line


def test_unknown_row_is_a_usage_error() -> None:
    with pytest.raises(SystemExit) as exit_info:
        bench.main(["--only", "import,bogus"])
    assert exit_info.value.code == 2


@pytest.mark.parametrize(("row", "status"), [
    (Row("import labkit", "s", [0.1, 0.9, 0.2]), "pass"),     # median 0.2
    (Row("import labkit", "s", [0.6, 0.7, 0.1]), "over"),     # median 0.6
    (Row("mock / raw moto", "x", [2.0]), "pass"),
    (Row("whole course", "s", [120.0]), "over"),
    (Row("notebook 01_x", "s", [3.0]), ""),                   # no budget
    (Row("import labkit", "s", note="n/a (why)"), ""),        # nothing measured
])
def test_budget_status_uses_the_median(row: Row, status: str) -> None:
    assert row.status == status


def test_table_shows_notes_budgets_and_changes() -> None:
    rows = [Row("import labkit", "s", [0.2]), Row("mock deployment", "s", note="n/a (not there yet)"),
            Row("batch grading on 2 cores", "per min", [12.0], lower_is_better=False)]
    previous = {"rows": [{"name": "import labkit", "value": 0.25}]}
    text = bench.table(rows, bench.machine(), previous)
    assert "n/a (not there yet)" in text
    assert "<= 500 ms" in text and "200 ms" in text and "-20%" in text
    assert "12.0 per min" in text
    assert text.splitlines()[-1] == "every budgeted figure is within budget"
    md = bench.table(rows, bench.machine(), markdown=True)
    assert "| import labkit | 200 ms | 1 | <= 500 ms | pass |  |" in md


def test_missing_parts_are_rows_saying_why(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = bench.importlib.import_module

    def no_bench_modules(name: str, *args: object) -> object:
        if name in ("tools.bench_deploy", "tools.bench_grading"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real_import(name, *args)

    monkeypatch.setattr(bench.importlib, "import_module", no_bench_modules)
    monkeypatch.setattr(bench, "lessons", lambda: [])
    rows = bench.bench_deploy(1) + bench.bench_grading(1) + bench.bench_notebooks(1)
    names = [r.name for r in rows]
    assert names[:4] == ["mock deployment", "raw moto deployment", "mock / raw moto", "grade one submission"]
    assert names[4].startswith("batch grading on ") and names[5] == "whole course"
    assert all(r.value is None and r.note.startswith("n/a (") for r in rows), [r.note for r in rows]
    assert "tools.bench_deploy" in rows[0].note and "tools.bench_grading" in rows[3].note


def test_notebooks_are_timed_and_a_failing_one_is_a_note(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ok, broken = nbformat.v4.new_notebook(), nbformat.v4.new_notebook()
    ok.cells = [nbformat.v4.new_code_cell("import os\nassert os.environ['LABKIT_MODE'] == 'mock'")]
    broken.cells = [nbformat.v4.new_code_cell("1 / 0")]
    nbformat.write(ok, tmp_path / "01_ok.ipynb")
    nbformat.write(broken, tmp_path / "02_broken.ipynb")
    monkeypatch.setattr(bench, "lessons", lambda: sorted(tmp_path.glob("*.ipynb")))
    first, second, total = bench.bench_notebooks(1)
    assert first.name == "notebook 01_ok" and len(first.samples) == 1 and first.value > 0
    assert second.value is None and "ZeroDivisionError" in second.note
    assert total.name == "whole course" and total.value is None and "failed" in total.note
