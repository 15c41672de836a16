"""Local mode from the notebook's side: find a `labkit server` (or start one in this kernel) and open a Lab on it.

The server may be another process, so what plain AWS calls cannot do (accounts, the simulated clock, Spot
interruptions, wiping an account, images built at push time, where a task answers) goes through its small
control API under `/labkit/v1/` (`HttpControl`). Task processes run in the server's process.
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from datetime import datetime
from typing import Any

from labkit.errors import InvalidInput, LabkitError
from labkit.lab.session import Lab
from labkit.mock import waiters
from labkit.mock.clock import RemoteClock
from labkit.mock.server import API, kernel_server_url, read_state
from labkit.model.scaling import Load

ENDPOINT_ENV = "LABKIT_ENDPOINT"


class NotYourServer(LabkitError):
    """The labkit server at a URL belongs to another user of this machine and refuses this one."""


class HttpControl:
    """The client side of the control API (what a local-mode Lab calls)."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def call(self, action: str, **body: Any) -> dict[str, Any]:
        request = urllib.request.Request(f"{self.url}{API}/{action}", data=json.dumps(body).encode(),
                                         headers={"Content-Type": "application/json"}, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as err:
            try:
                problem = json.loads(err.read())["error"]
            except Exception:  # noqa: BLE001 - not our server's JSON
                raise LabkitError(f"{self.url} answered HTTP {err.code}: is it a labkit server?") from err
            if problem.get("type") == "InvalidInput":
                raise InvalidInput(problem["message"]) from None
            if problem.get("type") == "AccessDenied":
                raise NotYourServer(f"{self.url}: {problem.get('message')}") from None
            raise LabkitError(f"labkit server: {problem.get('type')}: {problem.get('message')}") from None
        except (urllib.error.URLError, OSError) as err:
            raise LabkitError(f"cannot reach the labkit server at {self.url} ({err}); start one with "
                              "`labkit server`, or unset LABKIT_ENDPOINT to let connect('local') start one.") from err

    def ping(self) -> bool:
        try:
            return self.call("ping").get("api") == 1
        except LabkitError:
            return False

    def allocate(self, shared: bool) -> str:
        return self.call("accounts", shared=shared)["account_id"]

    def release(self, account: str) -> None:
        self.call("release", account_id=account)

    def wipe(self, account: str) -> None:
        self.call("wipe", account_id=account)

    def clock(self, account: str) -> tuple[datetime, float]:
        answer = self.call("clock", account_id=account)
        return datetime.fromisoformat(answer["now"]), float(answer["elapsed"])

    def advance(self, account: str, seconds: float) -> datetime:
        return datetime.fromisoformat(self.call("advance", account_id=account, seconds=seconds)["now"])

    def set_quota(self, account: str, on_demand_vcpu: float | None, spot_vcpu: float | None) -> dict[str, float]:
        return self.call("quota", account_id=account, on_demand_vcpu=on_demand_vcpu, spot_vcpu=spot_vcpu)["quotas"]

    def set_load(self, account: str, region: str, cluster: str, service: str, **work: float | None) -> Any:
        return Load(**self.call("load", account_id=account, region=region, cluster=cluster, service=service, **work))

    def load_balancer_url(self, account: str, region: str, name_or_arn: str) -> str | None:
        return self.call("load-balancer-url", account_id=account, region=region, name=name_or_arn)["url"]

    def put_image(self, digest: str, image: Any) -> None:
        self.call("image", digest=digest, image=image.to_payload())

    def task_address(self, account: str, task_arn: str, port: int) -> tuple[str, int] | None:
        found = self.call("endpoint", account_id=account, task_arn=task_arn, port=port).get("address")
        return (str(found[0]), int(found[1])) if found else None

    def let_tasks_run(self, account: str) -> None:
        self.call("let-tasks-run", account_id=account)

    def interrupt_spot(self, account: str, region: str, cluster: str, service: str | None, count: int) -> list[str]:
        return self.call("interrupt-spot", account_id=account, region=region, cluster=cluster, service=service,
                         count=count)["task_arns"]


def find_endpoint(endpoint_url: str | None = None) -> str:
    """The server to use: the one given, $LABKIT_ENDPOINT, a running `labkit server`, else one in this kernel.

    A running `labkit server` is found through the state file it leaves in this user's home (`state_file()`), so
    learners sharing a machine each find their own; one given that belongs to another user raises NotYourServer.
    """
    given = endpoint_url or os.environ.get(ENDPOINT_ENV)
    if given:
        try:
            answers = HttpControl(given).call("ping").get("api") == 1
        except NotYourServer:
            raise
        except LabkitError:
            answers = False
        if not answers:
            raise LabkitError(f"{given} does not answer as a labkit server; start one with `labkit server`, "
                              f"or unset {ENDPOINT_ENV}.")
        return given
    recorded = read_state()
    if recorded and HttpControl(recorded).ping():
        return recorded
    return kernel_server_url()


def connect_local(*, region: str, lab_id: str, endpoint_url: str | None, shared_account: bool) -> Lab:
    """A local-mode Lab on a labkit server (see `find_endpoint`)."""
    # The server may be another process: this one then has no in-process mock, so install the simulated-time
    # waiters here too (they act only on clients carrying a simulated clock, as this lab's do).
    waiters.install()
    url = find_endpoint(endpoint_url)
    control = HttpControl(url)
    account = control.allocate(shared_account)
    clock = RemoteClock(lambda: control.clock(account), lambda seconds: control.advance(account, seconds),
                        lambda: control.let_tasks_run(account))
    return Lab(mode="local", region=region, lab_id=lab_id, account_id=account, clock=clock, endpoint_url=url,
               shared_account=shared_account, control=control)
