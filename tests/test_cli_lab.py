"""`labkit lab`: labkit's Jupyter settings, and the user's own value winning over each of them in every spelling
Jupyter takes (the server itself is started in test_make_lab.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from labkit.cli import lab as cli_lab
from labkit.cli import main
from labkit.data import course_root

ROOT = course_root()
NOTEBOOK = str(ROOT / cli_lab.FIRST_NOTEBOOK)
IP, ROOT_DIR = "--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={ROOT}"


def ours(options: list[str], as_root: bool = False) -> list[str]:
    """What labkit adds before the user's options (which always come last, unchanged)."""
    argv = cli_lab.jupyter_argv(options, ROOT, as_root)
    assert argv[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert argv[len(argv) - len(options):] == options
    return argv[4:len(argv) - len(options)]


def test_by_default_labkit_opens_the_first_notebook_on_loopback_in_the_course_folder() -> None:
    assert ours([]) == [NOTEBOOK, IP, ROOT_DIR]
    assert ours([], as_root=True) == [NOTEBOOK, IP, ROOT_DIR, "--allow-root"]
    assert ours(["--no-browser", "--ServerApp.token=abc", "--ServerApp.port", "8899"]) == [NOTEBOOK, IP, ROOT_DIR]


@pytest.mark.parametrize("options", [
    ["--ServerApp.ip=0.0.0.0"], ["--ServerApp.ip", "0.0.0.0"], ["--ip=0.0.0.0"], ["--ip", "0.0.0.0"],
    ["-ServerApp.ip=0.0.0.0"], ["--no-browser", "--ServerApp.ip", "0.0.0.0", "--ServerApp.port=8899"],
])
def test_the_users_ip_wins_in_any_spelling(options: list[str]) -> None:
    assert ours(options) == [NOTEBOOK, ROOT_DIR]


@pytest.mark.parametrize("options", [["--ServerApp.allow_root=False"], ["--allow-root"]])
def test_the_users_allow_root_wins(options: list[str]) -> None:
    assert ours(options, as_root=True) == [NOTEBOOK, IP, ROOT_DIR]


def test_the_users_root_folder_wins_and_the_first_notebook_opens_only_if_it_is_inside(tmp_path: Path) -> None:
    assert ours([f"--ServerApp.root_dir={tmp_path}"]) == [IP]  # Jupyter refuses a notebook outside its root
    assert ours(["--notebook-dir", str(tmp_path)]) == [IP]
    assert ours([f"--notebook-dir={ROOT.parent}"]) == [NOTEBOOK, IP]


def test_the_users_notebook_wins(tmp_path: Path) -> None:
    inside = str(ROOT / "notebooks" / "04_pricing.ipynb")
    assert ours([inside]) == [IP, ROOT_DIR]
    assert ours(["--ServerApp.ip", "0.0.0.0", inside]) == [ROOT_DIR]  # 0.0.0.0 is the ip's value, not a path
    assert ours([str(tmp_path / "mine.ipynb")]) == [IP]  # outside the course: Jupyter's root is its folder
    assert ours([f"--ServerApp.file_to_run={inside}"]) == [IP, ROOT_DIR]
    assert ours(["--", inside]) == [IP, ROOT_DIR]


def test_user_settings_reads_every_spelling() -> None:
    settings, paths = cli_lab.user_settings(
        ["--ip", "0.0.0.0", "--ServerApp.port=1", "--no-browser", "--debug", "--LabApp.x", "y", "a.ipynb"])
    assert settings == {"ServerApp.ip": "0.0.0.0", "ServerApp.port": "1", "ServerApp.open_browser": None,
                        "ExtensionApp.open_browser": None, "LabApp.x": "y"}
    assert paths == ["a.ipynb"]


def test_the_spellings_labkit_knows_are_jupyters() -> None:
    serverapp = pytest.importorskip("jupyter_server.serverapp")
    labapp = pytest.importorskip("jupyterlab.labapp")
    aliases = {**serverapp.aliases, **labapp.LabApp.aliases}
    assert {k: v for k, v in aliases.items() if k not in labapp.LabApp.flags} == {
        k: v for k, v in cli_lab.ALIASES.items()}
    for flag, settings in cli_lab.FLAGS.items():
        config = serverapp.flags[flag][0]
        assert settings == {f"{section}.{name}" for section, values in config.items() for name in values}


@pytest.mark.parametrize("options", [["--ServerApp.ip=0.0.0.0"], ["--ip", "0.0.0.0"], [],
                                     ["--ServerApp.root_dir", str(ROOT.parent)]])
def test_jupyter_accepts_the_command_line_and_takes_the_users_value(options: list[str]) -> None:
    """Jupyter's own parser: before the fix it refused `ip only accepts one value` and exited."""
    serverapp = pytest.importorskip("jupyter_server.serverapp")
    app = serverapp.ServerApp()
    app.parse_command_line(cli_lab.jupyter_argv(options, ROOT)[4:])
    assert app.ip == ("0.0.0.0" if "0.0.0.0" in str(options) else "127.0.0.1")
    assert Path(app.root_dir) == (ROOT.parent if "--ServerApp.root_dir" in options else ROOT)
    assert app.file_to_run == NOTEBOOK


def test_labkit_lab_hands_unknown_options_on_and_other_commands_refuse_them(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[list[str]] = []
    monkeypatch.setattr(cli_lab.os, "execv", lambda path, argv: seen.append(argv))
    monkeypatch.setenv("LABKIT_MODE", "mock")
    assert main(["lab", "--ip", "0.0.0.0", "--no-browser"]) == 0
    assert seen[0][-3:] == ["--ip", "0.0.0.0", "--no-browser"] and IP not in seen[0]
    with pytest.raises(SystemExit) as exit_info:
        main(["doctor", "--ip", "0.0.0.0"])
    assert exit_info.value.code == 2 and "unrecognized arguments: --ip 0.0.0.0" in capsys.readouterr().err


def test_lab_refuses_clearly_when_the_course_folder_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli_lab, "course_root", lambda: tmp_path)
    assert main(["lab", "--no-browser"]) == 1
    assert "00_start_here.ipynb not found" in capsys.readouterr().err
