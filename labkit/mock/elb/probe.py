"""One real HTTP health check against a target, as an Application Load Balancer sends it: GET the path, judge the code.

A check that cannot connect (no process on the port, or a connection reset) is Target.FailedHealthChecks; no
answer within the timeout is Target.Timeout; a code the matcher does not accept is Target.ResponseCodeMismatch.
The wall-clock wait is capped at `WALL_TIMEOUT` whatever HealthCheckTimeoutSeconds says, so a hanging target costs
a notebook cell at most that long; the check is still reported as AWS would (Request timed out).
"""

from __future__ import annotations

import http.client

from labkit.model import health

WALL_TIMEOUT = 1.0  # seconds of real time a probe may wait for a hanging target


def probe(address: tuple[str, int] | None, path: str, timeout_seconds: float, matcher: str) -> health.Check:
    """The result of one GET `path` on `address` (None: nothing listens there)."""
    if address is None:
        return health.Check(False, *health.FAILED)
    host, port = address
    connection = http.client.HTTPConnection(host, port, timeout=min(float(timeout_seconds), WALL_TIMEOUT))
    try:
        connection.request("GET", path or "/", headers={"User-Agent": "ELB-HealthChecker/2.0"})
        response = connection.getresponse()
        response.read()
        code = response.status
    except TimeoutError:
        return health.Check(False, *health.TIMED_OUT)
    except (OSError, http.client.HTTPException):
        return health.Check(False, *health.FAILED)
    finally:
        connection.close()
    return health.PASSED if health.code_matches(code, matcher) else health.code_mismatch(code)
