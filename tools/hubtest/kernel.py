"""Run code in a learner's kernel as JupyterLab does: over the Jupyter server's kernel websocket, with the learner's
API token, one execute_request at a time, collecting what the cell prints and whether it raised."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import websocket


@dataclass
class CellRun:
    """What one cell did: its output text, and the error it raised (empty when none)."""

    code: str
    stdout: str = ""
    error: str = ""
    outputs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.error


class KernelChannel:
    """The websocket of one kernel (`/api/kernels/<id>/channels`), authenticated with an API token."""

    def __init__(self, ws_url: str, token: str, user: str, timeout: float = 120) -> None:
        self.user, self.session, self.timeout = user, uuid.uuid4().hex, timeout
        self.ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"], timeout=timeout)

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> KernelChannel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _request(self, code: str) -> str:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "username": self.user, "session": self.session, "msg_type": "execute_request",
                  "version": "5.3", "date": datetime.now(timezone.utc).isoformat()}
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}
        self.ws.send(json.dumps({"header": header, "parent_header": {}, "metadata": {}, "content": content,
                                 "channel": "shell", "buffers": []}))
        return msg_id

    def execute(self, code: str) -> CellRun:
        """Run `code`; return when the kernel has replied and gone idle (all of the cell's output is in)."""
        msg_id, run = self._request(code), CellRun(code)
        replied = idle = False
        deadline = time.monotonic() + self.timeout
        while not (replied and idle):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the kernel did not finish a cell in {self.timeout:.0f} s: {code[:80]!r}")
            msg = json.loads(self.ws.recv())
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = msg["msg_type"], msg["content"]
            if msg["channel"] == "shell" and kind == "execute_reply":
                replied = True
                if content.get("status") != "ok" and not run.error:
                    run.error = f"{content.get('ename', 'error')}: {content.get('evalue', content.get('status'))}"
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind == "stream" and content.get("name") == "stdout":
                run.stdout += content["text"]
            elif kind == "error":
                run.error = f"{content['ename']}: {content['evalue']}"
            if kind in ("stream", "error", "execute_result", "display_data"):
                run.outputs.append({"type": kind, **content})
        return run
