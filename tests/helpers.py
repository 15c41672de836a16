"""Small helpers several test modules share (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import signal
import subprocess

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
