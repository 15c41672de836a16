"""No task process outlives its lab: teardown, release, reset, a stop (with the processes it started), and a
labkit process that dies without cleaning up (the reaper ends its tasks)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import labkit
from labkit.mock.runtime import process, registry
from tests.helpers import alive
from tests.runtime_kit import push_app, register, run

ROOT = Path(__file__).resolve().parent.parent
IDLE = "import subprocess, sys, time\nsubprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n" \
       "print('up', flush=True)\nwhile True:\n    time.sleep(1)\n"


def _gone(pids: list[int], within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not any(alive(p) for p in pids):
            return True
        time.sleep(0.05)
    return False


def _start(lab, net, tmp_path) -> list[int]:
    image = push_app(lab, tmp_path / "idle", IDLE)
    arn = run(lab, net, register(lab, image.uri, family="idle"))
    [task_run] = registry.runs(lab.account_id)
    leader = task_run.containers[0].proc.pid
    time.sleep(0.3)  # its own child starts too
    pids = [leader] + [p["pid"] for p in process.owned_processes(os.getpid()) if p["pid"] != leader
                       and os.getpgid(p["pid"]) == leader]
    assert len(pids) == 2 and arn
    return pids


def test_teardown_ends_task_processes_and_their_children(tmp_path):
    with labkit.connect("mock") as lab:
        pids = _start(lab, _net(lab), tmp_path)
    assert _gone(pids)
    assert registry.runs(lab.account_id) == []


def _net(lab):
    from labkit.lab import deploy

    lab.client("ecs").create_cluster(clusterName="labkit")
    return {"awsvpc": deploy.ensure_network(lab).awsvpc()}


def test_a_released_or_reset_lab_ends_its_tasks(tmp_path):
    lab = labkit.connect("mock")
    pids = _start(lab, _net(lab), tmp_path)
    lab.reset()
    assert _gone(pids)
    lab2 = labkit.connect("mock")
    pids = _start(lab2, _net(lab2), tmp_path / "again")
    lab2._release()
    assert _gone(pids)


def test_a_stopped_task_leaves_no_process(lab, net, tmp_path):
    pids = _start(lab, net, tmp_path)
    arn = lab.client("ecs").list_tasks(cluster="labkit")["taskArns"][0]
    lab.client("ecs").stop_task(cluster="labkit", task=arn)
    assert _gone(pids)
    lab.clock.advance(30)
    assert registry.runs(lab.account_id) == []


def test_a_labkit_process_that_dies_without_exiting_leaves_no_task(tmp_path):
    script = textwrap.dedent(f"""
        import json, os, sys, time
        sys.path.insert(0, {str(ROOT)!r})
        import labkit
        from labkit.lab import deploy
        from labkit.mock.runtime import process, registry
        from tests.runtime_kit import push_app, register, run
        from pathlib import Path
        lab = labkit.connect("mock")
        lab.client("ecs").create_cluster(clusterName="labkit")
        net = {{"awsvpc": deploy.ensure_network(lab).awsvpc()}}
        image = push_app(lab, Path({str(tmp_path / "app")!r}), {IDLE!r})
        run(lab, net, register(lab, image.uri, family="idle"))
        time.sleep(0.3)
        print(json.dumps([p["pid"] for p in process.owned_processes(os.getpid())]), flush=True)
        os._exit(0)  # no atexit, no teardown: the kernel died
    """)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env,
                         cwd=str(ROOT), check=False)
    assert out.returncode == 0, out.stderr
    pids = json.loads(out.stdout.strip().splitlines()[-1])
    assert len(pids) == 2
    assert _gone(pids)
