"""`python -m tools.glossary_notebook`: write notebooks/glossary.ipynb from labkit/data/glossary.json.

The definitions live once, in the data; the notebook is their rendering, with a heading per term that lessons link
to (`glossary.ipynb#ENI`). A test keeps the notebook equal to what this writes. After writing, execute it:
`python tools/run_notebook.py notebooks/glossary.ipynb`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from labkit.data import course_root
from labkit.model.glossary import NOTEBOOK, glossary

INTRO = """# Glossary

Every term this course uses, in one sentence, with the page that says more (AWS's documentation; Kubernetes' and
Docker's for their own words) and the date that page was read. Each lesson links here from its first cell, and
each term from where the lesson first uses it: a link such as [ENI](#ENI) opens this page at the term. (When a
link opens this page, JupyterLab shows its top the first time; click the link again to land on the term.)

Find a word with the letters below, JupyterLab's table of contents (**View → Table of Contents**), or
<kbd>Ctrl</kbd>+<kbd>F</kbd>. Nothing here needs running: the definitions are already on the page."""

LOOKUP = """## Look a word up from any notebook

`labkit.term(word)` shows the same entry in any lesson. It knows each term, what an abbreviation stands for, and
other spellings: `labkit.term("elastic network interface")` finds ENI too."""

LOOKUP_CODE = 'import labkit\n\nlabkit.term("ENI")'


def cells() -> list[tuple[str, str]]:
    """(cell type, source) of the glossary notebook, in order."""
    return ([("markdown", INTRO)] + [("markdown", text) for text in glossary().markdown_cells()]
            + [("markdown", LOOKUP), ("code", LOOKUP_CODE)])


def notebook_path() -> Path:
    return course_root() / "notebooks" / NOTEBOOK


def write(path: Path | None = None) -> Path:
    """Write the notebook's cells (without outputs: run it afterwards); keeps the file's metadata if it exists."""
    path = path or notebook_path()
    old = nbformat.read(path, as_version=4) if path.exists() else nbformat.v4.new_notebook()
    nb = nbformat.v4.new_notebook(metadata=old.metadata)
    make = {"markdown": nbformat.v4.new_markdown_cell, "code": nbformat.v4.new_code_cell}
    nb.cells = [make[kind](source) for kind, source in cells()]
    for i, cell in enumerate(nb.cells):
        cell.id = f"glossary-{i}"  # stable ids: rewriting the same glossary changes nothing
    nbformat.write(nb, path)
    return path


if __name__ == "__main__":
    print(f"wrote {write()}; now run: python tools/run_notebook.py notebooks/{NOTEBOOK}")
    sys.exit(0)
