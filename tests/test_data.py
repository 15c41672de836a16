"""labkit.data: every fact names its sources and date, and key figures agree with the course reference."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from labkit.data import cite, facts, source

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "fargate-facts.json"

# Sections that are not facts themselves (free text, the source table) or hold dated entries one level down.
NOT_FACTS = {"about", "sources", "prices", "shared_responsibility", "limits"}
# Keys that mark a dict as carrying a figure.
VALUE_KEYS = {"value", "vcpu_hour", "gb_hour", "usd_per_hour"}


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def _fact_entries() -> list[tuple[str, dict[str, Any]]]:
    entries = [(k, v) for k, v in facts().items() if k not in NOT_FACTS and isinstance(v, dict)]
    entries += [(p, n) for p, n in _walk(facts()) if isinstance(n, dict) and VALUE_KEYS & n.keys()]
    entries += [(f"task_sizes.rows[{i}]", r) for i, r in enumerate(facts()["task_sizes"]["rows"])]
    entries += [(f"limits.{k}", v) for k, v in facts()["limits"].items()]
    entries += [(f"prices.ec2[{i}]", r) for i, r in enumerate(facts()["prices"]["ec2"])]
    return entries


@pytest.mark.parametrize(("path", "entry"), _fact_entries(), ids=lambda x: x if isinstance(x, str) else "")
def test_every_fact_has_sources_and_date(path: str, entry: dict[str, Any]) -> None:
    assert entry.get("sources"), f"{path} has no sources"
    assert entry.get("as_of"), f"{path} has no as_of date"


def test_every_source_key_is_in_the_sources_table() -> None:
    table = facts()["sources"]
    for path, node in _walk(facts()):
        if path.endswith("sources") and isinstance(node, list) and not path.startswith("sources"):
            missing = [k for k in node if k not in table]
            assert not missing, f"{path} names unknown sources {missing}"


def test_sources_table_entries_have_title_url_and_date() -> None:
    for key, entry in facts()["sources"].items():
        assert {"title", "url", "as_of"} <= entry.keys(), key
        assert source(key) == entry


def test_shared_responsibility_rows_are_dated() -> None:
    for row in facts()["shared_responsibility"]:
        assert row.get("source") and row.get("as_of"), row["area"]


def test_cite_names_titles_and_date() -> None:
    entry = facts()["billing"]
    text = cite(entry)
    assert facts()["sources"]["PRICING-PAGE"]["title"] in text
    assert entry["as_of"] in text


def test_disputed_and_unconfirmed_entries_explain_their_pick() -> None:
    for path, node in _walk(facts()):
        if isinstance(node, dict) and node.get("status") in ("DISPUTED", "UNCONFIRMED"):
            assert node.get("note") or node.get("caveat"), f"{path} is {node['status']} without a note"


@pytest.mark.parametrize("key", ["vcpu_quota", "log_group_missing", "log_group_denied", "registry_auth_timeout",
                                 "pull_timeout"])
def test_every_aws_text_names_its_sources_date_and_whose_words_it_is(key: str) -> None:
    entry = facts()["errors"][key]
    assert entry["sources"] and "2026-12-05" in entry["as_of"], key
    assert entry["reason"] and entry["note"], key
    if "USER-REPORTS" in entry["sources"]:  # copies of real output, not an AWS page: the note says so
        assert "not AWS's own page" in entry["note"] or "not an AWS page" in entry["note"] or \
            "not AWS's page" in entry["note"], key


def test_new_and_changed_facts_are_dated_when_read() -> None:
    f = facts()
    for entry in (f["limits"]["fargate_on_demand_vcpu_quota"], f["limits"]["fargate_spot_vcpu_quota"],
                  f["ecs_container_instance"], f["arm64"], f["task_sizes"]["rows"][-1]):
        assert "2026-12-05" in entry["as_of"]
    assert "2026-12-05" in f["discounts"]["savings_plan_as_of"]  # the Savings Plan facts; Spot's are older
    assert f["limits"]["fargate_on_demand_vcpu_quota"]["value"] == 6 == f["limits"]["fargate_spot_vcpu_quota"]["value"]
    assert f["arm64"]["spot"] is True and "AWS-WHATSNEW-2024-09" in f["arm64"]["sources"]


def test_facts_is_cached_and_shared() -> None:
    assert facts() is facts()


# ---------------------------------------------------------------- agreement with the course reference


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    if not REFERENCE.exists():
        pytest.skip(
            "the course reference (shared/reference/fargate-facts.json) is not beside this repository"
        )
    return json.loads(REFERENCE.read_text(encoding="utf-8"))


def _reference_sizes(ref: dict[str, Any]) -> dict[int, list[int]]:
    sizes = {}
    for row in ref["valid_combinations"]:
        memory = row.get("memory_mib_values") or row["memory_mib"]["values"]
        sizes[row["cpu_units"]] = list(memory)
    return sizes


def test_sizes_agree_with_reference(reference: dict[str, Any]) -> None:
    ours = {r["cpu"]: r["memory"] for r in facts()["task_sizes"]["rows"]}
    assert ours == _reference_sizes(reference)
    assert facts()["task_sizes"]["windows_cpu"] == reference["windows_valid_cpu_units"]


def test_platform_minimums_agree_with_reference(reference: dict[str, Any]) -> None:
    ours = {r["cpu"]: r["min_platform_version"] for r in facts()["task_sizes"]["rows"]}
    theirs = {r["cpu_units"]: r["linux_min_platform_version"] for r in reference["valid_combinations"]}
    assert ours == theirs


@pytest.mark.parametrize("key", ["linux_x86", "linux_arm"])
def test_us_east_1_rates_agree_with_reference(reference: dict[str, Any], key: str) -> None:
    ours = facts()["prices"]["fargate"]["us-east-1"][key]
    theirs = reference["prices"]["us-east-1"][key]
    assert (ours["vcpu_hour"], ours["gb_hour"]) == (theirs["vcpu_hour"], theirs["gb_hour"])


def test_windows_rates_are_one_of_the_reference_candidates(reference: dict[str, Any]) -> None:
    ours = facts()["prices"]["fargate"]["us-east-1"]["windows_x86"]
    candidates = reference["prices"]["us-east-1"]["windows_x86"]["candidates"]
    picks = [(c.get("vcpu_hour"), c.get("gb_hour"), c.get("os_license_vcpu_hour")) for c in candidates]
    assert (ours["vcpu_hour"], ours["gb_hour"], ours["os_license_vcpu_hour"]) in picks


def test_storage_rate_agrees_with_reference(reference: dict[str, Any]) -> None:
    assert (
        facts()["prices"]["fargate"]["us-east-1"]["storage_gb_hour"]
        == reference["prices"]["us-east-1"]["ephemeral_storage_gb_hour_above_20gb"]
    )


def test_billing_minimums_agree_with_reference(reference: dict[str, Any]) -> None:
    minimum = facts()["billing"]["minimum_seconds"]
    assert minimum["LINUX"] == reference["billing"]["minimum_linux_seconds"]
    assert minimum["WINDOWS"] == reference["billing"]["minimum_windows_seconds"]


def test_storage_range_agrees_with_reference(reference: dict[str, Any]) -> None:
    ours, theirs = facts()["limits"]["ephemeral_storage"], reference["ephemeral_storage"]
    assert ours["default_gib"] == theirs["ecs_linux_default_gib"]
    assert ours["min_gib"] == theirs["ecs_linux_configurable_min_gib"]
    assert ours["max_gib"] == theirs["ecs_linux_max_gib"]


def test_container_limit_agrees_with_reference(reference: dict[str, Any]) -> None:
    assert (
        facts()["limits"]["containers_per_task_definition"]["value"]
        == reference["quotas"]["containers_per_task_definition"]
    )


def test_unsupported_parameters_agree_with_reference(reference: dict[str, Any]) -> None:
    assert facts()["unsupported_parameters"]["container"] == reference["fargate_unsupported_task_params"]


def test_eks_example_and_overhead_agree_with_reference(reference: dict[str, Any]) -> None:
    eks, theirs = facts()["eks"], reference["eks_rounding"]
    assert eks["kubernetes_overhead_mib"] == theirs["kubernetes_overhead_memory_mb"]
    example = theirs["documented_example"]
    mib = facts()["units"]["mib_per_gb"]
    units = facts()["units"]["cpu_units_per_vcpu"]
    assert eks["documented_example"] == {
        "request": {"cpu": example["request_vcpu"] * units, "memory": example["request_memory_gb"] * mib},
        "provisioned": {
            "cpu": example["provisioned_vcpu"] * units,
            "memory": example["provisioned_memory_gb"] * mib,
        },
    }
