"""The `labkit` command: usage errors exit 2 with usage and no traceback; doctor reports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from labkit.cli import main


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labkit.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args", [["nonsense"], ["doctor", "--bogus"], []])
def test_bad_usage_prints_usage_and_exits_2_without_traceback(args):
    done = run(*args)
    assert done.returncode == 2
    assert "usage: labkit" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_doctor_json_lists_every_check():
    done = run("doctor", "--json")
    names = [c["name"] for c in json.loads(done.stdout)]
    for expected in ("Python", "labkit", "boto3", "moto", "JupyterLab", "ipywidgets", "Graphviz dot", "mode",
                     "AWS credentials"):
        assert expected in names
    assert done.returncode in (0, 1)


def test_lab_refuses_clearly_when_the_course_folder_is_missing(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr("labkit.cli.course_root", lambda: tmp_path)
    assert main(["lab", "--no-browser"]) == 1
    assert "00_start_here.ipynb not found" in capsys.readouterr().err
