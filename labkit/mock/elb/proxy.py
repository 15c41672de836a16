"""The loopback listener: real HTTP requests to a load balancer, forwarded to its healthy targets round robin.

Each HTTP listener a lab asks the address of (`url_for`) gets a small threaded HTTP proxy on 127.0.0.1 (never all
interfaces), on a free port. A request settles the simulated AWS to now, picks the next target in service of the
listener's forward action (round robin over the healthy targets of its target groups; when every registered target
is unhealthy the load balancer fails open and uses them all, as ALBs do), and forwards the request to the task's
container port (`labkit.mock.elb.address.task_address`). No target in service: 503, as an ALB answers; a target
that does not answer: 502. Each forwarded request counts toward its target group's RequestCountPerTarget.

Proxies stop when their listener or load balancer is deleted, and when the lab's account is wiped or released.
"""

from __future__ import annotations

import http.client
import itertools
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from moto.elbv2.models import ELBv2Backend, elbv2_backends

from labkit.errors import InvalidInput
from labkit.mock import timeline
from labkit.mock.accounts import now as account_now
from labkit.mock.accounts import when_account_ends
from labkit.mock.elb import address, traffic
from labkit.mock.elb.health import task_for
from labkit.mock.elb.targets import Target, targets_of
from labkit.mock.patch import patch
from labkit.mock.state import LOCK
from labkit.model import health

HOST = "127.0.0.1"
FORWARD_TIMEOUT = 30.0  # seconds of real time a forwarded request may take
HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
              "transfer-encoding", "upgrade", "host"}
_PAGES = {502: "502 Bad Gateway", 503: "503 Service Temporarily Unavailable"}

_proxies: dict[tuple[str, str, str], Any] = {}  # (account, region, listener ARN) -> its server


def in_service(groups: list[Any]) -> list[tuple[Any, Target]]:
    """The targets a listener forwards to: the healthy ones, or every unhealthy one when none is healthy."""
    registered = [(g, t) for g in groups for t in targets_of(g).values() if not t.draining]
    if any(not g.health_check_enabled for g, _ in registered):
        return registered
    healthy = [(g, t) for g, t in registered if t.health.state == health.HEALTHY]
    if healthy:
        return healthy
    unhealthy = [(g, t) for g, t in registered if t.health.state == health.UNHEALTHY]
    return unhealthy if unhealthy and len(unhealthy) == len(registered) else []


class _Listener:
    """One listener's loopback proxy: where it listens, and whom it forwards to next."""

    def __init__(self, account: str, region: str, listener_arn: str) -> None:
        self.account, self.region, self.listener_arn = account, region, listener_arn
        self.turn = itertools.count()
        self.server = ThreadingHTTPServer((HOST, 0), _handler(self))
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name=f"labkit-alb-{listener_arn[-8:]}", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.server.server_port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    def route(self) -> tuple[tuple[str, int] | None, bool]:
        """Where the next request goes (None: nowhere), and whether any target was in service."""
        with LOCK:
            timeline.settle(self.account)
            elbv2 = elbv2_backends[self.account][self.region]
            listener = next((b.listeners.get(self.listener_arn) for b in elbv2.load_balancers.values()
                             if self.listener_arn in b.listeners), None)
            if listener is None:
                return None, False
            arns = [arn for a in listener.default_actions if a.type == "forward"
                    for arn in elbv2._get_target_group_arns_from(action_data=a.data)]
            candidates = in_service([elbv2.target_groups[a] for a in arns if a in elbv2.target_groups])
            if not candidates:
                return None, False
            group, target = candidates[next(self.turn) % len(candidates)]
            traffic.record(self.account, self.region, group.arn, account_now(self.account))
            task_arn = task_for(self.account, self.region, target)
        return (address.task_address(self.account, task_arn, target.port) if task_arn else None), True


def _handler(listener: _Listener) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            """Quiet: a notebook cell gains no access log."""

        def _answer(self, code: int) -> None:
            body = f"<html><body><center><h1>{_PAGES[code]}</h1></center></body></html>\n".encode()
            self.send_response(code)
            self.send_header("Server", "awselb/2.0")
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _forward(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            where, any_target = listener.route()
            if where is None:
                self._answer(502 if any_target else 503)
                return
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            headers["X-Forwarded-For"] = self.client_address[0]
            connection = http.client.HTTPConnection(*where, timeout=FORWARD_TIMEOUT)
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            except (OSError, http.client.HTTPException):
                self._answer(502)
                return
            finally:
                connection.close()
            self.send_response(answer.status, answer.reason)
            for key, value in answer.getheaders():
                if key.lower() not in HOP_BY_HOP and key.lower() != "content-length":
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _forward

    return Handler


# --- finding a load balancer's listener, starting and stopping proxies ----------------------------------------------
def find_balancer(elbv2: Any, name_or_arn: str) -> Any:
    """A load balancer of the account-region by ARN, name or DNS name (InvalidInput when there is none)."""
    for balancer in elbv2.load_balancers.values():
        if name_or_arn in (balancer.arn, balancer.name, balancer.dns_name):
            return balancer
    names = ", ".join(sorted(b.name for b in elbv2.load_balancers.values())) or "none yet"
    raise InvalidInput(f"no load balancer {name_or_arn!r} in this lab (its load balancers: {names}); give the name, "
                       "ARN or DNS name that create_load_balancer returned.")


def url_for(account: str, region: str, name_or_arn: str) -> str | None:
    """The loopback URL of a load balancer's HTTP listener (port 80 first), started on first use; None without one."""
    with LOCK:
        balancer = find_balancer(elbv2_backends[account][region], name_or_arn)
        listeners = sorted(balancer.listeners.values(), key=lambda li: (int(li.port) != 80, int(li.port)))
        listener = next((li for li in listeners if li.protocol == "HTTP"), None)
        if listener is None:
            return None
        key = (account, region, listener.arn)
        if key not in _proxies:
            _proxies[key] = _Listener(account, region, listener.arn)
        return _proxies[key].url


def _stop(keys: list[tuple[str, str, str]]) -> None:
    for key in keys:
        proxy = _proxies.pop(key, None)
        if proxy is not None:
            proxy.stop()


def stop_account(account: str) -> None:
    """Stop every loopback listener of an account (wiped, or released by its lab)."""
    _stop([k for k in list(_proxies) if k[0] == account])


when_account_ends(stop_account)


@patch(ELBv2Backend.delete_listener)
def delete_listener(fn: Any, self: Any, listener_arn: str) -> Any:
    """DeleteListener, and its loopback listener stops."""
    result = fn(self, listener_arn)
    _stop([(self.account_id, self.region_name, listener_arn)])
    return result


@patch(ELBv2Backend.delete_load_balancer)
def delete_load_balancer(fn: Any, self: Any, arn: str) -> None:
    """DeleteLoadBalancer, and the loopback listeners of its listeners stop."""
    balancer = self.load_balancers.get(arn)
    fn(self, arn)
    if balancer is not None:
        _stop([(self.account_id, self.region_name, li) for li in balancer.listeners])
