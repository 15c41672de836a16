"""labkit.pricing: Fargate costs from the dated rates, EC2 comparisons, and their text forms."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.fargate import valid_sizes
from labkit.pricing import (
    Comparison,
    Cost,
    Rates,
    break_even_utilisation,
    compare,
    ec2_cost,
    fargate_cost,
    fargate_cost_for_size,
    monthly,
    rates,
    regions,
    tasks_per_instance,
)

PRICES = facts()["prices"]["fargate"]
USE1 = PRICES["us-east-1"]
BILLING = facts()["billing"]
MIN = BILLING["minimum_seconds"]
FREE = BILLING["free_storage_gb"]
HOUR = 3600


def ec2_row(instance_type: str) -> dict[str, Any]:
    return next(r for r in facts()["prices"]["ec2"] if r["instance_type"] == instance_type)


# ---------------------------------------------------------------- a hand-computed example


def test_hand_computed_linux_example() -> None:
    # 4 tasks of 1 vCPU / 2 GB with 30 GB storage, each running 90 minutes, in us-east-1.
    cost = fargate_cost(1, 2, 90 * 60, tasks=4, ephemeral_gb=30)
    hours = 4 * 1.5
    rate = USE1["linux_x86"]
    assert cost.cpu == pytest.approx(1 * rate["vcpu_hour"] * hours)
    assert cost.memory == pytest.approx(2 * rate["gb_hour"] * hours)
    assert cost.storage == pytest.approx((30 - FREE) * USE1["storage_gb_hour"] * hours)
    assert cost.os_license == 0
    assert cost.total == pytest.approx(cost.cpu + cost.memory + cost.storage)
    assert cost.billed_seconds == 90 * 60 and cost.tasks == 4
    assert cost.caveats == ()  # us-east-1 Linux on-demand rates are confirmed


def test_a_month_of_one_small_task_matches_the_rates() -> None:
    cost = monthly(0.25, 0.5)
    rate = USE1["linux_x86"]
    month = BILLING["hours_per_month"]
    assert cost.total == pytest.approx((0.25 * rate["vcpu_hour"] + 0.5 * rate["gb_hour"]) * month)


def test_total_is_the_sum_of_the_lines() -> None:
    cost = fargate_cost(2, 4, 5000, tasks=3, os="WINDOWS")
    assert cost.total == pytest.approx(
        cost.cpu + cost.memory + cost.os_license + cost.storage - cost.savings_plan_discount
    )


# ---------------------------------------------------------------- billing rules


@pytest.mark.parametrize(
    ("os_name", "seconds"), [("LINUX", 1), ("LINUX", 59.5), ("WINDOWS", 1), ("WINDOWS", 299)]
)
def test_billing_minimum_per_task_run(os_name: str, seconds: float) -> None:
    short = fargate_cost(1, 2, seconds, os=os_name)
    at_minimum = fargate_cost(1, 2, MIN[os_name], os=os_name)
    assert short.billed_seconds == MIN[os_name]
    assert short.total == at_minimum.total
    assert any("billed at least" in c for c in short.caveats)


def test_minimums_are_one_minute_linux_five_minutes_windows() -> None:
    assert (MIN["LINUX"], MIN["WINDOWS"]) == (60, 300)


def test_minimum_applies_to_each_task() -> None:
    assert fargate_cost(1, 2, 10, tasks=5).total == pytest.approx(5 * fargate_cost(1, 2, 10).total)


def test_per_second_billing_rounds_up_to_the_second() -> None:
    assert fargate_cost(1, 2, 100.2).billed_seconds == 101
    assert fargate_cost(1, 2, 101).total == fargate_cost(1, 2, 100.2).total


@pytest.mark.parametrize("gb", [0, 10, FREE])
def test_storage_up_to_the_free_amount_costs_nothing(gb: float) -> None:
    assert fargate_cost(1, 2, HOUR, ephemeral_gb=gb).storage == 0


def test_storage_is_charged_only_above_the_free_amount() -> None:
    cost = fargate_cost(1, 2, HOUR, ephemeral_gb=FREE + 10)
    assert cost.storage == pytest.approx(10 * USE1["storage_gb_hour"])


def test_storage_above_the_maximum_is_refused() -> None:
    top = facts()["limits"]["ephemeral_storage"]["max_gib"]
    fargate_cost(1, 2, HOUR, ephemeral_gb=top)
    with pytest.raises(InvalidInput, match=f"maximum of {top}"):
        fargate_cost(1, 2, HOUR, ephemeral_gb=top + 1)


def test_windows_pays_an_os_licence_per_vcpu() -> None:
    cost = fargate_cost(2, 4, HOUR, os="WINDOWS")
    assert cost.os_license == pytest.approx(2 * USE1["windows_x86"]["os_license_vcpu_hour"])
    assert cost.cpu == pytest.approx(2 * USE1["windows_x86"]["vcpu_hour"])
    assert fargate_cost(2, 4, HOUR, os="WINDOWS_SERVER_2019_CORE").total == cost.total


def test_windows_cost_carries_the_disputed_caveat_in_text() -> None:
    cost = fargate_cost(1, 2, HOUR, os="WINDOWS")
    assert any("DISPUTED" in c for c in cost.caveats)
    assert USE1["windows_x86"]["note"] in str(cost)


def test_windows_storage_is_not_configurable() -> None:
    with pytest.raises(InvalidInput, match="Windows"):
        fargate_cost(1, 2, HOUR, os="WINDOWS", ephemeral_gb=FREE + 1)


def test_arm_is_cheaper_than_x86() -> None:
    assert fargate_cost(1, 2, HOUR, arch="ARM64").total < fargate_cost(1, 2, HOUR).total
    arm, x86 = rates(arch="ARM64"), rates()
    assert arm.vcpu_hour < x86.vcpu_hour and arm.gb_hour < x86.gb_hour


def test_windows_on_arm_is_refused() -> None:
    with pytest.raises(InvalidInput, match="X86_64"):
        fargate_cost(1, 2, HOUR, os="WINDOWS", arch="ARM64")


# ---------------------------------------------------------------- regions, Spot, Savings Plans


def test_region_errors_list_the_valid_regions() -> None:
    with pytest.raises(InvalidInput) as err:
        rates("mars-north-1")
    for region in PRICES:
        assert region in str(err.value)
    assert regions() == list(PRICES)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"arch": "SPARC"}, "X86_64, ARM64"),
        ({"os": "MACOS"}, "LINUX"),
        ({"os": "WINDOWS_SERVER_2025_FULL"}, "UNCONFIRMED"),
        ({"region": None}, "choose one of"),
        ({"spot": "yes"}, "True or False"),
    ],
)
def test_unknown_rates_arguments_say_what_is_valid(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        rates(**kwargs)


def test_missing_price_names_regions_that_have_it() -> None:
    no_arm = next(r for r, p in PRICES.items() if "linux_arm" not in p)
    with_arm = [r for r, p in PRICES.items() if "linux_arm" in p]
    with pytest.raises(InvalidInput) as err:
        rates(no_arm, arch="ARM64")
    assert all(r in str(err.value) for r in with_arm)


def test_other_regions_carry_their_caveat_in_text() -> None:
    region = next(r for r in PRICES if r != "us-east-1")
    cost = fargate_cost(1, 2, HOUR, region=region)
    assert cost.caveats and PRICES[region]["linux_x86"]["note"] in str(cost)


def test_storage_price_missing_in_a_region_is_explained() -> None:
    region = next(r for r, p in PRICES.items() if "storage_gb_hour" not in p)
    assert fargate_cost(1, 2, HOUR, region=region, ephemeral_gb=FREE).storage == 0
    with pytest.raises(InvalidInput, match="no ephemeral storage price"):
        fargate_cost(1, 2, HOUR, region=region, ephemeral_gb=FREE + 1)


def test_us_east_1_spot_uses_the_dated_sample() -> None:
    spot = rates(spot=True)
    sample = USE1["spot_linux_x86"]
    assert (spot.vcpu_hour, spot.gb_hour) == (sample["vcpu_hour"], sample["gb_hour"])
    assert spot.as_of == sample["as_of"]
    assert any(sample["note"] in c for c in spot.caveats)


@pytest.mark.parametrize(
    ("region", "arch"), [("us-east-1", "ARM64"), ("eu-west-2", "X86_64"), ("sa-east-1", "ARM64")]
)
def test_spot_elsewhere_is_an_estimate_from_the_sample_ratio(region: str, arch: str) -> None:
    spot, on_demand = rates(region, arch, spot=True), rates(region, arch)
    sample, base = USE1["spot_linux_x86"], USE1["linux_x86"]
    assert spot.vcpu_hour == pytest.approx(on_demand.vcpu_hour * sample["vcpu_hour"] / base["vcpu_hour"])
    assert spot.gb_hour == pytest.approx(on_demand.gb_hour * sample["gb_hour"] / base["gb_hour"])
    assert any("estimate" in c for c in spot.caveats)


def test_spot_is_refused_on_windows() -> None:
    with pytest.raises(InvalidInput, match="not available for Windows"):
        fargate_cost(1, 2, HOUR, os="WINDOWS", spot=True)


def test_spot_is_refused_on_eks() -> None:
    with pytest.raises(InvalidInput, match="not available on EKS"):
        fargate_cost(1, 2, HOUR, spot=True, platform="EKS")


@pytest.mark.parametrize("kwargs", [{"arch": "ARM64"}, {"os": "WINDOWS"}])
def test_eks_runs_linux_x86_only(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="EKS"):
        fargate_cost(1, 2, HOUR, platform="EKS", **kwargs)


def test_eks_costs_the_same_rates_and_has_its_own_storage_limit() -> None:
    assert fargate_cost(1, 2, HOUR, platform="EKS").total == fargate_cost(1, 2, HOUR).total
    eks_max = facts()["eks"]["ephemeral_storage"]["max_gib"]
    with pytest.raises(InvalidInput, match="EKS"):
        fargate_cost(1, 2, HOUR, platform="EKS", ephemeral_gb=eks_max + 1)


def test_savings_plan_takes_the_percentage_off_vcpu_and_memory() -> None:
    plain = fargate_cost(1, 2, HOUR, ephemeral_gb=50)
    saved = fargate_cost(1, 2, HOUR, ephemeral_gb=50, savings_plan_pct=20)
    assert saved.savings_plan_discount == pytest.approx(0.2 * (plain.cpu + plain.memory))
    assert saved.total == pytest.approx(plain.total - saved.savings_plan_discount)
    assert "Savings Plan" in str(saved)


def test_savings_plan_above_the_maximum_is_refused() -> None:
    top = facts()["discounts"]["savings_plan_max_discount_pct"]
    fargate_cost(1, 2, HOUR, savings_plan_pct=top)
    with pytest.raises(InvalidInput, match=f"0 to {top}"):
        fargate_cost(1, 2, HOUR, savings_plan_pct=top + 1)


def test_savings_plan_does_not_combine_with_spot() -> None:
    with pytest.raises(InvalidInput, match="Spot"):
        fargate_cost(1, 2, HOUR, spot=True, savings_plan_pct=10)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        ((0, 2, 60), {}),
        ((-1, 2, 60), {}),
        ((1, 0, 60), {}),
        ((1, 2, -1), {}),
        ((math.nan, 2, 60), {}),
        ((1, math.inf, 60), {}),
        ((True, 2, 60), {}),
        (("1", 2, 60), {}),
        ((None, 2, 60), {}),
        ((1, 2, 60), {"tasks": 0}),
        ((1, 2, 60), {"tasks": 1.5}),
        ((1, 2, 60), {"tasks": True}),
        ((1, 2, 60), {"ephemeral_gb": -1}),
        ((1, 2, 60), {"savings_plan_pct": -5}),
        ((1, 2, 60), {"platform": "ECR"}),
        ((1, 2, 60), {"spot": 1}),
    ],
)
def test_bad_input_is_invalid_input(args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput) as err:
        fargate_cost(*args, **kwargs)
    assert isinstance(err.value, ValueError)
    assert "expected" in str(err.value) or "must" in str(err.value) or "choose" in str(err.value)


def test_any_positive_size_is_priced_but_for_size_validates() -> None:
    assert fargate_cost(0.3, 0.7, HOUR).total > 0
    assert fargate_cost_for_size(256, 512, HOUR).total == pytest.approx(fargate_cost(0.25, 0.5, HOUR).total)
    assert fargate_cost_for_size("1 vCPU", "2 GB", HOUR).total == pytest.approx(
        fargate_cost(1, 2, HOUR).total
    )
    with pytest.raises(InvalidInput, match="not valid with 256 CPU units"):
        fargate_cost_for_size(256, 8192, HOUR)
    with pytest.raises(InvalidInput, match="Windows"):
        fargate_cost_for_size(256, 512, HOUR, os="WINDOWS")


# ---------------------------------------------------------------- text and HTML forms


def _money(text: str) -> list[float]:
    return [
        float(m.replace(",", "")) * (-1 if s else 1)
        for s, m in re.findall(r"(-?)\$([0-9,]+\.[0-9]+)\s*$", text, flags=re.M)
    ]


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"os": "WINDOWS", "tasks": 3},
        {"ephemeral_gb": 77, "savings_plan_pct": 35},
        {"region": "eu-west-2"},
    ],
)
@pytest.mark.parametrize("seconds", [1, 3333, 730 * HOUR])
def test_text_lines_add_up_to_the_shown_total(kwargs: dict[str, Any], seconds: int) -> None:
    cost = fargate_cost(1.25, 3.5, seconds, **kwargs)
    text = str(cost)
    *lines, total = _money(text)
    assert sum(lines) == pytest.approx(total, abs=1e-9)
    assert total == pytest.approx(cost.total, abs=0.006)
    assert "add up to the total" in text
    assert str(cost) == text  # deterministic
    assert "0x" not in text


def test_text_shows_rates_source_and_date() -> None:
    text = str(fargate_cost(1, 2, HOUR))
    assert facts()["sources"]["PRICING-PAGE"]["title"] in text
    assert USE1["linux_x86"]["as_of"] in text


def test_html_form_is_a_table_with_the_same_total() -> None:
    cost = fargate_cost(1, 2, 730 * HOUR)
    html_text = cost._repr_html_()
    assert "<table>" in html_text and f"${cost.total:,.2f}" in html_text


def test_to_dict_is_plain_data() -> None:
    import json

    data = fargate_cost(1, 2, HOUR, os="WINDOWS").to_dict()
    assert json.loads(json.dumps(data))["total"] == pytest.approx(data["total"])
    assert data["caveats"] and data["rates"]["os"] == "WINDOWS"


def test_rates_text_form() -> None:
    text = str(rates("us-east-1", os="WINDOWS"))
    assert "OS licence" in text and "Caveat" in text
    assert isinstance(rates(), Rates)


# ---------------------------------------------------------------- monthly projections


def test_monthly_around_the_clock_is_730_hours() -> None:
    cost = monthly(1, 2, tasks=3)
    assert cost.billed_seconds == BILLING["hours_per_month"] * HOUR
    assert cost.total == pytest.approx(fargate_cost(1, 2, BILLING["hours_per_month"] * HOUR, tasks=3).total)


def test_monthly_on_a_schedule() -> None:
    cost = monthly(1, 2, hours_per_day=8, days=22)
    assert cost.billed_seconds == 8 * HOUR * 22
    assert cost.inputs["hours_per_day"] == 8 and cost.inputs["days"] == 22


def test_monthly_short_daily_runs_pay_the_minimum_each_day() -> None:
    cost = monthly(1, 2, hours_per_day=10 / HOUR, days=30, os="WINDOWS")
    assert cost.billed_seconds == MIN["WINDOWS"] * 30


@pytest.mark.parametrize(
    "kwargs", [{"hours_per_day": 25}, {"hours_per_day": 0}, {"days": -1}, {"seconds": 60}]
)
def test_monthly_bad_input(kwargs: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        monthly(1, 2, **kwargs)


# ---------------------------------------------------------------- EC2, bin-packing and break-even


def test_ec2_cost_from_the_price_table() -> None:
    row = ec2_row("m5.large")
    cost = ec2_cost("m5.large", 730, count=3)
    assert cost.total == pytest.approx(row["usd_per_hour"] * 730 * 3)
    assert "m5.large" in str(cost) and row["as_of"] in str(cost)


def test_ec2_unknown_type_lists_known_ones() -> None:
    with pytest.raises(InvalidInput) as err:
        ec2_cost("z9.mega", 1)
    assert all(r["instance_type"] in str(err.value) for r in facts()["prices"]["ec2"])


def test_ec2_other_regions_have_no_data() -> None:
    with pytest.raises(InvalidInput, match="no EC2 prices"):
        ec2_cost("m5.large", 1, region="eu-west-1")


@pytest.mark.parametrize(
    ("instance_type", "vcpu", "memory", "expected"),
    [
        ("m5.large", 1, 2, 2),  # 2 vCPU: CPU runs out first
        ("m5.large", 0.25, 0.5, 8),
        ("m5.large", 0.25, 2, 3),  # ECS registers 7,985 MiB of the 8 GiB: memory runs out first
        ("t3.medium", 0.5, 1, 3),  # 3,992 MiB registered, not 4,096: the fourth task does not fit
        ("c5.large", 1, 2, 1),  # two 1 vCPU / 2 GB tasks need 4,096 MiB: more than a c5.large registers
        ("m5.xlarge", 4, 15, 1),
        ("m5.xlarge", 4, 16, 0),  # 16 GB is more than the 16 GiB instance registers
        ("c5.large", 1, 5, 0),
    ],
)
def test_tasks_per_instance(instance_type: str, vcpu: float, memory: float, expected: int) -> None:
    assert tasks_per_instance(instance_type, vcpu, memory) == expected


def test_compare_counts_instances_and_picks_the_cheaper() -> None:
    result = compare(1, 2, 5, "m5.large", utilisation=1.0)
    assert isinstance(result, Comparison)
    assert result.tasks_per_instance == 2 and result.instances == 3
    assert result.ec2.total == pytest.approx(ec2_row("m5.large")["usd_per_hour"] * 730 * 3)
    expected = "FARGATE" if result.fargate.total < result.ec2.total else "EC2"
    assert result.cheaper == expected
    assert result.difference == pytest.approx(abs(result.fargate.total - result.ec2.total))
    assert "Break-even" in str(result)


def test_compare_follows_the_instance_architecture() -> None:
    result = compare(1, 2, 2, "m6g.large")
    assert result.fargate.inputs["arch"] == "ARM64"


def test_compare_task_that_does_not_fit() -> None:
    with pytest.raises(InvalidInput, match="does not fit"):
        compare(4, 8, 1, "m5.large")


@pytest.mark.parametrize("utilisation", [0, 1.5, -0.1])
def test_compare_bad_utilisation(utilisation: float) -> None:
    with pytest.raises(InvalidInput):
        compare(1, 2, 2, "m5.large", utilisation=utilisation)


def test_break_even_is_where_the_costs_meet() -> None:
    u = break_even_utilisation(1, 2, 10, "m5.large")
    assert 0 < u < 1
    at = compare(1, 2, 10, "m5.large", utilisation=u)
    assert at.fargate.total == pytest.approx(at.ec2.total, rel=1e-6)
    assert compare(1, 2, 10, "m5.large", utilisation=min(1.0, u + 0.02)).cheaper == "EC2"
    assert compare(1, 2, 10, "m5.large", utilisation=u - 0.02).cheaper == "FARGATE"


def test_break_even_above_one_means_fargate_always_wins() -> None:
    # One small task alone on a big instance: the instance is mostly idle.
    assert break_even_utilisation(0.25, 0.5, 1, "m5.xlarge") > 1
    assert compare(0.25, 0.5, 1, "m5.xlarge").cheaper == "FARGATE"


# ---------------------------------------------------------------- properties

SIZES = st.sampled_from(valid_sizes())
POS = st.floats(min_value=0.01, max_value=4, allow_nan=False)  # every pair fits some Linux and Windows size
SECONDS = st.floats(min_value=0, max_value=3e6, allow_nan=False)
SMALL = st.floats(min_value=0.01, max_value=1, allow_nan=False)  # up to 4 times it still fits a Windows size


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40000), st.integers(1, 300000), st.sampled_from(["LINUX", "WINDOWS"]))
def test_is_valid_size_agrees_with_valid_sizes(cpu: int, memory: int, os_name: str) -> None:
    from labkit.fargate import is_valid_size

    assert is_valid_size(cpu, memory, os_name) == ((cpu, memory) in valid_sizes(os_name))


@settings(max_examples=100, deadline=None)
@given(SIZES, st.sampled_from(["LINUX", "WINDOWS"]))
def test_every_valid_size_is_valid(size: tuple[int, int], os_name: str) -> None:
    from labkit.fargate import is_valid_size

    assert is_valid_size(*size, "LINUX")
    assert is_valid_size(*size, os_name) == (size in valid_sizes(os_name))


@settings(max_examples=150, deadline=None)
@given(SMALL, SMALL, SECONDS, st.integers(1, 20), st.floats(1.001, 4), st.sampled_from(["LINUX", "WINDOWS"]))
def test_cost_is_monotone(
    vcpu: float, memory: float, seconds: float, tasks: int, k: float, os_name: str
) -> None:
    base = fargate_cost(vcpu, memory, seconds, tasks=tasks, os=os_name)
    for more in (fargate_cost(vcpu * k, memory, seconds, tasks=tasks, os=os_name),
                 fargate_cost(vcpu, memory * k, seconds, tasks=tasks, os=os_name)):
        # a pair Fargate does not offer is billed as the smallest size that holds it: a step, never a fall
        bigger = (more.inputs["vcpu"], more.inputs["memory_gb"]) != (base.inputs["vcpu"], base.inputs["memory_gb"])
        assert more.total > base.total if bigger else more.total == base.total
    assert fargate_cost(vcpu, memory, seconds * k + 1, tasks=tasks, os=os_name).total >= base.total
    assert fargate_cost(vcpu, memory, seconds, tasks=tasks + 1, os=os_name).total > base.total


@settings(max_examples=100, deadline=None)
@given(POS, POS, SECONDS, st.sampled_from(regions()), st.sampled_from(["X86_64", "ARM64"]))
def test_spot_is_never_dearer_than_on_demand(
    vcpu: float, memory: float, seconds: float, region: str, arch: str
) -> None:
    try:
        on_demand = fargate_cost(vcpu, memory, seconds, region=region, arch=arch)
    except InvalidInput:  # no price for this region and architecture
        return
    assert fargate_cost(vcpu, memory, seconds, region=region, arch=arch, spot=True).total <= on_demand.total


def test_cost_type() -> None:
    assert isinstance(fargate_cost(1, 2, 60), Cost)


def test_the_cost_title_counts_pods_on_eks_and_tasks_on_ecs():
    ecs = str(fargate_cost(1, 2, 3600)).splitlines()[1]
    eks = str(fargate_cost(1, 2, 3600, tasks=3, platform="EKS")).splitlines()[1]
    assert ecs == "1 task x 3,600 s billed per task = 1 task-hour"
    assert eks == "3 pods x 3,600 s billed per pod = 3 pod-hours"


# ---------------------------------------------------------------- what ECS registers, and sizes Fargate does not offer


def test_ecs_registers_less_memory_than_installed_as_aws_example_says() -> None:
    from labkit.model.pricing import registered_memory_mib

    example = facts()["ecs_container_instance"]["memory_example"]
    assert (example["installed_mib"], example["registered_mib"]) == (8192, 7985)  # AWS's m4.large
    assert registered_memory_mib("m5.large") == 7985  # the same 8 GiB installed
    assert registered_memory_mib("c5.large") < 4096
    assert registered_memory_mib("m5.large", reserved_mib=256) == 7985 - 256  # ECS_RESERVED_MEMORY comes off it
    with pytest.raises(InvalidInput, match="reserved_mib"):
        registered_memory_mib("m5.large", reserved_mib=-1)


def test_two_one_vcpu_two_gb_tasks_do_not_fit_a_c5_large_and_the_break_even_moves() -> None:
    assert tasks_per_instance("c5.large", 1, 2) == 1
    result = compare(1, 2, 12, "c5.large")
    assert (result.tasks_per_instance, result.instances) == (1, 12)
    assert result.break_even_utilisation > 1 and result.cheaper == "FARGATE"  # not "EC2 cheaper above 86%"
    assert "ECS registers about 3,992 of the c5.large's 4,096 MiB for tasks" in str(result)


def test_a_pair_fargate_does_not_offer_is_priced_as_the_size_that_holds_it() -> None:
    from labkit.model.pricing import billed_size

    assert billed_size(1, 2) == (1.0, 2.0, "")
    vcpu, gb, note = billed_size(0.3, 1)
    assert (vcpu, gb) == (0.5, 1.0) and note.startswith("0.3 vCPU / 1 GB is not a Fargate size")
    assert billed_size(1, 1)[:2] == (1.0, 2.0)  # 1 vCPU comes with at least 2 GB
    assert billed_size(0.25, 1, "WINDOWS")[:2] == (1.0, 2.0)  # Windows starts at 1 vCPU
    cost = fargate_cost(0.3, 1, 3600)
    assert cost.total == fargate_cost(0.5, 1, 3600).total and cost.caveats[0] == note
    with pytest.raises(InvalidInput, match="no Fargate size"):
        fargate_cost(64, 1, 3600)


def test_a_savings_plan_caveat_says_the_maximum_is_the_three_year_term() -> None:
    discounts = facts()["discounts"]
    assert discounts["savings_plan_max_discount_term_years"] == 3
    caveat = fargate_cost(1, 2, 3600, savings_plan_pct=20).caveats[-1]
    assert "'up to' 50% (the 3-year maximum)" in caveat and "1-year plan saves less" in caveat
