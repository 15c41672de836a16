"""Remove everything a lab made, found by its tags (and by what the lab recorded), in dependency order.

Works in every mode through boto3 alone, so it also runs from a new process given only credentials and a
lab id (`labkit teardown --lab ID`). Order: delete the scaling policies and deregister the scalable targets of
the lab's services (Application Auto Scaling), scale services to 0 and delete them, stop tasks (also those
already told to stop, like Spot tasks in their two-minute warning) and wait until they are stopped, so their
network interfaces are gone, delete clusters, deregister and delete task definitions, delete EKS Fargate
profiles then EKS clusters, delete ECR repositories, log groups, security groups, subnets, route tables,
internet gateways, VPCs, IAM roles. Repeating it is safe: what is already gone is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from labkit.errors import InvalidInput
from labkit.lab.tagging import COURSE, ROLE_PATH, TAG_COURSE, TAG_LAB
from labkit.model.units import short_name

KINDS = ("scaling policy", "scalable target", "service", "task", "cluster", "task definition", "Fargate profile",
         "EKS cluster", "repository", "log group", "security group",
         "subnet", "route table", "internet gateway", "VPC", "role")
_SERVICE_OF = {"scaling policy": "application-autoscaling", "scalable target": "application-autoscaling",
               "service": "ecs", "task": "ecs", "cluster": "ecs", "task definition": "ecs",
               "Fargate profile": "eks", "EKS cluster": "eks", "repository": "ecr", "log group": "logs",
               "security group": "ec2", "subnet": "ec2", "route table": "ec2", "internet gateway": "ec2",
               "VPC": "ec2", "vpc": "ec2", "role": "iam"}
_PLURAL = {"repository": "repositories", "VPC": "VPCs", "scaling policy": "scaling policies"}
_GONE = {"ClusterNotFoundException", "ServiceNotFoundException", "ClientException", "RepositoryNotFoundException",
         "ResourceNotFoundException", "InvalidVpcID.NotFound", "InvalidSubnetID.NotFound",
         "InvalidGroup.NotFound", "InvalidRouteTableID.NotFound", "InvalidInternetGatewayID.NotFound",
         "NoSuchEntity", "InvalidParameterException", "ObjectNotFoundException"}
_NO_ACCESS = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnrecognizedClientException"}


@dataclass(frozen=True)
class TeardownReport:
    """What a teardown removed (or would remove, in a dry run), and anything it could not remove."""

    lab_id: str
    removed: tuple[tuple[str, str], ...] = ()
    problems: tuple[str, ...] = ()
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        """How many of each kind, in teardown order (kinds with none are left out)."""
        out: dict[str, int] = {}
        for kind in KINDS:
            n = sum(1 for k, _ in self.removed if k == kind)
            if n:
                out[kind] = n
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        counts = self.counts()
        verb = "Would remove" if self.dry_run else "Removed"
        if counts:
            parts = [f"{n} {kind if n == 1 else _PLURAL.get(kind, kind + 's')}" for kind, n in counts.items()]
            text = f"{verb}: {', '.join(parts)}."
        else:
            text = "Nothing to remove: no resource of this lab was found."
        if self.problems:
            text += "\nCould not remove:\n" + "\n".join(f"  - {p}" for p in self.problems)
        return text


@dataclass
class _Run:
    tag: tuple[str, str]
    dry_run: bool
    recorded: dict[str, set[str]]
    removed: list[tuple[str, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def match(self, tags: dict[str, str]) -> bool:
        key, value = self.tag
        return tags.get(key) == value

    def done(self, kind: str, name: str) -> None:
        if (kind, name) not in self.removed:
            self.removed.append((kind, name))

    def attempt(self, kind: str, name: str, action: Callable[[], Any]) -> bool:
        """Run one delete; 'already gone' counts as nothing to do, other errors are reported, not raised."""
        if self.dry_run:
            self.done(kind, name)
            return True
        from botocore.exceptions import ClientError

        try:
            action()
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "")
            if code in _GONE and _looks_gone(err):
                return False
            message = err.response.get("Error", {}).get("Message", "")
            self.problems.append(f"{kind} {short_name(name)}: {code}: {message}")
            return False
        self.done(kind, name)
        return True


def _looks_gone(err: Any) -> bool:
    message = str(err.response.get("Error", {}).get("Message", "")).lower()
    code = err.response.get("Error", {}).get("Code", "")
    if code in ("ClientException", "InvalidParameterException"):
        return any(w in message for w in ("not found", "does not exist", "unable to describe", "inactive"))
    return True


def _quietly(read: Callable[[], Any]) -> Any:
    """Tags of something listed a moment ago; None when it vanished meanwhile (someone else deleted it)."""
    from botocore.exceptions import ClientError

    try:
        return read()
    except ClientError:
        return None


def _tags(pairs: Iterable[dict[str, Any]] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for t in pairs or []:
        key = t.get("key", t.get("Key"))
        if key is not None:
            out[key] = t.get("value", t.get("Value", ""))
    return out


def _tag_pair(lab_id: str | None) -> tuple[str, str]:
    """The tag that marks what to remove: the lab's id, or for "all" (None) the course tag every lab carries."""
    if lab_id is None or lab_id == "all":
        return TAG_COURSE, COURSE
    if not isinstance(lab_id, str) or not lab_id:
        raise InvalidInput(f"lab_id {lab_id!r}: give the id of a lab (as printed by the lab), or 'all'.")
    return TAG_LAB, lab_id


def _client_getter(clients: Any) -> Callable[[str], Any]:
    if hasattr(clients, "client"):
        return clients.client
    if callable(clients):
        return clients
    if isinstance(clients, dict):
        return clients.__getitem__
    raise InvalidInput("teardown_by_tag needs a Lab, a function service_name -> boto3 client, or a dict of "
                       f"clients; got {type(clients).__name__}.")


def teardown_by_tag(clients: Any, lab_id: str | None = None, dry_run: bool = False,
                    recorded: Iterable[tuple[str, str]] = (),
                    services: Collection[str] | None = None) -> TeardownReport:
    """Delete every resource tagged with `lab_id` ("all" or None: every lab of the course); see module doc.

    `clients` is a Lab, a function `service_name -> boto3 client`, or a dict of clients. `recorded` adds
    (kind, identifier) pairs the lab remembered making, in case a tag is missing. `services` limits the
    search to services known to be the only ones used (None: search them all).
    """
    get = _client_getter(clients)
    rec: dict[str, set[str]] = {}
    for kind, ident in recorded:
        rec.setdefault(kind, set()).add(ident)
    run = _Run(tag=_tag_pair(lab_id), dry_run=dry_run, recorded=rec)

    def used(name: str) -> bool:
        return services is None or name in services

    if used("ecs"):
        _ecs(get("ecs"), run, get("application-autoscaling") if used("application-autoscaling") else None)
    for name, step in (("eks", _eks), ("ecr", _ecr), ("logs", _logs), ("ec2", _ec2), ("iam", _iam)):
        if used(name):
            step(get(name), run)
    return TeardownReport(lab_id=lab_id or "all", removed=tuple(run.removed), problems=tuple(run.problems),
                          dry_run=dry_run)


def teardown_lab(lab: Any, dry_run: bool = False) -> TeardownReport:
    """Teardown of one Lab object: its tags plus what it recorded."""
    recorded = list(lab.created)
    services = lab.services_in_use()
    if services is not None:
        services = services | {_SERVICE_OF.get(kind, "") for kind, _ in recorded}
    return teardown_by_tag(lab, lab.id, dry_run=dry_run, recorded=recorded, services=services)


# --- ECS ------------------------------------------------------------------------------------------------
def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _paginate(client: Any, op: str, key: str, **kwargs: Any) -> list[Any]:
    if client.can_paginate(op):
        out: list[Any] = []
        for page in client.get_paginator(op).paginate(**kwargs):
            out.extend(page.get(key, []))
        return out
    return getattr(client, op)(**kwargs).get(key, [])


def _ecs(ecs: Any, run: _Run, aas: Any = None) -> None:
    cluster_arns = _paginate(ecs, "list_clusters", "clusterArns")
    clusters = []
    for chunk in _chunks(cluster_arns, 100):
        clusters += ecs.describe_clusters(clusters=chunk, include=["TAGS"]).get("clusters", [])
    recorded_clusters = run.recorded.get("cluster", set())
    recorded_services = run.recorded.get("service", set())
    to_stop: dict[str, list[str]] = {}
    doomed_clusters = []
    for cluster in clusters:
        if cluster.get("status") != "ACTIVE":
            continue
        name, arn = cluster["clusterName"], cluster["clusterArn"]
        whole = run.match(_tags(cluster.get("tags"))) or name in recorded_clusters or arn in recorded_clusters
        if whole:
            doomed_clusters.append(cluster)
        service_groups: set[str] = set()
        service_arns = _paginate(ecs, "list_services", "serviceArns", cluster=arn)
        for chunk in _chunks(service_arns, 10):
            for svc in ecs.describe_services(cluster=arn, services=chunk, include=["TAGS"]).get("services", []):
                if svc.get("status") == "INACTIVE":
                    continue
                key = f"{name}/{svc['serviceName']}"
                if whole or run.match(_tags(svc.get("tags"))) or key in recorded_services:
                    sname = svc["serviceName"]
                    if aas is not None:
                        _scaling(aas, f"service/{name}/{sname}", run)
                    service_groups.add(f"service:{sname}")  # its tasks are found with the cluster's below
                    if not run.dry_run:
                        run.attempt("service", key, lambda a=arn, s=sname: (
                            ecs.update_service(cluster=a, service=s, desiredCount=0),
                            ecs.delete_service(cluster=a, service=s, force=True)))
                    else:
                        run.done("service", key)
        task_arns = _paginate(ecs, "list_tasks", "taskArns", cluster=arn, desiredStatus="RUNNING")
        # Tasks already told to stop (a Spot task in its two-minute warning) still block delete_cluster
        task_arns += _paginate(ecs, "list_tasks", "taskArns", cluster=arn, desiredStatus="STOPPED")
        for chunk in _chunks(task_arns, 100):
            for task in ecs.describe_tasks(cluster=arn, tasks=chunk, include=["TAGS"]).get("tasks", []):
                if task.get("lastStatus") == "STOPPED":
                    continue
                if (whole or run.match(_tags(task.get("tags"))) or task.get("group") in service_groups
                        or task["taskArn"] in run.recorded.get("task", ())):
                    to_stop.setdefault(arn, [])
                    if task["taskArn"] not in to_stop[arn]:
                        to_stop[arn].append(task["taskArn"])
    for cluster_arn, arns in to_stop.items():
        for task_arn in arns:
            run.attempt("task", task_arn, lambda c=cluster_arn, t=task_arn: ecs.stop_task(
                cluster=c, task=t, reason="labkit teardown"))
        if not run.dry_run and arns:
            _wait_stopped(ecs, cluster_arn, arns, run)
    for cluster in doomed_clusters:
        run.attempt("cluster", cluster["clusterName"], lambda a=cluster["clusterArn"]: ecs.delete_cluster(cluster=a))
    _task_definitions(ecs, run)


def _scaling(aas: Any, resource_id: str, run: _Run) -> None:
    """Scaling policies, then the scalable target, of one ECS service (before the service goes)."""
    from botocore.exceptions import ClientError

    try:
        targets = _paginate(aas, "describe_scalable_targets", "ScalableTargets", ServiceNamespace="ecs",
                            ResourceIds=[resource_id])
        policies = _paginate(aas, "describe_scaling_policies", "ScalingPolicies", ServiceNamespace="ecs",
                             ResourceId=resource_id)
    except ClientError as err:
        _cannot_list(run, "scalable targets", err)
        return
    for pol in policies:
        run.attempt("scaling policy", f"{resource_id}/{pol['PolicyName']}", lambda p=pol: aas.delete_scaling_policy(
            PolicyName=p["PolicyName"], ServiceNamespace="ecs", ResourceId=resource_id,
            ScalableDimension=p["ScalableDimension"]))
    for target in targets:
        run.attempt("scalable target", f"{resource_id}:{target['ScalableDimension']}",
                    lambda t=target: aas.deregister_scalable_target(
                        ServiceNamespace="ecs", ResourceId=resource_id, ScalableDimension=t["ScalableDimension"]))


def _cannot_list(run: _Run, what: str, err: Any) -> None:
    """A listing refused: no access means the lab could not have made any (real mode), anything else is told."""
    code = err.response.get("Error", {}).get("Code", "")
    if code not in _NO_ACCESS:
        run.problems.append(f"could not list {what}: {code}: {err.response.get('Error', {}).get('Message', '')}")


def _wait_stopped(ecs: Any, cluster_arn: str, arns: list[str], run: _Run) -> None:
    from botocore.exceptions import WaiterError

    for chunk in _chunks(arns, 100):
        try:
            # Fargate takes about 20 s to stop a task; polling every 10 s asks half as often as the default 6 s
            ecs.get_waiter("tasks_stopped").wait(cluster=cluster_arn, tasks=chunk,
                                                 WaiterConfig={"Delay": 10, "MaxAttempts": 60})
        except WaiterError as err:
            run.problems.append(f"tasks in cluster {short_name(cluster_arn)} did not stop in time: {err}")


def _task_definitions(ecs: Any, run: _Run) -> None:
    recorded = run.recorded.get("task definition", set())
    listed: list[tuple[str, str]] = []
    for status in ("ACTIVE", "INACTIVE"):
        listed += [(arn, status) for arn in _paginate(ecs, "list_task_definitions", "taskDefinitionArns",
                                                      status=status)]
    doomed = []
    for arn, status in listed:
        if arn in recorded:  # the lab made it: no need to read its tags
            doomed.append((arn, status))
            continue
        try:
            described = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
        except Exception:  # noqa: BLE001 - vanished between list and describe: nothing to do
            continue
        td = described["taskDefinition"]
        family_rev = f"{td['family']}:{td['revision']}"
        if run.match(_tags(described.get("tags"))) or family_rev in recorded:
            doomed.append((arn, td.get("status")))
    for arn, status in doomed:
        if status == "ACTIVE" and not run.dry_run:
            run.attempt("task definition", arn, lambda a=arn: ecs.deregister_task_definition(taskDefinition=a))
    if run.dry_run:
        for arn, _ in doomed:
            run.done("task definition", arn)
        return
    for chunk in _chunks([a for a, _ in doomed], 10):
        try:
            result = ecs.delete_task_definitions(taskDefinitions=chunk)
        except Exception as err:  # noqa: BLE001 - older regions/endpoints: deregistered is the best we can do
            run.problems.append(f"task definitions deregistered but not deleted: {err}")
            continue
        for td in result.get("taskDefinitions", []):
            run.done("task definition", td["taskDefinitionArn"])


# --- EKS ---------------------------------------------------------------------------------------------------
def _eks(eks: Any, run: _Run) -> None:
    """Fargate profiles (the lab's, or in the lab's clusters), then the lab's EKS clusters, waiting for each."""
    from botocore.exceptions import ClientError, WaiterError

    try:
        names = _paginate(eks, "list_clusters", "clusters")
    except ClientError as err:
        _cannot_list(run, "EKS clusters", err)
        return
    recorded = run.recorded.get("EKS cluster", set())
    for name in names:
        cluster = _quietly(lambda n=name: eks.describe_cluster(name=n)["cluster"])
        if cluster is None:
            continue
        whole = run.match(cluster.get("tags") or {}) or name in recorded or cluster.get("arn") in recorded
        dropped = []
        for profile in _paginate(eks, "list_fargate_profiles", "fargateProfileNames", clusterName=name):
            described = _quietly(lambda p=profile, n=name: eks.describe_fargate_profile(
                clusterName=n, fargateProfileName=p)["fargateProfile"]) or {}
            if whole or run.match(described.get("tags") or {}):
                if run.attempt("Fargate profile", f"{name}/{profile}", lambda p=profile, n=name: (
                        eks.delete_fargate_profile(clusterName=n, fargateProfileName=p))):
                    dropped.append(profile)
        if not run.dry_run:
            for profile in dropped:  # EKS deletes profiles one at a time and refuses the cluster until they are gone
                try:
                    eks.get_waiter("fargate_profile_deleted").wait(clusterName=name, fargateProfileName=profile)
                except WaiterError as err:
                    run.problems.append(f"Fargate profile {name}/{profile} was not deleted in time: {err}")
        if whole and run.attempt("EKS cluster", name, lambda n=name: eks.delete_cluster(name=n)) and not run.dry_run:
            try:  # its network interfaces must be gone before the subnets and roles go
                eks.get_waiter("cluster_deleted").wait(name=name)
            except WaiterError as err:
                run.problems.append(f"EKS cluster {name} was not deleted in time: {err}")


# --- ECR, logs ---------------------------------------------------------------------------------------------
def _ecr(ecr: Any, run: _Run) -> None:
    recorded = run.recorded.get("repository", set())
    for repo in _paginate(ecr, "describe_repositories", "repositories"):
        name = repo["repositoryName"]
        arn = repo["repositoryArn"]
        if name in recorded or run.match(_tags(_quietly(
                lambda a=arn: ecr.list_tags_for_resource(resourceArn=a).get("tags", [])))):
            run.attempt("repository", name, lambda n=name: ecr.delete_repository(repositoryName=n, force=True))


def _logs(logs: Any, run: _Run) -> None:
    recorded = run.recorded.get("log group", set())
    for group in _paginate(logs, "describe_log_groups", "logGroups"):
        name = group["logGroupName"]
        if name in recorded or run.match(_quietly(
                lambda n=name: logs.list_tags_log_group(logGroupName=n).get("tags", {})) or {}):
            run.attempt("log group", name, lambda n=name: logs.delete_log_group(logGroupName=n))


# --- EC2 ---------------------------------------------------------------------------------------------------
_EC2_TYPES = {"vpc": "vpc", "subnet": "subnet", "security-group": "sg", "route-table": "rtb",
              "internet-gateway": "igw"}


def _ec2_tagged(ec2: Any, run: _Run) -> dict[str, set[str]]:
    """The lab's network resources by kind, from one DescribeTags listing instead of one Describe per kind."""
    key, value = run.tag
    found: dict[str, set[str]] = {kind: set() for kind in _EC2_TYPES.values()}
    for row in _paginate(ec2, "describe_tags", "Tags", Filters=[
            {"Name": "key", "Values": [key]}, {"Name": "value", "Values": [value]},
            {"Name": "resource-type", "Values": sorted(_EC2_TYPES)}]):
        kind = _EC2_TYPES.get(row.get("ResourceType", ""))
        if kind is not None and row.get("Key") == key and row.get("Value") == value:
            found[kind].add(row["ResourceId"])
    return found


def _ec2(ec2: Any, run: _Run) -> None:
    tagged = _ec2_tagged(ec2, run)
    vpcs = tagged["vpc"] | run.recorded.get("vpc", set())
    sgs, subnets, rtbs, igws = tagged["sg"], tagged["subnet"], tagged["rtb"], tagged["igw"]
    tables: dict[str, dict[str, Any]] = {}  # route tables and gateways already described, to act on directly
    gateways: dict[str, dict[str, Any]] = {}
    if vpcs:
        in_vpcs = [{"Name": "vpc-id", "Values": sorted(vpcs)}]
        sgs |= {g["GroupId"] for g in _paginate(ec2, "describe_security_groups", "SecurityGroups", Filters=in_vpcs)
                if g.get("GroupName") != "default"}
        subnets |= {s["SubnetId"] for s in _paginate(ec2, "describe_subnets", "Subnets", Filters=in_vpcs)}
        tables = {r["RouteTableId"]: r for r in _paginate(ec2, "describe_route_tables", "RouteTables",
                                                           Filters=in_vpcs)}
        rtbs |= {r for r, t in tables.items() if not any(a.get("Main") for a in t.get("Associations", []))}
        gateways = {i["InternetGatewayId"]: i for i in _paginate(
            ec2, "describe_internet_gateways", "InternetGateways",
            Filters=[{"Name": "attachment.vpc-id", "Values": sorted(vpcs)}])}
        igws |= set(gateways)
    sgs |= run.recorded.get("security group", set())
    subnets |= run.recorded.get("subnet", set())
    rtbs |= run.recorded.get("route table", set())
    igws |= run.recorded.get("internet gateway", set())
    for sg in sorted(sgs):
        run.attempt("security group", sg, lambda g=sg: ec2.delete_security_group(GroupId=g))
    for rtb in sorted(rtbs):
        def drop_rtb(r: str = rtb) -> None:
            table = tables.get(r) or ec2.describe_route_tables(RouteTableIds=[r])["RouteTables"][0]
            for assoc in table.get("Associations", []):
                if not assoc.get("Main") and assoc.get("RouteTableAssociationId"):
                    ec2.disassociate_route_table(AssociationId=assoc["RouteTableAssociationId"])
            ec2.delete_route_table(RouteTableId=r)
        run.attempt("route table", rtb, drop_rtb)
    for subnet in sorted(subnets):
        run.attempt("subnet", subnet, lambda s=subnet: ec2.delete_subnet(SubnetId=s))
    for igw in sorted(igws):
        def drop_igw(i: str = igw) -> None:
            gw = gateways.get(i) or ec2.describe_internet_gateways(InternetGatewayIds=[i])["InternetGateways"][0]
            for att in gw.get("Attachments", []):
                ec2.detach_internet_gateway(InternetGatewayId=i, VpcId=att["VpcId"])
            ec2.delete_internet_gateway(InternetGatewayId=i)
        run.attempt("internet gateway", igw, drop_igw)
    for vpc in sorted(vpcs):
        run.attempt("VPC", vpc, lambda v=vpc: ec2.delete_vpc(VpcId=v))


# --- IAM ---------------------------------------------------------------------------------------------------
def _iam(iam: Any, run: _Run) -> None:
    recorded = run.recorded.get("role", set())
    for role in _paginate(iam, "list_roles", "Roles", PathPrefix=ROLE_PATH):
        name = role["RoleName"]
        if not (name in recorded or run.match(_tags(_quietly(
                lambda n=name: iam.list_role_tags(RoleName=n).get("Tags", []))))):
            continue

        def drop_role(n: str = name) -> None:
            for pol in _paginate(iam, "list_attached_role_policies", "AttachedPolicies", RoleName=n):
                iam.detach_role_policy(RoleName=n, PolicyArn=pol["PolicyArn"])
            for pol_name in _paginate(iam, "list_role_policies", "PolicyNames", RoleName=n):
                iam.delete_role_policy(RoleName=n, PolicyName=pol_name)
            iam.delete_role(RoleName=n)
        run.attempt("role", name, drop_role)
