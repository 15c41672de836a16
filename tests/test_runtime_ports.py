"""A task's declared port when the loopback port labkit planned for it was taken by another program in between:
the task's process binds another one, says so in the task's port folder, and everyone (its own processes, labkit's
endpoint) finds it there. A second bind of the same container port inside the task still fails, as on AWS."""

from __future__ import annotations

import errno
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from labkit.mock.runtime import process
from labkit.mock.runtime.registry import TaskRun

PROGRAM = """
import json, socket, sys
server = socket.socket()
server.bind(("0.0.0.0", 8080))
server.listen()
client = socket.create_connection(("localhost", 8080), timeout=5)   # the task reaches its own port
again = socket.socket()
try:
    again.bind(("0.0.0.0", 8080))
    second = "bound"
except OSError as err:
    second = err.errno
print(json.dumps({"asked": server.getsockname()[1], "second": second}))
"""

def _run(tmp_path: Path, planned: int) -> dict:
    ports = tmp_path / "ports"
    ports.mkdir()
    env = process.with_guest({**process.base_environment(), "LABKIT_TASK_PORTS": f"8080={planned}",
                              "LABKIT_TASK_PORT_DIR": str(ports)})
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)

def test_a_planned_port_taken_by_another_program_is_replaced_and_written_down(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        planned = squatter.getsockname()[1]
        seen = _run(tmp_path, planned)
        real = int((tmp_path / "ports" / "8080").read_text())

    assert seen == {"asked": 8080, "second": errno.EADDRINUSE}
    assert real != planned
    run = TaskRun(account="123456789012", region="us-east-1", cluster="c", task_arn="arn:t/1", root=str(tmp_path),
                  ports={8080: planned}, containers=[], clock=None, last_seen=None)  # type: ignore[arg-type]
    assert run.port_of(8080) == real  # labkit's endpoint finds where the task really listens

def test_a_free_planned_port_is_used_as_planned(tmp_path: Path) -> None:
    planned = process.free_port()
    seen = _run(tmp_path, planned)
    assert seen["asked"] == 8080 and int((tmp_path / "ports" / "8080").read_text()) == planned
    assert not [p for p in os.listdir(tmp_path / "ports") if p.startswith(".")]
