"""labkit.model.health: a target's health after health checks, as Application Load Balancers judge it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from labkit.errors import InvalidInput
from labkit.model import health

FAIL = health.code_mismatch(500)
THRESHOLDS = {"healthy_threshold": 3, "unhealthy_threshold": 2}


def test_a_new_target_is_registering_until_its_first_check():
    fresh = health.Health()
    assert (fresh.state, fresh.reason) == ("initial", "Elb.RegistrationInProgress")
    assert health.after_checks(fresh, health.PASSED, 0, **THRESHOLDS) == (fresh, None)


def test_one_passing_check_makes_a_new_target_healthy():
    after, k = health.after_checks(health.Health(), health.PASSED, 5, **THRESHOLDS)
    assert (after.state, after.reason, k, after.checks) == ("healthy", None, 1, 5)


def test_failing_checks_keep_it_initial_until_the_unhealthy_threshold():
    once, k = health.after_checks(health.Health(), FAIL, 1, **THRESHOLDS)
    assert (once.state, once.reason, k) == ("initial", "Elb.InitialHealthChecking", None)
    twice, k = health.after_checks(once, FAIL, 1, **THRESHOLDS)
    assert (twice.state, twice.reason, twice.description, k) == (
        "unhealthy", "Target.ResponseCodeMismatch", "Health checks failed with these codes: [500]", 1)


def test_an_unhealthy_target_needs_the_healthy_threshold_in_a_row():
    sick, _ = health.after_checks(health.Health(), FAIL, 2, **THRESHOLDS)
    better, k = health.after_checks(sick, health.PASSED, 2, **THRESHOLDS)
    assert (better.state, k) == ("unhealthy", None)
    well, k = health.after_checks(better, health.PASSED, 5, **THRESHOLDS)
    assert (well.state, k) == ("healthy", 1)  # the third pass in a row


def test_a_healthy_target_stays_in_service_below_the_unhealthy_threshold():
    well, _ = health.after_checks(health.Health(), health.PASSED, 1, **THRESHOLDS)
    shaky, k = health.after_checks(well, health.Check(False, *health.TIMED_OUT), 1, **THRESHOLDS)
    assert (shaky.state, shaky.reason, k) == ("healthy", None, None)
    down, k = health.after_checks(shaky, health.Check(False, *health.TIMED_OUT), 3, **THRESHOLDS)
    assert (down.state, down.reason, down.description, k) == ("unhealthy", "Target.Timeout", "Request timed out", 1)


@given(results=st.lists(st.booleans(), min_size=1, max_size=40), healthy=st.integers(2, 10),
       unhealthy=st.integers(2, 10))
def test_n_checks_at_once_end_where_n_single_checks_do(results, healthy, unhealthy):
    # the same result n times, applied at once or one by one, ends in the same state; the change is at the same check
    n, result = len(results), health.PASSED if results[0] else FAIL
    at_once, k = health.after_checks(health.Health(), result, n, healthy_threshold=healthy,
                                     unhealthy_threshold=unhealthy)
    one_by_one, changed_at = health.Health(), None
    for i in range(n):
        one_by_one, step = health.after_checks(one_by_one, result, 1, healthy_threshold=healthy,
                                               unhealthy_threshold=unhealthy)
        if step is not None and changed_at is None:
            changed_at = i + 1
    assert (at_once.state, at_once.checks) == (one_by_one.state, one_by_one.checks)
    assert k == changed_at


@pytest.mark.parametrize("code, matcher, ok", [(200, "200", True), (204, "200-299", True), (302, "200,302", True),
                                               (404, "200-399", False), (500, "200, 202", False)])
def test_code_matches(code, matcher, ok):
    assert health.code_matches(code, matcher) is ok


def test_a_matcher_that_is_not_codes_is_refused():
    with pytest.raises(InvalidInput, match="such as 200, 200-299 or 200,202"):
        health.code_matches(200, "ok")
