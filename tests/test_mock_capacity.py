"""Spot interruptions with replacement (placement by base and weight: tests/test_placement.py)."""

from __future__ import annotations

import pytest

from labkit.errors import InvalidInput
from tests.test_mock_services import _create, _service, _stable, _tasks


def test_spot_interruption_stops_a_task_whose_process_exits_at_sigterm_and_is_replaced(lab, net, register):
    """nginx (a stand-in) exits at the warning's SIGTERM: the task stops at once, not after two minutes."""
    _create(lab, net, register(), desired=2, capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT",
                                                                        "weight": 1}])
    _stable(lab)
    [victim] = lab.interrupt_spot(cluster="labkit", service="web", count=1)
    ecs = lab.client("ecs")
    warned = ecs.describe_tasks(cluster="labkit", tasks=[victim])["tasks"][0]
    assert (warned["lastStatus"], warned["desiredStatus"], warned["stopCode"]) == ("DEACTIVATING", "STOPPED",
                                                                                 "SpotInterruption")
    assert len(_tasks(lab, serviceName="web")) == 2  # the replacement starts at the warning
    lab.clock.advance(20)
    stopped = ecs.describe_tasks(cluster="labkit", tasks=[victim])["tasks"][0]
    assert (stopped["lastStatus"], stopped["stopCode"], stopped["stoppedReason"]) == (
        "STOPPED", "SpotInterruption", "Your Spot Task was interrupted.")
    assert stopped["containers"][0]["exitCode"] == 0
    lab.clock.advance(60)
    svc = _service(lab)
    assert (svc["runningCount"], svc["desiredCount"]) == (2, 2)


def test_interrupt_spot_without_spot_tasks_says_so(lab, net, register):
    _create(lab, net, register(), desired=1)
    _stable(lab)
    with pytest.raises(InvalidInput, match="FARGATE_SPOT"):
        lab.interrupt_spot(cluster="labkit")
