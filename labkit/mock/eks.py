"""EKS's refusals on CreateFargateProfile that moto 5.2.5 does not make: more selectors than EKS allows, and a
selector whose namespace is missing or empty. The rule and its words are `labkit.model.eks.selector_problem`.
"""

from __future__ import annotations

from typing import Any

from labkit import mock
from labkit.model.eks import selector_problem

_installed = False


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
