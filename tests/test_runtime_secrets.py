"""A task definition's secrets: fetched from the mock's Secrets Manager and SSM with the execution role and set
in the container's environment; a missing one, or one the role may not read, stops the task before it starts
with AWS's ResourceInitializationError."""

from __future__ import annotations

import json

import pytest

from labkit.data import facts
from tests.runtime_kit import describe, execution_role, log_lines, push_app, register, run

SHOW = "import os\nprint('DB', os.environ.get('DB_PASSWORD'), 'KEY', os.environ.get('API_KEY'), flush=True)\n"
READ_SECRETS = [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "ssm:GetParameters"],
                 "Resource": "*"}]


@pytest.fixture
def secret_arn(lab):
    sm = lab.client("secretsmanager")
    return sm.create_secret(Name="prod/db", SecretString=json.dumps({"password": "s3cret"}))["ARN"]


def _run_job(lab, net, tmp_path, secrets, statements=READ_SECRETS):
    image = push_app(lab, tmp_path / "s", SHOW)
    role = execution_role(lab, "exec-job", statements)
    arn = run(lab, net, register(lab, image.uri, family="job", role=role, secrets=secrets), wait=False)
    lab.client("ecs").get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[arn])
    return describe(lab, arn)


def test_secrets_are_injected_from_secrets_manager_and_ssm(lab, net, tmp_path, secret_arn):
    lab.client("ssm").put_parameter(Name="/app/api-key", Value="k-123", Type="SecureString")
    task = _run_job(lab, net, tmp_path, [{"name": "DB_PASSWORD", "valueFrom": f"{secret_arn}:password::"},
                                         {"name": "API_KEY", "valueFrom": "/app/api-key"}])
    assert (task["stopCode"], task["containers"][0]["exitCode"]) == ("EssentialContainerExited", 0)
    assert "DB s3cret KEY k-123" in log_lines(lab, "/ecs/job")


def test_an_ssm_parameter_by_arn(lab, net, tmp_path):
    lab.client("ssm").put_parameter(Name="/app/api-key", Value="by-arn", Type="String")
    arn = f"arn:aws:ssm:{lab.region}:{lab.account_id}:parameter/app/api-key"
    _run_job(lab, net, tmp_path, [{"name": "API_KEY", "valueFrom": arn}])
    assert "DB None KEY by-arn" in log_lines(lab, "/ecs/job")


def test_a_missing_secret_stops_the_task_before_it_starts(lab, net, tmp_path):
    missing = f"arn:aws:secretsmanager:{lab.region}:{lab.account_id}:secret:prod/nothing-AbCdEf"
    task = _run_job(lab, net, tmp_path, [{"name": "DB_PASSWORD", "valueFrom": missing}])
    words = facts()["runtime"]["secrets"]
    assert task["stopCode"] == "TaskFailedToStart"
    assert task["stoppedReason"] == words["asm_not_found"].format(arn=missing)
    assert task["stoppedReason"].startswith("ResourceInitializationError: unable to pull secrets or registry auth")
    assert "startedAt" not in task and task["containers"][0].get("exitCode") is None


def test_a_missing_ssm_parameter_stops_the_task(lab, net, tmp_path):
    task = _run_job(lab, net, tmp_path, [{"name": "API_KEY", "valueFrom": "/app/none"}])
    assert task["stoppedReason"] == facts()["runtime"]["secrets"]["ssm_not_found"].format(name="/app/none")


def test_a_secret_the_execution_role_may_not_read(lab, net, tmp_path, secret_arn):
    task = _run_job(lab, net, tmp_path, [{"name": "DB_PASSWORD", "valueFrom": secret_arn}], statements=None)
    assert task["stopCode"] == "TaskFailedToStart"
    assert "AccessDeniedException" in task["stoppedReason"]
    assert "is not authorized to perform: secretsmanager:GetSecretValue" in task["stoppedReason"]


def test_a_missing_json_key(lab, net, tmp_path, secret_arn):
    task = _run_job(lab, net, tmp_path, [{"name": "DB_PASSWORD", "valueFrom": f"{secret_arn}:user::"}])
    assert task["stoppedReason"] == facts()["runtime"]["secrets"]["asm_no_json_key"].format(key="user")


def test_a_service_whose_secret_is_missing_counts_failed_tasks(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "s", SHOW)
    role = execution_role(lab, "exec-web", READ_SECRETS)
    td = register(lab, image.uri, family="web", role=role, secrets=[{"name": "API_KEY", "valueFrom": "/none"}])
    ecs = lab.client("ecs")
    ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=td, desiredCount=1, launchType="FARGATE",
                       networkConfiguration=net["awsvpc"])
    lab.clock.advance(30)
    lab.clock.advance(30)
    [deployment] = ecs.describe_services(cluster="labkit", services=["web"])["services"][0]["deployments"]
    assert deployment["failedTasks"] >= 1
