"""Lesson 1's exercises: the right answers pass, typical wrong ones fail with the hint that teaches the rule."""

from __future__ import annotations

import pytest

import labkit
import labkit.fargate
from labkit.course.exercises import recap
from labkit.course.exercises.recap import AWS, NOT_NEEDED, YOU


def _verdict_text(exercise_id: str, answer=None, **kwargs) -> str:
    return str(labkit.check(exercise_id, answer, **kwargs))


# ---------------------------------------------------------------- the responsibility table


def test_owners_read_from_the_first_word_of_each_cell():
    owners = {r.area: (r.ec2_owner, r.fargate_owner) for r in recap.responsibilities()}
    assert owners["Host OS patching/hardening"] == (YOU, AWS)
    assert owners["Bin packing / cluster packing"] == (YOU, NOT_NEEDED)
    assert owners["ECS control plane"] == (AWS, AWS)
    assert owners["Application, image, IAM, network config, data, logging/monitoring"] == (YOU, YOU)
    assert owners["SSH/host access, custom AMI"] == (None, None)


def test_the_jobs_the_seed_names_all_stop_being_yours():
    """The seed: with EC2 you are 'responsible for provisioning, patching, scaling, and managing cluster capacity'."""
    moved = " ".join(recap.no_longer_yours()).lower()
    for job in ("provision", "patching", "scale", "packing"):
        assert job in moved


def test_table_text_is_stable_and_names_its_date():
    text = str(recap.responsibilities())
    assert text == str(recap.responsibilities())
    assert "sources dated" in text and "arn:" not in text
    assert "<table>" in recap.responsibilities()._repr_html_()


# ---------------------------------------------------------------- recap.no_longer_yours


def test_right_list_passes_in_any_order_and_as_rows():
    assert labkit.check("recap.no_longer_yours", list(reversed(recap.no_longer_yours()))).passed
    rows = [r for r in recap.responsibilities() if r.area in recap.no_longer_yours()]
    assert labkit.check("recap.no_longer_yours", rows).passed


def test_forgetting_the_job_that_disappears_gets_the_packing_hint():
    only_aws = [r.area for r in recap.responsibilities() if r.ec2_owner == YOU and r.fargate_owner == AWS]
    verdict = labkit.check("recap.no_longer_yours", only_aws)
    assert not verdict.passed and 0 < verdict.score < verdict.points
    assert "nobody packs tasks" in verdict.hint


def test_a_job_that_stays_yours_is_refused_with_the_reason():
    answer = recap.no_longer_yours() + ["Application, image, IAM, network config, data, logging/monitoring"]
    verdict = labkit.check("recap.no_longer_yours", answer)
    assert not verdict.passed
    assert "stays your job on Fargate" in _verdict_text("recap.no_longer_yours", answer)


@pytest.mark.parametrize("answer, expected", [
    (..., "No answer yet"),
    ("Scale cluster capacity", "Expected a list of area names"),
    (["Patching"], "is not an area of the table"),
    ([1, 2], "Expected area names"),
])
def test_wrong_shapes_say_what_was_expected(answer, expected):
    assert expected in _verdict_text("recap.no_longer_yours", answer)


# ---------------------------------------------------------------- quizzes


@pytest.mark.parametrize("exercise_id, right, wrong, hint", [
    ("recap.service_replaces", "B", "A", "nothing watches it"),
    ("recap.service_replaces", "B", "C", "do not launch instances"),
    ("recap.same_idea", ["A", "B", "D"], ["A", "B", "C", "D"], "A node is a machine"),
])
def test_quizzes(exercise_id, right, wrong, hint):
    assert labkit.check(exercise_id, right).passed
    verdict = labkit.check(exercise_id, wrong)
    assert not verdict.passed and hint in verdict.hint


# ---------------------------------------------------------------- recap.run_without_instances (lab state)


def _shop(lab) -> None:
    ecs = lab.client("ecs")
    ecs.create_cluster(clusterName="shop")
    cpu, memory = labkit.fargate.valid_sizes()[0]
    ecs.register_task_definition(
        family="web", requiresCompatibilities=["EC2", "FARGATE"], networkMode="awsvpc", cpu=str(cpu),
        memory=str(memory), containerDefinitions=[{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest"}])


def _run(lab, launch_type: str):
    import labkit.deploy

    ecs = lab.client("ecs")
    network = labkit.deploy.ensure_network(lab)
    return ecs.run_task(cluster="shop", taskDefinition="web", launchType=launch_type,
                        networkConfiguration=network.awsvpc())


def test_without_any_task_the_hint_points_at_the_launch_type(lab):
    _shop(lab)
    verdict = labkit.check("recap.run_without_instances", lab=lab)
    assert not verdict.passed and "Change the launch type" in verdict.hint


def test_ec2_launch_type_cannot_run_on_an_empty_cluster(lab):
    from botocore.exceptions import ClientError

    _shop(lab)
    try:
        response = _run(lab, "EC2")
    except ClientError as err:
        assert "No Container Instances" in err.response["Error"]["Message"]
    else:
        assert not response["tasks"] and response["failures"]
    assert not labkit.check("recap.run_without_instances", lab=lab).passed


def test_a_fargate_task_that_is_not_running_yet_is_told_to_wait(lab):
    _shop(lab)
    _run(lab, "FARGATE")
    verdict = labkit.check("recap.run_without_instances", lab=lab)
    assert not verdict.passed and "tasks_running waiter" in verdict.hint


def test_a_running_fargate_task_passes(lab):
    _shop(lab)
    arns = [t["taskArn"] for t in _run(lab, "FARGATE")["tasks"]]
    lab.client("ecs").get_waiter("tasks_running").wait(cluster="shop", tasks=arns)
    assert labkit.check("recap.run_without_instances", lab=lab).passed


def test_without_the_cluster_the_check_says_so(lab):
    verdict = labkit.check("recap.run_without_instances", lab=lab)
    assert not verdict.passed and "no active cluster" in str(verdict)


def test_forgetting_the_lab_is_explained():
    assert "pass it as `lab=lab`" in _verdict_text("recap.run_without_instances")


# ---------------------------------------------------------------- the lesson itself, answered


def run_with_answers(notebook: str, answers: dict) -> dict:
    """Run a lesson in a fresh kernel with its answer cells edited by `answers` (cell id -> edit); the verdicts."""
    import json
    import os
    from pathlib import Path

    import nbformat
    from nbclient import NotebookClient

    path = Path(__file__).resolve().parents[1] / "notebooks" / notebook
    nb = nbformat.read(path, as_version=4)
    cells = {c.id: c for c in nb.cells}
    for cell_id, edit in answers.items():
        edited = edit(cells[cell_id].source)
        assert edited != cells[cell_id].source, f"the answer for {cell_id} no longer applies to the lesson"
        cells[cell_id].source = edited
    nb.cells.append(nbformat.v4.new_code_cell(
        "from labkit.course.exercises import results_json\nprint(results_json())"))
    env = {**os.environ, "LABKIT_MODE": "mock", "PYTHONPATH": str(path.parents[1])}
    old = os.environ.copy()
    os.environ.update(env)
    try:
        NotebookClient(nb, timeout=300, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(old)
    return json.loads(nb.cells[-1].outputs[0]["text"])


LESSON_01_ANSWERS = {
    "quiz-service": lambda s: 'labkit.widgets.quiz("recap.service_replaces", "B")',
    "quiz-same-idea": lambda s: 'labkit.widgets.quiz("recap.same_idea", ["A", "B", "D"])',
    "exercise-run": lambda s: s.replace('launchType="EC2",', 'launchType="FARGATE",'),
    "exercise-moved": lambda s: ('no_longer_mine = [r.area for r in rows '
                                 'if r.ec2_owner == "you" and r.fargate_owner in ("AWS", "not needed")]'),
}


@pytest.mark.slow
def test_lesson_01_answered_passes_every_exercise():
    verdicts = run_with_answers("01_recap_orchestration.ipynb", LESSON_01_ANSWERS)
    assert sorted(verdicts) == ["recap.no_longer_yours", "recap.run_without_instances", "recap.same_idea",
                                "recap.service_replaces"]
    assert all(v["passed"] for v in verdicts.values()), {k: v["parts"] for k, v in verdicts.items()}
