"""The awslogs driver in mock mode: startup lines at RUNNING in prefix/container/task-id, and a task whose log
group is missing (or that may not create it) stops before it runs, as on AWS."""

from __future__ import annotations

import json

import pytest

from labkit.data import facts


def _describe(lab, arn):
    return lab.client("ecs").describe_tasks(cluster="labkit", tasks=[arn])["tasks"][0]


def test_awslogs_lines_appear_at_running(lab, net, register):
    role = "arn:aws:iam::123456789012:role/exec"
    td = register(executionRoleArn=role, containers=[{
        "name": "web", "image": "nginx:1.27", "portMappings": [{"containerPort": 80}],
        "logConfiguration": {"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}}}])
    logs = lab.client("logs")
    logs.create_log_group(logGroupName="/ecs/web")
    arn = lab.client("ecs").run_task(cluster="labkit", taskDefinition=td, launchType="FARGATE",
                                     networkConfiguration=net["awsvpc"])["tasks"][0]["taskArn"]
    lab.clock.advance(20)
    assert logs.describe_log_streams(logGroupName="/ecs/web")["logStreams"] == []
    lab.clock.advance(20)
    task_id = arn.rsplit("/", 1)[1]
    stream = f"ecs/web/{task_id}"
    events = logs.get_log_events(logGroupName="/ecs/web", logStreamName=stream)["events"]
    assert any("listening on port 80/tcp" in e["message"] for e in events)
    started = _describe(lab, arn)["startedAt"]
    assert events[0]["timestamp"] == int(started.timestamp() * 1000)


EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                           "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]})


def _execution_role(lab, name: str, extra: dict | None = None, how: str = "inline") -> str:
    """An execution role as lessons make it (the managed policy), plus `extra` as an inline or attached policy."""
    iam = lab.client("iam")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.attach_role_policy(RoleName=name, PolicyArn=EXECUTION_POLICY)
    if extra is not None:
        document = json.dumps({"Version": "2012-10-17", "Statement": [extra]})
        if how == "inline":
            iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=document)
        else:
            policy = iam.create_policy(PolicyName=f"{name}-logs", PolicyDocument=document)["Policy"]["Arn"]
            iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return arn


def _run_logged(lab, net, register, role: str, create: bool) -> dict:
    options = {"awslogs-group": "/ecs/auto", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}
    if create:
        options["awslogs-create-group"] = "true"
    td = register("auto", executionRoleArn=role, containers=[{
        "name": "app", "image": "busybox", "logConfiguration": {"logDriver": "awslogs", "options": options}}])
    arn = lab.client("ecs").run_task(cluster="labkit", taskDefinition=td, launchType="FARGATE",
                                     networkConfiguration=net["awsvpc"])["tasks"][0]["taskArn"]
    seen = set()
    for _ in range(8):
        lab.clock.advance(15)
        seen.add(_describe(lab, arn)["lastStatus"])
    return {"task": _describe(lab, arn), "seen": seen}


def test_a_missing_log_group_stops_the_task_before_it_runs(lab, net, register):
    role = _execution_role(lab, "exec")
    run = _run_logged(lab, net, register, role, create=False)
    task = run["task"]
    assert "RUNNING" not in run["seen"] and task["lastStatus"] == "STOPPED" and "startedAt" not in task
    assert task["stopCode"] == "TaskFailedToStart"
    assert task["stoppedReason"] == facts()["errors"]["log_group_missing"]["reason"]
    assert task["stoppedReason"].startswith("ResourceInitializationError: failed to validate logger args")
    assert lab.client("logs").describe_log_groups()["logGroups"] == []


def test_create_group_needs_the_permission_the_managed_policy_lacks(lab, net, register):
    role = _execution_role(lab, "exec")  # AmazonECSTaskExecutionRolePolicy only, as lessons 02 and 07 make it
    task = _run_logged(lab, net, register, role, create=True)["task"]
    assert task["lastStatus"] == "STOPPED" and task["stopCode"] == "TaskFailedToStart" and "startedAt" not in task
    reason = task["stoppedReason"]
    assert reason.startswith("ResourceInitializationError: failed to validate logger args: create stream has been "
                             "retried 1 times: failed to create Cloudwatch log group: AccessDeniedException: User: "
                             f"arn:aws:sts::{lab.account_id}:assumed-role/exec/")
    assert "is not authorized to perform: logs:CreateLogGroup on resource: " \
           f"arn:aws:logs:us-east-1:{lab.account_id}:log-group:/ecs/auto:log-stream:" in reason
    assert lab.client("logs").describe_log_groups()["logGroups"] == []


@pytest.mark.parametrize("how", ["inline", "attached"])
@pytest.mark.parametrize("action", ["logs:CreateLogGroup", "logs:*"])
def test_a_role_that_may_create_the_group_gets_it_and_the_task_runs(lab, net, register, how, action):
    role = _execution_role(lab, "exec", {"Effect": "Allow", "Action": [action], "Resource": "*"}, how)
    run = _run_logged(lab, net, register, role, create=True)
    assert "RUNNING" in run["seen"] and run["task"]["lastStatus"] == "RUNNING"
    logs = lab.client("logs")
    [group] = logs.describe_log_groups()["logGroups"]
    assert group["logGroupName"] == "/ecs/auto"
    assert len(logs.describe_log_streams(logGroupName="/ecs/auto")["logStreams"]) == 1


def test_an_explicit_deny_wins(lab, net, register):
    iam = lab.client("iam")
    role = _execution_role(lab, "exec", {"Effect": "Allow", "Action": "logs:*", "Resource": "*"})
    iam.put_role_policy(RoleName="exec", PolicyName="no-groups", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "logs:CreateLogGroup", "Resource": "*"}]}))
    task = _run_logged(lab, net, register, role, create=True)["task"]
    assert task["stopCode"] == "TaskFailedToStart" and "AccessDeniedException" in task["stoppedReason"]


def test_an_existing_group_needs_no_permission(lab, net, register):
    role = _execution_role(lab, "exec")
    lab.client("logs").create_log_group(logGroupName="/ecs/auto")
    run = _run_logged(lab, net, register, role, create=True)
    assert run["task"]["lastStatus"] == "RUNNING"
