"""Fargate Lab Kit: learn AWS Fargate by doing, offline by default.

A learner needs three names: `labkit.connect()`, `labkit.check(...)` and `labkit.show(...)`.
Everything else is reached through its module (`labkit.pricing.fargate_cost`, ...).
"""

from labkit.doctor import doctor
from labkit.errors import GuardrailError, InvalidInput, LabkitError
from labkit.exercises import check
from labkit.lab import connect
from labkit.show import show

__all__ = ["GuardrailError", "InvalidInput", "LabkitError", "check", "connect", "doctor", "show"]
