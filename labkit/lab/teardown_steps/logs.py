"""CloudWatch Logs' teardown: the lab's log groups."""

from __future__ import annotations

from typing import Any

from labkit.lab.listing import paginate
from labkit.lab.teardown_steps.run import Run, quietly


def remove(logs: Any, run: Run) -> None:
    """Log groups the lab recorded or tagged."""
    recorded = run.recorded.get("log group", set())
    for group in paginate(logs, "describe_log_groups", "logGroups"):
        name = group["logGroupName"]
        if name in recorded or run.match(quietly(
                lambda n=name: logs.list_tags_log_group(logGroupName=n).get("tags", {})) or {}):
            run.attempt("log group", name, lambda n=name: logs.delete_log_group(logGroupName=n))
