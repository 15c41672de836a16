"""CloudWatch's teardown: the alarms the lab made (a target-tracking policy's own alarms go with the policy)."""

from __future__ import annotations

from typing import Any

from labkit.lab.listing import paginate
from labkit.lab.tagging import tag_dict
from labkit.lab.teardown_steps.run import Run, quietly


def remove(cloudwatch: Any, run: Run) -> None:
    """Metric alarms the lab tagged or recorded."""
    from botocore.exceptions import ClientError

    try:
        found = paginate(cloudwatch, "describe_alarms", "MetricAlarms")
    except ClientError as err:
        run.cannot_list("cloudwatch", "alarms", err)
        return
    recorded = run.recorded.get("alarm", set())
    doomed = [a["AlarmName"] for a in found if a["AlarmName"] in recorded or run.match(tag_dict(quietly(
        lambda arn=a["AlarmArn"]: cloudwatch.list_tags_for_resource(ResourceARN=arn).get("Tags", [])) or []))]
    for name in doomed:
        run.attempt("alarm", name, lambda n=name: cloudwatch.delete_alarms(AlarmNames=[n]))
