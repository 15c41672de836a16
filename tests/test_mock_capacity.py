"""Capacity providers: FARGATE / FARGATE_SPOT by base and weight, and Spot interruptions with replacement."""

from __future__ import annotations

import pytest

from labkit.errors import InvalidInput
from labkit.mock.ecs.capacity import choose_provider
from tests.test_mock_services import _create, _service, _stable, _tasks


@pytest.mark.parametrize("strategy,total,expected", [
    ([("FARGATE", 1, 1), ("FARGATE_SPOT", 0, 3)], 5, {"FARGATE": 2, "FARGATE_SPOT": 3}),
    ([("FARGATE", 2, 0), ("FARGATE_SPOT", 0, 1)], 4, {"FARGATE": 2, "FARGATE_SPOT": 2}),
    ([("FARGATE_SPOT", 0, 1)], 3, {"FARGATE_SPOT": 3}),
    ([("FARGATE", 0, 1), ("FARGATE_SPOT", 0, 1)], 4, {"FARGATE": 2, "FARGATE_SPOT": 2}),
])
def test_choose_provider_honours_base_then_weight(strategy, total, expected):
    items = [{"capacityProvider": n, "base": b, "weight": w} for n, b, w in strategy]
    counts: dict[str, int] = {}
    for _ in range(total):
        name = choose_provider(items, counts)
        counts[name] = counts.get(name, 0) + 1
    assert counts == expected


def test_spot_interruption_warns_stops_and_is_replaced(lab, net, register):
    _create(lab, net, register(), desired=2, capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT",
                                                                        "weight": 1}])
    _stable(lab)
    [victim] = lab.interrupt_spot(cluster="labkit", service="web", count=1)
    ecs = lab.client("ecs")
    warned = ecs.describe_tasks(cluster="labkit", tasks=[victim])["tasks"][0]
    assert (warned["lastStatus"], warned["desiredStatus"], warned["stopCode"]) == ("RUNNING", "STOPPED",
                                                                                 "TerminationNotice")
    assert len(_tasks(lab, serviceName="web")) == 2  # the replacement starts at the warning
    lab.clock.advance(119)
    assert ecs.describe_tasks(cluster="labkit", tasks=[victim])["tasks"][0]["lastStatus"] == "RUNNING"
    lab.clock.advance(30)
    stopped = ecs.describe_tasks(cluster="labkit", tasks=[victim])["tasks"][0]
    assert (stopped["lastStatus"], stopped["stopCode"], stopped["stoppedReason"]) == (
        "STOPPED", "SpotInterruption", "Your Spot Task was interrupted.")
    svc = _service(lab)
    assert (svc["runningCount"], svc["desiredCount"]) == (2, 2)


def test_interrupt_spot_without_spot_tasks_says_so(lab, net, register):
    _create(lab, net, register(), desired=1)
    _stable(lab)
    with pytest.raises(InvalidInput, match="FARGATE_SPOT"):
        lab.interrupt_spot(cluster="labkit")
