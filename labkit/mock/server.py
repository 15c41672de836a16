"""Local mode: moto's server with labkit's Fargate layer, on 127.0.0.1 only, shared by notebooks and the AWS CLI.

`labkit server` runs one in a terminal (`serve_forever`) and leaves a small state file so that
`labkit.connect("local")` finds it; without one, `connect("local")` starts a server inside the kernel for the
kernel's lifetime. Beside moto's AWS endpoints the server answers a tiny control API under `/labkit/v1/`
(accounts, the simulated clock, Spot interruptions, wiping an account, images built at push time, where a task
answers, a moment of wall time for task processes), which is how a Lab in another process reaches what plain AWS
calls cannot. Task processes (`labkit.mock.runtime`) run in the server's process and end when it stops.
Clocks of a server also run with wall time, so an AWS CLI waiter in a terminal sees tasks start as on AWS; a
notebook's waiters still jump ahead in simulated time.

A class shares one machine: every learner can reach every port on 127.0.0.1. So a server answers only the
operating-system user who started it (`labkit.mock.peers`; others get an AWS-style AccessDenied), and its state
file lives in that user's own home, readable by them alone: a learner's `connect("local")` never lands on
another learner's server.
"""

from __future__ import annotations

import atexit
import dataclasses
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from labkit import mock
from labkit.errors import InvalidInput, LabkitError
from labkit.mock import peers

HOST = "127.0.0.1"
STATE_DIR_ENV = "LABKIT_STATE_DIR"
API = "/labkit/v1"
DEFAULT_PORT = 5055
PEER_OK = "labkit.same_user"  # WSGI environ key: whether the connection's client runs as the server's user
NOT_YOURS = ("this labkit server belongs to another user of this machine and answers only the user who started it. "
             "Use your own: labkit.connect('local') in a notebook starts one, or run `labkit server --port 0` "
             "in a terminal.")


class ServerHandle(NamedTuple):
    """A running server: its URL and how to stop it (also unpacks as `url, stop = start_server()`)."""

    url: str
    stop: Callable[[], None]


_kernel_server: ServerHandle | None = None
_kernel_lock = threading.Lock()


# --- the control API (inside the server process) -----------------------------------------------------------
class ControlAPI:
    """WSGI middleware: `/labkit/v1/...` requests are labkit's; everything else goes to moto."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.accounts: set[str] = set()  # allocated through this server: their task processes end with it

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        if not environ.get(PEER_OK, True):
            status, headers, data = refusal(environ)
            start_response(status, headers)
            return [data]
        if not path.startswith(API + "/"):
            return self.app(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(length) or b"{}") if length else {}
            status, payload = "200 OK", self.handle(path[len(API) + 1:], body)
        except InvalidInput as err:
            status, payload = "400 Bad Request", {"error": {"type": "InvalidInput", "message": str(err)}}
        except Exception as err:  # noqa: BLE001 - reported to the client, never a traceback page
            status, payload = "500 Internal Server Error", {"error": {"type": type(err).__name__,
                                                                      "message": str(err)}}
        data = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def handle(self, action: str, body: dict[str, Any]) -> dict[str, Any]:
        if action == "ping":
            return {"server": "labkit", "api": 1}
        if action == "accounts":
            account = mock.allocate_account(shared=bool(body.get("shared")))
            self.accounts.add(account)
            return {"account_id": account}
        if action == "image":
            return _store_image(body)
        if action not in ("release", "wipe", "clock", "advance", "interrupt-spot", "quota", "load",
                          "load-balancer-url", "endpoint", "let-tasks-run"):
            raise InvalidInput(f"unknown labkit control action {action!r}.")
        account = str(body.get("account_id", ""))
        if not account.isdigit() or len(account) != 12:
            raise InvalidInput(f"account_id {account!r}: expected the 12-digit account of a lab.")
        if action == "release":
            mock.release_account(account)
            return {}
        if action == "wipe":
            mock.wipe_account(account)
            return {}
        if action == "clock":
            clock = mock.clock(account)
            return {"now": clock.now().isoformat(), "elapsed": clock.elapsed}
        if action == "advance":
            clock = mock.clock(account)
            clock.advance(float(body.get("seconds", 0)))
            return {"now": clock.now().isoformat(), "elapsed": clock.elapsed}
        if action == "quota":
            return {"quotas": mock.set_quota(account, body.get("on_demand_vcpu"), body.get("spot_vcpu"))}
        if action == "load":
            work = {k: body.get(k) for k in ("vcpu", "memory_gb", "requests_per_second")}
            load = mock.set_load(account, str(body["region"]), str(body["cluster"]), str(body["service"]), **work)
            return dataclasses.asdict(load)
        if action == "load-balancer-url":
            return {"url": mock.load_balancer_url(account, str(body["region"]), str(body["name"]))}
        if action in ("endpoint", "let-tasks-run"):
            return _tasks_action(action, account, body)
        if action == "interrupt-spot":
            arns = mock.interrupt_spot(account, str(body["region"]), str(body["cluster"]), body.get("service"),
                                       int(body.get("count", 1)))
            return {"task_arns": arns}
        raise InvalidInput(f"unknown labkit control action {action!r}.")


def _signed_service(authorization: str) -> str:
    """The AWS service a SigV4 request is signed for (`Credential=KEY/DATE/REGION/SERVICE/aws4_request`)."""
    scope = authorization.split("Credential=", 1)[-1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) > 3 else ""


def refusal(environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """The 403 another user's request gets: AccessDenied, in the error format its client (boto3, the AWS CLI,
    HttpControl) reads, so that it shows NOT_YOURS rather than a parse error."""
    from xml.sax.saxutils import escape

    if environ.get("PATH_INFO", "").startswith((API + "/", "/moto-api")):
        body, kind = json.dumps({"error": {"type": "AccessDenied", "message": NOT_YOURS}}), "application/json"
        headers = []
    elif _signed_service(environ.get("HTTP_AUTHORIZATION", "")) == "ec2":
        body = (f"<Response><Errors><Error><Code>AuthFailure</Code><Message>{escape(NOT_YOURS)}</Message></Error>"
                "</Errors><RequestID>labkit</RequestID></Response>")
        kind, headers = "text/xml", []
    elif "x-www-form-urlencoded" in environ.get("CONTENT_TYPE", ""):  # the query protocol: IAM, STS, ELB, ...
        body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{escape(NOT_YOURS)}"
                "</Message></Error><RequestId>labkit</RequestId></ErrorResponse>")
        kind, headers = "text/xml", []
    else:  # JSON and REST-JSON: ECS, ECR, Logs, EKS, ...
        body = json.dumps({"__type": "AccessDeniedException", "message": NOT_YOURS})
        kind, headers = "application/x-amz-json-1.1", [("x-amzn-ErrorType", "AccessDeniedException")]
    data = body.encode()
    return "403 Forbidden", [("Content-Type", kind), ("Content-Length", str(len(data))), *headers], data


def _store_image(body: dict[str, Any]) -> dict[str, Any]:
    """Keep an image a Lab in another process built (`push_image`), under its digest."""
    from labkit.mock.runtime import images

    digest = str(body.get("digest", ""))
    if not digest.startswith("sha256:"):
        raise InvalidInput(f"digest {digest!r}: expected an image digest such as 'sha256:...'.")
    images.store(digest, images.Image.from_payload(body.get("image") or {}))
    return {}


def _tasks_action(action: str, account: str, body: dict[str, Any]) -> dict[str, Any]:
    """Where a task answers (`lab.endpoint`), or a moment of wall time for the account's task processes."""
    from labkit.mock.runtime import give_wall_time, reach

    if action == "let-tasks-run":
        give_wall_time(account)
        return {}
    found = reach.address(account, str(body.get("task_arn", "")), int(body.get("port") or 0))
    return {"address": list(found) if found else None}


# --- running a server -------------------------------------------------------------------------------------
def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    """Whether something already listens on 127.0.0.1:`port`."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return True
    return False


def _silence_werkzeug() -> None:
    logger = logging.getLogger("werkzeug")
    logger.setLevel(logging.ERROR)
    logger.disabled = True


def _owner_only(handler: type) -> type:
    """A request handler that asks once per connection whether its client is this server's user (PEER_OK)."""

    class OwnerOnlyHandler(handler):  # type: ignore[misc,valid-type]
        same_user = False

        def handle(self) -> None:
            self.same_user = peers.same_user(self.client_address[:2], self.server.server_address[:2])
            super().handle()

        def make_environ(self) -> dict[str, Any]:
            environ = super().make_environ()
            environ[PEER_OK] = self.same_user
            return environ

    return OwnerOnlyHandler


def start_server(port: int = 0) -> ServerHandle:
    """Start moto's server with the Fargate layer on 127.0.0.1:`port` (0: any free port) in a thread.

    Returns (url, stop) as a ServerHandle. A port in use raises LabkitError naming a free one. Only the user
    running this process is answered (see the module's docstring).
    """
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise InvalidInput(f"port {port!r}: give a TCP port from 1 to 65535, or 0 for any free port.")
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    mock.apply()
    os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")  # AmazonECSTaskExecutionRolePolicy & co.
    _silence_werkzeug()
    app = ControlAPI(DomainDispatcherApplication(create_backend_app))
    busy = LabkitError(f"port {port} on {HOST} is in use; try `labkit server --port {free_port()}` (a free port "
                       f"right now), or stop what uses {port}.")
    if port and port_in_use(port):
        raise busy
    try:  # werkzeug prints and calls sys.exit when the port is taken after all (a race): catch both
        server = make_server(HOST, port, app, threaded=True, request_handler=_owner_only(MotoRequestHandler))
    except (OSError, SystemExit) as err:
        raise busy from err
    thread = threading.Thread(target=server.serve_forever, name="labkit-server", daemon=True)
    thread.start()
    url = f"http://{HOST}:{server.server_port}"
    stopped = threading.Event()

    def stop() -> None:
        if not stopped.is_set():
            stopped.set()
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
            _end_tasks(app.accounts)

    return ServerHandle(url, stop)


def _end_tasks(accounts: set[str]) -> None:
    """A stopped server's task processes end with it (only if it ever ran one: the runtime is imported then)."""
    import sys

    registry = sys.modules.get("labkit.mock.runtime.registry")
    for account in sorted(accounts) if registry is not None else []:
        registry.end_account(account)


def state_file() -> Path:
    """Where `labkit server` writes its endpoint for `connect("local")` to find ($LABKIT_STATE_DIR overrides)."""
    base = os.environ.get(STATE_DIR_ENV) or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(Path.home(), ".cache"), "labkit")
    return Path(base) / "server.json"


def _write_state(url: str) -> None:
    """Record the endpoint where only this user may read it (a folder 0700, a file 0600)."""
    path = state_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file left by an older labkit keeps its mode through O_TRUNC
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(json.dumps({"url": url, "pid": os.getpid()}))


def read_state() -> str | None:
    try:
        return json.loads(state_file().read_text(encoding="utf-8")).get("url")
    except (OSError, ValueError):
        return None


def _clear_state(url: str) -> None:
    if read_state() == url:
        try:
            state_file().unlink()
        except OSError:
            pass


def cli_settings(url: str) -> list[str]:
    """What to type so that the AWS CLI in a terminal talks to this server (mock credentials, no real ones)."""
    return ["export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1",
            f"export AWS_ENDPOINT_URL={url}",
            f"aws --endpoint-url {url} ecs list-clusters"]


def serve_forever(target: int | ServerHandle = DEFAULT_PORT, announce: Callable[[str], None] | None = None) -> None:
    """Serve until Ctrl-C (the `labkit server` command): a port to start on, or a server already started.

    Writes the state file `connect("local")` reads, and makes the server's clocks also run with wall time, so
    that `aws ecs wait ...` in a terminal works as on AWS. `announce(text)` hears how to reach it. A server
    started here is stopped on the way out; a handle passed in is left for its owner to stop.
    """
    mock.follow_wall_time(True)
    handle = start_server(target) if isinstance(target, int) else target
    _write_state(handle.url)
    if announce is not None:
        announce("\n".join([f"labkit server: mock Fargate listening on {handle.url} (this machine only). "
                            "Ctrl-C stops it.", "Notebooks: labkit.connect('local') finds it. AWS CLI in a terminal:"]
                           + [f"  {line}" for line in cli_settings(handle.url)]))
    _stop_on_sigterm()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        _clear_state(handle.url)
        if isinstance(target, int):
            handle.stop()


def _stop_on_sigterm() -> None:
    """`kill` (SIGTERM) stops a server as Ctrl-C does, so that it removes its state file."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return

    def interrupt(*_: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def kernel_server_url() -> str:
    """A server inside this process, started once and stopped at interpreter exit."""
    global _kernel_server
    with _kernel_lock:
        if _kernel_server is None:
            _kernel_server = start_server(0)
            atexit.register(_kernel_server.stop)
        return _kernel_server.url
