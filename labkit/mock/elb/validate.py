"""What AWS refuses about load balancers that moto lets through, with AWS's own words.

- CreateService / UpdateService with `loadBalancers`: a target group that does not exist, one that no listener
  uses ("does not have an associated load balancer"), one of type `instance` for an awsvpc task ("has target type
  instance, which is incompatible with the awsvpc network mode"), a container name the task definition lacks.
- CreateListener forwarding to a missing target group: TargetGroupNotFound, "Target groups '...' not found" (moto
  says "Target group '...' not found").
"""

from __future__ import annotations

from typing import Any

from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import ELBv2Backend, elbv2_backends

from labkit.mock.ecs.rules import invalid
from labkit.mock.patch import patch

MSG = {
    "no_group": "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service "
                "role being passed has the proper permissions.",
    "no_balancer": "The target group with targetGroupArn {arn} does not have an associated load balancer.",
    "instance": "The provided target group {arn} has target type instance, which is incompatible with the awsvpc "
                "network mode specified in the task definition.",
    "container": "The container {name} does not exist in the task definition.",
}


def elbv2_backend(account: str, region: str) -> Any:
    """moto's ELBv2 backend of one account and region."""
    return elbv2_backends[account][region]


def check_service_load_balancers(backend: Any, task_definition: Any, load_balancers: list[dict[str, Any]] | None,
                                 ) -> None:
    """Refuse a service's `loadBalancers` as ECS does (InvalidParameterException)."""
    if not load_balancers:
        return
    elbv2 = elbv2_backend(backend.account_id, backend.region_name)
    containers = {c.get("name") for c in (task_definition.container_definitions if task_definition else [])}
    for lb in load_balancers:
        arn = lb.get("targetGroupArn")
        if not arn:
            continue  # a Classic Load Balancer by name: not simulated, moto keeps it as given
        group = elbv2.target_groups.get(arn)
        if group is None:
            raise invalid(MSG["no_group"])
        if not elbv2._any_listener_using(arn):
            raise invalid(MSG["no_balancer"].format(arn=arn))
        if task_definition is not None and task_definition.network_mode == "awsvpc" and group.target_type != "ip":
            raise invalid(MSG["instance"].format(arn=arn))
        if task_definition is not None and lb.get("containerName") not in containers:
            raise invalid(MSG["container"].format(name=lb.get("containerName")))


@patch(ELBv2Backend._validate_actions)
def validate_actions(fn: Any, self: Any, actions: list[Any]) -> None:
    """A listener or rule forwarding to a target group that does not exist: AWS's TargetGroupNotFound words."""
    for action in actions:
        if action.type == "forward":
            for arn in self._get_target_group_arns_from(action_data=action.data):
                if arn not in self.target_groups:
                    raise ELBClientError("TargetGroupNotFound", f"Target groups '{arn}' not found")
    fn(self, actions)
