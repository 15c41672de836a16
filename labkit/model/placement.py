"""THE capacity-provider rule: which provider (FARGATE or FARGATE_SPOT) runs each task of a strategy.

AWS describes a strategy item's two numbers (ECS API Reference, CapacityProviderStrategyItem, read 2026-12-05):
- `base`: "how many tasks, at a minimum, to run on the specified capacity provider"; only one item may set it;
- `weight`: "the relative percentage of the total number of tasks launched that should use the specified capacity
  provider", considered once the base is satisfied; for weights 1 and 4, "for every one task that's run using
  capacityProviderA, four tasks would use capacityProviderB". Its default is 0, and a provider of weight 0 takes
  no task beyond its base (a strategy of one provider still places there).

AWS gives no formula for counts that are not a multiple of the weights' sum. labkit places tasks one at a time:
a base still short of its minimum comes first; otherwise the task goes to the weighted provider furthest behind
its share, the one with the smallest (tasks above its base + 1) / weight, ties to the earlier item. So a
service that scales up one task at a time ends where one that starts them together does, every multiple of the
weights' sum is split exactly by weight, and with two providers each stays within one task of its share.
The mock, the exercises' checks, real mode's budget and the diagrams all place with this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from labkit.errors import InvalidInput

FARGATE_PROVIDERS = ("FARGATE", "FARGATE_SPOT")


@dataclass(frozen=True)
class Item:
    """One provider of a strategy, as ECS reads it."""

    provider: str
    base: int = 0
    weight: int = 0


def items(strategy: Iterable[Mapping[str, Any]] | Iterable[Item]) -> list[Item]:
    """A strategy as AWS spells it ([{"capacityProvider": "FARGATE", "base": 1, "weight": 1}, ...]) as Items."""
    out = []
    for entry in strategy:
        if isinstance(entry, Item):
            out.append(entry)
            continue
        if not isinstance(entry, Mapping) or not entry.get("capacityProvider"):
            raise InvalidInput(f"capacity provider strategy item {entry!r}: each needs a capacityProvider, with an "
                               "optional base and weight, e.g. {'capacityProvider': 'FARGATE_SPOT', 'weight': 3}.")
        out.append(Item(str(entry["capacityProvider"]), int(entry.get("base") or 0), int(entry.get("weight") or 0)))
    return out


def next_provider(strategy: Sequence[Item], placed: Mapping[str, int]) -> str:
    """The provider of one more task, given how many tasks each provider already runs."""
    if not strategy:
        raise InvalidInput("a capacity provider strategy needs at least one provider.")
    for item in strategy:
        if placed.get(item.provider, 0) < item.base:
            return item.provider
    weighted = [item for item in strategy if item.weight > 0] or list(strategy[:1])

    def behind(item: Item) -> float:
        above_base = placed.get(item.provider, 0) - item.base
        return (above_base + 1) / max(item.weight, 1)

    return min(weighted, key=behind).provider  # min keeps the earlier item on a tie


def place(count: int, strategy: Iterable[Mapping[str, Any]] | Iterable[Item],
          placed: Mapping[str, int] | None = None) -> list[str]:
    """The provider of each of `count` new tasks, in launch order, beside the tasks already `placed`."""
    chosen = items(strategy)
    counts = dict(placed or {})
    out = []
    for _ in range(count):
        provider = next_provider(chosen, counts)
        counts[provider] = counts.get(provider, 0) + 1
        out.append(provider)
    return out


def split(count: int, strategy: Iterable[Mapping[str, Any]] | Iterable[Item]) -> dict[str, int]:
    """How many of `count` tasks each provider of the strategy runs (every provider named, 0 included)."""
    chosen = items(strategy)
    counts = {item.provider: 0 for item in chosen}
    for provider in place(count, chosen):
        counts[provider] += 1
    return counts


def on_spot(count: int, strategy: Iterable[Mapping[str, Any]] | None) -> int:
    """How many of `count` tasks run on FARGATE_SPOT (0 without a strategy: the launch type places them)."""
    if not strategy:
        return 0
    return split(count, strategy).get("FARGATE_SPOT", 0)
