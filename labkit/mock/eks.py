"""EKS's refusals on CreateFargateProfile that moto 5.2.5 does not make: more selectors than EKS allows, and a
selector whose namespace is missing or empty. The limit comes from `facts()["eks"]["profile"]["selectors_max"]`.
"""

from __future__ import annotations

from typing import Any

from labkit import mock

# moto's own text for a selector without a namespace (moto.eks.models.FARGATE_PROFILE_SELECTOR_NEEDS_NAMESPACE,
# taken by moto from EKS's answers), reused so an empty namespace is refused in the same words.
MSG_NAMESPACE = "Fargate Profile must have at least one selector with at least one namespace value."
# Not found verbatim in AWS's docs or issues: written in EKS's style (compare moto's
# "Request contains Selector with more than 5 Label pairs"); {limit} is facts()["eks"]["profile"]["selectors_max"].
MSG_TOO_MANY = "Fargate Profile cannot have more than {limit} selectors."

_installed = False


def selector_problem(selectors: Any) -> str | None:
    """The message EKS answers for these selectors, or None when it accepts them (moto checks the rest)."""
    from labkit.data import facts

    if not isinstance(selectors, list):
        return None
    limit = facts()["eks"]["profile"]["selectors_max"]
    if len(selectors) > limit:
        return MSG_TOO_MANY.format(limit=limit)
    for selector in selectors:
        if not isinstance(selector, dict) or not selector.get("namespace"):
            return MSG_NAMESPACE
    return None


def install() -> None:
    """Wrap moto's EKSBackend.create_fargate_profile once."""
    global _installed
    if _installed:
        return
    from moto.eks.exceptions import InvalidParameterException
    from moto.eks.models import EKSBackend

    original = EKSBackend.create_fargate_profile

    def create_fargate_profile(self: Any, *args: Any, **kwargs: Any) -> Any:
        if mock.enabled():
            problem = selector_problem(kwargs.get("selectors"))
            if problem:
                raise InvalidParameterException(clusterName=kwargs.get("cluster_name"), nodegroupName=None,
                                                fargateProfileName=kwargs.get("fargate_profile_name"),
                                                addonName=None, message=problem)
        return original(self, *args, **kwargs)

    EKSBackend.create_fargate_profile = create_fargate_profile
    _installed = True
