"""`labkit validate`: each problem with AWS's words, --json, standard input, exit codes 0/1/2, no tracebacks."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

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
