"""labkit.model.units: the one place that turns CPU units, MiB, dollars and ARNs into what a learner reads."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.errors import InvalidInput
from labkit.model import units


@pytest.mark.parametrize("given_, expected", [
    ("arn:aws:ecs:us-east-1:123456789012:cluster/labkit", "labkit"),
    ("arn:aws:ecs:us-east-1:123456789012:service/labkit/web", "web"),
    ("arn:aws:ecs:us-east-1:123456789012:task/labkit/0123456789abcdef0123456789abcdef",
     "0123456789abcdef0123456789abcdef"),
    ("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3", "web:3"),
    ("arn:aws:iam::123456789012:role/labkit/labkit-x-execution", "labkit-x-execution"),
    ("labkit", "labkit"),
    ("labkit/web", "labkit/web"),  # not an ARN: as given
])
def test_short_name_is_the_name_inside_an_arn(given_, expected):
    assert units.short_name(given_) == expected


@pytest.mark.parametrize("amount, text", [
    (1234.5, "$1,234.50"), (1, "$1.00"), (0.5, "$0.5000"), (0.0123, "$0.0123"), (0.000412, "$0.000412"),
    (0, "$0.00"), (-0.6, "-$0.6000"), (-12.5, "-$12.50"),
])
def test_usd_shows_cents_from_a_dollar_and_more_places_below(amount, text):
    assert units.usd(amount) == text


def test_usd_with_fixed_places_lines_up_a_table():
    assert units.usd(0.5, 2) == "$0.50" and units.usd(12, 4) == "$12.0000"


@pytest.mark.parametrize("cpu, text", [(256, "0.25 vCPU"), ("1 vCPU", "1 vCPU"), (16384, "16 vCPU")])
def test_vcpu_text(cpu, text):
    assert units.vcpu_text(cpu) == text


@pytest.mark.parametrize("memory, text", [(512, "0.5 GB"), ("2 GB", "2 GB"), (122880, "120 GB")])
def test_gb_text(memory, text):
    assert units.gb_text(memory) == text


def test_conversions_read_the_units_from_the_data():
    assert units.vcpu(512) == 0.5 and units.gb(3072) == 3.0
    assert units.units_per_vcpu() == 1024 and units.mib_per_gb() == 1024
    assert units.size_text(0.25, 0.5) == "0.25 vCPU / 0.5 GB"


@pytest.mark.parametrize("x, text", [(2, "2"), (2.5, "2.5"), (0.25, "0.25"), (86400, "86,400"), (730.0, "730")])
def test_num_drops_a_trailing_zero_and_groups_thousands(x, text):
    assert units.num(x) == text


def test_bad_cpu_says_what_is_expected():
    with pytest.raises(InvalidInput, match="CPU units such as 256"):
        units.parse_cpu("lots")


@given(st.lists(st.floats(min_value=0, max_value=1000, allow_nan=False), max_size=8), st.integers(0, 6))
def test_rounded_lines_add_up_to_the_rounded_total(values, places):
    shown = units.round_to_total(values, sum(values), places)
    assert round(sum(shown), places) == round(sum(values), places)
    assert all(abs(s - v) <= 10 ** -places + 1e-9 for s, v in zip(shown, values, strict=True))


@pytest.mark.parametrize("given_, family", [
    ("arn:aws:ecs:us-east-1:123456789012:task-definition/web:3", "web"), ("web:3", "web"), ("web", "web")])
def test_task_family_drops_the_revision(given_, family):
    assert units.task_family(given_) == family
