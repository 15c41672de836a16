"""The EKS on Fargate lesson's exercises: reference answers pass, typical mistakes get the hint that teaches."""

from __future__ import annotations

import pytest

from labkit import pricing
from labkit.course.exercises import check, get, quiz_spec
from labkit.course.exercises import eks as ek
from labkit.data import facts
from labkit.fargate import eks_pod_size, selects


def _monthly(vcpu: float, gb: float, tasks: int) -> float:
    return pricing.monthly(vcpu, gb, tasks, platform="EKS").total


def _right_cost() -> float:
    cpu, mem = ek.pod_size()
    return _monthly(cpu / 1024, mem / 1024, ek.REPLICAS)


def test_the_exercise_pod_is_sized_by_the_documented_algorithm():
    # max(init) vs sum(main), per dimension, + Kubernetes memory, rounded up to the EKS table
    cpu_m, mem_mi = ek._needs()
    assert cpu_m == 500 + 250 and mem_mi == 3072
    assert ek.pod_size() == eks_pod_size(ek.containers(), ek.containers("init_containers"))
    need = mem_mi + facts()["eks"]["kubernetes_overhead_mib"]
    cpu, mem = ek.pod_size()
    assert cpu >= cpu_m * 1024 / 1000 and mem >= need
    assert (cpu, mem) == (1024, 4096)  # worked by hand from the EKS User Guide's steps


def test_the_typical_mistakes_lead_to_different_sizes():
    """Each mistake must give its own answer, or the hints could not tell them apart."""
    right = ek.pod_size()
    summed = eks_pod_size(ek.containers() + ek.containers("init_containers"))
    ignored = eks_pod_size(ek.containers())
    assert len({right, summed, ignored}) == 3


@pytest.mark.parametrize("answer", [ek.pod_size(), list(ek.pod_size()), ("1 vCPU", "4 GB"),
                                    {"cpu": 1024, "memory": 4096}])
def test_pod_size_reference_answers_pass(answer):
    verdict = check("eks.pod_size", answer)
    assert verdict.passed and verdict.score == verdict.points


@pytest.mark.parametrize("answer, part, message, hint", [
    ((1024, 5120), "the memory", "adds the init container", "not the sum"),
    ((1024, 2048), "the memory", "leaves out the init container", "larger of the biggest init"),
    ((1024, 3072), "the memory", "forgets the memory EKS adds", "256 MiB"),
    ((1024, 3328), "the memory", "what the Pod needs, not a Fargate size", "rounds the need up"),
    ((2048, 4096), "the vCPU", "not the size EKS provisions", "Round the CPU"),
])
def test_pod_size_mistakes_get_partial_credit_and_the_intended_hint(answer, part, message, hint):
    verdict = check("eks.pod_size", answer)
    assert not verdict.passed and 0 < verdict.score < verdict.points
    failed = [p for p in verdict.parts if not p.passed]
    assert [p.name for p in failed] == [part]
    assert message in failed[0].message and hint in verdict.hint


@pytest.mark.parametrize("answer", ["big", (1, 2, 3), 4096, None])
def test_pod_size_odd_answers_are_explained_not_crashed(answer):
    text = str(check("eks.pod_size", answer))
    assert "not yet" in text and "Traceback" not in text


def test_pod_cost_reference_passes_and_follows_the_price_data(monkeypatch):
    right = _right_cost()
    assert check("eks.pod_cost", right).passed
    assert check("eks.pod_cost", f"${right:,.2f}").passed
    rates = facts()["prices"]["fargate"]["us-east-1"]["linux_x86"]
    monkeypatch.setitem(rates, "gb_hour", rates["gb_hour"] * 3)
    assert not check("eks.pod_cost", right).passed
    assert check("eks.pod_cost", _right_cost()).passed


@pytest.mark.parametrize("wrong, message, hint", [
    (lambda r: r / ek.REPLICAS, "one replica", "multiply"),
    (lambda r: _monthly(0.75, 3, ek.REPLICAS), "bills what the Pod requests", "provisioned size"),
    (lambda r: r / facts()["billing"]["hours_per_month"], "one hour", "month"),
    (lambda r: r * (1 - facts()["discounts"]["spot_max_discount_pct"] / 100), "Spot", "no Fargate Spot"),
    (lambda r: r * 2, "above the bill", "CapacityProvisioned"),
])
def test_pod_cost_mistakes(wrong, message, hint):
    verdict = check("eks.pod_cost", wrong(_right_cost()))
    assert not verdict.passed
    assert message in str(verdict) and hint in verdict.hint


def test_profile_quiz_answers_follow_the_selector_rule():
    """The quiz's correct choices are the Pods `selects` picks (DaemonSet Pods excepted: EKS never runs them)."""
    sel = ek.QUIZ_PROFILE["selectors"]
    pods = {"A": ("shop", {"compute": "fargate", "app": "cart"}), "B": ("shop", {"app": "cart"}),
            "C": ("default", {"compute": "fargate"}), "D": ("batch-nightly", {}),
            "E": ("shop", {"compute": "fargate"})}
    daemonset = {"E"}
    picked = {k for k, (ns, labels) in pods.items() if any(selects(s, ns, labels) for s in sel)}
    assert picked - daemonset == set(quiz_spec("eks.quiz_profile").correct)
    assert check("eks.quiz_profile", "A, D").passed
    assert "DaemonSets are not supported" in check("eks.quiz_profile", "A D E").hint
    assert "lacks compute=fargate" in check("eks.quiz_profile", ["A", "B", "D"]).hint


@pytest.mark.parametrize("selector, namespace, labels, expected", [
    ({"namespace": "shop"}, "shop", {}, True),
    ({"namespace": "shop"}, "shop-2", {}, False),
    ({"namespace": "batch-*"}, "batch-nightly", {}, True),
    ({"namespace": "team-?"}, "team-a", {}, True),
    ({"namespace": "team-?"}, "team-ab", {}, False),
    ({"namespace": "shop", "labels": {"a": "1"}}, "shop", {"a": "1", "b": "2"}, True),
    ({"namespace": "shop", "labels": {"a": "1", "b": "2"}}, "shop", {"a": "1"}, False),
    ({"namespace": "shop", "labels": {"a": "1"}}, "shop", {"a": "2"}, False),
])
def test_selects_follows_the_eks_selector_rule(selector, namespace, labels, expected):
    assert selects(selector, namespace, labels) is expected


def test_limits_quiz_explanation_comes_from_the_data():
    q = quiz_spec("eks.quiz_limits")
    text = q.text(q.explanation)
    assert all(item in text for item in facts()["eks"]["not_supported"])
    assert check("eks.quiz_limits", "A,D").passed
    assert "ECS feature" in check("eks.quiz_limits", "A,D,E").hint


def test_prompts_state_the_constants_the_checks_use():
    prompt = get("eks.pod_size").prompt
    for c in ek.POD["containers"] + ek.POD["init_containers"]:
        assert c["name"] in prompt and f"{c['cpu_m']}m" in prompt and f"{c['memory_mi']}Mi" in prompt
    assert str(ek.REPLICAS) in get("eks.pod_cost").prompt
