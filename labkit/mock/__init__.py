"""Mock mode: moto in process (or in `labkit server`) made to behave like Fargate where it falls short.

This module is the one door to the mock layer. `start()` applies the patches once and starts one
`mock_aws` for the process; labs get accounts from `allocate_account()` so that several labs in one
kernel do not see each other; each account has a simulated clock. The patches live beside it, one job each:

- `mock_rules`: Fargate's refusals on the API itself (AWS's exception types and messages);
- `mock_eks`: EKS's refusals on CreateFargateProfile (selector count, namespace);
- `mock_fixes`: inputs that crash moto 5.2.5 answered as AWS answers them;
- `mock_tasks`: the task lifecycle on the simulated clock, the fields `describe_tasks` lacks, awslogs lines;
- `mock_services`: services that schedule tasks, deployments, and RunTask's launches;
- `mock_capacity`: FARGATE/FARGATE_SPOT placement by base and weight, and Spot interruptions;
- `mock_logs`: the awslogs driver's startup lines;
- `mock_meter`: the cost meter behind `lab.bill()`;
- `mock_waiters`: boto3 waiters that wait in simulated time instead of sleeping.

moto is imported lazily: `import labkit` stays fast.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from labkit.mock.clock import SimulatedClock

DEFAULT_ACCOUNT = "123456789012"  # moto's default account (moto.core.DEFAULT_ACCOUNT_ID)
MOCK_CONFIG = {"iam": {"load_aws_managed_policies": True}}

_lock = threading.RLock()
_applied = False
_mock: Any = None
_enabled = True
_accounts_in_use: set[str] = set()
_accounts_known: set[str] = set()
_clocks: dict[str, SimulatedClock] = {}
_follow_wall = False  # a labkit server's clocks also run with wall time (see labkit.mock.server)


def enabled() -> bool:
    """Whether the Fargate layer is active (the benchmark turns it off to time raw moto)."""
    return _enabled


@contextmanager
def disabled() -> Iterator[None]:
    """Run a block against raw moto, without labkit's Fargate layer (for `make bench` comparisons)."""
    global _enabled
    with _lock:
        before, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = before


def apply() -> None:
    """Install the Fargate layer on moto's backends, once per process; warn plainly if moto is not the pinned one."""
    global _applied
    with _lock:
        if _applied:
            return
        from labkit.mock import fast_start
        fast_start.install()  # first: before moto makes its botocore Sessions
        warn_if_moto_differs()
        from labkit.mock import eks as mock_eks
        from labkit.mock import waiters as mock_waiters
        from labkit.mock.ecs import fixes as mock_fixes
        from labkit.mock.ecs import rules as mock_rules
        from labkit.mock.ecs import services as mock_services
        from labkit.mock.ecs import tasks as mock_tasks

        _speed_up_new_accounts()
        mock_tasks.install()
        mock_services.install()
        mock_fixes.install()
        mock_rules.install()
        mock_eks.install()
        mock_waiters.install()
        _applied = True


def warn_if_moto_differs() -> None:
    """A plain RuntimeWarning when the installed moto is not the one the layer was built and tested on."""
    from labkit.mock import versions

    mismatch = versions.moto_mismatch()
    if mismatch:
        warnings.warn(f"{mismatch}; mock mode may misbehave ({versions.MOTO_FIX}).", RuntimeWarning, stacklevel=3)


def _clone(obj: Any) -> Any:
    """A shallow copy of a plain moto model object (its attributes in a new dict), faster than copy.copy."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def _speed_up_new_accounts() -> None:
    """Make a new lab's account cheap: parse moto's AWS-managed IAM policies once per process, not per
    account, and skip moto's 1,300 sample AMIs (with their snapshots), which a Fargate course never uses.
    Set MOTO_EC2_LOAD_DEFAULT_AMIS=true before connecting to get them back.
    """
    import functools
    import json
    import os

    from moto.iam import models as iam_models

    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")

    @functools.cache
    def templates(partition_region: str) -> list[Any]:
        """moto's AWSManagedPolicy objects, built once per partition (the documents parsed and dumped once)."""
        return [iam_models.AWSManagedPolicy.from_data(name, DEFAULT_ACCOUNT, partition_region, data)
                for name, data in json.loads(iam_models.aws_managed_policies_data).items()]

    def init_aws_policies(self: Any) -> list[Any]:
        if not iam_models.load_iam_aws_managed_policies():
            return []
        region = self.region_name if iam_models.get_partition(self.region_name) != "aws" else "us-east-1"
        policies = []
        for template in templates(region):
            policy = _clone(template)  # a managed policy's name, id and document are the same in every account
            policy.account_id = self.account_id
            policy.tags = {}  # what an account may change is its own
            policy.versions = [_clone(v) for v in template.versions]
            policies.append(policy)
        return policies

    iam_models.IAMBackend._init_aws_policies = init_aws_policies


def start() -> None:
    """Apply the layer and start the process's one in-process `mock_aws` (idempotent)."""
    global _mock
    apply()
    with _lock:
        if _mock is None:
            from moto import mock_aws

            _mock = mock_aws(config=MOCK_CONFIG)
            _mock.start()


def follow_wall_time(on: bool = True) -> None:
    """Make clocks made from now on also run with wall time (a `labkit server` does this)."""
    global _follow_wall
    _follow_wall = on


def in_process() -> bool:
    """Whether an in-process mock is running (waiters then wait in simulated time)."""
    return _mock is not None


def account_for_index(index: int) -> str:
    """The account id of the n-th lab of a process: moto's default first, then the ones after it."""
    return f"{int(DEFAULT_ACCOUNT) + index:012d}"


def allocate_account(shared: bool = False) -> str:
    """An account for a new lab: the shared default account, or the first one no open lab uses.

    An account released by a torn-down lab is wiped before it is handed out again.
    """
    with _lock:
        if shared:
            _accounts_known.add(DEFAULT_ACCOUNT)
            return DEFAULT_ACCOUNT
        index = 0
        while account_for_index(index) in _accounts_in_use:
            index += 1
        account = account_for_index(index)
        if account in _accounts_known and not (shared and account == DEFAULT_ACCOUNT):
            wipe_account(account)
        _accounts_in_use.add(account)
        _accounts_known.add(account)
        return account


def release_account(account: str) -> None:
    """Give an account back after its lab was torn down; the next lab to take it starts from empty."""
    with _lock:
        _accounts_in_use.discard(account)


def clock(account: str) -> SimulatedClock:
    """The simulated clock of an account (made on first use)."""
    with _lock:
        if account not in _clocks:
            new = SimulatedClock(follow_wall=_follow_wall)
            new.on_advance(lambda before, after, acct=account: _settle(acct))
            _clocks[account] = new
        return _clocks[account]


def now(account: str) -> datetime:
    """Simulated time in an account."""
    return clock(account).now()


def _settle(account: str) -> None:
    from labkit.mock.ecs import services as mock_services

    mock_services.settle_account(account)


def wipe_account(account: str) -> None:
    """Delete every resource of one account in every service and restart its clock (other accounts untouched)."""
    from moto.core.base_backend import BackendDict, backend_lock

    with backend_lock:
        for backend_dict in list(BackendDict._instances):  # type: ignore[attr-defined]
            if dict.__contains__(backend_dict, account):
                dict.__delitem__(backend_dict, account)
    with _lock:
        if account in _clocks:
            _clocks[account].restart()


def interrupt_spot(account: str, region: str, cluster: str, service: str | None = None,
                   count: int = 1) -> list[str]:
    """Send the Spot two-minute warning to up to `count` running FARGATE_SPOT tasks; returns their ARNs."""
    from labkit.mock.ecs import capacity as mock_capacity

    return mock_capacity.interrupt_spot(account, region, cluster, service, count)
