"""lab.bill(): Fargate charges from the simulated clock, from image pull to stop, with the minimum."""

from __future__ import annotations

import pytest

from labkit import pricing


def test_bill_prices_tasks_from_pull_to_stop_with_the_minimum(lab, net, register):
    ecs = lab.client("ecs")
    ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=register(), desiredCount=2,
                       launchType="FARGATE", networkConfiguration=net["awsvpc"])
    one_off = ecs.run_task(cluster="labkit", taskDefinition=register("job"), launchType="FARGATE",
                           networkConfiguration=net["awsvpc"])["tasks"][0]["taskArn"]
    lab.clock.advance(40)
    ecs.stop_task(cluster="labkit", task=one_off)  # pull began at 10 s, stopped at 40 + 20 s: 50 s -> 60 s minimum
    lab.clock.advance(3600 - 40)
    bill = lab.bill()
    service_cost = pricing.fargate_cost(0.25, 0.5, 3600 - 10).total * 2
    one_off_cost = pricing.fargate_cost(0.25, 0.5, 60).total
    assert bill.by_service() == pytest.approx({"web": service_cost, "one-off tasks": one_off_cost})
    assert [c.billed_seconds for c in bill.charges] == [3590, 3590, 60]
    assert bill.total == pytest.approx(service_cost + one_off_cost)
    text = str(bill)
    assert "service web" in text and "one-off tasks" in text and "add up" in text
    assert "arn:" not in text


def test_bill_of_an_empty_lab_is_zero(lab):
    assert lab.bill().total == 0 and "0 tasks" in str(lab.bill())


def test_spot_is_billed_at_the_spot_rate(lab, net, register):
    lab.client("ecs").run_task(cluster="labkit", taskDefinition=register(), networkConfiguration=net["awsvpc"],
                               capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
    lab.clock.advance(610)
    [charge] = lab.bill().charges
    assert charge.capacity_provider == "FARGATE_SPOT"
    assert charge.cost == pytest.approx(pricing.fargate_cost(0.25, 0.5, 600, spot=True).total)
