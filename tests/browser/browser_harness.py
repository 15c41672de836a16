"""Drive the course in a real browser: JupyterLab on loopback, headless Debian Chromium through Playwright.

Plain functions with no pytest in them, so the browser test, its own test and `make bench` share them.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SETTINGS = HERE / "jupyter_settings"
OUTPUT = HERE / "output"  # screenshots, one per lesson (gitignored)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# The window a learner is likely to have: a 1400-px laptop screen with JupyterLab's file browser open. Every
# diagram must fit the notebook's output area there.
WINDOW = {"width": 1400, "height": 900}
SKIP_LINE = ("browser test skipped: Debian's chromium not found; run `make test-browser` as root "
             "or `apt-get install chromium`")

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
SVG_MIME = "image/svg+xml"
# A cell calling a widget factory (`labkit.widgets.pricing_explorer()`, `widgets.IntSlider()`, or labkit's
# factories imported by name) shows a widget.
WIDGET_CALL = re.compile(r"\bwidgets\.\w+\s*\(|\b(pricing_explorer|task_size_picker|quiz)\s*\(")
PRICING_CALL = re.compile(r"\bpricing_explorer\s*\(")
# A quiz given its answer in the cell (`quiz("id", "B")`) shows its verdict already; it is not clicked.
ANSWERED_QUIZ = re.compile(r"\bquiz\s*\(\s*[^,()]+,")


def chromium_path() -> str | None:
    """Debian's chromium, which Playwright drives through `executable_path` (no browser download)."""
    return shutil.which("chromium")


# ---------------------------------------------------------------- what a lesson should show


@dataclass(frozen=True)
class Expectations:
    """What a lesson must show once run, read from the notebook itself so new lessons need no test edits."""

    code_cells: tuple[int, ...]
    widget_cells: tuple[int, ...]
    svg_cells: tuple[int, ...]
    pricing_cells: tuple[int, ...]
    answered_cells: tuple[int, ...]
    has_kernelspec: bool


def expectations(notebook: Path) -> Expectations:
    """Cells (index among all cells) that must run, show a widget, an SVG diagram, or the pricing explorer."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    code, widget, svg, pricing, answered = [], [], [], [], []
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        code.append(i)
        source = "".join(cell.get("source", ""))
        mimes = {m for out in cell.get("outputs", []) for m in out.get("data", {})}
        if WIDGET_MIME in mimes or WIDGET_CALL.search(source):
            widget.append(i)
        if PRICING_CALL.search(source):
            pricing.append(i)
        if ANSWERED_QUIZ.search(source):
            answered.append(i)
        if SVG_MIME in mimes:
            svg.append(i)
    return Expectations(tuple(code), tuple(widget), tuple(svg), tuple(pricing), tuple(answered),
                        bool(nb.get("metadata", {}).get("kernelspec")))


# ---------------------------------------------------------------- the JupyterLab server


def isolated_env(base: Path, extra_pythonpath: Path | None = REPO) -> dict[str, str]:
    """Environment with Jupyter's config, data, runtime and settings dirs under `base`, never the user's."""
    env = dict(os.environ)
    dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
            "JUPYTERLAB_SETTINGS_DIR": "settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
            "IPYTHONDIR": "ipython"}
    for var, name in dirs.items():
        (base / name).mkdir(parents=True, exist_ok=True)
        env[var] = str(base / name)
    shutil.copytree(SETTINGS, base / "settings", dirs_exist_ok=True)
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["LABKIT_MODE"] = "mock"
    env.pop("JUPYTER_PATH", None)
    env.pop("JUPYTER_TOKEN", None)
    if extra_pythonpath is not None:  # the kernel imports the labkit of this checkout
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(extra_pythonpath), env.get("PYTHONPATH")]))
    return env


@dataclass
class LabServer:
    """A running JupyterLab: where it listens, its token, and how to stop it and its kernels."""

    proc: subprocess.Popen
    url: str
    token: str
    runtime_dir: Path
    log_path: Path

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API with the token; JSON in, JSON out (None for an empty answer)."""
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def page_url(self, rel_path: str) -> str:
        """The address that opens `rel_path` in JupyterLab with a fresh layout (no tabs restored)."""
        return f"{self.url}/lab/tree/{rel_path}?reset&token={self.token}"

    def shutdown_kernels(self) -> None:
        """Close every session and kernel, so the next lesson starts clean."""
        for kind in ("sessions", "kernels"):
            for item in self.api("GET", f"/api/{kind}"):
                try:
                    self.api("DELETE", f"/api/{kind}/{item['id']}")
                except urllib.error.HTTPError as err:
                    if err.code != 404:  # 404: it went away meanwhile, which is what we want
                        raise


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _pids_mentioning(text: str) -> list[int]:
    """Processes whose command line names `text` (our isolated runtime dir): kernels our server started."""
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text in cmdline and int(entry.name) != os.getpid():
            pids.append(int(entry.name))
    return pids


def stop_process_group(proc: subprocess.Popen, grace: float = 10) -> None:
    """SIGTERM the process group started with `start_new_session=True`, then SIGKILL what is left."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait(timeout=grace)


@contextmanager
def lab_server(root_dir: Path, base: Path, *, timeout: float = 60,
               pythonpath: Path = REPO) -> Iterator[LabServer]:
    """Start JupyterLab on 127.0.0.1 (free port, random token, isolated dirs); stop it and its kernels."""
    env = isolated_env(base, pythonpath)
    token = secrets.token_hex(24)
    argv = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
            "--ServerApp.port=0", f"--ServerApp.token={token}", f"--ServerApp.root_dir={root_dir}",
            "--ServerApp.port_retries=0",
            # Checkpoints (made when a notebook opens) go to the scratch dir, not beside the lessons.
            f"--FileCheckpoints.checkpoint_dir={base / 'checkpoints'}"]
    if _is_root():
        argv.append("--allow-root")
    runtime = Path(env["JUPYTER_RUNTIME_DIR"])
    log_path = base / "jupyterlab.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(argv, env=env, cwd=root_dir, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    server = None
    try:
        url = _wait_for_server(proc, runtime, token, log_path, timeout)
        server = LabServer(proc, url, token, runtime, log_path)
        yield server
    finally:
        if server is not None and proc.poll() is None:
            try:
                server.shutdown_kernels()
            except (OSError, urllib.error.URLError):
                pass
        stop_process_group(proc)
        for pid in _pids_mentioning(str(runtime)):  # kernels live in their own sessions
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _wait_for_server(proc: subprocess.Popen, runtime: Path, token: str, log_path: Path,
                     timeout: float) -> str:
    """Wait until the server answers /api/status with our token; return its base URL."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {proc.returncode}:\n"
                               + log_path.read_text(errors="replace")[-3000:])
        for info_file in runtime.glob("jpserver-*.json"):
            try:
                info = json.loads(info_file.read_text())
            except (OSError, ValueError):
                continue
            url = f"http://127.0.0.1:{info['port']}"
            try:
                req = urllib.request.Request(f"{url}/api/status", headers={"Authorization": f"token {token}"})
                with urllib.request.urlopen(req, timeout=5):
                    return url
            except (OSError, urllib.error.URLError):
                pass
        time.sleep(0.1)
    raise TimeoutError(f"JupyterLab did not answer within {timeout:.0f} s:\n"
                       + log_path.read_text(errors="replace")[-3000:])


# ---------------------------------------------------------------- the browser


@contextmanager
def chromium() -> Iterator[Any]:
    """One headless Chromium for a whole session, as one browser context (pages share its HTTP cache and the
    token cookie, so each lesson loads JupyterLab from cache); closed whatever happens."""
    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if path is None:
        raise RuntimeError(SKIP_LINE)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(viewport=WINDOW)
        finally:
            browser.close()


# ---------------------------------------------------------------- one lesson, checked


@dataclass
class LessonReport:
    """What happened to one lesson in the browser; `failures` empty means it passed every check."""

    lesson: str
    failures: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    screenshot: Path | None = None

    def __str__(self) -> str:
        verdict = "ok" if not self.failures else f"{len(self.failures)} problem(s)"
        took = ", ".join(f"{k} {v:.1f} s" for k, v in self.phases.items())
        lines = [f"{self.lesson}: {verdict} ({took})"]
        lines += [f"  - {f}" for f in self.failures]
        if self.screenshot:
            lines.append(f"  screenshot: {self.screenshot}")
        return "\n".join(lines)


# Browser-side helpers. Cells are taken in page order, which is notebook order (windowingMode "none").
_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
_JS_STATE = """() => {
  const cells = Array.from(document.querySelectorAll('PANEL .jp-Cell'));
  const broken = o => /Error displaying widget|Loading widget/.test(o.innerText);
  const isWidget = o => o.querySelector('.jupyter-widgets') !== null || broken(o);
  return cells.map(c => {
    const outputs = Array.from(c.querySelectorAll('.jp-OutputArea-output'));
    return {
      code: c.classList.contains('jp-CodeCell'),
      prompt: (c.querySelector('.jp-InputArea-prompt') || {}).textContent || '',
      errors: outputs.filter(o => o.dataset.mimeType === 'application/vnd.jupyter.stderr')
        .map(o => o.innerText.slice(0, 2000)),
      widgets: outputs.filter(isWidget).map(o => ({
        text: o.innerText.slice(0, 500),
        rendered: o.querySelector('.jupyter-widgets') !== null && !broken(o),
      })),
      svgs: Array.from(c.querySelectorAll('.jp-RenderedSVG img, .labkit-diagram img')).map(i => {
        const area = i.closest('.jp-OutputArea-output').getBoundingClientRect(), box = i.getBoundingClientRect();
        return {complete: i.complete, width: i.naturalWidth, shown: Math.round(box.width),
                area: Math.round(area.width), overflow: Math.round(Math.max(box.right - area.right, 0))};
      }),
    };
  });
}""".replace("PANEL", _PANEL)
_JS_DONE = """() => {
  const prompts = Array.from(document.querySelectorAll('PANEL .jp-CodeCell .jp-InputArea-prompt'))
      .map(p => p.textContent.trim());
  const ran = p => /^\\[\\d+\\]:$/.test(p);
  if (prompts.length === 0 || prompts.some(p => p.includes('*'))) return false;
  if (prompts.every(ran)) return true;
  // Run All stops at an error: done once nothing is queued and an error is shown.
  return prompts.some(ran) && document.querySelector(
      'PANEL .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]') !== null;
}""".replace("PANEL", _PANEL)
_JS_CLEARED = """() => {
  const prompts = Array.from(document.querySelectorAll('PANEL .jp-CodeCell .jp-InputArea-prompt'));
  return prompts.length > 0 && prompts.every(p => p.textContent.trim() === '[ ]:')
      && document.querySelector('PANEL .jp-OutputArea-output') === null;
}""".replace("PANEL", _PANEL)
_JS_IDLE = """() => {
  const bar = document.querySelector('#jp-main-statusbar');
  return bar !== null && /\\|\\s*Idle/.test(bar.textContent);
}"""
# A cell's output text without slider readouts: what the kernel shows in answer to the widgets.
_JS_ANSWER_TEXT = """i => {
  const cell = document.querySelectorAll('PANEL .jp-Cell')[i];
  const area = cell.querySelector('.jp-OutputArea').cloneNode(true);
  area.querySelectorAll('.widget-readout, .jp-OutputArea-prompt').forEach(e => e.remove());
  return area.textContent;
}""".replace("PANEL", _PANEL)

class LabPage:
    """One JupyterLab page for lesson after lesson, as a learner works: the first lesson is opened by its
    address, the next ones from File > Open from Path..., each closed with File > Close and Shut Down
    Notebook. Saves loading JupyterLab again per lesson; after anything unexpected the page is dropped and
    the next lesson starts on a fresh one."""

    def __init__(self, browser: Any, server: LabServer) -> None:
        self.browser, self.server = browser, server
        self.page: Any = None
        self.console_errors: list[str] = []

    def _new_page(self) -> Any:
        page = self.browser.new_page()
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(msg.text))
        page.on("pageerror", lambda err: self.console_errors.append(f"uncaught: {err}"))
        return page

    def open(self, rel_path: str, timeout: float = 60) -> Any:
        """Show the notebook `rel_path` with its kernel idle; returns the page."""
        if self.page is None:
            self.page = self._new_page()
            self.page.goto(self.server.page_url(rel_path))
        else:
            menu(self.page, "File", "Open from Path…")
            self.page.locator(".jp-Dialog input").fill(rel_path)
            self.page.locator(".jp-Dialog .jp-mod-accept").click()
        page = self.page
        page.wait_for_selector(f"{_PANEL} .jp-Cell", timeout=timeout * 1000)
        show_file_browser(page)
        dialog = page.locator(".jp-Dialog .jp-mod-accept")  # "Select Kernel" when kernelspec is missing
        page.wait_for_function(f"() => document.querySelector('.jp-Dialog') !== null || ({_JS_IDLE})()",
                               timeout=timeout * 1000)
        if dialog.count():
            dialog.click()
        page.wait_for_function(_JS_IDLE, timeout=timeout * 1000)
        return page

    def close_notebook(self) -> None:
        """Close the notebook and shut its kernel down through the menu (kernels closed by API as well)."""
        try:
            if self.page is not None:
                self.page.keyboard.press("Escape")
                menu(self.page, "File", "Close and Shut Down Notebook…")
                self.page.locator(".jp-Dialog .jp-mod-accept").click()
                self.page.wait_for_function("() => !document.querySelector('.jp-NotebookPanel')",
                                            timeout=30_000)
        except Exception:
            self.drop()
            raise
        finally:
            self.server.shutdown_kernels()

    def drop(self) -> None:
        """Close the page (the next lesson gets a fresh one)."""
        if self.page is not None:
            page, self.page = self.page, None
            page.close()

    def close(self) -> None:
        self.drop()
        self.server.shutdown_kernels()


def show_file_browser(page: Any) -> None:
    """Open JupyterLab's file browser in the left side bar, as it is when a learner starts: the lesson then gets
    the width that is left beside it."""
    tab = page.locator('.jp-SideBar.jp-mod-left .lm-TabBar-tab[data-id="filebrowser"]')
    if "lm-mod-current" not in (tab.get_attribute("class") or ""):
        tab.click()
    page.wait_for_selector(".jp-FileBrowser:not(.lm-mod-hidden)", state="visible")


def menu(page: Any, top: str, item: str) -> None:
    """Choose `item` from the menu bar's `top` menu, as a learner clicks it."""
    page.locator(".lm-MenuBar-item", has_text=re.compile(f"^{re.escape(top)}$")).click()
    label = page.locator(".lm-Menu-itemLabel", has_text=re.compile(f"^{re.escape(item)}$"))
    page.locator(".lm-Menu-item", has=label).click()


def check_lesson(lab: LabPage, rel_path: str, notebook: Path, *, screenshot: Path | None = None,
                 timeout: float = 180) -> LessonReport:
    """Open a lesson, run all cells through the UI, report each way it falls short, then close it."""
    expect = expectations(notebook)
    report = LessonReport(rel_path)
    clock = _Phases(report.phases)
    lab.console_errors.clear()
    finished = False
    try:
        if not expect.has_kernelspec:
            report.failures.append("no kernelspec in the notebook metadata: JupyterLab asks for a kernel")
        page = lab.open(rel_path)
        clock("open")
        if run_all(page, report, timeout):
            clock("run all")
            widgets = _check_cells(page, expect, report)
            clock("check")
            for index in widgets:
                if index in expect.pricing_cells:
                    check_pricing_explorer(page, index, report)
                elif index not in expect.answered_cells:
                    _check_widget_responds(page, index, report)
            clock("widgets")
        if screenshot is not None:
            report.screenshot = _panel_screenshot(page, screenshot)
            clock("screenshot")
        lab.close_notebook()
        clock("close")
        finished = not any(f.startswith("cells still running") for f in report.failures)
        report.failures += [f"browser console error: {text}" for text in lab.console_errors]
    finally:
        if not finished:  # a lesson that went wrong leaves no state behind for the next one
            lab.drop()
            lab.server.shutdown_kernels()
    report.seconds = sum(report.phases.values())
    return report


class _Phases:
    """Records the seconds since the last call under a name: where a lesson's time goes."""

    def __init__(self, into: dict[str, float]) -> None:
        self.into, self.last = into, time.monotonic()

    def __call__(self, name: str) -> None:
        now = time.monotonic()
        self.into[name] = round(now - self.last, 2)
        self.last = now


def _wait(page: Any, js: str, *, arg: Any = None, timeout: float) -> bool:
    """Wait until the JavaScript predicate holds; False when `timeout` seconds pass first."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(js, arg=arg, timeout=timeout * 1000, polling=100)
    except PlaywrightTimeout:
        return False
    return True


def run_all(page: Any, report: LessonReport, timeout: float) -> bool:
    """Run All Cells from the Run menu and wait until done; False (reason reported) if it did not finish.

    Lessons are committed executed, so their stored prompts already read [1]:, [2]:, ...; the outputs are
    cleared first (Edit > Clear Outputs of All Cells), so every prompt and output checked comes from this run.
    """
    menu(page, "Edit", "Clear Outputs of All Cells")
    if not _wait(page, _JS_CLEARED, timeout=30):
        report.failures.append("Edit > Clear Outputs of All Cells left outputs or prompts behind")
        return False
    menu(page, "Run", "Run All Cells")
    if not (_wait(page, _JS_DONE, timeout=timeout) and _wait(page, _JS_IDLE, timeout=timeout)):
        state = page.evaluate(_JS_STATE)
        stuck = [i for i, c in enumerate(state) if c["code"] and "*" in c["prompt"]]
        report.failures.append(f"cells still running after {timeout:.0f} s: {stuck}")
        return False
    return True


def _check_cells(page: Any, expect: Expectations, report: LessonReport) -> list[int]:
    """Every cell ran, no error output, widgets and diagrams rendered; returns cells with rendered widgets."""
    # A widget view shows "Loading widget..." until its model arrives from the kernel.
    _wait(page, f"() => !Array.from(document.querySelectorAll('{_PANEL} .jp-OutputArea-output'))"
          ".some(o => /Loading widget/.test(o.innerText))", timeout=10)
    state = page.evaluate(_JS_STATE)
    code_seen = tuple(i for i, c in enumerate(state) if c["code"])
    if code_seen != expect.code_cells:
        report.failures.append(f"code cells in the page {list(code_seen)} differ from the notebook's "
                               f"{list(expect.code_cells)}")
        return []
    for i in expect.code_cells:
        cell = state[i]
        if not re.fullmatch(r"\[\d+\]:", cell["prompt"].strip()):
            report.failures.append(f"cell {i} did not run (prompt {cell['prompt'].strip()!r})")
        for text in cell["errors"]:
            report.failures.append(f"cell {i} has error output: {text.strip()[:600]}")
    with_widgets = []
    for i, cell in enumerate(state):
        for w in cell["widgets"]:
            if not w["rendered"]:
                report.failures.append(f"cell {i}: widget did not render ({w['text'].strip()[:200]!r})")
        if any(w["rendered"] for w in cell["widgets"]):
            with_widgets.append(i)
    for i in expect.widget_cells:
        if not state[i]["widgets"]:
            report.failures.append(f"cell {i} shows no widget")
    for i in expect.svg_cells:
        svgs = state[i]["svgs"]
        if not svgs:
            report.failures.append(f"cell {i} shows no SVG diagram")
        elif not all(s["complete"] and s["width"] > 0 for s in svgs):
            report.failures.append(f"cell {i}: SVG diagram did not load")
    for i, cell in enumerate(state):
        for s in cell["svgs"]:
            if s["overflow"] > 0 or s["shown"] > s["area"]:
                report.failures.append(
                    f"cell {i}: a diagram {s['shown']} px wide does not fit its output area of {s['area']} px "
                    f"(window {WINDOW['width']} px wide, file browser open): part of it is cut off")
    return with_widgets


def move_slider(page: Any, handle: Any, key: str = "ArrowRight", timeout: float = 10) -> str:
    """Move a slider one step with the keyboard, as a learner can; returns the value it then shows."""
    before = handle.get_attribute("aria-valuenow")
    handle.focus()
    handle.press(key)
    page.wait_for_function("([h, v]) => h.getAttribute('aria-valuenow') !== v",
                           arg=[handle.element_handle(), before], timeout=timeout * 1000)
    return handle.get_attribute("aria-valuetext") or handle.get_attribute("aria-valuenow")


def answer_text(page: Any, index: int) -> str:
    """What cell `index` shows besides its slider readouts: the kernel's answer to the widgets."""
    return page.evaluate(_JS_ANSWER_TEXT, index)


def wait_answer_change(page: Any, index: int, before: str, timeout: float = 15) -> str | None:
    """Wait until cell `index` answers differently from `before`; None if it never does."""
    if not _wait(page, f"([i, b]) => ({_JS_ANSWER_TEXT})(i) !== b", arg=[index, before], timeout=timeout):
        return None
    return answer_text(page, index)


def _check_widget_responds(page: Any, index: int, report: LessonReport) -> None:
    """A widget responds: using its first control (slider, dropdown, or quiz Check button) as a learner
    would makes the kernel change what the cell shows."""
    cell = page.locator(f"{_PANEL} .jp-Cell").nth(index).locator(".jp-OutputArea-output")
    before = answer_text(page, index)
    sliders, selects = cell.locator('[role="slider"]'), cell.locator("select")
    check = cell.locator("button", has_text=re.compile(r"^\s*Check\s*$"))
    if sliders.count():
        handle = sliders.first
        at_end = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
        move_slider(page, handle, "ArrowLeft" if at_end else "ArrowRight")
        action = "moving the slider"
    elif selects.count():
        select = selects.first
        values = select.evaluate("s => Array.from(s.options).map(o => o.value)")
        if len(values) < 2:
            return
        current = select.input_value()
        select.select_option(next(v for v in values if v != current))
        action = "choosing another option"
    elif check.count():
        options = cell.locator("input[type=radio], input[type=checkbox]")
        if options.count():
            options.first.check()
        check.first.click()
        action = "answering the quiz"
    else:
        return
    if wait_answer_change(page, index, before) is None:
        report.failures.append(f"cell {index}: {action} changed nothing the kernel shows")


# The pricing explorer's controls, by the labels it shows (labkit.widgets.PricingExplorer).
_JS_EXPLORER = """i => {
  const out = document.querySelectorAll('PANEL .jp-Cell')[i].querySelector('.jp-OutputArea-output');
  const label = e => (e.querySelector('.widget-label') || {}).textContent?.trim();
  const sliders = {}, toggles = {}, boxes = {};
  out.querySelectorAll('.widget-slider').forEach(s => {
    sliders[label(s)] = (s.querySelector('.widget-readout') || {}).textContent?.trim(); });
  out.querySelectorAll('.widget-toggle-buttons').forEach(t => {
    toggles[label(t)] = (t.querySelector('.mod-active') || {}).dataset?.value; });
  out.querySelectorAll('.widget-checkbox').forEach(c => {
    boxes[c.querySelector('span').title] = c.querySelector('input').checked; });
  const th = Array.from(out.querySelectorAll('th')).find(t => t.textContent.trim() === 'total');
  const total = th ? th.parentElement.lastElementChild.textContent.trim() : null;
  return {sliders, toggles, boxes, total};
}""".replace("PANEL", _PANEL)


def explorer_state(page: Any, index: int) -> dict[str, Any]:
    """What the pricing explorer in cell `index` shows: slider readouts, toggles, checkboxes, total."""
    return page.evaluate(_JS_EXPLORER, index)


def explorer_expected_total(state: dict[str, Any]) -> float:
    """The total `labkit.pricing.fargate_cost` gives for the values the explorer shows."""
    from labkit.pricing import fargate_cost

    def number(text: str) -> float:
        return float(re.match(r"[\d.,]+", text).group().replace(",", ""))

    sliders, toggles = state["sliders"], state["toggles"]
    seconds = number(sliders["hours/task"]) * 3600
    return fargate_cost(number(sliders["vCPU"]), number(sliders["memory"]), seconds,
                        tasks=int(number(sliders["tasks"])), arch=toggles["arch"], os=toggles["OS"],
                        spot=bool(state["boxes"].get("Fargate Spot", False))).total


def check_pricing_explorer(page: Any, index: int, report: LessonReport) -> None:
    """Move the explorer's tasks and vCPU sliders: each time the total shown must become labkit.pricing's."""
    for label in ("tasks", "vCPU"):
        before = explorer_state(page, index)
        try:
            expected_before = explorer_expected_total(before)
        except (KeyError, TypeError, AttributeError) as err:
            report.failures.append(f"cell {index}: cannot read the pricing explorer ({err!r}): {before}")
            return
        if not _shows(before["total"], expected_before):
            report.failures.append(f"cell {index}: pricing explorer shows {before['total']} but "
                                   f"labkit.pricing gives ${expected_before:,.4f} for {before['sliders']}")
        slider = page.locator(f"{_PANEL} .jp-Cell").nth(index).locator(".widget-slider", has=page.locator(
            ".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))).locator('[role="slider"]')
        moved_to = move_slider(page, slider)
        if not _wait(page, f"([i, t]) => ({_JS_EXPLORER})(i).total !== t", arg=[index, before["total"]],
                     timeout=15):
            report.failures.append(f"cell {index}: moving the pricing explorer's {label} slider to "
                                   f"{moved_to} left the cost at {before['total']}")
            return
        after = explorer_state(page, index)
        expected = explorer_expected_total(after)
        if not _shows(after["total"], expected):
            report.failures.append(f"cell {index}: after moving {label} to {moved_to} the explorer shows "
                                   f"{after['total']} but labkit.pricing gives ${expected:,.4f} for "
                                   f"{after['sliders']}")


def _shows(text: str | None, amount: float) -> bool:
    """True if `text` ("$1,234.56") is `amount` rounded to the decimals it shows."""
    match = re.fullmatch(r"\$([\d,]+)(?:\.(\d+))?", (text or "").strip())
    if not match:
        return False
    shown = float(match.group(0)[1:].replace(",", ""))
    decimals = len(match.group(2) or "")
    return abs(shown - amount) <= 0.5 * 10 ** -decimals + 1e-9


def _panel_screenshot(page: Any, path: Path) -> Path:
    """JupyterLab scrolls inside the notebook: grow the window to the whole notebook, then shoot the panel (at the
    width it has beside the file browser, as checked)."""
    extra = page.evaluate(f"""() => {{
      const nb = document.querySelector('{_PANEL} .jp-WindowedPanel-outer');
      if (!nb) return 0;
      const extra = nb.scrollHeight - nb.clientHeight;
      return extra;
    }}""")
    page.set_viewport_size({"width": WINDOW["width"], "height": min(WINDOW["height"] + int(extra) + 40, 16000)})
    # Let Lumino lay out the larger window (two animation frames), then scroll the notebook to its top.
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    page.evaluate(f"() => {{ const nb = document.querySelector('{_PANEL} .jp-WindowedPanel-outer');"
                  " if (nb) nb.scrollTop = 0; }")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.locator(_PANEL).screenshot(path=str(path))
    page.set_viewport_size(WINDOW)
    return path
