"""The course's single-machine JupyterHub (`deploy/hub/jupyterhub_config.py`) on 127.0.0.1, started for a test and
stopped with everything it started.

What a test on one machine changes, in a small config that loads the course's first: the dummy authenticator
and the simple spawner (every learner is this OS user, with a home of their own under the run's folder),
loopback ports, the run's own database, proxy and course repository (a bare repository of this one's HEAD,
reached by `file://`), an API token for the run, and the run's marker in every process's environment.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tools.hubtest import procs

ROOT = Path(__file__).resolve().parents[2]
HUB_CONFIG = ROOT / "deploy" / "hub" / "jupyterhub_config.py"
LOCAL_PROXY = ROOT / ".hub-node" / "node_modules" / ".bin" / "configurable-http-proxy"
COURSE_BRANCH = "course"

TEST_CONFIG = """# Written by tools.hubtest for one run: the course's hub, with what a test on one machine changes.
c = get_config()  # noqa: F821
load_subconfig({config!r})  # noqa: F821
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = {homes!r} + "/{{username}}"
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.pid_file = {pid_file!r}
c.JupyterHub.db_url = {db_url!r}
c.JupyterHub.cookie_secret_file = {cookie!r}
c.JupyterHub.services.append({{"name": "hubtest", "api_token": {token!r}}})
c.JupyterHub.load_roles.append({{"name": "hubtest", "scopes": ["admin:users", "admin:servers", "tokens"],
                                 "services": ["hubtest"]}})
for service in c.JupyterHub.services:
    service.setdefault("environment", {{}})[{marker!r}] = {run_id!r}
c.Spawner.environment = {{**c.Spawner.environment, {marker!r}: {run_id!r}}}
c.Spawner.args.extend({args!r})
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_proxy(given: str | None = None) -> str:
    """configurable-http-proxy: the one given, the one `make test-hub` installs with npm, else one on PATH."""
    for candidate in (given, str(LOCAL_PROXY), shutil.which("configurable-http-proxy")):
        if candidate and Path(candidate).exists():
            return candidate
    raise SystemExit("configurable-http-proxy is missing: `make test-hub` installs it with npm "
                     "(npm install --prefix .hub-node configurable-http-proxy), or give --proxy PATH.")


def course_repository(folder: Path) -> str:
    """A bare repository holding this repository's HEAD as branch `course`; its file:// URL."""
    bare = folder / "fargate-lab-kit.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(bare)], check=True)
    subprocess.run(["git", "-C", str(ROOT), "push", "--quiet", str(bare), f"HEAD:refs/heads/{COURSE_BRANCH}"],
                   check=True)
    return bare.as_uri()


class Hub:
    """A running hub: start() it, talk to its API, and stop() it (in a finally) with every process of the run."""

    def __init__(self, folder: Path, proxy: str) -> None:
        self.folder, self.proxy = folder, proxy
        self.run_id, self.token = secrets.token_hex(8), secrets.token_hex(32)
        self.port, self.process, self.proxy_pid = free_port(), None, 0
        self.log = folder / "jupyterhub.log"
        self.repo = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        path = self.folder / "jupyterhub_config.py"
        (self.folder / "home").mkdir()
        args = ["--ServerApp.allow_root=True"] if os.geteuid() == 0 else []  # Jupyter refuses root otherwise
        path.write_text(TEST_CONFIG.format(
            config=str(HUB_CONFIG), homes=str(self.folder / "home"), port=self.port, hub_port=free_port(),
            api_port=free_port(), proxy=self.proxy, pid_file=str(self.folder / "proxy.pid"),
            db_url=f"sqlite:///{self.folder / 'jupyterhub.sqlite'}", cookie=str(self.folder / "cookie_secret"),
            token=self.token, marker=procs.MARKER, run_id=self.run_id, args=args), encoding="utf-8")
        return path

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "JPY_"))}
        env.update({procs.MARKER: self.run_id, "LABKIT_COURSE_REPO": self.repo,
                    "LABKIT_COURSE_BRANCH": COURSE_BRANCH,
                    "PATH": os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])})
        return env

    def start(self, timeout: float = 90) -> None:
        """Start the hub (which starts the proxy and the idle culler) and wait until its API answers."""
        self.repo = course_repository(self.folder)
        config = self._write_config()
        hub = Path(sys.executable).with_name("jupyterhub")
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen([str(hub), "-f", str(config)], cwd=self.folder, env=self._environment(),
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the hub exited with status {self.process.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=5) as answer:  # noqa: S310
                    if answer.status == 200:
                        self.proxy_pid = int((self.folder / "proxy.pid").read_text().strip())
                        return
            except (urllib.error.URLError, OSError, ValueError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the hub did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def api(self, method: str, path: str, body: object = None) -> object:
        """The hub's REST API with the run's token (JSON in, JSON out)."""
        req = urllib.request.Request(f"{self.url}/hub/api{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=60) as answer:  # noqa: S310 - loopback
            data = answer.read()
        return json.loads(data) if data else None

    def add_learners(self, names: list[str]) -> dict[str, str]:
        """Create the learners (as an instructor adds a class) and an API token for each; name -> token."""
        self.api("POST", "/users", {"usernames": names})
        return {name: self.api("POST", f"/users/{name}/tokens", {"note": "hubtest", "expires_in": 3600})["token"]
                for name in names}

    def stop(self) -> list[str]:
        """Stop the hub (it stops the learners' servers and its proxy), then whatever of the run is left: its
        process group, the proxy by its PID, every process carrying the run's marker. Returns the processes
        still alive after all that (empty: nothing left)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        group = self.process.pid if self.process is not None else 0
        left = procs.stop_all(self.run_id, extra_pids=[self.proxy_pid], group=group)
        return left

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
