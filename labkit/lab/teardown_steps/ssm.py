"""Systems Manager Parameter Store's teardown: the lab's parameters (a task's `secrets` may read them)."""

from __future__ import annotations

from typing import Any

from labkit.lab.listing import paginate
from labkit.lab.teardown_steps.run import Run


def remove(ssm: Any, run: Run) -> None:
    """Parameters the lab recorded or tagged (found with DescribeParameters' tag filter, one call a page)."""
    key, value = run.tag
    tagged = paginate(ssm, "describe_parameters", "Parameters",
                      ParameterFilters=[{"Key": f"tag:{key}", "Values": [value]}])
    names = {p["Name"] for p in tagged} | run.recorded.get("parameter", set())
    for name in sorted(names):
        run.attempt("parameter", name, lambda name=name: ssm.delete_parameter(Name=name))
