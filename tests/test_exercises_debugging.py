"""Lesson 7's exercises and helpers: each failure's right fix passes, the typical wrong fixes get their hint."""

from __future__ import annotations

import copy
import re

import pytest

import labkit
import labkit.fargate
from labkit.course.exercises import debugging
from labkit.data import facts


def _text(exercise_id: str, answer=None, **kwargs) -> str:
    return str(labkit.check(exercise_id, answer, **kwargs))


# ---------------------------------------------------------------- debugging.invalid_cpu

RESIZER = {
    "family": "resizer", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "500",
    "memory": "1000", "containerDefinitions": [{"name": "resizer", "image": "python:3.12-slim"}],
}


def _resizer(cpu, memory):
    td = copy.deepcopy(RESIZER)
    td["cpu"], td["memory"] = cpu, memory
    return td


def test_decimal_units_are_refused_with_the_units_hint():
    verdict = labkit.check("debugging.invalid_cpu", RESIZER)
    units = facts()["units"]
    assert not verdict.passed and verdict.score == 0
    assert "not count CPU and memory in thousands" in verdict.hint  # the first miss points the way
    closer = labkit.check("debugging.invalid_cpu", RESIZER).hint
    assert f"1 vCPU is {units['cpu_units_per_vcpu']} CPU units" in closer
    assert "512" not in verdict.hint + closer  # neither names the answer


def test_half_fixed_is_still_refused():
    assert not labkit.check("debugging.invalid_cpu", _resizer("512", "1000")).passed


@pytest.mark.parametrize("cpu, memory", [("512", "1024"), (512, 1024), ("0.5 vCPU", "1 GB")])
def test_half_a_vcpu_and_one_gb_passes_in_any_spelling(cpu, memory):
    assert labkit.check("debugging.invalid_cpu", _resizer(cpu, memory)).passed


def test_a_bigger_valid_size_is_not_what_was_asked():
    cpu, memory = next((c, m) for c, m in labkit.fargate.valid_sizes() if c > 512)
    verdict = labkit.check("debugging.invalid_cpu", _resizer(str(cpu), str(memory)))
    assert not verdict.passed and "bills the size you ask for" in verdict.hint


def test_another_invalid_size_gets_aws_message():
    text = _text("debugging.invalid_cpu", _resizer("512", "512"))
    assert "No Fargate configuration exists" in text


# ---------------------------------------------------------------- the quiz


@pytest.mark.parametrize("answer, passed, hint", [
    ("B", True, ""),
    ("A", False, "'not found'"),
    ("C", False, "refused when you register"),
    ("D", False, "AccessDeniedException"),
])
def test_pull_cause(answer, passed, hint):
    verdict = labkit.check("debugging.pull_cause", answer)
    assert verdict.passed is passed and hint in verdict.hint


# ---------------------------------------------------------------- lab-state cases


@pytest.fixture
def debug(lab):
    import labkit.deploy

    lab.client("ecs").create_cluster(clusterName="debug", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    return {"network": labkit.deploy.ensure_network(lab), "roles": labkit.deploy.ensure_roles(lab)}


def _thumbs(image, **extra):
    td = {
        "family": "thumbs", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "thumbs", "image": image, "logConfiguration": {
            "logDriver": "awslogs", "options": {"awslogs-group": "/t", "awslogs-region": "us-east-1",
                                                "awslogs-stream-prefix": "t"}}}],
    }
    td.update(extra)
    return td


@pytest.fixture(scope="module")
def role_lab():
    """One lab with network, roles and a private image, shared by the read-only checks of case 2."""
    import labkit.deploy

    with labkit.connect("mock") as the_lab:
        roles = labkit.deploy.ensure_roles(the_lab)
        network = labkit.deploy.ensure_network(the_lab)
        yield the_lab, roles, network, labkit.deploy.push_image(the_lab, "thumbs").uri


def test_without_execution_role_aws_names_one_problem_and_labkit_both(role_lab):
    lab, _, _, image = role_lab
    problems = labkit.fargate.problems(_thumbs(image))
    assert {p.rule for p in problems} == {"execution-role-awslogs", "execution-role-ecr"}
    verdict = labkit.check("debugging.execution_role", _thumbs(image), lab=lab)
    assert not verdict.passed and "for 2 reason(s)" in str(verdict)
    hints = [verdict.hint] + [labkit.check("debugging.execution_role", _thumbs(image), lab=lab).hint for _ in range(2)]
    assert "which of the task's two IAM roles" in hints[0] and "task execution role" in hints[1]
    assert "ensure_roles" in hints[2]
    assert not any("roles.execution_role_arn" in h or "executionRoleArn" in h for h in hints)


def test_the_execution_role_fixes_both(role_lab):
    lab, roles, _, image = role_lab
    td = _thumbs(image, executionRoleArn=roles.execution_role_arn)
    assert labkit.check("debugging.execution_role", td, lab=lab).passed


def test_a_public_image_hides_the_problem_and_is_refused(role_lab):
    td = _thumbs("public.ecr.aws/nginx/nginx:latest")
    verdict = labkit.check("debugging.execution_role", td, lab=role_lab[0])
    assert not verdict.passed and "A public image hides one symptom" in verdict.hint


def test_the_task_role_is_not_the_fix(role_lab):
    lab, roles, _, image = role_lab
    td = _thumbs(image, executionRoleArn=roles.task_role_arn)
    verdict = labkit.check("debugging.execution_role", td, lab=lab)
    assert not verdict.passed and "That is the task role" in verdict.hint


def test_routes_read_the_way_out(role_lab):
    lab, _, network, _ = role_lab
    ec2 = lab.client("ec2")
    private = debugging.routes(ec2, debugging.private_subnet(lab, network))
    public = debugging.routes(ec2, debugging.public_config(network)["awsvpcConfiguration"]["subnets"][0])
    assert private.default_route is None and "no way out" in str(private)
    assert public.default_route == "internet gateway"
    assert "igw-" not in str(public) and "subnet-" not in str(public)
    assert debugging.private_subnet(lab, network) == debugging.private_subnet(lab, network)  # made once


def _api(lab, debug):
    ecs = lab.client("ecs")
    ecs.register_task_definition(family="api", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                 cpu="256", memory="512", containerDefinitions=[{"name": "api", "image": "nginx"}])
    return ecs


def _run_api(lab, debug, config):
    ecs = _api(lab, debug)
    arns = [t["taskArn"] for t in ecs.run_task(cluster="debug", taskDefinition="api", launchType="FARGATE",
                                               networkConfiguration=config)["tasks"]]
    try:
        ecs.get_waiter("tasks_running").wait(cluster="debug", tasks=arns)
    except Exception:  # noqa: BLE001 - a task that cannot pull stops: that is the case under test
        pass
    return arns


def test_api_in_a_private_subnet_does_not_pass(lab, debug):
    config = debugging.private_config(lab, debug["network"])
    _run_api(lab, debug, config)
    verdict = labkit.check("debugging.pull_fixed", config, lab=lab)
    assert not verdict.passed and "no route out of the VPC" in str(verdict)
    assert "Which subnet of the lab has a way out" in verdict.hint and "ENABLED" not in verdict.hint
    closer = labkit.check("debugging.pull_fixed", config, lab=lab).hint
    assert "internet gateway" in closer and "ENABLED" not in closer


def test_api_in_a_public_subnet_without_public_ip_does_not_pass(lab, debug):
    config = debugging.public_config(debug["network"])
    config["awsvpcConfiguration"]["assignPublicIp"] = "DISABLED"
    _run_api(lab, debug, config)
    verdict = labkit.check("debugging.pull_fixed", config, lab=lab)
    assert not verdict.passed and "only carries traffic for public addresses" in verdict.hint
    assert "awsvpcConfiguration" in labkit.check("debugging.pull_fixed", config, lab=lab).hint


def test_api_in_a_public_subnet_with_a_public_ip_passes(lab, debug):
    _run_api(lab, debug, debugging.private_config(lab, debug["network"]))
    config = debugging.public_config(debug["network"])
    _run_api(lab, debug, config)
    assert labkit.check("debugging.pull_fixed", config, lab=lab).passed


def test_checking_a_configuration_that_was_not_run_is_refused(lab, debug):
    _run_api(lab, debug, debugging.public_config(debug["network"]))  # runs in the first public subnet
    other = debugging.public_config(debug["network"])
    other["awsvpcConfiguration"]["subnets"] = [debug["network"].subnet_ids[1]]
    verdict = labkit.check("debugging.pull_fixed", other, lab=lab)
    assert not verdict.passed and "No running api task is in the subnets" in str(verdict)


def test_a_task_that_has_not_run_yet_is_named(lab, debug):
    _run_api(lab, debug, debugging.private_config(lab, debug["network"]))  # it stops: nothing runs
    verdict = labkit.check("debugging.pull_fixed", debugging.public_config(debug["network"]), lab=lab)
    assert not verdict.passed and "No api task is running" in str(verdict)


def test_the_lab_reproduces_the_pull_failure_and_its_fix(lab, debug):
    ecs = _api(lab, debug)
    failed = debugging.run_and_watch(ecs, "api", debugging.private_config(lab, debug["network"]))
    assert (failed.last_status, failed.stop_code) == ("STOPPED", "TaskFailedToStart")
    assert failed.stopped_reason.startswith("CannotPullContainerError: pull image manifest has been retried 5 "
                                            "time(s): failed to resolve ref docker.io/library/nginx:latest")
    assert str(failed).startswith("api task: STOPPED, stopCode TaskFailedToStart\n  stoppedReason: Cannot")
    running = debugging.run_and_watch(ecs, "api", debugging.public_config(debug["network"]))
    assert str(running) == "api task: RUNNING"
    stopped = debugging.why_stopped(ecs, family_name="api")
    assert [t.stop_code for t in stopped] == ["TaskFailedToStart"] and stopped.tasks[0].container_reasons


def test_a_private_ecr_image_fails_on_the_registry_auth_without_the_account(lab, debug):
    ecs = lab.client("ecs")
    image = f"{lab.account_id}.dkr.ecr.{lab.region}.amazonaws.com/api:latest"
    ecs.register_task_definition(family="api", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                 cpu="256", memory="512", executionRoleArn=debug["roles"].execution_role_arn,
                                 containerDefinitions=[{"name": "api", "image": image}])
    failed = debugging.run_and_watch(ecs, "api", debugging.private_config(lab, debug["network"]))
    assert lab.account_id not in str(failed)
    assert failed.stopped_reason.startswith("ResourceInitializationError: unable to pull secrets or registry auth")
    assert f"https://api.ecr.{lab.region}.amazonaws.com/" in failed.stopped_reason


def _worker(lab, debug, strategy):
    ecs = lab.client("ecs")
    ecs.register_task_definition(family="worker", requiresCompatibilities=["FARGATE"], networkMode="awsvpc",
                                 cpu="256", memory="512", containerDefinitions=[{"name": "w", "image": "busybox"}])
    ecs.create_service(cluster="debug", serviceName="worker", taskDefinition="worker", desiredCount=2,
                       capacityProviderStrategy=strategy,
                       networkConfiguration=debug["network"].awsvpc())
    ecs.get_waiter("services_stable").wait(cluster="debug", services=["worker"])
    return ecs


def test_spot_only_service_has_no_base(lab, debug):
    _worker(lab, debug, [{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
    verdict = labkit.check("debugging.spot_base", lab=lab)
    assert not verdict.passed and "every task is on Spot" in str(verdict)
    closer = labkit.check("debugging.spot_base", lab=lab).hint
    assert "never interrupted" in verdict.hint and "base" in closer
    assert not any("'FARGATE'" in h or "at least 1" in h for h in (verdict.hint, closer))  # the fix is not given


def test_base_on_fargate_and_the_rest_on_spot_passes(lab, debug):
    ecs = _worker(lab, debug, [{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
    ecs.update_service(cluster="debug", service="worker", forceNewDeployment=True, capacityProviderStrategy=[
        {"capacityProvider": "FARGATE_SPOT", "weight": 1}, {"capacityProvider": "FARGATE", "base": 1, "weight": 0}])
    ecs.get_waiter("services_stable").wait(cluster="debug", services=["worker"])
    assert labkit.check("debugging.spot_base", lab=lab).passed
    status = debugging.service_status(ecs, "worker")
    assert {row[0] for row in status.tasks} == {"FARGATE", "FARGATE_SPOT"}


def test_all_on_fargate_loses_the_discount(lab, debug):
    _worker(lab, debug, [{"capacityProvider": "FARGATE", "base": 1, "weight": 1}])
    verdict = labkit.check("debugging.spot_base", lab=lab)
    assert not verdict.passed and "no longer uses Spot" in str(verdict)


def test_an_interrupted_task_reads_as_a_spot_interruption(lab, debug):
    ecs = _worker(lab, debug, [{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
    lab.interrupt_spot(cluster="debug", service="worker")
    lab.clock.advance(facts()["discounts"]["spot_interruption"]["warning_seconds"])
    ecs.get_waiter("services_stable").wait(cluster="debug", services=["worker"])
    stopped = debugging.why_stopped(ecs, family_name="worker")
    spot = facts()["discounts"]["spot_interruption"]
    assert [(t.stop_code, t.stopped_reason) for t in stopped] == [(spot["stop_code"], spot["stopped_reason"])]
    assert debugging.service_status(ecs, "worker").running == 2
    assert "arn:" not in str(stopped)
    events = debugging.service_events(ecs, "worker")
    assert events and all("(task ...)" in e for e in events if "started" in e)
    assert not any(re.search(r"\(task [0-9a-f]{8,}\)", e) for e in events)


# ---------------------------------------------------------------- the lesson itself, answered

_ROLE = '"memory": "512",\n    "containerDefinitions"'

LESSON_07_ANSWERS = {
    "exercise-cpu": lambda s: s.replace('"cpu": "500"', '"cpu": "512"').replace('"memory": "1000"', '"memory": "1024"'),
    "exercise-role": lambda s: s.replace(_ROLE, _ROLE.replace(
        "\n", '\n    "executionRoleArn": roles.execution_role_arn,\n', 1)),
    "quiz-pull": lambda s: 'labkit.widgets.quiz("debugging.pull_cause", "B")',
    "exercise-pull": lambda s: s.replace("[private],", "[network.subnet_ids[0]],").replace('"DISABLED",', '"ENABLED",'),
    "exercise-spot": lambda s: s.replace("# add an item for regular FARGATE here",
                                         '{"capacityProvider": "FARGATE", "base": 1, "weight": 0},'),
    "exercise-crash": lambda s: s.replace('# {"name": ..., "value": ...},', '{"name": "GREETING", "value": "hello"},'),
    "exercise-oom": lambda s: s.replace("= 128", "= 256"),
    "exercise-health": lambda s: s.replace('CHECK.format("/healthz")', 'CHECK.format("/health")'),
}


@pytest.mark.slow
def test_lesson_07_answered_passes_every_exercise():
    from test_exercises_recap import run_with_answers

    verdicts = run_with_answers("07_debugging.ipynb", LESSON_07_ANSWERS)
    assert sorted(verdicts) == ["debugging.crash_fixed", "debugging.execution_role", "debugging.health_fixed",
                                "debugging.invalid_cpu", "debugging.oom_fixed", "debugging.pull_cause",
                                "debugging.pull_fixed", "debugging.spot_base"]
    assert all(v["passed"] for v in verdicts.values()), {k: v["parts"] for k, v in verdicts.items()}


# ---------------------------------------------------------------- cases 5-7: apps that really run and fail


@pytest.fixture(scope="module")
def apps_lab():
    """One lab with the debug cluster, network, roles and the three apps pushed; each test uses its own family."""
    import labkit.deploy

    with labkit.connect("mock") as the_lab:
        the_lab.client("ecs").create_cluster(clusterName="debug", capacityProviders=["FARGATE", "FARGATE_SPOT"])
        network = labkit.deploy.ensure_network(the_lab)
        roles = labkit.deploy.ensure_roles(the_lab)
        images = {name: debugging.push_app(the_lab, name) for name in debugging.APPS}
        yield the_lab, network, roles, images


def _fresh(apps_lab):
    """Stop every task and delete every service in the debug cluster, so that a test sees only its own tasks."""
    lab = apps_lab[0]
    ecs = lab.client("ecs")
    for arn in ecs.list_services(cluster="debug")["serviceArns"]:
        ecs.delete_service(cluster="debug", service=arn, force=True)
    for arn in ecs.list_tasks(cluster="debug")["taskArns"]:
        ecs.stop_task(cluster="debug", task=arn)
    lab.clock.advance(200)
    return apps_lab


def _run(apps_lab, name, until="running", **container):
    lab, network, roles, images = apps_lab
    td = debugging.app_definition(lab, roles, images[name], port=8080 if name != "report" else None, **container)
    ecs = lab.client("ecs")
    ecs.register_task_definition(**td)
    return debugging.run_and_watch(ecs, name, network.awsvpc(), until=until)


def test_the_greeter_crashes_without_its_variable_and_its_logs_say_why(apps_lab):
    lab = apps_lab[0]
    outcome = _run(apps_lab, "greeter")
    runtime = facts()["runtime"]["essential_exit"]
    assert (outcome.last_status, outcome.stop_code, outcome.stopped_reason, outcome.exit_code) == (
        "STOPPED", runtime["stop_code"], runtime["stopped_reason"], 1)
    logs = debugging.app_logs(lab, "greeter")
    assert "KeyError: 'GREETING'" in logs and 'File "/app/app.py"' in logs  # paths as the container sees them
    verdict = labkit.check("debugging.crash_fixed", lab=lab)
    assert verdict.score == 0 and "exited with code 1" in str(verdict)
    assert "GREETING" not in verdict.hint and "environment" not in verdict.hint  # the first tier points the way


def test_the_greeter_runs_and_answers_with_its_variable(apps_lab):
    _run(apps_lab, "greeter", environment=[{"name": "GREETING", "value": "hello"}])
    assert labkit.check("debugging.crash_fixed", lab=apps_lab[0]).passed


def test_an_empty_greeting_is_still_a_greeting(apps_lab):
    _run(apps_lab, "greeter", environment=[{"name": "GREETING", "value": ""}])
    assert labkit.check("debugging.crash_fixed", lab=apps_lab[0]).passed


def test_a_variable_with_another_name_still_crashes(apps_lab):
    _run(apps_lab, "greeter", environment=[{"name": "greeting", "value": "hello"}])
    assert labkit.check("debugging.crash_fixed", lab=apps_lab[0]).score == 0


def test_registering_the_fix_without_running_it_is_not_enough(apps_lab):
    lab, network, roles, images = apps_lab
    _run(apps_lab, "greeter")  # the failing run
    td = debugging.app_definition(lab, roles, images["greeter"], port=8080,
                                  environment=[{"name": "GREETING", "value": "hi"}])
    lab.client("ecs").register_task_definition(**td)
    assert labkit.check("debugging.crash_fixed", lab=lab).score == 0


def test_another_command_that_keeps_running_is_not_the_fix(apps_lab):
    _run(apps_lab, "greeter", command=["python", "-m", "http.server", "8080"])
    verdict = labkit.check("debugging.crash_fixed", lab=apps_lab[0])
    assert verdict.score == 0 and "as it is" in str(verdict)


def test_no_greeter_task_at_all(lab, debug):
    verdict = labkit.check("debugging.crash_fixed", lab=lab)
    assert verdict.score == 0 and "No greeter task" in str(verdict)


def test_the_report_is_killed_for_memory_and_its_limit_is_named(apps_lab):
    lab = apps_lab[0]
    outcome = _run(apps_lab, "report", until="stopped", memory=128)
    oom = facts()["runtime"]["out_of_memory"]
    assert (outcome.exit_code, outcome.container_reason) == (oom["exit_code"], oom["reason"])
    assert debugging.app_logs(lab, "report").splitlines()[-1] == "loading 200 MiB of data"
    verdict = labkit.check("debugging.oom_fixed", lab=lab)
    assert verdict.score == 0 and "container memory 128 MiB" in verdict.hint


@pytest.mark.parametrize("container", [{"memory": 256}, {}], ids=["container limit raised", "task's memory applies"])
def test_enough_memory_lets_the_report_finish(apps_lab, container):
    outcome = _run(apps_lab, "report", until="stopped", **container)
    assert outcome.exit_code == 0
    assert debugging.app_logs(lab=apps_lab[0], name="report").splitlines()[-1] == "report done"
    assert labkit.check("debugging.oom_fixed", lab=apps_lab[0]).passed


def test_a_little_more_memory_than_the_data_is_not_enough(apps_lab):
    _run(apps_lab, "report", until="stopped", memory=160)
    assert labkit.check("debugging.oom_fixed", lab=apps_lab[0]).score == 0


CHECK = "import urllib.request; urllib.request.urlopen('http://localhost:8080{}')"


def _shop(apps_lab, health_check):
    lab, network, roles, images = _fresh(apps_lab)
    ecs = lab.client("ecs")
    extra = {"healthCheck": health_check} if health_check else {}
    ecs.register_task_definition(**debugging.app_definition(lab, roles, images["shop"], port=8080, **extra))
    ecs.create_service(cluster="debug", serviceName="shop", taskDefinition="shop", desiredCount=1,
                       launchType="FARGATE", networkConfiguration=network.awsvpc())
    ecs.get_waiter("services_stable").wait(cluster="debug", services=["shop"])
    lab.clock.advance(120)
    return lab


def _python_check(path):
    return {"command": ["CMD", "python", "-c", CHECK.format(path)]}


def test_a_wrong_path_fails_the_health_check_and_the_service_replaces_the_task(apps_lab):
    lab = _shop(apps_lab, _python_check("/healthz"))
    words = facts()["runtime"]["health_check"]
    stopped = debugging.why_stopped(lab.client("ecs"), family_name="shop")
    assert [(t.stop_code, t.stopped_reason) for t in stopped][:1] == [(words["stop_code"], words["stopped_reason"])]
    assert any("failed container health checks" in m for m in debugging.service_events(lab.client("ecs"), "shop"))
    verdict = labkit.check("debugging.health_fixed", lab=lab)
    assert verdict.score == 0 and "/health" not in verdict.hint


@pytest.mark.parametrize("check", [_python_check("/health"), _python_check("/"),
                                   {"command": ["CMD-SHELL", "curl -f http://localhost:8080/health || exit 1"]}],
                         ids=["python /health", "python /", "curl /health"])
def test_a_check_of_a_page_the_app_serves_keeps_the_task_healthy(apps_lab, check):
    lab = _shop(apps_lab, check)
    assert debugging.task_health(lab.client("ecs"), "shop") == "shop task: RUNNING, health HEALTHY"
    assert labkit.check("debugging.health_fixed", lab=lab).passed


def test_removing_the_health_check_is_not_the_fix(apps_lab):
    lab = _shop(apps_lab, None)
    verdict = labkit.check("debugging.health_fixed", lab=lab)
    assert verdict.score == 0 and "no health check" in str(verdict)


def test_a_right_check_registered_but_not_deployed_is_not_the_fix(apps_lab):
    lab, network, roles, images = apps_lab
    _shop(apps_lab, _python_check("/healthz"))
    lab.client("ecs").register_task_definition(**debugging.app_definition(
        lab, roles, images["shop"], port=8080, healthCheck=_python_check("/health")))
    assert labkit.check("debugging.health_fixed", lab=lab).score == 0


def test_run_and_watch_refuses_an_unknown_wait(apps_lab):
    lab, network = apps_lab[0], apps_lab[1]
    with pytest.raises(labkit.errors.InvalidInput, match="until="):
        debugging.run_and_watch(lab.client("ecs"), "report", network.awsvpc(), until="done")
