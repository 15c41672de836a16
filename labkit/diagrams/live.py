"""The live architecture of a lab, read from the account through `lab.client(...)`: works in every mode.

`read_account(lab)` takes a plain snapshot (VPC, subnets, security groups, clusters, services, tasks and
their ENIs, ECR repositories); `draw(snapshot)` turns it into a `Diagram`. Only the lab's own resources
are shown: those tagged `labkit:lab=<lab id>`, and what the lab's tasks use.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from labkit.diagrams.base import Diagram, Edge, Group, Node, box_label, html_label
from labkit.errors import InvalidInput
from labkit.lab.tagging import TAG_LAB
from labkit.model.units import short_name

MAX_TASKS_PER_SERVICE = 6


@dataclass(frozen=True)
class TaskInfo:
    """One task as the diagram needs it: its ENI, private IP and subnet come from its attachment."""

    id: str
    cluster: str
    group: str
    status: str
    capacity: str
    task_definition: str
    eni_id: str = ""
    private_ip: str = ""
    subnet_id: str = ""
    security_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceInfo:
    """An ECS service with its counts as describe_services reports them."""

    cluster: str
    name: str
    desired_count: int
    running_count: int
    pending_count: int
    capacity: str
    task_definition: str
    security_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """What the lab's account holds, read once; drawing it makes no further calls."""

    mode: str
    region: str
    clusters: tuple[str, ...] = ()
    services: tuple[ServiceInfo, ...] = ()
    tasks: tuple[TaskInfo, ...] = ()
    vpcs: dict[str, dict[str, str]] = field(default_factory=dict)
    subnets: dict[str, dict[str, str]] = field(default_factory=dict)
    security_groups: dict[str, dict[str, str]] = field(default_factory=dict)
    repositories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    task_definition_repositories: dict[str, tuple[str, ...]] = field(default_factory=dict)


def lab_tag(lab: Any) -> tuple[str, str] | None:
    """The lab's own tag (`labkit:lab`, value) from `lab.tags` (a dict or AWS's Key/Value list), if any."""
    tags = getattr(lab, "tags", None)
    value = None
    if isinstance(tags, dict):
        value = tags.get(TAG_LAB)
    elif isinstance(tags, (list, tuple)):
        for t in tags:
            if isinstance(t, dict) and (t.get("Key") or t.get("key")) == TAG_LAB:
                value = t.get("Value", t.get("value"))
    return (TAG_LAB, str(value)) if value else None


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _pages(client: Any, op: str, key: str, **kwargs: Any) -> list[Any]:
    out: list[Any] = []
    for page in client.get_paginator(op).paginate(**kwargs):
        out.extend(page.get(key, []))
    return out


def _has_tag(tags: Iterable[dict[str, str]] | None, tag: tuple[str, str]) -> bool:
    return any(
        (t.get("key") or t.get("Key")) == tag[0] and (t.get("value") or t.get("Value")) == tag[1]
        for t in tags or ()
    )


def _name_tag(tags: Iterable[dict[str, str]] | None) -> str:
    return next((t["Value"] for t in tags or () if t.get("Key") == "Name"), "")


def _capacity(item: dict[str, Any]) -> str:
    strategy = item.get("capacityProviderStrategy") or []
    if strategy:
        if len(strategy) == 1:
            return strategy[0]["capacityProvider"]
        return " + ".join(
            f"{s['capacityProvider']} (weight {s.get('weight', 0)}"
            + (f", base {s['base']})" if s.get("base") else ")")
            for s in strategy
        )
    return item.get("capacityProviderName") or item.get("launchType") or "unknown"


def read_account(lab: Any) -> Snapshot:
    """Read the lab's VPCs, subnets, security groups, clusters, services, tasks and ECR repositories."""
    if not callable(getattr(lab, "client", None)):
        raise InvalidInput(
            f"architecture() was given {type(lab).__name__}, which has no .client(name); "
            "expected a lab from labkit.connect()."
        )
    from botocore.exceptions import ClientError

    ecs, ec2, ecr = lab.client("ecs"), lab.client("ec2"), lab.client("ecr")
    tag = lab_tag(lab)
    region = getattr(lab, "region", None) or ecs.meta.region_name
    mode = str(getattr(lab, "mode", "") or "")

    cluster_arns = _pages(ecs, "list_clusters", "clusterArns")
    clusters = []
    for chunk in _chunks(cluster_arns, 100):
        for c in ecs.describe_clusters(clusters=chunk, include=["TAGS"]).get("clusters", []):
            if c.get("status", "ACTIVE") == "ACTIVE" and (tag is None or _has_tag(c.get("tags"), tag)):
                clusters.append(c["clusterName"])
    clusters.sort()

    services: list[ServiceInfo] = []
    tasks: list[TaskInfo] = []
    for cluster in clusters:
        arns = _pages(ecs, "list_services", "serviceArns", cluster=cluster)
        for chunk in _chunks(arns, 10):
            for s in ecs.describe_services(cluster=cluster, services=chunk).get("services", []):
                if s.get("status") == "INACTIVE":
                    continue
                net = (s.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
                services.append(
                    ServiceInfo(
                        cluster,
                        s["serviceName"],
                        s.get("desiredCount", 0),
                        s.get("runningCount", 0),
                        s.get("pendingCount", 0),
                        _capacity(s),
                        short_name(s.get("taskDefinition", "")),
                        tuple(net.get("securityGroups") or ()),
                    )
                )
        task_arns = _pages(ecs, "list_tasks", "taskArns", cluster=cluster, desiredStatus="RUNNING")
        for chunk in _chunks(task_arns, 100):
            for t in ecs.describe_tasks(cluster=cluster, tasks=chunk).get("tasks", []):
                details: dict[str, str] = {}
                for att in t.get("attachments") or []:
                    if att.get("type") == "ElasticNetworkInterface":
                        details = {d["name"]: d.get("value", "") for d in att.get("details") or []}
                group = t.get("group", "")
                tasks.append(
                    TaskInfo(
                        short_name(t["taskArn"]),
                        cluster,
                        group,
                        t.get("lastStatus", ""),
                        _capacity(t),
                        short_name(t.get("taskDefinitionArn", "")),
                        details.get("networkInterfaceId", ""),
                        details.get("privateIPv4Address", ""),
                        details.get("subnetId", ""),
                    )
                )
    services.sort(key=lambda s: (s.cluster, s.name))

    # ENIs tell which security groups each task really has.
    eni_ids = sorted({t.eni_id for t in tasks if t.eni_id})
    eni_groups: dict[str, tuple[str, ...]] = {}
    for chunk in _chunks(eni_ids, 200):
        try:
            for eni in ec2.describe_network_interfaces(NetworkInterfaceIds=chunk).get(
                "NetworkInterfaces", []
            ):
                eni_groups[eni["NetworkInterfaceId"]] = tuple(
                    sorted(g["GroupId"] for g in eni.get("Groups", []))
                )
        except ClientError:
            pass  # an ENI vanished with its task: keep the rest of the picture
    tasks = [TaskInfo(**{**t.__dict__, "security_groups": eni_groups.get(t.eni_id, ())}) for t in tasks]

    tag_filter = [{"Name": f"tag:{tag[0]}", "Values": [tag[1]]}] if tag else None
    subnet_ids = {t.subnet_id for t in tasks if t.subnet_id}
    subnets: dict[str, dict[str, str]] = {}
    found = []
    if subnet_ids:
        try:
            found += ec2.describe_subnets(SubnetIds=sorted(subnet_ids)).get("Subnets", [])
        except ClientError:
            pass
    if tag_filter:
        found += ec2.describe_subnets(Filters=tag_filter).get("Subnets", [])
    for s in found:
        subnets[s["SubnetId"]] = {
            "vpc": s["VpcId"],
            "cidr": s.get("CidrBlock", ""),
            "az": s.get("AvailabilityZone", ""),
            "name": _name_tag(s.get("Tags")),
        }
    vpc_ids = {s["vpc"] for s in subnets.values()}
    vpcs: dict[str, dict[str, str]] = {}
    found_vpcs = ec2.describe_vpcs(VpcIds=sorted(vpc_ids)).get("Vpcs", []) if vpc_ids else []
    if tag_filter:
        found_vpcs += ec2.describe_vpcs(Filters=tag_filter).get("Vpcs", [])
    for v in found_vpcs:
        vpcs[v["VpcId"]] = {"cidr": v.get("CidrBlock", ""), "name": _name_tag(v.get("Tags"))}

    sg_ids = {g for t in tasks for g in t.security_groups} | {g for s in services for g in s.security_groups}
    groups: dict[str, dict[str, str]] = {}
    found_sgs = []
    if sg_ids:
        try:
            found_sgs += ec2.describe_security_groups(GroupIds=sorted(sg_ids)).get("SecurityGroups", [])
        except ClientError:
            pass
    if tag_filter:
        found_sgs += ec2.describe_security_groups(Filters=tag_filter).get("SecurityGroups", [])
    for g in found_sgs:
        groups[g["GroupId"]] = {"name": g.get("GroupName", ""), "vpc": g.get("VpcId", "")}

    # Images: from the task definitions the lab runs; repositories: the lab's, and those images come from.
    images: dict[str, tuple[str, ...]] = {}
    for td in sorted({t.task_definition for t in tasks} | {s.task_definition for s in services} - {""}):
        try:
            defn = ecs.describe_task_definition(taskDefinition=td)["taskDefinition"]
        except ClientError:
            continue
        images[td] = tuple(c.get("image", "") for c in defn.get("containerDefinitions", []))
    used = {img for imgs in images.values() for img in imgs}
    repositories: dict[str, tuple[str, ...]] = {}
    td_repos: dict[str, list[str]] = {}
    for repo in _pages(ecr, "describe_repositories", "repositories"):
        uri = repo.get("repositoryUri", "")

        def from_repo(img: str, uri: str = uri) -> bool:
            return bool(uri) and (img == uri or img.startswith(uri + ":") or img.startswith(uri + "@"))

        pulled = tuple(sorted({img[len(uri) :].lstrip(":@") or "latest" for img in used if from_repo(img)}))
        for td, imgs in images.items():
            if any(from_repo(img) for img in imgs):
                td_repos.setdefault(td, []).append(repo["repositoryName"])
        keep = bool(pulled) or tag is None
        if not keep:
            try:
                keep = _has_tag(
                    ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"]).get("tags"), tag
                )
            except ClientError:
                keep = False
        if keep:
            repositories[repo["repositoryName"]] = pulled
    return Snapshot(
        mode,
        region,
        tuple(clusters),
        tuple(services),
        tuple(tasks),
        vpcs,
        subnets,
        groups,
        repositories,
        {td: tuple(sorted(names)) for td, names in td_repos.items()},
    )


def _ip_key(ip: str) -> tuple[int, int]:
    try:
        return (0, int(ipaddress.ip_address(ip)))
    except ValueError:
        return (1, 0)


def _subnet_text(s: dict[str, str]) -> str:
    return f"{s['cidr']} ({s['az']})" if s.get("az") else s.get("cidr", "")


def architecture(lab: Any, *, max_tasks_per_service: int = MAX_TASKS_PER_SERVICE) -> Diagram:
    """The lab as it is now: VPC, subnets, security groups, clusters, services, tasks with their ENIs, ECR.

    Above `max_tasks_per_service` tasks a service shows a few tasks and a "+N more tasks" box.
    """
    if (
        isinstance(max_tasks_per_service, bool)
        or not isinstance(max_tasks_per_service, int)
        or max_tasks_per_service < 2
    ):
        raise InvalidInput(
            f"max_tasks_per_service={max_tasks_per_service!r}; expected a whole number of 2 or more."
        )
    return draw(read_account(lab), max_tasks_per_service=max_tasks_per_service)


def draw(snap: Snapshot, *, max_tasks_per_service: int = MAX_TASKS_PER_SERVICE) -> Diagram:
    """Turn a snapshot into a Diagram (no AWS calls)."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    groups: list[Group] = []
    lines: list[str] = []
    where = ", ".join(p for p in (f"{snap.mode} mode" if snap.mode else "", snap.region) if p)
    title = "Your lab on AWS Fargate, as it is now"
    if not snap.clusters and not snap.vpcs:
        nodes.append(
            Node(
                "empty",
                "Nothing deployed yet",
                "note",
                attrs=(
                    (
                        "label",
                        html_label("Nothing deployed yet", ["no VPC or ECS cluster belongs to this lab"]),
                    ),
                ),
            )
        )
        summary = (
            f"Lab architecture ({where}): nothing deployed yet (no VPC or ECS cluster belongs to this lab)."
        )
        return Diagram("architecture", title, summary, summary, tuple(nodes), legend=())

    # Network: VPCs hold subnets, subnets hold the tasks' ENIs; security groups sit in their VPC.
    vpc_gid = {}
    for i, (vid, v) in enumerate(sorted(snap.vpcs.items(), key=lambda kv: (kv[1]["cidr"], kv[0]))):
        vpc_gid[vid] = f"vpc_{i}"
        label = f"VPC {v['name'] or vid}  {v['cidr']}"
        groups.append(
            Group(
                f"vpc_{i}",
                label,
                "vpc",
                who="you",
                attrs=(("label", box_label(f"VPC {v['name'] or vid}", v["cidr"])), ("tooltip", vid)),
            )
        )
    subnet_gid = {}
    ordered_subnets = sorted(
        snap.subnets.items(), key=lambda kv: (_ip_key(kv[1]["cidr"].split("/")[0]), kv[0])
    )
    for i, (sid, s) in enumerate(ordered_subnets):
        subnet_gid[sid] = f"subnet_{i}"
        groups.append(
            Group(
                f"subnet_{i}",
                f"subnet {s['name'] or sid}  {_subnet_text(s)}",
                "subnet",
                who="you",
                parent=vpc_gid.get(s["vpc"], ""),
                attrs=(
                    ("label", box_label(f"subnet {s['name']}" if s["name"] else "subnet", _subnet_text(s))),
                    ("tooltip", sid),
                ),
            )
        )
    sg_node = {}
    for i, (gid, g) in enumerate(sorted(snap.security_groups.items(), key=lambda kv: (kv[1]["name"], kv[0]))):
        sg_node[gid] = f"sg_{i}"
        nodes.append(
            Node(
                f"sg_{i}",
                f"security group {g['name']}",
                "security_group",
                who="you",
                group=vpc_gid.get(g["vpc"], ""),
                attrs=(("label", html_label(f"security group {g['name'] or gid}", [gid])),),
            )
        )

    # ECR repositories and the images the tasks pull.
    if snap.repositories:
        groups.append(Group("ecr", "Amazon ECR", "registry", attrs=(("label", box_label("Amazon ECR")),)))
    repo_node = {}
    for i, (name, pulled) in enumerate(sorted(snap.repositories.items())):
        repo_node[name] = f"repo_{i}"
        shown = [f"image :{p}" for p in pulled] or ["no image pulled by the lab's tasks"]
        nodes.append(
            Node(
                f"repo_{i}",
                f"ECR repository {name}",
                "repository",
                who="you",
                group="ecr",
                attrs=(("label", html_label(f"repository {name}", shown)),),
            )
        )

    groups.append(
        Group(
            "fargate",
            "AWS Fargate: AWS runs each task on compute it manages",
            "fargate",
            who="aws",
            attrs=(("label", box_label("AWS Fargate", "AWS-managed compute")),),
        )
    )
    lines.append(f"Lab architecture ({where}):")
    for vid, v in sorted(snap.vpcs.items(), key=lambda kv: (kv[1]["cidr"], kv[0])):
        subs = [_subnet_text(s) for _, s in ordered_subnets if s["vpc"] == vid]
        sgs = sorted(g["name"] for g in snap.security_groups.values() if g["vpc"] == vid)
        lines.append(
            f"VPC {v['cidr']}: subnets {', '.join(subs) or 'none'}; security groups: "
            f"{', '.join(sgs) or 'none'}"
        )

    counter = 0
    first_eni: dict[str, str] = {}  # security group node -> an ENI it protects, to draw the group beside it
    for ci, cluster in enumerate(snap.clusters):
        cgid = f"cluster_{ci}"
        groups.append(
            Group(
                cgid,
                f"ECS cluster {cluster}",
                "ecs_cluster",
                attrs=(("label", box_label("ECS cluster", cluster)),),
            )
        )
        lines.append(f"ECS cluster {cluster}:")
        svc_names = [s.name for s in snap.services if s.cluster == cluster]
        members: dict[str, list[TaskInfo]] = {}
        for t in snap.tasks:
            if t.cluster != cluster:
                continue
            key = (
                t.group[len("service:") :]
                if t.group.startswith("service:") and t.group[8:] in svc_names
                else f"standalone:{t.group.split(':', 1)[-1] or 'tasks'}"
            )
            members.setdefault(key, []).append(t)
        entries: list[tuple[str, ServiceInfo | None]] = [
            (s.name, s) for s in snap.services if s.cluster == cluster
        ]
        entries += [(k, None) for k in sorted(members) if k.startswith("standalone:")]
        for key, svc in entries:
            counter += 1
            sid = f"svc_{counter}"
            mine = sorted(members.get(key, []), key=lambda t: (_ip_key(t.private_ip), t.id))
            if svc is not None:
                counts = (
                    f"desired {svc.desired_count} · running {svc.running_count} · pending {svc.pending_count}"
                )
                nodes.append(
                    Node(
                        sid,
                        f"service {svc.name}",
                        "service",
                        who="you",
                        group=cgid,
                        attrs=(
                            (
                                "label",
                                html_label(
                                    f"service {svc.name}",
                                    [
                                        counts,
                                        f"capacity: {svc.capacity}",
                                        f"task definition {svc.task_definition}",
                                    ],
                                ),
                            ),
                            ("tooltip", f"{svc.name}: {counts}"),
                        ),
                    )
                )
                text = (
                    f"  - service {svc.name}: desired {svc.desired_count}, running {svc.running_count}, "
                    f"pending {svc.pending_count}; capacity {svc.capacity}; "
                )
                td = svc.task_definition
            else:
                family = key.split(":", 1)[1]
                nodes.append(
                    Node(
                        sid,
                        f"standalone tasks {family}",
                        "standalone",
                        who="you",
                        group=cgid,
                        attrs=(("label", html_label("run_task (no service)", [f"group {family}"])),),
                    )
                )
                text = f"  - standalone tasks ({family}): "
                td = mine[0].task_definition if mine else ""
            for repo in snap.task_definition_repositories.get(td, ()):
                edges.append(Edge(repo_node[repo], sid, "image"))
            shown = mine if len(mine) <= max_tasks_per_service else mine[: max_tasks_per_service - 1]
            # The service's tasks sit in their own box inside the Fargate box; one arrow goes to that box.
            tgid = f"tasks_{counter}"
            who_runs = svc.name if svc is not None else "run_task"
            groups.append(
                Group(
                    tgid,
                    f"{who_runs}: {len(mine)} task{'s' if len(mine) != 1 else ''}",
                    "task_group",
                    who="aws",
                    parent="fargate",
                    attrs=(
                        ("label", box_label(who_runs, f"{len(mine)} task{'s' if len(mine) != 1 else ''}")),
                        ("margin", "8"),
                    ),
                )
            )
            box_ids: list[str] = []
            for t in shown:
                tid = f"task_{t.id[:12].replace('-', '')}_{counter}"
                status = "" if t.status in ("RUNNING", "") else f" ({t.status})"
                nodes.append(
                    Node(
                        tid,
                        f"task {t.id[:8]}{status}",
                        "task",
                        who="aws",
                        group=tgid,
                        attrs=(("label", html_label(f"task {t.id[:8]}{status}", [t.capacity])),),
                    )
                )
                box_ids.append(tid)
                if t.eni_id:
                    eid = f"eni_{t.eni_id.replace('-', '_')}"
                    names = [snap.security_groups.get(g, {}).get("name") or g for g in t.security_groups]
                    sg_lines = [f"security group {', '.join(names)}"] if names else []
                    nodes.append(
                        Node(
                            eid,
                            f"ENI {t.eni_id} {t.private_ip}",
                            "eni",
                            who="aws",
                            group=subnet_gid.get(t.subnet_id, ""),
                            attrs=(
                                ("label", html_label(f"ENI {t.private_ip}".strip(), [t.eni_id, *sg_lines])),
                            ),
                        )
                    )
                    edges.append(Edge(tid, eid))
                    for g in t.security_groups:
                        if g in sg_node:
                            first_eni.setdefault(sg_node[g], eid)
            hidden = len(mine) - len(shown)
            if hidden:
                hidden_enis = sum(1 for t in mine[len(shown) :] if t.eni_id)
                mid = f"more_{counter}"
                nodes.append(
                    Node(
                        mid,
                        f"+{hidden} more tasks ({hidden_enis} ENIs)",
                        "more",
                        who="aws",
                        group=tgid,
                        attrs=(
                            (
                                "label",
                                html_label(f"+{hidden} more tasks", [f"({hidden_enis} ENIs, one per task)"]),
                            ),
                            ("style", "rounded,filled,dashed"),
                        ),
                    )
                )
                box_ids.append(mid)
            # invisible edges keep every task one step right of its service; one visible arrow meets the box
            edges += [Edge(sid, b, attrs=(("style", "invis"),)) for b in box_ids]
            if box_ids:
                edges.append(Edge(sid, box_ids[len(box_ids) // 2], attrs=(("lhead", f"cluster_{tgid}"),)))
            enis = sum(1 for t in mine if t.eni_id)
            nets = sorted(
                {_subnet_text(snap.subnets[t.subnet_id]) for t in mine if t.subnet_id in snap.subnets}
            )
            lines.append(
                text + f"{len(mine)} task{'s' if len(mine) != 1 else ''} running, {enis} ENI"
                f"{'s' if enis != 1 else ''} (one per task)"
                + (f" in {', '.join(nets)}" if nets else "")
                + (f"; drawn: {len(shown)} and a '+{hidden} more' box" if hidden else "")
            )
    for name, pulled in sorted(snap.repositories.items()):
        lines.append(
            f"ECR repository {name}: "
            + (
                f"image {', '.join(':' + p for p in pulled)}"
                if pulled
                else "no image pulled by the lab's tasks"
            )
        )
    n_tasks = len(snap.tasks)
    desc = (
        f"The lab's network and containers: {len(snap.vpcs)} VPC(s) with {len(snap.subnets)} subnet(s), "
        f"{len(snap.clusters)} ECS cluster(s), {len(snap.services)} service(s) and {n_tasks} task(s), "
        "each task with its own network interface (ENI) and private IP in a subnet."
    )
    return Diagram(
        "architecture",
        title,
        desc,
        "\n".join(lines),
        tuple(nodes),
        tuple(edges),
        tuple(groups),
        graph_attrs=(
            ("rankdir", "LR"),
            ("nodesep", "0.18"),
            ("ranksep", "0.3"),
            ("newrank", "true"),
            ("compound", "true"),
        ),
        same_rank=tuple((sg, eni) for sg, eni in sorted(first_eni.items())),
    )
