"""Elastic Load Balancing's teardown: the lab's load balancers with their listeners, then its target groups.

Listeners go first (a target group a listener forwards to cannot be deleted), then the target groups, then the
load balancers, waiting until they are gone: their network interfaces must leave the subnets before EC2's step.
"""

from __future__ import annotations

from typing import Any

from labkit.lab.listing import chunks, paginate
from labkit.lab.tagging import tag_dict
from labkit.lab.teardown_steps.run import Run


def _tagged(elbv2: Any, run: Run, arns: list[str]) -> set[str]:
    """Which of these ARNs carry the lab's tag (DescribeTags takes 20 at a time)."""
    mine = set()
    for chunk in chunks(arns, 20):
        for found in elbv2.describe_tags(ResourceArns=chunk).get("TagDescriptions", []):
            if run.match(tag_dict(found.get("Tags"))):
                mine.add(found["ResourceArn"])
    return mine


def remove(elbv2: Any, run: Run) -> None:
    """Listeners and load balancers the lab tagged or recorded, then its target groups."""
    from botocore.exceptions import ClientError

    try:
        balancers = paginate(elbv2, "describe_load_balancers", "LoadBalancers")
        groups = paginate(elbv2, "describe_target_groups", "TargetGroups")
    except ClientError as err:
        run.cannot_list("elbv2", "load balancers", err)
        return
    recorded = run.recorded.get("load balancer", set())
    tagged = _tagged(elbv2, run, [b["LoadBalancerArn"] for b in balancers] + [g["TargetGroupArn"] for g in groups])
    doomed = [b for b in balancers if b["LoadBalancerArn"] in tagged or b["LoadBalancerName"] in recorded]
    for balancer in doomed:
        for listener in paginate(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=balancer["LoadBalancerArn"]):
            run.attempt("listener", listener["ListenerArn"],
                        lambda a=listener["ListenerArn"]: elbv2.delete_listener(ListenerArn=a))
    for group in groups:
        if group["TargetGroupArn"] in tagged or group["TargetGroupName"] in run.recorded.get("target group", set()):
            run.attempt("target group", group["TargetGroupName"],
                        lambda a=group["TargetGroupArn"]: elbv2.delete_target_group(TargetGroupArn=a))
    gone = [b["LoadBalancerArn"] for b in doomed if run.attempt(
        "load balancer", b["LoadBalancerName"], lambda a=b["LoadBalancerArn"]: elbv2.delete_load_balancer(
            LoadBalancerArn=a))]
    if gone and not run.dry_run:
        _wait_deleted(elbv2, run, gone)


def _wait_deleted(elbv2: Any, run: Run, arns: list[str]) -> None:
    from botocore.exceptions import WaiterError

    try:
        elbv2.get_waiter("load_balancers_deleted").wait(LoadBalancerArns=arns)
    except WaiterError as err:
        run.problems.append(f"load balancers were not deleted in time: {err}")
