"""The AWS CLI against `labkit server`: it lists what a notebook's lab created, and a task definition with a size
Fargate does not have is refused with AWS's message. The CLI runs as a learner runs it in a JupyterLab terminal:
fake credentials, `--endpoint-url`, moto's default account (the lab shares it with `shared_account=True`)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import labkit
from labkit import deploy
from labkit.fargate import check_task_definition
from tests.helpers import stop_process_group

ROOT = Path(__file__).resolve().parent.parent
AWS = Path(sys.executable).parent / "aws"
pytestmark = pytest.mark.skipif(not AWS.exists(), reason="the AWS CLI comes with the test extra (pip install .[test])")


@pytest.fixture(scope="module")
def cli_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("aws")
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=str(tmp / "none-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp / "none-credentials"), AWS_PAGER="",
               LABKIT_STATE_DIR=str(tmp), PYTHONPATH=str(ROOT))
    return env


@pytest.fixture(scope="module")
def server(cli_env: dict[str, str]) -> Iterator[str]:
    """`labkit server --port 0` in its own process group, stopped with Ctrl-C (SIGINT) afterwards."""
    proc = subprocess.Popen([sys.executable, "-m", "labkit.cli", "server", "--port", "0"], cwd=ROOT, env=cli_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            found = re.search(r"http://127\.0\.0\.1:\d+", line)
            if found:
                url = found.group(0)
                break
        assert url, proc.stderr.read() if proc.stderr else "no output"
        yield url
    finally:
        stop_process_group(proc, signal.SIGINT, timeout=20)


def aws(env: dict[str, str], url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(AWS), "--endpoint-url", url, "--output", "json", *argv], env=env,
                          capture_output=True, text=True, timeout=120)


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
