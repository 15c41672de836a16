"""Ordinary ECS input that crashes moto 5.2.5, answered as AWS answers it; and listings that show what AWS shows.

Each fix patches one moto method (the narrowest seam) and has a test that fails without it
(tests/test_mock_fixes.py runs each case with the layer off too):
- a container without its own `memory` when the task sets it: TypeError -> the task uses the task-level size;
- listings: `list_tasks` defaults to desiredStatus RUNNING and honours `serviceName`; deleted (INACTIVE)
  clusters and services leave `list_clusters`/`list_services` and the tagging API, as do stopped tasks.

Elsewhere, by the room they belong to: networks without security groups, empty or unknown subnets
(`rules.normalise_network`), StopTask of an unknown task (`services.stop_task`), EC2's leftover tags and DNS
names (`labkit.mock.ec2`), and the safety net for any other raw Python error (`responses.call_action`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from moto.ecs.models import EC2ContainerServiceBackend as Backend

from labkit.mock.ecs.tasks import life
from labkit.mock.patch import patch


@patch(Backend._calculate_task_resource_requirements)
def resource_requirements(fn: Any, task_definition: Any) -> dict[str, Any]:
    """A container without memory of its own uses the task's (moto 5.2.5: TypeError)."""
    sized = copy.copy(task_definition)
    defs = []
    for cdef in task_definition.container_definitions:
        cdef = dict(cdef)
        if cdef.get("memory") is None and cdef.get("memoryReservation") is None:
            cdef["memory"] = 0  # the task-level memory covers it (valid on Fargate)
        defs.append(cdef)
    sized.container_definitions = defs
    result = fn(sized)
    if task_definition.memory:
        result["MEMORY"] = max(result["MEMORY"] or 0, int(task_definition.memory))
    if task_definition.cpu:
        result["CPU"] = max(result["CPU"] or 0, int(task_definition.cpu))
    return result


@patch(Backend.list_tasks)
def list_tasks(fn: Any, self: Any, cluster_str: str | None = None, container_instance: str | None = None,
               family: str | None = None, started_by: str | None = None, service_name: str | None = None,
               desiredStatus: str | None = None) -> list[Any]:  # noqa: N803 - moto's parameter name
    """ListTasks as AWS: desiredStatus RUNNING unless asked, and serviceName honoured."""
    tasks = fn(self, cluster_str, container_instance, family, started_by, None, desiredStatus or "RUNNING")
    if service_name:
        group = f"service:{service_name.split('/')[-1]}"
        tasks = [t for t in tasks if t.group == group]
    return tasks


@patch(Backend.list_clusters)
def list_clusters(fn: Any, self: Any) -> list[str]:
    """ListClusters without deleted (INACTIVE) clusters."""
    return [c.arn for c in self.clusters.values() if c.status != "INACTIVE"]


@patch(Backend.list_services)
def list_services(fn: Any, self: Any, cluster_str: str, scheduling_strategy: str | None = None,
                  launch_type: str | None = None) -> list[str]:
    """ListServices without deleted (INACTIVE) services."""
    inactive = {s.arn for s in self.services.values() if s.status == "INACTIVE"}
    return [a for a in fn(self, cluster_str, scheduling_strategy, launch_type) if a not in inactive]


@patch(Backend.iter_tagged_resources)
def iter_tagged_resources(fn: Any, self: Any) -> Iterator[Any]:
    """The tagging API without deleted clusters and services or stopped tasks."""
    gone = {c.arn for c in self.clusters.values() if c.status == "INACTIVE"}
    gone |= {s.arn for s in self.services.values() if s.status == "INACTIVE"}
    for tasks in self.tasks.values():
        for task in tasks.values():
            lk = life(task)
            if lk is not None and lk.state() == "STOPPED":
                gone.add(task.task_arn)
    return iter([resource for resource in fn(self) if resource.arn not in gone])
