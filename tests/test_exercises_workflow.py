"""Lesson 3 exercises: the right answers pass, the typical wrong ones fail with the hint that teaches the fix."""

from __future__ import annotations

import copy

import pytest

from labkit.course.exercises import check
from labkit.course.exercises.workflow import SERVICE_TASKS, lifecycle_states, went_through

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


def test_the_untouched_starting_point_scores_zero():
    verdict = check("workflow.task_definition", worker())
    assert not verdict.passed and verdict.score == 0
    assert set(failed(verdict)) == {"a valid Fargate size", "awsvpc networking",
                                   "logs to CloudWatch with an execution role"}
    assert "No Fargate configuration exists" in failed(verdict)["a valid Fargate size"].message
    assert "size table" in verdict.hint  # the first tier points the way


def test_each_fix_earns_a_third():
    one = check("workflow.task_definition", worker(networkMode="awsvpc"))
    two = check("workflow.task_definition", worker(networkMode="awsvpc", memory="1024"))
    assert (one.score, two.score) == (1, 2)


@pytest.mark.parametrize(("changes", "part", "hint_word"), [
    ({**FIXED, "memory": "512"}, "a valid Fargate size", "size table"),
    ({**FIXED, "networkMode": "bridge"}, "awsvpc networking", "AWS's message"),
    ({**FIXED, "executionRoleArn": None}, "logs to CloudWatch with an execution role", "IAM roles"),
    ({**FIXED, "requiresCompatibilities": ["EC2"]}, "asks for Fargate", "launch type"),
])
def test_one_problem_left_fails_that_part_only(changes, part, hint_word):
    verdict = check("workflow.task_definition", worker(**changes))
    assert not verdict.passed
    assert set(failed(verdict)) == {part}
    assert hint_word in failed(verdict)[part].hint


def test_breaking_what_was_right_scores_zero_until_it_is_right_again():
    verdict = check("workflow.task_definition", worker(**{**FIXED, "requiresCompatibilities": ["EC2"]}))
    assert verdict.score == 0


@pytest.mark.parametrize(("changes", "answers"), [
    ({**FIXED, "memory": "512"}, ("memory\": \"1024", "1024 MiB (1 GB)", "smallest size")),
    ({**FIXED, "executionRoleArn": None}, ("executionRoleArn", "roles.execution_role_arn")),
])
def test_hints_get_closer_with_each_miss_and_never_give_the_fix(changes, answers):
    hints = [check("workflow.task_definition", worker(**changes)).hint for _ in range(4)]
    assert len(set(hints[:3])) == 3 and hints[3] == hints[2]  # three tiers, then the closest stays
    for hint in hints:
        assert not any(answer in hint for answer in answers), hint


def test_size_hints_narrow_down_to_the_rows_that_fit():
    hints = [check("workflow.task_definition", worker(**{**FIXED, "memory": "512"})).hint for _ in range(3)]
    assert "1024 to 4096 MiB" in hints[1] and "512 MiB is in the rows of 256 CPU units" in hints[2]


def test_dropping_the_logs_instead_of_adding_a_role_fails():
    td = worker(**{**FIXED, "executionRoleArn": None})
    del td["containerDefinitions"][0]["logConfiguration"]
    verdict = check("workflow.task_definition", td)
    assert "logs to CloudWatch with an execution role" in failed(verdict)
    assert "Keep the logConfiguration" in verdict.hint


def test_other_fargate_refusals_are_caught_and_score_zero():
    td = worker(**FIXED)
    td["containerDefinitions"][0]["privileged"] = True
    verdict = check("workflow.task_definition", td)
    assert set(failed(verdict)) == {"nothing else Fargate refuses"}
    assert verdict.score == 0


@pytest.mark.parametrize("answer", ["worker", 42, [worker(**FIXED)], {"family": "x"}])
def test_not_a_task_definition_says_so(answer):
    verdict = check("workflow.task_definition", answer)
    assert not verdict.passed
    assert "Expected a task definition" in verdict.parts[0].message
    assert all(p.skipped for p in verdict.parts[1:])


def test_no_answer_yet():
    assert "No answer yet" in str(check("workflow.task_definition", ...))


# ---------------------------------------------------------------- workflow.lifecycle (values)

def test_lifecycle_states_come_from_the_data():
    states = lifecycle_states()
    assert states[0] == "PROVISIONING" and states[-1] == "STOPPED" and "RUNNING" in states


@pytest.mark.parametrize("answer", ["RUNNING", None, [{"lastStatus": "RUNNING"}], ["SLEEPING"]])
def test_lifecycle_answer_shape(answer):
    verdict = check("workflow.lifecycle", answer)
    assert not verdict.passed and verdict.score == 0
    assert all(p.skipped for p in verdict.parts[1:])


def test_lifecycle_typed_without_a_lab_scores_zero():
    verdict = check("workflow.lifecycle", lifecycle_states())
    assert verdict.score == 0
    assert "lab=lab" in failed(verdict)["a one-off task in your lab"].message


def test_went_through_reads_the_timestamps_as_aws_sets_them():
    states = lifecycle_states()
    at = "2026-12-05T10:00:00Z"
    assert went_through({"lastStatus": "PENDING", "createdAt": at}) == states[:2]
    assert went_through({"lastStatus": "RUNNING", "startedAt": at}) == states[:4]
    assert went_through({"lastStatus": "STOPPING", "startedAt": at, "stoppingAt": at}) == states[:6]
    assert went_through({"lastStatus": "STOPPED", "startedAt": at}) == states
    never_ran = {"lastStatus": "STOPPED", "pullStartedAt": at}  # e.g. the image could not be pulled
    assert went_through(never_ran) == states[:2] + states[4:]


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


def start_one_off(lab, network):
    """What the exercise cell starts with: a new one-off task, not waited for."""
    from labkit import deploy

    return deploy.run_task(lab, "lesson03", "hello-web", network=network, wait=False)[0].arn


def observe_life(lab, network, *, stop=True, step=5):
    """What a learner's loop records: each new lastStatus of a one-off task, polling every `step` s."""
    ecs = lab.client("ecs")
    arn = start_one_off(lab, network)
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
    assert verdict.score == verdict.points


def test_lifecycle_on_a_lab_that_never_ran_a_task_scores_zero(deployed):
    lab, _ = deployed  # the service's tasks are not one-off tasks
    verdict = check("workflow.lifecycle", lifecycle_states(), lab=lab)
    assert verdict.score == 0
    assert "has not run a one-off task" in str(verdict) and "Run a task first" in verdict.hint


def test_lifecycle_untouched_starting_code_scores_zero(deployed):
    lab, network = deployed
    arn = start_one_off(lab, network)
    observed = [lab.client("ecs").describe_tasks(cluster="lesson03", tasks=[arn])["tasks"][0]["lastStatus"]]
    verdict = check("workflow.lifecycle", observed, lab=lab)
    assert observed == ["PROVISIONING"] and verdict.score == 0
    assert "it has not reached RUNNING yet" in str(verdict)


def test_lifecycle_typed_states_for_a_task_that_did_not_go_through_them_score_zero(deployed):
    lab, network = deployed
    start_one_off(lab, network)
    lab.clock.advance(60)  # it is RUNNING: the way down never happened
    verdict = check("workflow.lifecycle", lifecycle_states(), lab=lab)
    assert verdict.score == verdict.points / 2  # its way up is real: that half is right
    assert "it has not reached STOPPED yet" in str(verdict)
    observe_life(lab, network, stop=False)  # a newer task, only PROVISIONING to RUNNING
    start_one_off(lab, network)
    assert check("workflow.lifecycle", lifecycle_states(), lab=lab).score == 0


def test_lifecycle_big_jumps_miss_states(deployed):
    lab, network = deployed
    seen = observe_life(lab, network, step=60)
    verdict = check("workflow.lifecycle", seen, lab=lab)
    assert not verdict.passed and "your list does not have" in str(verdict)
    assert "look more often" in verdict.hint
    assert "a few seconds at a time" in check("workflow.lifecycle", seen, lab=lab).hint  # the next tier


def test_lifecycle_without_stopping_a_task(deployed):
    lab, network = deployed
    verdict = check("workflow.lifecycle", observe_life(lab, network, stop=False), lab=lab)
    assert set(failed(verdict)) == {"its way down to STOPPED, each state once"}
    assert verdict.score == verdict.points / 2
    assert "runs until something stops it" in verdict.hint


@pytest.mark.parametrize(("edit", "words"), [
    (lambda seen: seen[:2] + seen[1:], "appears more than once"),
    (lambda seen: [seen[1], seen[0], *seen[2:]], "not in the order"),
])
def test_lifecycle_repeats_and_order(deployed, edit, words):
    lab, network = deployed
    verdict = check("workflow.lifecycle", edit(observe_life(lab, network)), lab=lab)
    assert not verdict.passed and words in str(verdict)


def test_service_steady_untouched_scores_zero(deployed):
    lab, _ = deployed  # two tasks, steady, but not the three the team asked for
    verdict = check("workflow.service_steady", "web", lab=lab)
    assert verdict.score == 0
    assert set(failed(verdict)) == {f"desired count is {SERVICE_TASKS}", f"{SERVICE_TASKS} tasks RUNNING, steady"}
    assert "desired count" in verdict.hint and f"desired_count={SERVICE_TASKS}" not in verdict.hint


def test_service_steady_after_scaling_to_the_count(deployed):
    from labkit import deploy

    lab, _ = deployed
    deploy.scale(lab, "lesson03", "web", SERVICE_TASKS)
    verdict = check("workflow.service_steady", "web", lab=lab)
    assert verdict.passed, str(verdict)


def test_service_scaled_but_not_yet_steady(deployed):
    from labkit import deploy

    lab, _ = deployed
    deploy.scale(lab, "lesson03", "web", SERVICE_TASKS, wait=False)
    verdict = check("workflow.service_steady", "web", lab=lab)
    assert set(failed(verdict)) == {f"{SERVICE_TASKS} tasks RUNNING, steady"}
    assert verdict.score == verdict.points / 2
    assert "wait" in verdict.hint


def test_service_that_does_not_exist(deployed):
    lab, _ = deployed
    verdict = check("workflow.service_steady", "api", lab=lab)
    assert not verdict.passed and "(your lab has: web)" in str(verdict) and verdict.score == 0


def test_teardown_clean_fails_before_and_passes_after(deployed):
    lab, _ = deployed
    before = check("workflow.teardown_clean", lab=lab)
    assert not before.passed and "Still there" in str(before) and "lab.teardown()" in before.hint
    lab.teardown()
    after = check("workflow.teardown_clean", lab=lab)
    assert after.passed, str(after)
