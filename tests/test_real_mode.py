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
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import labkit
from labkit import guardrails
from labkit.errors import GuardrailError
from labkit.pricing import fargate_cost

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "labkit" / "data" / "iam-policy.json"
FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_EC2_METADATA_DISABLED": "true"}
#: botocore service name -> IAM action prefix, where they differ
IAM_PREFIX = {"application-autoscaling": "application-autoscaling", "resourcegroupstaggingapi": "tag"}
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


def stop_server_process(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def base_env(tmp: Path) -> dict[str, str]:
    """The environment of a process with fake credentials and no AWS files of the machine's user."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(FAKE_ENV, AWS_SHARED_CREDENTIALS_FILE=str(tmp / "none-credentials"),
               AWS_CONFIG_FILE=str(tmp / "none-config"), PYTHONPATH=str(ROOT), LABKIT_STATE_DIR=str(tmp),
               MOTO_IAM_LOAD_MANAGED_POLICIES="true")  # labkit.server does not load them yet (reported)
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = start_server_process(base_env(tmp_path_factory.mktemp("aws")))
    try:
        yield url
    finally:
        stop_server_process(proc)


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
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
    from labkit import mock_waiters
    from labkit.lab import Lab

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
    from labkit.clock import RemoteClock
    from labkit.server import HttpControl

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
    """Every live resource tagged labkit:lab=lab_id, found independently of labkit.teardown."""
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


def labkit_cli(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "labkit.cli", *argv], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


# --- the full path ---------------------------------------------------------------------------------------------
def test_a_deployment_goes_through_priced_and_tagged(server: str, aws_env: dict[str, str]) -> None:
    lab = connect(server, "rm-deploy", budget=1.0)
    assert lab.notices[0].startswith("Real AWS at ") and "********9012" in lab.notices[0]
    assert "123456789012" not in lab.notices[0] and "us-east-1" in lab.notices[0]
    done = deploy(lab)
    assert done["service"].running_count == 3 and done["tasks"][0].last_status == "RUNNING"
    assert any(n.startswith("web: 3/3 running") for n in lab.notices)  # the wait showed its progress
    service_note = next(n for n in lab.notices if n.startswith("CreateService"))
    assert f"${fargate_cost(0.25, 0.5, 3600, tasks=3).total:.4f}/hour" in service_note
    assert any(n.startswith("RunTask") for n in lab.notices)
    ecs = lab.client("ecs")
    svc = ecs.describe_services(cluster=lab.id, services=["web"], include=["TAGS"])["services"][0]
    assert svc["desiredCount"] == 3
    assert {"key": "labkit:lab", "value": "rm-deploy"} in svc["tags"]
    assert {"key": "labkit:course", "value": "fargate-lab-kit"} in svc["tags"]
    assert len(tagged_resources(server, "rm-deploy")) >= 9
    report = lab.teardown()
    assert report.ok, report.problems
    assert tagged_resources(server, "rm-deploy") == []
    assert "Nothing to remove" in str(lab.teardown())


def test_the_budget_stops_an_expensive_deployment_before_aws_sees_it(server: str, aws_env: dict[str, str]) -> None:
    lab = connect(server, "rm-budget", budget=0.5)
    with pytest.raises(GuardrailError, match=r"refused CreateService .* above its budget of \$0\.50"):
        deploy(lab, count=10, cpu=4096, memory=8192)
    assert lab.client("ecs").list_services(cluster=lab.id)["serviceArns"] == []
    assert lab.notices[-1].startswith("refused CreateService")
    lab.teardown()
    assert tagged_resources(server, "rm-budget") == []


def test_scaling_past_the_budget_is_refused_and_the_service_keeps_its_count(server: str,
                                                                           aws_env: dict[str, str]) -> None:
    lab = connect(server, "rm-scale", budget=0.5)
    deploy(lab, count=2)
    with pytest.raises(GuardrailError, match="refused UpdateService"):
        lab.client("ecs").update_service(cluster=lab.id, service="web", desiredCount=60)
    assert lab.client("ecs").describe_services(cluster=lab.id, services=["web"])["services"][0]["desiredCount"] == 2
    lab.client("ecs").update_service(cluster=lab.id, service="web", desiredCount=4)
    assert guardrails.ledger(lab).running()[f"service {lab.id}/web"].tasks == 4
    lab.teardown()


def test_teardown_from_another_process_leaves_nothing_and_a_second_is_a_no_op(server: str,
                                                                             aws_env: dict[str, str]) -> None:
    lab = connect(server, "rm-cli", budget=1.0)
    deploy(lab)
    other = connect(server, "rm-other", budget=1.0)
    other.client("logs").create_log_group(logGroupName="/labkit/rm-other")

    dry = labkit_cli(aws_env, "teardown", "--lab", "rm-cli", "--dry-run", "--endpoint-url", server)
    assert dry.returncode == 0, dry.stderr
    assert "Would remove" in dry.stdout and "service: rm-cli/web" in dry.stdout
    assert len(tagged_resources(server, "rm-cli")) >= 9  # a dry run removes nothing

    first = labkit_cli(aws_env, "teardown", "--lab", "rm-cli", "--endpoint-url", server)
    assert first.returncode == 0, first.stderr
    assert "Removed: 1 service" in first.stdout and "********9012" in first.stdout
    assert tagged_resources(server, "rm-cli") == []
    assert tagged_resources(server, "rm-other") == ["log group /labkit/rm-other"]  # another lab is untouched

    second = labkit_cli(aws_env, "teardown", "--lab", "rm-cli", "--endpoint-url", server, "--json")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["removed"] == []
    other.teardown()


def test_a_new_kernel_counts_what_its_lab_already_runs(server: str, aws_env: dict[str, str]) -> None:
    first = connect(server, "rm-again", budget=1.0)
    deploy(first, count=3)
    again = connect(server, "rm-again", budget=1.0)
    assert "already runs 1 service and 1 task" in again.notices[1]
    assert guardrails.ledger(again).hourly() == pytest.approx(fargate_cost(0.25, 0.5, 3600, tasks=4).total)
    again.teardown()


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
    lab = connect(server, "rm-iam", budget=1.0)
    deploy(lab)
    lab.client("ecs").update_service(cluster=lab.id, service="web", desiredCount=4)
    lab.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs", ResourceId=f"service/{lab.id}/web", ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=1, MaxCapacity=4)
    connect(server, "rm-iam", budget=1.0)  # a reconnect describes what the lab already runs
    lab.teardown()
    lab.teardown()
    actions = {f"{IAM_PREFIX.get(service, service)}:{op}" for service, op in calls}
    assert {"ecs:CreateService", "ecs:DeleteService", "iam:DeleteRole", "sts:GetCallerIdentity"} <= actions
    allowed = {a for st in json.loads(POLICY.read_text())["Statement"] if st["Effect"] == "Allow"
               for a in ([st["Action"]] if isinstance(st["Action"], str) else st["Action"])}
    assert sorted(actions - allowed) == []


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
