"""EKS on Fargate: the Fargate size EKS provisions for a Pod, and which Pods a Fargate profile selects.

`eks_pod_size` follows AWS's documented algorithm (EKS User Guide, "Fargate Pod configuration"): the larger of the
init containers' largest request and the sum of the others', per dimension, plus the memory EKS adds for
Kubernetes components, rounded up to the smallest EKS Fargate size. Profile selectors pick a Pod by namespace
and labels; EKS refuses a profile with more selectors than it allows, or a selector without a namespace.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from fnmatch import fnmatchcase
from fractions import Fraction
from typing import Any

from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.model.units import gb_text, num, units_per_vcpu, vcpu_text

_K8S_SUFFIX = {
    "": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}
_QUANTITY = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?\s*$")


def _quantity(value: Any, what: str) -> Fraction:
    """A Kubernetes quantity ("500m", "1", "1Gi", "1000M") as an exact number (cores or bytes)."""
    example = "'500m' or '1' for cpu, '512Mi' or '1Gi' for memory"
    if isinstance(value, bool) or value is None or not isinstance(value, (int, float, str)):
        raise InvalidInput(f"{what} {value!r} is not a Kubernetes quantity; expected {example}.")
    text = repr(value) if isinstance(value, float) else str(value)
    match = _QUANTITY.match(text)
    if not match or (isinstance(value, float) and not math.isfinite(value)):
        raise InvalidInput(f"{what} {value!r} is not a Kubernetes quantity; expected {example}.")
    number, suffix = Fraction(match.group(1)), match.group(2) or ""
    if suffix == "m":
        return number / 1000
    return number * _K8S_SUFFIX[suffix]


def _requests(container: Any, i: int, kind: str) -> tuple[Fraction, Fraction]:
    """(vCPU, MiB) requested by one container dict."""
    where = f"{kind}[{i}]"
    if not isinstance(container, Mapping):
        raise InvalidInput(f"{where} is {container!r}; expected a dict like "
                           "{'cpu': '500m', 'memory': '1Gi'}.")
    source: Mapping[str, Any] = container
    resources = container.get("resources")
    if isinstance(resources, Mapping):
        source = resources.get("requests") or resources.get("limits") or {}
        if not isinstance(source, Mapping):
            raise InvalidInput(f"{where}.resources.requests must be a dict.")
    cpu = _quantity(source["cpu"], f"{where} cpu") if source.get("cpu") is not None else Fraction(0)
    mem = _quantity(source["memory"], f"{where} memory") if source.get("memory") is not None else Fraction(0)
    if cpu < 0 or mem < 0:
        raise InvalidInput(f"{where} requests must not be negative.")
    return cpu, mem / 2**20


def eks_pod_size(containers: Iterable[Any], init_containers: Iterable[Any] = ()) -> tuple[int, int]:
    """The Fargate size (CPU units, MiB) EKS provisions for a Pod, following AWS's documented algorithm.

    Max of the init containers' requests vs the sum of the others', per dimension; plus the memory EKS adds
    for Kubernetes components; rounded up to the smallest EKS size covering both. Memory numbers without a
    suffix are bytes, as in Kubernetes.
    """
    eks = facts()["eks"]
    if isinstance(containers, (str, bytes, Mapping)) or isinstance(init_containers, (str, bytes, Mapping)):
        raise InvalidInput("containers and init_containers must be lists of dicts, e.g. [{'cpu': '500m', "
                           "'memory': '1Gi'}].")
    try:
        main = [_requests(c, i, "containers") for i, c in enumerate(containers)]
        init = [_requests(c, i, "init_containers") for i, c in enumerate(init_containers)]
    except TypeError as err:
        raise InvalidInput("containers and init_containers must be lists of dicts.") from err
    cpu = max(sum((c for c, _ in main), Fraction(0)), max((c for c, _ in init), default=Fraction(0)))
    mem = max(sum((m for _, m in main), Fraction(0)), max((m for _, m in init), default=Fraction(0)))
    if cpu == 0 and mem == 0:
        return eks["default_size"]["cpu"], eks["default_size"]["memory"]
    need_cpu = cpu * units_per_vcpu()
    need_mem = mem + eks["kubernetes_overhead_mib"]
    for row in eks["sizes"]:
        for size in row["memory"]:
            if row["cpu"] >= need_cpu and size >= need_mem:
                return row["cpu"], size
    top = eks["sizes"][-1]
    raise InvalidInput(f"the Pod requests {num(cpu)} vCPU and {num(math.ceil(need_mem))} MiB (with "
                       f"{eks['kubernetes_overhead_mib']} MiB for Kubernetes); the largest EKS Fargate size "
                       "is "
                       f"{vcpu_text(top['cpu'])} with {gb_text(top['memory'][-1])}. Lower the requests.")


# ---------------------------------------------------------------- Fargate profiles

# moto's own text for a selector without a namespace (moto.eks.models.FARGATE_PROFILE_SELECTOR_NEEDS_NAMESPACE,
# taken by moto from EKS's answers), reused so an empty namespace is refused in the same words.
MSG_NAMESPACE = "Fargate Profile must have at least one selector with at least one namespace value."
# Not found verbatim in AWS's docs or issues: written in EKS's style (compare moto's
# "Request contains Selector with more than 5 Label pairs"); {limit} is facts()["eks"]["profile"]["selectors_max"].
MSG_TOO_MANY = "Fargate Profile cannot have more than {limit} selectors."


def selector_problem(selectors: Any) -> str | None:
    """The message EKS answers for these profile selectors, or None when it accepts them."""
    if not isinstance(selectors, list):
        return None
    limit = facts()["eks"]["profile"]["selectors_max"]
    if len(selectors) > limit:
        return MSG_TOO_MANY.format(limit=limit)
    for selector in selectors:
        if not isinstance(selector, dict) or not selector.get("namespace"):
            return MSG_NAMESPACE
    return None


def selects(selector: Mapping[str, Any], namespace: str, labels: Mapping[str, str] | None = None) -> bool:
    """Whether one Fargate profile selector picks a Pod: its namespace matches and it has every label.

    Namespaces and label values may use the wildcards `*` and `?`, as EKS allows.
    """
    labels = labels or {}
    if not fnmatchcase(namespace, str(selector.get("namespace", ""))):
        return False
    return all(k in labels and fnmatchcase(labels[k], str(v)) for k, v in (selector.get("labels") or {}).items())
