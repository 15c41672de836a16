"""A task definition's `secrets`, fetched as Fargate's agent fetches them: with the task execution role.

Each container's `secrets` item names an environment variable and a `valueFrom`: a Secrets Manager secret's ARN
(optionally `:json-key:version-stage:version-id` after it), or a Systems Manager parameter's ARN or name. The
execution role must allow `secretsmanager:GetSecretValue` (or `ssm:GetParameters`) on it: its inline and attached
policies are read (Allow statements, actions and resources with wildcards; Deny and conditions are not
evaluated). A secret that is missing or not allowed stops the task before it starts, with AWS's
ResourceInitializationError words (`facts()["runtime"]["secrets"]`).
"""

from __future__ import annotations

import fnmatch
import json
from typing import Any

from labkit.data import facts


class SecretsError(Exception):
    """A secret could not be fetched: the message is the task's stoppedReason."""


def _words() -> dict[str, str]:
    return facts()["runtime"]["secrets"]


def _statements(document: Any) -> list[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return []
    found = (document or {}).get("Statement", [])
    return [found] if isinstance(found, dict) else list(found)


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value or [])


def allows(account: str, role_arn: str | None, action: str, resource: str) -> bool:
    """Whether the role's Allow statements grant `action` on `resource` (wildcards honoured; Deny not read)."""
    if not role_arn:
        return False
    from moto.iam.models import iam_backends

    iam = iam_backends[account]["aws"]
    try:
        role = iam.get_role(role_arn.rsplit("/", 1)[-1])
    except Exception:  # noqa: BLE001 - moto's NotFoundException: no such role, nothing allowed
        return False
    documents = list(role.policies.values())
    for policy in role.managed_policies.values():
        documents += [v.document for v in policy.versions if v.version_id == policy.default_version_id]
    for document in documents:
        for statement in _statements(document):
            if statement.get("Effect") != "Allow":
                continue
            actions = [a.lower() for a in _listed(statement.get("Action"))]
            resources = _listed(statement.get("Resource"))
            if any(fnmatch.fnmatchcase(action.lower(), a) for a in actions) and any(
                    fnmatch.fnmatchcase(resource, r) for r in resources):
                return True
    return False


def _secret_value(account: str, region: str, role: str | None, task_id: str, value_from: str) -> str:
    from moto.secretsmanager.models import secretsmanager_backends

    parts = value_from.split(":")
    arn = ":".join(parts[:7])
    key, stage, version = (parts[7:10] + ["", "", ""])[:3]
    words = _words()
    who = {"account": account, "role": (role or "").rsplit("/", 1)[-1] or "(none)", "task_id": task_id}
    if not allows(account, role, "secretsmanager:GetSecretValue", arn):
        raise SecretsError(words["asm_access_denied"].format(arn=arn, **who))
    backend = secretsmanager_backends[account][parts[3] or region]
    try:
        found = backend.get_secret_value(arn, version or None, stage or None)
    except Exception as err:  # noqa: BLE001 - moto's not-found errors
        raise SecretsError(words["asm_not_found"].format(arn=arn)) from err
    text = found.get("SecretString") or ""
    if not key:
        return text
    try:
        return str(json.loads(text)[key])
    except (ValueError, KeyError, TypeError) as err:
        raise SecretsError(words["asm_no_json_key"].format(key=key)) from err


def _parameter_value(account: str, region: str, role: str | None, task_id: str, value_from: str) -> str:
    from moto.ssm.models import ssm_backends

    if value_from.startswith("arn:"):
        parts = value_from.split(":", 5)  # arn:aws:ssm:REGION:ACCOUNT:parameter/NAME
        where, resource, arn = parts[3] or region, parts[5] if len(parts) > 5 else "", value_from
        name = resource[len("parameter"):] if resource.startswith("parameter") else resource
    else:
        where, name = region, value_from
        arn = f"arn:aws:ssm:{region}:{account}:parameter/{value_from.lstrip('/')}"
    words = _words()
    if not allows(account, role, "ssm:GetParameters", arn):
        raise SecretsError(words["ssm_access_denied"].format(
            arn=arn, account=account, role=(role or "").rsplit("/", 1)[-1] or "(none)", task_id=task_id))
    backend = ssm_backends[account][where]
    found = None
    for candidate in dict.fromkeys([name, name.lstrip("/"), "/" + name.lstrip("/")]):
        try:
            found = backend.get_parameter(candidate)
        except Exception:  # noqa: BLE001 - moto raises for a bad version label
            found = None
        if found is not None:
            break
    if found is None:
        raise SecretsError(words["ssm_not_found"].format(name=value_from))
    return str(found.decrypt(found.value) or "")  # ECS asks with decryption (a SecureString in clear)


def resolve(account: str, region: str, task_id: str, task_definition: Any) -> dict[str, dict[str, str]]:
    """Every container's secrets as {container: {NAME: value}}; a SecretsError for the first that fails."""
    role = getattr(task_definition, "execution_role_arn", None)
    out: dict[str, dict[str, str]] = {}
    for cdef in task_definition.container_definitions:
        values: dict[str, str] = {}
        for item in cdef.get("secrets") or []:
            value_from = str(item.get("valueFrom") or "")
            if value_from.startswith("arn:aws:secretsmanager:"):
                values[str(item.get("name"))] = _secret_value(account, region, role, task_id, value_from)
            else:
                values[str(item.get("name"))] = _parameter_value(account, region, role, task_id, value_from)
        out[str(cdef.get("name"))] = values
    return out


def has_secrets(task_definition: Any) -> bool:
    return any(cdef.get("secrets") for cdef in task_definition.container_definitions)
