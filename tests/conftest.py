"""Shared fixtures: no test may reach the network (loopback is fine), and a fresh mock lab per test."""

from __future__ import annotations

import ipaddress
import socket

import pytest

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


class NetworkBlocked(OSError):
    """A test tried to open a connection to a non-loopback address."""


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX socket path
        return True
    host = address[0] if isinstance(address, tuple) and address else address
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost would need DNS: not allowed


def _guarded(real):  # noqa: ANN001, ANN202 - thin wrapper around socket methods
    def connect(self, address):  # noqa: ANN001, ANN202
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise NetworkBlocked(f"tests must not use the network: connect to {address!r} blocked")
        return real(self, address)
    return connect


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Block every outbound connection except loopback, for every test."""
    monkeypatch.setattr(socket.socket, "connect", _guarded(_real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", _guarded(_real_connect_ex))


@pytest.fixture
def lab():
    """A fresh mock lab in its own account, torn down afterwards."""
    import labkit

    with labkit.connect("mock") as the_lab:
        yield the_lab
