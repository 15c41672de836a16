"""A learner's session: `Lab` and `connect`, the three modes, deploy steps, tagging, teardown, guardrails, the meter."""

from labkit.lab.connect import connect
from labkit.lab.session import Lab

__all__ = ["Lab", "connect"]
