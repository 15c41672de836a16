"""`labkit.show(x)`: display a diagram or any labkit result in a notebook; no error without Graphviz."""

from __future__ import annotations

from typing import Any

from labkit.diagrams.base import Diagram


def _bundle(x: Any) -> dict[str, str]:
    """The MIME bundle for `x`: text is always `str(x)` (deterministic), plus HTML or SVG if it has them."""
    if isinstance(x, Diagram):
        return x._repr_mimebundle_()
    try:
        import graphviz
    except ImportError:  # pragma: no cover - graphviz is a dependency; stay useful without it
        graphviz = None
    if graphviz is not None and isinstance(x, (graphviz.Graph, graphviz.Digraph, graphviz.Source)):
        name = getattr(x, "name", None) or "graph"
        return Diagram.from_dot(x.source, name=name, title=f"Graph {name}")._repr_mimebundle_()
    bundle = {"text/plain": str(x)}
    html = getattr(x, "_repr_html_", None)
    if callable(html):
        text = html()
        if text:
            bundle["text/html"] = text
    return bundle


def show(x: Any) -> None:
    """Display `x` in the notebook: a Diagram as SVG (without Graphviz: its shipped copy, or text), a labkit
    result as its HTML and text forms; a list or tuple shows each item in turn."""
    from IPython.display import display

    items = x if isinstance(x, (list, tuple)) else [x]
    for item in items:
        display(_bundle(item), raw=True)
