"""Helpers for lab-state checks: read a Lab only through `ctx.client(...)` (boto3), so every mode works."""

from __future__ import annotations

from typing import Any

from labkit.course.exercises import Context, Wrong
from labkit.model import placement
from labkit.model.units import short_name


def name_of(answer: Any, what: str, example: str) -> str:
    """A resource name from the answer: text, or a boto3 response / dict holding it, or an ARN."""
    if isinstance(answer, dict):
        for key in ("service", "taskDefinition"):
            if isinstance(answer.get(key), dict):
                answer = answer[key]
        for key in ("serviceName", "family", "name", "serviceArn", "taskDefinitionArn"):
            if isinstance(answer.get(key), str):
                answer = answer[key]
                break
    if not isinstance(answer, str) or not answer.strip():
        raise Wrong(f"Expected the name of your {what} as text (e.g. {example!r}), got "
                    f"{type(answer).__name__} {answer!r:.40}.", stop=True)
    text = answer.strip()
    return short_name(text)


def clusters(ctx: Context) -> list[dict[str, Any]]:
    """Every ACTIVE cluster of the lab (described)."""
    ecs = ctx.client("ecs")
    arns = ecs.list_clusters().get("clusterArns", [])
    if not arns:
        return []
    found = ecs.describe_clusters(clusters=arns).get("clusters", [])
    return [c for c in found if c.get("status") == "ACTIVE"]


def find_service(ctx: Context, name: str) -> tuple[dict[str, Any], str]:
    """The ACTIVE service named `name` in any cluster of the lab, and its cluster's name; Wrong when none."""
    ecs = ctx.client("ecs")
    seen: list[str] = []
    for cluster in clusters(ctx):
        arn = cluster["clusterArn"]
        services = ecs.describe_services(cluster=arn, services=[name]).get("services", [])
        for svc in services:
            if svc.get("status") == "ACTIVE":
                return svc, cluster["clusterName"]
        listed = ecs.list_services(cluster=arn).get("serviceArns", [])
        seen += [short_name(a) for a in listed]
    where = f" (your lab has: {', '.join(sorted(set(seen)))})" if seen else " (your lab has no services yet)"
    raise Wrong(f"No active service named {name!r} in your lab's clusters{where}.",
                hint="Create the service first (ecs.create_service), and pass its name.", stop=True)


def strategy(service: dict[str, Any]) -> dict[str, dict[str, int]]:
    """The service's capacity provider strategy as {provider: {"base": n, "weight": n}}."""
    out = {}
    for item in service.get("capacityProviderStrategy") or []:
        out[item["capacityProvider"]] = {"base": int(item.get("base", 0) or 0),
                                         "weight": int(item.get("weight", 0) or 0)}
    return out


def check_strategy(service: dict[str, Any], want: dict[str, dict[str, int]]) -> None:
    """Wrong, with a hint naming the rule, unless the service uses exactly the strategy `want`."""
    if service.get("launchType") and not service.get("capacityProviderStrategy"):
        raise Wrong(f"The service uses launchType {service['launchType']} instead of a capacity provider "
                    "strategy.",
                    hint="Drop launchType and pass capacityProviderStrategy (AWS refuses both together): "
                         "the strategy is what mixes FARGATE and FARGATE_SPOT.")
    have = strategy(service)
    if set(have) != set(want):
        missing = sorted(set(want) - set(have))
        extra = sorted(set(have) - set(want))
        bits = ([f"missing {', '.join(missing)}"] if missing else []) + \
               ([f"unexpected {', '.join(extra)}"] if extra else [])
        raise Wrong(f"The strategy names {', '.join(sorted(have)) or 'no provider'} ({'; '.join(bits)}).",
                    hint="Use the two Fargate capacity providers: FARGATE (on-demand) and FARGATE_SPOT.")
    for provider, spec in want.items():
        got = have[provider]
        if got["base"] != spec.get("base", 0):
            hint = ("The base is the number of tasks placed first, on that provider, before weights apply; "
                    "put it on FARGATE so the tasks you always need cannot be taken by a Spot interruption.")
            raise Wrong(f"{provider} has base {got['base']}; the exercise asks for base "
                        f"{spec.get('base', 0)}.", hint=hint)
        if got["weight"] != spec.get("weight", 0):
            raise Wrong(f"{provider} has weight {got['weight']}; the exercise asks for weight "
                        f"{spec.get('weight', 0)}.",
                        hint="Weights split the tasks beyond the base: with FARGATE 1 and FARGATE_SPOT 3, "
                             "three of every four extra tasks run on Spot.")


def check_steady(service: dict[str, Any], count: int) -> None:
    """Wrong unless the service wants `count` tasks and runs them all (steady state)."""
    desired, running = service.get("desiredCount", 0), service.get("runningCount", 0)
    if desired != count:
        raise Wrong(f"The service wants {desired} task(s); the exercise asks for {count}.",
                    hint="Set desiredCount when creating the service, or change it with ecs.update_service.")
    failed = sum(int(d.get("failedTasks") or 0) for d in service.get("deployments") or [])
    if running != desired and failed:
        raise Wrong(f"{running} of {desired} tasks are running, and {failed} task(s) failed to start.",
                    hint=("Read why in a stopped task's stoppedReason (ecs.describe_tasks).",
                          "An i/o timeout (a CannotPullContainerError, or a ResourceInitializationError about "
                          "registry auth) means the task could not reach its registry: in a public subnet a task "
                          "needs a public address to use the internet gateway. A ResourceInitializationError "
                          "about a log group means the group must exist before the task starts."))
    if running != desired:
        raise Wrong(f"{running} of {desired} tasks are running: the service has not reached steady state.",
                    hint="Wait for it: ecs.get_waiter('services_stable').wait(cluster=..., services=[...]).")


def split(count: int, want: dict[str, dict[str, int]]) -> dict[str, int]:
    """How ECS places `count` tasks over a strategy written {provider: {"base": n, "weight": n}}."""
    return placement.split(count, [{"capacityProvider": p, **spec} for p, spec in want.items()])
