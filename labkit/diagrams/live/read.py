"""Step 1 of the live diagram: read the lab's account into a `Snapshot`, one small reader per resource kind.

Every call goes through `lab.client(...)` (plain boto3), so it reads the same in mock, local and real mode.
Only the lab's own resources are kept: those tagged `labkit:lab=<lab id>`, and what the lab's tasks use.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from labkit.diagrams.live.snapshot import LoadBalancerInfo, ServiceInfo, Snapshot, TaskInfo
from labkit.errors import InvalidInput
from labkit.lab.listing import chunks, paginate
from labkit.lab.tagging import TAG_LAB, tag_dict
from labkit.model.units import short_name

Tag = tuple[str, str]


@dataclass(frozen=True)
class Account:
    """The boto3 clients a reading needs, and the lab's tag (None: everything the account holds is the lab's)."""

    ecs: Any
    ec2: Any
    ecr: Any
    tag: Tag | None
    elbv2: Any = None  # None: the lab never used load balancing, so it has none

    def owns(self, tags: Iterable[dict[str, str]] | None) -> bool:
        """Whether a resource with these tags (ECS's key/value or EC2's Key/Value) belongs to the lab."""
        return self.tag is None or tag_dict(tags).get(self.tag[0]) == self.tag[1]

    @property
    def tag_filter(self) -> list[dict[str, Any]] | None:
        """The EC2 describe filter that finds the lab's tagged resources (None without a lab tag)."""
        return [{"Name": f"tag:{self.tag[0]}", "Values": [self.tag[1]]}] if self.tag else None


def read_account(lab: Any) -> Snapshot:
    """Read the lab's clusters, services, tasks, network and ECR repositories, one kind at a time."""
    account = _account(lab)
    clusters = read_clusters(account)
    services: list[ServiceInfo] = []
    tasks: list[TaskInfo] = []
    for cluster in clusters:
        services += read_services(account, cluster)
        tasks += read_tasks(account, cluster)
    services.sort(key=lambda s: (s.cluster, s.name))
    tasks = with_security_groups(account, tasks)
    subnets = read_subnets(account, {t.subnet_id for t in tasks if t.subnet_id})
    vpcs = read_vpcs(account, {s["vpc"] for s in subnets.values()})
    groups = read_security_groups(
        account, {g for t in tasks for g in t.security_groups} | {g for s in services for g in s.security_groups}
    )
    images = read_images(account, {t.task_definition for t in tasks} | {s.task_definition for s in services})
    repositories, task_definition_repositories = read_repositories(account, images)
    balancers = read_load_balancers(account)
    return Snapshot(
        mode=str(getattr(lab, "mode", "") or ""),
        region=getattr(lab, "region", None) or account.ecs.meta.region_name,
        clusters=tuple(clusters),
        services=tuple(services),
        tasks=tuple(tasks),
        vpcs=vpcs,
        subnets=subnets,
        security_groups=groups,
        repositories=repositories,
        task_definition_repositories=task_definition_repositories,
        load_balancers=balancers,
    )


def lab_tag(lab: Any) -> Tag | None:
    """The lab's own tag (`labkit:lab`, value) from `lab.tags` (a dict or AWS's Key/Value list), if any."""
    tags = getattr(lab, "tags", None)
    value = tag_dict(tags).get(TAG_LAB) if isinstance(tags, (dict, list, tuple)) else None
    return (TAG_LAB, str(value)) if value else None


def _account(lab: Any) -> Account:
    """The lab's clients and tag; InvalidInput for anything that is not a lab."""
    if not callable(getattr(lab, "client", None)):
        raise InvalidInput(
            f"architecture() was given {type(lab).__name__}, which has no .client(name); "
            "expected a lab from labkit.connect()."
        )
    in_use = lab.services_in_use() if callable(getattr(lab, "services_in_use", None)) else None
    elbv2 = lab.client("elbv2") if in_use is None or "elbv2" in in_use else None
    return Account(lab.client("ecs"), lab.client("ec2"), lab.client("ecr"), lab_tag(lab), elbv2)


# ------------------------------------------------------------------------------------------------- ECS
def read_clusters(account: Account) -> list[str]:
    """The names of the lab's active ECS clusters, sorted."""
    names = []
    for chunk in chunks(paginate(account.ecs, "list_clusters", "clusterArns"), 100):
        for c in account.ecs.describe_clusters(clusters=chunk, include=["TAGS"]).get("clusters", []):
            if c.get("status", "ACTIVE") == "ACTIVE" and account.owns(c.get("tags")):
                names.append(c["clusterName"])
    return sorted(names)


def read_services(account: Account, cluster: str) -> list[ServiceInfo]:
    """The cluster's services that are not deleted, with their counts, capacity and security groups."""
    services = []
    for chunk in chunks(paginate(account.ecs, "list_services", "serviceArns", cluster=cluster), 10):
        for s in account.ecs.describe_services(cluster=cluster, services=chunk).get("services", []):
            if s.get("status") != "INACTIVE":
                services.append(_service_info(cluster, s))
    return services


def _service_info(cluster: str, s: dict[str, Any]) -> ServiceInfo:
    net = (s.get("networkConfiguration") or {}).get("awsvpcConfiguration") or {}
    return ServiceInfo(
        cluster,
        s["serviceName"],
        s.get("desiredCount", 0),
        s.get("runningCount", 0),
        s.get("pendingCount", 0),
        _capacity(s),
        short_name(s.get("taskDefinition", "")),
        tuple(net.get("securityGroups") or ()),
        tuple(b["targetGroupArn"] for b in s.get("loadBalancers") or () if b.get("targetGroupArn")),
    )


def read_tasks(account: Account, cluster: str) -> list[TaskInfo]:
    """The cluster's tasks meant to run (desired status RUNNING), each with its ENI, IP and subnet."""
    tasks = []
    arns = paginate(account.ecs, "list_tasks", "taskArns", cluster=cluster, desiredStatus="RUNNING")
    for chunk in chunks(arns, 100):
        for t in account.ecs.describe_tasks(cluster=cluster, tasks=chunk).get("tasks", []):
            tasks.append(_task_info(cluster, t))
    return tasks


def _task_info(cluster: str, t: dict[str, Any]) -> TaskInfo:
    eni = _eni_details(t)
    return TaskInfo(
        short_name(t["taskArn"]),
        cluster,
        t.get("group", ""),
        t.get("lastStatus", ""),
        _capacity(t),
        short_name(t.get("taskDefinitionArn", "")),
        eni.get("networkInterfaceId", ""),
        eni.get("privateIPv4Address", ""),
        eni.get("subnetId", ""),
    )


def _eni_details(task: dict[str, Any]) -> dict[str, str]:
    """The name -> value details of the task's (last) ENI attachment; {} without one."""
    details: dict[str, str] = {}
    for att in task.get("attachments") or []:
        if att.get("type") == "ElasticNetworkInterface":
            details = {d["name"]: d.get("value", "") for d in att.get("details") or []}
    return details


def _capacity(item: dict[str, Any]) -> str:
    """Where a service or task runs: its capacity provider(s) with weight and base, or its launch type."""
    strategy = item.get("capacityProviderStrategy") or []
    if len(strategy) == 1:
        return strategy[0]["capacityProvider"]
    if strategy:
        return " + ".join(
            f"{s['capacityProvider']} (weight {s.get('weight', 0)}"
            + (f", base {s['base']})" if s.get("base") else ")")
            for s in strategy
        )
    return item.get("capacityProviderName") or item.get("launchType") or "unknown"


def read_images(account: Account, task_definitions: set[str]) -> dict[str, tuple[str, ...]]:
    """The container images of each task definition the lab runs (one that cannot be described is left out)."""
    from botocore.exceptions import ClientError

    images = {}
    for td in sorted(task_definitions - {""}):
        try:
            defn = account.ecs.describe_task_definition(taskDefinition=td)["taskDefinition"]
        except ClientError:
            continue
        images[td] = tuple(c.get("image", "") for c in defn.get("containerDefinitions", []))
    return images


# ------------------------------------------------------------------------------------------------- EC2
def with_security_groups(account: Account, tasks: list[TaskInfo]) -> list[TaskInfo]:
    """The tasks with the security groups their ENIs really have (an ENI gone with its task: none)."""
    from botocore.exceptions import ClientError

    eni_groups: dict[str, tuple[str, ...]] = {}
    for chunk in chunks(sorted({t.eni_id for t in tasks if t.eni_id}), 200):
        try:
            found = account.ec2.describe_network_interfaces(NetworkInterfaceIds=chunk).get("NetworkInterfaces", [])
        except ClientError:
            continue  # an ENI vanished with its task: keep the rest of the picture
        for eni in found:
            eni_groups[eni["NetworkInterfaceId"]] = tuple(sorted(g["GroupId"] for g in eni.get("Groups", [])))
    return [dataclasses.replace(t, security_groups=eni_groups.get(t.eni_id, ())) for t in tasks]


def read_subnets(account: Account, ids: set[str]) -> dict[str, dict[str, str]]:
    """The subnets the tasks use and the lab's tagged ones: id -> vpc, cidr, az, name."""
    return {
        s["SubnetId"]: {
            "vpc": s["VpcId"],
            "cidr": s.get("CidrBlock", ""),
            "az": s.get("AvailabilityZone", ""),
            "name": _name_tag(s.get("Tags")),
        }
        for s in _named_and_tagged(account, "describe_subnets", "Subnets", "SubnetIds", ids)
    }


def read_vpcs(account: Account, ids: set[str]) -> dict[str, dict[str, str]]:
    """The VPCs of those subnets and the lab's tagged ones: id -> cidr, name."""
    return {
        v["VpcId"]: {"cidr": v.get("CidrBlock", ""), "name": _name_tag(v.get("Tags"))}
        for v in _named_and_tagged(account, "describe_vpcs", "Vpcs", "VpcIds", ids)
    }


def read_security_groups(account: Account, ids: set[str]) -> dict[str, dict[str, str]]:
    """The security groups the tasks and services use and the lab's tagged ones: id -> name, vpc."""
    return {
        g["GroupId"]: {"name": g.get("GroupName", ""), "vpc": g.get("VpcId", "")}
        for g in _named_and_tagged(account, "describe_security_groups", "SecurityGroups", "GroupIds", ids)
    }


def _named_and_tagged(account: Account, operation: str, key: str, ids_param: str, ids: set[str]) -> list[Any]:
    """What an EC2 describe call finds by these ids (all of them, or none if one vanished), then by the lab's tag."""
    from botocore.exceptions import ClientError

    describe = getattr(account.ec2, operation)
    found = []
    if ids:
        try:
            found += describe(**{ids_param: sorted(ids)}).get(key, [])
        except ClientError:
            pass  # one of them was deleted meanwhile: the lab's tagged ones still show
    if account.tag_filter:
        found += describe(Filters=account.tag_filter).get(key, [])
    return found


def _name_tag(tags: Iterable[dict[str, str]] | None) -> str:
    return next((t["Value"] for t in tags or () if t.get("Key") == "Name"), "")


# ------------------------------------------------------------------------------------------------- ELB
def read_load_balancers(account: Account) -> tuple[LoadBalancerInfo, ...]:
    """The lab's load balancers (tagged), each with its listeners and the health of its target groups' targets."""
    if account.elbv2 is None:
        return ()
    elbv2 = account.elbv2
    balancers = paginate(elbv2, "describe_load_balancers", "LoadBalancers")
    mine = set()
    for chunk in chunks([b["LoadBalancerArn"] for b in balancers], 20):
        mine |= {d["ResourceArn"] for d in elbv2.describe_tags(ResourceArns=chunk).get("TagDescriptions", [])
                 if account.owns(d.get("Tags"))}
    found = []
    for b in sorted((b for b in balancers if b["LoadBalancerArn"] in mine), key=lambda b: b["LoadBalancerName"]):
        listeners = paginate(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=b["LoadBalancerArn"])
        arns = sorted({a["TargetGroupArn"] for li in listeners for a in li.get("DefaultActions", [])
                       if a.get("Type") == "forward" and a.get("TargetGroupArn")})
        groups = tuple((short_name(arn.rsplit("/", 1)[0]), _health(elbv2, arn)) for arn in arns)
        found.append(LoadBalancerInfo(b["LoadBalancerName"], b.get("VpcId", ""),
                                      tuple(f"{li['Protocol']}:{li['Port']}" for li in
                                            sorted(listeners, key=lambda li: li["Port"])), groups, tuple(arns)))
    return tuple(found)


def _health(elbv2: Any, target_group_arn: str) -> str:
    """Its targets by state, e.g. "2 healthy, 1 draining" ("no target" without any)."""
    states: dict[str, int] = {}
    for d in elbv2.describe_target_health(TargetGroupArn=target_group_arn).get("TargetHealthDescriptions", []):
        state = d["TargetHealth"]["State"]
        states[state] = states.get(state, 0) + 1
    return ", ".join(f"{n} {state}" for state, n in sorted(states.items())) or "no target"


# ------------------------------------------------------------------------------------------------- ECR
def read_repositories(
    account: Account, images: dict[str, tuple[str, ...]]
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The lab's ECR repositories (tagged, or pulled from by its tasks) with the image tags pulled from each,
    and, for each task definition, the repositories its images come from."""
    used = {img for imgs in images.values() for img in imgs}
    repositories: dict[str, tuple[str, ...]] = {}
    sources: dict[str, list[str]] = {}
    for repo in paginate(account.ecr, "describe_repositories", "repositories"):
        uri = repo.get("repositoryUri", "")
        pulled = tuple(sorted({img[len(uri) :].lstrip(":@") or "latest" for img in used if _from(uri, img)}))
        for td, imgs in images.items():
            if any(_from(uri, img) for img in imgs):
                sources.setdefault(td, []).append(repo["repositoryName"])
        if pulled or _repository_is_the_labs(account, repo):
            repositories[repo["repositoryName"]] = pulled
    return repositories, {td: tuple(sorted(names)) for td, names in sources.items()}


def _from(uri: str, image: str) -> bool:
    """Whether `image` is pulled from the repository at `uri` (by tag, by digest, or bare)."""
    return bool(uri) and (image == uri or image.startswith(uri + ":") or image.startswith(uri + "@"))


def _repository_is_the_labs(account: Account, repo: dict[str, Any]) -> bool:
    from botocore.exceptions import ClientError

    if account.tag is None:
        return True
    try:
        return account.owns(account.ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"]).get("tags"))
    except ClientError:
        return False
