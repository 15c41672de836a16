"""Fixtures of the browser test: one headless Chromium and one JupyterLab server for the whole session.

Without Debian's chromium the browser test is skipped with one line in pytest's summary saying how to enable
it: one test carries the skip, the other tests that need the browser are deselected (counted in the summary).
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from typing import Any

import pytest
from browser_harness import REPO, SKIP_LINE, LabPage, LabServer, chromium, chromium_path, lab_server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_path() is not None:
        return
    needing = [item for item in items if "browser" in getattr(item, "fixturenames", ())]
    if not needing:
        return
    needing[0].add_marker(pytest.mark.skip(reason=SKIP_LINE))
    rest = set(needing[1:])
    config.hook.pytest_deselected(items=list(rest))
    items[:] = [item for item in items if item not in rest]


def _interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright; skips the browser test loudly when it is missing.

    SIGTERM (a CI job's timeout) becomes KeyboardInterrupt while it runs, so the fixtures' cleanup stops the
    browser, the servers and their kernels instead of leaving them behind.
    """
    if chromium_path() is None:
        pytest.skip(SKIP_LINE)
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread: leave signals alone
        previous = None
    try:
        with chromium() as b:
            yield b
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


@pytest.fixture(scope="session")
def course_server(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab serving this repository on 127.0.0.1 with a random token and isolated Jupyter dirs."""
    with lab_server(REPO, tmp_path_factory.mktemp("jupyterlab")) as server:
        yield server


@pytest.fixture(scope="session")
def course_lab(browser: Any, course_server: LabServer) -> Iterator[LabPage]:
    """One JupyterLab page in which the lessons are opened one after another."""
    lab = LabPage(browser, course_server)
    try:
        yield lab
    finally:
        lab.close()
