"""`labkit doctor`: what this machine has, what mode labkit is in, and how to fix what is missing."""

from __future__ import annotations

import html
import platform
import shutil
from dataclasses import dataclass
from importlib import metadata

from labkit.lab import preload
from labkit.lab.connect import MODE_ENV, MODES, current_mode
from labkit.mock import versions
from labkit.model.text import ShownAsText

GRAPHVIZ_FIX = (
    "install Graphviz: sudo apt-get install graphviz (macOS: brew install graphviz; conda: conda install graphviz)"
)


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report: what was looked at, what was found, and the fix if it is a problem."""

    name: str
    found: str
    ok: bool
    fix: str = ""


@dataclass(frozen=True, repr=False)
class Report(ShownAsText):
    """The doctor's findings; `ok` is true when nothing needs fixing."""

    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def __str__(self) -> str:
        width = max(len(c.name) for c in self.checks)
        lines = []
        for c in self.checks:
            mark = "ok " if c.ok else "FIX"
            lines.append(f"[{mark}] {c.name.ljust(width)}  {c.found}")
            if c.fix:
                lines.append(f"      {' ' * width}  -> {c.fix}")
        lines.append("All good: the course is ready." if self.ok else "Some items need attention (see -> lines).")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{'✓' if c.ok else '⚠'}</td><td>{html.escape(c.name)}</td>"
            f"<td>{html.escape(c.found)}</td><td>{html.escape(c.fix)}</td></tr>"
            for c in self.checks
        )
        return f"<table><tr><th></th><th>item</th><th>found</th><th>fix</th></tr>{rows}</table>"


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _package_check(label: str, dist: str) -> Check:
    version = _version(dist)
    if version is None:
        return Check(label, "not installed", False, "run `make setup` in the course folder")
    return Check(label, version, True)


def credentials_visible() -> str | None:
    """Where AWS credentials would come from, without reading or printing them; None when there are none.

    Only local sources are consulted (environment, shared files, SSO/process config): the instance
    and container metadata providers are removed so that the check never touches the network.
    """
    import botocore.session

    session = botocore.session.Session()
    resolver = session.get_component("credential_provider")
    for name in ("iam-role", "container-role"):
        try:
            resolver.remove(name)
        except Exception:  # noqa: BLE001 - provider names differ across botocore versions
            pass
    try:
        creds = resolver.load_credentials()
    except Exception:  # noqa: BLE001 - a broken profile is reported, not raised
        return None
    return getattr(creds, "method", "found") if creds else None


def doctor() -> Report:
    """Check Python, the course's packages, Graphviz, the mode and AWS credentials; each with its fix."""
    checks = []
    py = platform.python_version()
    py_ok = tuple(int(p) for p in py.split(".")[:2]) >= (3, 10)
    checks.append(Check("Python", py, py_ok, "" if py_ok else "install Python 3.10 or newer"))
    checks.append(_package_check("labkit", "fargate-lab-kit"))
    for label, dist in (("boto3", "boto3"), ("moto", "moto"), ("JupyterLab", "jupyterlab"),
                        ("ipywidgets", "ipywidgets"), ("nbval", "nbval"), ("graphviz (Python)", "graphviz")):
        checks.append(_package_check(label, dist))
    pinned = versions.moto_mismatch()
    if pinned:
        checks.append(Check("moto version", pinned, False, versions.MOTO_FIX))
    dot = shutil.which("dot")
    checks.append(Check("Graphviz dot", "found" if dot else "not found", bool(dot),
                        "" if dot else f"diagrams fall back to shipped pictures; to draw live ones, {GRAPHVIZ_FIX}"))
    mode = current_mode()
    mode_ok = mode in MODES
    checks.append(Check("mode", mode + (" (offline, the default)" if mode == "mock" else ""), mode_ok,
                        "" if mode_ok else f"set {MODE_ENV} to one of {', '.join(MODES)} (or unset it for mock)"))
    if preload.installed():
        how = "forked from a warm template" if preload.forked() else "each kernel loads it as it starts"
        checks.append(Check("kernel preload", f"on ({how})", True))
    else:
        checks.append(Check("kernel preload", "off (each lesson's first cell waits for the mock to load)", True,
                            "run `make setup`, or `labkit preload` in this environment"))
    source = credentials_visible()
    if source:
        checks.append(Check("AWS credentials", f"visible (from {source}); not needed in mock mode", True))
    else:
        checks.append(Check("AWS credentials", "none (fine: mock and local modes need none)", True,
                            "only for real mode: run `aws configure` or set AWS_PROFILE"))
    return Report(tuple(checks))
