"""`labkit teardown` (by tag, dry run, --all, exit codes, no tracebacks), `labkit server` (loopback only, what it
prints, a port in use, Ctrl-C) and the README's real-mode cost table (equal to what labkit.pricing computes)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import labkit
from labkit import deploy
from labkit.cli import ops as cli_ops
from labkit.course.lessons import LESSONS, lesson_costs
from labkit.pricing import fargate_cost
from tests.helpers import run_cli as run

ROOT = Path(__file__).resolve().parent.parent


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


# --- teardown ----------------------------------------------------------------------------------------------------
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


# --- server ------------------------------------------------------------------------------------------------------
def _listening_addresses(port: int) -> set[str]:
    """Local addresses listening on `port`, from /proc/net/tcp (hex IPv4, little-endian)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":  # LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads listening sockets from Linux's /proc")
def test_server_listens_on_loopback_only_refuses_a_taken_port_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LABKIT_STATE_DIR": str(tmp_path)}
    first = subprocess.Popen([sys.executable, "-m", "labkit.cli", "server", "--port", "0"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert first.stdout is not None
        banner = [first.stdout.readline() for _ in range(cli_ops.server_banner("x").count("\n") + 1)]
        url = re.search(r"http://127\.0\.0\.1:(\d+)", banner[0])
        assert url, banner
        port = int(url.group(1))
        assert "".join(banner).rstrip("\n") == cli_ops.server_banner(url.group(0))
        assert _listening_addresses(port) == {"127.0.0.1"}

        second = subprocess.run([sys.executable, "-m", "labkit.cli", "server", "--port", str(port)], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "Traceback" not in second.stderr
        assert f"port {port} on 127.0.0.1 is already in use" in second.stderr
        free = int(re.search(r"labkit server --port (\d+)", second.stderr).group(1))  # type: ignore[union-attr]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", free))  # the port it proposes is free
    finally:
        os.killpg(first.pid, signal.SIGINT)
        out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert "Traceback" not in err and out.rstrip().endswith("labkit server: stopped.")


def test_server_banner_gives_the_cli_settings_and_how_to_share_a_lab() -> None:
    text = cli_ops.server_banner("http://127.0.0.1:5055")
    assert "export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1" in text
    assert "aws --endpoint-url http://127.0.0.1:5055 ecs list-clusters" in text
    assert 'labkit.connect(mode="local", endpoint_url="http://127.0.0.1:5055", shared_account=True)' in text


def test_server_refuses_a_port_that_is_not_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "server", "--port", "70000")
    assert code == 2 and "is not a port" in err


# --- the README's real-mode cost table -------------------------------------------------------------------------
def readme_table() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split("<!-- lesson-costs:begin -->\n", 1)[1].split("\n<!-- lesson-costs:end -->", 1)[0]


def test_the_readme_cost_table_is_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_ops.main(["lesson-costs"]) == 0
    assert capsys.readouterr().out.strip() == readme_table().strip()


def test_each_lessons_figure_is_its_runs_priced_by_labkit_pricing() -> None:
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([^`]+)` \|.*\| (\$[\d.]+) \|$", readme_table(),
                                                         re.MULTILINE)}
    assert list(rows) == [lesson.name for lesson in LESSONS]
    for lesson in LESSONS:
        expected = sum(fargate_cost(r.vcpu, r.memory_gb, r.minutes * 60, tasks=r.tasks).total for r in lesson.runs)
        assert rows[lesson.name] == (f"${expected:.4f}" if lesson.runs else "$0"), lesson.name
    total = re.search(r"\*\*all lessons\*\* \| \| \*\*\$([\d.]+)\*\*", readme_table())
    assert total and float(total.group(1)) == pytest.approx(sum(c.total for c in lesson_costs()), abs=5e-5)


def test_lesson_costs_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_ops.main([]) == 2
    assert "lesson-costs" in capsys.readouterr().err
