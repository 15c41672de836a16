"""Secrets Manager's teardown: the lab's secrets, deleted at once (no recovery window: a lab leaves nothing)."""

from __future__ import annotations

from typing import Any

from labkit.lab.listing import paginate
from labkit.lab.teardown_steps.run import Run


def remove(secretsmanager: Any, run: Run) -> None:
    """Secrets the lab recorded or tagged."""
    recorded = run.recorded.get("secret", set())
    for secret in paginate(secretsmanager, "list_secrets", "SecretList"):
        tags = {t["Key"]: t["Value"] for t in secret.get("Tags") or []}
        if secret["Name"] in recorded or secret["ARN"] in recorded or run.match(tags):
            run.attempt("secret", secret["Name"], lambda arn=secret["ARN"]: secretsmanager.delete_secret(
                SecretId=arn, ForceDeleteWithoutRecovery=True))
