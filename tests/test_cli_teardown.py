"""`labkit teardown`: by tag, dry run, --all, exit codes, and no tracebacks."""

from __future__ import annotations

import json
from typing import Any

import pytest

import labkit
from labkit import deploy
from tests.helpers import run_cli as run


@pytest.fixture
def fake_aws(no_aws: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def shared_lab(fake_aws: None) -> Any:
    """A mock lab in moto's default account: the one a `labkit teardown` in this process acts in."""
    lab = labkit.connect("mock", shared_account=True, lab_id="cliops")
    yield lab
    lab.teardown()


def build(lab: Any) -> None:
    network = deploy.ensure_network(lab)
    td = deploy.register_task(lab, "cliops-web", deploy.push_image(lab, "cliops-web"), cpu=256, memory=512)
    cluster = deploy.ensure_cluster(lab, "cliops")
    deploy.deploy_service(lab, cluster, "web", td, desired_count=2, network=network)


@pytest.mark.parametrize("argv", [["teardown"], ["teardown", "--lab", "a", "--all"], ["teardown", "--lab"]])
def test_teardown_needs_exactly_one_of_lab_or_all(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == "" and "--lab" in err and "Traceback" not in err


@pytest.mark.parametrize("lab_id", ["Not-An-Id", "all", "a b"])
def test_teardown_refuses_a_lab_id_that_cannot_be_a_tag(capsys: pytest.CaptureFixture[str], lab_id: str) -> None:
    code, _, err = run(capsys, "teardown", "--lab", lab_id)
    assert code == 2 and f"--lab {lab_id!r} is not a lab id" in err


def test_teardown_without_credentials_says_what_to_do(capsys: pytest.CaptureFixture[str], no_aws: None) -> None:
    code, out, err = run(capsys, "teardown", "--lab", "abc")
    assert code == 1 and out == ""
    assert "no AWS credentials found" in err and "aws configure" in err and "Nothing was removed" in err
    assert "Traceback" not in err


def test_teardown_dry_run_lists_then_removes_then_has_nothing_left(capsys: pytest.CaptureFixture[str],
                                                                   shared_lab: Any) -> None:
    build(shared_lab)
    code, out, _ = run(capsys, "teardown", "--lab", "cliops", "--dry-run")
    assert code == 0
    assert out.splitlines()[0] == "Account ********9012, region us-east-1: lab cliops."
    assert "Would remove: 1 service, 2 tasks, 1 cluster" in out
    assert "  service: cliops/web" in out and "  log group: /ecs/cliops-web" in out
    assert "Nothing was removed (dry run)" in out
    assert shared_lab.client("ecs").describe_services(cluster="cliops", services=["web"])["services"][0][
        "status"] == "ACTIVE"

    code, out, _ = run(capsys, "teardown", "--lab", "cliops")
    assert code == 0 and "Removed: 1 service, 2 tasks, 1 cluster" in out and "role" in out
    code, out, _ = run(capsys, "teardown", "--lab", "cliops", "--json")
    data = json.loads(out)
    assert code == 0 and data["removed"] == [] and data["problems"] == [] and data["account"] == "********9012"


def test_teardown_all_takes_every_lab_of_the_course_and_nothing_else(capsys: pytest.CaptureFixture[str],
                                                                     shared_lab: Any) -> None:
    logs = shared_lab.client("logs")
    logs.create_log_group(logGroupName="/cliops/ours")
    other = labkit.connect("mock", shared_account=True, lab_id="cliops-two")
    other.client("logs").create_log_group(logGroupName="/cliops/theirs")
    import boto3

    boto3.client("logs", region_name="us-east-1").create_log_group(logGroupName="/not-labkit")  # untagged
    code, out, _ = run(capsys, "teardown", "--all")
    assert code == 0 and "every labkit lab" in out and "Removed: 2 log groups." in out
    names = [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]]
    assert "/not-labkit" in names and "/cliops/ours" not in names and "/cliops/theirs" not in names
    logs.delete_log_group(logGroupName="/not-labkit")
