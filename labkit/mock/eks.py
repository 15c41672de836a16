"""EKS's refusals on CreateFargateProfile that moto 5.2.5 does not make: more selectors than EKS allows, and a
selector whose namespace is missing or empty. The rule and its words are `labkit.model.eks.selector_problem`.
"""

from __future__ import annotations

from typing import Any

from moto.eks.exceptions import InvalidParameterException
from moto.eks.models import EKSBackend

from labkit.mock.patch import patch
from labkit.model.eks import selector_problem


@patch(EKSBackend.create_fargate_profile)
def create_fargate_profile(fn: Any, self: Any, *args: Any, **kwargs: Any) -> Any:
    """CreateFargateProfile refused as EKS refuses it (selector count, namespace)."""
    problem = selector_problem(kwargs.get("selectors"))
    if problem:
        raise InvalidParameterException(clusterName=kwargs.get("cluster_name"), nodegroupName=None,
                                        fargateProfileName=kwargs.get("fargate_profile_name"),
                                        addonName=None, message=problem)
    return fn(self, *args, **kwargs)
