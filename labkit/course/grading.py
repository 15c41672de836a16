"""Grade submissions: run the learner's answer cells in a fresh kernel against the instructor's reference.

The grader never trusts a submitted file's stored outputs. It builds a notebook from the reference (the
instructor source in `assignments/source/`), replaces each cell tagged `answer:<exercise id>` with the
submission's cell of the same tag (matched by tag, not position, so renamed files and moved cells are fine),
runs it with nbclient in a fresh kernel (mock mode, network blocked, a timeout per cell that interrupts),
and scores every exercise from the verdicts the kernel recorded (`labkit.course.exercises.results()`), public and
hidden checks alike. Whatever a submission does (crash, loop forever, delete cells) it is graded, with notes.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from labkit.course.exercises import NO_ANSWER, RESULTS_FILE_ENV, Part, Verdict
from labkit.course.exercises import get as get_exercise
from labkit.course.student import ANSWER_PREFIX, SOURCE_DIR, answer_ids, strip_solutions, tags
from labkit.data import course_root
from labkit.errors import InvalidInput
from labkit.model.text import ShownAsText

DEFAULT_TIMEOUT = 30.0
INSTRUCTOR_TIMEOUT = 120.0  # the reference's own cells (setup, checks) get at least this long
PROBE_TIMEOUT = 10.0
TIMEOUT_ENAME = "CellTimeout"

# Runs first in the grading kernel: only loopback connections are allowed, and the results start empty.
PREAMBLE = '''\
def _labkit_grading_preamble():
    import ipaddress
    import socket

    def allowed(address):
        if not isinstance(address, tuple):
            return True  # AF_UNIX and the like stay on this machine
        host = str(address[0]).split("%")[0]
        if host in ("localhost", ""):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def guard(original):
        def connect(self, address, *args):
            if not allowed(address):
                raise OSError(101, f"network access is blocked while grading (to {address[0]})")
            return original(self, address, *args)
        return connect

    socket.socket.connect = guard(socket.socket.connect)
    socket.socket.connect_ex = guard(socket.socket.connect_ex)
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        name = host.decode() if isinstance(host, bytes) else host
        try:
            ipaddress.ip_address(str(name).split("%")[0])  # a numeric address: connect() decides
        except ValueError:
            if name is not None and not allowed((name, 0)):
                raise socket.gaierror(-2, f"name resolution is blocked while grading ({name})") from None
        return real_getaddrinfo(host, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo


_labkit_grading_preamble()
del _labkit_grading_preamble
import labkit.course.exercises as _labkit_exercises
_labkit_exercises.reset_results()
'''


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
               f"**Total: {_pts(self.score)} / {_pts(self.points)} points**", ""]
        out += [f"- {n}" for n in self.notes]
        out += ["", "| exercise | score | result |", "|---|---:|---|"]
        for e in self.exercises:
            result = "passed" if e.passed else ("partly" if e.score > 0 else "not yet")
            out.append(f"| {e.title} (`{e.exercise_id}`) | {_pts(e.score)} / {_pts(e.points)} | {result} |")
        for e in self.exercises:
            out += ["", f"## {e.title}: {_pts(e.score)} / {_pts(e.points)}", ""]
            for p in e.parts:
                if p.skipped:
                    continue
                mark = "✓" if p.passed else "✗"
                label = p.name + (" (hidden check)" if p.hidden else "")
                out.append(f"- {mark} {label}" + (f": {p.message}" if p.message and not p.passed else ""))
            if e.hint and not e.passed:
                out.append(f"- Hint: {e.hint}")
            out += [f"- Note: {n}" for n in e.notes]
        return "\n".join(out) + "\n"

    def _repr_html_(self) -> str:
        rows = "".join(f"<tr><td>{html.escape(e.title)}</td><td>{_pts(e.score)} / {_pts(e.points)}</td>"
                       f"<td>{html.escape(' '.join(e.notes))}</td></tr>" for e in self.exercises)
        return (f"<b>{html.escape(self.assignment)}: {_pts(self.score)} / {_pts(self.points)}</b>"
                f"<table><tr><th>exercise</th><th>score</th><th>notes</th></tr>{rows}</table>")

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the JSON gradebook."""
        data = asdict(self)
        data.update(score=self.score, points=self.points)
        return data


def _pts(x: float) -> str:
    return f"{x:g}" if abs(x - round(x, 2)) < 1e-9 else f"{x:.2f}"


# ---- finding and reading notebooks ------------------------------------------------------------------------

def _read(path: Path) -> Any:
    import nbformat

    return nbformat.read(path, as_version=4)


def assignment_name(nb: Any) -> str | None:
    """The assignment a notebook belongs to (its `labkit.assignment` metadata), if it says."""
    meta = nb.metadata.get("labkit", {}) if hasattr(nb, "metadata") else {}
    return meta.get("assignment") if isinstance(meta, dict) else None


def _answer_tags(nb: Any) -> list[str]:
    return [t for c in nb.cells for t in tags(c) if t.startswith(ANSWER_PREFIX)]


def source_dirs() -> list[Path]:
    """Where instructor sources are looked for: ./assignments/source, then the course's own."""
    dirs = [Path.cwd() / SOURCE_DIR, course_root() / SOURCE_DIR]
    unique: list[Path] = []
    for d in dirs:
        if d.is_dir() and d.resolve() not in [u.resolve() for u in unique]:
            unique.append(d)
    return unique


def find_reference(submission_nb: Any) -> Path:
    """The instructor source this submission answers: by assignment metadata, else by shared answer tags."""
    candidates = [p for d in source_dirs() for p in sorted(d.glob("*.ipynb"))]
    if not candidates:
        raise InvalidInput("no instructor sources found in assignments/source/: "
                           "pass --reference SOURCE.ipynb")
    name = assignment_name(submission_nb) if submission_nb is not None else None
    for path in candidates:
        if name and assignment_name(_read(path)) == name:
            return path
    wanted = set(_answer_tags(submission_nb)) if submission_nb is not None else set()
    best = max(candidates, key=lambda p: len(wanted & set(_answer_tags(_read(p)))))
    if not wanted & set(_answer_tags(_read(best))) and len(candidates) > 1:
        raise InvalidInput("cannot tell which assignment this submission answers (no assignment metadata and "
                           "no answer cells in common with any source): pass --reference SOURCE.ipynb")
    return best


# ---- building and running the grading notebook ------------------------------------------------------------

@dataclass
class _Plan:
    nb: Any
    exercise_ids: list[str]
    cell_exercise: dict[int, str]         # cell index -> exercise id whose answer it is
    check_exercises: dict[int, list[str]]  # cell index -> exercise ids a non-answer cell mentions
    notes: dict[str, list[str]]
    global_notes: list[str]


def _build(reference: Any, submission: Any | None, timeout: float = DEFAULT_TIMEOUT) -> _Plan:
    import nbformat

    ids: list[str] = []
    for c in reference.cells:
        for eid in answer_ids(c):
            if eid not in ids:
                ids.append(eid)
    by_tag: dict[str, list[Any]] = {}
    if submission is not None:
        for c in submission.cells:
            for t in tags(c):
                if t.startswith(ANSWER_PREFIX):
                    by_tag.setdefault(t, []).append(c)
    used: dict[str, int] = {}
    notes: dict[str, list[str]] = {i: [] for i in ids}
    global_notes: list[str] = []
    instructor_timeout = int(max(timeout, INSTRUCTOR_TIMEOUT))
    cells = [nbformat.v4.new_code_cell(PREAMBLE, metadata={"labkit_timeout": instructor_timeout})]
    cell_exercise: dict[int, str] = {}
    check_exercises: dict[int, list[str]] = {}
    mention = re.compile(r"""["']([a-z0-9_]+\.[a-z0-9_]+)["']""")
    for ref_cell in reference.cells:
        answer_tags = [t for t in tags(ref_cell) if t.startswith(ANSWER_PREFIX)]
        new = nbformat.from_dict(json.loads(json.dumps(ref_cell)))
        if new.cell_type == "code":
            new.outputs, new.execution_count = [], None
        if answer_tags:
            tag = answer_tags[0]
            eid = tag[len(ANSWER_PREFIX):]
            k = used.get(tag, 0)
            used[tag] = k + 1
            found = by_tag.get(tag, [])
            if k < len(found) and found[k].cell_type == ref_cell.cell_type:
                new.source = found[k].source
            else:
                new.source = strip_solutions(ref_cell.source, ref_cell.cell_type)
                if submission is not None:
                    notes[eid].append(f"answer cell not found in the submission (deleted, or its tag `{tag}` "
                                      "removed): graded as blank.")
            cell_exercise[len(cells)] = eid
        elif new.cell_type == "code":
            named = [m for m in mention.findall(new.source) if m in notes]
            if named:
                check_exercises[len(cells)] = named
        if not answer_tags:
            new.metadata["labkit_timeout"] = instructor_timeout
        cells.append(new)
    for tag, found in by_tag.items():
        if len(found) > used.get(tag, 0) and tag[len(ANSWER_PREFIX):] in notes:
            notes[tag[len(ANSWER_PREFIX):]].append(
                f"the submission has {len(found)} cells tagged `{tag}`; only the first "
                f"{used.get(tag, 0)} were graded.")
    nb = nbformat.v4.new_notebook(cells=cells, metadata=json.loads(json.dumps(reference.metadata)))
    return _Plan(nb, ids, cell_exercise, check_exercises, notes, global_notes)


_FILE_LINE = re.compile(r"\((?:[^()]*[/\\])?[^()/\\]*\.py, line (\d+)\)")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _clean(evalue: str) -> str:
    text = _FILE_LINE.sub(r"(line \1)", str(evalue).splitlines()[0] if evalue else "")
    return _ADDRESS.sub("0x…", text)[:200]


def _kernel_env(results_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({
        "LABKIT_MODE": "mock", "LABKIT_GRADING": "1", RESULTS_FILE_ENV: str(results_file),
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
        "MPLBACKEND": "Agg", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    })
    root = str(course_root())
    rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join([root, *rest])
    return env


@dataclass
class _CellRun:
    status: str = "not run"  # ok | error | timeout | not run
    ename: str = ""
    evalue: str = ""


def _execute(plan: _Plan, timeout: float, workdir: Path,
             results_file: Path) -> tuple[dict[int, _CellRun], list[str]]:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    runs: dict[int, _CellRun] = {}
    notes: list[str] = []
    replies: dict[int, dict[str, Any]] = {}

    def on_executed(cell: Any, cell_index: int, execute_reply: dict[str, Any]) -> None:
        replies[cell_index] = execute_reply.get("content", {}) if execute_reply else {}

    client = NotebookClient(
        plan.nb, timeout=int(max(1, timeout)), startup_timeout=60, kernel_name="python3", allow_errors=True,
        interrupt_on_timeout=True, shutdown_kernel="immediate", iopub_timeout=2, record_timing=False,
        error_on_timeout={"ename": TIMEOUT_ENAME, "evalue": "stopped at its time limit", "traceback": []},
        resources={"metadata": {"path": str(workdir)}},
        timeout_func=lambda cell: cell.metadata.get("labkit_timeout") or int(max(1, timeout)),
    )
    client.on_cell_executed = on_executed
    try:
        with client.setup_kernel(env=_kernel_env(results_file), stderr=subprocess.DEVNULL):
            for index, cell in enumerate(plan.nb.cells):
                if cell.cell_type != "code" or not cell.source.strip():
                    continue
                try:
                    client.execute_cell(cell, index)
                except DeadKernelError:
                    runs[index] = _CellRun("error", "DeadKernel", "the kernel died (did the code exit?)")
                    notes.append("The kernel died while running the submission; later cells did not run.")
                    break
                reply = replies.pop(index, {})
                if reply.get("status") == "error" and reply.get("ename") == TIMEOUT_ENAME:
                    limit = cell.metadata.get("labkit_timeout") or timeout
                    runs[index] = _CellRun("timeout", TIMEOUT_ENAME, f"stopped after {limit:g} s")
                    probe = nbformat.v4.new_code_cell("pass", metadata={"labkit_timeout": int(PROBE_TIMEOUT)})
                    client.execute_cell(probe, index)
                    if replies.pop(index, {}).get("ename") == TIMEOUT_ENAME:
                        notes.append("A cell ran past its timeout and would not stop when interrupted; "
                                     "grading stopped there.")
                        break
                elif reply.get("status") == "error":
                    ename, evalue = reply.get("ename", "Error"), _clean(reply.get("evalue", ""))
                    runs[index] = _CellRun("error", ename, evalue)
                else:
                    runs[index] = _CellRun("ok")
    except Exception as err:  # noqa: BLE001 - a kernel that cannot start or stop is a note, not a crash
        notes.append(f"The grading kernel failed: {type(err).__name__}: {_clean(str(err))}")
    return runs, notes


def _read_results(path: Path) -> dict[str, Verdict]:
    found: dict[str, Verdict] = {}
    if not path.exists():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            v = Verdict.from_dict(json.loads(line))
        except (ValueError, TypeError):
            continue
        found[v.exercise_id] = v
    return found


def grade(submission: str | Path, reference: str | Path | None = None, *,
          timeout: float = DEFAULT_TIMEOUT, label: str | None = None) -> GradeReport:
    """Grade one submitted notebook; never raises for what the submission does (that goes in the notes)."""
    start = time.monotonic()
    submission = Path(submission)
    sub_nb, global_notes = None, []
    try:
        sub_nb = _read(submission)
    except Exception as err:  # noqa: BLE001 - an unreadable file is graded as blank
        global_notes.append(f"The submission could not be read as a notebook ({type(err).__name__}); "
                            "every exercise is graded as blank.")
    ref_path = Path(reference) if reference else find_reference(sub_nb)
    ref_nb = _read(ref_path)
    name = assignment_name(ref_nb) or ref_path.stem
    if sub_nb is not None:
        sub_name = assignment_name(sub_nb)
        if sub_name and sub_name != name:
            global_notes.append(f"The submission says it is for {sub_name!r}; graded against {name!r}.")
        if sub_nb is not None and not _answer_tags(sub_nb):
            global_notes.append("The submission has no answer cells (cells tagged answer:...): is it the "
                                "right notebook?")
    plan = _build(ref_nb, sub_nb, timeout)
    with tempfile.TemporaryDirectory(prefix="labkit-grade-") as tmp:
        results_file = Path(tmp) / "results.jsonl"
        runs, run_notes = _execute(plan, timeout, Path(tmp), results_file)
        verdicts = _read_results(results_file)
    global_notes += run_notes
    global_notes.append("Graded by running your answer cells in a fresh kernel against the reference; "
                        "outputs stored in the submitted file were ignored.")
    return GradeReport(label or submission.name, name, _score(plan, runs, verdicts), tuple(global_notes),
                       round(time.monotonic() - start, 2))


def _score(plan: _Plan, runs: dict[int, _CellRun], verdicts: dict[str, Verdict]) -> tuple[ExerciseGrade, ...]:
    notes = {k: list(v) for k, v in plan.notes.items()}
    for index, run in sorted(runs.items()):
        if run.status == "ok":
            continue
        if index in plan.cell_exercise:
            eid = plan.cell_exercise[index]
            if run.status == "timeout":
                notes[eid].append(f"your answer cell ran past its timeout and was stopped ({run.evalue}).")
            else:
                notes[eid].append(f"your answer cell raised {run.ename}: {run.evalue}")
        elif index in plan.check_exercises:
            for eid in plan.check_exercises[index]:
                notes[eid].append(f"the check after your answer could not run ({run.ename}: {run.evalue}); "
                                  "keep the variable names the exercise asks for.")
    grades = []
    for eid in plan.exercise_ids:
        ex = get_exercise(eid)
        v = verdicts.get(eid)
        title = ex.title if ex else (v.title if v else eid)
        points = float(ex.points) if ex else (v.points if v else 0.0)
        if v is None:
            notes[eid].append("not checked: the check for this exercise did not run.")
            grades.append(ExerciseGrade(eid, title, 0.0, points, False, notes=tuple(notes[eid])))
            continue
        if v.hidden_pending:
            notes[eid].append("hidden checks did not run (tell your instructor).")
        if any(p.message == NO_ANSWER for p in v.parts) and not notes[eid]:
            notes[eid].append("no answer given.")
        passed = v.passed and not v.hidden_pending
        grades.append(ExerciseGrade(eid, title, v.score, points, passed, v.parts, v.hint, tuple(notes[eid])))
    return tuple(grades)


# ---- many submissions -------------------------------------------------------------------------------------

def skip_slow_imports() -> None:
    """Keep jsonschema from importing its optional `rfc3987_syntax`, which compiles grammars for seconds.

    nbformat imports jsonschema; notebook validation never needs the IRI format checks that module adds.
    Call it before nbformat is first imported (grading workers and the `labkit grade` command do).
    """
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def _grade_job(args: tuple[str, str | None, float, str | None]) -> GradeReport:
    submission, reference, timeout, label = args
    try:
        return grade(submission, reference, timeout=timeout, label=label)
    except Exception as err:  # noqa: BLE001 - one submission that cannot be graded must not stop the batch
        note = f"This submission could not be graded: {type(err).__name__}: {_clean(str(err))}"
        return GradeReport(label or Path(submission).name, "unknown", (), (note,))


def grade_many(submissions: Sequence[str | Path], reference: str | Path | None = None, *,
               timeout: float = DEFAULT_TIMEOUT, workers: int = 2,
               labels: Sequence[str] | None = None) -> list[GradeReport]:
    """Grade several submissions in parallel (one process and one kernel each); results keep input order."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    names = list(labels) if labels is not None else [None] * len(submissions)
    jobs = [(str(s), str(reference) if reference else None, timeout, n) for s, n in zip(submissions, names,
                                                                                           strict=True)]
    if workers <= 1 or len(jobs) <= 1:
        return [_grade_job(j) for j in jobs]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=skip_slow_imports) as pool:
        return list(pool.map(_grade_job, jobs))


def find_submissions(folder: str | Path) -> list[Path]:
    """The notebooks in a submissions folder (recursively), skipping checkpoints."""
    folder = Path(folder)
    return sorted(p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


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
        scores = {e.exercise_id: _pts(e.score) for e in r.exercises}
        notes = [f"{e.exercise_id}: {n}" for e in r.exercises for n in e.notes]
        notes += [n for n in r.notes if not n.startswith("Graded by running")]
        writer.writerow([r.submission, r.assignment, _pts(r.score), _pts(r.points),
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
