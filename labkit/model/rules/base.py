"""What every task-definition rule reads and returns, and the list rules register in.

A rule is a small function `(view) -> Iterable[Problem]`: one refusal of Fargate's, with AWS's words where they are
known (a comment says when the wording is labkit's own). `@rule` registers it under its module, and `problems()`
reports the modules in the order `labkit.model.rules.STAGES` gives, each module's rules in the order written.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.model.sizes import WINDOWS_2025
from labkit.model.units import parse_cpu, parse_memory

CLIENT = "ClientException"
INVALID_PARAM = "InvalidParameterException"


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


def problem(rule: str, message: str, hint: str, field: str, code: str = CLIENT) -> Problem:
    """A Problem, ClientException unless told otherwise (what RegisterTaskDefinition answers)."""
    return Problem(rule, code, message, hint, field)


def present(value: Any) -> bool:
    """A parameter counts as set unless it is missing, null, false or empty (describe output has nulls)."""
    return value not in (None, False, "", [], {})


def as_dict(value: Any, field: str) -> Mapping[str, Any]:
    """A JSON object field; missing or null is empty, anything else but a dict is InvalidInput."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInput(f"{field} is {value!r}; expected a dict (a JSON object).")
    return value


def as_list(value: Any, field: str) -> list[Any]:
    """A JSON array field; missing or null is empty, anything else but a list is InvalidInput."""
    if value is None:
        return []
    if not isinstance(value, (list, tuple)):
        raise InvalidInput(f"{field} is {value!r}; expected a list (a JSON array).")
    return list(value)


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


@dataclass(frozen=True)
class Container:
    """One container definition, with its sizes read as numbers."""

    index: int
    spec: Mapping[str, Any]
    cpu: int | None
    memory: int | None
    reservation: int | None

    @property
    def path(self) -> str:
        return f"containerDefinitions[{self.index}]"

    @property
    def name(self) -> str:
        return str(self.spec.get("name") or f"#{self.index}")


@dataclass(frozen=True)
class TaskView:
    """A task definition as the rules read it: the raw request, its platform, its parsed size and containers."""

    td: Mapping[str, Any]
    family: str  # runtimePlatform.operatingSystemFamily, upper case
    arch: str
    os_name: str  # LINUX or WINDOWS
    containers: tuple[Container, ...]
    platform_version: str | None
    cpu_units: int | None = None
    memory_mib: int | None = None
    size_errors: dict[str, str] = field(default_factory=dict)  # cpu/memory that could not be read, and why

    @property
    def facts(self) -> dict[str, Any]:
        return facts()


def unwrap(task_def: Any) -> dict[str, Any]:
    """The task definition itself, from a request or from describe-task-definition's answer."""
    if not isinstance(task_def, Mapping):
        raise InvalidInput("a task definition must be a dict (the arguments of register_task_definition, or "
                           f"the output of describe-task-definition); got {type(task_def).__name__}.")
    inner = task_def.get("taskDefinition")
    return dict(inner) if isinstance(inner, Mapping) else dict(task_def)


def _platform(td: Mapping[str, Any]) -> tuple[str, str, str]:
    platform = td.get("runtimePlatform") or {}
    if not isinstance(platform, Mapping):
        raise InvalidInput(f"runtimePlatform is {platform!r}; expected a dict such as "
                           "{'operatingSystemFamily': 'LINUX', 'cpuArchitecture': 'X86_64'}.")
    family = str(platform.get("operatingSystemFamily") or "LINUX").upper()
    arch = str(platform.get("cpuArchitecture") or "X86_64").upper()
    windows = family in facts()["windows"]["os_families"] or family in WINDOWS_2025
    return family, arch, "WINDOWS" if windows else "LINUX"


def _size(td: Mapping[str, Any]) -> tuple[int | None, int | None, dict[str, str]]:
    found: dict[str, int | None] = {"cpu": None, "memory": None}
    errors: dict[str, str] = {}
    for key, parse in (("cpu", parse_cpu), ("memory", parse_memory)):
        if td.get(key) not in (None, ""):
            try:
                found[key] = parse(td[key])
            except InvalidInput as err:
                errors[key] = str(err)
    return found["cpu"], found["memory"], errors


def _containers(td: Mapping[str, Any]) -> tuple[Container, ...]:
    specs = td.get("containerDefinitions")
    specs = [] if specs is None else specs
    if not isinstance(specs, (list, tuple)) or not all(isinstance(c, Mapping) for c in specs):
        raise InvalidInput("containerDefinitions must be a list of dicts (one per container).")
    out = []
    for i, spec in enumerate(specs):
        path = f"containerDefinitions[{i}]"
        out.append(Container(i, spec, _as_int(spec.get("cpu"), f"{path}.cpu"),
                             _as_int(spec.get("memory"), f"{path}.memory"),
                             _as_int(spec.get("memoryReservation"), f"{path}.memoryReservation")))
    return tuple(out)


def view_of(task_def: Any, *, platform_version: str | None = None) -> TaskView:
    """Read a task definition once for every rule; malformed input (not a refusal) is InvalidInput."""
    td = unwrap(task_def)
    family, arch, os_name = _platform(td)
    cpu, memory, errors = _size(td)
    return TaskView(td=td, family=family, arch=arch, os_name=os_name, containers=_containers(td),
                    platform_version=platform_version, cpu_units=cpu, memory_mib=memory, size_errors=errors)


Rule = Callable[[TaskView], Iterable[Problem]]
RULES: dict[str, list[Rule]] = {}  # the module a rule lives in (its stage) -> its rules, in the order written


def rule(fn: Rule) -> Rule:
    """Register a rule under its module's stage; `problems()` runs the stages in order, each rule in turn."""
    RULES.setdefault(fn.__module__.rpartition(".")[2], []).append(fn)
    return fn
