"""Lesson 3 exercises: the right answers pass, the typical wrong ones fail with the hint that teaches the fix."""

from __future__ import annotations

import copy

import pytest

from labkit.course.exercises import check
from labkit.course.exercises.workflow import SERVICE_TASKS, lifecycle_states

ROLE = "arn:aws:iam::123456789012:role/labkit/ecsTaskExecutionRole"


def worker(**changes):
    """The exercise's starting point (refused by Fargate three ways), with `changes` applied."""
    td = {
        "family": "worker",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "bridge",
        "cpu": "512",
        "memory": "512",
        "containerDefinitions": [{
            "name": "worker",
            "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/hello-web:1.0",
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": "/lesson03/worker", "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": "worker"}},
        }],
    }
    td.update(changes)
    return td


FIXED = {"networkMode": "awsvpc", "memory": "1024", "executionRoleArn": ROLE}


def failed(verdict):
    return {p.name: p for p in verdict.parts if not p.passed and not p.skipped}


# ---------------------------------------------------------------- workflow.task_definition

def test_fixed_worker_passes():
    verdict = check("workflow.task_definition", worker(**FIXED))
    assert verdict.passed, str(verdict)
    assert verdict.score == verdict.points


def test_other_valid_sizes_pass_too():
    verdict = check("workflow.task_definition", worker(**{**FIXED, "cpu": "1024", "memory": "3 GB"}))
    assert verdict.passed, str(verdict)


def test_registered_description_is_accepted():
    verdict = check("workflow.task_definition", {"taskDefinition": worker(**FIXED)})
    assert verdict.passed, str(verdict)


def test_starting_point_fails_on_each_of_its_three_problems():
    verdict = check("workflow.task_definition", worker())
    assert not verdict.passed
    assert set(failed(verdict)) == {"a valid Fargate size", "awsvpc networking",
                                   "logs to CloudWatch with an execution role"}
    assert "No Fargate configuration exists" in failed(verdict)["a valid Fargate size"].message
    assert "1024" in verdict.hint  # the size hint names the memory sizes 0.5 vCPU takes
    assert 0 < verdict.score < verdict.points


@pytest.mark.parametrize(("changes", "part", "hint_word"), [
    ({**FIXED, "memory": "512"}, "a valid Fargate size", "0.5 vCPU"),
    ({**FIXED, "networkMode": "bridge"}, "awsvpc networking", "awsvpc"),
    ({**FIXED, "executionRoleArn": None}, "logs to CloudWatch with an execution role", "executionRoleArn"),
    ({**FIXED, "requiresCompatibilities": ["EC2"]}, "asks for Fargate", "FARGATE"),
])
def test_one_problem_left_fails_that_part_only(changes, part, hint_word):
    verdict = check("workflow.task_definition", worker(**changes))
    assert not verdict.passed
    assert set(failed(verdict)) == {part}
    assert hint_word in failed(verdict)[part].hint


def test_dropping_the_logs_instead_of_adding_a_role_fails():
    td = worker(**{**FIXED, "executionRoleArn": None})
    del td["containerDefinitions"][0]["logConfiguration"]
    verdict = check("workflow.task_definition", td)
    assert "logs to CloudWatch with an execution role" in failed(verdict)
    assert "execution role" in verdict.hint and "not to stop logging" in verdict.hint


def test_other_fargate_refusals_are_caught():
    td = worker(**FIXED)
    td["containerDefinitions"][0]["privileged"] = True
    verdict = check("workflow.task_definition", td)
    assert set(failed(verdict)) == {"nothing else Fargate refuses"}


@pytest.mark.parametrize("answer", ["worker", 42, [worker(**FIXED)], {"family": "x"}])
def test_not_a_task_definition_says_so(answer):
    verdict = check("workflow.task_definition", answer)
    assert not verdict.passed
    assert "Expected a task definition" in verdict.parts[0].message
    assert all(p.skipped for p in verdict.parts[1:])


def test_no_answer_yet():
    assert "No answer yet" in str(check("workflow.task_definition", ...))


# ---------------------------------------------------------------- workflow.quiz_roles

def test_roles_quiz():
    assert check("workflow.quiz_roles", "B").passed
    wrong = check("workflow.quiz_roles", "A")
    assert not wrong.passed and "Fargate's own work" in wrong.hint


# ---------------------------------------------------------------- workflow.lifecycle (values)

def test_lifecycle_states_come_from_the_data():
    states = lifecycle_states()
    assert states[0] == "PROVISIONING" and states[-1] == "STOPPED" and "RUNNING" in states


@pytest.mark.parametrize(("answer", "part", "hint_word"), [
    (["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING"], "from RUNNING to STOPPED, no state missed",
     "stop_task"),
    (["PROVISIONING", "RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"],
     "from launch to RUNNING, no state missed", "big jump"),
    (["PROVISIONING", "PROVISIONING", "PENDING"], "a list of states, each once", "differs from the last"),
    (["PENDING", "PROVISIONING"], "in lifecycle order", "only moves forward"),
])
def test_typical_lifecycle_mistakes(answer, part, hint_word):
    verdict = check("workflow.lifecycle", answer)
    assert part in failed(verdict)
    assert hint_word in failed(verdict)[part].hint


@pytest.mark.parametrize("answer", ["RUNNING", None, [{"lastStatus": "RUNNING"}], ["SLEEPING"]])
def test_lifecycle_answer_shape(answer):
    verdict = check("workflow.lifecycle", answer)
    assert not verdict.passed
    assert all(p.skipped for p in verdict.parts[1:])


def test_lifecycle_needs_the_lab_for_its_last_part():
    verdict = check("workflow.lifecycle", lifecycle_states())
    assert set(failed(verdict)) == {"a task in your lab really stopped"}
    assert "lab=lab" in failed(verdict)["a task in your lab really stopped"].message


def test_service_exercise_names_the_count_it_wants():
    verdict = check("workflow.service_steady", "web")
    assert str(SERVICE_TASKS) in verdict.title
    assert "lab=lab" in str(verdict)


def test_teardown_clean_without_lab_says_pass_the_lab():
    assert "lab=lab" in str(check("workflow.teardown_clean"))


def test_starting_point_is_unchanged_by_the_check():
    td = worker()
    before = copy.deepcopy(td)
    check("workflow.task_definition", td)
    assert td == before


# ---------------------------------------------------------------- lab-state checks on a mock lab

@pytest.fixture
def deployed(lab):
    """A mock lab with the lesson's web service (2 tasks) on cluster lesson03, and its network."""
    from labkit import deploy

    network = deploy.ensure_network(lab)
    deploy.ensure_cluster(lab, "lesson03")
    image = deploy.push_image(lab, "hello-web", dockerfile_text="FROM nginx:stable")
    deploy.register_task(lab, "hello-web", image, cpu=256, memory=512)
    deploy.deploy_service(lab, "lesson03", "web", "hello-web", desired_count=2, network=network)
    return lab, network


def observe_life(lab, network, *, stop=True, step=5):
    """What a learner's loop records: each new lastStatus of a one-off task, polling every `step` s."""
    from labkit import deploy

    ecs = lab.client("ecs")
    arn = deploy.run_task(lab, "lesson03", "hello-web", network=network, wait=False)[0].arn
    seen, stopped = [], False
    for _ in range(200):
        status = ecs.describe_tasks(cluster="lesson03", tasks=[arn])["tasks"][0]["lastStatus"]
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "STOPPED" or (status == "RUNNING" and not stop):
            break
        if status == "RUNNING" and not stopped:
            ecs.stop_task(cluster="lesson03", task=arn, reason="test")
            stopped = True
            continue  # poll again at once: the first step down is short
        lab.clock.advance(step)
    return seen


def test_lifecycle_observed_in_small_steps_passes(deployed):
    lab, network = deployed
    seen = observe_life(lab, network)
    assert seen == lifecycle_states()
    verdict = check("workflow.lifecycle", seen, lab=lab)
    assert verdict.passed, str(verdict)


def test_lifecycle_big_jumps_miss_states(deployed):
    lab, network = deployed
    verdict = check("workflow.lifecycle", observe_life(lab, network, step=60), lab=lab)
    assert not verdict.passed
    assert "big jump" in verdict.hint


def test_lifecycle_without_stopping_a_task(deployed):
    lab, network = deployed
    verdict = check("workflow.lifecycle", observe_life(lab, network, stop=False), lab=lab)
    assert set(failed(verdict)) == {"from RUNNING to STOPPED, no state missed", "a task in your lab really stopped"}
    assert "stop_task" in verdict.hint


def test_service_steady_after_scaling_to_the_count(deployed):
    from labkit import deploy

    lab, _ = deployed
    assert failed(check("workflow.service_steady", "web", lab=lab)).keys() == {f"desired count is {SERVICE_TASKS}"}
    deploy.scale(lab, "lesson03", "web", SERVICE_TASKS)
    verdict = check("workflow.service_steady", "web", lab=lab)
    assert verdict.passed, str(verdict)


def test_service_scaled_but_not_yet_steady(deployed):
    from labkit import deploy

    lab, _ = deployed
    deploy.scale(lab, "lesson03", "web", SERVICE_TASKS, wait=False)
    verdict = check("workflow.service_steady", "web", lab=lab)
    assert set(failed(verdict)) == {"steady: every wanted task running"}
    assert "wait_steady" in verdict.hint


def test_service_that_does_not_exist(deployed):
    lab, _ = deployed
    verdict = check("workflow.service_steady", "api", lab=lab)
    assert not verdict.passed and "(your lab has: web)" in str(verdict)


def test_teardown_clean_fails_before_and_passes_after(deployed):
    lab, _ = deployed
    before = check("workflow.teardown_clean", lab=lab)
    assert not before.passed and "Still there" in str(before) and "lab.teardown()" in before.hint
    lab.teardown()
    after = check("workflow.teardown_clean", lab=lab)
    assert after.passed, str(after)
