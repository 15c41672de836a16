"""Fixtures of the browser test: one headless Chromium and one JupyterLab server for the whole session.

Without Debian's chromium every browser test is skipped from the `browser` fixture, so pytest's summary shows
one line saying how to enable it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser_harness import REPO, SKIP_LINE, LabServer, chromium, chromium_path, lab_server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright; skips the browser test loudly when it is missing."""
    if chromium_path() is None:
        pytest.skip(SKIP_LINE)
    with chromium() as b:
        yield b


@pytest.fixture(scope="session")
def course_server(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab serving this repository on 127.0.0.1 with a random token and isolated Jupyter dirs."""
    with lab_server(REPO, tmp_path_factory.mktemp("jupyterlab")) as server:
        yield server
