"""`labkit.connect()`: a Lab is boto3 clients for one mode and region, a lab id tagged on everything, a clock.

Modes: "mock" (moto in this process plus labkit's Fargate layer), "local" (the same layer in a moto server
on 127.0.0.1, shared with the AWS CLI), "real" (AWS itself, behind guardrails and a budget). Code written
against `lab.client("ecs")` runs unchanged in all three.
"""

from __future__ import annotations

import re
import secrets
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from labkit.errors import GuardrailError, InvalidInput

if TYPE_CHECKING:
    from labkit.mock_meter import Bill
    from labkit.teardown import TeardownReport

MODES = ("mock", "local", "real")
SERVICES = ("ecs", "ec2", "ecr", "iam", "logs", "eks", "application-autoscaling", "sts",
            "resourcegroupstaggingapi")
COURSE = "fargate-lab-kit"
TAG_LAB = "labkit:lab"
TAG_COURSE = "labkit:course"
TAG_STYLES = ("key", "Key", "dict")
LAB_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
ACCOUNT_HEADER = "x-moto-account-id"  # moto picks the account of a request from this header
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing",
                     "aws_session_token": "testing"}

_botocore_lock = threading.Lock()
_shared_botocore: Any = None


def _shared_session() -> Any:
    """One botocore session for all mock/local clients: its loaded service models are reused (fast clients)."""
    global _shared_botocore
    with _botocore_lock:
        if _shared_botocore is None:
            import botocore.session

            _shared_botocore = botocore.session.get_session()
        return _shared_botocore


def _new_lab_id() -> str:
    return secrets.token_hex(3)


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
        pairs = [(TAG_LAB, self.id), (TAG_COURSE, COURSE)]
        if style == "key":
            return [{"key": k, "value": v} for k, v in pairs]
        if style == "Key":
            return [{"Key": k, "Value": v} for k, v in pairs]
        if style == "dict":
            return dict(pairs)
        raise InvalidInput(f"tag_list style {style!r} is not known; use one of {', '.join(TAG_STYLES)} "
                           "(ECS uses 'key', EC2/IAM/ECR use 'Key', CloudWatch Logs uses 'dict').")

    # --- clients ----------------------------------------------------------------------------------
    def client(self, service_name: str) -> Any:
        """A boto3 client for `service_name` in this lab's mode, region and account (made once, then cached)."""
        if service_name not in SERVICES:
            raise InvalidInput(f"lab.client({service_name!r}): this course uses {', '.join(SERVICES)}; "
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

    def _make_client(self, service_name: str) -> Any:
        from botocore.config import Config

        from labkit import tagging

        if self.mode == "real":
            from labkit import guardrails

            client = self._session.client(service_name, region_name=self.region, endpoint_url=self.endpoint_url)
            tagging.install(self, client)
            guardrails.install(self, client)
            return client
        import boto3

        session = boto3.Session(botocore_session=_shared_session())
        config = Config(retries={"mode": "standard", "max_attempts": 2}, connect_timeout=5, read_timeout=60)
        client = session.client(service_name, region_name=self.region, endpoint_url=self.endpoint_url,
                                config=config, **DUMMY_CREDENTIALS)
        account = self.account_id

        def add_account_header(request: Any, **_: Any) -> None:
            request.headers[ACCOUNT_HEADER] = account

        client.meta.events.register("before-sign", add_account_header)
        client._labkit_clock = self.clock  # boto3 waiters on this client wait in simulated time
        tagging.install(self, client)
        return client

    # --- what the mock layer adds ----------------------------------------------------------------
    def _need_simulation(self, what: str) -> None:
        if self.mode == "real":
            raise InvalidInput(f"{what} exists in mock and local modes only; in real mode AWS decides.")

    def interrupt_spot(self, cluster: str = "labkit", service: str | None = None, count: int = 1) -> list[str]:
        """Give up to `count` running FARGATE_SPOT tasks the two-minute warning (mock/local); returns their ARNs.

        After the warning they stop with stopCode SpotInterruption, and their service starts replacements.
        """
        self._need_simulation("interrupt_spot")
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise InvalidInput(f"interrupt_spot count={count!r}; expected a whole number of tasks, 1 or more.")
        return self._control.interrupt_spot(self.account_id, self.region, cluster, service, count)

    def reset(self) -> None:
        """Mock/local: wipe every resource of this lab's account and restart its clock."""
        self._need_simulation("reset")
        if self.shared_account:
            raise InvalidInput("this lab shares the default account with others (shared_account=True); "
                               "reset() would wipe theirs too. Use lab.teardown() instead.")
        self._control.wipe(self.account_id)
        self.created.clear()

    def bill(self) -> Bill:
        """What the lab's Fargate tasks cost so far, by service and by task (billing minimums included)."""
        from labkit import mock_meter

        return mock_meter.bill(self)

    # --- teardown ---------------------------------------------------------------------------------
    def teardown(self) -> TeardownReport:
        """Delete everything the lab made (found by its tags and by what it recorded); safe to repeat."""
        from labkit import teardown

        report = teardown.teardown_lab(self)
        self.created.clear()
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


# --- controls: what a mode does beyond boto3 ----------------------------------------------------------
class _InProcessControl:
    """Mock mode: the Fargate layer is in this process."""

    def interrupt_spot(self, account: str, region: str, cluster: str, service: str | None,
                       count: int) -> list[str]:
        from labkit import mock

        return mock.interrupt_spot(account, region, cluster, service, count)

    def wipe(self, account: str) -> None:
        from labkit import mock

        mock.wipe_account(account)

    def release(self, account: str) -> None:
        from labkit import mock

        mock.release_account(account)


def _check_mode(mode: str | None) -> str:
    if mode is None:
        from labkit.doctor import current_mode

        mode = current_mode()
    if not isinstance(mode, str) or mode.strip().lower() not in MODES:
        raise InvalidInput(f"mode {mode!r} is not known; use one of {', '.join(MODES)} "
                           "(mock is offline and the default).")
    return mode.strip().lower()


def _check_lab_id(lab_id: str | None) -> str:
    if lab_id is None:
        return _new_lab_id()
    if not isinstance(lab_id, str) or not LAB_ID_PATTERN.match(lab_id) or lab_id == "all":
        raise InvalidInput(f"lab_id {lab_id!r} is not usable as a tag; give 1-32 lower-case letters, digits "
                           "or dashes, starting with a letter or digit (and not 'all'), or leave it out.")
    return lab_id


def _check_region(region: str) -> str:
    if not isinstance(region, str) or not re.match(r"^[a-z]{2}(-[a-z]+)+-\d$", region):
        raise InvalidInput(f"region {region!r} does not look like an AWS region; give one such as 'us-east-1'.")
    return region


def connect(mode: str | None = None, *, region: str = "us-east-1", lab_id: str | None = None,
            budget_usd: float | None = None, endpoint_url: str | None = None,
            shared_account: bool = False) -> Lab:
    """Open a lab: mock (default, from $LABKIT_MODE), local (a `labkit server`) or real (AWS, with a budget)."""
    mode = _check_mode(mode)
    region = _check_region(region)
    lab_id = _check_lab_id(lab_id)
    if mode == "mock":
        return _connect_mock(region, lab_id, shared_account)
    if mode == "local":
        from labkit import server

        return server.connect_local(region=region, lab_id=lab_id, endpoint_url=endpoint_url,
                                    shared_account=shared_account)
    return _connect_real(region, lab_id, budget_usd, endpoint_url)


def _connect_mock(region: str, lab_id: str, shared_account: bool) -> Lab:
    from labkit import mock

    mock.start()
    account = mock.allocate_account(shared=shared_account)
    return Lab(mode="mock", region=region, lab_id=lab_id, account_id=account, clock=mock.clock(account),
               shared_account=shared_account, control=_InProcessControl())


def _connect_real(region: str, lab_id: str, budget_usd: float | None, endpoint_url: str | None) -> Lab:
    if budget_usd is None:
        raise GuardrailError("real mode deploys to AWS and costs money; pass a budget, e.g. "
                             "labkit.connect('real', budget_usd=5), and labkit will refuse to go beyond it.")
    if isinstance(budget_usd, bool) or not isinstance(budget_usd, (int, float)) or budget_usd <= 0:
        raise InvalidInput(f"budget_usd={budget_usd!r}; expected a positive number of US dollars such as 5.")
    import boto3

    from labkit.clock import WallClock

    lab = Lab(mode="real", region=region, lab_id=lab_id, account_id=None, clock=WallClock(),
              endpoint_url=endpoint_url, budget_usd=float(budget_usd), session=boto3.Session(region_name=region))
    _guardrail_hook("check_connect", lab)
    return lab


def _guardrail_hook(hook_name: str, lab: Lab, *args: Any, **kwargs: Any) -> None:
    """The single call site for real-mode guardrails (labkit.guardrails, when present): check_connect, before_create."""
    if lab.mode != "real":
        return
    try:
        from labkit import guardrails  # type: ignore[attr-defined]
    except ImportError:
        return
    hook: Callable[..., Any] | None = getattr(guardrails, hook_name, None)
    if hook is not None:
        hook(lab, *args, **kwargs)


def before_create(lab: Lab, kind: str, **details: Any) -> None:
    """Called by labkit.deploy before each create; real mode's guardrails may estimate, ask or refuse."""
    _guardrail_hook("before_create", lab, kind, **details)
