"""Lesson 2's exercises: task definitions Fargate refuses, the two roles, and each task's ENI."""

from __future__ import annotations

import copy

import pytest

import labkit
import labkit.data
import labkit.fargate
from labkit.course.exercises import fargate_basics


def _text(exercise_id: str, answer=None, **kwargs) -> str:
    return str(labkit.check(exercise_id, answer, **kwargs))


# ---------------------------------------------------------------- the size table


def test_size_table_has_every_valid_size_once():
    table = fargate_basics.size_table()
    pairs = {(row.cpu, m) for row in table.rows for m in row.memory}
    assert pairs == set(labkit.fargate.valid_sizes("LINUX"))
    windows = {row.cpu for row in table.rows if "Windows" in row.os}
    assert windows == {c for c, _ in labkit.fargate.valid_sizes("WINDOWS")}


def test_size_table_text_is_stable_and_dated():
    text = str(fargate_basics.size_table())
    assert text == str(fargate_basics.size_table())
    assert "as of" in text.splitlines()[-1]
    assert "<table>" in fargate_basics.size_table()._repr_html_()


def test_the_newest_size_is_labelled_unconfirmed_wherever_it_is_listed():
    label = "new in 2026: ARM64, EKS and Region support unconfirmed"
    [newest] = [r for r in labkit.data.facts()["task_sizes"]["rows"] if r.get("label")]
    assert newest["cpu"] == 32768 and newest["label"] == label and "UNCONFIRMED" in newest["caveat"]
    lines = str(fargate_basics.size_table()).splitlines()
    assert [line for line in lines if label in line] == [line for line in lines if line.lstrip().startswith("32768")]
    assert label in fargate_basics.size_table()._repr_html_()
    assert label in labkit.fargate.size_hint(32768, 61440)


# ---------------------------------------------------------------- fargate_basics.network_mode

HELLO = {
    "family": "hello", "requiresCompatibilities": ["FARGATE"], "networkMode": "bridge", "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "hello", "image": "public.ecr.aws/nginx/nginx:latest",
                              "portMappings": [{"containerPort": 80, "hostPort": 8080}]}],
}


def test_bridge_fails_with_aws_message_and_the_awsvpc_hint():
    verdict = labkit.check("fargate_basics.network_mode", HELLO)
    assert not verdict.passed and verdict.score == 0
    assert "network interface of its own" in verdict.hint and "awsvpc" not in verdict.hint
    assert "awsvpc" in str(verdict)  # AWS's own message names it; the hint makes the learner read it


def test_awsvpc_with_a_host_port_still_fails_on_the_port_rule():
    td = copy.deepcopy(HELLO)
    td["networkMode"] = "awsvpc"
    text = _text("fargate_basics.network_mode", td)
    assert "host ports and container ports" in text


def test_fixed_hello_passes():
    td = copy.deepcopy(HELLO)
    td["networkMode"] = "awsvpc"
    td["containerDefinitions"][0]["portMappings"] = [{"containerPort": 80}]
    assert labkit.check("fargate_basics.network_mode", td).passed
    assert labkit.check("fargate_basics.network_mode", {"taskDefinition": td}).passed  # describe output


def test_removing_the_container_is_not_a_fix():
    td = copy.deepcopy(HELLO)
    td["networkMode"] = "awsvpc"
    td["containerDefinitions"][0]["name"] = "other"
    assert "is gone" in _text("fargate_basics.network_mode", td)


# ---------------------------------------------------------------- fargate_basics.task_size

REPORT = {
    "family": "report", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256",
    "memory": "3072", "containerDefinitions": [{"name": "report", "image": "python:3.12-slim"}],
}


def _report(cpu, memory):
    td = copy.deepcopy(REPORT)
    td["cpu"], td["memory"] = cpu, memory
    return td


def test_starting_size_is_refused_with_the_size_hint():
    verdict = labkit.check("fargate_basics.task_size", REPORT)
    assert not verdict.passed and verdict.score == 0
    hints = [verdict.hint] + [labkit.check("fargate_basics.task_size", REPORT).hint for _ in range(2)]
    assert "size table" in hints[0]
    assert "512 to 2048 MiB" in hints[1] and "3072 MiB is in the rows of 512 or 1024 CPU units" in hints[2]
    answer = f"{labkit.fargate.smallest_size_for(256, 3072)[0]} CPU units"
    assert not any(answer in h or "smallest size" in h for h in hints)  # lesson 2's hint no longer names it


def test_smallest_fitting_size_passes():
    cpu, memory = labkit.fargate.smallest_size_for(256, 3072)
    assert labkit.check("fargate_basics.task_size", _report(str(cpu), str(memory))).passed
    assert labkit.check("fargate_basics.task_size", _report(cpu, memory)).passed  # numbers are fine too


def test_shrinking_memory_is_too_small_for_the_app():
    largest_at_256 = max(m for c, m in labkit.fargate.valid_sizes() if c == 256)
    verdict = labkit.check("fargate_basics.task_size", _report("256", str(largest_at_256)))
    assert not verdict.passed and "change the CPU instead" in verdict.hint


def test_a_bigger_valid_size_works_but_costs_more():
    cpu, _ = labkit.fargate.smallest_size_for(256, 3072)
    bigger = next(c for c, m in labkit.fargate.valid_sizes() if c > cpu and m == 3072)
    verdict = labkit.check("fargate_basics.task_size", _report(str(bigger), "3072"))
    assert not verdict.passed and "bills the size you ask for" in str(verdict)


def test_nonsense_size_is_explained():
    assert "not understood" in _text("fargate_basics.task_size", _report("lots", "3072"))
    assert "Expected the task definition as a dict" in _text("fargate_basics.task_size", "512/3072")


# ---------------------------------------------------------------- quiz: which role


@pytest.mark.parametrize("answer, passed, hint", [
    (["A", "B"], True, ""),
    (["A", "B", "C"], False, "task role"),
    (["A"], False, "Ask who makes the call"),
])
def test_which_role(answer, passed, hint):
    verdict = labkit.check("fargate_basics.which_role", answer)
    assert verdict.passed is passed and hint in verdict.hint


# ---------------------------------------------------------------- fargate_basics.awslogs_role (lab)


def _api(**extra):
    td = {
        "family": "api", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": "api", "image": "public.ecr.aws/nginx/nginx:latest",
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": "/lesson02/api", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "api"}},
        }],
    }
    td.update(extra)
    return td


@pytest.fixture(scope="module")
def roles_lab():
    """One lab with the two roles, shared by the read-only checks below (a lab takes a second to make)."""
    import labkit.deploy

    with labkit.connect("mock") as the_lab:
        yield the_lab, labkit.deploy.ensure_roles(the_lab)


@pytest.fixture
def lab(roles_lab):
    return roles_lab[0]


@pytest.fixture
def roles(roles_lab):
    return roles_lab[1]


def test_awslogs_without_execution_role_fails(lab, roles):
    verdict = labkit.check("fargate_basics.awslogs_role", _api(), lab=lab)
    assert not verdict.passed and "execution role" in str(verdict)


def test_awslogs_with_the_execution_role_passes(lab, roles):
    td = _api(executionRoleArn=roles.execution_role_arn, taskRoleArn=roles.task_role_arn)
    assert labkit.check("fargate_basics.awslogs_role", td, lab=lab).passed


def test_the_task_role_in_its_place_is_named(lab, roles):
    verdict = labkit.check("fargate_basics.awslogs_role", _api(executionRoleArn=roles.task_role_arn), lab=lab)
    assert not verdict.passed and "That is the task role" in verdict.hint


def test_dropping_the_logs_is_not_a_fix(lab, roles):
    td = _api()
    del td["containerDefinitions"][0]["logConfiguration"]
    verdict = labkit.check("fargate_basics.awslogs_role", td, lab=lab)
    assert not verdict.passed and "Keep logConfiguration" in verdict.hint


def test_a_role_that_does_not_exist_is_named(lab, roles):
    arn = f"arn:aws:iam::{lab.account_id}:role/nope"
    assert "no role 'nope'" in _text("fargate_basics.awslogs_role", _api(executionRoleArn=arn), lab=lab)


# ---------------------------------------------------------------- fargate_basics.task_enis (lab)


@pytest.fixture(scope="module")
def eni_lab():
    """One lab running three hello tasks, shared by the read-only ENI checks below."""
    with labkit.connect("mock") as the_lab:
        yield the_lab, _start_three(the_lab)


@pytest.fixture
def three_tasks(eni_lab):
    return eni_lab[1]


def _start_three(lab):
    import labkit.deploy

    ecs = lab.client("ecs")
    network = labkit.deploy.ensure_network(lab)
    ecs.create_cluster(clusterName="hello")
    td = copy.deepcopy(HELLO)
    td["networkMode"] = "awsvpc"
    td["containerDefinitions"][0]["portMappings"] = [{"containerPort": 80}]
    ecs.register_task_definition(**td)
    arns = [t["taskArn"] for t in ecs.run_task(cluster="hello", taskDefinition="hello", launchType="FARGATE",
                                               count=3, networkConfiguration=network.awsvpc())["tasks"]]
    ecs.get_waiter("tasks_running").wait(cluster="hello", tasks=arns)
    return ecs.describe_tasks(cluster="hello", tasks=arns)["tasks"]


def _detail(task, name):
    return next(d["value"] for d in task["attachments"][0]["details"] if d["name"] == name)


def test_the_right_enis_pass_keyed_by_arn_or_id(eni_lab, three_tasks):
    by_arn = {t["taskArn"]: _detail(t, "networkInterfaceId") for t in three_tasks}
    assert labkit.check("fargate_basics.task_enis", by_arn, lab=eni_lab[0]).passed
    by_id = {arn.rsplit("/", 1)[-1]: eni for arn, eni in by_arn.items()}
    assert labkit.check("fargate_basics.task_enis", by_id, lab=eni_lab[0]).passed


def test_the_starting_point_says_fill_the_dots(eni_lab, three_tasks):
    verdict = labkit.check("fargate_basics.task_enis", {t["taskArn"]: ... for t in three_tasks}, lab=eni_lab[0])
    assert not verdict.passed and "still `...`" in str(verdict)


@pytest.mark.parametrize("wrong, hint", [
    ("subnetId", "Take the detail named networkInterfaceId"),
    ("privateIPv4Address", "networkInterfaceId"),
])
def test_other_details_are_named(eni_lab, three_tasks, wrong, hint):
    answer = {t["taskArn"]: _detail(t, wrong) for t in three_tasks}
    verdict = labkit.check("fargate_basics.task_enis", answer, lab=eni_lab[0])
    assert not verdict.passed and hint in verdict.hint


def test_the_attachment_id_is_named(eni_lab, three_tasks):
    answer = {t["taskArn"]: t["attachments"][0]["id"] for t in three_tasks}
    verdict = labkit.check("fargate_basics.task_enis", answer, lab=eni_lab[0])
    assert not verdict.passed and "attachment's id" in str(verdict)


def test_a_missing_task_is_counted(eni_lab, three_tasks):
    answer = {t["taskArn"]: _detail(t, "networkInterfaceId") for t in three_tasks[:2]}
    assert "1 running task(s) are missing" in _text("fargate_basics.task_enis", answer, lab=eni_lab[0])


# ---------------------------------------------------------------- the lesson itself, answered

_ROLE = '"memory": "512",\n    "containerDefinitions"'

LESSON_02_ANSWERS = {
    "exercise-size": lambda s: s.replace('"cpu": "256",', '"cpu": "512",'),
    "quiz-which-role": lambda s: 'labkit.widgets.quiz("fargate_basics.which_role", ["A", "B"])',
    "exercise-logs": lambda s: s.replace(_ROLE, _ROLE.replace(
        '\n', '\n    "executionRoleArn": roles.execution_role_arn,\n', 1)),
    "exercise-eni": lambda s: s.replace(
        "= ...", '= next(d["value"] for d in attachment["details"] if d["name"] == "networkInterfaceId")'),
}


@pytest.mark.slow
def test_lesson_02_answered_passes_every_exercise():
    from test_exercises_recap import run_with_answers

    verdicts = run_with_answers("02_what_is_fargate.ipynb", LESSON_02_ANSWERS)
    assert sorted(verdicts) == ["fargate_basics.awslogs_role", "fargate_basics.network_mode",
                                "fargate_basics.task_enis", "fargate_basics.task_size", "fargate_basics.which_role"]
    assert all(v["passed"] for v in verdicts.values()), {k: v["parts"] for k, v in verdicts.items()}
