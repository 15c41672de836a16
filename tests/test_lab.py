"""labkit.connect and Lab: modes, clients, tags, isolation, teardown."""

from __future__ import annotations

import pytest

import labkit
from labkit.errors import GuardrailError, InvalidInput


def test_connect_mock_gives_clients_in_its_own_account(lab):
    assert lab.mode == "mock"
    assert lab.client("sts").get_caller_identity()["Account"] == lab.account_id
    assert lab.client("ecs") is lab.client("ecs")


def test_unknown_service_is_refused_with_the_list(lab):
    with pytest.raises(InvalidInput, match="ecs"):
        lab.client("s3x")


def test_real_mode_needs_a_budget():
    with pytest.raises(GuardrailError, match="budget"):
        labkit.connect("real")


def test_unknown_mode_is_invalid_input():
    with pytest.raises(InvalidInput, match="mock"):
        labkit.connect("cloud")
