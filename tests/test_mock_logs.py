"""The awslogs driver in mock mode: startup lines at RUNNING in prefix/container/task-id."""

from __future__ import annotations


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



def test_no_group_no_lines_unless_the_task_may_create_it(lab, net, register):
    def run(create: bool) -> None:
        options = {"awslogs-group": "/ecs/auto", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "ecs"}
        if create:
            options["awslogs-create-group"] = "true"
        td = register("auto", executionRoleArn="arn:aws:iam::123456789012:role/exec", containers=[{
            "name": "app", "image": "busybox", "logConfiguration": {"logDriver": "awslogs", "options": options}}])
        lab.client("ecs").run_task(cluster="labkit", taskDefinition=td, launchType="FARGATE",
                                   networkConfiguration=net["awsvpc"])
        lab.clock.advance(40)

    logs = lab.client("logs")
    run(create=False)
    assert logs.describe_log_groups()["logGroups"] == []
    run(create=True)
    [group] = logs.describe_log_groups()["logGroups"]
    assert group["logGroupName"] == "/ecs/auto"
    assert len(logs.describe_log_streams(logGroupName="/ecs/auto")["logStreams"]) == 1
