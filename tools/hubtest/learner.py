"""One learner on the hub: log in, start a server, follow the class's nbgitpuller link (the hub's redirect, the
server's OAuth with the hub, nbgitpuller's page, the pull it starts, the lesson it opens), open lesson 00, and run
its cells and a probe in a kernel of their own.

Pages go through a `Browser` (cookies, as a browser: JupyterHub accepts only its login cookie on its pages); the
REST and kernel websocket APIs take the learner's API token, as JupyterLab's own requests are authenticated."""

from __future__ import annotations

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import quote, unquote, urlencode, urljoin, urlsplit

from tools.hubtest import probes
from tools.hubtest.kernel import CellRun, KernelChannel


class LearnerFailed(Exception):
    """A step of a learner's path failed; the message says which and what the hub or server answered."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect comes back as an HTTPError with its Location, to be checked


_OPENER = urllib.request.build_opener(_NoRedirect)


def _events(response: Any) -> list[dict[str, Any]]:
    """The events of a text/event-stream answer (`data: {...}` lines), read until nbgitpuller's last one."""
    events = []
    for raw in response:
        line = raw.decode().strip()
        if line.startswith("data:"):
            events.append(json.loads(line[5:]))
            if events[-1].get("phase") in ("finished", "error"):
                break
    return events


class Browser:
    """A learner's browser: a cookie jar, redirects followed (except right after logging in)."""

    def __init__(self, base: str, timeout: float = 60) -> None:
        self.base, self.timeout = base, timeout
        jar = http.cookiejar.CookieJar()
        self.follow = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.stay = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect)

    def open(self, path: str, form: dict[str, str] | None = None, follow: bool = True) -> tuple[int, str, bytes]:
        """GET `path` (POST `form`); returns the status, the URL it ended at, and the page."""
        data = None if form is None else urlencode(form).encode()
        opener = self.follow if follow else self.stay
        try:
            with opener.open(urllib.request.Request(urljoin(self.base, path), data=data), timeout=self.timeout) as r:
                return r.status, r.url, r.read()
        except urllib.error.HTTPError as err:
            return err.code, err.url, err.read()

    def log_in(self, name: str) -> None:
        """The hub's login form (the test's dummy authenticator takes any password)."""
        _, _, page = self.open("/hub/login")
        xsrf = re.search(rb'name="_xsrf" value="([^"]+)"', page)
        status, _, _ = self.open("/hub/login", {"username": name, "password": "any", "_xsrf": xsrf and
                                                xsrf.group(1).decode() or ""}, follow=False)
        if status != 302:
            raise LearnerFailed(f"{name} could not log in: HTTP {status}")

    def stream(self, path: str) -> list[dict[str, Any]]:
        with self.follow.open(urljoin(self.base, path), timeout=self.timeout) as response:
            return _events(response)


@dataclass
class Http:
    """Requests to the hub's public address with one API token (`Authorization: token ...`)."""

    base: str
    token: str
    timeout: float = 60

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, dict[str, str], bytes]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(urljoin(self.base, path), data=data, method=method,
                                     headers={"Authorization": f"token {self.token}",
                                              "Content-Type": "application/json"})
        try:
            with _OPENER.open(req, timeout=self.timeout) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read()

    def json(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200, 201, 202, 204)) -> Any:
        status, _, data = self.request(method, path, body)
        if status not in ok:
            raise LearnerFailed(f"{method} {path} answered HTTP {status}: {data[:300]!r}")
        return json.loads(data) if data else None


@dataclass
class Learner:
    """A learner's run: their timings (seconds), the lesson's cells and the probe's answer."""

    name: str
    token: str
    timings: dict[str, float] = field(default_factory=dict)
    cells: list[CellRun] = field(default_factory=list)
    probe: dict[str, Any] = field(default_factory=dict)
    kernel_id: str = ""
    notebook: str = ""

    def _step(self, name: str, started: float) -> None:
        self.timings[name] = time.monotonic() - started

    def start_server(self, http: Http, timeout: float) -> None:
        """POST their server, then wait until the hub says it is ready."""
        started = time.monotonic()
        http.json("POST", f"/hub/api/users/{self.name}/server")
        while True:
            model = http.json("GET", f"/hub/api/users/{self.name}")
            server = model.get("servers", {}).get("", {})
            if server.get("ready"):
                break
            if time.monotonic() - started > timeout:
                raise LearnerFailed(f"{self.name}'s server was not ready after {timeout:.0f} s: {server}")
            if not server and model.get("pending") is None and time.monotonic() - started > 5:
                raise LearnerFailed(f"{self.name}'s server stopped while starting (see the hub's log)")
            time.sleep(0.5)
        self._step("server ready", started)

    def follow_link(self, browser: Browser, link: str) -> str:
        """Follow the class link as a browser does; returns the lesson page nbgitpuller sends the learner to."""
        started = time.monotonic()
        status, landed, page = browser.open(link)
        if status != 200 or not urlsplit(landed).path.startswith(f"/user/{self.name}/git-pull"):
            raise LearnerFailed(f"the class link did not lead to nbgitpuller on {self.name}'s server: HTTP {status} "
                                f"at {landed}: {page[:300]!r}")
        data = {k: unquote(unescape(v)) for k, v in re.findall(r'data-([a-z-]+)="([^"]*)"', page.decode())}
        # what nbgitpuller's page script does: start the pull, then go to the page the link names
        sync = {"_xsrf": data.get("xsrf", ""), "repo": data["repo"], "targetpath": data["targetpath"]}
        if "branch" in data:
            sync["branch"] = data["branch"]
        events = browser.stream(f"{data['base-url']}git-pull/api?{urlencode(sync)}")
        if not events or events[-1].get("phase") != "finished":
            raise LearnerFailed(f"nbgitpuller did not finish pulling: {events[-3:]}")
        self._step("course pulled", started)
        return data["base-url"] + data["path"]

    def open_lesson(self, browser: Browser, http: Http, lesson_page: str) -> dict[str, Any]:
        """The lesson's page in JupyterLab and the notebook behind it (as JupyterLab loads it)."""
        status, _, _ = browser.open(lesson_page)
        if status != 200:
            raise LearnerFailed(f"the lesson page {lesson_page} answered HTTP {status}")
        self.notebook = unquote(lesson_page.split("/lab/tree/", 1)[1])
        return http.json("GET", f"/user/{self.name}/api/contents/{quote(self.notebook)}?content=1")

    def run_lesson(self, http: Http, notebook: dict[str, Any], ws_base: str, timeout: float) -> None:
        """Start a kernel for the notebook (a session, as JupyterLab does), run its code cells, then the probe."""
        started = time.monotonic()
        session = http.json("POST", f"/user/{self.name}/api/sessions",
                            {"path": self.notebook, "type": "notebook", "name": "", "kernel": {"name": "python3"}})
        self.kernel_id = session["kernel"]["id"]
        cells = ["".join(c["source"]) for c in notebook["content"]["cells"] if c["cell_type"] == "code"]
        with self.channel(ws_base, timeout) as kernel:
            for code in cells:
                self.cells.append(kernel.execute(code))
                if not self.cells[-1].ok:
                    raise LearnerFailed(f"lesson cell failed for {self.name}: {self.cells[-1].error}\n{code}")
            probe = kernel.execute(probes.MOCK_LAB_AND_CHECK)
        if not probe.ok:
            raise LearnerFailed(f"the lab and check failed for {self.name}: {probe.error}")
        self.probe = probes.read(probe.stdout)
        self._step("lesson run", started)

    def channel(self, ws_base: str, timeout: float) -> KernelChannel:
        """The websocket of this learner's kernel."""
        return KernelChannel(f"{ws_base}/user/{self.name}/api/kernels/{self.kernel_id}/channels", self.token,
                             self.name, timeout)

    def run_probe(self, ws_base: str, code: str, timeout: float) -> dict[str, Any]:
        """Run one more probe in this learner's kernel and return what it printed."""
        with self.channel(ws_base, timeout) as kernel:
            run = kernel.execute(code)
        if not run.ok:
            raise LearnerFailed(f"a probe failed for {self.name}: {run.error}")
        return probes.read(run.stdout)


def walk_through(learner: Learner, base: str, link: str, timeout: float) -> Learner:
    """A learner's whole path, from logging in to the check's answer."""
    http, browser = Http(base, learner.token), Browser(base)
    ws_base = base.replace("http://", "ws://", 1)
    started = time.monotonic()
    browser.log_in(learner.name)
    learner.start_server(http, timeout)
    lesson_page = learner.follow_link(browser, link)
    notebook = learner.open_lesson(browser, http, lesson_page)
    learner.run_lesson(http, notebook, ws_base, timeout)
    learner.timings["total"] = time.monotonic() - started
    return learner
