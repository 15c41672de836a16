"""Execute notebooks in place in mock mode, as nbval will: `python tools/run_notebook.py notebooks/01_*.ipynb`.

Lessons are committed executed, so the stored outputs are what the learner sees and what nbval compares.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def run(path: Path, timeout: int = 120) -> None:
    """Run every cell of `path` top to bottom in a fresh kernel and save the outputs back into it."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = KERNELSPEC
    for cell in nb.cells:
        cell.metadata.pop("execution", None)  # timings from an earlier run would change every diff
    os.environ["LABKIT_MODE"] = "mock"
    NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,  # no times: stable diffs
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        run(Path(name))
        print(f"executed {name}")
