"""Grading one submission as a list of small steps, read top to bottom (as nbgrader lists its preprocessors).

Each step takes the `Job`, one submission on its way through, and adds what it finds: the notebooks, the grading
notebook built from the reference, how each cell ran, the verdicts the kernel recorded, the grades, the notes.
`STEPS` is the whole pipeline and `grade()` runs it; `BUILD_STEPS` alone build the notebook that runs (`merged()`
writes it out for nbval). `grade(..., public=True)` runs the same steps on the reference's public part (its
student copy: no hidden checks), which is what a learner's pre-submit check runs (`presubmit.py`).
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labkit.course.exercises import NO_ANSWER, Verdict
from labkit.course.exercises import get as get_exercise
from labkit.course.grading.kernel import TIMEOUT_KEY, CellRun, CellRunner
from labkit.course.grading.notebooks import answered, assignment_name, find_reference, read_notebook, read_reference_nb
from labkit.course.grading.preamble import PREAMBLE
from labkit.course.grading.report import HOW_CHECKED, HOW_GRADED, PROBLEM_UNREADABLE, ExerciseGrade, GradeReport
from labkit.course.student import ANSWER_PREFIX, answer_ids, strip_solutions, student_notebook
from labkit.errors import InvalidInput

DEFAULT_TIMEOUT = 30.0
INSTRUCTOR_TIMEOUT = 120.0  # the reference's own cells (setup, checks) get at least this long
RESULTS_FILE = "results.jsonl"

# A quoted exercise id in a reference cell ("capstone.cost"): that cell checks the exercise.
_MENTION = re.compile(r"""["']([a-z0-9_]+\.[a-z0-9_]+)["']""")


@dataclass
class Job:
    """One submission on its way through the steps: what is known so far, each step adding to it."""

    submission: Path | None = None         # the submitted file (None: notebooks given in memory)
    reference_path: Path | None = None     # the instructor source; found by `read_reference` when None
    timeout: float = DEFAULT_TIMEOUT       # seconds allowed per answer cell
    workdir: Path | None = None            # scratch folder: the kernel's working folder and its results file
    kernels: type | None = None            # the kernel manager class (None: jupyter_client's, a plain kernel)
    public: bool = False                   # grade against the reference's public part only (no hidden checks)
    submission_nb: Any = None
    reference_nb: Any = None
    assignment: str = ""
    exercise_ids: list[str] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)  # exercise id -> notes on what happened
    global_notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # what went wrong with the whole submission (report.PROBLEMS)
    nb: Any = None                          # the grading notebook: the reference with the submission's answers
    cell_exercise: dict[int, str] = field(default_factory=dict)          # answer cell index -> exercise id
    check_exercises: dict[int, list[str]] = field(default_factory=dict)  # other cell index -> ids it checks
    runs: dict[int, CellRun] = field(default_factory=dict)
    verdicts: dict[str, Verdict] = field(default_factory=dict)
    grades: tuple[ExerciseGrade, ...] = ()

    @property
    def instructor_timeout(self) -> int:
        """The time limit of the reference's own cells: never shorter than an answer cell's."""
        return int(max(self.timeout, INSTRUCTOR_TIMEOUT))


Step = Callable[[Job], None]


# ---- reading ----------------------------------------------------------------------------------------------

def read_submission(job: Job) -> None:
    """Read the submitted file; one that is not a notebook is graded as blank, with a note."""
    try:
        job.submission_nb = read_notebook(job.submission)
    except Exception as err:  # noqa: BLE001 - an unreadable file is graded as blank
        job.global_notes.append(f"The submission could not be read as a notebook ({type(err).__name__}); "
                                "every exercise is graded as blank.")
        job.problems.append(PROBLEM_UNREADABLE)


def read_reference(job: Job) -> None:
    """Read the instructor source (given, else found by assignment name or shared answer tags) and name it."""
    job.reference_path = job.reference_path or find_reference(job.submission_nb)
    try:
        job.reference_nb = read_reference_nb(job.reference_path)
    except Exception as err:  # noqa: BLE001 - whatever nbformat raises, the instructor gets one clear message
        raise InvalidInput(f"the reference {job.reference_path} could not be read as a notebook "
                           f"({type(err).__name__}): pass an instructor source with --reference") from None
    job.assignment = assignment_name(job.reference_nb) or job.reference_path.stem


def keep_public_part(job: Job) -> None:
    """For a pre-submit check: the reference as learners have it (solutions out, hidden checks removed)."""
    if job.public:
        job.reference_nb = student_notebook(job.reference_nb, name=job.reference_path.name)


def check_assignment(job: Job) -> None:
    """Note a submission that says it is for another assignment, or that has no answer cells at all."""
    if job.submission_nb is None:
        return
    said = assignment_name(job.submission_nb)
    if said and said != job.assignment:
        job.global_notes.append(f"The submission says it is for {said!r}; graded against {job.assignment!r}.")
    if not answered(job.submission_nb):
        job.global_notes.append("The submission has no answer cells (cells tagged answer:...): is it the "
                                "right notebook?")


# ---- building the notebook that runs ----------------------------------------------------------------------

def list_exercises(job: Job) -> None:
    """The exercises graded: every `answer:<id>` in the reference, in order (a submission cannot add any)."""
    for c in job.reference_nb.cells:
        for eid in answer_ids(c):
            if eid not in job.exercise_ids:
                job.exercise_ids.append(eid)
    job.notes = {eid: [] for eid in job.exercise_ids}


def copy_reference(job: Job) -> None:
    """Start the grading notebook as a copy of the reference with every stored output cleared."""
    import nbformat

    cells = []
    for ref_cell in job.reference_nb.cells:
        new = nbformat.from_dict(json.loads(json.dumps(ref_cell)))
        if new.cell_type == "code":
            new.outputs, new.execution_count = [], None
        cells.append(new)
    job.nb = nbformat.v4.new_notebook(cells=cells, metadata=json.loads(json.dumps(job.reference_nb.metadata)))


def _answered(cell: Any) -> str | None:
    """The exercise a cell is the answer cell of (its first `answer:<id>` tag), or None."""
    return next(iter(answer_ids(cell)), None)


def _submitted(submission_nb: Any) -> dict[str, list[Any]]:
    """The submission's answer cells by exercise id, in its order (a cell with two answer tags is under both)."""
    by_id: dict[str, list[Any]] = {}
    for c in submission_nb.cells if submission_nb is not None else ():
        for eid in answer_ids(c):
            by_id.setdefault(eid, []).append(c)
    return by_id


def take_answers(job: Job) -> None:
    """Put the submission's answer in each answer cell, matched by tag, not position; a missing one is blank."""
    submitted = _submitted(job.submission_nb)
    used: Counter[str] = Counter()
    for cell in job.nb.cells:
        eid = _answered(cell)
        if eid is None:
            continue
        k, used[eid] = used[eid], used[eid] + 1
        found = submitted.get(eid, [])
        if k < len(found) and found[k].cell_type == cell.cell_type:
            cell.source = found[k].source
            continue
        cell.source = strip_solutions(cell.source, cell.cell_type)
        if job.submission_nb is not None:
            job.notes[eid].append(f"answer cell not found in the submission (deleted, or its tag "
                                  f"`{ANSWER_PREFIX}{eid}` removed): graded as blank.")


def note_extra_answers(job: Job) -> None:
    """Note answer cells the submission has more of than the reference (only the first ones are graded)."""
    wanted = Counter(eid for c in job.reference_nb.cells if (eid := _answered(c)))
    for eid, found in _submitted(job.submission_nb).items():
        if len(found) > wanted[eid] and eid in job.notes:
            job.notes[eid].append(f"the submission has {len(found)} cells tagged `{ANSWER_PREFIX}{eid}`; only the "
                                  f"first {wanted[eid]} were graded.")


def limit_reference_cells(job: Job) -> None:
    """Give the reference's own cells (setup, checks) the instructor's time limit; answer cells get `timeout`."""
    for cell in job.nb.cells:
        if _answered(cell) is None:
            cell.metadata[TIMEOUT_KEY] = job.instructor_timeout


def add_preamble(job: Job) -> None:
    """Run the preamble first: no network, and no verdicts recorded before the submission's own."""
    import nbformat

    job.nb.cells.insert(0, nbformat.v4.new_code_cell(PREAMBLE, metadata={TIMEOUT_KEY: job.instructor_timeout}))


def map_cells(job: Job) -> None:
    """Note which cell answers which exercise, and which other cells check which exercises (for notes later)."""
    for index, cell in enumerate(job.nb.cells):
        eid = _answered(cell)
        if eid is not None:
            job.cell_exercise[index] = eid
        elif cell.cell_type == "code":
            named = [m for m in _MENTION.findall(cell.source) if m in job.notes]
            if named:
                job.check_exercises[index] = named


# ---- running and scoring ----------------------------------------------------------------------------------

def run_in_kernel(job: Job) -> None:
    """Run the grading notebook in a fresh kernel, each cell within its time limit; notes if it died or stuck."""
    runner = CellRunner(job.nb, job.timeout, job.workdir, job.kernels)
    runner.run(job.workdir / RESULTS_FILE)
    job.runs = runner.runs
    job.global_notes += runner.notes
    job.problems += runner.problems


def read_verdicts(job: Job) -> None:
    """Read the verdicts the kernel recorded (the latest per exercise); lines that are not verdicts are skipped."""
    path = job.workdir / RESULTS_FILE
    if not path.exists():
        return
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            v = Verdict.from_dict(json.loads(line))
        except (ValueError, TypeError):
            continue
        job.verdicts[v.exercise_id] = v


def note_failed_cells(job: Job) -> None:
    """Note each answer cell that raised or timed out, and each check that could not run after an answer."""
    for index, run in sorted(job.runs.items()):
        if run.status == "ok":
            continue
        if index in job.cell_exercise:
            eid = job.cell_exercise[index]
            if run.status == "timeout":
                job.notes[eid].append(f"your answer cell ran past its timeout and was stopped ({run.evalue}).")
            else:
                job.notes[eid].append(f"your answer cell raised {run.ename}: {run.evalue}")
        for eid in job.check_exercises.get(index, ()):
            job.notes[eid].append(f"the check after your answer could not run ({run.ename}: {run.evalue}); "
                                  "keep the variable names the exercise asks for.")


def _grade_one(job: Job, eid: str) -> ExerciseGrade:
    ex, v, notes = get_exercise(eid), job.verdicts.get(eid), job.notes[eid]
    title = ex.title if ex else (v.title if v else eid)
    points = float(ex.points) if ex else (v.points if v else 0.0)
    if v is None:
        notes.append("not checked: the check for this exercise did not run.")
        return ExerciseGrade(eid, title, 0.0, points, False, notes=tuple(notes))
    if v.hidden_pending:
        notes.append("public checks only: hidden checks run when your instructor grades." if job.public
                     else "hidden checks did not run (tell your instructor).")
    if any(p.message == NO_ANSWER for p in v.parts) and not notes:
        notes.append("no answer given.")
    passed = v.passed and (job.public or not v.hidden_pending)
    # the hint a learner sees comes from a public check (a hidden check's hint is the instructor's, kept back)
    public_hint = next((p.hint for p in v.parts if not p.passed and not p.skipped and not p.hidden and p.hint), "")
    hint = "" if v.passed else public_hint or (ex.hints[0] if ex and ex.hints else "")
    return ExerciseGrade(eid, title, v.score, points, passed, v.parts, hint, tuple(notes))


def score(job: Job) -> None:
    """Grade every exercise from its recorded verdict (public and hidden checks alike); unchecked scores 0."""
    job.grades = tuple(_grade_one(job, eid) for eid in job.exercise_ids)


def note_how_graded(job: Job) -> None:
    """Tell the learner how the grade was made: their answers were run, stored outputs were ignored."""
    job.global_notes.append(HOW_CHECKED if job.public else HOW_GRADED)


BUILD_STEPS: list[Step] = [list_exercises, copy_reference, take_answers, note_extra_answers, limit_reference_cells,
                           add_preamble, map_cells]
STEPS: list[Step] = [read_submission, read_reference, keep_public_part, check_assignment, *BUILD_STEPS,
                     run_in_kernel, read_verdicts, note_failed_cells, score, note_how_graded]


def build(reference_nb: Any, submission_nb: Any | None, timeout: float = DEFAULT_TIMEOUT) -> Job:
    """Only the build steps, on notebooks in memory: the grading notebook (`job.nb`) and its exercises."""
    job = Job(timeout=timeout, reference_nb=reference_nb, submission_nb=submission_nb)
    for step in BUILD_STEPS:
        step(job)
    return job


def grade(submission: str | Path, reference: str | Path | None = None, *,
          timeout: float = DEFAULT_TIMEOUT, label: str | None = None, kernels: type | None = None,
          public: bool = False) -> GradeReport:
    """Grade one submitted notebook; never raises for what the submission does (that goes in the notes).

    `kernels` is the jupyter_client kernel manager class to start the fresh kernel with (a warm template's,
    `warm.KernelTemplate.kernel_manager_class()`); by default a plain ipykernel. `public=True` grades against the
    reference's public part only, as a learner's pre-submit check does.
    """
    start = time.monotonic()
    job = Job(submission=Path(submission), reference_path=Path(reference) if reference else None, timeout=timeout,
              kernels=kernels, public=public)
    with tempfile.TemporaryDirectory(prefix="labkit-grade-") as tmp:
        job.workdir = Path(tmp)
        for step in STEPS:
            step(job)
    return GradeReport(label or job.submission.name, job.assignment, job.grades, tuple(job.global_notes),
                       round(time.monotonic() - start, 2), tuple(job.problems))


def merged(submission: str | Path, reference: str | Path | None = None) -> Any:
    """The notebook the grader runs for a submission: the reference (hidden checks included) with the
    submission's answers, after the preamble. Run it with `pytest --nbval-lax --labkit-strict` to grade with nbval.
    """
    job = Job(submission=Path(submission), reference_path=Path(reference) if reference else None)
    for step in (read_submission, read_reference, check_assignment, *BUILD_STEPS):
        step(job)
    if job.submission_nb is None:
        raise InvalidInput(f"{submission} is not a notebook: {' '.join(job.global_notes)}")
    return job.nb
