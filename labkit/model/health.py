"""A load balancer target's health as Application Load Balancers judge it: pure rules, no clock and no network.

A registered target is `initial` (Elb.RegistrationInProgress) until its first health check. One passing check makes
it `healthy` (AWS: a new target "must pass one health check to be considered healthy"); failing checks keep it
`initial` (Elb.InitialHealthChecking) until UnhealthyThresholdCount of them in a row make it `unhealthy`. After that
HealthyThresholdCount passes in a row bring it back, and UnhealthyThresholdCount failures in a row take a healthy
target out. The facts and their sources are in `labkit.data` ("load_balancing").

The simulated AWS (`labkit.mock.elb`) probes a target once when time passes and applies that one result to every
check the interval schedule held in the meantime (`after_checks`), so a jump of ten minutes costs one request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from labkit.data import facts
from labkit.errors import InvalidInput

INITIAL, HEALTHY, UNHEALTHY = "initial", "healthy", "unhealthy"
REGISTERING = ("Elb.RegistrationInProgress", "Target registration is in progress")
INITIAL_CHECKS = ("Elb.InitialHealthChecking", "Initial health checks in progress")
FAILED = ("Target.FailedHealthChecks", "Health checks failed")
TIMED_OUT = ("Target.Timeout", "Request timed out")
DRAINING = ("Target.DeregistrationInProgress", "Target deregistration is in progress")
NOT_IN_USE = ("Target.NotInUse", "Target group is not configured to receive traffic from the load balancer")


@dataclass(frozen=True)
class Check:
    """The result of one health check request: passed, or why not (AWS's reason code and description)."""

    ok: bool
    reason: str | None = None
    description: str | None = None


PASSED = Check(True)


def code_mismatch(code: int) -> Check:
    """A check answered with an HTTP code the matcher does not accept (Target.ResponseCodeMismatch)."""
    return Check(False, "Target.ResponseCodeMismatch", f"Health checks failed with these codes: [{code}]")


@dataclass(frozen=True)
class Health:
    """Where a target stands: its state, AWS's reason and description, and the checks that got it there."""

    state: str = INITIAL
    reason: str | None = REGISTERING[0]
    description: str | None = REGISTERING[1]
    checks: int = 0  # health checks done since registration
    passes: int = 0  # consecutive passing checks
    failures: int = 0  # consecutive failing checks

    @property
    def in_service(self) -> bool:
        return self.state == HEALTHY


def _first_healthy() -> int:
    return int(facts()["load_balancing"]["checks_to_first_healthy"]["value"])


def after_checks(health: Health, result: Check, n: int, *, healthy_threshold: int,
                 unhealthy_threshold: int) -> tuple[Health, int | None]:
    """`health` after `n` checks that all gave `result`, and which of them (1..n) changed the state, if one did.

    n identical results change the state at most once, so the moment of the change is known without probing n
    times: the caller turns "the k-th check" into a time.
    """
    if n <= 0:
        return health, None
    if result.ok:
        passes, failures = health.passes + n, 0
        needed = _first_healthy() if health.state == INITIAL else healthy_threshold
        if health.state != HEALTHY and passes >= needed:
            k = max(1, needed - health.passes)
            return Health(HEALTHY, None, None, health.checks + n, passes, 0), k
        return replace(health, checks=health.checks + n, passes=passes, failures=failures,
                       reason=INITIAL_CHECKS[0] if health.state == INITIAL else health.reason,
                       description=INITIAL_CHECKS[1] if health.state == INITIAL else health.description), None
    failures = health.failures + n
    if health.state != UNHEALTHY and failures >= unhealthy_threshold:
        k = max(1, unhealthy_threshold - health.failures)
        return Health(UNHEALTHY, result.reason, result.description, health.checks + n, 0, failures), k
    if health.state == UNHEALTHY:
        return replace(health, reason=result.reason, description=result.description, checks=health.checks + n,
                       passes=0, failures=failures), None
    reason = INITIAL_CHECKS if health.state == INITIAL else (health.reason, health.description)
    return replace(health, reason=reason[0], description=reason[1], checks=health.checks + n, passes=0,
                   failures=failures), None


_MATCHER = re.compile(r"^\s*\d{3}(\s*-\s*\d{3})?(\s*,\s*\d{3}(\s*-\s*\d{3})?)*\s*$")


def code_matches(code: int, matcher: str) -> bool:
    """Whether an HTTP status code is one a target group's matcher accepts ("200", "200-299", "200,202")."""
    if not isinstance(matcher, str) or not _MATCHER.match(matcher):
        raise InvalidInput(f"matcher {matcher!r}: give HTTP codes such as 200, 200-299 or 200,202.")
    for part in matcher.replace(" ", "").split(","):
        low, _, high = part.partition("-")
        if int(low) <= code <= int(high or low):
            return True
    return False
