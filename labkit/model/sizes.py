"""Fargate task sizes: which (CPU, memory) pairs Fargate accepts per OS, the smallest that fits a need, and why.

Every number comes from `labkit.data.facts()["task_sizes"]`; CPU is in CPU units and memory in MiB, as ECS counts
them (`labkit.model.units` converts and writes them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.model.units import gb_text, join, parse_cpu, parse_memory, vcpu_text

WINDOWS_2025 = ("WINDOWS_SERVER_2025_FULL", "WINDOWS_SERVER_2025_CORE")


def normalize_os(os: Any) -> str:
    """ "LINUX" or "WINDOWS" from an OS name or a runtimePlatform.operatingSystemFamily value."""
    families = facts()["windows"]["os_families"]
    expected = f"expected 'LINUX', 'WINDOWS' or one of {', '.join(families)}"
    if not isinstance(os, str):
        raise InvalidInput(f"os {os!r} is not a string; {expected}.")
    name = os.strip().upper()
    if name in ("LINUX", "WINDOWS") or name in families:
        return "LINUX" if name == "LINUX" else "WINDOWS"
    if name in WINDOWS_2025:
        raise InvalidInput(f"os {os!r}: {facts()['windows']['note']} Use one of {', '.join(families)}.")
    raise InvalidInput(f"os {os!r} is not known; {expected}.")


def size_rows(os: str = "LINUX") -> list[dict[str, Any]]:
    """The rows of the size table (a CPU and its memories) that Fargate offers on this OS."""
    name = normalize_os(os)
    sizes = facts()["task_sizes"]
    rows = [r for r in sizes["rows"] if name in r["os"]]
    if name == "WINDOWS":
        rows = [r for r in rows if r["cpu"] in sizes["windows_cpu"]]
    return rows


def valid_sizes(os: str = "LINUX") -> list[tuple[int, int]]:
    """Every (CPU units, memory MiB) pair Fargate accepts for a task on this OS, smallest first."""
    return [(row["cpu"], mem) for row in size_rows(os) for mem in row["memory"]]


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
    rows = size_rows(os)
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
    rows = {r["cpu"]: r for r in size_rows(name)}
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
    notes = []
    version = row.get("min_platform_version")
    if version and name == "LINUX":
        notes.append(f"it needs Linux platform version {version} or later")
    if row.get("label"):  # what AWS has not confirmed about a size yet (facts: the row's caveat)
        notes.append(row["label"])
    return text + (f" ({'; '.join(notes)})" if notes else "") + "."


def _size_text(cpu: int, memory: int) -> str:
    return f"{cpu} CPU units ({vcpu_text(cpu)}) with {memory} MiB ({gb_text(memory)})"

