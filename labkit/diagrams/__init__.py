"""The course's pictures: static diagrams drawn from `labkit.data`, and the live architecture of a lab.

`labkit.diagrams.workflow()`, `ec2_vs_fargate()`, `orchestrators()`, `pricing_breakdown(cost)` and
`architecture(lab)` each return a `Diagram`, which shows as SVG in a notebook and never errors without Graphviz.
`timeline(series)` draws numbers recorded over time (a `Timeline`, plain SVG and a text chart, no matplotlib).
"""

from labkit.diagrams.base import Diagram
from labkit.diagrams.live import architecture
from labkit.diagrams.static import (
    STEP_NAMES,
    check_static,
    ec2_vs_fargate,
    orchestrators,
    pricing_breakdown,
    static_diagrams,
    who_manages,
    workflow,
    write_static,
)
from labkit.diagrams.timeline import Timeline, timeline

__all__ = ["STEP_NAMES", "Diagram", "architecture", "check_static", "ec2_vs_fargate", "orchestrators",
           "pricing_breakdown", "static_diagrams", "timeline", "Timeline", "who_manages", "workflow",
           "write_static"]
