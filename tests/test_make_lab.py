"""`make lab ARGS=--no-browser` starts a JupyterLab server that serves the first notebook, and the user's own
Jupyter settings in ARGS win over labkit's.

The tests run what `make lab` runs (`labkit lab`, extra options passed on to jupyter) on loopback with a random
token, a free port and Jupyter dirs of their own, fetch the first notebook over HTTP, and stop the server.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.helpers import stop_process_group

REPO = Path(__file__).resolve().parent.parent
FIRST = "notebooks/00_start_here.ipynb"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"token {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:]


def wait_until_serving(proc: subprocess.Popen, base: str, token: str, log: Path, timeout: float = 90) -> None:
    """Poll /api/status until the server answers; fail with its log if it exits or never answers."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"labkit lab exited with {proc.returncode}:\n{tail(log)}")
        try:
            if get(f"{base}/api/status", token)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    pytest.fail(f"labkit lab did not serve within {timeout:.0f} s:\n{tail(log)}")


def test_make_lab_passes_its_args_to_labkit_lab() -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    dry = subprocess.run(["make", "-n", "lab", "ARGS=--no-browser"], cwd=REPO, capture_output=True, text=True,
                         check=True)
    lines = dry.stdout.splitlines()
    assert any(line.rstrip().endswith("labkit lab --no-browser") for line in lines), dry.stdout


@contextmanager
def labkit_lab(tmp_path: Path, *options: str) -> Iterator[tuple[subprocess.Popen, Path]]:
    """`labkit lab OPTIONS` with Jupyter dirs of its own, stopped (its whole process group) on the way out."""
    env = dict(os.environ)
    for var, name in {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data",
                      "JUPYTER_RUNTIME_DIR": "runtime", "JUPYTERLAB_SETTINGS_DIR": "settings",
                      "JUPYTERLAB_WORKSPACES_DIR": "workspaces"}.items():
        (tmp_path / name).mkdir()
        env[var] = str(tmp_path / name)
    env.pop("JUPYTER_TOKEN", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    log = tmp_path / "lab.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "labkit.cli", "lab", *options], cwd=tmp_path, env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        yield proc, log
    finally:
        stop_process_group(proc, signal.SIGTERM, timeout=15)


@pytest.mark.skipif(not (REPO / FIRST).exists(), reason=f"{FIRST} is not written yet")
def test_labkit_lab_serves_the_first_notebook(tmp_path: Path) -> None:
    token, port = secrets.token_hex(24), free_port()
    options = ["--no-browser", f"--ServerApp.token={token}", f"--ServerApp.port={port}", "--ServerApp.port_retries=0"]
    with labkit_lab(tmp_path, *options) as (proc, log):
        base = f"http://127.0.0.1:{port}"
        wait_until_serving(proc, base, token, log)

        status, body = get(f"{base}/api/contents/{FIRST}", token)
        assert status == 200, body[:500]
        model = json.loads(body)
        assert model["type"] == "notebook" and model["path"] == FIRST
        on_disk = json.loads((REPO / FIRST).read_text(encoding="utf-8"))
        assert len(model["content"]["cells"]) == len(on_disk["cells"])
        assert model["content"]["cells"][0]["source"] == "".join(on_disk["cells"][0]["source"])

        assert get(f"{base}/api/contents/{FIRST}")[0] == 403, "without the token the server must refuse"


@pytest.mark.skipif(not (REPO / FIRST).exists(), reason=f"{FIRST} is not written yet")
def test_the_users_jupyter_settings_win_over_labkits(tmp_path: Path) -> None:
    """`make lab ARGS="--ServerApp.ip ..."`: Jupyter used to refuse ("ip only accepts one value") and exit."""
    token, port = secrets.token_hex(24), free_port()
    folder = REPO / "notebooks"
    options = ["--no-browser", "--ServerApp.ip", "localhost", f"--ServerApp.root_dir={folder}", "--port", str(port),
               "--ServerApp.port_retries=0", f"--ServerApp.token={token}"]
    with labkit_lab(tmp_path, *options) as (proc, log):
        wait_until_serving(proc, f"http://127.0.0.1:{port}", token, log)
        assert f"http://localhost:{port}/" in tail(log), "the user's ip is the one Jupyter serves on"
        first = Path(FIRST).relative_to("notebooks").as_posix()
        assert get(f"http://127.0.0.1:{port}/api/contents/{first}", token)[0] == 200, "the user's root folder"
