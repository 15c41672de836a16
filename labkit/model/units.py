"""Units, parsed and written in one place: CPU units and vCPU, MiB and GB, US dollars, AWS names and ARNs.

ECS counts CPU in units (1 vCPU = `facts()["units"]["cpu_units_per_vcpu"]`) and memory in MiB (1 GB =
`facts()["units"]["mib_per_gb"]` MiB, as ECS and the pricing page count it). Every module that turns one into
the other, or writes one for a learner to read, does it here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from labkit.data import facts
from labkit.errors import InvalidInput

CPU_EXAMPLE = "CPU units such as 256 or 1024, or vCPUs as a string such as '0.25 vCPU' or '1 vCPU'"
MEMORY_EXAMPLE = "MiB such as 512 or 2048, or GB as a string such as '0.5 GB' or '2 GB'"
_CPU_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(vcpus?)?\s*$", re.IGNORECASE)
_MEMORY_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(gb|gib|mb|mib)?\s*$", re.IGNORECASE)


# ---------------------------------------------------------------- CPU and memory


def units_per_vcpu() -> int:
    """CPU units in one vCPU."""
    return int(facts()["units"]["cpu_units_per_vcpu"])


def mib_per_gb() -> int:
    """MiB in one GB, as ECS and Fargate's prices count a GB."""
    return int(facts()["units"]["mib_per_gb"])


def vcpu(cpu_units: Any) -> float:
    """vCPUs from CPU units (256 -> 0.25); strings such as "1 vCPU" are parsed first."""
    return parse_cpu(cpu_units) / units_per_vcpu()


def gb(memory_mib: Any) -> float:
    """GB from MiB (512 -> 0.5); strings such as "2 GB" are parsed first."""
    return parse_memory(memory_mib) / mib_per_gb()


def _number(value: Any, what: str, example: str) -> Fraction:
    """A finite positive number from an int/float/str, as an exact Fraction; else InvalidInput."""
    if isinstance(value, bool) or value is None or not isinstance(value, (int, float, str, Fraction)):
        raise InvalidInput(f"{what} {value!r} is not a number; expected {example}.")
    if isinstance(value, float) and not math.isfinite(value):
        raise InvalidInput(f"{what} {value!r} is not a finite number; expected {example}.")
    try:
        number = Fraction(value) if not isinstance(value, float) else Fraction(repr(value))
    except (ValueError, ZeroDivisionError) as err:
        raise InvalidInput(f"{what} {value!r} is not a number; expected {example}.") from err
    if number <= 0:
        raise InvalidInput(f"{what} {value!r} must be greater than zero; expected {example}.")
    return number


def _whole(number: Fraction, given: Any, what: str, unit: str, example: str) -> int:
    if number.denominator != 1:
        raise InvalidInput(f"{what} {given!r} is {num(number)} {unit}, not a whole number of {unit}; "
                           f"expected {example}.")
    return int(number)


def parse_cpu(value: Any) -> int:
    """CPU units from 256, "256", "1 vCPU", "0.25 vcpu" or ".25 vCpu" (forms ECS and CloudFormation take)."""
    if isinstance(value, str):
        match = _CPU_RE.match(value)
        if not match:
            raise InvalidInput(f"cpu {value!r} is not understood; expected {CPU_EXAMPLE}.")
        number = _number(match.group(1), "cpu", CPU_EXAMPLE)
        if match.group(2):
            number *= units_per_vcpu()
        return _whole(number, value, "cpu", "CPU units", CPU_EXAMPLE)
    return _whole(_number(value, "cpu", CPU_EXAMPLE), value, "cpu", "CPU units", CPU_EXAMPLE)


def parse_memory(value: Any) -> int:
    """Memory in MiB from 512, "512", "2 GB", "2GB" or "0.5 GB" (GB here is 1024 MiB, as ECS counts it)."""
    if isinstance(value, str):
        match = _MEMORY_RE.match(value)
        if not match:
            raise InvalidInput(f"memory {value!r} is not understood; expected {MEMORY_EXAMPLE}.")
        number = _number(match.group(1), "memory", MEMORY_EXAMPLE)
        if match.group(2) and match.group(2).lower() in ("gb", "gib"):
            number *= mib_per_gb()
        return _whole(number, value, "memory", "MiB", MEMORY_EXAMPLE)
    return _whole(_number(value, "memory", MEMORY_EXAMPLE), value, "memory", "MiB", MEMORY_EXAMPLE)


def vcpu_text(cpu_units: Any) -> str:
    """CPU units as a learner reads them: 256 -> "0.25 vCPU"."""
    return f"{num(Fraction(parse_cpu(cpu_units), units_per_vcpu()))} vCPU"


def gb_text(memory_mib: Any) -> str:
    """MiB as a learner reads them: 512 -> "0.5 GB"."""
    return f"{num(Fraction(parse_memory(memory_mib), mib_per_gb()))} GB"


def size_text(vcpus: float, memory_gb: float) -> str:
    """A task size given in vCPU and GB: "0.25 vCPU / 0.5 GB"."""
    return f"{num(vcpus)} vCPU / {num(memory_gb)} GB"


# ---------------------------------------------------------------- numbers and words


def num(x: Fraction | float | int) -> str:
    """A number without a trailing .0: 0.25, 1, 2.5."""
    value = float(x)
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.6g}"


def join(items: Sequence[str], word: str = "or") -> str:
    """["a", "b", "c"] -> "a, b or c"."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


# ---------------------------------------------------------------- US dollars


def usd_places(amount: float) -> int:
    """Decimals that show an amount of this size honestly: cents from $1, then 4 places, then 6 (sub-cent)."""
    size = abs(amount)
    if size >= 1 or size == 0:
        return 2
    return 4 if size >= 0.01 else 6


def usd(amount: float, places: int | None = None) -> str:
    """US dollars as text: "$1,234.56", "$0.0123", "-$0.000412"; `places` fixed, or chosen from the amount."""
    places = usd_places(amount) if places is None else places
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.{places}f}"


def round_to_total(values: Sequence[float], total: float, places: int) -> list[float]:
    """Round each value to `places` so that the rounded values add up to the rounded total (largest remainder).

    A breakdown a learner reads must add up to its total; rounding each line alone would not.
    """
    scale = 10 ** places
    target = round(total * scale)
    floors = [math.floor(v * scale) for v in values]
    remainder = target - sum(floors)
    order = sorted(range(len(values)), key=lambda i: values[i] * scale - floors[i], reverse=True)
    for i in order[:max(remainder, 0)]:
        floors[i] += 1
    return [f / scale for f in floors]


# ---------------------------------------------------------------- AWS names


def task_family(name_or_arn: Any) -> str:
    """The family of a task definition, from its ARN or `family:revision` ("web" from ".../web:3")."""
    return short_name(name_or_arn).split(":", 1)[0]


def short_name(name_or_arn: Any) -> str:
    """The name inside an ARN, as the console shows it: a cluster, service or task definition (`family:3`), a task's
    id; anything that is not an ARN is returned as it is ("labkit", "web")."""
    text = str(name_or_arn)
    if not text.startswith("arn:"):
        return text
    return text.split(":", 5)[-1].rsplit("/", 1)[-1]
