"""The `labkit` command: one module per subcommand, usage errors exit 2 with usage and no traceback, doctor
reports."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from labkit import cli
from labkit.cli import exit_codes, main

PACKAGE = Path(cli.__file__).resolve().parent


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "labkit.cli", *args], capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("args", [["nonsense"], ["doctor", "--bogus"], []])
def test_bad_usage_prints_usage_and_exits_2_without_traceback(args):
    done = run(*args)
    assert done.returncode == 2
    assert "usage: labkit" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_every_subcommand_is_a_module_of_its_own_name():
    """A command's module is its name, with `_` where the command has `-` (class-link lives in class_link.py)."""
    commands = [module.__name__.rpartition(".")[2].replace("_", "-") for module in cli.SUBCOMMANDS]
    assert commands == ["doctor", "price", "validate", "diagrams", "grade", "classroom", "student", "class-link",
                        "server", "teardown", "preload", "lab"]
    for module in cli.SUBCOMMANDS:
        assert callable(module.add_parser) and callable(module.run), module.__name__
    helps = cli.build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert list(helps) == commands


@pytest.mark.parametrize("command", ["doctor", "price", "validate", "diagrams", "grade", "classroom", "student",
                                     "class-link",
                                     "server", "teardown", "lab"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == exit_codes.EXIT_OK
    assert capsys.readouterr().out.startswith(f"usage: labkit {command}")


def test_exit_codes_are_defined_once():
    assignments = {path.name for path in PACKAGE.glob("*.py")
                   if re.search(r"^EXIT_\w+\s*[,=]", path.read_text(encoding="utf-8"), re.MULTILINE)}
    assert assignments == {"exit_codes.py"}
    assert (exit_codes.EXIT_OK, exit_codes.EXIT_PROBLEM, exit_codes.EXIT_USAGE) == (0, 1, 2)


def test_doctor_json_lists_every_check():
    done = run("doctor", "--json")
    names = [c["name"] for c in json.loads(done.stdout)]
    for expected in ("Python", "labkit", "boto3", "moto", "JupyterLab", "ipywidgets", "Graphviz dot", "mode",
                     "AWS credentials"):
        assert expected in names
    assert done.returncode in (0, 1)
