"""JupyterHub on one machine for a class of Fargate Lab Kit: a workshop, a lab room's server.

Learners are the machine's users, in one Unix group, and log in with their own passwords (PAM); each gets a
Jupyter server running as themselves, in their own home, which nbgitpuller fills with the course on first login
and updates (keeping their edits) on the next ones. Idle servers are stopped after an hour.

Run it as root, from the course's virtual environment, in a folder every learner can read (for example the
repository cloned into /opt/fargate-lab-kit and `make setup` plus `.venv/bin/pip install -e '.[hub]'` there):

    sudo LABKIT_COURSE_REPO=https://github.com/OWNER/fargate-lab-kit .venv/bin/jupyterhub \
        -f deploy/hub/jupyterhub_config.py

Settings read from the environment: LABKIT_COURSE_REPO and LABKIT_COURSE_BRANCH (the course learners pull),
LABKIT_HUB_GROUP (the Unix group of learners, default `learners`), LABKIT_HUB_ADMINS (comma-separated user
names of instructors). The hub listens on port 8000 of every interface: put it behind HTTPS (a reverse proxy,
or JupyterHub.ssl_cert/ssl_key) before learners type passwords into it. `make test-hub` runs this file with
the dummy authenticator and the simple spawner (see tools/hubtest/hub.py).
"""

import os
import sys
from pathlib import Path

from labkit.course.classroom import pull_path

c = get_config()  # noqa: F821 - JupyterHub's config loader provides get_config

COURSE_REPO = os.environ.get("LABKIT_COURSE_REPO", "https://github.com/OWNER/fargate-lab-kit")
COURSE_BRANCH = os.environ.get("LABKIT_COURSE_BRANCH", "main")

# --- who may log in: the machine's users in one group (PAM checks passwords) ---------------------------------
c.JupyterHub.authenticator_class = "pam"
c.LocalAuthenticator.allowed_groups = {os.environ.get("LABKIT_HUB_GROUP", "learners")}
c.Authenticator.admin_users = {name for name in os.environ.get("LABKIT_HUB_ADMINS", "").split(",") if name}

# --- each learner's server: runs as that user, in their home, opening lesson 00 after pulling the course ------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [str(Path(sys.executable).with_name("jupyterhub-singleuser"))]  # this environment's
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = pull_path(COURSE_REPO, branch=COURSE_BRANCH)  # what `labkit class-link` links to
# Kernels start fresh (LABKIT_FORK_KERNELS=0): a warm template to fork them from costs each learner about 80 MiB
# more (PSS, one lesson open: make test-hub, 345 against 265 MiB), and memory is what a class runs out of.
c.Spawner.environment = {"LABKIT_MODE": "mock", "LABKIT_FORK_KERNELS": "0"}
# A class logs in at once: on 2 cores, 16 servers started together took up to 39 s to answer (make test-hub
# LEARNERS=16), past JupyterHub's default of 30 s. Starting one costs about 4.6 s of CPU.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120

# Per learner, sized from `make test-hub` (README, "Run a class"): ~310 MiB with lesson 00 open (server ~146 MiB,
# kernel ~161 MiB), plus a kernel for every other lesson left open. The local process spawner does NOT enforce
# these: it only hands them to the server as MEM_LIMIT, CPU_LIMIT, MEM_GUARANTEE and CPU_GUARANTEE. To enforce
# the limits, use jupyterhub-systemdspawner (c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"), which
# runs each server as a systemd unit with a memory limit and a CPUQuota made from them.
c.Spawner.mem_guarantee = "512M"
c.Spawner.mem_limit = "1G"
c.Spawner.cpu_guarantee = 0.1
c.Spawner.cpu_limit = 1.0

# --- stop servers idle for an hour: jupyterhub-idle-culler as a hub service, with only the scopes it needs -----
c.JupyterHub.load_roles = [{
    "name": "idle-culler",
    "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    "services": ["idle-culler"],
}]
c.JupyterHub.services = [{
    "name": "idle-culler",
    "command": [sys.executable, "-m", "jupyterhub_idle_culler", "--timeout=3600", "--cull-every=300"],
}]
