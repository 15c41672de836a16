"""`labkit server`: loopback only, what it prints, a port in use, a port that is not one, Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from labkit.cli import server as cli_server
from tests.helpers import run_cli as run

ROOT = Path(__file__).resolve().parent.parent


def _listening_addresses(port: int) -> set[str]:
    """Local addresses listening on `port`, from /proc/net/tcp (hex IPv4, little-endian)."""
    found = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        local, state = line.split()[1], line.split()[3]
        address, hex_port = local.split(":")
        if int(hex_port, 16) == port and state == "0A":  # LISTEN
            found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads listening sockets from Linux's /proc")
def test_server_listens_on_loopback_only_refuses_a_taken_port_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LABKIT_STATE_DIR": str(tmp_path)}
    first = subprocess.Popen([sys.executable, "-m", "labkit.cli", "server", "--port", "0"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert first.stdout is not None
        banner = [first.stdout.readline() for _ in range(cli_server.server_banner("x").count("\n") + 1)]
        url = re.search(r"http://127\.0\.0\.1:(\d+)", banner[0])
        assert url, banner
        port = int(url.group(1))
        assert "".join(banner).rstrip("\n") == cli_server.server_banner(url.group(0))
        assert _listening_addresses(port) == {"127.0.0.1"}

        second = subprocess.run([sys.executable, "-m", "labkit.cli", "server", "--port", str(port)], cwd=ROOT,
                                env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "Traceback" not in second.stderr
        assert f"port {port} on 127.0.0.1 is already in use" in second.stderr
        free = int(re.search(r"labkit server --port (\d+)", second.stderr).group(1))  # type: ignore[union-attr]
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", free))  # the port it proposes is free
    finally:
        os.killpg(first.pid, signal.SIGINT)
        out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert "Traceback" not in err and out.rstrip().endswith("labkit server: stopped.")


def test_server_banner_gives_the_cli_settings_and_how_to_share_a_lab() -> None:
    text = cli_server.server_banner("http://127.0.0.1:5055")
    assert "export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_DEFAULT_REGION=us-east-1" in text
    assert "aws --endpoint-url http://127.0.0.1:5055 ecs list-clusters" in text
    assert 'labkit.connect(mode="local", endpoint_url="http://127.0.0.1:5055", shared_account=True)' in text


def test_server_refuses_a_port_that_is_not_one(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "server", "--port", "70000")
    assert code == 2 and "is not a port" in err
