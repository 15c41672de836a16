"""Step 3 of the live diagram: draw a `Layout` as a `Diagram`, one small step per part of the picture.

`DRAW_STEPS` run in order (the network, ECR, the Fargate box, the clusters with their services and tasks);
each returns the boxes, nodes and arrows it adds, and the Diagram is all of them joined.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from labkit.diagrams.base import Diagram, Edge, Group, Node, box_label, html_label
from labkit.diagrams.live import words
from labkit.diagrams.live.layout import ClusterBox, Entry, Layout, TaskSpot
from labkit.diagrams.live.snapshot import ServiceInfo

GRAPH_ATTRS = (("rankdir", "LR"), ("nodesep", "0.18"), ("ranksep", "0.3"), ("newrank", "true"), ("compound", "true"))
INVISIBLE = (("style", "invis"),)
IMAGE_ARROW = (("tooltip", "the image its tasks pull"),)  # no words: a label by a vertical arrow widens the picture
ENI_WIDTH = 18  # characters: an ENI's lines wrap (its security group under its id), so the VPC column stays narrow


@dataclass(frozen=True)
class Parts:
    """Boxes, nodes and arrows drawn by one step; `a + b` keeps a's before b's."""

    groups: tuple[Group, ...] = ()
    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()

    def __add__(self, other: Parts) -> Parts:
        return Parts(self.groups + other.groups, self.nodes + other.nodes, self.edges + other.edges)


def draw(layout: Layout) -> Diagram:
    """The Diagram of a laid-out lab: each step in `DRAW_STEPS` adds its parts, then the words."""
    if layout.empty:
        return nothing_deployed(layout)
    parts = sum((step(layout) for step in DRAW_STEPS), Parts())
    return Diagram(
        "architecture",
        words.TITLE,
        words.description(layout.snapshot),
        words.summary(layout),
        parts.nodes,
        parts.edges,
        parts.groups,
        graph_attrs=GRAPH_ATTRS,
        same_rank=layout.beside + registry_beside_services(layout),
    )


def registry_beside_services(layout: Layout) -> tuple[tuple[str, ...], ...]:
    """The repositories in the services' column, above them: the picture is one column narrower (it fits a
    notebook), and each repository's arrow runs down to the services that pull from it."""
    repositories = tuple(r.id for r in layout.repositories)
    entries = tuple(e.id for c in layout.clusters for e in c.entries)
    return ((*repositories, *entries),) if repositories and entries else ()


def nothing_deployed(layout: Layout) -> Diagram:
    """One note: no VPC or cluster belongs to the lab yet."""
    text = words.nothing_deployed(layout.snapshot)
    label = html_label("Nothing deployed yet", ["no VPC or ECS cluster belongs to this lab"])
    note = Node("empty", "Nothing deployed yet", "note", attrs=(("label", label),))
    return Diagram("architecture", words.TITLE, text, text, (note,), legend=())


def network(layout: Layout) -> Parts:
    """VPC boxes, subnet boxes inside them, and each security group in its VPC."""
    vpcs = tuple(
        Group(
            v.id,
            f"VPC {v.name or v.vpc_id}  {v.cidr}",
            "vpc",
            who="you",
            attrs=(("label", box_label(f"VPC {v.name or v.vpc_id}", v.cidr)), ("tooltip", v.vpc_id)),
        )
        for v in layout.vpcs
    )
    subnets = tuple(
        Group(
            s.id,
            f"subnet {s.name or s.subnet_id}  {words.subnet_text(s)}",
            "subnet",
            who="you",
            parent=s.vpc_box,
            attrs=(
                ("label", box_label("subnet", s.name, words.subnet_text(s))),
                ("tooltip", s.subnet_id),
            ),
        )
        for s in layout.subnets
    )
    groups = tuple(
        Node(
            g.id,
            f"security group {g.name}",
            "security_group",
            who="you",
            group=g.vpc_box,
            attrs=(("label", html_label(f"security group {g.name or g.group_id}", [g.group_id])),),
        )
        for g in layout.security_groups
    )
    return Parts(vpcs + subnets, groups)


def registry(layout: Layout) -> Parts:
    """The Amazon ECR box (when the lab has repositories), a node per repository with its pulled images."""
    if not layout.repositories:
        return Parts()
    repositories = tuple(
        Node(
            r.id,
            f"ECR repository {r.name}",
            "repository",
            who="you",
            group="ecr",
            attrs=(
                (
                    "label",
                    html_label(
                        f"repository {r.name}",
                        [f"image :{p}" for p in r.pulled] or ["no image pulled by the lab's tasks"],
                    ),
                ),
            ),
        )
        for r in layout.repositories
    )
    return Parts((Group("ecr", "Amazon ECR", "registry", attrs=(("label", box_label("Amazon ECR")),)),), repositories)


def fargate(layout: Layout) -> Parts:
    """The AWS Fargate box that holds every entry's box of tasks."""
    box = Group(
        "fargate",
        "AWS Fargate: AWS runs each task on compute it manages",
        "fargate",
        who="aws",
        attrs=(("label", box_label("AWS Fargate", "AWS-managed compute")),),
    )
    return Parts((box,))


def clusters(layout: Layout) -> Parts:
    """Each cluster's box, then its entries."""
    return sum((cluster(c) for c in layout.clusters), Parts())


def cluster(c: ClusterBox) -> Parts:
    box = Group(c.id, f"ECS cluster {c.name}", "ecs_cluster", attrs=(("label", box_label("ECS cluster", c.name)),))
    return sum((entry(e) for e in c.entries), Parts((box,)))


def entry(e: Entry) -> Parts:
    """A service (or run_task group) with its image's arrow, its box of tasks, and one arrow into that box."""
    head = Parts(
        (task_box(e),),
        (service_node(e, e.service) if e.service is not None else run_task_node(e),),
        tuple(Edge(repository, e.id, attrs=IMAGE_ARROW) for repository in e.repositories),
    )
    tasks = sum((task(spot, e.box) for spot in e.shown), Parts())
    return head + tasks + more(e) + arrows(e)


def service_node(e: Entry, s: ServiceInfo) -> Node:
    counts = f"desired {s.desired_count} · running {s.running_count} · pending {s.pending_count}"
    lines = [counts, f"capacity: {s.capacity}", f"task definition {s.task_definition}"]
    return Node(
        e.id,
        f"service {s.name}",
        "service",
        who="you",
        group=e.cluster_box,
        attrs=(("label", html_label(f"service {s.name}", lines)), ("tooltip", f"{s.name}: {counts}")),
    )


def run_task_node(e: Entry) -> Node:
    return Node(
        e.id,
        f"standalone tasks {e.group}",
        "standalone",
        who="you",
        group=e.cluster_box,
        attrs=(("label", html_label("run_task (no service)", [f"group {e.group}"])),),
    )


def task_box(e: Entry) -> Group:
    """The box, inside the Fargate box, around an entry's tasks."""
    who_runs = e.service.name if e.service is not None else "run_task"
    tasks = words.count(len(e.tasks), "task")
    return Group(
        e.box,
        f"{who_runs}: {tasks}",
        "task_group",
        who="aws",
        parent="fargate",
        attrs=(("label", box_label(who_runs, tasks)), ("margin", "8")),
    )


def task(spot: TaskSpot, box: str) -> Parts:
    """A task in its entry's box and, when it has one, its ENI in its subnet's box, with an arrow between."""
    t = spot.task
    status = "" if t.status in ("RUNNING", "") else f" ({t.status})"
    title = f"task {t.id[:8]}{status}"
    node = Node(spot.id, title, "task", who="aws", group=box, attrs=(("label", html_label(title, [t.capacity])),))
    if not spot.eni:
        return Parts(nodes=(node,))
    groups = [f"security group {', '.join(spot.security_groups)}"] if spot.security_groups else []
    eni = Node(
        spot.eni,
        f"ENI {t.eni_id} {t.private_ip}",
        "eni",
        who="aws",
        group=spot.subnet_box,
        attrs=(("label", html_label(f"ENI {t.private_ip}".strip(), [t.eni_id, *groups], width=ENI_WIDTH)),),
    )
    return Parts(nodes=(node, eni), edges=(Edge(spot.id, spot.eni),))


def more(e: Entry) -> Parts:
    """A dashed "+N more tasks" box for the tasks not drawn."""
    hidden = len(e.hidden)
    if not hidden:
        return Parts()
    enis = sum(1 for t in e.hidden if t.eni_id)
    node = Node(
        e.more,
        f"+{hidden} more tasks ({enis} ENIs)",
        "more",
        who="aws",
        group=e.box,
        attrs=(
            ("label", html_label(f"+{hidden} more tasks", [f"({enis} ENIs, one per task)"])),
            ("style", "rounded,filled,dashed"),
        ),
    )
    return Parts(nodes=(node,))


def arrows(e: Entry) -> Parts:
    """Invisible arrows keep every task one step right of its service; one visible arrow meets their box."""
    boxes = [spot.id for spot in e.shown] + ([e.more] if e.hidden else [])
    edges = tuple(Edge(e.id, b, attrs=INVISIBLE) for b in boxes)
    if boxes:
        edges += (Edge(e.id, boxes[len(boxes) // 2], attrs=(("lhead", f"cluster_{e.box}"),)),)
    return Parts(edges=edges)


def balancers(layout: Layout) -> Parts:
    """Each load balancer in its VPC, its listeners and target groups' health, an arrow to each service behind it."""
    nodes = tuple(
        Node(
            b.id,
            f"load balancer {b.info.name}",
            "load_balancer",
            who="aws",
            group=b.vpc_box,
            attrs=(("label", html_label(f"load balancer {b.info.name}", [
                f"listeners {', '.join(b.info.listeners) or 'none'}",
                *(f"target group {name}: {health}" for name, health in b.info.target_groups)])),),
        )
        for b in layout.balancers
    )
    edges = tuple(Edge(b.id, entry, "forwards") for b in layout.balancers for entry in b.entries)
    return Parts(nodes=nodes, edges=edges)


DRAW_STEPS: tuple[Callable[[Layout], Parts], ...] = (network, registry, fargate, clusters, balancers)
