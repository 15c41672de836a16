"""The parts of `make test-hub` (tools/hubtest) that decide whether a class went right: stopping every process of
a run (orphans and processes that ignore SIGTERM included), measuring a learner's processes, reading a kernel's
replies, a probe's answer and nbgitpuller's events, judging a learner's result, and the make target itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tools.hubtest import __main__ as hubtest
from tools.hubtest import learner, probes, procs
from tools.hubtest.kernel import KernelChannel
from tools.hubtest.learner import Learner

ROOT = Path(__file__).resolve().parents[1]

# A parent that starts a child in a session of its own (as the hub starts servers and servers start kernels),
# then exits: the child is an orphan no process group of the run holds. The child ignores SIGTERM.
ORPHAN_MAKER = """
import os, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ready', flush=True); time.sleep(600)"],
    start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
child.stdout.readline()
print(child.pid, flush=True)
"""


def test_stop_all_finds_marked_orphans_and_kills_what_ignores_sigterm() -> None:
    run_id = f"test-{os.getpid()}-{time.monotonic_ns()}"
    env = {**os.environ, procs.MARKER: run_id, "JUPYTERHUB_USER": "learner-x"}
    maker = subprocess.run([sys.executable, "-c", ORPHAN_MAKER], env=env, capture_output=True, text=True, timeout=60)
    orphan = int(maker.stdout.split()[-1])
    try:
        assert [p.pid for p in procs.marked(run_id)] == [orphan]
        use = procs.usage_by_user(run_id)["learner-x"]
        assert use.processes == 1 and use.rss_mib > 1 and use.server_mib == use.kernels_mib == 0
        assert procs.stop_all(run_id, grace=1) == []
        assert not psutil.pid_exists(orphan) or psutil.Process(orphan).status() == psutil.STATUS_ZOMBIE
        assert procs.marked(run_id) == [] or all(p.status() == psutil.STATUS_ZOMBIE for p in procs.marked(run_id))
    finally:
        try:
            os.kill(orphan, signal.SIGKILL)
        except ProcessLookupError:
            pass


def test_stop_all_stops_a_process_group_and_never_its_own() -> None:
    group = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
    try:
        assert procs.stop_all("no-such-run", group=group.pid, grace=5) == []
        assert group.wait(timeout=10) == -signal.SIGTERM
        assert procs._group(os.getpgrp()) == set()  # this program's own group is never a target
    finally:
        if group.poll() is None:
            group.kill()


def test_a_processs_role_is_read_from_its_command_line() -> None:
    assert procs._role(["/venv/bin/python", "/venv/bin/jupyterhub-singleuser", "--port=1"]) == "server"
    assert procs._role(["/venv/bin/python", "-m", "ipykernel_launcher", "-f", "k.json"]) == "kernel"
    assert procs._role(["/venv/bin/python", "-m", "labkit.cli", "server"]) == "other"
    assert procs.median([3.0, None, 1.0, 2.0]) == 2.0 and procs.median([None]) is None


class FakeSocket:
    """The kernel websocket's side: answers one execute_request with the messages `reply` makes for it."""

    def __init__(self, reply) -> None:
        self.reply, self.queue = reply, []

    def send(self, text: str) -> None:
        msg_id = json.loads(text)["header"]["msg_id"]
        self.queue = [json.dumps(m) for m in self.reply(msg_id)]

    def recv(self) -> str:
        return self.queue.pop(0)


def _msg(parent: str, channel: str, kind: str, **content: object) -> dict:
    return {"parent_header": {"msg_id": parent}, "channel": channel, "msg_type": kind, "content": content}


def _channel(reply) -> KernelChannel:
    channel = KernelChannel.__new__(KernelChannel)
    channel.user, channel.session, channel.timeout, channel.ws = "learner-x", "s", 5, FakeSocket(reply)
    return channel


def test_a_cell_waits_for_reply_and_idle_and_keeps_only_its_own_output() -> None:
    def reply(mid: str) -> list[dict]:
        return [_msg("someone-else", "iopub", "stream", name="stdout", text="not mine\n"),
                _msg(mid, "iopub", "stream", name="stdout", text="HUBTEST {\"ok\": 1}\n"),
                _msg(mid, "shell", "execute_reply", status="ok"),
                _msg(mid, "iopub", "stream", name="stdout", text="late\n"),
                _msg(mid, "iopub", "status", execution_state="idle")]

    run = _channel(reply).execute("print(1)")
    assert run.ok and run.stdout == "HUBTEST {\"ok\": 1}\nlate\n"
    assert probes.read(run.stdout) == {"ok": 1}


def test_a_cell_that_raises_reports_its_error() -> None:
    def reply(mid: str) -> list[dict]:
        return [_msg(mid, "iopub", "error", ename="ValueError", evalue="bad", traceback=[]),
                _msg(mid, "iopub", "status", execution_state="idle"),
                _msg(mid, "shell", "execute_reply", status="error", ename="ValueError", evalue="bad")]

    run = _channel(reply).execute("raise ValueError('bad')")
    assert not run.ok and run.error == "ValueError: bad"


def test_a_probe_that_printed_nothing_is_an_error() -> None:
    with pytest.raises(ValueError, match="printed no HUBTEST line"):
        probes.read("something else\n")


def test_nbgitpullers_events_are_read_until_it_finishes() -> None:
    lines = [b"data: {\"phase\": \"syncing\", \"output\": \"Cloning\"}\n", b"\n",
             b"data: {\"phase\": \"finished\"}\n", b"data: {\"phase\": \"never read\"}\n"]
    assert [e["phase"] for e in learner._events(iter(lines))] == ["syncing", "finished"]


def _learner(home_dir: Path, **probe: object) -> Learner:
    answer = {"clusters": ["cluster-of-learner-01"], "right": True, "wrong": False, "home": str(home_dir),
              "cwd": f"{home_dir}/fargate-lab-kit/notebooks", "labkit": str(ROOT / "labkit" / "__init__.py")}
    return Learner("learner-01", "token", probe={**answer, **probe})


def test_a_learner_who_saw_only_their_lab_and_got_the_checks_answer_passes(tmp_path: Path) -> None:
    assert hubtest.check_learner(_learner(tmp_path / "learner-01"), tmp_path) == []


@pytest.mark.parametrize(("probe", "says"), [
    ({"clusters": ["cluster-of-learner-01", "cluster-of-learner-02"]}, "expected only their own"),
    ({"right": False}, "the check said False to 512"),
    ({"wrong": True}, "True to 0.5"),
    ({"home": "/tmp/shared"}, "not in"),
    ({"labkit": "/elsewhere/labkit/__init__.py"}, "not this repository"),
])
def test_a_learner_who_saw_another_lab_or_a_wrong_check_fails(tmp_path: Path, probe: dict, says: str) -> None:
    problems = hubtest.check_learner(_learner(tmp_path / "learner-01", **probe), tmp_path)
    assert len(problems) == 1 and says in problems[0]


def test_the_summary_gives_time_and_memory_or_says_it_failed() -> None:
    use = procs.Usage("a", 2, 300.0, 250.0, 4.5, 140.0, 160.0)
    report = {"learners": 8, "seconds": 23.44, "usage": {"a": vars(use)}, "problems": []}
    assert hubtest.summary(report) == ("8 learners ready, lab and check run in 23.4 s; 300 MiB per learner (RSS, "
                                       "median: server 140 + kernel 160; at most 300 MiB; PSS 250 MiB); 4.5 s of "
                                       "CPU per learner")
    assert "FAILED with 1 problems" in hubtest.summary({**report, "problems": ["x"]})


def test_make_test_hub_passes_the_number_of_learners_on() -> None:
    done = subprocess.run(["make", "-n", "-C", str(ROOT), "test-hub", "LEARNERS=16"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "-m tools.hubtest --learners 16" in done.stdout
    assert "npm install" in done.stdout or (ROOT / ".hub-node").exists()
