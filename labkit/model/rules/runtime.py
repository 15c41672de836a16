"""The run-time rule: a platform version (RunTask/CreateService name one) that is unknown, retired, or too old
for what the task asks. Registered last, as AWS checks it last: only when the task is started."""

from __future__ import annotations

from collections.abc import Iterator

from labkit.model.rules.base import INVALID_PARAM, Problem, TaskView, present, problem, rule
from labkit.model.units import join


def _version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def _needs(v: TaskView) -> list[tuple[str, str]]:
    """(oldest Linux platform version, what needs it) for this task's size, architecture and storage."""
    f = v.facts
    needs = []
    row = next((r for r in f["task_sizes"]["rows"] if r["cpu"] == v.cpu_units), None)
    if row and row["min_platform_version"]:
        needs.append((row["min_platform_version"], f"{v.cpu_units} CPU units"))
    if v.arch == "ARM64":
        needs.append((f["arm64"]["min_platform_version"], "ARM64"))
    if present(v.td.get("ephemeralStorage")):
        needs.append((f["limits"]["ephemeral_storage"]["min_platform_version"], "ephemeralStorage"))
    return needs


@rule
def platform_version(v: TaskView) -> Iterator[Problem]:
    """Run time only (RunTask/CreateService name a version): unknown, retired, or too old for what the task asks."""
    if v.platform_version is None:
        return
    pv = v.facts["platform_versions"]
    key = "windows" if v.os_name == "WINDOWS" else "linux"
    resolved = pv[f"{key}_latest"] if v.platform_version.upper() == "LATEST" else v.platform_version
    if resolved not in pv[key]:
        retired = pv["deprecated_linux"].get(resolved) if key == "linux" else None
        why = f" It was retired on {retired}." if retired else ""
        # AWS-style wording (labkit's own).
        yield problem("platform-version", f"Platform version {v.platform_version} is not valid.",
                      f"{v.os_name.title()} tasks on Fargate run platform version {join(pv[key] + ['LATEST'])}.{why}",
                      "platformVersion", INVALID_PARAM)
        return
    for minimum, what in _needs(v) if key == "linux" else []:
        if _version_tuple(resolved) < _version_tuple(minimum):
            # AWS-style wording (labkit's own).
            yield problem("platform-version", f"{what} requires platform version {minimum} or later.",
                          f"Run the task on platform version {minimum} or LATEST (now {pv['linux_latest']}).",
                          "platformVersion", INVALID_PARAM)
