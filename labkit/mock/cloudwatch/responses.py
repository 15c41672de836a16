"""CloudWatch's response layer: the simulated AWS is settled to now before each call, so the minutes that passed
have their datapoints and the alarms their states."""

from __future__ import annotations

from typing import Any

from moto.cloudwatch.responses import CloudWatchResponse as Response

from labkit.mock import timeline
from labkit.mock.patch import patch


@patch(Response.cloudwatch_backend)
def cloudwatch_backend(fn: Any, self: Any) -> Any:
    """The account-region's CloudWatch backend, settled to the simulated now first."""
    timeline.settle(self.current_account)
    return fn(self)
