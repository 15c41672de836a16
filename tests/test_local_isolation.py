"""Local mode on a machine a class shares: a labkit server answers only the user who started it, and each learner's
`connect("local")` finds that learner's own server (its state file lives in the learner's home, readable by them
alone). The hub test (`make test-hub`) shows the same with learners on a JupyterHub."""

from __future__ import annotations

import json
import os
import pwd
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

import labkit
from labkit.lab import local
from labkit.mock import peers, server

KEYS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}


@pytest.fixture
def running() -> Iterator[server.ServerHandle]:
    handle = server.start_server(0)
    yield handle
    handle.stop()


@pytest.fixture
def someone_else(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every connection from now on looks as if another user of the machine made it."""
    monkeypatch.setattr(peers, "same_user", lambda client, srv, table=peers.TCP_TABLE: False)


def _connection() -> Iterator[tuple[tuple[str, int], tuple[str, int]]]:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        with socket.create_connection(listener.getsockname()) as client:
            accepted, address = listener.accept()
            with accepted:
                yield address, listener.getsockname()
                assert client.fileno() >= 0


@pytest.mark.skipif(not peers.TCP_TABLE.exists(), reason="reads Linux's table of TCP sockets")
def test_the_owner_of_a_loopback_connection_is_read_from_the_kernel() -> None:
    for client, srv in _connection():
        assert peers.peer_uid(client, srv) == peers.table_uid(client, srv) == os.geteuid()
        assert peers.same_user(client, srv)
        with pytest.raises(LookupError):
            peers.peer_uid(("127.0.0.1", 1), srv)  # no such connection
        assert not peers.same_user(("127.0.0.1", 1), srv)  # unknown is refused


@pytest.mark.skipif(not peers.TCP_TABLE.exists(), reason="asks Linux's socket diagnostics")
def test_netlink_finds_the_one_connection_asked_for() -> None:
    for client, srv in _connection():
        try:
            uid = peers.netlink_uid(client, srv)
        except OSError as err:
            pytest.skip(f"no socket diagnostics here ({err}); the table answers instead")
        assert uid == os.geteuid()
        with pytest.raises(OSError):
            peers.netlink_uid(("127.0.0.1", 1), srv)


def test_the_table_is_read_as_the_kernel_writes_it(tmp_path: Path) -> None:
    table = tmp_path / "tcp"
    table.write_text(
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 0100007F:13BF 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 1 1\n"
        "   1: 0100007F:D2F4 0100007F:13BF 01 00000000:00000000 00:00000000 00000000  1234        0 2 1\n")
    if sys.byteorder != "little":
        pytest.skip("the addresses above are as a little-endian kernel prints them")
    assert peers.peer_uid(("127.0.0.1", 0xD2F4), ("127.0.0.1", 0x13BF), table) == 1234
    assert peers.same_user(("127.0.0.1", 0xD2F4), ("127.0.0.1", 0x13BF), table) == (os.geteuid() == 1234)
    assert peers.peer_uid(("127.0.0.1", 1), ("127.0.0.1", 2), tmp_path / "missing") is None  # not Linux: unknown
    assert peers.same_user(("127.0.0.1", 1), ("127.0.0.1", 2), tmp_path / "missing")


def test_another_users_aws_calls_get_access_denied_in_each_protocol(running, someone_else) -> None:
    url = running.url
    calls = {"ecs": lambda c: c.list_clusters(), "ec2": lambda c: c.describe_vpcs(),
             "iam": lambda c: c.list_roles(), "eks": lambda c: c.list_clusters()}
    codes = {}
    for name, call in calls.items():
        client = boto3.client(name, endpoint_url=url, **KEYS)
        with pytest.raises(ClientError) as caught:
            call(client)
        error = caught.value.response["Error"]
        assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert "belongs to another user of this machine" in error["Message"], (name, error)
        codes[name] = error["Code"]
    assert codes == {"ecs": "AccessDeniedException", "ec2": "AuthFailure", "iam": "AccessDenied",
                     "eks": "AccessDeniedException"}


def test_another_user_cannot_reach_a_lab_through_the_control_api_or_connect(running, someone_else) -> None:
    with pytest.raises(local.NotYourServer, match="answers only the user who started it"):
        local.HttpControl(running.url).allocate(shared=True)
    assert not local.HttpControl(running.url).ping()
    with pytest.raises(local.NotYourServer, match=r"labkit.connect\('local'\) in a notebook starts one"):
        labkit.connect("local", endpoint_url=running.url)


def test_the_owner_is_answered(running) -> None:
    lab = labkit.connect("local", endpoint_url=running.url)
    try:
        lab.client("ecs").create_cluster(clusterName="mine")
        assert [a.rsplit("/", 1)[1] for a in lab.client("ecs").list_clusters()["clusterArns"]] == ["mine"]
    finally:
        lab.teardown()


def _home(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Act as a learner whose home is `home` (as a hub's spawner sets it), with nothing else pointing elsewhere."""
    for name in (server.STATE_DIR_ENV, "XDG_CACHE_HOME", local.ENDPOINT_ENV):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))


def test_each_learner_finds_their_own_server_through_a_state_file_only_they_can_read(
        running, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    _home(monkeypatch, alice)
    server._write_state(running.url)
    state = server.state_file()
    assert state.is_relative_to(alice)
    assert stat.S_IMODE(state.stat().st_mode) == 0o600 and stat.S_IMODE(state.parent.stat().st_mode) == 0o700
    assert local.find_endpoint() == running.url

    _home(monkeypatch, bob)
    assert server.read_state() is None  # alice's file is in alice's home
    assert local.find_endpoint() != running.url  # bob gets a server of his own in his kernel


def test_a_state_file_left_readable_by_an_older_labkit_is_made_private(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(server.STATE_DIR_ENV, str(tmp_path))
    server.state_file().write_text("{}")
    server.state_file().chmod(0o644)
    server._write_state("http://127.0.0.1:1")
    assert stat.S_IMODE(server.state_file().stat().st_mode) == 0o600
    assert json.loads(server.state_file().read_text())["url"] == "http://127.0.0.1:1"


OTHER_USER = """
import json, sys, urllib.error, urllib.request
url = sys.argv[1]
try:
    urllib.request.urlopen(urllib.request.Request(url + "/labkit/v1/accounts", data=b'{"shared": true}'))
    print("answered")
except urllib.error.HTTPError as err:
    print(err.code, json.loads(err.read())["error"]["type"])
"""


def _python_anyone_can_run() -> str | None:
    """A Python interpreter every user may run (the test's own may live in a home only its owner can enter)."""
    for candidate in (sys.executable, "/usr/bin/python3"):
        path = Path(candidate).resolve()
        if path.exists() and all(p.stat().st_mode & stat.S_IXOTH for p in (path, *path.parents)):
            return str(path)
    return None


@pytest.mark.skipif(os.geteuid() != 0, reason="running a client as another user needs root")
def test_a_real_other_user_is_refused_and_the_owner_is_not(running) -> None:
    nobody, python = pwd.getpwnam("nobody"), _python_anyone_can_run()
    if python is None:
        pytest.skip("no Python interpreter that another user may run")
    done = subprocess.run([python, "-I", "-c", OTHER_USER, running.url], capture_output=True, text=True,
                          timeout=60, user=nobody.pw_uid, group=nobody.pw_gid, extra_groups=[], cwd="/")
    assert done.stdout.split() == ["403", "AccessDenied"], done.stderr
    assert local.HttpControl(running.url).ping()
