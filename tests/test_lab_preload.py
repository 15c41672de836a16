"""Kernels load the mock as they start (labkit.lab.preload): only in mock mode, never breaking a kernel's start."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from labkit import mock
from labkit.cli import main
from labkit.lab import preload
from labkit.mock import versions

PROBE = "import sys; print(sorted(m for m in ('moto', 'labkit.mock.ecs.rules') if m in sys.modules))"
LOADED = "['labkit.mock.ecs.rules', 'moto']"
ROOT = Path(__file__).resolve().parents[1]


def _run_cells(mode: str, *cells: str, extra: tuple[str, ...] = (), **env: str) -> list[dict]:
    """Each cell's reply content, with its printed text as "out", from a fresh kernel of this environment."""
    from jupyter_client.manager import start_new_kernel

    env = {**os.environ, "LABKIT_MODE": mode, "PYDEVD_DISABLE_FILE_VALIDATION": "1", **env}
    km, kc = start_new_kernel(kernel_name="python3", env=env, extra_arguments=list(extra), startup_timeout=60)
    replies = []
    try:
        for cell in cells:
            out: list[str] = []
            reply = kc.execute_interactive(
                cell, timeout=60, output_hook=lambda m, out=out: out.append(m["content"].get("text", "")))
            replies.append({**reply["content"], "out": "".join(out).strip()})
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    return replies


def _first_cell_output(mode: str, *extra: str) -> str:
    """What a fresh kernel prints for PROBE as its first cell, in the given mode."""
    (reply,) = _run_cells(mode, PROBE, extra=extra)
    assert reply["status"] == "ok"
    return reply["out"]


# --- what a kernel does ------------------------------------------------------------------------------------

def test_this_environment_is_set_up_to_preload():
    assert preload.installed(), "make setup runs `labkit preload`; run it again"
    assert preload.config_path().parent == Path(sys.prefix, "etc", "ipython")


@pytest.mark.slow
def test_a_mock_kernel_has_the_layer_before_its_first_cell():
    assert _first_cell_output("mock") == LOADED


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["real", "local"])
def test_real_and_local_kernels_never_load_moto(mode):
    assert _first_cell_output(mode) == "[]"


@pytest.mark.slow
def test_a_kernel_started_with_the_extension_alone_preloads_too():
    # the extension itself, whatever the config file says (as a kernelspec or a hub could ask for it)
    assert _first_cell_output("mock", "--InteractiveShellApp.extensions=['labkit.lab.preload']") == LOADED


@pytest.mark.slow
def test_a_broken_moto_still_gives_a_kernel_and_the_lab_cell_shows_why(tmp_path):
    (tmp_path / "moto").mkdir()
    (tmp_path / "moto" / "__init__.py").write_text("raise ImportError('this moto is broken')\n")
    probe, connect = _run_cells("mock", PROBE, "import labkit; labkit.connect()", PYTHONPATH=str(tmp_path))
    assert probe["status"] == "ok" and probe["out"] == "[]"
    assert connect["status"] == "error" and connect["evalue"] == "this moto is broken"


def test_the_extension_swallows_errors_so_the_kernel_starts(monkeypatch):
    calls = []

    def broken() -> None:
        calls.append(1)
        raise ImportError("moto is broken")

    monkeypatch.setenv("LABKIT_MODE", "mock")
    monkeypatch.setattr(mock, "prepare", broken)
    preload.load_ipython_extension(None)  # must not raise
    assert calls == [1]


def test_other_modes_do_not_touch_the_layer(monkeypatch):
    monkeypatch.setattr(mock, "prepare", lambda: pytest.fail("prepare() ran outside mock mode"))
    for mode in ("real", "local"):
        monkeypatch.setenv("LABKIT_MODE", mode)
        preload.load_ipython_extension(None)


def test_the_moto_warning_waits_for_the_lab_cell(monkeypatch):
    """prepare() (kernel start) says nothing; the first apply() (connect, in a cell) warns, once."""
    monkeypatch.setattr(versions, "moto_mismatch", lambda: "moto 9.9 is installed, but labkit wants 5.2.5")
    mock._warn_once.cache_clear()
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            mock.prepare()  # (loading moto the first time in a process may warn of other things)
            assert not [w for w in seen if "moto 9.9" in str(w.message)]
            mock.apply()
            mock.apply()
        assert [str(w.message)[:10] for w in seen if "moto 9.9" in str(w.message)] == ["moto 9.9 i"]
    finally:
        mock._warn_once.cache_clear()


# --- setting it up -------------------------------------------------------------------------------------------

def test_install_writes_one_block_and_is_idempotent(tmp_path):
    path = preload.install(tmp_path)
    assert path == tmp_path / "etc" / "ipython" / "ipython_kernel_config.py"
    preload.install(tmp_path)
    text = path.read_text()
    assert text.count(preload.BEGIN) == 1 and "extensions.append('labkit.lab.preload')" in text
    assert preload.installed(tmp_path)
    assert preload.remove(tmp_path) == path and not path.exists() and not preload.installed(tmp_path)
    assert preload.remove(tmp_path) is None


def test_install_and_remove_keep_what_else_the_file_says(tmp_path):
    path = preload.config_path(tmp_path)
    path.parent.mkdir(parents=True)
    mine = "c = get_config()\nc.IPKernelApp.matplotlib = 'inline'"
    path.write_text(mine)
    preload.install(tmp_path)
    assert path.read_text().startswith(mine + "\n") and preload.installed(tmp_path)
    preload.remove(tmp_path)
    assert path.read_text() == mine + "\n"


def test_the_written_file_configures_the_kernel_as_ipython_reads_it(tmp_path):
    from traitlets.config import Config

    config = Config()
    code = preload.install(tmp_path).read_text()
    exec(compile(code, "ipython_kernel_config.py", "exec"), {"get_config": lambda: config})
    assert config.InteractiveShellApp.extensions.get_value([]) == ["labkit.lab.preload"]


def test_the_command_installs_and_removes(tmp_path, capsys):
    assert main(["preload", "--prefix", str(tmp_path)]) == 0
    assert "kernels preload the mock" in capsys.readouterr().out and preload.installed(tmp_path)
    assert main(["preload", "--remove", "--prefix", str(tmp_path)]) == 0
    assert "no longer preload" in capsys.readouterr().out and not preload.installed(tmp_path)
    assert main(["preload", "--remove", "--prefix", str(tmp_path)]) == 0
    assert "did not preload" in capsys.readouterr().out


def test_make_setup_writes_the_config_when_it_is_missing_or_preload_changed():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for pretend in (["-W", "labkit/lab/preload.py"], ["-B"]):
        dry = subprocess.run(["make", "-n", *pretend, "setup"], cwd=ROOT, capture_output=True, text=True, check=True)
        assert any(line.strip().endswith("bin/labkit preload") for line in dry.stdout.splitlines()), dry.stdout


def test_a_folder_it_cannot_write_is_a_clear_error_not_a_traceback(tmp_path, capsys):
    (tmp_path / "etc").write_text("a file where the folder should be")
    assert main(["preload", "--prefix", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("labkit preload: could not write ") and "--prefix" in err and "Traceback" not in err


def test_install_names_the_provisioner_in_the_kernelspec_and_remove_takes_only_that_out(tmp_path):
    spec = preload.kernelspec_path(tmp_path)
    spec.parent.mkdir(parents=True)
    original = {"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "Python 3 (ipykernel)", "language": "python", "metadata": {"debugger": True}}
    spec.write_text(json.dumps(original))
    assert not preload.forked(tmp_path)
    preload.install(tmp_path)
    installed = json.loads(spec.read_text())
    assert preload.forked(tmp_path) and installed["argv"] == original["argv"]
    assert installed["metadata"] == {"debugger": True, "kernel_provisioner": {"provisioner_name": "labkit-warm",
                                                                              "config": {}}}
    preload.remove(tmp_path)
    assert json.loads(spec.read_text()) == original and not preload.forked(tmp_path)


def test_an_environment_without_the_kernelspec_gets_the_config_alone(tmp_path):
    preload.install(tmp_path)
    assert preload.installed(tmp_path) and not preload.forked(tmp_path)
    assert not preload.kernelspec_path(tmp_path).exists()
