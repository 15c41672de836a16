"""A Lab: boto3 clients for one mode and region, a lab id tagged on everything, a clock, and teardown.

Code written against `lab.client("ecs")` runs unchanged in the three modes (`labkit.lab.connect` opens a Lab in
one of them).
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from labkit.errors import InvalidInput
from labkit.lab import guardrails, meter, mock_signing, services, tagging, teardown

ACCOUNT_HEADER = "x-moto-account-id"  # moto picks the account of a request from this header
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                     "aws_session_token": "testing"}

@functools.cache
def _shared_session() -> Any:
    """One boto3 session for all mock/local clients: its service models and handlers are set up once, and each
    lab's clients only add their own hooks (the account header, tags, the simulated clock)."""
    import boto3
    import botocore.session

    return boto3.Session(botocore_session=botocore.session.get_session())


class Lab:
    """One learner's lab: clients, a lab id, tags, a clock, and teardown of everything it made."""

    def __init__(self, *, mode: str, region: str, lab_id: str, account_id: str | None, clock: Any,
                 endpoint_url: str | None = None, budget_usd: float | None = None,
                 shared_account: bool = False, session: Any = None,
                 control: Any = None) -> None:
        self.id = lab_id
        self.mode = mode
        self.region = region
        self.clock = clock
        self.endpoint_url = endpoint_url
        self.budget_usd = budget_usd
        self.shared_account = shared_account
        self._account_id = account_id
        self._session = session
        self._control = control
        self._clients: dict[str, Any] = {}
        self._lock = threading.RLock()
        self._released = False
        #: what this lab made, as (kind, identifier) pairs, in creation order (teardown reads it too)
        self.created: list[tuple[str, str]] = []
        #: what real mode's guardrails told the learner (costs, refusals, progress), in order
        self.notices: list[str] = []
        #: where notices go as they happen (default: shown in the notebook, or on stderr in a terminal)
        self.on_notice: Callable[[str], None] | None = None
        #: facts asked of AWS once (see `remembered`), by what they are about
        self._memo: dict[str, dict[str, Any]] = {}

    # --- identity -------------------------------------------------------------------------------
    @property
    def account_id(self) -> str:
        """The AWS account the lab works in (in real mode, asked of STS on first use)."""
        if self._account_id is None:
            self._account_id = self.client("sts").get_caller_identity()["Account"]
        return self._account_id

    @property
    def tags(self) -> list[dict[str, str]]:
        """The tags on everything the lab makes, in ECS's lower-case `key`/`value` spelling."""
        return self.tag_list("key")

    def tag_list(self, style: str = "key") -> Any:
        """The lab's tags as a service wants them: "key" (ECS), "Key" (EC2, IAM, ...), "dict" (logs, ECR tags)."""
        return tagging.lab_tags(self.id, style)

    # --- clients ----------------------------------------------------------------------------------
    def client(self, service_name: str) -> Any:
        """A boto3 client for `service_name` in this lab's mode, region and account (made once, then cached)."""
        if service_name not in services.NAMES:
            raise InvalidInput(f"lab.client({service_name!r}): this course uses {', '.join(services.NAMES)}; "
                               "pick one of those.")
        with self._lock:
            if service_name not in self._clients:
                self._clients[service_name] = self._make_client(service_name)
            return self._clients[service_name]

    def services_in_use(self) -> frozenset[str] | None:
        """Services that may hold this lab's resources, so teardown need not search the rest.

        In mock mode with an account of its own, only this lab's clients reach that account. Elsewhere (a
        shared account, a local server the AWS CLI also uses, real AWS) anything may have made them: None.
        """
        if self.mode != "mock" or self.shared_account:
            return None
        with self._lock:
            return frozenset(self._clients)

    def remembered(self, about: str, *, real_too: bool = False) -> dict[str, Any]:
        """Where labkit's helpers keep facts about `about` they asked of AWS, to ask once instead of every time.

        Only when nothing but this lab can change them: mock mode with an account of its own, or real mode when
        `real_too` (AWS never reuses the identifier, such as a task definition's ARN). Elsewhere a fresh dict,
        so nothing is remembered. Any Delete call through the lab's clients forgets everything, as do
        teardown and reset (moto gives a deleted task definition's ARN to the next one registered).
        """
        if self.services_in_use() is None and not (real_too and self.mode == "real"):
            return {}
        with self._lock:
            return self._memo.setdefault(about, {})

    def forget(self) -> None:
        """Forget what `remembered` kept (something may have been deleted)."""
        with self._lock:
            self._memo.clear()

    def _forget_on_delete(self, client: Any) -> None:
        def hook(model: Any, **_: Any) -> None:
            if model.name.startswith(("Delete", "Deregister")):
                self.forget()

        client.meta.events.register("before-call", hook)

    def _record_task_definitions(self, client: Any) -> None:
        """Record the task definitions this ECS client registers, whoever calls it (a learner's cell too), so
        teardown knows them without reading their tags one by one. Only in an account of the lab's own: in a
        shared account moto may give a deleted one's ARN to another lab's next one."""
        def hook(http_response: Any, parsed: dict[str, Any], **_: Any) -> None:
            arn = (parsed.get("taskDefinition") or {}).get("taskDefinitionArn")
            if arn and 200 <= getattr(http_response, "status_code", 0) < 300 and self.services_in_use() is not None:
                self.record("task definition", arn)

        client.meta.events.register("after-call.ecs.RegisterTaskDefinition", hook)

    def _make_client(self, service_name: str) -> Any:
        from botocore.config import Config

        if self.mode == "real":
            client = self._session.client(service_name, region_name=self.region, endpoint_url=self.endpoint_url)
            tagging.install(self, client, services.row(service_name).tags)
            guardrails.install(self, client)
            self._forget_on_delete(client)
            return client
        session = _shared_session()
        config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=60)
        client = session.client(service_name, region_name=self.region, endpoint_url=self.endpoint_url,
                                config=config, **DUMMY_CREDENTIALS)
        account = self.account_id

        def add_account_header(request: Any, **_: Any) -> None:
            request.headers[ACCOUNT_HEADER] = account

        client.meta.events.register("before-sign", add_account_header)
        mock_signing.use_for(client)  # the simulated AWS reads the credential scope, never the signature
        client._labkit_clock = self.clock  # boto3 waiters on this client wait in simulated time
        tagging.install(self, client, services.row(service_name).tags)
        self._forget_on_delete(client)
        if service_name == "ecs":
            self._record_task_definitions(client)
        return client

    # --- what the mock layer adds ----------------------------------------------------------------
    def _need_simulation(self, what: str) -> None:
        if self.mode == "real":
            raise InvalidInput(f"{what} exists in mock and local modes only; in real mode AWS decides.")

    def interrupt_spot(self, cluster: str = "labkit", service: str | None = None, count: int = 1) -> list[str]:
        """Give up to `count` running FARGATE_SPOT tasks the Spot warning (mock/local); returns their ARNs.

        Their containers get SIGTERM at once and SIGKILL `stopTimeout` later (default 30 s): they stop with
        stopCode SpotInterruption as soon as they exit, and their service starts replacements at the warning.
        """
        self._need_simulation("interrupt_spot")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidInput(f"interrupt_spot count={count!r}; expected a whole number of tasks, 1 or more.")
        return self._control.interrupt_spot(self.account_id, self.region, cluster, service, count)

    def set_quota(self, on_demand_vcpu: float | None = None, spot_vcpu: float | None = None) -> dict[str, float]:
        """Mock/local: the account's Fargate vCPU quotas, as a quota increase sets them (None keeps one).

        A new account starts with AWS's defaults (labkit.data, limits); past them RunTask starts no task and a
        service cannot place one. Returns {"FARGATE": vCPUs, "FARGATE_SPOT": vCPUs}. On AWS, ask Service Quotas.
        """
        if self.mode == "real":
            raise InvalidInput("set_quota exists in mock and local modes only; on AWS, request a quota increase "
                               "for 'Fargate On-Demand vCPU resource count' or 'Fargate Spot vCPU resource count' "
                               "in Service Quotas.")
        return self._control.set_quota(self.account_id, on_demand_vcpu, spot_vcpu)

    def load(self, cluster: str, service: str, vcpu: float | None = None, memory_gb: float | None = None,
             requests_per_second: float | None = None) -> Any:
        """The work a service receives from now on (mock/local): vCPU of work, GB of memory in use, requests per
        second; what is not given stays as it was. Its tasks' CPU and memory utilisation follow, every simulated
        minute, and so do CloudWatch's metrics, alarms and auto scaling."""
        if self.mode == "real":
            raise InvalidInput("lab.load() sets simulated work in mock and local modes only; on AWS the load comes "
                               "from real clients: send requests to your load balancer (for example with a load "
                               "testing tool) and watch CloudWatch.")
        return self._control.set_load(self.account_id, self.region, cluster, service, vcpu=vcpu,
                                      memory_gb=memory_gb, requests_per_second=requests_per_second)

    def endpoint(self, target: str, port: int | None = None) -> str:
        """The base URL where `target` (a task ARN) answers HTTP: `http://127.0.0.1:PORT` in mock and local modes,
        the task's public address in real mode. `port=` picks a container port (default: the first mapped)."""
        from labkit.lab.endpoint import endpoint

        return endpoint(self, target, port)

    def reset(self) -> None:
        """Mock/local: wipe every resource of this lab's account and restart its clock."""
        self._need_simulation("reset")
        if self.shared_account:
            raise InvalidInput("this lab shares the default account with others (shared_account=True); "
                               "reset() would wipe theirs too. Use lab.teardown() instead.")
        self._control.wipe(self.account_id)
        self.created.clear()
        self.forget()

    def bill(self) -> meter.Bill:
        """What the lab's Fargate tasks cost so far, by service and by task (billing minimums included)."""
        return meter.bill(self)

    # --- teardown ---------------------------------------------------------------------------------
    def teardown(self) -> teardown.TeardownReport:
        """Delete everything the lab made (found by its tags and by what it recorded); safe to repeat."""
        report = teardown.teardown_lab(self)
        self.created.clear()
        self.forget()
        self._release()
        return report

    def _release(self) -> None:
        if not self._released and self._control is not None and not self.shared_account:
            self._control.release(self.account_id)
        self._released = True

    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.teardown()

    def __repr__(self) -> str:
        return f"Lab(mode={self.mode!r}, region={self.region!r}, id={self.id!r})"

    def __str__(self) -> str:
        return f"Lab {self.id} ({self.mode} mode, {self.region})"

    def record(self, kind: str, identifier: str) -> None:
        """Remember a resource the lab made, for teardown (labkit.deploy calls this)."""
        with self._lock:
            if (kind, identifier) not in self.created:
                self.created.append((kind, identifier))
