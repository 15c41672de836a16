"""The task metadata endpoint (version 4) for labkit's task processes, on 127.0.0.1 only.

Each container gets `ECS_CONTAINER_METADATA_URI_V4=http://127.0.0.1:PORT/v4/ID`: the bare URI answers the
container's metadata, `/task` the task's (TaskARN, Family, Revision, Limits, Containers with their Networks,
AvailabilityZone, LaunchType...), as Fargate's endpoint does; `/stats` and `/task/stats` answer an empty object.
One server per labkit process, started with the first task, answering from what each task's run recorded when
it started (and its current status).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from labkit.mock.runtime import registry

_server: ThreadingHTTPServer | None = None
_lock = threading.Lock()


def address() -> str:
    """"127.0.0.1:PORT" of this process's metadata endpoint (started on first use)."""
    global _server
    with _lock:
        if _server is None:
            _server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            _server.daemon_threads = True
            threading.Thread(target=_server.serve_forever, kwargs={"poll_interval": 0.5}, daemon=True,
                             name="labkit-task-metadata").start()
        return f"127.0.0.1:{_server.server_address[1]}"


def _status(run: registry.TaskRun, container: registry.ContainerRun | None = None) -> tuple[str, str]:
    """(DesiredStatus, KnownStatus) now."""
    if container is not None and not container.alive:
        return "STOPPED", "STOPPED"
    life = run.life
    if life is None:
        return "RUNNING", "RUNNING"
    now = run.clock.now()
    desired = "STOPPED" if life.stop_due(now) else "RUNNING"
    return desired, life.state(now)


def container_document(run: registry.TaskRun, container: registry.ContainerRun) -> dict[str, Any]:
    doc = dict(run.metadata["containers"][container.name])
    doc["DesiredStatus"], doc["KnownStatus"] = _status(run, container)
    if container.exit_code is not None:
        doc["ExitCode"] = container.exit_code
    if container.health_check is not None:
        doc["Health"] = {"status": container.health}
    return doc


def task_document(run: registry.TaskRun) -> dict[str, Any]:
    doc = {k: v for k, v in run.metadata.items() if k != "containers"}
    doc["DesiredStatus"], doc["KnownStatus"] = _status(run)
    doc["Containers"] = [container_document(run, c) for c in run.containers]
    return doc


class _Handler(BaseHTTPRequestHandler):
    server_version = "labkit-task-metadata"

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parts = [p for p in self.path.split("?", 1)[0].split("/") if p]
        found = registry.by_key(parts[1]) if len(parts) >= 2 and parts[0] == "v4" else None
        if found is None:
            return self._send(404, {"error": "unknown container: not a task of this labkit process"})
        run, container = found
        rest = parts[2:]
        if not rest:
            return self._send(200, container_document(run, container))
        if rest == ["task"]:
            return self._send(200, task_document(run))
        if rest in (["stats"], ["task", "stats"]):
            return self._send(200, {})
        return self._send(404, {"error": f"no such metadata path: {self.path}"})

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt: str, *args: Any) -> None:
        pass
