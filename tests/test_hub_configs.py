"""The class set-ups in deploy/: the single-machine JupyterHub configuration loads and says what the README says,
the Zero to JupyterHub values use only keys of the chart's schema, both size a learner alike and open lesson 00
through nbgitpuller, and the image command builds from environment.yml with nbgitpuller added."""

from __future__ import annotations

import copy
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

from labkit.course.classroom import pull_path
from tools.hubtest import hub as hubtest

ROOT = Path(__file__).resolve().parents[1]
HUB_CONFIG = ROOT / "deploy" / "hub" / "jupyterhub_config.py"
VALUES = ROOT / "deploy" / "z2jh" / "values.yaml"
SCHEMA = ROOT / "tests" / "data" / "z2jh-values-schema.yaml"
README = (ROOT / "README.md").read_text(encoding="utf-8")
COURSE = "https://github.com/OWNER/fargate-lab-kit"


def load_hub_config(path: Path = HUB_CONFIG, **env: str) -> Any:
    """The config as JupyterHub loads it (traitlets' Python config loader), with `env` set while it runs."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return PyFileConfigLoader(path.name, path=str(path.parent)).load_config()
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    return yaml.safe_load(VALUES.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return yaml.safe_load(SCHEMA.read_text(encoding="utf-8"))


# --- the single machine -------------------------------------------------------------------------------------
def test_the_hub_authenticates_system_users_and_spawns_their_own_servers() -> None:
    c = load_hub_config()
    assert c.JupyterHub.authenticator_class == "pam" and c.JupyterHub.spawner_class == "localprocess"
    assert c.LocalAuthenticator.allowed_groups == {"learners"}
    assert c.Spawner.cmd == [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]
    assert c.Spawner.notebook_dir == "~"
    # 16 servers started at once took up to 39 s on 2 cores: JupyterHub's default of 30 s would fail them
    assert c.Spawner.http_timeout >= 60 and c.Spawner.start_timeout >= c.Spawner.http_timeout


def test_the_first_page_pulls_the_course_and_opens_lesson_00() -> None:
    assert load_hub_config().Spawner.default_url == pull_path(COURSE, branch="main")
    mine = load_hub_config(LABKIT_COURSE_REPO="https://git.example.edu/me/course.git", LABKIT_COURSE_BRANCH="fall")
    assert mine.Spawner.default_url == pull_path("https://git.example.edu/me/course.git", branch="fall")


def test_the_idle_culler_runs_as_a_hub_service_with_scopes_jupyterhub_knows() -> None:
    scopes = pytest.importorskip("jupyterhub.scopes", reason="JupyterHub comes with the hub extra (make test-hub)")
    c = load_hub_config()
    (service,) = c.JupyterHub.services
    assert service["command"][:3] == [sys.executable, "-m", "jupyterhub_idle_culler"]
    assert "--timeout=3600" in service["command"]
    (role,) = c.JupyterHub.load_roles
    assert role["services"] == [service["name"]]
    assert set(role["scopes"]) <= set(scopes.scope_definitions), role["scopes"]


def test_the_test_hub_changes_only_what_one_machine_needs(tmp_path: Path) -> None:
    hub = hubtest.Hub(tmp_path, proxy="/bin/true")
    hub.repo = "file:///tmp/course.git"
    c = load_hub_config(hub._write_config())
    assert (c.JupyterHub.authenticator_class, c.JupyterHub.spawner_class) == ("dummy", "simple")
    assert c.JupyterHub.bind_url.startswith("http://127.0.0.1:") and c.JupyterHub.hub_bind_url.startswith("http://127.0.0.1:")
    assert c.SimpleLocalProcessSpawner.home_dir_template == f"{tmp_path}/home/{{username}}"
    assert all(s["environment"][hubtest.procs.MARKER] == hub.run_id for s in c.JupyterHub.services)
    assert c.Spawner.environment == {"LABKIT_MODE": "mock", "LABKIT_FORK_KERNELS": "0",
                                     hubtest.procs.MARKER: hub.run_id}
    # what the class uses is the course's own configuration
    course = load_hub_config()
    for name in ("mem_limit", "cpu_limit", "mem_guarantee", "cpu_guarantee", "cmd", "http_timeout"):
        assert c.Spawner[name] == course.Spawner[name], name
    assert [s["command"] for s in c.JupyterHub.services if "command" in s] == [
        s["command"] for s in course.JupyterHub.services]


# --- Zero to JupyterHub --------------------------------------------------------------------------------------
def test_the_values_use_only_keys_of_the_charts_schema(values: dict[str, Any], schema: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(schema).validate(values)


def _paths(node: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if not isinstance(node, dict):
        return [prefix]
    return [p for key, sub in node.items() for p in _paths(sub, (*prefix, key))] or [prefix]


def test_the_schema_extract_describes_every_key_the_values_set(values: dict[str, Any],
                                                               schema: dict[str, Any]) -> None:
    """The extract keeps only names beside our keys: a key it has no schema for means it must be made again
    (python -m tools.z2jh_schema on the chart's values.schema.yaml)."""
    for path in _paths(values):
        node = schema
        for key in path:
            if node.get("additionalProperties") is True and key not in node.get("properties", {}):
                break  # a passthrough the chart documents (extraEnv: any variable)
            node = node["properties"][key]
            assert node, f"{'.'.join(path)}: the schema extract has no schema for {key}; regenerate it"


@pytest.mark.parametrize(("path", "value"), [
    (("singleuser", "memory", "limt"), "1G"),
    (("cull", "timout"), 60),
    (("singleuser", "cpu", "limit"), "one"),
    (("cull", "enabled"), "yes"),
])
def test_a_misspelt_key_or_a_wrong_type_is_refused(values: dict[str, Any], schema: dict[str, Any],
                                                   path: tuple[str, ...], value: Any) -> None:
    broken = copy.deepcopy(values)
    node = broken
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_the_values_set_image_sizes_culling_and_the_first_page(values: dict[str, Any]) -> None:
    user = values["singleuser"]
    assert set(user["image"]) == {"name", "tag"} and user["image"]["name"].endswith("/fargate-lab-kit")
    assert user["defaultUrl"] == pull_path(COURSE, branch="main")
    assert {"guarantee", "limit"} <= set(user["memory"]) and {"guarantee", "limit"} <= set(user["cpu"])
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] == 3600


def test_both_setups_size_a_learner_alike(values: dict[str, Any]) -> None:
    c, user = load_hub_config(), values["singleuser"]
    assert (c.Spawner.mem_guarantee, c.Spawner.mem_limit) == (user["memory"]["guarantee"], user["memory"]["limit"])
    assert (c.Spawner.cpu_guarantee, c.Spawner.cpu_limit) == (user["cpu"]["guarantee"], user["cpu"]["limit"])


# --- the learners' image ---------------------------------------------------------------------------------------
def _readme_image_command() -> list[str]:
    block = re.search(r"```bash\n(repo2docker .*?)```", README, flags=re.S)
    assert block, "README's 'Run a class' shows the repo2docker command that builds the learners' image"
    return [arg for arg in __import__("shlex").split(block.group(1).replace("\\\n", " ")) if arg]


def test_the_image_command_pins_nbgitpuller_as_the_hub_extra_does() -> None:
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in the standard library from Python 3.11")
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["hub"]
    (puller,) = [req for req in extra if req.startswith("nbgitpuller")]
    command = _readme_image_command()
    assert f'pip install --no-cache-dir "{puller}"' in command[command.index("--appendix") + 1]


def test_the_image_is_built_from_environment_yml_and_then_gets_nbgitpuller() -> None:
    r2d = shutil.which("repo2docker") or str(Path(sys.executable).with_name("repo2docker"))
    if not Path(r2d).exists():
        pytest.skip("repo2docker is in the test extra")
    argv = _readme_image_command()
    argv = [r2d, "--no-build", "--debug", *argv[1:-1], str(ROOT)]  # the README's options, this checkout
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    dockerfile = done.stdout + done.stderr
    environment = dockerfile.index('--file "environment.yml"')
    assert environment < dockerfile.index('pip install --no-cache-dir "nbgitpuller')


def test_both_setups_give_learners_the_same_environment(values: dict[str, Any]) -> None:
    # mock mode, and kernels started fresh rather than forked (about 80 MiB less per learner: make test-hub)
    assert values["singleuser"]["extraEnv"] == load_hub_config().Spawner.environment
    assert load_hub_config().Spawner.environment["LABKIT_FORK_KERNELS"] == "0"
