"""`make bench` (`python -m tools.bench`): how fast the course is, as one table and as JSON.

Rows: `import labkit` in a fresh interpreter; the full mock deployment and its ratio to the same moto calls made
with labkit's layer off; a task's process started, and a 3-task service answering HTTP (tasks that run); 80
simulated minutes of autoscaling, and a request through a load balancer; each lesson in a fresh kernel (from kernel
start to the last cell's reply), the whole course, and every code cell's time: the slowest cell, the 95th
percentile, how many cells take over 200 ms and over 1 s; JupyterLab start to first notebook rendered in Chromium;
grading one submission and batch throughput on every core. Each figure is the median of several runs, checked
against the course's budgets (DESIGN.md, "Performance budgets"); a row whose parts are missing says "n/a (why)".
The JSON goes to `bench-results/latest.json` (with every cell's median wall and CPU time) and is compared with the
previous run's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib
import importlib.util
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from labkit.data import course_root

ROWS = ("import", "deploy", "runtime", "production", "notebooks", "browser", "grading")
SLOWEST_CELL, CELL_P95 = "slowest cell", "cell time, 95th percentile"
CELLS_OVER = {0.2: "cells over 200 ms", 1.0: "cells over 1 s"}
# Budgets from the design: every lesson cell within 1 s and 95% within 200 ms, the whole course within 20 s,
# `import labkit` well under a second, a mock deployment within 0.3 s and never slower than raw moto,
# at least 60 graded submissions a minute on 2 cores; a task's process started within 150 ms, and a 3-task service
# answering HTTP within 2 s of create_service; 80 simulated minutes of autoscaling within 3 s, a request through a
# load balancer within 20 ms.
START_ONE, SERVICE_HTTP = "start one task's process", "3-task service answering HTTP"
AUTOSCALING, REQUEST = "80 simulated minutes of autoscaling", "request through the load balancer"
BUDGETS = {"import labkit": 0.5, "mock deployment": 0.3, "mock / raw moto": 1.0, "whole course": 20.0,
           START_ONE: 0.15, SERVICE_HTTP: 2.0, AUTOSCALING: 3.0, REQUEST: 0.02,
           SLOWEST_CELL: 1.0, CELL_P95: 0.2, "grade one submission": 10.0, "batch grading on 2 cores": 60.0}


@dataclass
class Row:
    """One measured figure: the median of `runs` samples, or `note` saying why there is none."""

    name: str
    unit: str
    samples: list[float] = field(default_factory=list)
    note: str = ""
    lower_is_better: bool = True
    where: str = ""  # which lesson and cell a figure is about, when it is about one
    cells: list[dict[str, Any]] = field(default_factory=list)  # a notebook's code cells: median time each

    @property
    def value(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def budget(self) -> float | None:
        return BUDGETS.get(self.name)

    @property
    def status(self) -> str:
        if self.value is None or self.budget is None:
            return ""
        ok = self.value <= self.budget if self.lower_is_better else self.value >= self.budget
        return "pass" if ok else "over"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out.update(value=self.value, budget=self.budget, status=self.status, runs=len(self.samples))
        return out


def _timed(fn: Callable[[], Any]) -> float:
    """Seconds `fn` takes, starting from a collected heap: garbage the part before left is not charged to it."""
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _error_note(err: BaseException, *, last_line: bool = False) -> str:
    """A row's note for a part that failed: the error's type and one line of its message."""
    lines = str(err).strip().splitlines() or [""]
    return f"error ({type(err).__name__}: {(lines[-1] if last_line else lines[0])[:80]})"


def _env() -> dict[str, str]:
    """Environment for child interpreters and kernels: mock mode, this checkout's labkit first."""
    env = dict(os.environ, LABKIT_MODE="mock")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(course_root()), env.get("PYTHONPATH")]))
    return env


# ---------------------------------------------------------------- rows


def bench_import(runs: int) -> list[Row]:
    """`import labkit` in a fresh interpreter (interpreter start excluded)."""
    row = Row("import labkit", "s")
    code = "import time; t = time.perf_counter(); import labkit; print(time.perf_counter() - t)"
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code], env=_env(), capture_output=True, text=True,
                             check=False)
        if out.returncode != 0:
            last = out.stderr.strip().splitlines()[-1:] or [f"exit {out.returncode}"]
            row.note = f"error ({last[0][:80]})"
            row.samples.clear()
            break
        row.samples.append(float(out.stdout.strip()))
    return [row]


def _not_there(err: ImportError, module: str, *rows: Row) -> list[Row]:
    """The rows of a part whose module cannot be imported, each saying so (a note, not a crashed benchmark)."""
    why = f"n/a ({err.name or module} not there yet)"
    return [Row(row.name, row.unit, note=why) for row in rows]


def bench_deploy(runs: int) -> list[Row]:
    """The full mock deployment through labkit, the same calls on plain moto, and their ratio.

    The first run warms moto's backends up, records labkit's calls, and is not counted; each later run times a
    deployment in a fresh lab. The recorded calls are replayed on plain moto in a process that never imports
    labkit (one warm-up replay, then `runs`, each in a fresh account), so the baseline is moto as it comes.
    """
    mock, raw = Row("mock deployment", "s"), Row("raw moto deployment", "s")
    ratio = Row("mock / raw moto", "x")
    try:
        bench_deploy_module = importlib.import_module("tools.bench_deploy")
        import labkit
    except ImportError as err:
        return _not_there(err, "tools.bench_deploy", mock, raw, ratio)
    try:
        with labkit.connect("mock") as lab:
            seen, calls = bench_deploy_module.record_mock_deployment(lab)
        if seen.get("running") != 3:
            why = f"error (the service ran {seen.get('running')} tasks, not 3)"
            return [Row(row.name, row.unit, note=why) for row in (mock, raw, ratio)]
        for _ in range(runs):
            with labkit.connect("mock") as lab:
                mock.samples.append(_timed(lambda lab=lab: bench_deploy_module.mock_deployment(lab)))
        raw.samples = bench_deploy_module.time_plain_moto(calls, seen["account"], runs, _env())
    except Exception as err:  # a broken deployment is a row note, not a crashed benchmark
        return [Row(row.name, row.unit, note=_error_note(err)) for row in (mock, raw, ratio)]
    raw.where = f"the same {len(calls)} calls, plain moto"
    ratio.samples = [m / r for m, r in zip(mock.samples, raw.samples, strict=True) if r > 0]
    return [mock, raw, ratio]


def bench_production(runs: int) -> list[Row]:
    """80 simulated minutes of a loaded service scaling (a fresh lab each run), and requests through a load
    balancer's loopback listener (each request one sample)."""
    scaling, request = Row(AUTOSCALING, "s"), Row(REQUEST, "s")
    try:
        production = importlib.import_module("tools.bench_production")
    except ImportError as err:
        return _not_there(err, "tools.bench_production", scaling, request)
    try:
        for _ in range(runs):
            run = production.autoscaling_run()
            scaling.samples.append(run["seconds"])
            scaling.where = f"the service scaled to {run['desired']} tasks"
        request.samples = production.request_times(10 * runs)
    except Exception as err:  # a broken part is a row note, not a crashed benchmark
        note = _error_note(err)
        for row in (scaling, request):
            if not row.samples:
                row.note = note
    return [scaling, request]


def bench_runtime(runs: int) -> list[Row]:
    """Tasks that run (`tools.bench_runtime`): one task's process started, a 3-task service answering HTTP.

    Each run is a fresh lab; one warm-up run of each (the mock started, the Python imports a lab's first calls
    make) is not counted.
    """
    start, service = Row(START_ONE, "s"), Row(SERVICE_HTTP, "s")
    try:
        module = importlib.import_module("tools.bench_runtime")
        import labkit

        for i in range(runs + 1):
            for row, measure in ((start, module.start_one_process), (service, module.service_answering)):
                with labkit.connect("mock") as lab:
                    took = measure(lab)
                if i:
                    row.samples.append(took)
    except Exception as err:  # a broken runtime is a row note, not a crashed benchmark
        return [Row(row.name, row.unit, note=_error_note(err)) for row in (start, service)]
    start.where = "from the clock move to its code listening"
    service.where = "create_service, services_stable, a request to each task"
    return [start, service]


def lessons() -> list[Path]:
    """The course's lessons in teaching order (student copies in assignments/ are not lessons)."""
    return sorted((course_root() / "notebooks").glob("[0-9]*.ipynb"))


@dataclass(frozen=True)
class Cell:
    """One code cell of a lesson: where it is (`[n]` as JupyterLab numbers it after Run All) and what it runs."""

    lesson: str
    number: int
    source: str

    @property
    def first_line(self) -> str:
        return next((line.strip() for line in self.source.splitlines() if line.strip()), "")[:60]

    def __str__(self) -> str:
        return f"{self.lesson} [{self.number}] {self.first_line[:40]}"


def _cpu_seconds(pid: int | None) -> float | None:
    """CPU time a process has used so far (Linux's /proc), or None where that cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime
    except (OSError, ValueError, IndexError):
        return None


async def _kernel_pid(kc: Any) -> int | None:
    """The kernel's own process id, asked of the kernel itself: jupyter_client's process may be a stand-in for a
    kernel forked from a warm template (labkit.course.lesson_kernels), whose CPU time is not the kernel's."""
    msg_id = kc.execute("", silent=True, store_history=False, user_expressions={"pid": "__import__('os').getpid()"})
    while True:
        reply = await kc._async_get_shell_msg(timeout=60)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    try:
        return int(reply["content"]["user_expressions"]["pid"]["data"]["text/plain"])
    except (KeyError, ValueError):
        return None


@dataclass
class LessonRun:
    """One lesson run in a fresh kernel: its time from kernel start to the last cell's reply (the kernel's
    shutdown afterwards is nobody's wait), and each code cell's time, with the kernel's CPU time where known."""

    seconds: float = 0.0
    cells: list[tuple[Cell, float]] = field(default_factory=list)
    cpu: dict[int, float] = field(default_factory=dict)  # cell number -> CPU seconds the kernel spent on it


def run_notebook(path: Path, timeout: float = 300) -> LessonRun:
    """Execute a notebook top to bottom in a fresh kernel in mock mode, as nbval does; nothing is saved.

    A cell's time runs from sending it to the kernel to its reply, as a learner waits. Its CPU time (the
    kernel's, from /proc on Linux) barely moves when the machine is busy: read it beside the wall time on a
    shared machine.
    """
    import nbformat
    from nbclient import NotebookClient

    run = LessonRun()
    began = time.perf_counter()

    class TimedClient(NotebookClient):  # type: ignore[misc]
        kernel_pid: int | None = None

        async def async_execute_cell(self, cell: Any, cell_index: int, *args: Any, **kwargs: Any) -> Any:
            if self.kernel_pid is None:
                self.kernel_pid = await _kernel_pid(self.kc)
            pid = self.kernel_pid
            start, cpu_start = time.perf_counter(), _cpu_seconds(pid)
            result = await super().async_execute_cell(cell, cell_index, *args, **kwargs)
            if cell.cell_type == "code" and cell.source.strip():
                end, cpu_end = time.perf_counter(), _cpu_seconds(pid)
                run.cells.append((Cell(path.stem, len(run.cells) + 1, cell.source), end - start))
                run.seconds = end - began
                if cpu_start is not None and cpu_end is not None:
                    run.cpu[len(run.cells)] = cpu_end - cpu_start
            return result

    nb = nbformat.read(path, as_version=4)
    saved = dict(os.environ)
    os.environ.update(_env())
    try:
        # The kernel's own stderr (ipykernel's TCP notice) is not the notebook's output: keep it quiet.
        TimedClient(nb, timeout=timeout, kernel_name="python3",
                    resources={"metadata": {"path": str(path.parent)}}).execute(stderr=subprocess.DEVNULL)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return run


def percentile(values: Sequence[float], pct: float) -> float:
    """The nearest-rank percentile: at least `pct`% of `values` are at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def cell_rows(runs: Sequence[Sequence[tuple[Cell, float]]]) -> list[Row]:
    """The course's cell figures from `runs` (each: every code cell of every lesson with its time, in one run).

    Each row has one sample per run: the slowest cell's time (the cell slowest by median), the 95th
    percentile of that run's cell times, and how many cells took over 200 ms and over 1 s.
    """
    if not runs or not runs[0]:
        return [Row(name, unit, note="n/a (no code cells timed)")
                for name, unit in ((SLOWEST_CELL, "s"), (CELL_P95, "s"), *((n, "cells") for n in CELLS_OVER.values()))]
    medians = [statistics.median(run[i][1] for run in runs) for i in range(len(runs[0]))]
    slowest = medians.index(max(medians))
    rows = [Row(SLOWEST_CELL, "s", [run[slowest][1] for run in runs], where=str(runs[0][slowest][0])),
            Row(CELL_P95, "s", [percentile([t for _, t in run], 95) for run in runs])]
    rows += [Row(name, "cells", [float(sum(t > limit for _, t in run)) for run in runs])
             for limit, name in CELLS_OVER.items()]
    return rows


def _median_or_none(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def bench_notebooks(runs: int) -> list[Row]:
    """Each lesson in a fresh kernel (kernel start to the last cell's reply), the whole course (run k is the sum
    of every lesson's run k), and the figures of every code cell (see `cell_rows`)."""
    paths = lessons()
    if not paths:
        return [Row("whole course", "s", note="n/a (no notebooks/[0-9]*.ipynb yet)")]
    try:
        importlib.import_module("nbclient")
    except ImportError:
        return [Row("whole course", "s", note="n/a (nbclient is not installed)")]
    rows: list[Row] = []
    course_runs: list[list[tuple[Cell, float]]] = [[] for _ in range(runs)]  # run k: every cell of the course
    for path in paths:
        row, lesson_runs = Row(f"notebook {path.stem}", "s"), []
        for _ in range(runs):
            try:
                lesson_runs.append(run_notebook(path))
                row.samples.append(lesson_runs[-1].seconds)
            except Exception as err:  # a failing lesson is a row note, not a crashed benchmark
                row.samples.clear()
                row.note = _error_note(err, last_line=True)
                break
        if row.samples:
            row.cells = [{"cell": cell.number, "source": cell.first_line,
                          "median": statistics.median(run.cells[i][1] for run in lesson_runs),
                          "cpu": _median_or_none([run.cpu.get(cell.number) for run in lesson_runs])}
                         for i, (cell, _) in enumerate(lesson_runs[0].cells)]
            for course_run, lesson_run in zip(course_runs, lesson_runs, strict=True):
                course_run += lesson_run.cells
        rows.append(row)
    total = Row("whole course", "s")
    if all(r.samples for r in rows):  # run k of the course is run k of every lesson
        total.samples = [sum(run) for run in zip(*(r.samples for r in rows), strict=True)]
        return [*rows, total, *cell_rows(course_runs)]
    total.note = "n/a (a notebook failed)"
    return [*rows, total]


def _browser_harness() -> Any:
    """The browser test's harness (tests/browser/browser_harness.py of this checkout), or None."""
    path = course_root() / "tests" / "browser" / "browser_harness.py"
    if not path.exists():
        return None
    spec = importlib.util.spec_from_file_location("labkit_bench_browser_harness", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]  (dataclasses look their module up there)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def bench_browser(runs: int) -> list[Row]:
    """From starting JupyterLab to the first notebook's cells shown in headless Chromium (cold cache)."""
    row = Row("JupyterLab start to first notebook rendered", "s")
    harness = _browser_harness()
    first = course_root() / "notebooks" / "00_start_here.ipynb"
    if harness is None:
        row.note = "n/a (tests/browser/browser_harness.py not found: run from a clone of the course)"
    elif not first.exists():
        row.note = "n/a (notebooks/00_start_here.ipynb not written yet)"
    elif harness.chromium_path() is None:
        row.note = "n/a (Debian's chromium not found; `make browser-deps` as root installs it)"
    elif importlib.util.find_spec("playwright") is None:
        row.note = "n/a (playwright is not installed)"
    if row.note:
        return [row]
    try:
        _measure_browser(harness, row, runs)
    except Exception as err:  # a browser that will not start is a row note, not a crashed benchmark
        row.samples.clear()
        row.note = _error_note(err)
    return [row]


def _measure_browser(harness: Any, row: Row, runs: int) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=harness.chromium_path(), args=harness.CHROMIUM_ARGS)
        try:
            for _ in range(runs):
                with tempfile.TemporaryDirectory(prefix="labkit-bench-") as tmp:
                    start = time.perf_counter()
                    with harness.lab_server(course_root(), Path(tmp), pythonpath=course_root()) as server:
                        context = browser.new_context(viewport={"width": 1280, "height": 900})
                        try:
                            page = context.new_page()
                            page.goto(server.page_url("notebooks/00_start_here.ipynb"))
                            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=120_000)
                            row.samples.append(time.perf_counter() - start)
                        finally:
                            context.close()
        finally:
            browser.close()


def bench_grading(runs: int) -> list[Row]:
    """Grading the reference capstone once, and a class-sized batch on every core (submissions per minute)."""
    one = Row("grade one submission", "s")
    cores = os.cpu_count() or 1
    batch = Row(f"batch grading on {cores} cores", "per min", lower_is_better=False)
    try:
        grading = importlib.import_module("tools.bench_grading")
    except ImportError as err:
        return _not_there(err, "tools.bench_grading", one, batch)
    try:
        for _ in range(runs):
            one.samples.append(grading.grade_one()["seconds"])
        for _ in range(max(1, runs // 2)):
            batch.samples.append(grading.grade_batch(n=grading.BATCH_PER_CORE * cores, workers=cores)["per_minute"])
    except Exception as err:  # a broken grader is a row note, not a crashed benchmark
        note = _error_note(err)
        for row in (one, batch):
            if not row.samples:
                row.note = note
    return [one, batch]


BENCHES: dict[str, Callable[[int], list[Row]]] = {
    "import": bench_import, "deploy": bench_deploy, "runtime": bench_runtime, "production": bench_production,
    "notebooks": bench_notebooks,
    "browser": bench_browser, "grading": bench_grading}
SLOW = {"notebooks", "browser", "grading"}


# ---------------------------------------------------------------- output


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {"cores": os.cpu_count(), "usable_cores": affinity, "python": platform.python_version(),
            "platform": platform.platform(terse=True), "machine": platform.machine()}


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "x":
        return f"{value:.2f}x"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "cells":
        return f"{value:g} cells"
    return f"{value:.1f} {unit}"


def _change(row: Row, previous: dict[str, Any] | None) -> str:
    if not previous or row.value is None:
        return ""
    old = next((r.get("value") for r in previous.get("rows", []) if r.get("name") == row.name), None)
    if not old:
        return ""
    return f"{(row.value - old) / old * 100:+.0f}%"


def table(rows: Sequence[Row], info: dict[str, Any], previous: dict[str, Any] | None = None, *,
          markdown: bool = False) -> str:
    """The figures as one text (or Markdown) table, with budgets, pass/over and the change since last run."""
    head = ["measurement", "median", "runs", "budget", "status", "vs last"]
    body = []
    for r in rows:
        median = _fmt(r.value, r.unit) if r.value is not None else r.note
        budget = ("<= " if r.lower_is_better else ">= ") + _fmt(r.budget, r.unit) if r.budget else ""
        name = f"{r.name} ({r.where})" if r.where else r.name
        body.append([name, median, str(len(r.samples)) if r.samples else "", budget, r.status, _change(r, previous)])
    title = (f"Fargate Lab Kit benchmark: {info['cores']} cores, Python {info['python']}, "
             f"{info['platform']} (medians)")
    over = [r.name for r in rows if r.status == "over"]
    summary = f"over budget: {', '.join(over)}" if over else "every budgeted figure is within budget"
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |" for cells in body]
    else:
        widths = [max(len(c[i]) for c in [head, *body]) for i in range(len(head))]
        fmt = "  ".join(f"{{:{'<' if i in (0, 1) else '>'}{w}}}" for i, w in enumerate(widths))
        lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
        lines += [fmt.format(*cells) for cells in body]
    return "\n".join([title, "", *lines, "", summary])


def _cpu(seconds: float | None) -> str:
    return "" if seconds is None else f"(cpu {_fmt(seconds, 's')})"


def cells_table(rows: Sequence[Row], over: float = 0.0) -> str:
    """Every lesson's code cells with their median time (only those above `over` seconds), for `--cells`."""
    lines = []
    for row in rows:
        shown = [c for c in row.cells if c["median"] > over]
        if shown:
            lines.append(f"{row.name}: {len(row.cells)} code cells" + (f", {len(shown)} over {_fmt(over, 's')}"
                                                                        if over else ""))
            lines += [f"  [{c['cell']:>2}] {_fmt(c['median'], 's'):>8}  {_cpu(c.get('cpu')):>12}  {c['source']}"
                      for c in shown]
    return "\n".join(lines)


def write_results(rows: Sequence[Row], info: dict[str, Any], command: str, out_dir: Path) -> dict[str, Any]:
    """Write `latest.json` (the previous one kept as `previous.json`); return the previous results, if any."""
    out_dir.mkdir(parents=True, exist_ok=True)
    latest, previous_path = out_dir / "latest.json", out_dir / "previous.json"
    previous = None
    if latest.exists():
        try:
            previous = json.loads(latest.read_text(encoding="utf-8"))
        except ValueError:
            previous = None
        latest.replace(previous_path)
    data = {"command": command, "when": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "machine": info, "budgets": BUDGETS, "rows": [r.to_json() for r in rows]}
    latest.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    return previous


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmarks, print the table, write the JSON; exit 1 with --strict when a figure is over."""
    parser = argparse.ArgumentParser(prog="python -m tools.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per fast figure (median taken); default 5")
    parser.add_argument("--slow-runs", type=int, default=3,
                        help="runs per notebook, browser and grading figure; default 3")
    parser.add_argument("--quick", action="store_true", help="one run each: a smoke test, not a measurement")
    parser.add_argument("--only", default=",".join(ROWS), help=f"comma-separated subset of {','.join(ROWS)}")
    parser.add_argument("--out", type=Path, default=course_root() / "bench-results", help="JSON folder")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown (README)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if a figure is over its budget")
    parser.add_argument("--cells", nargs="?", type=float, const=0.0, default=None, metavar="SECONDS",
                        help="also list each lesson's code cells with their median time (only those over "
                             "SECONDS, if given)")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in BENCHES]
    if unknown:
        parser.error(f"unknown --only {', '.join(unknown)}; choose from {', '.join(ROWS)}")
    runs, slow_runs = (1, 1) if args.quick else (max(1, args.runs), max(1, args.slow_runs))

    info = machine()
    rows: list[Row] = []
    for name in chosen:
        print(f"measuring {name}...", file=sys.stderr, flush=True)
        rows += BENCHES[name](slow_runs if name in SLOW else runs)
    command = "python -m tools.bench" + "".join(f" {a}" for a in (sys.argv[1:] if argv is None else argv))
    previous = write_results(rows, info, command, args.out)
    print(table(rows, info, previous, markdown=args.markdown))
    if args.cells is not None:
        print("\n" + (cells_table(rows, args.cells) or "no code cells timed (add notebooks to --only)"))
    where = args.out / "latest.json"
    if where.resolve().is_relative_to(course_root()):
        where = where.resolve().relative_to(course_root())
    print(f"\n(`{command}`; JSON in {where})")
    return 1 if args.strict and any(r.status == "over" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
