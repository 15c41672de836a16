"""`labkit price` and `labkit validate`: output, --json, exit codes 0/1/2, and no tracebacks."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from labkit.data import facts
from labkit.pricing import fargate_cost
from tests.helpers import run_cli as run

GOOD = {
    "family": "web",
    "requiresCompatibilities": ["FARGATE"],
    "networkMode": "awsvpc",
    "cpu": "256",
    "memory": "512",
    "containerDefinitions": [{"name": "web", "image": "nginx"}],
}
BAD = dict(GOOD, networkMode="bridge", memory="8192")


def write(tmp_path: Path, data: Any, name: str = "td.json") -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


# ---------------------------------------------------------------- price


def test_price_prints_the_breakdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "price", "--cpu", "1", "--memory", "2", "--hours", "730")
    assert code == 0 and err == ""
    assert out.strip() == str(fargate_cost(1, 2, 730 * 3600))
    assert "total" in out and "add up to the total" in out


def test_price_defaults_to_a_month(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "price", "--cpu", "1", "--memory", "2")
    assert out.strip() == str(fargate_cost(1, 2, facts()["billing"]["hours_per_month"] * 3600))


def test_price_options_reach_the_cost(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "price",
        "--cpu",
        "2",
        "--memory",
        "4",
        "--seconds",
        "90",
        "--tasks",
        "3",
        "--arch",
        "ARM64",
        "--region",
        "eu-west-2",
        "--storage",
        "50",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    expected = fargate_cost(2, 4, 90, tasks=3, arch="ARM64", region="eu-west-2", ephemeral_gb=50)
    assert data["total"] == pytest.approx(expected.total)
    assert data["inputs"]["arch"] == "ARM64" and data["caveats"]


def test_price_json_windows_and_savings_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "price", "--cpu", "1", "--memory", "2", "--os", "WINDOWS", "--savings-plan", "10", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["os_license"] > 0 and data["savings_plan_discount"] > 0


def test_price_spot(capsys: pytest.CaptureFixture[str]) -> None:
    _, spot, _ = run(capsys, "price", "--cpu", "1", "--memory", "2", "--spot", "--json")
    _, on_demand, _ = run(capsys, "price", "--cpu", "1", "--memory", "2", "--json")
    assert json.loads(spot)["total"] < json.loads(on_demand)["total"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--cpu", "1", "--memory", "2", "--os", "WINDOWS", "--spot"],
        ["--cpu", "0", "--memory", "2"],
        ["--cpu", "nan", "--memory", "2"],
        ["--cpu", "1", "--memory", "2", "--region", "mars-1"],
        ["--cpu", "1", "--memory", "2", "--savings-plan", "90"],
        ["--cpu", "1", "--memory", "2", "--hours", "1", "--seconds", "1"],
        ["--cpu", "1", "--memory", "2", "--platform", "EKS", "--spot"],
    ],
)
def test_price_bad_input_is_a_usage_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, "price", *argv)
    assert code == 2 and out == ""
    assert err.startswith("labkit price: ") and "Traceback" not in err


@pytest.mark.parametrize(
    "argv", [["--cpu", "x", "--memory", "2"], ["--memory", "2"], ["--cpu", "1", "--memory", "2", "--bogus"]]
)
def test_price_bad_options_give_usage_without_traceback(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, _, err = run(capsys, "price", *argv)
    assert code == 2 and "usage: labkit" in err and "Traceback" not in err


# ---------------------------------------------------------------- validate


def test_validate_accepts_a_good_task_definition(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "validate", write(tmp_path, GOOD))
    assert (code, out.strip(), err) == (0, "Fargate would accept this task definition.", "")


def test_validate_reports_each_problem_and_exits_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "validate", write(tmp_path, BAD))
    assert code == 1
    assert "Fargate would refuse this task definition (2 problems):" in out
    assert "Fargate only supports network mode \u2018awsvpc\u2019." in out
    assert "memory 8192 MiB is not valid with 256 CPU units" in out  # the hint


def test_validate_reads_describe_task_definition_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, _ = run(capsys, "validate", write(tmp_path, {"taskDefinition": BAD, "tags": []}))
    assert code == 1
    code, _, _ = run(capsys, "validate", write(tmp_path, {"taskDefinition": GOOD}))
    assert code == 0


def test_validate_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "validate", write(tmp_path, BAD), "--json")
    data = json.loads(out)
    assert code == 1 and data["accepted"] is False
    assert {p["rule"] for p in data["problems"]} == {"network-mode", "invalid-size"}
    assert {"rule", "code", "message", "hint", "field"} <= data["problems"][0].keys()
    code, out, _ = run(capsys, "validate", write(tmp_path, GOOD), "--json")
    assert code == 0 and json.loads(out) == {"accepted": True, "problems": []}


def test_validate_ec2_launch_type(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ec2_only = dict(BAD, requiresCompatibilities=["EC2"])
    code, _, _ = run(capsys, "validate", write(tmp_path, ec2_only), "--launch-type", "EC2")
    assert code == 0


def test_validate_reads_standard_input(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(BAD)))
    code, _, _ = run(capsys, "validate", "-")
    assert code == 1


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (None, "no such file"),
        ("{not json", "is not valid JSON"),
        ("", "is not valid JSON"),
        ("[1, 2]", "must be a dict"),
        ('{"containerDefinitions": "web"}', "containerDefinitions"),
        (b"\xff\xfe\x00", "cannot be read"),
    ],
)
def test_validate_unreadable_input_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: Any, match: str
) -> None:
    path = tmp_path / "td.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2 and out == ""
    assert err.startswith("labkit validate: ") and match in err and "Traceback" not in err


def test_validate_a_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "validate", str(tmp_path))
    assert code == 2 and "directory" in err


def test_validate_without_a_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate")
    assert code == 2 and "usage: labkit validate" in err
