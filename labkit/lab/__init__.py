"""A learner's session: `Lab` and `connect`, the three modes, deploy steps, tagging, teardown, guardrails, the meter.

`services` holds one row per AWS service a lab can open; tagging, teardown, the guardrails and the IAM policy
(`iam_policy`) read their per-service facts from it.
"""

from labkit.lab.connect import connect
from labkit.lab.session import Lab

__all__ = ["Lab", "connect"]
