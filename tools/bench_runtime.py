"""Two figures of labkit's runtime (tasks that run) for `make bench`: what a learner waits for.

- starting one task's process: the settle that brings a task to RUNNING, from the clock move to its own code
  listening on its port (the task is a small Python web app pushed with `labkit.deploy.push_image`);
- a 3-task service answering HTTP: from `create_service`, through boto3's services_stable waiter (in simulated
  time), to an answer from each task's own code at `lab.endpoint(task)`.
The bench runner times them; this module only does the work.
"""

from __future__ import annotations

import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

APP = """
import http.server
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello")
http.server.HTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
"""
DOCKERFILE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\nEXPOSE 8080\nCMD ["python", "app.py"]\n'


def prepare(lab: Any) -> tuple[Any, Any, Any]:
    """Network, image, task definition and cluster for a small web app; returns (network, td, cluster)."""
    from labkit.lab import deploy

    folder = Path(tempfile.mkdtemp(prefix="labkit-bench-"))
    (folder / "app.py").write_text(APP)
    (folder / "Dockerfile").write_text(DOCKERFILE)
    network = deploy.ensure_network(lab, ports=(8080,))
    image = deploy.push_image(lab, "bench-app", context=str(folder))
    td = deploy.register_task(lab, "bench-app", image, cpu=256, memory=512, port=8080)
    return network, td, deploy.ensure_cluster(lab)


def start_one_process(lab: Any) -> float:
    """Seconds of the clock move that starts one task's process (until it listens)."""
    network, td, cluster = prepare(lab)
    ecs = lab.client("ecs")
    arn = ecs.run_task(cluster=cluster.name, taskDefinition=td.arn, launchType="FARGATE",
                       networkConfiguration=network.awsvpc())["tasks"][0]["taskArn"]
    lab.clock.advance(30)
    start = time.perf_counter()
    lab.clock.advance(5)  # RUNNING: its process starts, and the settle waits until it listens
    took = time.perf_counter() - start
    assert ecs.describe_tasks(cluster=cluster.name, tasks=[arn])["tasks"][0]["lastStatus"] == "RUNNING"
    _get(lab.endpoint(arn))
    return took


def service_answering(lab: Any) -> float:
    """Seconds from create_service (3 tasks) to an answer from each task's own code."""
    network, td, cluster = prepare(lab)
    ecs = lab.client("ecs")
    start = time.perf_counter()
    ecs.create_service(cluster=cluster.name, serviceName="bench", taskDefinition=td.arn, desiredCount=3,
                       launchType="FARGATE", networkConfiguration=network.awsvpc())
    ecs.get_waiter("services_stable").wait(cluster=cluster.name, services=["bench"])
    arns = ecs.list_tasks(cluster=cluster.name, serviceName="bench")["taskArns"]
    answers = [_get(lab.endpoint(arn)) for arn in arns]
    took = time.perf_counter() - start
    assert answers == ["hello"] * 3, answers
    return took


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback only
        return answer.read().decode()
