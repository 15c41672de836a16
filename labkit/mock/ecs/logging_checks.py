"""The awslogs log driver's start-up check in mock mode: a Fargate task whose log group is missing does not start.

On AWS the driver needs each container's `awslogs-group` to exist before the container starts. With
`awslogs-create-group` "true" it creates the group itself, with the task execution role, which then needs
`logs:CreateLogGroup` (AmazonECSTaskExecutionRolePolicy does not have it). Otherwise the task stops with stopCode
TaskFailedToStart and a ResourceInitializationError, never having run (`facts()["errors"]`: "log_group_missing",
"log_group_denied"). `start_failure` says which, reading moto's CloudWatch Logs and IAM; when the role may create
the group, the group is made when the task reaches RUNNING (`labkit.mock.logs`).
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from moto.moto_api._internal import mock_random

from labkit.data import facts

ACTION = "logs:CreateLogGroup"


def awslogs_groups(task_definition: Any, region: str) -> Iterator[tuple[str, str, bool]]:
    """(group, its region, awslogs-create-group) of each container that logs with the awslogs driver."""
    for cdef in task_definition.container_definitions or []:
        conf = cdef.get("logConfiguration") or {}
        options = conf.get("options") or {}
        if conf.get("logDriver") == "awslogs" and options.get("awslogs-group"):
            create = str(options.get("awslogs-create-group", "")).strip().lower() == "true"
            yield str(options["awslogs-group"]), str(options.get("awslogs-region") or region), create


def _group_exists(account: str, region: str, group: str) -> bool:
    from moto.logs.models import logs_backends

    return group in logs_backends[account][region].groups


def _documents(role: Any) -> Iterator[Any]:
    """The policy documents that apply to a moto IAM role: inline ones, and the default version of attached ones."""
    yield from dict(getattr(role, "policies", {}) or {}).values()
    for policy in dict(getattr(role, "managed_policies", {}) or {}).values():
        for version in getattr(policy, "versions", []) or []:
            if getattr(version, "is_default", False):
                yield version.document


def _statements(document: Any) -> Iterator[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(unquote(document) if document.lstrip().startswith("%") else document)
        except ValueError:
            return
    found = (document or {}).get("Statement") if isinstance(document, dict) else None
    yield from ([found] if isinstance(found, dict) else [s for s in found or [] if isinstance(s, dict)])


def _names_action(statement: dict[str, Any], action: str) -> bool:
    actions = statement.get("Action") or []
    actions = [actions] if isinstance(actions, str) else actions
    return any(fnmatch.fnmatchcase(action.lower(), str(a).lower()) for a in actions)


def role_allows(role: Any, action: str = ACTION) -> bool:
    """True when the role's policies allow `action` (an explicit Deny wins; conditions are not evaluated)."""
    allowed = False
    for document in _documents(role):
        for statement in _statements(document):
            if not _names_action(statement, action):
                continue
            if statement.get("Effect") == "Deny":
                return False
            allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


def _role(account: str, role_arn: str | None) -> Any:
    from moto.iam.models import iam_backends

    if not role_arn or ":role/" not in role_arn:
        return None
    name = role_arn.rsplit("/", 1)[-1]
    backend = iam_backends[account]["aws"]
    return next((r for r in backend.roles.values() if r.name == name), None)


def start_failure(account: str, region: str, task: Any, task_definition: Any) -> str | None:
    """AWS's stoppedReason when the awslogs driver cannot start the task's containers; None when it can."""
    errors = facts()["errors"]
    role_arn = getattr(task_definition, "execution_role_arn", None)
    for group, group_region, create in awslogs_groups(task_definition, region):
        if _group_exists(account, group_region, group):
            continue
        if not create:
            return str(errors["log_group_missing"]["reason"])
        role = _role(account, role_arn)
        if role is None or not role_allows(role):
            return str(errors["log_group_denied"]["reason"]).format(
                account=account, role=role.name if role is not None else str(role_arn).rsplit("/", 1)[-1],
                session=task.id, region=group_region, group=group, request_id=mock_random.uuid4())
    return None
