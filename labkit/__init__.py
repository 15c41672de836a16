"""Fargate Lab Kit: learn AWS Fargate by doing, offline by default.

A learner needs a few names: `labkit.connect()`, `labkit.check(...)`, `labkit.prompt(...)`, `labkit.show(...)`,
`labkit.term("ENI")` for a word of the course's glossary, and before handing in an assignment,
`labkit.check_submission()`.
Everything else is reached through a front door that reads like a sentence: `labkit.pricing.fargate_cost`,
`labkit.fargate.valid_sizes`, `labkit.deploy.push_image`, `labkit.diagrams.workflow`, `labkit.widgets.quiz`.

The code lives in four layers whose imports point down (see README, "For maintainers"): `labkit.model` (Fargate
knowledge), `labkit.mock` (the simulated AWS), `labkit.lab` (a learner's session), `labkit.course` (exercises,
grading); beside them `labkit.diagrams` and `labkit.cli`. This file only hands on names, each loaded when first
used, so that `import labkit` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

from labkit.errors import GuardrailError, InvalidInput, LabkitError

#: public name -> the module that owns it
_OWNERS = {
    "connect": "labkit.lab.connect",
    "check": "labkit.course.exercises",
    "check_submission": "labkit.course.grading.presubmit",
    "prompt": "labkit.course.exercises",
    "doctor": "labkit.lab.doctor",
    "show": "labkit.diagrams.show",
    "term": "labkit.model.glossary",
}

__all__ = ["GuardrailError", "InvalidInput", "LabkitError", "check", "check_submission", "connect", "doctor", "prompt",
           "show", "term"]


def __getattr__(name: str) -> Any:
    owner = _OWNERS.get(name)
    if owner is None:
        raise AttributeError(f"module 'labkit' has no attribute {name!r}")
    value = getattr(importlib.import_module(owner), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
