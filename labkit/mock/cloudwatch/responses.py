"""CloudWatch's response layer: the simulated AWS is settled to now before each call, so the minutes that passed
have their datapoints and the alarms their states; and the safety net (`labkit.mock.safety`)."""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.exceptions import InvalidParameterValue
from moto.cloudwatch.responses import CloudWatchResponse as Response
from moto.core.responses import BaseResponse

from labkit.mock import timeline
from labkit.mock.patch import patch
from labkit.mock.safety import answered


@patch(Response.cloudwatch_backend)
def cloudwatch_backend(fn: Any, self: Any) -> Any:
    """The account-region's CloudWatch backend, settled to the simulated now first."""
    timeline.settle(self.current_account)
    return fn(self)


@patch(BaseResponse.call_action, owner=Response)  # CloudWatch's only
def call_action(fn: Any, self: Any) -> Any:
    """Any raw Python error of a CloudWatch call becomes InvalidParameterValue saying labkit could not handle it."""
    return answered(fn, self, InvalidParameterValue)
