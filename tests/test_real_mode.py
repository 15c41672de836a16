"""Real mode's full path against `labkit server` in another process (fake credentials, endpoint on loopback): a
deployment with labkit.deploy goes through, the budget stops an expensive one, `labkit teardown --lab ID` from
another process leaves no tagged resource, a second teardown does nothing, and every call labkit made is in the
IAM policy it documents.

Time: on AWS a real-mode lab waits in wall time (a service takes minutes to settle). Here the test moves the
local server's simulated clock instead of sleeping: each lab's clock, and its clients' waiters, use the server's
clock of the account they act in. The calls labkit makes are the same.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.errors import GuardrailError
from labkit.lab import guardrails, services
from labkit.lab.teardown import teardown_by_tag
from labkit.pricing import fargate_cost
from tests.helpers import stop_process_group

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "labkit" / "data" / "iam-policy.json"
FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true"}
#: Actions AWS authorizes without a call of that name (the rows' `authorizes`): tags given on create
#: (ecs:TagResource, ec2:CreateTags, ...), passing the lab's roles to tasks, service-linked roles made on first
#: use, the alarms a target-tracking policy creates, and the registry calls `docker push` makes.
AUTHORIZATION_ONLY = {a for row in services.ROWS for st in row.iam for a in st.authorizes}
#: botocore service name -> IAM action prefix
IAM_PREFIX = {row.name: row.prefix for row in services.ROWS}


def start_server_process(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """`labkit server --port 0` in its own process group; returns it and the endpoint it printed."""
    argv = [sys.executable, "-m", "labkit.cli", "server", "--port", "0"]
    proc = subprocess.Popen(argv, cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert proc.stdout is not None
    for line in proc.stdout:
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            return proc, found.group(0)
    proc.wait(timeout=10)
    raise AssertionError(f"labkit server did not start: {proc.stderr.read() if proc.stderr else ''}")


def base_env(tmp: Path) -> dict[str, str]:
    """The environment of a process with fake credentials and no AWS files of the machine's user."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(FAKE_ENV, AWS_SHARED_CREDENTIALS_FILE=str(tmp / "none-credentials"),
               AWS_CONFIG_FILE=str(tmp / "none-config"), PYTHONPATH=str(ROOT), LABKIT_STATE_DIR=str(tmp))
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server_process(base_env(tmp_path_factory.mktemp("aws")))
    try:
        yield url
    finally:
        stop_process_group(proc, signal.SIGINT, timeout=10)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Fake credentials only. A mock started in this process later would set AWS variables of its own that
    this fixture's undo would then remove: start it first (it does not answer calls sent to the local server)."""
    from labkit import mock

    mock.start()
    env = base_env(tmp_path)
    for key in list(os.environ):
        if key.startswith("AWS_"):
            monkeypatch.delenv(key)
    for key, value in env.items():
        if key.startswith("AWS_"):
            monkeypatch.setenv(key, value)
    return env


@pytest.fixture(autouse=True)
def calls() -> Iterator[set[tuple[str, str]]]:
    """Every (service, operation) a real-mode lab's clients send (botocore's before-call event); their waiters
    wait in the lab's clock (the server's, see `connect`)."""
    from labkit.lab.session import Lab
    from labkit.mock import waiters as mock_waiters

    mock_waiters.install()
    seen: set[tuple[str, str]] = set()
    real_make = Lab._make_client

    def recording(self: Lab, service_name: str) -> Any:
        client = real_make(self, service_name)
        if self.mode == "real":
            name = client.meta.service_model.service_name
            client.meta.events.register("before-call", lambda model, **_: seen.add((name, model.name)))
            client._labkit_clock = self.clock
        return client

    Lab._make_client = recording  # type: ignore[method-assign]
    try:
        yield seen
    finally:
        Lab._make_client = real_make  # type: ignore[method-assign]


def connect(server: str, lab_id: str, budget: float = 1.0) -> Any:
    """A real-mode lab on the local server, living in the server's time (see the module's docstring)."""
    from labkit.lab.local import HttpControl
    from labkit.mock.clock import RemoteClock

    lab = labkit.connect("real", budget_usd=budget, endpoint_url=server, lab_id=lab_id)
    lab.on_notice = lambda text: None  # kept in lab.notices; not printed into the test output
    control, account = HttpControl(server), lab.account_id
    lab.clock = RemoteClock(lambda: control.clock(account), lambda seconds: control.advance(account, seconds))
    for client in lab._clients.values():
        client._labkit_clock = lab.clock
    return lab


def deploy(lab: Any, service: str = "web", count: int = 3, cpu: int = 256, memory: int = 512) -> dict[str, Any]:
    """The course's workflow with labkit.deploy: network, roles, logs, task definition, cluster, a service, a
    one-off task; plus an ECR repository (labkit.deploy pushes with Docker only, not here)."""
    from labkit import deploy as steps

    network = steps.ensure_network(lab)
    lab.client("ecr").create_repository(repositoryName=f"{lab.id}/web")
    td = steps.register_task(lab, f"{lab.id}-web", "public.ecr.aws/nginx/nginx:stable", cpu=cpu, memory=memory,
                             port=80)
    cluster = steps.ensure_cluster(lab, lab.id)
    svc = steps.deploy_service(lab, cluster, service, td, desired_count=count, network=network)
    tasks = steps.run_task(lab, cluster, td, network=network)
    return {"network": network, "td": td, "cluster": cluster, "service": svc, "tasks": tasks}


def tagged_resources(server: str, lab_id: str) -> list[str]:
    """Every live resource tagged labkit:lab=lab_id, found independently of labkit.lab.teardown."""
    import boto3

    def c(name: str) -> Any:
        return boto3.client(name, region_name="us-east-1", endpoint_url=server)

    def ours(tags: Any) -> bool:
        pairs = tags.items() if isinstance(tags, dict) else [(t.get("key", t.get("Key")), t.get("value", t.get(
            "Value"))) for t in tags or []]
        return ("labkit:lab", lab_id) in list(pairs)

    ecs, ec2 = c("ecs"), c("ec2")
    found: list[str] = []
    clusters = ecs.describe_clusters(clusters=ecs.list_clusters()["clusterArns"], include=["TAGS"])["clusters"]
    for cl in clusters:
        if cl["status"] == "ACTIVE" and ours(cl.get("tags")):
            found.append(f"cluster {cl['clusterName']}")
        arns = ecs.list_services(cluster=cl["clusterArn"])["serviceArns"]
        if arns:
            for svc in ecs.describe_services(cluster=cl["clusterArn"], services=arns, include=["TAGS"])["services"]:
                if svc["status"] == "ACTIVE" and ours(svc.get("tags")):
                    found.append(f"service {svc['serviceName']}")
        tasks = ecs.list_tasks(cluster=cl["clusterArn"], desiredStatus="RUNNING")["taskArns"]
        if tasks:
            for task in ecs.describe_tasks(cluster=cl["clusterArn"], tasks=tasks, include=["TAGS"])["tasks"]:
                if task.get("lastStatus") != "STOPPED" and ours(task.get("tags")):
                    found.append(f"task {task['taskArn']}")
    for arn in ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"]:
        if ours(ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"]).get("tags")):
            found.append(f"task definition {arn}")
    for repo in c("ecr").describe_repositories()["repositories"]:
        if ours(c("ecr").list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]):
            found.append(f"repository {repo['repositoryName']}")
    for group in c("logs").describe_log_groups()["logGroups"]:
        if ours(c("logs").list_tags_log_group(logGroupName=group["logGroupName"])["tags"]):
            found.append(f"log group {group['logGroupName']}")
    for key, op in (("Vpcs", "describe_vpcs"), ("Subnets", "describe_subnets"),
                    ("SecurityGroups", "describe_security_groups")):
        found += [f"{key} {r}" for r in getattr(ec2, op)()[key] if ours(r.get("Tags"))]
    for role in c("iam").list_roles()["Roles"]:
        if ours(c("iam").list_role_tags(RoleName=role["RoleName"])["Tags"]):
            found.append(f"role {role['RoleName']}")
    return found


def cli_main(argv: list[str]) -> tuple[int, list[Any]]:
    """`labkit` in this process, with --json: its exit status and what it removed."""
    import contextlib
    import io

    from labkit.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    return code, json.loads(out.getvalue())["removed"]


def labkit_cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "labkit.cli", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


# --- the full path ---------------------------------------------------------------------------------------------
def test_the_full_path_deploy_scale_reconnect_and_teardown_from_another_process(server: str,
                                                                                aws_env: dict[str, str]) -> None:
    # connect: the masked account and region first
    lab = connect(server, "rm-path", budget=1.0)
    assert lab.notices[0].startswith("Real AWS at ") and "********9012" in lab.notices[0]
    assert "123456789012" not in lab.notices[0] and "us-east-1" in lab.notices[0]

    # a deployment goes through, priced before each call that starts tasks, its wait showing progress
    done = deploy(lab)
    assert done["service"].running_count == 3 and done["tasks"][0].last_status == "RUNNING"
    assert any(n.startswith("web: 3/3 running") for n in lab.notices)
    service_note = next(n for n in lab.notices if n.startswith("CreateService"))
    assert f"${fargate_cost(0.25, 0.5, 3600, tasks=3).total:.4f}/hour" in service_note
    assert any(n.startswith("RunTask") for n in lab.notices)
    ecs = lab.client("ecs")
    svc = ecs.describe_services(cluster=lab.id, services=["web"], include=["TAGS"])["services"][0]
    assert {"key": "labkit:lab", "value": "rm-path"} in svc["tags"]
    assert {"key": "labkit:course", "value": "fargate-lab-kit"} in svc["tags"]
    made = tagged_resources(server, "rm-path")
    assert len(made) >= 10, made

    # scaling past the budget is refused and the service keeps its count; within it, it goes through
    with pytest.raises(GuardrailError, match="refused UpdateService"):
        ecs.update_service(cluster=lab.id, service="web", desiredCount=60)
    assert ecs.describe_services(cluster=lab.id, services=["web"])["services"][0]["desiredCount"] == 3
    ecs.update_service(cluster=lab.id, service="web", desiredCount=4)
    assert guardrails.ledger(lab).running()[f"service {lab.id}/web"].tasks == 4

    # a new kernel with the same lab id counts what the lab still runs
    again = connect(server, "rm-path", budget=1.0)
    assert "already runs 1 service and 1 task" in again.notices[1]
    assert guardrails.ledger(again).hourly() == pytest.approx(fargate_cost(0.25, 0.5, 3600, tasks=5).total)

    # `labkit teardown` from another process: a dry run lists and removes nothing, then it removes all of it,
    # and not another lab's resources
    other = connect(server, "rm-other", budget=1.0)
    other.client("logs").create_log_group(logGroupName="/labkit/rm-other")
    before = tagged_resources(server, "rm-path")
    dry = labkit_cli(aws_env, "teardown", "--lab", "rm-path", "--dry-run", "--endpoint-url", server)
    assert dry.returncode == 0, dry.stderr
    assert "Would remove" in dry.stdout and "service: rm-path/web" in dry.stdout
    assert tagged_resources(server, "rm-path") == before
    first = labkit_cli(aws_env, "teardown", "--lab", "rm-path", "--endpoint-url", server)
    assert first.returncode == 0, first.stderr
    assert "Removed: 1 service" in first.stdout and "********9012" in first.stdout
    assert tagged_resources(server, "rm-path") == []
    assert tagged_resources(server, "rm-other") == ["log group /labkit/rm-other"]

    # a second teardown, from the CLI or the lab, is a no-op
    second = cli_main(["teardown", "--lab", "rm-path", "--endpoint-url", server, "--json"])
    assert second == (0, [])
    assert "Nothing to remove" in str(lab.teardown())
    other.teardown()


def test_the_budget_stops_an_expensive_service_before_aws_sees_it(server: str, aws_env: dict[str, str]) -> None:
    from labkit import deploy as steps

    lab = connect(server, "rm-budget", budget=0.5)
    td = steps.register_task(lab, "rm-budget-big", "public.ecr.aws/nginx/nginx:stable", cpu=4096, memory=8192)
    cluster = steps.ensure_cluster(lab, lab.id)
    network = steps.Network(vpc_id="vpc-1", subnet_ids=("subnet-1",), security_group_id="sg-1",
                            availability_zones=("us-east-1a",), ports=(80,))  # never sent: refused before
    with pytest.raises(GuardrailError, match=r"refused CreateService .* above its budget of \$0\.50"):
        steps.deploy_service(lab, cluster, "big", td, desired_count=10, network=network)
    assert lab.client("ecs").list_services(cluster=lab.id)["serviceArns"] == []
    assert lab.notices[-1].startswith("refused CreateService")
    assert lab.teardown().ok
    assert tagged_resources(server, "rm-budget") == []


def test_what_labkit_cannot_price_or_remove_is_refused(server: str, aws_env: dict[str, str]) -> None:
    lab = connect(server, "rm-refuse")
    with pytest.raises(GuardrailError, match="EKS cluster"):
        lab.client("eks").create_cluster(name="x", roleArn="arn:aws:iam::123456789012:role/x",
                                         resourcesVpcConfig={"subnetIds": []})
    with pytest.raises(GuardrailError, match="EC2 instances"):
        lab.client("ec2").run_instances(ImageId="ami-12345678", MinCount=1, MaxCount=1)
    assert lab.client("eks").list_clusters()["clusters"] == []


def test_every_call_labkit_makes_in_real_mode_is_in_the_iam_policy(server: str, aws_env: dict[str, str],
                                                                   calls: set[tuple[str, str]]) -> None:
    from labkit import deploy as steps

    lab = connect(server, "rm-iam", budget=1.0)
    done = deploy(lab)
    steps.scale(lab, done["cluster"], done["service"], 4)
    steps.run_task(lab, done["cluster"], done["td"], network=done["network"], spot=True)
    steps.logs(lab, done["td"])
    steps.ensure_network(lab)  # a re-run finds what the lab made
    lab.client("ecs").create_cluster(clusterName=f"{lab.id}-bare")  # a learner's cluster, without providers
    steps.ensure_cluster(lab, f"{lab.id}-bare")
    lab.client("iam").put_role_policy(RoleName=f"labkit-{lab.id}-task", PolicyName="read", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    scaling = lab.client("application-autoscaling")  # lesson 05's autoscaling, as plain boto3
    scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=f"service/{lab.id}/web",
                                     ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=4)
    scaling.put_scaling_policy(PolicyName="cpu", ServiceNamespace="ecs", ResourceId=f"service/{lab.id}/web",
                               ScalableDimension="ecs:service:DesiredCount", PolicyType="TargetTrackingScaling",
                               TargetTrackingScalingPolicyConfiguration={
                                   "TargetValue": 60.0, "PredefinedMetricSpecification": {
                                       "PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    production_service(lab, done)  # an issue-15 production service, as plain boto3 and labkit's helpers
    ssm = lab.client("ssm")  # a parameter for a task definition's secrets, as plain boto3
    ssm.put_parameter(Name=f"/{lab.id}/db-password", Value="s3cret", Type="SecureString")
    assert ssm.get_parameter(Name=f"/{lab.id}/db-password", WithDecryption=True)["Parameter"]["Value"] == "s3cret"
    connect(server, "rm-iam", budget=1.0)  # a reconnect describes what the lab already runs
    assert teardown_by_tag(lab, lab.id, dry_run=True).ok  # `labkit teardown --lab`: found by tags alone
    assert lab.teardown().ok
    lab.teardown()
    actions = {f"{IAM_PREFIX[service]}:{op}" for service, op in calls}
    assert {"ecs:CreateService", "ecs:DeleteService", "iam:DeleteRole", "sts:GetCallerIdentity"} <= actions
    allowed = policy_actions()
    assert sorted(actions - allowed) == []
    assert sorted(allowed - actions - AUTHORIZATION_ONLY) == []  # nothing in the policy that labkit does not use


def production_service(lab: Any, done: dict[str, Any]) -> None:
    """A load balancer in front of a service, its health, its address, an alarm and the metrics, in real mode."""
    from labkit.diagrams.live import architecture
    from labkit.lab.balancers import load_balancer_url

    network = done["network"]
    elbv2, cloudwatch = lab.client("elbv2"), lab.client("cloudwatch")
    lb = elbv2.create_load_balancer(Name=f"{lab.id}-web", Subnets=list(network.subnet_ids))["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name=f"{lab.id}-web", Protocol="HTTP", Port=80, VpcId=network.vpc_id,
                                   TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
    elbv2.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
    elbv2.describe_target_group_attributes(TargetGroupArn=tg)
    elbv2.modify_target_group(TargetGroupArn=tg, HealthCheckPath="/", HealthCheckIntervalSeconds=10,
                              HealthyThresholdCount=2, UnhealthyThresholdCount=2)  # lesson 08's health check
    secrets = lab.client("secretsmanager")  # lesson 08's secret, and what its check reads
    secrets.describe_secret(SecretId=secrets.create_secret(Name=f"{lab.id}/db", SecretString="{}")["ARN"])
    lab.client("iam").get_role_policy(RoleName=f"labkit-{lab.id}-task", PolicyName="read")
    elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    td = done["td"]
    lab.client("ecs").create_service(
        cluster=done["cluster"].name, serviceName="behind", taskDefinition=td.arn, desiredCount=1,
        launchType="FARGATE", networkConfiguration=network.awsvpc(), healthCheckGracePeriodSeconds=60,
        loadBalancers=[{"targetGroupArn": tg, "containerName": td.family, "containerPort": 80}])
    elbv2.describe_target_health(TargetGroupArn=tg)
    assert load_balancer_url(lab, lb["LoadBalancerArn"]) == f"http://{lb['DNSName']}"
    assert "Load balancer" in str(architecture(lab))
    cloudwatch.put_metric_alarm(AlarmName=f"{lab.id}-busy", Namespace="AWS/ECS", MetricName="CPUUtilization",
                                Statistic="Average", Period=60, EvaluationPeriods=3, Threshold=80.0,
                                ComparisonOperator="GreaterThanThreshold")
    now = lab.clock.now()
    cloudwatch.get_metric_statistics(Namespace="AWS/ECS", MetricName="CPUUtilization", StartTime=now - timedelta(
        minutes=5), EndTime=now, Period=60, Statistics=["Average"])
    cloudwatch.get_metric_data(MetricDataQueries=[{"Id": "cpu", "MetricStat": {"Metric": {
        "Namespace": "AWS/ECS", "MetricName": "CPUUtilization"}, "Period": 60, "Stat": "Average"}}],
        StartTime=now - timedelta(minutes=5), EndTime=now)
    cloudwatch.list_metrics(Namespace="AWS/ECS")


def policy_actions() -> set[str]:
    return {a for st in json.loads(POLICY.read_text())["Statement"] if st["Effect"] == "Allow"
            for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}


def test_the_iam_policy_names_every_action_and_no_wildcard() -> None:
    policy = json.loads(POLICY.read_text())
    assert policy["Version"] == "2012-10-17"
    for statement in policy["Statement"]:
        actions = [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        assert actions == sorted(set(actions)), statement.get("Sid")
        for action in actions:
            assert "*" not in action and ":" in action, action


def test_real_mode_clients_validate_parameters_as_botocore_does(server: str, aws_env: dict[str, str]) -> None:
    from botocore.exceptions import ParamValidationError

    lab = connect(server, "rm-valid")
    ecs = lab.client("ecs")
    assert ecs.meta.config.parameter_validation is True
    with pytest.raises(ParamValidationError):
        ecs.create_service(cluster=lab.id, serviceName="web", desiredCount="three")


def test_aws_errors_reach_the_learner_unchanged(server: str, aws_env: dict[str, str]) -> None:
    lab = connect(server, "rm-errors")
    with pytest.raises(ClientError) as err:
        lab.client("ecs").describe_task_definition(taskDefinition="nope:1")
    assert err.value.response["Error"]["Code"] == "ClientException"
