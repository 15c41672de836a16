"""The Fargate rules: valid task sizes, what Fargate refuses in a task definition, and EKS Pod sizing.

Every number comes from `labkit.data.facts()`. Problems carry AWS's own wording (what a learner would see
from `register_task_definition`) and a labkit hint that teaches the rule and the fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.model.units import gb_text, join, num, parse_cpu, parse_memory, units_per_vcpu, vcpu_text

__all__ = [
    "Problem",
    "check_task_definition",
    "eks_pod_size",
    "is_valid_size",
    "min_platform_version",
    "normalize_os",
    "parse_cpu",
    "parse_memory",
    "problems",
    "size_hint",
    "smallest_size_for",
    "valid_sizes",
]

CLIENT = "ClientException"
INVALID_PARAM = "InvalidParameterException"


# ---------------------------------------------------------------- sizes

_WINDOWS_2025 = ("WINDOWS_SERVER_2025_FULL", "WINDOWS_SERVER_2025_CORE")


def normalize_os(os: Any) -> str:
    """ "LINUX" or "WINDOWS" from an OS name or a runtimePlatform.operatingSystemFamily value."""
    families = facts()["windows"]["os_families"]
    expected = f"expected 'LINUX', 'WINDOWS' or one of {', '.join(families)}"
    if not isinstance(os, str):
        raise InvalidInput(f"os {os!r} is not a string; {expected}.")
    name = os.strip().upper()
    if name in ("LINUX", "WINDOWS") or name in families:
        return "LINUX" if name == "LINUX" else "WINDOWS"
    if name in _WINDOWS_2025:
        raise InvalidInput(f"os {os!r}: {facts()['windows']['note']} Use one of {', '.join(families)}.")
    raise InvalidInput(f"os {os!r} is not known; {expected}.")


def _rows(os: str = "LINUX") -> list[dict[str, Any]]:
    name = normalize_os(os)
    sizes = facts()["task_sizes"]
    rows = [r for r in sizes["rows"] if name in r["os"]]
    if name == "WINDOWS":
        rows = [r for r in rows if r["cpu"] in sizes["windows_cpu"]]
    return rows


def valid_sizes(os: str = "LINUX") -> list[tuple[int, int]]:
    """Every (CPU units, memory MiB) pair Fargate accepts for a task on this OS, smallest first."""
    return [(row["cpu"], mem) for row in _rows(os) for mem in row["memory"]]


def is_valid_size(cpu: Any, memory: Any, os: str = "LINUX") -> bool:
    """True when Fargate accepts this task cpu and memory (numbers or strings such as "1 vCPU", "2 GB")."""
    return (parse_cpu(cpu), parse_memory(memory)) in set(valid_sizes(os))


def min_platform_version(cpu: Any) -> str | None:
    """The oldest Linux platform version that runs a task of this CPU size (None: any current version)."""
    units = parse_cpu(cpu)
    for row in facts()["task_sizes"]["rows"]:
        if row["cpu"] == units:
            return row["min_platform_version"]
    raise InvalidInput(f"cpu {units} CPU units is not a Fargate size; {_cpu_choices('LINUX')}.")


def _cpu_choices(os: str) -> str:
    rows = _rows(os)
    return "choose " + join([f"{r['cpu']} ({vcpu_text(r['cpu'])})" for r in rows]) + " CPU units"


def _memory_choices(memory: Sequence[int]) -> str:
    values = list(memory)
    steps = {b - a for a, b in zip(values, values[1:], strict=False)}
    if len(values) > 4 and len(steps) == 1:
        step = steps.pop()
        return (f"{values[0]} to {values[-1]} MiB in steps of {step} MiB "
                f"({gb_text(values[0])[:-3]} to {gb_text(values[-1])})")
    return join([str(v) for v in values]) + " MiB"


def smallest_size_for(cpu: Any, memory: Any, os: str = "LINUX") -> tuple[int, int]:
    """The smallest valid Fargate size with at least this CPU and memory: what to register to fit a need."""
    need_cpu, need_mem = parse_cpu(cpu), parse_memory(memory)
    for size in valid_sizes(os):
        if size[0] >= need_cpu and size[1] >= need_mem:
            return size
    largest_cpu = max(s[0] for s in valid_sizes(os))
    largest_mem = max(s[1] for s in valid_sizes(os))
    raise InvalidInput(f"no Fargate size ({normalize_os(os)}) has {need_cpu} CPU units and {need_mem} MiB; "
                       f"the largest is {largest_cpu} CPU units ({vcpu_text(largest_cpu)}) with up to "
                       f"{largest_mem} MiB. Split the work across tasks, or lower the need.")


def size_hint(cpu: Any, memory: Any, os: str = "LINUX") -> str:
    """A teaching sentence about this size: why it is (in)valid and what to choose instead."""
    name = normalize_os(os)
    units, mem = parse_cpu(cpu), parse_memory(memory)
    rows = {r["cpu"]: r for r in _rows(name)}
    if units not in rows:
        hint = f"cpu {units} CPU units is not a Fargate size"
        if name == "WINDOWS":
            hint += f" for Windows: {facts()['task_sizes']['windows_note'].rstrip('.')}"
        hint += f"; {_cpu_choices(name)}"
        try:
            fit = smallest_size_for(units, mem, name)
            hint += f". The smallest size that covers {units} CPU units and {mem} MiB is {_size_text(*fit)}"
        except InvalidInput:
            pass
        return hint + "."
    row = rows[units]
    if mem not in row["memory"]:
        hint = (f"memory {mem} MiB is not valid with {units} CPU units; with {vcpu_text(units)} choose "
                f"{_memory_choices(row['memory'])}")
        try:
            fit = smallest_size_for(units, mem, name)
            hint += f". The smallest size with at least {mem} MiB is {_size_text(*fit)}"
        except InvalidInput:
            pass
        return hint + "."
    text = f"{_size_text(units, mem)} is a valid Fargate size for {name}"
    version = row.get("min_platform_version")
    if version and name == "LINUX":
        text += f" (it needs Linux platform version {version} or later)"
    return text + "."


def _size_text(cpu: int, memory: int) -> str:
    return f"{cpu} CPU units ({vcpu_text(cpu)}) with {memory} MiB ({gb_text(memory)})"


# ---------------------------------------------------------------- task definition rules


@dataclass(frozen=True)
class Problem:
    """One reason Fargate would refuse a task definition: AWS's message, and labkit's hint."""

    rule: str
    code: str
    message: str
    hint: str
    field: str

    def __str__(self) -> str:
        return f"{self.message}\n  {self.field}: {self.hint}"


def _present(value: Any) -> bool:
    """A parameter counts as set unless it is missing, null, false or empty (describe output has nulls)."""
    return value not in (None, False, "", [], {})


def _unwrap(task_def: Any) -> dict[str, Any]:
    if not isinstance(task_def, Mapping):
        raise InvalidInput("a task definition must be a dict (the arguments of register_task_definition, or "
                           f"the output of describe-task-definition); got {type(task_def).__name__}.")
    inner = task_def.get("taskDefinition")
    if isinstance(inner, Mapping):
        return dict(inner)
    return dict(task_def)


def _as_int(value: Any, field: str) -> int | None:
    """A container-level integer (cpu, memory, memoryReservation); None when unset."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InvalidInput(f"{field} is {value!r}; expected a whole number.")
    try:
        number = float(value)
    except ValueError as err:
        raise InvalidInput(f"{field} is {value!r}; expected a whole number.") from err
    if not math.isfinite(number) or number != int(number):
        raise InvalidInput(f"{field} is {value!r}; expected a whole number.")
    return int(number)


def _dict(value: Any, field: str) -> Mapping[str, Any]:
    """A JSON object field; missing or null is empty, anything else but a dict is InvalidInput."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{field} is {value!r}; expected a dict (a JSON object).")
    return value


def _list(value: Any, field: str) -> list[Any]:
    """A JSON array field; missing or null is empty, anything else but a list is InvalidInput."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(f"{field} is {value!r}; expected a list (a JSON array).")
    return list(value)


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def problems(task_def: Any, *, launch_type: str | None = "FARGATE",
             platform_version: str | None = None) -> list[Problem]:
    """Every reason Fargate would refuse this task definition (empty when it would accept it).

    `task_def` is what a learner passes to `register_task_definition` (camelCase keys), or the output of
    `describe-task-definition`. With `launch_type="FARGATE"` (the default) the Fargate rules always apply;
    otherwise only when FARGATE is in `requiresCompatibilities`, as AWS does at registration.
    `platform_version` (e.g. "1.3.0", "LATEST") adds the run-time platform-version checks.
    """
    td = _unwrap(task_def)
    required = td.get("requiresCompatibilities") or []
    if not isinstance(required, (list, tuple)):
        raise InvalidInput(f"requiresCompatibilities is {required!r}; expected a list such as ['FARGATE'].")
    if launch_type is not None and not isinstance(launch_type, str):
        raise InvalidInput(f"launch_type {launch_type!r} must be a string such as 'FARGATE' or 'EC2'.")
    if (launch_type or "").upper() != "FARGATE" and "FARGATE" not in required:
        return []
    containers = td.get("containerDefinitions")
    if containers is None:
        containers = []
    if not isinstance(containers, (list, tuple)) or not all(isinstance(c, Mapping) for c in containers):
        raise InvalidInput("containerDefinitions must be a list of dicts (one per container).")
    f = facts()
    found: list[Problem] = []

    def add(rule: str, message: str, hint: str, field: str, code: str = CLIENT) -> None:
        found.append(Problem(rule, code, message, hint, field))

    # --- operating system and architecture
    platform = td.get("runtimePlatform") or {}
    if not isinstance(platform, Mapping):
        raise InvalidInput(f"runtimePlatform is {platform!r}; expected a dict such as "
                           "{'operatingSystemFamily': 'LINUX', 'cpuArchitecture': 'X86_64'}.")
    family = str(platform.get("operatingSystemFamily") or "LINUX").upper()
    arch = str(platform.get("cpuArchitecture") or "X86_64").upper()
    os_name = "LINUX"
    windows_families = f["windows"]["os_families"]
    if family in windows_families:
        os_name = "WINDOWS"
    elif family in _WINDOWS_2025:
        os_name = "WINDOWS"
        # AWS-style wording (labkit's own): AWS's exact text for this case was not found.
        add("os-family", f"Fargate does not support operating system family '{family}'.",
            f"{f['windows']['note']} Use one of {join(windows_families)}.",
            "runtimePlatform.operatingSystemFamily")
    elif family != "LINUX":
        # AWS-style wording (labkit's own).
        add("os-family", f"Invalid operating system family '{family}'.",
            f"Fargate runs LINUX or {join(windows_families)}.", "runtimePlatform.operatingSystemFamily")
    if arch not in ("X86_64", "ARM64"):
        # AWS-style wording (labkit's own).
        add("cpu-architecture", f"Invalid CPU architecture '{arch}'.",
            "Use X86_64 or ARM64 (Graviton).", "runtimePlatform.cpuArchitecture")
    if arch == "ARM64" and os_name == "WINDOWS":
        # AWS-style wording (labkit's own).
        add("arm64-windows", "Fargate does not support the ARM64 CPU architecture for Windows containers.",
            f"{f['arm64']['note'].split(';')[0]}. Use X86_64 for Windows, or LINUX for ARM64.",
            "runtimePlatform.cpuArchitecture")

    # --- network mode
    mode = td.get("networkMode")
    required_mode = f["network"]["required_mode"]
    if mode != required_mode:
        add("network-mode", "Fargate only supports network mode \u2018awsvpc\u2019.",
            f"Set networkMode to '{required_mode}' (it is {mode!r}): {f['network']['note']}.", "networkMode")

    # --- task size
    cpu_units = mem_mib = None
    for key in ("cpu", "memory"):
        if td.get(key) in (None, ""):
            add(f"missing-task-{key}", f"Fargate requires that '{key}' be defined at the task level.",
                f"Fargate needs a task-level {key} (container-level values are optional); "
                f"pick a size from labkit.fargate.valid_sizes().", key)
    if td.get("cpu") not in (None, ""):
        try:
            cpu_units = parse_cpu(td["cpu"])
        except InvalidInput as err:
            add("invalid-size", "Invalid 'cpu' setting for task.", str(err), "cpu")
    if td.get("memory") not in (None, ""):
        try:
            mem_mib = parse_memory(td["memory"])
        except InvalidInput as err:
            # AWS-style wording by analogy with "Invalid 'cpu' setting for task." (labkit's own).
            add("invalid-size", "Invalid 'memory' setting for task.", str(err), "memory")
    if cpu_units is not None and mem_mib is not None and family not in _WINDOWS_2025:
        if not is_valid_size(cpu_units, mem_mib, os_name):
            linux_ok = is_valid_size(cpu_units, mem_mib, "LINUX")
            rule = "windows-size" if os_name == "WINDOWS" and linux_ok else "invalid-size"
            cpus = {r["cpu"] for r in _rows(os_name)}
            if cpu_units not in cpus:
                message = "Invalid 'cpu' setting for task."
                field = "cpu"
            else:
                # Real AWS text (CloudFormation shows it; Terraform shows its first sentence).
                message = (f"No Fargate configuration exists for given values: {cpu_units} CPU, "
                           f"{mem_mib} memory. See the Amazon ECS documentation for the valid values.")
                field = "memory"
            add(rule, message, size_hint(cpu_units, mem_mib, os_name) + "", field)

    # --- containers
    limit = f["limits"]["containers_per_task_definition"]["value"]
    if not containers:
        # AWS-style wording (labkit's own): botocore requires containerDefinitions.
        add("no-containers", "Container list cannot be empty.",
            "A task definition needs at least one container definition.", "containerDefinitions")
    if len(containers) > limit:
        # AWS-style wording (labkit's own): AWS's exact text was not found.
        add("too-many-containers",
            f"Too many containers: a task definition can have at most {limit} containers.",
            f"This one has {len(containers)}. The limit of {limit} containers per task definition is not "
            "adjustable: split the containers across task definitions (services).", "containerDefinitions")
    may_equal = bool(f["limits"]["container_sum_may_equal_task"]["value"])
    unsupported = f["unsupported_parameters"]
    cpu_total = mem_total = 0
    single_mem_over = single_cpu_over = False
    for i, c in enumerate(containers):
        path = f"containerDefinitions[{i}]"
        name = str(c.get("name") or f"#{i}")
        c_cpu = _as_int(c.get("cpu"), f"{path}.cpu")
        c_mem = _as_int(c.get("memory"), f"{path}.memory")
        c_res = _as_int(c.get("memoryReservation"), f"{path}.memoryReservation")
        cpu_total += c_cpu or 0
        mem_total += (c_res if c_res is not None else c_mem) or 0
        if c_mem is not None and c_res is not None and c_mem < c_res:
            # Wording not confirmed against AWS (an AWS-style text seen in emulators).
            add("memory-reservation", f"Invalid setting for container '{name}'. "
                "'memory' must be greater than or equal to 'memoryReservation'.",
                f"memory ({c_mem} MiB) is the hard limit and memoryReservation ({c_res} MiB) the soft one: "
                "the hard limit cannot be below the reservation.", f"{path}.memory")
        if mem_mib is not None and c_mem is not None and c_mem > mem_mib:
            single_mem_over = True
            add("container-memory-sum",
                f"The 'memory' setting for container '{name}' is greater than for the task.",
                f"Container memory {c_mem} MiB is above the task's {mem_mib} MiB: raise the task size or "
                "lower the container's memory.", f"{path}.memory")
        if cpu_units is not None and c_cpu is not None and c_cpu > cpu_units:
            single_cpu_over = True
            # AWS-style wording, by analogy with AWS's real memory message (labkit's own).
            add("container-cpu-sum",
                f"The 'cpu' setting for container '{name}' is greater than for the task.",
                f"Container cpu {c_cpu} units is above the task's {cpu_units}: raise the task size or lower "
                "the container's cpu.", f"{path}.cpu")
        for param in unsupported["container"]:
            if _present(c.get(param)):
                add("unsupported-parameter",
                    f"Tasks using the Fargate launch type do not support {param}.",
                    f"'{param}' needs access to the host, which Fargate does not give: remove it "
                    "(or run this task on the EC2 launch type).", f"{path}.{param}")
        for r, req in enumerate(_list(c.get("resourceRequirements"), f"{path}.resourceRequirements")):
            if isinstance(req, Mapping) and str(req.get("type", "")).upper() == "GPU":
                # Wording from a third-party linter's copy of AWS's refusal (not confirmed against AWS).
                add("unsupported-parameter",
                    "Tasks using the Fargate launch type do not support GPU resource requirements.",
                    "Fargate has no GPUs: run GPU work on the EC2 launch type with GPU instances, or on CPU "
                    "within Fargate's sizes.", f"{path}.resourceRequirements[{r}]")
        linux = _dict(c.get("linuxParameters"), f"{path}.linuxParameters")
        for param in unsupported["linux_parameters"]:
            if _present(linux.get(param)):
                add("unsupported-parameter",
                    f"Tasks using the Fargate launch type do not support linuxParameters {param}.",
                    f"Remove linuxParameters.{param}: {unsupported['note'].split('linuxParameters: ')[-1]}"
                    + (f" ({unsupported['tmpfs_caveat']})" if param == "tmpfs" else ""),
                    f"{path}.linuxParameters.{param}")
        caps = _dict(linux.get("capabilities"), f"{path}.linuxParameters.capabilities")
        added = _list(caps.get("add"), f"{path}.linuxParameters.capabilities.add")
        allowed = unsupported["allowed_capabilities_add"]
        for j, cap in enumerate(added):
            if str(cap).upper() not in allowed:
                # AWS-style wording (labkit's own).
                add("unsupported-parameter",
                    f"Tasks using the Fargate launch type only support adding the {join(allowed)} "
                    f"kernel capability; '{cap}' is not supported.",
                    f"On Fargate a container may add only {join(allowed)}: remove '{cap}' from "
                    "linuxParameters.capabilities.add.", f"{path}.linuxParameters.capabilities.add[{j}]")
        # Log driver and image pulls need the execution role.
        log = _dict(c.get("logConfiguration"), f"{path}.logConfiguration")
        no_role = not td.get("executionRoleArn")
        if log.get("logDriver") == "awslogs" and no_role and not _has(found, "execution-role-awslogs"):
            add("execution-role-awslogs",
                "Fargate requires task definition to have execution role ARN to support log driver awslogs.",
                "The awslogs driver sends logs with the task execution role: set executionRoleArn to a role "
                "with the AmazonECSTaskExecutionRolePolicy policy.", "executionRoleArn")
        image = c.get("image")
        ecr = isinstance(image, str) and _ECR_IMAGE.match(image)
        if ecr and no_role and not _has(found, "execution-role-ecr"):
            add("execution-role-ecr",
                "Fargate requires task definition to have execution role ARN to support ECR images.",
                "Fargate pulls private ECR images with the task execution role: set executionRoleArn to a "
                "role with the AmazonECSTaskExecutionRolePolicy policy.", "executionRoleArn")
        for k, port in enumerate(_list(c.get("portMappings"), f"{path}.portMappings")):
            if isinstance(port, Mapping) and port.get("hostPort") not in (None, port.get("containerPort")):
                add("port-mapping",
                    "When networkMode=awsvpc, the host ports and container ports in port mappings "
                    "must match.",
                    "With awsvpc each task has its own network interface, so there is no port remapping: "
                    "leave hostPort out or set it equal to containerPort.",
                    f"{path}.portMappings[{k}].hostPort")

    over_mem = mem_mib is not None and (mem_total > mem_mib or (not may_equal and mem_total == mem_mib))
    if over_mem and not single_mem_over:
        # AWS-style wording (labkit's own); AWS's real text names one container.
        add("container-memory-sum", "The total 'memory' of all containers is greater than for the task.",
            f"Containers reserve {mem_total} MiB in all, above the task's {mem_mib} MiB: "
            + f["limits"]["container_sum_may_equal_task"]["note"], "containerDefinitions")
    over_cpu = cpu_units is not None and (cpu_total > cpu_units or (not may_equal and cpu_total == cpu_units))
    if over_cpu and not single_cpu_over:
        # AWS-style wording (labkit's own).
        add("container-cpu-sum", "The total 'cpu' of all containers is greater than for the task.",
            f"Containers reserve {cpu_total} CPU units in all, above the task's {cpu_units}: "
            + f["limits"]["container_sum_may_equal_task"]["note"], "containerDefinitions")

    # --- task-level parameters Fargate refuses
    for param in unsupported["container"]:
        if param in ("ipcMode", "placementConstraints") and _present(td.get(param)):
            add("unsupported-parameter", f"Tasks using the Fargate launch type do not support {param}.",
                f"Remove the task-level '{param}': Fargate does not support it.", param)
    pid = td.get("pidMode")
    if _present(pid) and pid != "task":
        # Text as moto raises it, which matches AWS's pattern.
        add("unsupported-parameter",
            f"Tasks using the Fargate launch type do not support pidMode '{pid}'. "
            "The supported value for pidMode is 'task'.",
            "Fargate can share the process namespace only between the containers of one task: use 'task' "
            "or leave pidMode out.", "pidMode")

    # --- ephemeral storage
    storage = td.get("ephemeralStorage")
    if _present(storage):
        limits = f["limits"]["ephemeral_storage"]
        size = storage.get("sizeInGiB") if isinstance(storage, Mapping) else None
        if os_name == "WINDOWS":
            # AWS-style wording (labkit's own); see the windows note in labkit/data.
            add("ephemeral-storage", "Ephemeral storage is not supported for Windows containers on Fargate.",
                "On Fargate, Windows tasks cannot configure ephemeral storage: remove ephemeralStorage.",
                "ephemeralStorage")
        elif (isinstance(size, bool) or not isinstance(size, int)
              or not limits["min_gib"] <= size <= limits["max_gib"]):
            # AWS-style wording (labkit's own), with the range from botocore's EphemeralStorage doc.
            add("ephemeral-storage", "Invalid 'ephemeralStorage.sizeInGiB' setting for task.",
                f"sizeInGiB is {size!r}: it must be a whole number from {limits['min_gib']} to "
                f"{limits['max_gib']} GiB. Leave ephemeralStorage out for the default "
                f"{limits['default_gib']} GiB.", "ephemeralStorage.sizeInGiB")

    if platform_version is not None:
        found.extend(_platform_problems(platform_version, os_name, arch, cpu_units, _present(storage)))
    return found


def _has(found: list[Problem], rule: str) -> bool:
    return any(p.rule == rule for p in found)


_ECR_IMAGE = re.compile(r"^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?/")


def _platform_problems(version: Any, os_name: str, arch: str, cpu: int | None,
                       storage: bool) -> list[Problem]:
    f = facts()
    pv = f["platform_versions"]
    if not isinstance(version, str):
        raise InvalidInput(f"platform_version {version!r} must be a string such as 'LATEST' or '1.4.0'.")
    key = "windows" if os_name == "WINDOWS" else "linux"
    resolved = pv[f"{key}_latest"] if version.upper() == "LATEST" else version
    field = "platformVersion"
    if resolved not in pv[key]:
        known = join(pv[key] + ["LATEST"])
        retired = pv["deprecated_linux"].get(resolved) if key == "linux" else None
        why = f" It was retired on {retired}." if retired else ""
        # AWS-style wording (labkit's own).
        return [Problem("platform-version", INVALID_PARAM, f"Platform version {version} is not valid.",
                        f"{os_name.title()} tasks on Fargate run platform version {known}.{why}", field)]
    found = []
    needs = []
    if key == "linux":
        if cpu is not None:
            row = next((r for r in f["task_sizes"]["rows"] if r["cpu"] == cpu), None)
            if row and row["min_platform_version"]:
                needs.append((row["min_platform_version"], f"{cpu} CPU units"))
        if arch == "ARM64":
            needs.append((f["arm64"]["min_platform_version"], "ARM64"))
        if storage:
            needs.append((f["limits"]["ephemeral_storage"]["min_platform_version"], "ephemeralStorage"))
    for minimum, what in needs:
        if _version_tuple(resolved) < _version_tuple(minimum):
            # AWS-style wording (labkit's own).
            found.append(Problem("platform-version", INVALID_PARAM,
                                 f"{what} requires platform version {minimum} or later.",
                                 f"Run the task on platform version {minimum} or LATEST "
                                 f"(now {pv['linux_latest']}).",
                                 field))
    return found


def check_task_definition(task_def: Any, *, launch_type: str | None = "FARGATE") -> list[str]:
    """AWS's messages for each reason Fargate would refuse this task definition; empty when accepted."""
    return [p.message for p in problems(task_def, launch_type=launch_type)]


# ---------------------------------------------------------------- EKS Pods

_K8S_SUFFIX = {
    "": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}
_QUANTITY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?\s*$")


def _quantity(value: Any, what: str) -> Fraction:
    """A Kubernetes quantity ("500m", "1", "1Gi", "1000M") as an exact number (cores or bytes)."""
    example = "'500m' or '1' for cpu, '512Mi' or '1Gi' for memory"
    if isinstance(value, bool) or value is None or not isinstance(value, (int, float, str)):
        raise InvalidInput(f"{what} {value!r} is not a Kubernetes quantity; expected {example}.")
    text = repr(value) if isinstance(value, float) else str(value)
    match = _QUANTITY.match(text)
    if not match or (isinstance(value, float) and not math.isfinite(value)):
        raise InvalidInput(f"{what} {value!r} is not a Kubernetes quantity; expected {example}.")
    number, suffix = Fraction(match.group(1)), match.group(2) or ""
    if suffix == "m":
        return number / 1000
    return number * _K8S_SUFFIX[suffix]


def _requests(container: Any, i: int, kind: str) -> tuple[Fraction, Fraction]:
    """(vCPU, MiB) requested by one container dict."""
    where = f"{kind}[{i}]"
    if not isinstance(container, Mapping):
        raise InvalidInput(f"{where} is {container!r}; expected a dict like "
                           "{'cpu': '500m', 'memory': '1Gi'}.")
    source: Mapping[str, Any] = container
    resources = container.get("resources")
    if isinstance(resources, Mapping):
        source = resources.get("requests") or resources.get("limits") or {}
        if not isinstance(source, Mapping):
            raise InvalidInput(f"{where}.resources.requests must be a dict.")
    cpu = _quantity(source["cpu"], f"{where} cpu") if source.get("cpu") is not None else Fraction(0)
    mem = _quantity(source["memory"], f"{where} memory") if source.get("memory") is not None else Fraction(0)
    if cpu < 0 or mem < 0:
        raise InvalidInput(f"{where} requests must not be negative.")
    return cpu, mem / 2**20


def eks_pod_size(containers: Iterable[Any], init_containers: Iterable[Any] = ()) -> tuple[int, int]:
    """The Fargate size (CPU units, MiB) EKS provisions for a Pod, following AWS's documented algorithm.

    Max of the init containers' requests vs the sum of the others', per dimension; plus the memory EKS adds
    for Kubernetes components; rounded up to the smallest EKS size covering both. Memory numbers without a
    suffix are bytes, as in Kubernetes.
    """
    eks = facts()["eks"]
    if isinstance(containers, (str, bytes, Mapping)) or isinstance(init_containers, (str, bytes, Mapping)):
        raise InvalidInput("containers and init_containers must be lists of dicts, e.g. [{'cpu': '500m', "
                           "'memory': '1Gi'}].")
    try:
        main = [_requests(c, i, "containers") for i, c in enumerate(containers)]
        init = [_requests(c, i, "init_containers") for i, c in enumerate(init_containers)]
    except TypeError as err:
        raise InvalidInput("containers and init_containers must be lists of dicts.") from err
    cpu = max(sum((c for c, _ in main), Fraction(0)), max((c for c, _ in init), default=Fraction(0)))
    mem = max(sum((m for _, m in main), Fraction(0)), max((m for _, m in init), default=Fraction(0)))
    if cpu == 0 and mem == 0:
        return eks["default_size"]["cpu"], eks["default_size"]["memory"]
    need_cpu = cpu * units_per_vcpu()
    need_mem = mem + eks["kubernetes_overhead_mib"]
    for row in eks["sizes"]:
        for size in row["memory"]:
            if row["cpu"] >= need_cpu and size >= need_mem:
                return row["cpu"], size
    top = eks["sizes"][-1]
    raise InvalidInput(f"the Pod requests {num(cpu)} vCPU and {num(math.ceil(need_mem))} MiB (with "
                       f"{eks['kubernetes_overhead_mib']} MiB for Kubernetes); the largest EKS Fargate size "
                       "is "
                       f"{vcpu_text(top['cpu'])} with {gb_text(top['memory'][-1])}. Lower the requests.")
