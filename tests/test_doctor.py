"""labkit.doctor(): versions, Graphviz, mode and credentials, each with its fix; never prints secrets."""

from __future__ import annotations

import importlib

import labkit

# `labkit.doctor` is the function; the module is reached through importlib.
doctor_mod = importlib.import_module("labkit.lab.doctor")


def by_name(report):
    return {c.name: c for c in report.checks}


def test_reports_versions_of_the_course_packages():
    checks = by_name(labkit.doctor())
    for name in ("Python", "labkit", "boto3", "moto", "JupyterLab", "ipywidgets"):
        assert checks[name].ok and checks[name].found[0].isdigit()


def test_missing_dot_is_reported_with_the_install_command(monkeypatch):
    monkeypatch.setattr(doctor_mod.shutil, "which", lambda name: None)
    report = labkit.doctor()
    dot = by_name(report)["Graphviz dot"]
    assert not dot.ok and "apt-get install graphviz" in dot.fix
    assert not report.ok and "apt-get install graphviz" in str(report)


def test_mode_defaults_to_mock_and_rejects_unknown(monkeypatch):
    monkeypatch.delenv("LABKIT_MODE", raising=False)
    assert by_name(labkit.doctor())["mode"].found.startswith("mock")
    monkeypatch.setenv("LABKIT_MODE", "prod")
    mode = by_name(labkit.doctor())["mode"]
    assert not mode.ok and "mock" in mode.fix


def test_credentials_are_detected_but_never_printed(monkeypatch, tmp_path):
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzzzEXAMPLEKEY"
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEONLYXXXXX")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", secret)
    report = labkit.doctor()
    creds = by_name(report)["AWS credentials"]
    assert creds.found.startswith("visible")
    assert secret not in str(report) and "AKIDEXAMPLE" not in str(report) + report._repr_html_()


def test_no_credentials_is_fine_for_mock_mode(monkeypatch, tmp_path):
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    creds = by_name(labkit.doctor())["AWS credentials"]
    assert creds.ok and creds.found.startswith("none")


def test_wrong_moto_version_is_said_plainly(monkeypatch):
    from labkit.mock import versions

    monkeypatch.setattr(versions.metadata, "version", lambda dist: "9.9.9" if dist == "moto" else "1.0")
    assert "moto 9.9.9 is installed" in versions.moto_mismatch()
    monkeypatch.setattr(doctor_mod.metadata, "version", lambda dist: "9.9.9" if dist == "moto" else "1.0")
    row = by_name(labkit.doctor())["moto version"]
    assert not row.ok and "pip install moto==" in row.fix


def test_kernel_preload_is_reported_with_how_to_turn_it_on(monkeypatch):
    preload = importlib.import_module("labkit.lab.preload")
    monkeypatch.setattr(preload, "installed", lambda: True)
    assert by_name(labkit.doctor())["kernel preload"].found.startswith("on")
    monkeypatch.setattr(preload, "installed", lambda: False)
    row = by_name(labkit.doctor())["kernel preload"]
    assert row.found.startswith("off") and "labkit preload" in row.fix and row.ok
