"""labkit.model.placement: the one capacity-provider rule, against AWS's description of base and weight, and the
mock's placement through plain boto3 compared with it for random strategies and counts."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import labkit
from labkit.errors import InvalidInput
from labkit.lab import deploy
from labkit.model import placement


def strategy(*items: tuple[str, int, int]) -> list[dict]:
    return [{"capacityProvider": name, "base": base, "weight": weight} for name, base, weight in items]


@pytest.mark.parametrize("items, count, expected", [
    # AWS's example: weights 1 and 4, "for every one task on A, four tasks would use B"
    ((("FARGATE", 0, 1), ("FARGATE_SPOT", 0, 4)), 5, {"FARGATE": 1, "FARGATE_SPOT": 4}),
    ((("FARGATE", 0, 1), ("FARGATE_SPOT", 0, 4)), 10, {"FARGATE": 2, "FARGATE_SPOT": 8}),
    # the base first, then the rest by weight
    ((("FARGATE", 1, 1), ("FARGATE_SPOT", 0, 3)), 5, {"FARGATE": 2, "FARGATE_SPOT": 3}),
    ((("FARGATE", 2, 0), ("FARGATE_SPOT", 0, 1)), 4, {"FARGATE": 2, "FARGATE_SPOT": 2}),
    ((("FARGATE", 3, 1), ("FARGATE_SPOT", 0, 1)), 2, {"FARGATE": 2, "FARGATE_SPOT": 0}),
    # equal weights split evenly; a provider of weight 0 gets nothing beyond its base
    ((("FARGATE", 0, 1), ("FARGATE_SPOT", 0, 1)), 4, {"FARGATE": 2, "FARGATE_SPOT": 2}),
    ((("FARGATE", 0, 0), ("FARGATE_SPOT", 0, 1)), 3, {"FARGATE": 0, "FARGATE_SPOT": 3}),
    # one provider places everything, whatever its weight
    ((("FARGATE_SPOT", 0, 1),), 3, {"FARGATE_SPOT": 3}),
    ((("FARGATE", 0, 0),), 2, {"FARGATE": 2}),
    # the case the old mock and the old checker disagreed on: 1/1 by the checker, 0/2 by the mock
    ((("FARGATE", 0, 1), ("FARGATE_SPOT", 0, 3)), 2, {"FARGATE": 0, "FARGATE_SPOT": 2}),
])
def test_base_then_weight_as_aws_describes_them(items, count, expected):
    assert placement.split(count, strategy(*items)) == expected


def test_a_service_that_scales_up_one_task_at_a_time_ends_where_one_started_at_once_does():
    rule = strategy(("FARGATE", 1, 1), ("FARGATE_SPOT", 0, 3))
    placed: dict[str, int] = {}
    for n in range(1, 12):
        [provider] = placement.place(1, rule, placed)
        placed[provider] = placed.get(provider, 0) + 1
        assert placed == {k: v for k, v in placement.split(n, rule).items() if v}


def test_an_empty_or_malformed_strategy_says_what_to_give():
    with pytest.raises(InvalidInput, match="at least one provider"):
        placement.split(1, [])
    with pytest.raises(InvalidInput, match="capacityProvider"):
        placement.split(1, [{"weight": 1}])


def test_on_spot_counts_the_spot_share_and_nothing_without_a_strategy():
    assert placement.on_spot(5, strategy(("FARGATE", 1, 1), ("FARGATE_SPOT", 0, 3))) == 3
    assert placement.on_spot(4, None) == 0 and placement.on_spot(4, []) == 0


# --- properties of the rule -------------------------------------------------------------------------------------
@st.composite
def fargate_strategies(draw: st.DrawFn) -> list[dict]:
    """A strategy AWS accepts: FARGATE and/or FARGATE_SPOT in either order, one base at most, and (with two
    providers) at least one weight above zero."""
    names = draw(st.sampled_from([("FARGATE",), ("FARGATE_SPOT",), ("FARGATE", "FARGATE_SPOT"),
                                  ("FARGATE_SPOT", "FARGATE")]))
    weights = [draw(st.integers(0, 4)) for _ in names]
    if len(names) > 1 and not any(weights):
        weights[draw(st.integers(0, len(names) - 1))] = draw(st.integers(1, 4))
    bases = [0] * len(names)
    bases[draw(st.integers(0, len(names) - 1))] = draw(st.integers(0, 3))
    return strategy(*zip(names, bases, weights, strict=True))


@given(fargate_strategies(), st.integers(0, 40))
def test_every_task_is_placed_bases_first_and_each_provider_near_its_share(rule, count):
    split = placement.split(count, rule)
    assert sum(split.values()) == count
    bases = {item["capacityProvider"]: item["base"] for item in rule}
    assert all(split[p] >= min(bases[p], count) for p in split)  # a base is met before anything else
    rest = count - sum(min(split[p], bases[p]) for p in split)
    weights = {item["capacityProvider"]: item["weight"] for item in rule}
    total = sum(weights.values())
    if total and len(rule) > 1:
        for p in split:
            share = rest * weights[p] / total
            assert abs(max(split[p] - bases[p], 0) - share) < 1  # within one task of its share
            if weights[p] == 0:
                assert split[p] <= bases[p]


@given(fargate_strategies(), st.integers(0, 30))
def test_one_more_task_never_takes_one_away(rule, count):
    before, after = placement.split(count, rule), placement.split(count + 1, rule)
    assert all(after[p] >= before[p] for p in before) and sum(after.values()) == count + 1


# --- the mock places by the rule, through plain boto3 ------------------------------------------------------------
_serial = itertools.count()


@pytest.fixture(scope="module")
def spot_lab():
    """One lab for the property test: a network with a way out, a task definition; a new cluster per example."""
    with labkit.connect("mock") as lab:
        lab.set_quota(on_demand_vcpu=10_000, spot_vcpu=10_000)  # every example's tasks keep running in one account
        net = deploy.ensure_network(lab)
        td = lab.client("ecs").register_task_definition(
            family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{"name": "web", "image": "nginx:1.27"}])["taskDefinition"]["taskDefinitionArn"]
        yield lab, net.awsvpc(), td


def _by_provider(ecs, cluster: str, tasks: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for task in ecs.describe_tasks(cluster=cluster, tasks=tasks)["tasks"]:
        counts[task["capacityProviderName"]] = counts.get(task["capacityProviderName"], 0) + 1
    return counts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=fargate_strategies(), count=st.integers(1, 10))
def test_run_task_places_as_the_rule_says(spot_lab, rule, count):
    lab, network, td = spot_lab
    ecs = lab.client("ecs")
    cluster = f"c{next(_serial)}"
    ecs.create_cluster(clusterName=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"])
    tasks = ecs.run_task(cluster=cluster, taskDefinition=td, count=count, capacityProviderStrategy=rule,
                         networkConfiguration=network)["tasks"]
    expected = {p: n for p, n in placement.split(count, rule).items() if n}
    assert _by_provider(ecs, cluster, [t["taskArn"] for t in tasks]) == expected


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rule=fargate_strategies(), first=st.integers(1, 6), then=st.integers(1, 8))
def test_a_service_places_as_the_rule_says_as_it_scales(spot_lab, rule, first, then):
    lab, network, td = spot_lab
    ecs = lab.client("ecs")
    cluster = f"s{next(_serial)}"
    ecs.create_cluster(clusterName=cluster, capacityProviders=["FARGATE", "FARGATE_SPOT"])
    ecs.create_service(cluster=cluster, serviceName="web", taskDefinition=td, desiredCount=first,
                       capacityProviderStrategy=rule, networkConfiguration=network)
    if then > first:  # scaling out places the new tasks beside the running ones, by the same rule
        ecs.update_service(cluster=cluster, service="web", desiredCount=then)
        live = ecs.list_tasks(cluster=cluster, serviceName="web")["taskArns"]
        expected = {p: n for p, n in placement.split(then, rule).items() if n}
        assert _by_provider(ecs, cluster, live) == expected
    else:
        live = ecs.list_tasks(cluster=cluster, serviceName="web")["taskArns"]
        assert _by_provider(ecs, cluster, live) == {p: n for p, n in placement.split(first, rule).items() if n}
