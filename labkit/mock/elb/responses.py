"""ELBv2's response layer: the simulated AWS is settled to now before each call, so what it shows (target health,
draining targets) is what AWS shows at this moment."""

from __future__ import annotations

from typing import Any

from moto.elbv2.responses import ELBV2Response as Response

from labkit.mock import timeline
from labkit.mock.patch import patch


@patch(Response.elbv2_backend)
def elbv2_backend(fn: Any, self: Any) -> Any:
    """The account-region's ELBv2 backend, settled to the simulated now first."""
    timeline.settle(self.current_account)
    return fn(self)
