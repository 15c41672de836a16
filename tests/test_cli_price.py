"""`labkit price`: the breakdown, its options, --json, exit codes 0/2, and no tracebacks."""

from __future__ import annotations

import json

import pytest

from labkit.data import facts
from labkit.pricing import fargate_cost
from tests.helpers import run_cli as run


def test_price_prints_the_breakdown(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "price", "--cpu", "1", "--memory", "2", "--hours", "730")
    assert code == 0 and err == ""
    assert out.strip() == str(fargate_cost(1, 2, 730 * 3600))
    assert "total" in out and "add up to the total" in out


def test_price_defaults_to_a_month(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "price", "--cpu", "1", "--memory", "2")
    assert out.strip() == str(fargate_cost(1, 2, facts()["billing"]["hours_per_month"] * 3600))


def test_price_options_reach_the_cost(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "price",
        "--cpu",
        "2",
        "--memory",
        "4",
        "--seconds",
        "90",
        "--tasks",
        "3",
        "--arch",
        "ARM64",
        "--region",
        "eu-west-2",
        "--storage",
        "50",
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    expected = fargate_cost(2, 4, 90, tasks=3, arch="ARM64", region="eu-west-2", ephemeral_gb=50)
    assert data["total"] == pytest.approx(expected.total)
    assert data["inputs"]["arch"] == "ARM64" and data["caveats"]


def test_price_json_windows_and_savings_plan(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys, "price", "--cpu", "1", "--memory", "2", "--os", "WINDOWS", "--savings-plan", "10", "--json"
    )
    data = json.loads(out)
    assert code == 0 and data["os_license"] > 0 and data["savings_plan_discount"] > 0


def test_price_spot(capsys: pytest.CaptureFixture[str]) -> None:
    _, spot, _ = run(capsys, "price", "--cpu", "1", "--memory", "2", "--spot", "--json")
    _, on_demand, _ = run(capsys, "price", "--cpu", "1", "--memory", "2", "--json")
    assert json.loads(spot)["total"] < json.loads(on_demand)["total"]


@pytest.mark.parametrize(
    "argv",
    [
        ["--cpu", "1", "--memory", "2", "--os", "WINDOWS", "--spot"],
        ["--cpu", "0", "--memory", "2"],
        ["--cpu", "nan", "--memory", "2"],
        ["--cpu", "1", "--memory", "2", "--region", "mars-1"],
        ["--cpu", "1", "--memory", "2", "--savings-plan", "90"],
        ["--cpu", "1", "--memory", "2", "--hours", "1", "--seconds", "1"],
        ["--cpu", "1", "--memory", "2", "--platform", "EKS", "--spot"],
        ["--cpu", "64", "--memory", "2"],  # no Fargate size holds it
    ],
)
def test_price_bad_input_is_a_usage_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, "price", *argv)
    assert code == 2 and out == ""
    assert err.startswith("labkit price: ") and "Traceback" not in err


@pytest.mark.parametrize(
    "argv", [["--cpu", "x", "--memory", "2"], ["--memory", "2"], ["--cpu", "1", "--memory", "2", "--bogus"]]
)
def test_price_bad_options_give_usage_without_traceback(
    capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    code, _, err = run(capsys, "price", *argv)
    assert code == 2 and "usage: labkit" in err and "Traceback" not in err


def test_a_pair_fargate_does_not_offer_says_so_and_prices_the_size_it_needs(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "price", "--cpu", "0.3", "--memory", "1", "--hours", "1")
    assert code == 0 and err == ""
    assert ("Caveat: 0.3 vCPU / 1 GB is not a Fargate size: a task that needs it must register 0.5 vCPU / 1 GB "
            "(cpu 512, memory 1024), the smallest size that holds it") in out
    assert "0.5 vCPU x 1 h" in out
    _, as_json, _ = run(capsys, "price", "--cpu", "0.3", "--memory", "1", "--hours", "1", "--json")
    data = json.loads(as_json)
    assert data["total"] == pytest.approx(fargate_cost(0.5, 1, 3600).total)
    assert data["inputs"]["requested"] == {"vcpu": 0.3, "memory_gb": 1.0} and data["inputs"]["vcpu"] == 0.5


def test_a_windows_price_carries_its_dispute(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "price", "--cpu", "1", "--memory", "2", "--hours", "1", "--os", "WINDOWS")
    assert "Caveat: us-east-1 Windows/X86 rates are DISPUTED" in out
    assert facts()["prices"]["fargate"]["us-east-1"]["windows_x86"]["status"] == "DISPUTED"
