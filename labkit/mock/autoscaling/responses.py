"""Application Auto Scaling's response layer: settled before each call, DescribeScalingActivities answered, and the
safety net (`labkit.mock.safety`).

moto 5.2.5 does not implement DescribeScalingActivities; here it lists the activities labkit recorded
(`labkit.mock.autoscaling.acting`), newest first, filtered by resource and dimension, 50 a page at most.
"""

from __future__ import annotations

import json
from typing import Any

from moto.applicationautoscaling.responses import ApplicationAutoScalingResponse as Response
from moto.core.exceptions import JsonRESTError
from moto.core.responses import BaseResponse

from labkit.mock import timeline
from labkit.mock.autoscaling.acting import activities
from labkit.mock.patch import patch
from labkit.mock.safety import answered

PAGE = 50


@patch(Response.applicationautoscaling_backend)
def backend(fn: Any, self: Any) -> Any:
    """The account-region's backend, with the simulated AWS settled to now first."""
    timeline.settle(self.current_account)
    return fn(self)


def describe_scaling_activities(response: Any) -> str:
    """DescribeScalingActivities: the recorded activities, newest first, as AWS pages them."""
    aas = response.applicationautoscaling_backend
    namespace = response._get_param("ServiceNamespace")
    resource_id = response._get_param("ResourceId")
    dimension = response._get_param("ScalableDimension")
    size = min(int(response._get_param("MaxResults") or PAGE), PAGE)
    start = int(response._get_param("NextToken") or 0)
    found = [a for a in reversed(activities(aas)) if a["ServiceNamespace"] == namespace
             and (not resource_id or a["ResourceId"] == resource_id)
             and (not dimension or a["ScalableDimension"] == dimension)]
    page = [{**a, "StartTime": a["StartTime"].timestamp(), "EndTime": a["EndTime"].timestamp()}
            for a in found[start:start + size]]
    more = start + size < len(found)
    return json.dumps({"ScalingActivities": page, **({"NextToken": str(start + size)} if more else {})})


def _answer(fn: Any, self: Any) -> Any:
    if self._get_action() != "DescribeScalingActivities":
        return fn(self)
    headers, body = self._enrich_response(self.response_headers, describe_scaling_activities(self))
    return 200, headers, body


@patch(BaseResponse.call_action, owner=Response)  # Application Auto Scaling's only
def call_action(fn: Any, self: Any) -> Any:
    """Answer DescribeScalingActivities, which moto lacks; every other action is moto's; never a raw error."""
    return answered(lambda response: _answer(fn, response), self,
                    lambda message: JsonRESTError("ValidationException", message))
