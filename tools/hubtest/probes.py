"""The code a learner's kernel runs after lesson 00's own cells: a lab and a check in mock mode, then (for two
learners) local mode, where each must land on a labkit server of their own. Each probe prints one line,
`HUBTEST <json>`, that the run reads back."""

from __future__ import annotations

import json

PREFIX = "HUBTEST "

MOCK_LAB_AND_CHECK = """
import json as _json, os as _os
import labkit
_lab = labkit.connect(lab_id="hubtest")
_ecs = _lab.client("ecs")
_ecs.create_cluster(clusterName="cluster-of-" + _os.environ["JUPYTERHUB_USER"])
_seen = [arn.rsplit("/", 1)[1] for arn in _ecs.list_clusters()["clusterArns"]]
_right, _wrong = labkit.check("start.cpu_units", 512), labkit.check("start.cpu_units", 0.5)
print("HUBTEST " + _json.dumps({"user": _os.environ["JUPYTERHUB_USER"], "home": _os.environ["HOME"],
                                "cwd": _os.getcwd(), "labkit": labkit.__file__, "clusters": _seen,
                                "right": _right.passed, "wrong": _wrong.passed}))
_lab.teardown()
"""

# One learner starts `labkit server` as they would in a JupyterLab terminal; connect("local") must find it through
# the state file in their own home.
LOCAL_WITH_OWN_SERVER = """
import json as _json, os as _os, subprocess as _sp, sys as _sys, time as _time
import labkit
from labkit.mock import server as _server
_labkit_server = _sp.Popen([_sys.executable, "-m", "labkit.cli", "server", "--port", "0"],
                           stdout=_sp.DEVNULL, stderr=_sp.DEVNULL)
_deadline = _time.monotonic() + 60
while _server.read_state() is None and _time.monotonic() < _deadline:
    _time.sleep(0.1)
_local = labkit.connect(mode="local")
_local.client("ecs").create_cluster(clusterName="local-of-" + _os.environ["JUPYTERHUB_USER"])
print("HUBTEST " + _json.dumps({"endpoint": _local.endpoint_url, "state": _server.read_state(),
                                "state_file": str(_server.state_file()), "home": _os.environ["HOME"],
                                "clusters": [a.rsplit("/", 1)[1] for a in
                                             _local.client("ecs").list_clusters()["clusterArns"]]}))
"""

# Another learner, with no server of their own: connect("local") must not find the first one's.
LOCAL_WITHOUT_SERVER = """
import json as _json, os as _os
import labkit
from labkit.mock import server as _server
_local = labkit.connect(mode="local")
_local.client("ecs").create_cluster(clusterName="local-of-" + _os.environ["JUPYTERHUB_USER"])
print("HUBTEST " + _json.dumps({"endpoint": _local.endpoint_url, "state": _server.read_state(),
                                "clusters": [a.rsplit("/", 1)[1] for a in
                                             _local.client("ecs").list_clusters()["clusterArns"]]}))
"""

LOCAL_CLEANUP = """
import json as _json
_local.teardown()
if "_labkit_server" in globals():
    _labkit_server.terminate()
    _labkit_server.wait(timeout=30)
print("HUBTEST " + _json.dumps({"stopped": True}))
"""


def read(stdout: str) -> dict:
    """The JSON a probe printed (its last HUBTEST line); ValueError when it printed none."""
    lines = [line for line in stdout.splitlines() if line.startswith(PREFIX)]
    if not lines:
        raise ValueError(f"the probe printed no {PREFIX.strip()} line; it printed: {stdout[-500:]!r}")
    return json.loads(lines[-1][len(PREFIX):])
