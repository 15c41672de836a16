"""The first exercise of the course (00_start_here): how checks and hints work, on Fargate's CPU units."""

from __future__ import annotations

from typing import Any

from labkit.course.exercises import Context, Exercise, Wrong, close, number, register
from labkit.data import facts

CPU_UNITS = register(Exercise(
    "start.cpu_units", "CPU units for half a vCPU", points=1,
    prompt="Fargate measures CPU in CPU units. How many CPU units is half a vCPU?",
    hints=("A task definition's `cpu` is in CPU units; 1 vCPU is labkit.data.facts()['units']['cpu_units_per_vcpu'] "
           "units.",),
))


@CPU_UNITS.check("CPU units for 0.5 vCPU")
def _half_vcpu(answer: Any, ctx: Context) -> None:
    per_vcpu = facts()["units"]["cpu_units_per_vcpu"]
    got = number(answer, "a whole number of CPU units")
    if close(got, per_vcpu / 2):
        return
    if close(got, 0.5):
        raise Wrong("0.5 is the number of vCPUs, not CPU units.",
                    hint=("Task definitions count CPU in units, not in vCPUs: how many units make one vCPU?",
                          f"1 vCPU = {per_vcpu} CPU units."))
    if close(got, 500):
        raise Wrong("500 would be right if 1 vCPU were 1000 units.",
                    hint=("CPU units are not counted in thousands.",
                          f"CPU units are binary-sized: 1 vCPU = {per_vcpu} units, not 1000."))
    raise Wrong(f"{got:g} CPU units is not half a vCPU.", hint=f"1 vCPU = {per_vcpu} CPU units.")
