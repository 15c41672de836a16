"""pyproject.toml and environment.yml (Binder) must agree on every runtime dependency."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")

ROOT = Path(__file__).resolve().parents[1]
# conda-forge names that differ from PyPI's.
CONDA_TO_PYPI = {"python-graphviz": "graphviz"}
CONDA_ONLY = {"python", "pip", "graphviz-binary"}


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return name.lower(), spec.replace(" ", "")


def pyproject_runtime() -> dict[str, str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return dict(_split(r) for r in data["project"]["dependencies"])


def conda_runtime() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = {}
    for item in env["dependencies"]:
        if not isinstance(item, str):
            continue
        name, spec = _split(item)
        if name == "graphviz" and not spec:
            continue  # the Graphviz program itself (dot), not the Python package
        if name in CONDA_ONLY:
            continue
        spec = re.sub(r"^=(?!=)", "==", spec)  # conda's `=5.2.5` is pip's `==5.2.5`
        deps[CONDA_TO_PYPI.get(name, name)] = spec
    return deps


def test_every_runtime_dependency_is_in_both_files_with_the_same_versions():
    assert pyproject_runtime() == conda_runtime()


def test_environment_installs_the_repository_copy_of_labkit():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_sections = [item["pip"] for item in env["dependencies"] if isinstance(item, dict) and "pip" in item]
    assert pip_sections == [["-e ."]]


def test_environment_ships_the_graphviz_program():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "graphviz" in env["dependencies"], "Binder needs conda-forge's graphviz for the dot program"


def test_moto_is_pinned_exactly_because_the_mock_layer_reaches_into_it():
    from labkit.mock.versions import MOTO_PINNED

    assert pyproject_runtime()["moto"] == f"=={MOTO_PINNED}"
