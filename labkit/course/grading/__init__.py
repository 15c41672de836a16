"""Grade submissions: run the learner's answer cells in a fresh kernel against the instructor's reference.

The grader never trusts a submitted file's stored outputs. It builds a notebook from the reference (the
instructor source in `assignments/source/`), replaces each cell tagged `answer:<exercise id>` with the
submission's cell of the same tag (matched by tag, not position, so renamed files and moved cells are fine),
runs it with nbclient in a fresh kernel (mock mode, network blocked, a timeout per cell that interrupts),
and scores every exercise from the verdicts the kernel recorded (`labkit.course.exercises.results()`), public and
hidden checks alike. Whatever a submission does (crash, loop forever, delete cells) it is graded, with notes.

The rooms: `pipeline` (the list of steps, `STEPS`, and `grade`), `notebooks` (finding submissions and
references), `preamble` (how the kernel is sealed), `kernel` (running cells with time limits), `warm` and
`kernel_shim` (fresh kernels forked from a warm template), `batch` (a class at a time), `report` (`GradeReport`, a
learner's feedback), `gradebook` (the gradebook, Canvas's import, feedback files), `classreport` (how a class
did), `presubmit` (a learner's `labkit.check_submission()`), `pytest_plugin` and `strict_nbval` (nbval grading
that fails the checks not earned), `classroom` (GitHub Classroom's autograding tests).
"""

from labkit.course.grading.batch import grade_many, skip_slow_imports
from labkit.course.grading.classreport import ClassReport, class_report, write_class_report
from labkit.course.grading.gradebook import canvas_csv, gradebook_csv, write_canvas, write_feedback, write_gradebook
from labkit.course.grading.notebooks import assignment_name, find_reference, find_submissions, source_dirs
from labkit.course.grading.pipeline import (
    BUILD_STEPS,
    DEFAULT_TIMEOUT,
    INSTRUCTOR_TIMEOUT,
    STEPS,
    Job,
    build,
    grade,
    merged,
)
from labkit.course.grading.preamble import PREAMBLE
from labkit.course.grading.report import PROBLEMS, ExerciseGrade, GradeReport

__all__ = [
    "BUILD_STEPS", "DEFAULT_TIMEOUT", "INSTRUCTOR_TIMEOUT", "PREAMBLE", "PROBLEMS", "STEPS", "ClassReport",
    "ExerciseGrade", "GradeReport", "Job", "assignment_name", "build", "canvas_csv", "class_report",
    "find_reference", "find_submissions", "grade", "grade_many", "gradebook_csv", "merged", "skip_slow_imports",
    "source_dirs", "write_canvas", "write_class_report", "write_feedback", "write_gradebook",
]
