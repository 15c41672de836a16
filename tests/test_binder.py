"""Binder builds the course from environment.yml and installs labkit from the repository copy."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dockerfile() -> str:
    r2d = shutil.which("repo2docker") or str(Path(sys.executable).with_name("repo2docker"))
    if not Path(r2d).exists():
        pytest.fail("repo2docker is missing: it is in the test extra (make setup installs it)")
    done = subprocess.run([r2d, "--no-build", "--debug", str(ROOT)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout + done.stderr


def test_repo2docker_builds_from_environment_yml(dockerfile):
    assert 'env update -p ${NB_PYTHON_PREFIX} --file "environment.yml"' in dockerfile


def test_repository_is_copied_before_the_environment_so_pip_dash_e_dot_finds_labkit(dockerfile):
    copy = dockerfile.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    update = dockerfile.index('--file "environment.yml"')
    assert copy < update


def test_post_build_sets_up_preloading_kernels_after_the_environment(dockerfile):
    # pip's editable install cannot place the kernel config file; repo2docker runs postBuild after environment.yml
    assert dockerfile.index('--file "environment.yml"') < dockerfile.index("RUN ./postBuild")
    script = (ROOT / "postBuild").read_text()
    assert "\nlabkit preload\n" in script and script.startswith("#!/usr/bin/env bash\n")
    assert (ROOT / "postBuild").stat().st_mode & 0o111
