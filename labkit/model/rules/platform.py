"""Rules on the platform a task asks for: its operating system family and CPU architecture."""

from __future__ import annotations

from collections.abc import Iterator

from labkit.model.rules.base import Problem, TaskView, problem, rule
from labkit.model.sizes import WINDOWS_2025
from labkit.model.units import join


@rule
def os_family(v: TaskView) -> Iterator[Problem]:
    windows = v.facts["windows"]["os_families"]
    if v.family in WINDOWS_2025:
        # AWS-style wording (labkit's own): AWS's exact text for this case was not found.
        yield problem("os-family", f"Fargate does not support operating system family '{v.family}'.",
                      f"{v.facts['windows']['note']} Use one of {join(windows)}.",
                      "runtimePlatform.operatingSystemFamily")
    elif v.family != "LINUX" and v.family not in windows:
        # AWS-style wording (labkit's own).
        yield problem("os-family", f"Invalid operating system family '{v.family}'.",
                      f"Fargate runs LINUX or {join(windows)}.", "runtimePlatform.operatingSystemFamily")


@rule
def cpu_architecture(v: TaskView) -> Iterator[Problem]:
    if v.arch not in ("X86_64", "ARM64"):
        # AWS-style wording (labkit's own).
        yield problem("cpu-architecture", f"Invalid CPU architecture '{v.arch}'.",
                      "Use X86_64 or ARM64 (Graviton).", "runtimePlatform.cpuArchitecture")
    elif v.arch == "ARM64" and v.os_name == "WINDOWS":
        # AWS-style wording (labkit's own).
        yield problem("arm64-windows", "Fargate does not support the ARM64 CPU architecture for Windows containers.",
                      f"{v.facts['arm64']['note'].split(';')[0]}. Use X86_64 for Windows, or LINUX for ARM64.",
                      "runtimePlatform.cpuArchitecture")
