"""Ordinary input that crashes moto 5.2.5, answered as AWS answers it; and listings that show what AWS shows.

Each fix wraps one moto method (the narrowest seam) and has a test that fails without it:
- a container without its own `memory` when the task sets it: TypeError -> the task uses the task-level size;
- `awsvpcConfiguration` without `securityGroups`: KeyError -> the VPC's default security group, as in AWS;
- `subnets: []` or unknown subnets/security groups: IndexError -> AWS's InvalidParameterException;
- `stop_task` of an unknown task: bare Exception -> "The referenced task was not found.";
- listings: `list_tasks` defaults to desiredStatus RUNNING and honours `serviceName`; deleted (INACTIVE)
  clusters and services leave `list_clusters`/`list_services` and the tagging API, as do stopped tasks;
- EC2 keeps the tags of a deleted VPC, subnet, route table, internet gateway or security group, so
  DescribeTags still lists it -> the tags go with the resource, as in AWS;
- anything else that would still raise a raw Python error in an ECS call becomes a ClientException that says
  labkit could not handle the request, instead of a traceback (or an HTTP 500 that botocore retries).
"""

from __future__ import annotations

import copy
from typing import Any

from labkit import mock
from labkit.mock.ecs.rules import error, invalid


def normalise_network(backend: Any, network_configuration: dict[str, Any] | None) -> dict[str, Any] | None:
    """Check subnets and security groups as AWS does, and fill in the VPC's default group when none is given."""
    if not network_configuration or "awsvpcConfiguration" not in network_configuration:
        return network_configuration
    from moto.ec2 import ec2_backends

    conf = copy.deepcopy(network_configuration)
    vpc_conf = conf["awsvpcConfiguration"]
    subnets = vpc_conf.get("subnets") or []
    if not subnets:
        raise invalid("subnets can not be empty.")
    ec2 = ec2_backends[backend.account_id][backend.region_name]
    vpc_id = None
    for subnet_id in subnets:
        subnet = find_subnet(ec2, subnet_id)
        if subnet is None:
            raise invalid(f"Error retrieving subnet information for [{subnet_id}]: The subnet ID '{subnet_id}' "
                          "does not exist (ErrorCode: InvalidSubnetID.NotFound)")
        vpc_id = vpc_id or subnet.vpc_id
    groups = vpc_conf.get("securityGroups")
    if not groups:
        default = ec2.get_default_security_group(vpc_id)
        vpc_conf["securityGroups"] = [default.id] if default is not None else []
    else:
        for group_id in groups:
            if ec2.get_security_group_from_id(group_id) is None:
                raise invalid(f"Error retrieving security group information for [{group_id}]: The security group "
                              f"'{group_id}' does not exist (ErrorCode: InvalidGroup.NotFound)")
    return conf


def find_subnet(ec2: Any, subnet_id: str) -> Any:
    for zone_subnets in ec2.subnets.values():
        if subnet_id in zone_subnets:
            return zone_subnets[subnet_id]
    return None


def find_task(backend: Any, cluster_name: str, task_str: str) -> Any:
    """The task of a cluster named by id or ARN, or None."""
    task_id = task_str.split("/")[-1]
    for arn, task in backend.tasks.get(cluster_name, {}).items():
        if arn == task_str or arn.split("/")[-1] == task_id:
            return task
    return None


# --- installing ---------------------------------------------------------------------------------------------
_installed = False


_EC2_DELETES = {"delete_vpc": "vpc_id", "delete_subnet": "subnet_id", "delete_route_table": "route_table_id",
                "delete_internet_gateway": "internet_gateway_id", "delete_security_group": "group_id"}


def _install_ec2_tag_cleanup() -> None:
    """Drop a deleted EC2 resource's tags (moto keeps them, and DescribeTags would list a resource that is gone)."""
    from moto.ec2.models import EC2Backend

    for name, id_arg in _EC2_DELETES.items():
        original = getattr(EC2Backend, name)

        def delete(self: Any, *args: Any, _original: Any = original, _id_arg: str = id_arg, **kwargs: Any) -> Any:
            result = _original(self, *args, **kwargs)
            if mock.enabled():
                resource_id = kwargs.get(_id_arg) or (args[0] if args and _id_arg != "group_id" else None)
                if resource_id:
                    self.tags.pop(resource_id, None)
                else:  # a security group deleted by name: drop the tags of every group that no longer exists
                    for gone in [r for r in self.tags if r.startswith("sg-")
                                 and self.get_security_group_from_id(r) is None]:
                        self.tags.pop(gone, None)
            return result

        setattr(EC2Backend, name, delete)


def install() -> None:
    """Wrap the moto methods listed in the module docstring (once)."""
    global _installed
    if _installed:
        return
    _install_ec2_tag_cleanup()
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult
    from moto.ecs.models import EC2ContainerServiceBackend as Backend
    from moto.ecs.responses import EC2ContainerServiceResponse as Response

    from labkit.mock.ecs.tasks import LOCK, life, request_stop

    original_requirements = Backend._calculate_task_resource_requirements
    original_stop = Backend.stop_task
    original_list_tasks = Backend.list_tasks
    original_list_clusters = Backend.list_clusters
    original_list_services = Backend.list_services
    original_tagged = Backend.iter_tagged_resources
    original_call = Response.call_action

    def requirements(task_definition: Any) -> dict[str, Any]:
        if not mock.enabled():
            return original_requirements(task_definition)
        sized = copy.copy(task_definition)
        defs = []
        for cdef in task_definition.container_definitions:
            cdef = dict(cdef)
            if cdef.get("memory") is None and cdef.get("memoryReservation") is None:
                cdef["memory"] = 0  # the task-level memory covers it (valid on Fargate)
            defs.append(cdef)
        sized.container_definitions = defs
        result = original_requirements(sized)
        if task_definition.memory:
            result["MEMORY"] = max(result["MEMORY"] or 0, int(task_definition.memory))
        if task_definition.cpu:
            result["CPU"] = max(result["CPU"] or 0, int(task_definition.cpu))
        return result

    def stop_task(self: Any, cluster_str: str, task_str: str, reason: str | None) -> Any:
        if not mock.enabled():
            return original_stop(self, cluster_str, task_str, reason)
        with LOCK:
            cluster = self._get_cluster(cluster_str)
            task = find_task(self, cluster.name, task_str or "")
            if task is None:
                raise invalid("The referenced task was not found.")
            if life(task) is None:
                return original_stop(self, cluster_str, task_str, reason)
            if task.container_instance_arn and life(task).is_live():
                original_stop(self, cluster_str, task_str, reason)
            request_stop(task, code="UserInitiated", reason=reason or "Task stopped by user")
            from labkit.mock.ecs.services import settle_backend

            settle_backend(self)
            return task

    def list_tasks(self: Any, cluster_str: str | None = None, container_instance: str | None = None,
                   family: str | None = None, started_by: str | None = None, service_name: str | None = None,
                   desiredStatus: str | None = None) -> list[Any]:  # noqa: N803 - moto's parameter name
        if not mock.enabled():
            return original_list_tasks(self, cluster_str, container_instance, family, started_by, service_name,
                                       desiredStatus)
        tasks = original_list_tasks(self, cluster_str, container_instance, family, started_by, None,
                                    desiredStatus or "RUNNING")
        if service_name:
            group = f"service:{service_name.split('/')[-1]}"
            tasks = [t for t in tasks if t.group == group]
        return tasks

    def list_clusters(self: Any) -> list[str]:
        if not mock.enabled():
            return original_list_clusters(self)
        return [c.arn for c in self.clusters.values() if c.status != "INACTIVE"]

    def list_services(self: Any, cluster_str: str, scheduling_strategy: str | None = None,
                      launch_type: str | None = None) -> list[str]:
        arns = original_list_services(self, cluster_str, scheduling_strategy, launch_type)
        if not mock.enabled():
            return arns
        inactive = {s.arn for s in self.services.values() if s.status == "INACTIVE"}
        return [a for a in arns if a not in inactive]

    def iter_tagged_resources(self: Any) -> Any:
        if not mock.enabled():
            yield from original_tagged(self)
            return
        gone = {c.arn for c in self.clusters.values() if c.status == "INACTIVE"}
        gone |= {s.arn for s in self.services.values() if s.status == "INACTIVE"}
        for tasks in self.tasks.values():
            for task in tasks.values():
                lk = life(task)
                if lk is not None and lk.state() == "STOPPED":
                    gone.add(task.task_arn)
        for resource in original_tagged(self):
            if resource.arn not in gone:
                yield resource

    def call_action(self: Any) -> Any:
        try:
            return original_call(self)
        except ServiceException:
            raise
        except Exception as err:  # noqa: BLE001 - the safety net: never a raw Python error to the learner
            if not mock.enabled():
                raise
            action = self._get_action() if hasattr(self, "_get_action") else "ECS"
            exc = error("ClientException", f"labkit's mock could not handle this {action} request "
                        f"({type(err).__name__}: {err}). AWS would answer it; this is a gap in labkit's mock, "
                        "please report it with the call you made.")
            status, headers, body = self.serialized(ActionResult(exc))
            headers["status"] = status
            status, headers, body = self._transform_response(self.response_headers, (body, headers))
            return status, *self._enrich_response(headers, body)

    Backend._calculate_task_resource_requirements = staticmethod(requirements)
    Backend.stop_task = stop_task
    Backend.list_tasks = list_tasks
    Backend.list_clusters = list_clusters
    Backend.list_services = list_services
    Backend.iter_tagged_resources = iter_tagged_resources
    Response.call_action = call_action
    _installed = True
