"""Lesson 1's exercises: the right answers pass, typical wrong ones fail with the hint that teaches the rule."""

from __future__ import annotations

import pytest

import labkit
import labkit.fargate
from labkit.exercises import recap
from labkit.exercises.recap import AWS, NOT_NEEDED, YOU


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
