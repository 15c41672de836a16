"""Step 2 of the live diagram: arrange a `Snapshot` into boxes, in order, deciding what to hide. No AWS calls.

The network: a VPC box holds its subnet boxes (lowest address first) and its security groups; a subnet box
holds the ENIs of the tasks in it. The work: a cluster box holds its services, then the tasks run_task
started (one entry per group); each entry's tasks sit in a box of their own inside the Fargate box, by
private IP, with at most `max_tasks_per_service` of them drawn (the rest become one "+N more" box).
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from labkit.diagrams.live.snapshot import LoadBalancerInfo, ServiceInfo, Snapshot, TaskInfo

MAX_TASKS_PER_SERVICE = 6


@dataclass(frozen=True)
class VpcBox:
    """A VPC: `id` is its box in the picture."""

    id: str
    vpc_id: str
    name: str
    cidr: str


@dataclass(frozen=True)
class SubnetBox:
    """A subnet, inside the box of its VPC (`vpc_box`, "" when its VPC is not drawn)."""

    id: str
    subnet_id: str
    name: str
    cidr: str
    az: str
    vpc_box: str


@dataclass(frozen=True)
class SecurityGroupSpot:
    """A security group's node, inside the box of its VPC."""

    id: str
    group_id: str
    name: str
    vpc_box: str


@dataclass(frozen=True)
class RepositorySpot:
    """An ECR repository's node, with the image tags the lab's tasks pull from it."""

    id: str
    name: str
    pulled: tuple[str, ...]


@dataclass(frozen=True)
class TaskSpot:
    """A task drawn in its entry's box; its ENI (`eni`, "" without one) drawn in its subnet's box."""

    id: str
    task: TaskInfo
    eni: str
    subnet_box: str
    security_groups: tuple[str, ...]  # the names of its ENI's security groups


@dataclass(frozen=True)
class Entry:
    """A service, or the tasks run_task started in one group (`service` None), and its box of tasks."""

    number: int
    cluster_box: str
    service: ServiceInfo | None
    group: str  # the run_task group's name ("" for a service)
    tasks: tuple[TaskInfo, ...]  # all of them, by private IP
    shown: tuple[TaskSpot, ...]  # those drawn, the first of `tasks`
    repositories: tuple[str, ...]  # nodes of the repositories its image comes from
    subnets: tuple[SubnetBox, ...]  # the subnets its tasks sit in

    @property
    def id(self) -> str:
        return f"svc_{self.number}"

    @property
    def box(self) -> str:
        """The box around its tasks."""
        return f"tasks_{self.number}"

    @property
    def more(self) -> str:
        """The "+N more tasks" node, when some are hidden."""
        return f"more_{self.number}"

    @property
    def hidden(self) -> tuple[TaskInfo, ...]:
        return self.tasks[len(self.shown) :]


@dataclass(frozen=True)
class ClusterBox:
    """An ECS cluster with its entries: services first, then run_task groups."""

    id: str
    name: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class BalancerSpot:
    """A load balancer's node, in the box of its VPC, with the entries (services) it forwards to."""

    id: str
    info: LoadBalancerInfo
    vpc_box: str
    entries: tuple[str, ...]


@dataclass(frozen=True)
class Layout:
    """A snapshot arranged for drawing: every box and node with its id, parent and place in the order."""

    snapshot: Snapshot
    vpcs: tuple[VpcBox, ...] = ()
    subnets: tuple[SubnetBox, ...] = ()
    security_groups: tuple[SecurityGroupSpot, ...] = ()
    repositories: tuple[RepositorySpot, ...] = ()
    clusters: tuple[ClusterBox, ...] = ()
    beside: tuple[tuple[str, str], ...] = ()  # (security group node, an ENI node it protects): drawn side by side
    balancers: tuple[BalancerSpot, ...] = ()

    @property
    def empty(self) -> bool:
        """Nothing to draw: no cluster and no VPC belongs to the lab."""
        return not self.snapshot.clusters and not self.snapshot.vpcs


def lay_out(snap: Snapshot, max_tasks_per_service: int = MAX_TASKS_PER_SERVICE) -> Layout:
    """Place the snapshot's network, repositories and work into boxes, in drawing order."""
    vpcs = vpc_boxes(snap)
    subnets = subnet_boxes(snap, vpcs)
    security_groups = security_group_spots(snap, vpcs)
    repositories = repository_spots(snap)
    clusters = cluster_boxes(snap, subnets, repositories, max_tasks_per_service)
    return Layout(
        snap, vpcs, subnets, security_groups, repositories, clusters, beside(clusters, security_groups),
        balancer_spots(snap, vpcs, clusters),
    )


def balancer_spots(snap: Snapshot, vpcs: tuple[VpcBox, ...], clusters: tuple[ClusterBox, ...],
                   ) -> tuple[BalancerSpot, ...]:
    """The load balancers by name, each in its VPC's box, with the services registered in its target groups."""
    boxes = {v.vpc_id: v.id for v in vpcs}
    entries = [e for c in clusters for e in c.entries if e.service is not None]
    return tuple(
        BalancerSpot(f"lb_{i}", b, boxes.get(b.vpc_id, ""),
                     tuple(e.id for e in entries if set(e.service.target_groups) & set(b.forwards_to)))
        for i, b in enumerate(snap.load_balancers)
    )


def vpc_boxes(snap: Snapshot) -> tuple[VpcBox, ...]:
    """The VPCs by CIDR."""
    ordered = sorted(snap.vpcs.items(), key=lambda kv: (kv[1]["cidr"], kv[0]))
    return tuple(VpcBox(f"vpc_{i}", vid, v["name"], v["cidr"]) for i, (vid, v) in enumerate(ordered))


def subnet_boxes(snap: Snapshot, vpcs: tuple[VpcBox, ...]) -> tuple[SubnetBox, ...]:
    """The subnets by address, each in its VPC's box."""
    vpc_box = {v.vpc_id: v.id for v in vpcs}
    ordered = sorted(snap.subnets.items(), key=lambda kv: (ip_key(kv[1]["cidr"].split("/")[0]), kv[0]))
    return tuple(
        SubnetBox(f"subnet_{i}", sid, s["name"], s["cidr"], s["az"], vpc_box.get(s["vpc"], ""))
        for i, (sid, s) in enumerate(ordered)
    )


def security_group_spots(snap: Snapshot, vpcs: tuple[VpcBox, ...]) -> tuple[SecurityGroupSpot, ...]:
    """The security groups by name, each in its VPC's box."""
    vpc_box = {v.vpc_id: v.id for v in vpcs}
    ordered = sorted(snap.security_groups.items(), key=lambda kv: (kv[1]["name"], kv[0]))
    return tuple(
        SecurityGroupSpot(f"sg_{i}", gid, g["name"], vpc_box.get(g["vpc"], ""))
        for i, (gid, g) in enumerate(ordered)
    )


def repository_spots(snap: Snapshot) -> tuple[RepositorySpot, ...]:
    """The ECR repositories by name."""
    return tuple(
        RepositorySpot(f"repo_{i}", name, pulled) for i, (name, pulled) in enumerate(sorted(snap.repositories.items()))
    )


@dataclass(frozen=True)
class _Places:
    """What placing an entry looks up: the snapshot, subnet boxes and repository nodes by name, the task limit."""

    snap: Snapshot
    subnet_of: dict[str, SubnetBox]
    repository_of: dict[str, str]
    max_tasks: int


def cluster_boxes(
    snap: Snapshot,
    subnets: tuple[SubnetBox, ...],
    repositories: tuple[RepositorySpot, ...],
    max_tasks_per_service: int,
) -> tuple[ClusterBox, ...]:
    """The clusters in the snapshot's order, each with its entries numbered on from the last cluster's."""
    places = _Places(
        snap, {s.subnet_id: s for s in subnets}, {r.name: r.id for r in repositories}, max_tasks_per_service
    )
    numbers = itertools.count(1)
    boxes = []
    for i, name in enumerate(snap.clusters):
        entries = tuple(
            entry(places, next(numbers), f"cluster_{i}", service, group, tasks)
            for service, group, tasks in entries_of(snap, name)
        )
        boxes.append(ClusterBox(f"cluster_{i}", name, entries))
    return tuple(boxes)


def entries_of(snap: Snapshot, cluster: str) -> Iterator[tuple[ServiceInfo | None, str, list[TaskInfo]]]:
    """(service or None, run_task group, tasks) of a cluster: its services in order, then run_task's groups
    by name. A task belongs to the service its group names; any other task to its group (family:NAME)."""
    services = [s for s in snap.services if s.cluster == cluster]
    names = {s.name for s in services}
    by_service: dict[str, list[TaskInfo]] = {}
    by_group: dict[str, list[TaskInfo]] = {}
    for t in snap.tasks:
        if t.cluster != cluster:
            continue
        kind, _, name = t.group.partition(":")
        if kind == "service" and name in names:
            by_service.setdefault(name, []).append(t)
        else:
            by_group.setdefault(t.group.split(":", 1)[-1] or "tasks", []).append(t)
    for s in services:
        yield s, "", by_service.get(s.name, [])
    for group in sorted(by_group):
        yield None, group, by_group[group]


def entry(
    places: _Places, number: int, cluster_box: str, service: ServiceInfo | None, group: str, tasks: list[TaskInfo]
) -> Entry:
    """One service or run_task group: its tasks by IP, those drawn, where its image and tasks come from."""
    ordered = tuple(sorted(tasks, key=lambda t: (ip_key(t.private_ip), t.id)))
    drawn = ordered if len(ordered) <= places.max_tasks else ordered[: places.max_tasks - 1]
    task_definition = service.task_definition if service else (ordered[0].task_definition if ordered else "")
    repositories = places.snap.task_definition_repositories.get(task_definition, ())
    return Entry(
        number,
        cluster_box,
        service,
        group,
        ordered,
        tuple(task_spot(places, t, number) for t in drawn),
        tuple(places.repository_of[r] for r in repositories),
        tuple(places.subnet_of[t.subnet_id] for t in ordered if t.subnet_id in places.subnet_of),
    )


def task_spot(places: _Places, t: TaskInfo, number: int) -> TaskSpot:
    """A drawn task: its node, its ENI's node and subnet box, and its security groups' names."""
    subnet = places.subnet_of.get(t.subnet_id)
    return TaskSpot(
        f"task_{t.id[:12].replace('-', '')}_{number}",
        t,
        f"eni_{t.eni_id.replace('-', '_')}" if t.eni_id else "",
        subnet.id if subnet else "",
        tuple(places.snap.security_groups.get(g, {}).get("name") or g for g in t.security_groups),
    )


def beside(
    clusters: tuple[ClusterBox, ...], security_groups: tuple[SecurityGroupSpot, ...]
) -> tuple[tuple[str, str], ...]:
    """Each drawn security group with the first drawn ENI it protects, to draw the group beside it."""
    node_of = {g.group_id: g.id for g in security_groups}
    first: dict[str, str] = {}
    for spot in (s for c in clusters for e in c.entries for s in e.shown if s.eni):
        for g in spot.task.security_groups:
            if g in node_of:
                first.setdefault(node_of[g], spot.eni)
    return tuple(sorted(first.items()))


def ip_key(ip: str) -> tuple[int, int]:
    """Sort key for an IP address; what is not one sorts last."""
    try:
        return (0, int(ipaddress.ip_address(ip)))
    except ValueError:
        return (1, 0)
