"""IAM in the simulated AWS: a new lab's account made cheap.

moto parses its more than 1,000 AWS-managed policy documents again for every account's IAM backend (the mock config
loads them, so that `AmazonECSTaskExecutionRolePolicy` exists). Their names, ids and documents are the same in
every account, so here they are parsed once per partition and each account gets its own shallow copies: what an
account may change (tags, attachment counts) stays its own. The answers are moto's, only sooner, so this applies
with the layer off too.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from moto.iam import aws_managed_policies
from moto.iam import models as iam_models

from labkit.mock import kept_models
from labkit.mock.patch import patch

_TEMPLATE_ACCOUNT = "123456789012"  # the templates' account; each copy is given the account it is for


@functools.cache
def managed_policy_templates(partition_region: str) -> list[Any]:
    """moto's AWSManagedPolicy objects, built once per partition (the documents parsed and dumped once)."""
    documents = kept_models.kept(aws_managed_policies.__file__,
                                 lambda: json.loads(aws_managed_policies.aws_managed_policies_data))
    return [iam_models.AWSManagedPolicy.from_data(name, _TEMPLATE_ACCOUNT, partition_region, data)
            for name, data in documents.items()]


def _clone(obj: Any) -> Any:
    """A shallow copy of a plain moto model object (its attributes in a new dict), faster than copy.copy."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


# Runs while moto builds a backend, inside moto's own backend lock: it must not wait for the mock's lock.
@patch(iam_models.IAMBackend._init_aws_policies, locked=False, always=True)
def init_aws_policies(fn: Any, self: Any) -> list[Any]:
    """An account's AWS-managed policies: copies of templates parsed once per partition."""
    if not iam_models.load_iam_aws_managed_policies():
        return []
    region = self.region_name if iam_models.get_partition(self.region_name) != "aws" else "us-east-1"
    policies = []
    for template in managed_policy_templates(region):
        policy = _clone(template)  # a managed policy's name, id and document are the same in every account
        policy.account_id = self.account_id
        policy.tags = {}
        policy.versions = [_clone(v) for v in template.versions]
        policies.append(policy)
    return policies
