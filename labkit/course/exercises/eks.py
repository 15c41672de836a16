"""Exercises of the EKS on Fargate lesson: a Pod's Fargate size, what its replicas cost, Fargate profiles.

Expected values come from `labkit.fargate.eks_pod_size` and `labkit.pricing` when a check runs, so a fact
changed in `labkit.data` moves every exercise with it. The Pod and profile below are the exercises'
statements (not Fargate facts).
"""

from __future__ import annotations

from typing import Any

from labkit.course.exercises import Context, Exercise, Quiz, Wrong, close, number, register, register_quiz
from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.model.eks import eks_pod_size
from labkit.model.pricing import monthly
from labkit.model.sizes import smallest_size_for
from labkit.model.units import mib_per_gb, parse_cpu, parse_memory, units_per_vcpu

# The Pod of the sizing and cost exercises: two long-running containers and one init container.
# Requests are in millicores and MiB; `containers()` spells them as Kubernetes does ("500m", "1536Mi").
POD = {
    "name": "shop-api",
    "containers": [{"name": "api", "cpu_m": 500, "memory_mi": 1536},
                   {"name": "log-router", "cpu_m": 250, "memory_mi": 256}],
    "init_containers": [{"name": "warm-cache", "cpu_m": 250, "memory_mi": 3072}],
}
REPLICAS = 3

# The Fargate profile of the profile quiz.
QUIZ_PROFILE = {
    "fargateProfileName": "shop-and-batch",
    "selectors": [{"namespace": "shop", "labels": {"compute": "fargate"}}, {"namespace": "batch-*"}],
}


def containers(kind: str = "containers") -> list[dict[str, str]]:
    """The exercise Pod's containers (or "init_containers") as Kubernetes requests, for `eks_pod_size`."""
    return [{"name": c["name"], "cpu": f"{c['cpu_m']}m", "memory": f"{c['memory_mi']}Mi"} for c in POD[kind]]


def _needs() -> tuple[int, int]:
    """(millicores, MiB) the Pod needs before EKS adds its overhead and rounds up."""
    main, init = POD["containers"], POD["init_containers"]
    cpu = max(sum(c["cpu_m"] for c in main), max((c["cpu_m"] for c in init), default=0))
    mem = max(sum(c["memory_mi"] for c in main), max((c["memory_mi"] for c in init), default=0))
    return cpu, mem


def pod_size() -> tuple[int, int]:
    """The size (CPU units, MiB) EKS gives the exercise's Pod."""

    return eks_pod_size(containers(), containers("init_containers"))


def _size_answer(answer: Any) -> tuple[int, int]:
    """(CPU units, MiB) from a tuple such as (1024, 2048) or ("1 vCPU", "2 GB")."""
    if isinstance(answer, dict):
        answer = (answer.get("cpu"), answer.get("memory"))
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise Wrong(f"Expected a pair (cpu_units, memory_mib) such as (512, 1024), got {answer!r:.60}.",
                    hint="eks_pod_size returns such a pair; give both numbers in one tuple.", stop=True)
    try:
        return parse_cpu(answer[0]), parse_memory(answer[1])
    except InvalidInput as err:
        raise Wrong(str(err), stop=True) from None


# ---- eks.pod_size -----------------------------------------------------------------------------------------

POD_SIZE = register(Exercise(
    "eks.pod_size", "The Fargate size of a Pod", points=2,
    prompt=(f"The Pod '{POD['name']}' has the long-running containers "
            + ", ".join(f"{c['name']} ({c['cpu']} CPU, {c['memory']})" for c in containers())
            + " and the init container "
            + ", ".join(f"{c['name']} ({c['cpu']} CPU, {c['memory']})" for c in containers("init_containers"))
            + ". What Fargate size (CPU units, memory MiB) does EKS provision for it?"),
    hints=("Init containers run one after another before the others start, so they never add up with them.",),
))


@POD_SIZE.check("the vCPU")
def _pod_cpu(answer: Any, ctx: Context) -> None:
    got, _ = _size_answer(answer)
    cpu, _ = pod_size()
    if got == cpu:
        return

    summed, _ = eks_pod_size(containers() + containers("init_containers"))
    if got == summed:
        raise Wrong(f"{got} CPU units counts the init container on top of the others.",
                    hint="Take the larger of (the largest init container) and (the sum of the long-running "
                         "containers), for CPU and memory separately.")
    per_vcpu = units_per_vcpu()
    steps = ", ".join(f"{row['cpu'] / per_vcpu:g}" for row in facts()["eks"]["sizes"][:4])
    raise Wrong(f"{got} CPU units ({got / per_vcpu:g} vCPU) is not the size EKS provisions.",
                hint=f"Round the CPU needed up to the next EKS Fargate vCPU size ({steps} ...).")


@POD_SIZE.check("the memory")
def _pod_memory(answer: Any, ctx: Context) -> None:

    _, got = _size_answer(answer)
    _, memory = pod_size()
    if got == memory:
        return
    overhead = facts()["eks"]["kubernetes_overhead_mib"]
    ignored = eks_pod_size(containers())[1]
    summed = eks_pod_size(containers() + containers("init_containers"))[1]
    need_m, bare = _needs()
    no_overhead = smallest_size_for(f"{need_m / 1000} vCPU", bare)[1]
    if got == ignored:
        raise Wrong(f"{got} MiB leaves out the init container.",
                    hint="An init container runs before the others: the Pod needs the larger of the biggest "
                         "init container and the sum of the long-running containers.")
    if got == summed:
        raise Wrong(f"{got} MiB adds the init container to the others.",
                    hint="Init containers finish before the long-running containers start: take the larger "
                         "of the two, not the sum.")
    if got == no_overhead:
        raise Wrong(f"{got} MiB forgets the memory EKS adds for Kubernetes.",
                    hint=f"EKS adds {overhead} MiB for the kubelet, kube-proxy and containerd before rounding "
                         "up.")
    if got in (bare, bare + overhead):
        raise Wrong(f"{got} MiB is what the Pod needs, not a Fargate size.",
                    hint="EKS rounds the need up to the nearest size in its table (for this vCPU, whole GB).")
    raise Wrong(f"{got} MiB is not the memory EKS provisions for this Pod.")


# ---- eks.pod_cost -----------------------------------------------------------------------------------------

POD_COST = register(Exercise(
    "eks.pod_cost", "What the Pod's replicas cost", points=1,
    prompt=(f"{REPLICAS} replicas of '{POD['name']}' run all month on EKS on Fargate in us-east-1 (Linux, x86, "
            "default storage). What is the monthly Fargate bill in USD?"),
    hints=("EKS on Fargate bills the size it provisioned for each Pod (the CapacityProvisioned annotation).",),
))


def _monthly(vcpu: float, memory_gb: float, tasks: int) -> float:
    return monthly(vcpu, memory_gb, tasks, platform="EKS").total


@POD_COST.check("the monthly bill")
def _pod_cost(answer: Any, ctx: Context) -> None:
    got = number(answer, "an amount in US dollars (a number such as 12.34)")
    per_vcpu, per_gb = units_per_vcpu(), mib_per_gb()
    cpu, memory = pod_size()
    vcpu, gb = cpu / per_vcpu, memory / per_gb
    expected = _monthly(vcpu, gb, REPLICAS)
    if close(got, expected):
        return
    hours = facts()["billing"]["hours_per_month"]
    need_m, need_mi = _needs()
    requested_cpu, requested_gb = need_m / 1000, need_mi / per_gb
    mistakes = [
        (_monthly(vcpu, gb, 1), "That is one replica.", f"The Pod runs {REPLICAS} replicas: multiply."),
        (_monthly(requested_cpu, requested_gb, REPLICAS), "That bills what the Pod requests.",
         "Fargate bills the provisioned size (rounded up, with the Kubernetes memory added), not the requests."),
        (expected / hours, "That looks like one hour.", f"Multiply by AWS's month of {hours:g} hours."),
    ]
    spot = facts()["discounts"]["spot_max_discount_pct"]
    mistakes.append((expected * (1 - spot / 100), "That applies a Spot discount.",
                     "EKS on Fargate has no Fargate Spot: Pods run at the on-demand rates."))
    for value, message, hint in mistakes:
        if close(got, value):
            raise Wrong(message, hint=hint)
    raise Wrong(f"${got:,.2f} is {'above' if got > expected else 'below'} the bill.")


# ---- quizzes ----------------------------------------------------------------------------------------------

def _profile_question() -> str:
    sel = QUIZ_PROFILE["selectors"]
    text = "; ".join(f"namespace '{s['namespace']}'" + (f" with labels {s['labels']}" if s.get("labels") else "")
                     for s in sel)
    return (f"A Fargate profile has {len(sel)} selectors: {text}. Which of these Pods does it run on Fargate? "
            "(choose all that apply)")


QUIZ_PROFILE_Q = register_quiz(Quiz(
    "eks.quiz_profile", "Which Pods does a Fargate profile select?",
    question=_profile_question,
    choices={
        "A": "A Deployment's Pod in namespace 'shop' with labels compute=fargate and app=cart",
        "B": "A Pod in namespace 'shop' with only the label app=cart",
        "C": "A Pod in namespace 'default' with the label compute=fargate",
        "D": "A Job's Pod in namespace 'batch-nightly' with no labels",
        "E": "A DaemonSet's Pod (a node log agent) in namespace 'shop' with the label compute=fargate",
    },
    correct=frozenset({"A", "D"}),
    explanation=("A selector matches a Pod when the namespace matches (wildcards allowed) and the Pod has "
                 "every label the selector lists; extra labels do not matter. DaemonSets are not supported "
                 "on Fargate, so their Pods never run there."),
    wrong_hints={
        "B": "Every label in the selector must be on the Pod: this one lacks compute=fargate.",
        "C": "The namespace must match one of the selectors: 'default' is not 'shop' or 'batch-*'.",
        "E": "DaemonSets are not supported on Fargate: each Fargate Pod gets its own node, so there is no node "
             "for a DaemonSet to run on.",
    },
))


def _not_supported_explanation() -> str:
    items = facts()["eks"]["not_supported"]
    return "From the EKS User Guide: " + "; ".join(items) + "."


QUIZ_LIMITS = register_quiz(Quiz(
    "eks.quiz_limits", "What EKS on Fargate does not run",
    question="Which of these workloads can run on EKS on Fargate as they are? (choose all that apply)",
    choices={
        "A": "A Deployment of 3 web Pods behind an ALB with IP targets",
        "B": "A Pod that needs a GPU for model training",
        "C": "A Pod that sets hostNetwork: true",
        "D": "A Job whose Pod runs to completion in a private subnet",
        "E": "Pods on Fargate Spot to save money",
    },
    correct=frozenset({"A", "D"}),
    explanation=_not_supported_explanation,
    wrong_hints={
        "B": "Fargate has no GPUs: run GPU Pods on EC2 nodes (a managed node group).",
        "C": "HostPort and HostNetwork are not allowed: a Fargate Pod has no host you could share.",
        "E": "Fargate Spot is an ECS feature: EKS on Fargate runs Pods at on-demand rates.",
    },
))
