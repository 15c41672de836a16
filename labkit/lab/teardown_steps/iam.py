"""IAM's teardown: the lab's roles under labkit's role path, their policies detached or deleted first."""

from __future__ import annotations

from typing import Any

from labkit.lab.listing import paginate
from labkit.lab.tagging import ROLE_PATH, tag_dict
from labkit.lab.teardown_steps.run import Run, quietly


def remove(iam: Any, run: Run) -> None:
    """Roles the lab recorded or tagged (only under ROLE_PATH, where the IAM policy lets labkit act)."""
    recorded = run.recorded.get("role", set())
    for role in paginate(iam, "list_roles", "Roles", PathPrefix=ROLE_PATH):
        name = role["RoleName"]
        if name in recorded or run.match(tag_dict(quietly(
                lambda n=name: iam.list_role_tags(RoleName=n).get("Tags", [])))):
            run.attempt("role", name, lambda n=name: _drop_role(iam, n))


def _drop_role(iam: Any, name: str) -> None:
    for pol in paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=name):
        iam.detach_role_policy(RoleName=name, PolicyArn=pol["PolicyArn"])
    for pol_name in paginate(iam, "list_role_policies", "PolicyNames", RoleName=name):
        iam.delete_role_policy(RoleName=name, PolicyName=pol_name)
    iam.delete_role(RoleName=name)
