"""The least-privilege IAM policy a learner gives real mode, made from the service rows' statements.

labkit/data/iam-policy.json is that policy written out, for learners to read and copy; a test fails when the file
and the rows disagree. After changing a row's IAM statements, rewrite it: `python -m labkit.lab.iam_policy`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from labkit.data import package_data_dir
from labkit.lab import services

FILE_NAME = "iam-policy.json"


def policy() -> dict[str, Any]:
    """The policy: one statement per row statement, in the rows' order, each action named (sorted, no wildcard)."""
    statements = []
    for row in services.ROWS:
        for st in row.iam:
            actions = sorted({f"{row.prefix}:{op}" for op in st.calls} | set(st.authorizes))
            statement: dict[str, Any] = {"Sid": st.sid, "Effect": "Allow", "Action": actions, "Resource": st.resource}
            if st.condition is not None:
                statement["Condition"] = st.condition
            statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def text() -> str:
    """The policy as the file holds it."""
    return json.dumps(policy(), indent=2) + "\n"


def path() -> Path:
    """Where the package ships the policy file."""
    return package_data_dir() / FILE_NAME


def write(target: Path | None = None) -> bool:
    """Rewrite the policy file from the rows; returns whether it changed."""
    target = target or path()
    new = text()
    if target.exists() and target.read_text(encoding="utf-8") == new:
        return False
    target.write_text(new, encoding="utf-8")
    return True


if __name__ == "__main__":
    changed = write()
    sys.stdout.write(f"{path().name}: {'rewritten from the service rows' if changed else 'already up to date'}\n")
