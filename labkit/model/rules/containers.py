"""Rules on each container: its size against the task's, host features Fargate does not give, what needs the
execution role, and port mappings under awsvpc."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from labkit.model.rules.base import Problem, TaskView, as_dict, as_list, present, problem, rule
from labkit.model.units import join

_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")
_EXECUTION_ROLE_HINT = "set executionRoleArn to a role with the AmazonECSTaskExecutionRolePolicy policy."


@rule
def memory_reservation(v: TaskView) -> Iterator[Problem]:
    for c in v.containers:
        if c.memory is not None and c.reservation is not None and c.memory < c.reservation:
            # Wording not confirmed against AWS (an AWS-style text seen in emulators).
            yield problem("memory-reservation", f"Invalid setting for container '{c.name}'. "
                          "'memory' must be greater than or equal to 'memoryReservation'.",
                          f"memory ({c.memory} MiB) is the hard limit and memoryReservation ({c.reservation} MiB) "
                          "the soft one: the hard limit cannot be below the reservation.", f"{c.path}.memory")


@rule
def container_over_task(v: TaskView) -> Iterator[Problem]:
    for c in v.containers:
        if v.memory_mib is not None and c.memory is not None and c.memory > v.memory_mib:
            yield problem("container-memory-sum",
                          f"The 'memory' setting for container '{c.name}' is greater than for the task.",
                          f"Container memory {c.memory} MiB is above the task's {v.memory_mib} MiB: raise the task "
                          "size or lower the container's memory.", f"{c.path}.memory")
        if v.cpu_units is not None and c.cpu is not None and c.cpu > v.cpu_units:
            # AWS-style wording, by analogy with AWS's real memory message (labkit's own).
            yield problem("container-cpu-sum", f"The 'cpu' setting for container '{c.name}' is greater than for the "
                          "task.", f"Container cpu {c.cpu} units is above the task's {v.cpu_units}: raise the task "
                          "size or lower the container's cpu.", f"{c.path}.cpu")


@rule
def containers_over_task(v: TaskView) -> Iterator[Problem]:
    """The containers' total against the task's size, when no single container is over it already."""
    may_equal = bool(v.facts["limits"]["container_sum_may_equal_task"]["value"])
    note = v.facts["limits"]["container_sum_may_equal_task"]["note"]
    memory = sum((c.reservation if c.reservation is not None else c.memory) or 0 for c in v.containers)
    cpu = sum(c.cpu or 0 for c in v.containers)
    one_over_memory = any(c.memory is not None and v.memory_mib is not None and c.memory > v.memory_mib
                          for c in v.containers)
    one_over_cpu = any(c.cpu is not None and v.cpu_units is not None and c.cpu > v.cpu_units for c in v.containers)
    if v.memory_mib is not None and not one_over_memory and (
            memory > v.memory_mib or (not may_equal and memory == v.memory_mib)):
        # AWS-style wording (labkit's own); AWS's real text names one container.
        yield problem("container-memory-sum", "The total 'memory' of all containers is greater than for the task.",
                      f"Containers reserve {memory} MiB in all, above the task's {v.memory_mib} MiB: {note}",
                      "containerDefinitions")
    if v.cpu_units is not None and not one_over_cpu and (cpu > v.cpu_units or (not may_equal and cpu == v.cpu_units)):
        # AWS-style wording (labkit's own).
        yield problem("container-cpu-sum", "The total 'cpu' of all containers is greater than for the task.",
                      f"Containers reserve {cpu} CPU units in all, above the task's {v.cpu_units}: {note}",
                      "containerDefinitions")


@rule
def host_parameters(v: TaskView) -> Iterator[Problem]:
    """Container parameters that need the host (privileged, links, ...), which Fargate does not give."""
    for c in v.containers:
        for param in v.facts["unsupported_parameters"]["container"]:
            if present(c.spec.get(param)):
                yield problem("unsupported-parameter", f"Tasks using the Fargate launch type do not support {param}.",
                              f"'{param}' needs access to the host, which Fargate does not give: remove it "
                              "(or run this task on the EC2 launch type).", f"{c.path}.{param}")


@rule
def gpus(v: TaskView) -> Iterator[Problem]:
    for c in v.containers:
        for r, req in enumerate(as_list(c.spec.get("resourceRequirements"), f"{c.path}.resourceRequirements")):
            if isinstance(req, Mapping) and str(req.get("type", "")).upper() == "GPU":
                # Wording from a third-party linter's copy of AWS's refusal (not confirmed against AWS).
                yield problem("unsupported-parameter",
                              "Tasks using the Fargate launch type do not support GPU resource requirements.",
                              "Fargate has no GPUs: run GPU work on the EC2 launch type with GPU instances, or on "
                              "CPU within Fargate's sizes.", f"{c.path}.resourceRequirements[{r}]")


@rule
def linux_parameters(v: TaskView) -> Iterator[Problem]:
    unsupported = v.facts["unsupported_parameters"]
    allowed = unsupported["allowed_capabilities_add"]
    for c in v.containers:
        linux = as_dict(c.spec.get("linuxParameters"), f"{c.path}.linuxParameters")
        for param in unsupported["linux_parameters"]:
            if present(linux.get(param)):
                caveat = f" ({unsupported['tmpfs_caveat']})" if param == "tmpfs" else ""
                yield problem("unsupported-parameter",
                              f"Tasks using the Fargate launch type do not support linuxParameters {param}.",
                              f"Remove linuxParameters.{param}: "
                              f"{unsupported['note'].split('linuxParameters: ')[-1]}{caveat}",
                              f"{c.path}.linuxParameters.{param}")
        caps = as_dict(linux.get("capabilities"), f"{c.path}.linuxParameters.capabilities")
        for j, cap in enumerate(as_list(caps.get("add"), f"{c.path}.linuxParameters.capabilities.add")):
            if str(cap).upper() not in allowed:
                # AWS-style wording (labkit's own).
                yield problem("unsupported-parameter",
                              f"Tasks using the Fargate launch type only support adding the {join(allowed)} "
                              f"kernel capability; '{cap}' is not supported.",
                              f"On Fargate a container may add only {join(allowed)}: remove '{cap}' from "
                              "linuxParameters.capabilities.add.", f"{c.path}.linuxParameters.capabilities.add[{j}]")


@rule
def execution_role(v: TaskView) -> Iterator[Problem]:
    """The awslogs driver and private ECR images work through the task execution role (each said once)."""
    if v.td.get("executionRoleArn"):
        return
    specs = [(c.spec, as_dict(c.spec.get("logConfiguration"), f"{c.path}.logConfiguration")) for c in v.containers]
    if any(log.get("logDriver") == "awslogs" for _, log in specs):
        yield problem("execution-role-awslogs",
                      "Fargate requires task definition to have execution role ARN to support log driver awslogs.",
                      f"The awslogs driver sends logs with the task execution role: {_EXECUTION_ROLE_HINT}",
                      "executionRoleArn")
    if any(isinstance(spec.get("image"), str) and _ECR_IMAGE.match(spec["image"]) for spec, _ in specs):
        yield problem("execution-role-ecr",
                      "Fargate requires task definition to have execution role ARN to support ECR images.",
                      f"Fargate pulls private ECR images with the task execution role: {_EXECUTION_ROLE_HINT}",
                      "executionRoleArn")


@rule
def port_mappings(v: TaskView) -> Iterator[Problem]:
    for c in v.containers:
        for k, port in enumerate(as_list(c.spec.get("portMappings"), f"{c.path}.portMappings")):
            if isinstance(port, Mapping) and port.get("hostPort") not in (None, port.get("containerPort")):
                yield problem("port-mapping",
                              "When networkMode=awsvpc, the host ports and container ports in port mappings must "
                              "match.", "With awsvpc each task has its own network interface, so there is no port "
                              "remapping: leave hostPort out or set it equal to containerPort.",
                              f"{c.path}.portMappings[{k}].hostPort")
