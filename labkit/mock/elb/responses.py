"""ELBv2's response layer: the simulated AWS is settled to now before each call, so what it shows (target health,
draining targets) is what AWS shows at this moment; and the safety net (`labkit.mock.safety`)."""

from __future__ import annotations

from typing import Any

from moto.core.responses import BaseResponse
from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.responses import ELBV2Response as Response

from labkit.mock import timeline
from labkit.mock.patch import patch
from labkit.mock.safety import answered


@patch(Response.elbv2_backend)
def elbv2_backend(fn: Any, self: Any) -> Any:
    """The account-region's ELBv2 backend, settled to the simulated now first."""
    timeline.settle(self.current_account)
    return fn(self)


@patch(BaseResponse.call_action, owner=Response)  # ELBv2's only
def call_action(fn: Any, self: Any) -> Any:
    """Any raw Python error of an ELBv2 call becomes a ValidationError that says labkit could not handle it."""
    return answered(fn, self, lambda message: ELBClientError("ValidationError", message))
