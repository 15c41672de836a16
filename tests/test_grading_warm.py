"""Kernels forked from a warm template are as fresh and sealed as kernels started from scratch: a process of their
own per submission, nothing carried from one submission to the next, no network, nothing left running after."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest

from labkit.course import grading
from labkit.course.grading.preamble import kernel_env
from labkit.course.grading.warm import KernelTemplate
from tests.grading_helpers import answer_cell, toy_reference, toy_submissions
from tests.helpers import alive

pytestmark = pytest.mark.slow  # eight kernels, graded once for the module


def _submission(reference: Path, folder: Path, name: str, quiz_cell: str) -> Path:
    """The solved toy submission with its quiz answer cell replaced by `quiz_cell` (which must set `pick`)."""
    subs = toy_submissions(reference, folder / name)
    nb = nbformat.read(subs["solved"], as_version=4)
    answer_cell(nb, "pricing.quiz_spot").source = quiz_cell
    path = folder / f"{name}.ipynb"
    nbformat.write(nb, path)
    return path


def _record_pid(pids: Path, pid: str = "os.getpid()") -> str:
    """Cell code that appends a pid (by default the kernel's, and its parent's) to the file `pids`."""
    if pid == "os.getpid()":
        pid = "f'{os.getpid()} {os.getppid()}'"
    return f"import os\nwith open({str(pids)!r}, 'a') as f:\n    f.write(str({pid}) + '\\n')\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("warm")
    reference = toy_reference(root / "source")
    kernels, children = root / "kernels.txt", root / "children.txt"
    leak = _record_pid(kernels) + ("import builtins, labkit, os\nbuiltins.LEAKED = labkit.LEAKED = True\n"
                                   "os.environ['LABKIT_LEAKED'] = '1'\npick = 'A B'")
    probe = _record_pid(kernels) + (
        "import builtins, labkit, os\n"
        "seen = hasattr(builtins, 'LEAKED') or hasattr(labkit, 'LEAKED') or 'LABKIT_LEAKED' in os.environ\n"
        "pick = 'D' if seen else 'A B'")
    network = _record_pid(kernels) + (
        "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=2)\n    pick = 'D'\n"
        "except OSError as err:\n    pick = 'A B' if 'blocked while grading' in str(err) else 'D'")
    spawn = _record_pid(kernels) + (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
        + _record_pid(children, "child.pid") + "pick = 'A B'")
    dies = spawn.replace("pick = 'A B'", "os._exit(3)")
    # two at a time: the probe starts after at least two of those before it have finished
    cells = {"leak": leak, "network": network, "spawn": spawn, "probe": probe, "dies": dies}
    subs = {name: _submission(reference, root, name, cell) for name, cell in cells.items()}
    warm = grading.grade_many(list(subs.values()), reference, timeout=20, workers=2)
    cold = grading.grade_many([subs[n] for n in ("leak", "network", "probe")], reference, timeout=20, workers=2,
                              warm=False)
    return {"warm": dict(zip(subs, warm, strict=True)), "cold": cold, "kernels": kernels, "children": children}


def _kernels(graded) -> list[tuple[int, int]]:
    """(pid, parent pid) of each kernel, warm ones first."""
    lines = graded["kernels"].read_text(encoding="utf-8").splitlines()
    return [(int(a), int(b)) for a, b in (line.split() for line in lines)]


def test_each_submission_gets_a_kernel_process_of_its_own_forked_from_the_template(graded):
    kernels = _kernels(graded)
    pids = [pid for pid, _ in kernels]
    assert len(pids) == 5 + 3 and len(set(pids)) == len(pids) and os.getpid() not in pids
    warm, cold = kernels[:5], kernels[5:]
    templates = {parent for _, parent in warm}
    assert len(templates) == 1 and os.getpid() not in templates  # one template forked every warm kernel
    assert {parent for _, parent in cold} == {os.getpid()}  # kernels started from scratch: this process's


def test_nothing_one_submission_does_reaches_the_next(graded):
    leak, probe = graded["warm"]["leak"], graded["warm"]["probe"]
    assert leak.score == probe.score == 2, probe.to_markdown()


def test_warm_kernels_have_no_network(graded):
    assert graded["warm"]["network"].score == 2, graded["warm"]["network"].to_markdown()


def test_warm_and_cold_kernels_grade_alike(graded):
    warm = [graded["warm"][n].exercises for n in ("leak", "network", "probe")]
    assert warm == [r.exercises for r in graded["cold"]]


def test_no_process_a_submission_started_outlives_its_grading(graded):
    spawn, dies = graded["warm"]["spawn"], graded["warm"]["dies"]
    assert spawn.score == 2 and not spawn.problems
    assert "kernel died" in dies.problems
    children = [int(p) for p in graded["children"].read_text(encoding="utf-8").split()]
    assert len(children) == 2
    deadline = time.monotonic() + 10
    while any(alive(p) for p in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in children if alive(p)]
    assert not [pid for pid, _ in _kernels(graded) if alive(pid)]
    template = _kernels(graded)[0][1]
    assert not alive(template)


def test_the_template_stops_and_cleans_up(tmp_path):
    with KernelTemplate(kernel_env(tmp_path / "unused.jsonl")) as template:
        socket_dir = Path(template.socket_path).parent
        assert socket_dir.is_dir() and template.process.poll() is None
        assert template.kernel_manager_class().__name__ == "WarmKernelManager"
    assert template.process.poll() is not None and not socket_dir.exists()
