"""Rules on the task as a whole: its network mode, its size, how many containers it has, task-level parameters
Fargate does not support, and its ephemeral storage."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from labkit.model.rules.base import Problem, TaskView, present, problem, rule
from labkit.model.sizes import WINDOWS_2025, is_valid_size, size_hint, size_rows


@rule
def network_mode(v: TaskView) -> Iterator[Problem]:
    mode, required = v.td.get("networkMode"), v.facts["network"]["required_mode"]
    if mode != required:
        yield problem("network-mode", "Fargate only supports network mode \u2018awsvpc\u2019.",
                      f"Set networkMode to '{required}' (it is {mode!r}): {v.facts['network']['note']}.",
                      "networkMode")


@rule
def task_size_given(v: TaskView) -> Iterator[Problem]:
    for key in ("cpu", "memory"):
        if v.td.get(key) in (None, ""):
            yield problem(f"missing-task-{key}", f"Fargate requires that '{key}' be defined at the task level.",
                          f"Fargate needs a task-level {key} (container-level values are optional); "
                          "pick a size from labkit.fargate.valid_sizes().", key)
    if "cpu" in v.size_errors:
        yield problem("invalid-size", "Invalid 'cpu' setting for task.", v.size_errors["cpu"], "cpu")
    if "memory" in v.size_errors:
        # AWS-style wording by analogy with "Invalid 'cpu' setting for task." (labkit's own).
        yield problem("invalid-size", "Invalid 'memory' setting for task.", v.size_errors["memory"], "memory")


@rule
def task_size_valid(v: TaskView) -> Iterator[Problem]:
    cpu, memory = v.cpu_units, v.memory_mib
    if cpu is None or memory is None or v.family in WINDOWS_2025 or is_valid_size(cpu, memory, v.os_name):
        return
    rule_name = "windows-size" if v.os_name == "WINDOWS" and is_valid_size(cpu, memory, "LINUX") else "invalid-size"
    if cpu not in {r["cpu"] for r in size_rows(v.os_name)}:
        message, field = "Invalid 'cpu' setting for task.", "cpu"
    else:
        # Real AWS text (CloudFormation shows it; Terraform shows its first sentence).
        message = (f"No Fargate configuration exists for given values: {cpu} CPU, {memory} memory. See the "
                   "Amazon ECS documentation for the valid values.")
        field = "memory"
    yield problem(rule_name, message, size_hint(cpu, memory, v.os_name), field)


@rule
def container_count(v: TaskView) -> Iterator[Problem]:
    limit = v.facts["limits"]["containers_per_task_definition"]["value"]
    if not v.containers:
        # AWS-style wording (labkit's own): botocore requires containerDefinitions.
        yield problem("no-containers", "Container list cannot be empty.",
                      "A task definition needs at least one container definition.", "containerDefinitions")
    if len(v.containers) > limit:
        # AWS-style wording (labkit's own): AWS's exact text was not found.
        yield problem("too-many-containers",
                      f"Too many containers: a task definition can have at most {limit} containers.",
                      f"This one has {len(v.containers)}. The limit of {limit} containers per task definition is "
                      "not adjustable: split the containers across task definitions (services).",
                      "containerDefinitions")


@rule
def task_level_parameters(v: TaskView) -> Iterator[Problem]:
    for param in v.facts["unsupported_parameters"]["container"]:
        if param in ("ipcMode", "placementConstraints") and present(v.td.get(param)):
            yield problem("unsupported-parameter", f"Tasks using the Fargate launch type do not support {param}.",
                          f"Remove the task-level '{param}': Fargate does not support it.", param)
    pid = v.td.get("pidMode")
    if present(pid) and pid != "task":
        # Text as moto raises it, which matches AWS's pattern.
        yield problem("unsupported-parameter",
                      f"Tasks using the Fargate launch type do not support pidMode '{pid}'. "
                      "The supported value for pidMode is 'task'.",
                      "Fargate can share the process namespace only between the containers of one task: use "
                      "'task' or leave pidMode out.", "pidMode")


@rule
def ephemeral_storage(v: TaskView) -> Iterator[Problem]:
    storage = v.td.get("ephemeralStorage")
    if not present(storage):
        return
    limits = v.facts["limits"]["ephemeral_storage"]
    size = storage.get("sizeInGiB") if isinstance(storage, Mapping) else None
    if v.os_name == "WINDOWS":
        # AWS-style wording (labkit's own); see the windows note in labkit/data.
        yield problem("ephemeral-storage", "Ephemeral storage is not supported for Windows containers on Fargate.",
                      "On Fargate, Windows tasks cannot configure ephemeral storage: remove ephemeralStorage.",
                      "ephemeralStorage")
    elif isinstance(size, bool) or not isinstance(size, int) or not limits["min_gib"] <= size <= limits["max_gib"]:
        # AWS-style wording (labkit's own), with the range from botocore's EphemeralStorage doc.
        yield problem("ephemeral-storage", "Invalid 'ephemeralStorage.sizeInGiB' setting for task.",
                      f"sizeInGiB is {size!r}: it must be a whole number from {limits['min_gib']} to "
                      f"{limits['max_gib']} GiB. Leave ephemeralStorage out for the default "
                      f"{limits['default_gib']} GiB.", "ephemeralStorage.sizeInGiB")
