"""`labkit.connect()`: open a Lab in one of three modes.

"mock" (the default): moto in this process plus labkit's Fargate layer. "local": the same layer in a moto server
on 127.0.0.1, shared with the AWS CLI. "real": AWS itself, behind guardrails and a budget.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from typing import Any

from labkit import mock
from labkit.errors import GuardrailError, InvalidInput
from labkit.lab import guardrails
from labkit.lab.local import connect_local
from labkit.lab.session import Lab
from labkit.lab.tagging import LAB_ID_PATTERN
from labkit.mock.clock import WallClock

MODES = ("mock", "local", "real")
MODE_ENV = "LABKIT_MODE"


def current_mode(environ: Mapping[str, str] | None = None) -> str:
    """The mode `labkit.connect()` uses when none is given: $LABKIT_MODE (of `environ`, else this process's),
    else mock."""
    return (os.environ if environ is None else environ).get(MODE_ENV, "mock").strip().lower() or "mock"


def _new_lab_id() -> str:
    return secrets.token_hex(3)


# --- controls: what a mode does beyond boto3 ----------------------------------------------------------
class InProcessControl:
    """Mock mode: the Fargate layer is in this process."""

    def interrupt_spot(self, account: str, region: str, cluster: str, service: str | None,
                       count: int) -> list[str]:
        return mock.interrupt_spot(account, region, cluster, service, count)

    def set_quota(self, account: str, on_demand_vcpu: float | None, spot_vcpu: float | None) -> dict[str, float]:
        return mock.set_quota(account, on_demand_vcpu, spot_vcpu)

    def set_load(self, account: str, region: str, cluster: str, service: str, **work: float | None) -> Any:
        return mock.set_load(account, region, cluster, service, **work)

    def load_balancer_url(self, account: str, region: str, name_or_arn: str) -> str | None:
        return mock.load_balancer_url(account, region, name_or_arn)

    def wipe(self, account: str) -> None:
        mock.wipe_account(account)

    def release(self, account: str) -> None:
        mock.release_account(account)

    def put_image(self, digest: str, image: Any) -> None:
        from labkit.mock.runtime import images

        images.store(digest, image)

    def task_address(self, account: str, task_arn: str, port: int) -> tuple[str, int] | None:
        from labkit.mock.runtime import reach

        return reach.address(account, task_arn, port)


def _check_mode(mode: str | None) -> str:
    if mode is None:
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
        return connect_local(region=region, lab_id=lab_id, endpoint_url=endpoint_url,
                                    shared_account=shared_account)
    return _connect_real(region, lab_id, budget_usd, endpoint_url)


def _connect_mock(region: str, lab_id: str, shared_account: bool) -> Lab:
    mock.start()
    account = mock.allocate_account(shared=shared_account)
    return Lab(mode="mock", region=region, lab_id=lab_id, account_id=account, clock=mock.clock(account),
               shared_account=shared_account, control=InProcessControl())


def _connect_real(region: str, lab_id: str, budget_usd: float | None, endpoint_url: str | None) -> Lab:
    if budget_usd is None:
        raise GuardrailError("real mode deploys to AWS and costs money; pass a budget, e.g. "
                             "labkit.connect('real', budget_usd=5), and labkit will refuse to go beyond it.")
    if isinstance(budget_usd, bool) or not isinstance(budget_usd, (int, float)) or budget_usd <= 0:
        raise InvalidInput(f"budget_usd={budget_usd!r}; expected a positive number of US dollars such as 5.")
    import boto3

    lab = Lab(mode="real", region=region, lab_id=lab_id, account_id=None, clock=WallClock(),
              endpoint_url=endpoint_url, budget_usd=float(budget_usd), session=boto3.Session(region_name=region))
    guardrails.check_connect(lab)
    return lab
