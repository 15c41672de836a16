"""The test suite's network guard works, and a full mock deployment needs no network at all."""

from __future__ import annotations

import socket

import pytest


@pytest.mark.parametrize("address", [("192.0.2.10", 443), ("8.8.8.8", 53), ("169.254.169.254", 80)])
def test_non_loopback_connect_is_blocked(address):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s, pytest.raises(OSError) as caught:
        s.connect(address)
    assert type(caught.value).__name__ == "NetworkBlocked"
    assert f"tests must not use the network: connect to ('{address[0]}', {address[1]}) blocked" in str(caught.value)


def test_loopback_is_allowed():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as client:
            client.connect(server.getsockname())


def test_full_mock_deployment_under_the_guard(lab):
    from tools.bench_deploy import mock_deployment

    assert mock_deployment(lab) == {"running": 3, "removed": 16}
