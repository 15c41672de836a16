"""Fargate's vCPU quotas in mock mode, through boto3: past them RunTask starts no task and a service places none."""

from __future__ import annotations

import pytest

import labkit
from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.mock.server import ControlAPI

REASON = "You've reached the limit on the number of vCPUs you can run concurrently"


def _one_vcpu(register) -> str:
    return register("big", cpu="1024", memory="2048")


def _run(lab, net, td, count, spot=False):
    how = ({"capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]} if spot
           else {"launchType": "FARGATE"})
    return lab.client("ecs").run_task(cluster="labkit", taskDefinition=td, count=count,
                                      networkConfiguration=net["awsvpc"], **how)


def test_a_new_account_has_aws_default_quotas(lab):
    limits = facts()["limits"]
    assert lab.set_quota() == {"FARGATE": limits["fargate_on_demand_vcpu_quota"]["value"],
                               "FARGATE_SPOT": limits["fargate_spot_vcpu_quota"]["value"]} == {"FARGATE": 6,
                                                                                              "FARGATE_SPOT": 6}


def test_run_task_past_the_on_demand_quota_names_aws_reason_in_failures(lab, net, register):
    td = _one_vcpu(register)
    started = _run(lab, net, td, 7)
    assert len(started["tasks"]) == 6
    assert [f["reason"] for f in started["failures"]] == [REASON]
    assert REASON == facts()["errors"]["vcpu_quota"]["reason"]
    again = _run(lab, net, td, 1)
    assert again["tasks"] == [] and again["failures"][0]["reason"] == REASON


def test_spot_has_its_own_quota(lab, net, register):
    td = _one_vcpu(register)
    assert len(_run(lab, net, td, 6)["tasks"]) == 6
    spot = _run(lab, net, td, 7, spot=True)
    assert len(spot["tasks"]) == 6 and [f["reason"] for f in spot["failures"]] == [REASON]


def test_a_stopped_task_gives_its_vcpus_back(lab, net, register):
    ecs = lab.client("ecs")
    td = _one_vcpu(register)
    arns = [t["taskArn"] for t in _run(lab, net, td, 6)["tasks"]]
    assert _run(lab, net, td, 1)["failures"]
    ecs.stop_task(cluster="labkit", task=arns[0])
    assert _run(lab, net, td, 1)["failures"], "a stopping task still counts until it is STOPPED"
    ecs.get_waiter("tasks_stopped").wait(cluster="labkit", tasks=arns[:1])
    assert len(_run(lab, net, td, 1)["tasks"]) == 1


def test_a_service_past_the_quota_says_so_in_its_events_then_places_after_an_increase(lab, net, register):
    ecs = lab.client("ecs")
    td = _one_vcpu(register)
    ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=td, desiredCount=8, launchType="FARGATE",
                       networkConfiguration=net["awsvpc"])
    lab.clock.advance(120)
    service = ecs.describe_services(cluster="labkit", services=["web"])["services"][0]
    assert service["runningCount"] == 6
    event = ("(service web) was unable to place a task. Reason: You've reached the limit on the number of vCPUs you "
             "can run concurrently. For more information, see the Troubleshooting section of the Amazon ECS "
             "Developer Guide.")
    assert [e["message"] for e in service["events"]].count(event) == 1
    lab.set_quota(on_demand_vcpu=8)
    ecs.get_waiter("services_stable").wait(cluster="labkit", services=["web"])
    assert ecs.describe_services(cluster="labkit", services=["web"])["services"][0]["runningCount"] == 8


def test_quotas_are_per_account_and_reset_with_it(lab, net, register):
    lab.set_quota(on_demand_vcpu=1)
    with labkit.connect("mock") as other:
        assert other.set_quota()["FARGATE"] == 6
    assert len(_run(lab, net, register("small"), 5)["tasks"]) == 4  # 0.25 vCPU each: four make the one vCPU
    lab.reset()
    assert lab.set_quota()["FARGATE"] == 6


@pytest.mark.parametrize("bad", [-1, "8", True, float("inf")])
def test_a_quota_is_a_number_of_vcpus(lab, bad):
    with pytest.raises(InvalidInput, match="on_demand_vcpu"):
        lab.set_quota(on_demand_vcpu=bad)


def test_the_local_server_sets_quotas_too(lab):
    assert ControlAPI(app=None).handle("quota", {"account_id": lab.account_id, "spot_vcpu": 12})["quotas"] == {
        "FARGATE": 6, "FARGATE_SPOT": 12}


def test_real_mode_points_to_service_quotas():
    lab = labkit.lab.session.Lab(mode="real", region="us-east-1", lab_id="q", account_id="123456789012", clock=None)
    with pytest.raises(InvalidInput, match="Service Quotas"):
        lab.set_quota(on_demand_vcpu=10)
