"""Small helpers several test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from labkit.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """`labkit ARGV` in this process: its exit code (argparse usage errors included), stdout and stderr."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # argparse usage errors
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def stop_process_group(proc: subprocess.Popen[str], sig: int = signal.SIGINT, timeout: float = 15) -> None:
    """Stop a process started with start_new_session=True: `sig` to its group, then SIGKILL if it lingers."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=timeout)


ROOT = Path(__file__).resolve().parent.parent
AWS_CLI = Path(sys.executable).parent / "aws"  # the AWS CLI the test extra installs


def cli_environment(folder: Path) -> dict[str, str]:
    """The environment a learner's JupyterLab terminal gives the AWS CLI and `labkit server`: fake credentials,
    no AWS config or metadata service, labkit's state in `folder`, this checkout's labkit."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1",
               AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE=str(folder / "none-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(folder / "none-credentials"), AWS_PAGER="",
               LABKIT_STATE_DIR=str(folder), PYTHONPATH=str(ROOT))
    return env


@contextmanager
def local_server(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`labkit server --port 0` in its own process group: its URL and process; stopped with Ctrl-C (SIGINT)."""
    proc = subprocess.Popen([sys.executable, "-m", "labkit.cli", "server", "--port", "0"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert proc.stdout is not None
        url = next((m.group(0) for line in proc.stdout if (m := re.search(r"http://127\.0\.0\.1:\d+", line))), None)
        assert url, proc.stderr.read() if proc.stderr else "no output"
        yield url, proc
    finally:
        stop_process_group(proc, signal.SIGINT, timeout=20)


def aws_cli(env: dict[str, str], url: str, *argv: str) -> subprocess.CompletedProcess[str]:
    """The AWS CLI against `url`, JSON output, as a learner types it."""
    return subprocess.run([str(AWS_CLI), "--endpoint-url", url, "--output", "json", *argv], env=env,
                          capture_output=True, text=True, timeout=120)


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie (Linux's /proc)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False
