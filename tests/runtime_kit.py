"""What the runtime tests share: an app in a folder pushed as an image, a task definition for it, a task run."""

from __future__ import annotations

import json
import textwrap
import urllib.request
from pathlib import Path
from typing import Any

from labkit.lab import deploy

DOCKERFILE = """FROM python:3.12-slim
WORKDIR /app
COPY . .
CMD ["python", "app.py"]
"""
ROLE_TRUST = json.dumps(deploy.TRUST_ECS_TASKS)


def push_app(lab: Any, folder: Path, code: str, name: str = "app", dockerfile: str = DOCKERFILE,
             **files: str) -> deploy.Image:
    """Write app.py (and other files) and a Dockerfile into `folder`, and push them as image `name`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "app.py").write_text(textwrap.dedent(code), encoding="utf-8")
    (folder / "Dockerfile").write_text(dockerfile, encoding="utf-8")
    for file_name, text in files.items():
        (folder / file_name).write_text(text, encoding="utf-8")
    return deploy.push_image(lab, name, context=str(folder))


def execution_role(lab: Any, name: str = "exec", statements: list[dict[str, Any]] | None = None) -> str:
    """An execution role with AWS's managed policy (and inline `statements`, if any); returns its ARN."""
    iam = lab.client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        pass
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=ROLE_TRUST)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=deploy.EXECUTION_POLICY)
    if statements:
        iam.put_role_policy(RoleName=name, PolicyName="more", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": statements}))
    return arn


def register(lab: Any, image: str, *, family: str = "app", port: int | None = None, task_memory: str = "512",
             role: str | None = None, logs: bool = True, **container: Any) -> str:
    """A one-container Fargate task definition of `image` (logging to /ecs/FAMILY), through boto3; its ARN."""
    cdef: dict[str, Any] = {"name": family, "image": image, "essential": True, **container}
    if port:
        cdef["portMappings"] = [{"containerPort": port}]
    request: dict[str, Any] = {"family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                               "cpu": "256", "memory": task_memory, "containerDefinitions": [cdef]}
    if logs:  # the group made first: the managed execution policy may not create one
        role = role or execution_role(lab, f"exec-{family}")
        group = deploy.ensure_log_group(lab, f"/ecs/{family}")
        cdef["logConfiguration"] = {"logDriver": "awslogs", "options": {
            "awslogs-group": group, "awslogs-region": lab.region, "awslogs-stream-prefix": "ecs"}}
    if role:
        request["executionRoleArn"] = role
    return lab.client("ecs").register_task_definition(**request)["taskDefinition"]["taskDefinitionArn"]


def run(lab: Any, net: dict[str, Any], td: str, wait: bool = True, **extra: Any) -> str:
    """Run one task in cluster 'labkit' (waiting until it runs, by default); its ARN."""
    ecs = lab.client("ecs")
    arn = ecs.run_task(cluster="labkit", taskDefinition=td, launchType="FARGATE", networkConfiguration=net["awsvpc"],
                       **extra)["tasks"][0]["taskArn"]
    if wait:
        ecs.get_waiter("tasks_running").wait(cluster="labkit", tasks=[arn])
    return arn


def describe(lab: Any, arn: str) -> dict[str, Any]:
    return lab.client("ecs").describe_tasks(cluster="labkit", tasks=[arn])["tasks"][0]


def get(url: str, timeout: float = 5) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 - loopback only
        return answer.read().decode()


def log_lines(lab: Any, group: str) -> list[str]:
    events = lab.client("logs").filter_log_events(logGroupName=group)["events"]
    return [e["message"] for e in sorted(events, key=lambda e: e["timestamp"])]
