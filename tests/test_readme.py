"""Every command the README gives is one a test or CI runs: none can rot unnoticed.

The table below names, for each command the README shows, the test (or CI) that runs it. The test fails when
the README gains a command nobody runs, when a named test disappears, or when a `make` target or a `labkit`
subcommand it names no longer exists.
"""

from __future__ import annotations

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")

# command as the README writes it -> where it is run
SERVER_TEST = "tests/test_cli_server.py::test_server_listens_on_loopback_only_refuses_a_taken_port_and_stops_on_ctrl_c"
RUN_BY = {
    "make lab": "tests/test_make_lab.py::test_make_lab_passes_its_args_to_labkit_lab",
    "make lab ARGS=--no-browser": "tests/test_make_lab.py::test_labkit_lab_serves_the_first_notebook",
    "make test": ".ci/run",
    "make setup": "tests/test_lab_preload.py::test_make_setup_writes_the_config_when_it_is_missing_or_preload_changed",
    "labkit preload": "tests/test_lab_preload.py::test_the_command_installs_and_removes",
    "labkit preload --remove": "tests/test_lab_preload.py::test_the_command_installs_and_removes",
    "make test-hub": ".ci/run",
    "make test-hub LEARNERS=16": "tests/test_hubtest.py::test_make_test_hub_passes_the_number_of_learners_on",
    "labkit class-link --hub https://HUB --repo https://github.com/OWNER/fargate-lab-kit":
        "tests/test_classroom.py::test_the_command_prints_the_link_or_the_server_path",
    "make doctor": "tests/test_cli.py::test_doctor_json_lists_every_check",
    "make student": "tests/test_student.py::test_labkit_student_writes_copies_and_check_reports_stale",
    "make grade": "tests/test_grading.py::test_reports_and_gradebook",
    "make diagrams":
        "tests/test_diagrams.py::test_regenerating_into_a_folder_writes_dot_and_svg_of_every_static_diagram",
    "make bench": "tests/test_bench.py",
    "labkit server": SERVER_TEST,
    "labkit server --port N": SERVER_TEST,
    "labkit teardown --lab ID":
        "tests/test_real_mode.py::test_the_full_path_deploy_scale_reconnect_and_teardown_from_another_process",
    "labkit grade submissions/ --out gradebook.csv": "tests/test_grading.py::test_reports_and_gradebook",
    "labkit grade SUBMISSION.ipynb": "tests/test_grading.py::test_labkit_grade_usage_errors",
    "labkit grade": "tests/test_grading_nbval.py::test_labkit_grade_and_nbval_agree_on_which_exercises_pass",
    "labkit grade submissions/ --out gradebook.csv --feedback feedback/ --canvas canvas.csv --roster "
    "canvas-export.csv --report report.md":
        "tests/test_grading_feedback.py::test_the_command_writes_everything_it_was_asked_for",
    "labkit grade SUBMISSION.ipynb --nbval":
        "tests/test_grading_strict.py::test_labkit_grade_runs_nbval_on_the_merged_notebook_hidden_checks_included",
    "labkit grade SUBMISSION.ipynb --merged merged.ipynb":
        "tests/test_grading_strict.py::test_labkit_grade_runs_nbval_on_the_merged_notebook_hidden_checks_included",
    "labkit grade SUBMISSION.ipynb --public":
        "tests/test_grading_presubmit.py::test_it_runs_exactly_the_graders_checks_minus_the_hidden_ones",
    "labkit classroom notebooks/assignments/capstone.ipynb --out .github/classroom/autograding.json":
        "tests/test_grading_strict.py::test_the_classroom_tests_run_the_plugin_per_exercise_with_its_points",
    "python -m pytest -q -p no:cacheprovider --nbval-lax --nbval-current-env --labkit-exercise capstone.size "
    "notebooks/assignments/capstone.ipynb":
        "tests/test_grading_strict.py::test_the_classroom_tests_run_the_plugin_per_exercise_with_its_points",
    "aws --endpoint-url http://127.0.0.1:PORT ecs list-services --cluster labkit":
        "tests/test_aws_cli.py::test_the_cli_lists_what_the_notebook_created",
    "python -m labkit.cli.ops lesson-costs": "tests/test_readme.py::test_the_lesson_costs_command_runs_as_written",
    "python -m tools.bench": "tests/test_bench.py::test_quick_run_prints_one_table_and_writes_json",
    "python -m labkit.lab.iam_policy": "tests/test_readme.py::test_the_policy_command_runs_and_finds_the_file_current",
    "python -m tools.bench --only notebooks --cells": "tests/test_bench.py::test_cells_table_lists_each_lessons_cells",
}


def readme_commands() -> set[str]:
    """Shell commands the README shows: in code spans and in lines of its code blocks."""
    spans = re.findall(r"`((?:make|labkit|aws|python -m) [^`]+)`", README)
    blocks = re.findall(r"```bash\n(.*?)```", README, flags=re.S)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    found = {c.strip() for c in spans} | {c for c in lines if c.startswith(("make ", "labkit ", "aws ", "python -m "))}
    return found


def test_every_readme_command_is_run_by_a_test_or_ci():
    unknown = readme_commands() - set(RUN_BY)
    assert not unknown, f"README commands no test runs (add a test and list it here): {sorted(unknown)}"


@pytest.mark.parametrize("command", sorted(RUN_BY))
def test_the_test_that_runs_it_exists(command):
    where = RUN_BY[command]
    path, _, name = where.partition("::")
    assert (ROOT / path).exists(), f"{command}: {path} is gone"
    if name:
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
        assert name in names, f"{command}: {where} is gone"
    if path == ".ci/run":
        assert "make test" in (ROOT / path).read_text(encoding="utf-8")


@pytest.mark.parametrize("target", sorted({c.split()[1] for c in RUN_BY if c.startswith("make ")}))
def test_make_targets_exist(target):
    done = subprocess.run(["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("module", sorted({c.split()[2] for c in RUN_BY if c.startswith("python -m ")}))
def test_python_m_modules_exist(module):
    assert importlib.util.find_spec(module) is not None, f"README runs `python -m {module}`: no such module"


def test_the_lesson_costs_command_runs_as_written():
    done = subprocess.run([sys.executable, "-m", "labkit.cli.ops", "lesson-costs"], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("| Lesson | What runs for real | Cost |")
    assert "| `assignments/capstone` |" in done.stdout


@pytest.mark.parametrize("sub", sorted({c.split()[1] for c in RUN_BY if c.startswith("labkit ")}))
def test_labkit_subcommands_exist(sub):
    done = subprocess.run([sys.executable, "-m", "labkit.cli", sub, "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0 and "usage: labkit" in done.stdout


def test_the_policy_command_runs_and_finds_the_file_current():
    """`python -m labkit.lab.iam_policy` as the README gives it: the committed policy is the service rows'."""
    done = subprocess.run([sys.executable, "-m", "labkit.lab.iam_policy"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "already up to date" in done.stdout and not done.stderr
