"""The live diagram's words: its text summary (what `str()` shows; names no ids) and its description."""

from __future__ import annotations

from labkit.diagrams.live.layout import Entry, Layout, SubnetBox
from labkit.diagrams.live.snapshot import Snapshot

TITLE = "Your lab on AWS Fargate, as it is now"


def summary(layout: Layout) -> str:
    """The lab in lines: its VPCs, then each cluster's services and run_task groups, then its repositories."""
    lines = [f"Lab architecture ({where(layout.snapshot)}):"]
    lines += vpc_lines(layout)
    for cluster in layout.clusters:
        lines.append(f"ECS cluster {cluster.name}:")
        lines += [entry_line(e) for e in cluster.entries]
    lines += repository_lines(layout)
    lines += balancer_lines(layout)
    return "\n".join(lines)


def nothing_deployed(snap: Snapshot) -> str:
    """The summary (and description) of a lab that owns no VPC and no cluster."""
    return f"Lab architecture ({where(snap)}): nothing deployed yet (no VPC or ECS cluster belongs to this lab)."


def description(snap: Snapshot) -> str:
    """What the picture shows, for a screen reader."""
    text = (
        f"The lab's network and containers: {len(snap.vpcs)} VPC(s) with {len(snap.subnets)} subnet(s), "
        f"{len(snap.clusters)} ECS cluster(s), {len(snap.services)} service(s) and {len(snap.tasks)} task(s), "
        "each task with its own network interface (ENI) and private IP in a subnet."
    )
    if snap.load_balancers:
        text += f" {len(snap.load_balancers)} load balancer(s) forward requests to the services behind them."
    return text


def where(snap: Snapshot) -> str:
    """The mode and region, e.g. "mock mode, us-east-1"."""
    return ", ".join(p for p in (f"{snap.mode} mode" if snap.mode else "", snap.region) if p)


def vpc_lines(layout: Layout) -> list[str]:
    lines = []
    for vpc in layout.vpcs:
        subnets = [subnet_text(s) for s in layout.subnets if s.vpc_box == vpc.id]
        groups = sorted(g.name for g in layout.security_groups if g.vpc_box == vpc.id)
        lines.append(
            f"VPC {vpc.cidr}: subnets {', '.join(subnets) or 'none'}; security groups: {', '.join(groups) or 'none'}"
        )
    return lines


def entry_line(e: Entry) -> str:
    """A service's counts and capacity (or a run_task group), then its tasks, ENIs and subnets."""
    if e.service is not None:
        s = e.service
        head = (
            f"  - service {s.name}: desired {s.desired_count}, running {s.running_count}, "
            f"pending {s.pending_count}; capacity {s.capacity}; "
        )
    else:
        head = f"  - standalone tasks ({e.group}): "
    enis = sum(1 for t in e.tasks if t.eni_id)
    nets = sorted({subnet_text(s) for s in e.subnets})
    hidden = len(e.hidden)
    return (
        head
        + f"{count(len(e.tasks), 'task')} running, {count(enis, 'ENI')} (one per task)"
        + (f" in {', '.join(nets)}" if nets else "")
        + (f"; drawn: {len(e.shown)} and a '+{hidden} more' box" if hidden else "")
    )


def repository_lines(layout: Layout) -> list[str]:
    return [
        f"ECR repository {r.name}: "
        + (f"image {', '.join(':' + p for p in r.pulled)}" if r.pulled else "no image pulled by the lab's tasks")
        for r in layout.repositories
    ]


def balancer_lines(layout: Layout) -> list[str]:
    """Each load balancer: its listeners, its target groups' health, the services behind it."""
    names = {e.id: e.service.name for c in layout.clusters for e in c.entries if e.service is not None}
    lines = []
    for b in layout.balancers:
        groups = "; ".join(f"target group {n}: {h}" for n, h in b.info.target_groups) or "no target group"
        behind = ", ".join(names[e] for e in b.entries)
        lines.append(f"Load balancer {b.info.name} ({', '.join(b.info.listeners) or 'no listener'}): {groups}"
                     + (f"; forwards to service {behind}" if behind else ""))
    return lines


def subnet_text(s: SubnetBox) -> str:
    """A subnet's CIDR and zone, e.g. "10.0.1.0/24 (us-east-1a)"."""
    return f"{s.cidr} ({s.az})" if s.az else s.cidr


def count(n: int, word: str) -> str:
    """ "1 task", "3 tasks"."""
    return f"{n} {word}{'s' if n != 1 else ''}"
