"""Lesson kernels forked from a warm template (labkit.course.lesson_kernels): started as jupyter_client starts any
kernel of the environment's python3 kernelspec, they behave as fresh kernels (their folder, their path, their own
random numbers, interrupt, restart) and leave nothing running; anything not in mock mode starts as before."""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from labkit.course import lesson_kernels
from labkit.course.grading import warm
from labkit.errors import LabkitError
from labkit.lab import preload
from tests.helpers import alive

pytestmark = pytest.mark.slow

PROBE = ("import os, sys\nfrom moto.moto_api._internal import mock_random\n"
         "print(os.getpid(), os.getppid(), os.getcwd(), '' in sys.path, mock_random.random())")


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return ""


async def _session(cwd: Path, cells: list[str], *, mode: str = "mock", then: Any = None, **env: str) -> list[dict]:
    """Start a python3 kernel as JupyterLab would, run `cells`, optionally `then(km, kc)`, shut it down."""
    from jupyter_client.manager import AsyncKernelManager

    km = AsyncKernelManager(kernel_name="python3")
    await km.start_kernel(env={**os.environ, "LABKIT_MODE": mode, **env}, cwd=str(cwd))
    kc = km.client()
    kc.start_channels()
    replies = []
    try:
        await kc.wait_for_ready(timeout=60)
        for cell in cells:
            out: list[str] = []
            reply = await kc.execute_interactive(cell, timeout=60, output_hook=lambda m, out=out: out.append(
                m["content"].get("text", "")))
            replies.append({**reply["content"], "out": "".join(out).split()})
        if then is not None:
            replies += await then(km, kc)
    finally:
        kc.stop_channels()
        await km.shutdown_kernel()
    replies.append({"provisioner": type(km.provisioner).__name__})
    return replies


def run(cwd: Path, cells: list[str], **kwargs: Any) -> list[dict]:
    """`_session` on an event loop of its own (another test may have left one running in this thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, _session(cwd, cells, **kwargs)).result()


@pytest.fixture(autouse=True)
def no_templates_after():
    yield
    lesson_kernels.close_templates()


def test_the_environment_starts_python3_kernels_with_the_provisioner():
    assert preload.forked(), "make setup runs `labkit preload`, which names the provisioner in the kernelspec"
    (entry,) = [e for e in entry_points(group="jupyter_client.kernel_provisioners") if e.name == preload.PROVISIONER]
    assert entry.load() is lesson_kernels.WarmProvisioner


def test_a_mock_kernel_is_forked_and_behaves_as_a_fresh_one(tmp_path):
    first, second = run(tmp_path, [PROBE])[0], run(tmp_path, [PROBE])[0]
    pid, parent, cwd, path_has_cwd, number = first["out"]
    assert "labkit.course.grading.warm" in _cmdline(int(parent))  # forked from the template
    assert second["out"][1] == parent  # the same template serves the next kernel
    assert (cwd, path_has_cwd) == (str(tmp_path), "True")  # its folder, importable as a fresh kernel's is
    assert number != second["out"][4]  # moto's IDs are each kernel's own, not the template's sequence
    assert not alive(int(pid)) and not alive(int(second["out"][0]))
    lesson_kernels.close_templates()
    assert not alive(int(parent))


@pytest.mark.parametrize("mode,env", [("real", {}), ("local", {}), ("mock", {lesson_kernels.OPT_OUT: "0"})])
def test_other_modes_and_the_opt_out_start_kernels_as_before(tmp_path, mode, env):
    reply, done = run(tmp_path, ["import os; print(os.getppid())"], mode=mode, **env)
    assert reply["out"] == [str(os.getpid())]  # a child of this process, as jupyter_client starts it
    assert done["provisioner"] == "WarmProvisioner"


def test_a_template_that_cannot_start_means_a_plain_kernel(tmp_path, monkeypatch):
    def broken(env: dict[str, str]) -> None:
        raise LabkitError("the warm kernel template did not start")

    monkeypatch.setattr(warm, "KernelTemplate", broken)
    reply = run(tmp_path, ["import os; print(os.getppid())"])[0]
    assert reply["status"] == "ok" and reply["out"] == [str(os.getpid())]


def test_interrupt_and_restart_reach_the_forked_kernel(tmp_path):
    async def interrupt_then_restart(km, kc):
        msg_id = kc.execute("import time; print('sleeping', flush=True); time.sleep(30)")
        while True:  # interrupt once the cell runs (a signal before it would be the kernel's, not the cell's)
            msg = await kc.get_iopub_msg(timeout=30)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "stream":
                break
        await km.interrupt_kernel()
        reply = await kc.get_shell_msg(timeout=10)
        assert reply["parent_header"]["msg_id"] == msg_id
        before = _probe_pid(await _run(kc, "import os; print(os.getpid())"))
        await km.restart_kernel()
        await kc.wait_for_ready(timeout=60)
        after = _probe_pid(await _run(kc, "import os; print(os.getpid())"))
        return [reply["content"], {"before": before, "after": after}]

    _, interrupted, pids, _ = run(tmp_path, ["x = 1"], then=interrupt_then_restart)
    assert interrupted["status"] == "error" and interrupted["ename"] == "KeyboardInterrupt"
    assert pids["before"] != pids["after"] and not alive(pids["before"]) and not alive(pids["after"])


async def _run(kc: Any, code: str) -> list[str]:
    out: list[str] = []
    await kc.execute_interactive(code, timeout=30, output_hook=lambda m: out.append(m["content"].get("text", "")))
    return out


def _probe_pid(out: list[str]) -> int:
    return int("".join(out).strip())


def test_a_change_to_labkits_code_gets_a_new_template(tmp_path, monkeypatch):
    first = run(tmp_path, [PROBE])[0]["out"][1]
    monkeypatch.setattr(lesson_kernels, "_code_stamp", lambda: 1)
    second = run(tmp_path, [PROBE])[0]["out"][1]
    assert second != first and not alive(int(first))


def test_jupyterlabs_debugger_attaches_to_a_forked_kernel(tmp_path):
    async def debug(km, kc):
        async def request(seq: int, command: str, arguments: dict) -> dict:
            msg = kc.session.msg("debug_request", {"type": "request", "seq": seq, "command": command,
                                                   "arguments": arguments})
            kc.control_channel.send(msg)
            while True:
                reply = await kc.control_channel.get_msg(timeout=30)
                if reply["parent_header"].get("msg_id") == msg["header"]["msg_id"]:
                    return reply["content"]

        # what JupyterLab's debugger panel sends first: initialize, attach (debugpy starts), debugInfo
        return [await request(1, "initialize", {"clientID": "jupyterlab", "adapterID": "python",
                                                "pathFormat": "path", "linesStartAt1": True}),
                await request(2, "attach", {"debugOptions": ["DebugStdLib"]}),
                await request(3, "debugInfo", {})]

    probe, initialize, attach, info, _ = run(tmp_path, [PROBE], then=debug)
    assert "labkit.course.grading.warm" in _cmdline(int(probe["out"][1]))
    assert initialize["success"] and attach["success"] and info["success"] and info["body"]["isStarted"]
