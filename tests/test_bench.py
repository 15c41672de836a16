"""`make bench`'s table and JSON, with tiny run counts: what is written, compared and said when a part is
missing. No timing is asserted here; budgets are the benchmark's own business."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from tools import bench, bench_deploy
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
    (Row("mock / raw moto", "x", [0.9]), "pass"),
    (Row("mock / raw moto", "x", [1.1]), "over"),              # never slower than raw moto
    (Row("whole course", "s", [21.0]), "over"),
    (Row("slowest cell", "s", [0.9, 1.2, 0.8]), "pass"),
    (Row("cell time, 95th percentile", "s", [0.25]), "over"),
    (Row("batch grading on 2 cores", "per min", [59.0], lower_is_better=False), "over"),
    (Row("notebook 01_x", "s", [3.0]), ""),                   # no budget
    (Row("import labkit", "s", note="n/a (why)"), ""),        # nothing measured
])
def test_budget_status_uses_the_median(row: Row, status: str) -> None:
    assert row.status == status


def test_table_shows_notes_budgets_and_changes() -> None:
    rows = [Row("import labkit", "s", [0.2]), Row("mock deployment", "s", note="n/a (not there yet)"),
            Row("batch grading on 2 cores", "per min", [72.0], lower_is_better=False)]
    previous = {"rows": [{"name": "import labkit", "value": 0.25}]}
    text = bench.table(rows, bench.machine(), previous)
    assert "n/a (not there yet)" in text
    assert "<= 500 ms" in text and "200 ms" in text and "-20%" in text
    assert "72.0 per min" in text and ">= 60.0 per min" in text
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


def lesson(tmp_path: Path, name: str, *sources: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# a lesson")] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, tmp_path / f"{name}.ipynb")


def test_notebooks_are_timed_and_a_failing_one_is_a_note(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    lesson(tmp_path, "01_ok", "import os\nassert os.environ['LABKIT_MODE'] == 'mock'")
    lesson(tmp_path, "02_broken", "1 / 0")
    monkeypatch.setattr(bench, "lessons", lambda: sorted(tmp_path.glob("*.ipynb")))
    first, second, total = bench.bench_notebooks(1)
    assert first.name == "notebook 01_ok" and len(first.samples) == 1 and first.value > 0
    assert second.value is None and "ZeroDivisionError" in second.note
    assert total.name == "whole course" and total.value is None and "failed" in total.note


def test_every_code_cell_is_timed_in_a_fresh_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lesson(tmp_path, "01_one", "import time\ntime.sleep(0.3)", "", "x = 1",  # an empty cell is not run
           "t = __import__('time').process_time()\nwhile __import__('time').process_time() - t < 0.12:\n    pass")
    lesson(tmp_path, "02_two", "assert 'x' not in globals()  # a kernel of its own")
    monkeypatch.setattr(bench, "lessons", lambda: sorted(tmp_path.glob("*.ipynb")))
    one, two, total, slowest, p95, over_200, over_1s = bench.bench_notebooks(2)
    assert [c["cell"] for c in one.cells] == [1, 2, 3] and [c["cell"] for c in two.cells] == [1]
    assert one.cells[0]["source"] == "import time" and one.cells[0]["median"] >= 0.3
    if Path("/proc/self/stat").exists():  # the kernel's CPU time per cell (a forked kernel's too): sleeping
        assert 0 <= one.cells[0]["cpu"] < 0.2  # takes none, a busy loop all it runs
        assert one.cells[2]["cpu"] >= 0.1
    assert total.value == pytest.approx(one.value + two.value, rel=0.5)
    assert one.value >= sum(c["median"] for c in one.cells)  # kernel start to the last reply
    assert slowest.where == "01_one [1] import time" and slowest.value >= 0.3 and len(slowest.samples) == 2
    assert p95.value == slowest.value  # of 4 cells, the 95th percentile is the slowest
    assert over_200.samples == [1.0, 1.0] and over_1s.samples == [0.0, 0.0]
    data = json.loads(json.dumps(one.to_json()))
    assert data["cells"][0]["cell"] == 1 and data["where"] == ""


def cells(lesson_name: str, *seconds: float) -> list[tuple[bench.Cell, float]]:
    return [(bench.Cell(lesson_name, i + 1, f"cell_{i + 1}()"), s) for i, s in enumerate(seconds)]


def test_cell_rows_take_the_cell_slowest_by_median_and_count_per_run() -> None:
    runs = [cells("01_a", 0.05, 1.4, 0.1) + cells("02_b", 0.3),
            cells("01_a", 0.05, 0.6, 0.1) + cells("02_b", 0.9),
            cells("01_a", 0.05, 0.7, 0.1) + cells("02_b", 0.8)]
    slowest, p95, over_200, over_1s = bench.cell_rows(runs)
    assert slowest.where == "02_b [1] cell_1()" and slowest.samples == [0.3, 0.9, 0.8] and slowest.value == 0.8
    assert slowest.status == "pass" and p95.samples == [1.4, 0.9, 0.8] and p95.status == "over"
    assert over_200.samples == [2.0, 2.0, 2.0] and over_1s.samples == [1.0, 0.0, 0.0]
    assert over_1s.value == 0 and over_1s.budget is None
    text = bench.table([slowest, over_200], bench.machine())
    assert "slowest cell (02_b [1] cell_1())  800 ms" in text and "2 cells" in text
    assert all(r.note.startswith("n/a") for r in bench.cell_rows([]))


@pytest.mark.parametrize(("values", "expected"), [([0.1] * 19 + [5.0], 0.1), ([0.1] * 18 + [5.0, 6.0], 5.0),
                                                  ([0.3], 0.3)])
def test_95th_percentile_means_95_percent_of_cells_are_at_or_below_it(values: list[float], expected: float) -> None:
    assert bench.percentile(values, 95) == expected


def test_cells_table_lists_each_lessons_cells() -> None:
    row = Row("notebook 04_pricing", "s", [3.0], cells=[
        {"cell": 1, "source": "import labkit", "median": 1.2, "cpu": 0.5},
        {"cell": 2, "source": "x = 1", "median": 0.01, "cpu": None}])
    assert bench.cells_table([row]).splitlines() == ["notebook 04_pricing: 2 code cells",
                                                     "  [ 1]   1.20 s  (cpu 500 ms)  import labkit",
                                                     "  [ 2]    10 ms                x = 1"]
    assert bench.cells_table([row], over=0.2).splitlines()[0] == "notebook 04_pricing: 2 code cells, 1 over 200 ms"


def test_replay_puts_todays_ids_where_the_recording_has_the_old_ones() -> None:
    ids: dict[str, str] = {}
    recorded = {"Vpc": {"VpcId": "vpc-0123456789abcdef0", "State": "available", "CidrBlock": "10.0.0.0/16"},
                "tasks": [{"taskArn": "arn:aws:ecs:us-east-1:123456789013:task/labkit/1a2b", "lastStatus": "RUNNING"}]}
    answered = {"Vpc": {"VpcId": "vpc-0fedcba9876543210", "State": "pending", "CidrBlock": "10.0.0.0/16"},
                "tasks": [{"taskArn": "arn:aws:ecs:us-east-1:123456789020:task/labkit/9f8e", "lastStatus": "PENDING"}]}
    bench_deploy.learn_ids(recorded, answered, ids)
    assert ids == {"vpc-0123456789abcdef0": "vpc-0fedcba9876543210",
                   "arn:aws:ecs:us-east-1:123456789013:task/labkit/1a2b":
                       "arn:aws:ecs:us-east-1:123456789020:task/labkit/9f8e"}  # states and names are not ids
    params = {"VpcId": "vpc-0123456789abcdef0", "roleArn": "arn:aws:iam::123456789013:role/x", "desiredStatus":
              "RUNNING", "tasks": ["arn:aws:ecs:us-east-1:123456789013:task/labkit/1a2b"]}
    assert bench_deploy.swap_ids(params, ids, ("123456789013", "123456789020")) == {
        "VpcId": "vpc-0fedcba9876543210", "roleArn": "arn:aws:iam::123456789020:role/x", "desiredStatus": "RUNNING",
        "tasks": ["arn:aws:ecs:us-east-1:123456789020:task/labkit/9f8e"]}


def test_the_raw_deployment_makes_the_calls_labkit_made() -> None:
    import labkit

    with labkit.connect("mock") as lab:
        seen, calls = bench_deploy.record_mock_deployment(lab)
    assert seen["running"] == 3 and seen["account"] == lab.account_id
    operations = [c.operation for c in calls]
    assert {"CreateVpc", "RegisterTaskDefinition", "CreateService", "DeleteVpc"} <= set(operations)
    assert all(c.response is None or "ResponseMetadata" not in c.response for c in calls)
    from labkit import mock

    account = mock.allocate_account()
    try:
        with mock.disabled():
            replayed = bench_deploy.replay(calls, seen["account"], account)
    finally:
        mock.release_account(account)
    assert replayed["calls"] == len(calls)
    # moto alone refuses what it refused to labkit, and stopping the tasks it never started: nothing else
    refused_before = sum(c.response is None for c in calls)
    assert refused_before <= replayed["refused"] <= refused_before + operations.count("StopTask")


def test_the_baseline_is_plain_moto_in_a_process_without_labkit() -> None:
    import labkit

    with labkit.connect("mock") as lab:
        seen, calls = bench_deploy.record_mock_deployment(lab)
    seconds = bench_deploy.time_plain_moto(calls, seen["account"], 2, bench._env())
    assert len(seconds) == 2 and all(0 < s < 60 for s in seconds)
    with pytest.raises(RuntimeError, match="without labkit"):
        bench_deploy.plain_moto_main("unused", 1)  # this process has labkit: it refuses to be the baseline


def test_the_production_rows_measure_scaling_and_requests_against_their_budgets() -> None:
    scaling, request = bench.bench_production(1)
    assert (scaling.name, request.name) == (bench.AUTOSCALING, bench.REQUEST)
    assert len(scaling.samples) == 1 and len(request.samples) == 10 and not scaling.note and not request.note
    assert scaling.where == "the service scaled to 6 tasks"  # the run really scaled, not just passed time
    assert (scaling.budget, request.budget) == (3.0, 0.02)
    assert scaling.status in ("pass", "over") and request.status in ("pass", "over")
