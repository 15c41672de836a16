"""Spot interruptions with replacement (placement by base and weight: tests/test_placement.py)."""

from __future__ import annotations

import pytest

from labkit.errors import InvalidInput
from tests.test_mock_services import _create, _service, _stable, _tasks


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
