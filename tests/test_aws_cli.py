"""The AWS CLI against `labkit server`: it lists what a notebook's lab created, and a task definition with a size
Fargate does not have is refused with AWS's message. The CLI runs as a learner runs it in a JupyterLab terminal:
fake credentials, `--endpoint-url`, moto's default account (the lab shares it with `shared_account=True`)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

import labkit
from labkit import deploy
from labkit.fargate import check_task_definition
from tests.helpers import AWS_CLI, aws_cli, cli_environment, local_server

AWS = AWS_CLI
pytestmark = pytest.mark.skipif(not AWS.exists(), reason="the AWS CLI comes with the test extra (pip install .[test])")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return cli_environment(tmp_path_factory.mktemp("aws"))


@pytest.fixture(scope="module")
def server(cli_env: dict[str, str]) -> Iterator[str]:
    """`labkit server --port 0` in its own process group, stopped with Ctrl-C (SIGINT) afterwards."""
    with local_server(cli_env) as (url, _):
        yield url


aws = aws_cli


@pytest.fixture
def shared_lab(server: str) -> Iterator[object]:
    from labkit.mock import waiters as mock_waiters

    mock_waiters.install()  # waiters in the server's simulated time (connect("local") does not install it yet)
    lab = labkit.connect("local", endpoint_url=server, shared_account=True, lab_id="awscli")
    try:
        yield lab
    finally:
        lab.teardown()


def test_the_cli_lists_what_the_notebook_created(server: str, cli_env: dict[str, str], shared_lab: object) -> None:
    network = deploy.ensure_network(shared_lab)
    td = deploy.register_task(shared_lab, "awscli-web", "public.ecr.aws/nginx/nginx:stable", cpu=256, memory=512)
    cluster = deploy.ensure_cluster(shared_lab, "awscli")
    deploy.deploy_service(shared_lab, cluster, "web", td, desired_count=2, network=network)

    listed = aws(cli_env, server, "ecs", "list-services", "--cluster", "awscli")
    assert listed.returncode == 0, listed.stderr
    assert [arn.rsplit("/", 1)[-1] for arn in json.loads(listed.stdout)["serviceArns"]] == ["web"]
    described = aws(cli_env, server, "ecs", "describe-services", "--cluster", "awscli", "--services", "web",
                    "--include", "TAGS")
    service = json.loads(described.stdout)["services"][0]
    assert (service["desiredCount"], service["runningCount"]) == (2, 2)
    assert {"key": "labkit:lab", "value": "awscli"} in service["tags"]
    tasks = aws(cli_env, server, "ecs", "list-tasks", "--cluster", "awscli", "--service-name", "web")
    assert len(json.loads(tasks.stdout)["taskArns"]) == 2


def test_the_cli_gets_awss_message_for_a_size_fargate_does_not_have(server: str, cli_env: dict[str, str]) -> None:
    bad = {"family": "too-much-memory", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
           "cpu": "256", "memory": "8192", "containerDefinitions": [{"name": "web", "image": "nginx"}]}
    refused = aws(cli_env, server, "ecs", "register-task-definition", "--cli-input-json", json.dumps(bad))
    assert refused.returncode != 0 and refused.stdout == ""
    message = check_task_definition(bad)[0]
    assert message.startswith("No Fargate configuration exists for given values: 256 CPU, 8192 memory.")
    assert "An error occurred (ClientException) when calling the RegisterTaskDefinition operation: " \
           f"{message}" in refused.stderr
    families = aws(cli_env, server, "ecs", "list-task-definition-families", "--family-prefix", "too-much")
    assert json.loads(families.stdout)["families"] == []
