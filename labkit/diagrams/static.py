"""The course's pictures: the Fargate workflow, who manages what on EC2 vs Fargate, orchestrators over
compute, and where the money goes. The live architecture of a lab is in `labkit.diagrams.live`.

Each function returns a `Diagram`: it shows as SVG in a notebook, as text with `str()`, and never errors when
Graphviz is missing. Facts come from `labkit.data.facts()`; change them there and the pictures follow.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from labkit.data import course_root, facts, package_data_dir
from labkit.diagrams.base import (
    HIGHLIGHT_LINE,
    INK,
    PANEL_FILL,
    WHO_STYLE,
    WHO_WORDS,
    Diagram,
    Edge,
    Group,
    Node,
    box_label,
    esc,
    html_label,
    lane_header,
    svg_source_sha,
)
from labkit.errors import InvalidInput
from labkit.model.units import usd, usd_places

__all__ = [
    "STEP_NAMES",
    "check_static",
    "ec2_vs_fargate",
    "orchestrators",
    "pricing_breakdown",
    "static_diagrams",
    "who_manages",
    "workflow",
    "write_static",
]

INVIS = (("style", "invis"),)


# ---------------------------------------------------------------------------------------------- workflow
@dataclass(frozen=True)
class _Step:
    name: str
    title: str
    you: str
    aws: str


def _steps() -> tuple[_Step, ...]:
    billing = facts()["billing"]
    per = "per second" if billing["granularity_seconds"] == 1 else f"per {billing['granularity_seconds']} s"
    return (
        _Step(
            "push",
            "Build and push your image",
            "build the container image and push it to Amazon ECR (or another registry)",
            "ECR stores the image; Fargate pulls it when a task starts",
        ),
        _Step(
            "define",
            "Define what it needs",
            "set CPU, memory, networking and storage in an ECS task definition or an EKS pod spec",
            "allocates the right amount of compute for each task or pod",
        ),
        _Step(
            "deploy",
            "Deploy on Fargate",
            "run a task or create a service (ECS), or deploy pods (EKS)",
            "provisions, patches and scales the compute and handles fault tolerance: no servers for you",
        ),
        _Step(
            "pay",
            "Pay for what runs",
            "choose On-Demand, Fargate Spot or a Compute Savings Plan",
            f"bills the {billing['billed_on']}, plus storage, {per}",
        ),
    )


STEP_NAMES = ("push", "define", "deploy", "pay")


def _step_number(highlight: int | str | None) -> int | None:
    if highlight is None:
        return None
    expected = (
        "expected a step number 1-4 or one of "
        + ", ".join(repr(n) for n in STEP_NAMES)
        + " (or None for no highlight)"
    )
    if isinstance(highlight, bool) or not isinstance(highlight, (int, str)):
        raise InvalidInput(f"highlight {highlight!r} is not a workflow step; {expected}.")
    if isinstance(highlight, int):
        if 1 <= highlight <= len(STEP_NAMES):
            return highlight
        raise InvalidInput(f"highlight {highlight} is not a workflow step; {expected}.")
    key = highlight.strip().lower()
    if key.isdigit() and 1 <= int(key) <= len(STEP_NAMES):
        return int(key)
    if key in STEP_NAMES:
        return STEP_NAMES.index(key) + 1
    raise InvalidInput(f"highlight {highlight!r} is not a workflow step; {expected}.")


def workflow(highlight: int | str | None = None) -> Diagram:
    """The four steps of running containers on Fargate, with what you do and what AWS does at each.

    `highlight` (1-4, or "push", "define", "deploy", "pay") emphasises one step.
    """
    chosen = _step_number(highlight)
    steps = _steps()
    nodes = []
    for i, step in enumerate(steps, start=1):
        attrs: tuple[tuple[str, str], ...] = ()
        if i == chosen:
            attrs = (("color", HIGHLIGHT_LINE), ("penwidth", "3.5"))
        nodes.append(
            Node(
                f"step_{i}",
                f"{i}. {step.title}",
                "step",
                parts=(("you", step.you), ("aws", step.aws)),
                attrs=attrs,
            )
        )
    head = (
        ("label", lane_header((("you", "What you do"), ("aws", "What AWS does")))),
        ("shape", "plain"),
        ("fillcolor", PANEL_FILL),
        ("fontcolor", INK),
    )
    nodes.insert(0, Node("lanes", "What you do | What AWS does", "header", attrs=head))
    edges = (Edge("lanes", "step_1", attrs=(("style", "invis"),)),) + tuple(
        Edge(f"step_{i}", f"step_{i + 1}") for i in range(1, len(steps))
    )
    lines = [
        f"{i}. {s.title}{'  <- highlighted' if i == chosen else ''}\n   You: {s.you}.\n   AWS: {s.aws}."
        for i, s in enumerate(steps, start=1)
    ]
    name = "workflow" if chosen is None else f"workflow_{STEP_NAMES[chosen - 1]}"
    title = "Running containers on AWS Fargate, in four steps"
    desc = (
        "Four steps from top to bottom: "
        + "; ".join(f"{i}. {s.title}" for i, s in enumerate(steps, start=1))
        + ". Each step says what you do and what AWS does."
        + (f" Step {chosen} is highlighted." if chosen else "")
    )
    return Diagram(
        name=name,
        title=title,
        description=desc,
        summary=title + ":\n" + "\n".join(lines),
        nodes=tuple(nodes),
        edges=edges,
        graph_attrs=(("rankdir", "TB"), ("nodesep", "0.3"), ("ranksep", "0.18")),
    )


# ---------------------------------------------------------------------------------------- EC2 vs Fargate
def who_manages(cell: str) -> str | None:
    """Who a cell of the shared-responsibility table names: "you", "aws", "n/a", or None (not a who-cell)."""
    text = cell.strip()
    if re.match(r"customer\b", text, re.IGNORECASE):
        return "you"
    if re.match(r"aws\b", text, re.IGNORECASE):
        return "aws"
    if re.match(r"(n/a|not applicable)\b", text, re.IGNORECASE):
        return "n/a"
    return None


def _detail(cell: str) -> str:
    """The short explanation in a table cell: its first parenthesis, or the part after a dash, if short."""
    m = re.search(r"\(([^()]*)\)", cell)
    text = m.group(1) if m else (cell.split("\u2014", 1)[1] if "\u2014" in cell else "")
    text = text.strip().strip("'\"; ")
    if not text or len(text) > 60 or text.startswith("'"):
        return ""
    return text


# Top-to-bottom order of the layers: words of the `area` of each row in the facts table. Rows not named here
# but that say who manages what are drawn just above the hardware, so new facts still appear.
_LAYER_ORDER = (
    "application",
    "control plane",
    "container runtime",
    "host os",
    "task retirement",
    "scale cluster",
    "bin packing",
    "provision",
    "hardware",
)


def _layer_rank(area: str) -> float:
    low = area.lower()
    for i, key in enumerate(_LAYER_ORDER):
        if key in low:
            return i
    return len(_LAYER_ORDER) - 1.5


def responsibility_layers() -> list[dict[str, Any]]:
    """The who-manages-what rows of the facts table, ordered from the application down to the hardware."""
    rows = []
    for row in facts()["shared_responsibility"]:
        ec2, fg = who_manages(row["ec2_launch_type"]), who_manages(row["fargate"])
        if ec2 is None or fg is None or ec2 == fg == "n/a":
            continue
        rows.append({**row, "ec2_who": ec2, "fargate_who": fg})
    rows.sort(key=lambda r: _layer_rank(r["area"]))
    return rows


LAYER_W, CELL_W = "3.5", "2.5"  # column widths in inches, wide enough for the wrapped labels
_HEADER_STYLE = (("fillcolor", PANEL_FILL), ("color", PANEL_FILL), ("fontcolor", INK), ("fontsize", "13"))
_HEADINGS = (  # (node, text, width) of each column's heading
    ("head_layer", "Layer", LAYER_W),
    ("head_ec2", "EC2 launch type", CELL_W),
    ("head_fargate", "Fargate", CELL_W),
)
_SIDES = (("ec2", "ec2_launch_type"), ("fargate", "fargate"))  # the columns after the layer: its node, its data


def ec2_vs_fargate() -> Diagram:
    """Who manages each layer, from the application down to the hardware: EC2 launch type vs Fargate."""
    layers = responsibility_layers()
    rows = [_heading_row(), *(_layer_row(i, row) for i, row in enumerate(layers))]
    title = "Who manages what: EC2 launch type vs Fargate"
    return Diagram(
        name="ec2_vs_fargate",
        title=title,
        description=_ec2_vs_fargate_description(layers),
        summary=_ec2_vs_fargate_summary(title, layers),
        nodes=tuple(node for _, cells in rows for node in cells),
        edges=_grid(rows),
        groups=tuple(group for group, _ in rows),
        legend=("you", "aws", "n/a"),
        graph_attrs=(("rankdir", "TB"), ("nodesep", "0.12"), ("ranksep", "0.1"), ("newrank", "true")),
    )


Row = tuple[Group, tuple[Node, ...]]  # a row of the grid: an invisible rank=same group and its cells


def _row_group(group_id: str) -> Group:
    return Group(group_id, "", "row", cluster=False, attrs=(("rank", "same"),))


def _heading_row() -> Row:
    """The column headings: Layer, EC2 launch type, Fargate."""
    cells = tuple(
        Node(
            node_id,
            text,
            "header",
            group="row_head",
            attrs=_HEADER_STYLE + (("label", f"<<B>{text}</B>>"), ("width", width), ("group", f"c{column}")),
        )
        for column, (node_id, text, width) in enumerate(_HEADINGS)
    )
    return _row_group("row_head"), cells


def _layer_row(i: int, row: dict[str, Any]) -> Row:
    """One layer: its name, then who manages it on the EC2 launch type and on Fargate."""
    name = Node(
        f"layer_{i}",
        row["area"],
        "layer",
        group=f"row_{i}",
        attrs=(("label", html_label(row["area"], width=34)), ("width", LAYER_W), ("group", "c0")),
    )
    cells = tuple(_who_cell(i, row, side, key, column) for column, (side, key) in enumerate(_SIDES, start=1))
    return _row_group(f"row_{i}"), (name, *cells)


def _who_cell(i: int, row: dict[str, Any], side: str, key: str, column: int) -> Node:
    """A cell coloured by who manages the layer on one side, with the data's short reason and, on hover, its text."""
    who = row[f"{side}_who"]
    detail = _detail(row[key])
    return Node(
        f"{side}_{i}",
        f"{row['area']}: {WHO_WORDS[who]}",
        "cell",
        who=who,
        group=f"row_{i}",
        attrs=(
            ("label", html_label(WHO_WORDS[who], [detail] if detail else [], width=22)),
            ("width", CELL_W),
            ("group", f"c{column}"),
            ("tooltip", row[key]),
        ),
    )


def _grid(rows: list[Row]) -> tuple[Edge, ...]:
    """Invisible edges that keep the grid: left to right along each row, then top to bottom down each column."""
    ids = [[node.id for node in cells] for _, cells in rows]
    across = [Edge(a, b, attrs=INVIS) for row in ids for a, b in pairwise(row)]
    columns = zip(*ids, strict=True)
    down = [Edge(a, b, attrs=INVIS + (("weight", "10"),)) for column in columns for a, b in pairwise(column)]
    return tuple(across + down)


def _moved_to_aws(layers: list[dict[str, Any]]) -> int:
    """How many layers you manage on the EC2 launch type but not on Fargate."""
    return sum(1 for r in layers if r["ec2_who"] == "you" and r["fargate_who"] != "you")


def _ec2_vs_fargate_summary(title: str, layers: list[dict[str, Any]]) -> str:
    lines = [
        f"- {r['area']}: EC2 launch type: {WHO_WORDS[r['ec2_who']]}; Fargate: {WHO_WORDS[r['fargate_who']]}"
        for r in layers
    ]
    drawn = {r["area"] for r in layers}
    others = [r["area"] for r in facts()["shared_responsibility"] if r["area"] not in drawn]
    return (
        f"{title} (from the application down to the hardware):\n"
        + "\n".join(lines)
        + f"\nOn Fargate, {_moved_to_aws(layers)} of these {len(layers)} layers move from you to AWS (or go away)."
        + (f"\nOther differences in the facts table: {'; '.join(others)}." if others else "")
    )


def _ec2_vs_fargate_description(layers: list[dict[str, Any]]) -> str:
    return (
        f"A table of {len(layers)} layers, from the application at the top to the hardware at the bottom. "
        f"For each layer, one box for the EC2 launch type and one for Fargate says who manages it: you, "
        f"AWS, or not applicable. On Fargate, {_moved_to_aws(layers)} layers move from you to AWS or go away."
    )


# ------------------------------------------------------------------------------------------ orchestrators
@dataclass(frozen=True)
class _Box:
    """A box of the orchestrators picture: its bold title (the label, unless `title` is given) and lines."""

    id: str
    kind: str  # "orchestrator" and "compute" boxes sit in their layer's box
    who: str
    label: str
    lines: tuple[str, ...]
    title: str = ""  # the bold title, when it differs from the label


_ORCHESTRATOR_BOXES = (
    _Box("containers", "app", "you", "Your containers", ("images you build, apps you run",)),
    _Box("ecs", "orchestrator", "aws", "Amazon ECS",
         ("task definitions, tasks, services", "schedules and scales your containers")),
    _Box("eks", "orchestrator", "aws", "Amazon EKS", ("pod specs, pods, deployments", "schedules and scales your pods"),
         title="Amazon EKS (Kubernetes)"),
    _Box("ec2", "compute", "you", "EC2 instances",
         ("a cluster of servers: you provision, patch and scale them and manage the capacity",)),
    _Box("fargate", "compute", "aws", "AWS Fargate",
         ("serverless: AWS provisions, patches and scales the compute for each task or pod",)),
)
_LAYER_OF = {"orchestrator": "orchestrate", "compute": "compute"}  # a box's kind -> the layer box it sits in


def _layer_box(group_id: str, title: str, subtitle: str) -> Group:
    return Group(
        group_id, f"{title}: {subtitle}", "layer", attrs=(("margin", "12"), ("label", box_label(title, subtitle)))
    )


def _to(tail: str, head: str, label: str) -> Edge:
    """An edge into a compute option, it and its label coloured like the compute, so crossings stay clear."""
    ink = WHO_STYLE["you" if head == "ec2" else "aws"]["color"]
    return Edge(tail, head, label, attrs=(("color", ink), ("fontcolor", ink), ("penwidth", "1.4")))


def orchestrators() -> Diagram:
    """ECS and EKS orchestrate containers; each runs them on EC2 instances you manage, or on Fargate."""
    nodes = tuple(
        Node(b.id, b.label, b.kind, b.who, group=_LAYER_OF.get(b.kind, ""),
             attrs=(("label", html_label(b.title or b.label, b.lines)),))
        for b in _ORCHESTRATOR_BOXES
    )
    groups = (
        _layer_box("orchestrate", "Orchestrators", "the container lifecycle"),
        _layer_box("compute", "Compute", "where the containers run"),
    )
    edges = (
        Edge("containers", "ecs"),
        Edge("containers", "eks"),
        _to("ecs", "ec2", "launch type EC2"),
        _to("ecs", "fargate", "launch type FARGATE"),
        _to("eks", "ec2", "node groups"),
        _to("eks", "fargate", "Fargate profile"),
    )
    title = "Orchestrators and compute: ECS or EKS, on EC2 or Fargate"
    summary = (
        f"{title}:\n"
        "- Your containers are orchestrated by Amazon ECS (task definitions, tasks, services) "
        "or Amazon EKS (pod specs, pods).\n"
        "- Either runs them on EC2 instances (you provision, patch and scale them and manage capacity)\n"
        "  or on AWS Fargate (serverless: AWS provisions, patches and scales the compute).\n"
        "- ECS reaches Fargate with launch type FARGATE; EKS with a Fargate profile."
    )
    desc = (
        "Your containers at the top feed two orchestrators, Amazon ECS and Amazon EKS. Each can run them "
        "on EC2 instances that you manage, or on AWS Fargate, which AWS manages."
    )
    return Diagram(
        name="orchestrators",
        title=title,
        description=desc,
        summary=summary,
        nodes=nodes,
        edges=edges,
        groups=groups,
        graph_attrs=(("rankdir", "TB"), ("nodesep", "0.5"), ("ranksep", "0.45")),
    )


# -------------------------------------------------------------------------------------- pricing breakdown
_COST_PARTS = (
    ("cpu", "vCPU", "#4263EB"),
    ("memory", "Memory", "#0C8599"),
    ("storage", "Storage", "#E67700"),
    ("os_license", "OS licence", "#AE3EC9"),
)
BAR_WIDTH, BAR_TRACK = 260, "#EEF0F2"
_CENT = 1e-9  # amounts closer to zero than this are not shown


def pricing_breakdown(cost: Any) -> Diagram:
    """Where the money goes (vCPU, memory, storage, OS licence) for a `labkit.pricing.Cost`, as bars."""
    values = _cost_values(cost)
    total = values["total"]
    shown = [(a, label, colour) for a, label, colour in _COST_PARTS if a != "os_license" or values[a] > 0]
    parts_sum = sum(values[a] for a, _, _ in _COST_PARTS)
    # From the parts to the total: a Savings Plan discount (labkit.pricing.Cost names it), then the rest.
    discount = _savings_plan_discount(cost)
    other = total - (parts_sum - discount)
    rows = [_bar_row(label, colour, values[attr], parts_sum, total) for attr, label, colour in shown]
    rows += [
        _amount_row(label, amount, total)
        for label, amount in (("Savings Plan discount", -discount), ("Adjustments", other))
        if abs(amount) > _CENT
    ]
    sum_text = " + ".join(label for _, label, _ in shown)
    sum_text += " - Savings Plan discount" if abs(discount) > _CENT else ""
    sum_text += " + adjustments" if abs(other) > _CENT else ""
    title = "Where the money goes"
    # rates AWS's own pages do not confirm (Windows, other regions) travel with the picture of what they cost
    caveats = tuple(getattr(getattr(cost, "rates", None), "caveats", ()) or ())
    summary = (
        f"{title}:\n"
        + "\n".join(line for _, line in rows)
        + f"\nTotal: {usd(total, usd_places(total))} (= {sum_text})."
        + "".join(f"\nCaveat: {c}" for c in caveats)
    )
    biggest = max(shown, key=lambda p: values[p[0]])[1] if parts_sum > 0 else "nothing"
    desc = (
        f"Horizontal bars, one per part of the bill ({', '.join(s[1] for s in shown)}), each as long as "
        f"its share. The total is {usd(total, usd_places(total))}; the biggest part is {biggest}."
    )
    node = Node(
        "bars",
        "Where the money goes",
        "bars",
        attrs=(("label", _bars_table([row for row, _ in rows], total)), ("shape", "plain"), ("fontcolor", INK),
               ("fillcolor", PANEL_FILL)),
    )
    return Diagram(
        name="pricing_breakdown", title=title, description=desc, summary=summary, nodes=(node,), legend=()
    )


def _cost_values(cost: Any) -> dict[str, float]:
    """The cost's parts and total as floats; InvalidInput for anything that is not a cost in USD."""
    values = {}
    for attr, _, _ in (*_COST_PARTS, ("total", "", "")):
        value = getattr(cost, attr, None)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InvalidInput(
                f"pricing_breakdown() was given {type(cost).__name__} without a number in "
                f"`{attr}`; expected a labkit.pricing.Cost (fields cpu, memory, os_license, "
                "storage, total), e.g. from labkit.pricing.fargate_cost(...)."
            )
        if value < 0:
            raise InvalidInput(f"cost.{attr} is {value}, below zero; expected a cost in USD of 0 or more.")
        values[attr] = float(value)
    return values


def _savings_plan_discount(cost: Any) -> float:
    discount = getattr(cost, "savings_plan_discount", 0) or 0
    return float(discount) if isinstance(discount, (int, float)) and not isinstance(discount, bool) else 0.0


def _bar_row(label: str, colour: str, value: float, parts_sum: float, total: float) -> tuple[str, str]:
    """(table row, summary line) for one part: a bar as long as its share of the parts, its dollars, its %."""
    share = value / parts_sum if parts_sum > 0 else 0.0
    width = round(share * BAR_WIDTH)
    width = 1 if value > 0 and width == 0 else width
    bar = f'<TD WIDTH="{width}" HEIGHT="16" FIXEDSIZE="TRUE" BGCOLOR="{colour}"></TD>' if width else ""
    rest = BAR_WIDTH - width
    track = f'<TD WIDTH="{rest}" HEIGHT="16" FIXEDSIZE="TRUE" BGCOLOR="{BAR_TRACK}"></TD>' if rest else ""
    pct = f"{share * 100:.1f}%" if parts_sum > 0 else "-"
    dollars = usd(value, usd_places(total))
    row = (
        f'<TR><TD ALIGN="LEFT">{esc(label)}</TD><TD><TABLE BORDER="0" CELLBORDER="0" '
        f'CELLSPACING="0" CELLPADDING="0"><TR>{bar}{track}</TR></TABLE></TD>'
        f'<TD ALIGN="RIGHT">{esc(dollars)}</TD><TD ALIGN="RIGHT">{pct}</TD></TR>'
    )
    return row, f"- {label}: {dollars} ({pct})"


def _amount_row(label: str, amount: float, total: float) -> tuple[str, str]:
    """(table row, summary line) for an amount without a bar: the discount, or adjustments."""
    text = usd(amount, usd_places(total))
    row = f'<TR><TD ALIGN="LEFT">{label}</TD><TD></TD><TD ALIGN="RIGHT">{esc(text)}</TD><TD></TD></TR>'
    return row, f"- {label}: {text}"


def _bars_table(rows: list[str], total: float) -> str:
    """The HTML-like table: a heading row, the rows, and the total in bold."""
    return (
        '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="6" CELLPADDING="2">'
        '<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="10">part</FONT></TD><TD ALIGN="LEFT"><FONT POINT-SIZE="10">'
        'share of the bill</FONT></TD><TD ALIGN="RIGHT"><FONT POINT-SIZE="10">USD</FONT></TD><TD></TD></TR>'
        + "".join(rows)
        + f'<TR><TD ALIGN="LEFT"><B>Total</B></TD><TD></TD><TD ALIGN="RIGHT"><B>{esc(usd(total, usd_places(total)))}'
        + "</B></TD><TD></TD></TR>"
        + "</TABLE>>"
    )


# ------------------------------------------------------------------------------------ static diagrams
def static_diagrams() -> dict[str, Callable[[], Diagram]]:
    """The diagrams that do not depend on an account: drawn into diagrams/ and shipped as fallbacks."""
    out: dict[str, Callable[[], Diagram]] = {"workflow": workflow}
    for name in STEP_NAMES:
        out[f"workflow_{name}"] = lambda n=name: workflow(n)
    out["ec2_vs_fargate"] = ec2_vs_fargate
    out["orchestrators"] = orchestrators
    return out


def default_dir() -> Path:
    """The course's diagrams/ folder."""
    return course_root() / "diagrams"


def write_static(out: Path | None = None) -> list[str]:
    """Draw every static diagram into `out` (default diagrams/, which also refreshes the package's copies).

    Returns what changed, as lines for the CLI. Needs Graphviz (GraphvizMissing otherwise).
    """
    folder = Path(out) if out is not None else default_dir()
    folder.mkdir(parents=True, exist_ok=True)
    changed = []
    for name, make in static_diagrams().items():
        d = make()
        files = {folder / f"{name}.dot": d.source, folder / f"{name}.svg": d.svg()}
        if out is None:
            files[package_data_dir() / f"{name}.svg"] = d.svg()
        for path, text in files.items():
            old = path.read_text(encoding="utf-8") if path.exists() else None
            if old != text:
                path.write_text(text, encoding="utf-8")
                changed.append(f"wrote {path.parent.name}/{path.name}")
    return changed


def check_static(out: Path | None = None) -> list[str]:
    """What is out of date in `out` (default diagrams/ and the package's copies); empty when all is current.

    Compares DOT text, and each SVG's recorded source hash: no Graphviz needed.
    """
    folder = Path(out) if out is not None else default_dir()
    problems = []
    expected = static_diagrams()
    for name, make in expected.items():
        d = make()
        dot = folder / f"{name}.dot"
        if not dot.exists():
            problems.append(f"{folder.name}/{dot.name} is missing")
        elif dot.read_text(encoding="utf-8") != d.source:
            problems.append(f"{folder.name}/{dot.name} differs from what labkit.diagrams draws")
        svgs = [folder / f"{name}.svg"] + ([package_data_dir() / f"{name}.svg"] if out is None else [])
        for svg in svgs:
            if not svg.exists():
                problems.append(f"{svg.parent.name}/{svg.name} is missing")
            elif svg_source_sha(svg.read_text(encoding="utf-8")) != d.sha256:
                problems.append(f"{svg.parent.name}/{svg.name} is out of date (drawn from an older diagram)")
    for path in sorted(folder.glob("*.dot")) + sorted(folder.glob("*.svg")):
        if path.stem not in expected:
            problems.append(f"{folder.name}/{path.name} is not made by labkit.diagrams (remove it)")
    return problems
