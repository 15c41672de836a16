"""Application Auto Scaling's part of teardown: an ECS service's scaling policies, then its scalable target.

They go with their service (ECS's step calls `remove_for` just before it deletes the service), so this service
has no step of its own.
"""

from __future__ import annotations

from typing import Any

from labkit.lab.listing import paginate
from labkit.lab.teardown_steps.run import Run


def remove_for(aas: Any, resource_id: str, run: Run) -> None:
    """Scaling policies, then the scalable target, of one ECS service (before the service goes)."""
    from botocore.exceptions import ClientError

    try:
        targets = paginate(aas, "describe_scalable_targets", "ScalableTargets", ServiceNamespace="ecs",
                           ResourceIds=[resource_id])
        policies = paginate(aas, "describe_scaling_policies", "ScalingPolicies", ServiceNamespace="ecs",
                            ResourceId=resource_id)
    except ClientError as err:
        run.cannot_list("application-autoscaling", "scalable targets", err)
        return
    for pol in policies:
        run.attempt("scaling policy", f"{resource_id}/{pol['PolicyName']}", lambda p=pol: aas.delete_scaling_policy(
            PolicyName=p["PolicyName"], ServiceNamespace="ecs", ResourceId=resource_id,
            ScalableDimension=p["ScalableDimension"]))
    for target in targets:
        run.attempt("scalable target", f"{resource_id}:{target['ScalableDimension']}",
                    lambda t=target: aas.deregister_scalable_target(
                        ServiceNamespace="ecs", ResourceId=resource_id, ScalableDimension=t["ScalableDimension"]))
