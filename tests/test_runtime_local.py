"""Local mode: `labkit server` runs the tasks in its own process. A notebook's lab pushes an image to it, runs a
task and reaches it through lab.endpoint (asked of the server); the AWS CLI sees the same exit codes and logs;
the task processes end with the server."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator

import pytest

import labkit
from labkit.lab import deploy
from labkit.mock.runtime import process
from tests.helpers import AWS_CLI, aws_cli, cli_environment, local_server
from tests.runtime_kit import get, push_app, register

WEB = """
import http.server, os
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"served by the server's task")
print("web up", flush=True)
http.server.HTTPServer(("0.0.0.0", 8080), H).serve_forever()
"""


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return cli_environment(tmp_path_factory.mktemp("local"))


@pytest.fixture(scope="module")
def server(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    with local_server(env) as found:
        yield found


@pytest.fixture
def local_lab(server):
    lab = labkit.connect("local", endpoint_url=server[0], shared_account=True)
    yield lab
    lab.teardown()


def _network(lab) -> dict:
    lab.client("ecs").create_cluster(clusterName="labkit")
    return {"awsvpc": deploy.ensure_network(lab).awsvpc()}


def _run_web(lab, tmp_path) -> str:
    """Push WEB, run it as one task in the server and wait until it is RUNNING; its ARN."""
    net = _network(lab)
    image = push_app(lab, tmp_path / "web", WEB, name="web")
    td = register(lab, image.uri, family="web", port=8080)
    ecs = lab.client("ecs")
    arn = ecs.run_task(cluster="labkit", taskDefinition=td, launchType="FARGATE",
                       networkConfiguration=net["awsvpc"])["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_running").wait(cluster="labkit", tasks=[arn])
    return arn


def test_a_task_in_the_server_answers_through_lab_endpoint(local_lab, tmp_path, server):
    arn = _run_web(local_lab, tmp_path)
    url = local_lab.endpoint(arn)
    assert url.startswith("http://127.0.0.1:") and get(url) == "served by the server's task"
    owner = server[1].pid
    assert [p for p in process.owned_processes(owner)], "the task runs in the server's process"
    assert not process.owned_processes(os.getpid())


@pytest.mark.skipif(not AWS_CLI.exists(), reason="the AWS CLI comes with the test extra (pip install .[test])")
def test_the_aws_cli_sees_exit_codes_and_logs(local_lab, tmp_path, server, env):
    net = _network(local_lab)
    image = push_app(local_lab, tmp_path / "job", "import sys\nprint('job says hi', flush=True)\nsys.exit(4)\n",
                     name="job")
    td = register(local_lab, image.uri, family="job")
    ecs = local_lab.client("ecs")
    arn = ecs.run_task(cluster="labkit", taskDefinition=td, launchType="FARGATE",
                       networkConfiguration=net["awsvpc"])["tasks"][0]["taskArn"]
    ecs.get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[arn])

    def aws(*argv: str) -> dict:
        out = aws_cli(env, server[0], *argv)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    [task] = aws("ecs", "describe-tasks", "--cluster", "labkit", "--tasks", arn)["tasks"]
    assert (task["stopCode"], task["containers"][0]["exitCode"]) == ("EssentialContainerExited", 4)
    stream = f"ecs/job/{arn.rsplit('/', 1)[1]}"
    events = aws("logs", "get-log-events", "--log-group-name", "/ecs/job", "--log-stream-name", stream)["events"]
    assert [e["message"] for e in events] == ["job says hi"]


def test_the_servers_task_processes_end_with_it(env, tmp_path):
    with local_server(env) as (url, proc):
        lab = labkit.connect("local", endpoint_url=url)
        _run_web(lab, tmp_path)
        assert process.owned_processes(proc.pid)
    deadline = time.monotonic() + 5
    while process.owned_processes(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert process.owned_processes(proc.pid) == []
