"""ECS's teardown: the lab's services (their auto scaling first), its tasks (waiting until they stop, so their
network interfaces are gone), its clusters, then its task definitions (deregistered, then deleted)."""

from __future__ import annotations

from typing import Any

from labkit.lab.listing import chunks, paginate
from labkit.lab.tagging import tag_dict
from labkit.lab.teardown_steps import scaling
from labkit.lab.teardown_steps.run import Run
from labkit.model.units import short_name


def remove(ecs: Any, run: Run) -> None:
    """Services, tasks, clusters and task definitions of the lab, in that order."""
    aas = run.client("application-autoscaling")
    doomed: list[dict[str, Any]] = []
    to_stop: dict[str, list[str]] = {}
    for cluster in _active_clusters(ecs):
        recorded = run.recorded.get("cluster", set())
        whole = (run.match(tag_dict(cluster.get("tags"))) or cluster["clusterName"] in recorded
                 or cluster["clusterArn"] in recorded)
        if whole:
            doomed.append(cluster)
        groups = _services(ecs, aas, run, cluster, whole)
        tasks = _tasks(ecs, run, cluster["clusterArn"], whole, groups)
        if tasks:
            to_stop[cluster["clusterArn"]] = tasks
    for cluster_arn, tasks in to_stop.items():
        for task_arn, told in tasks:
            if told:  # already told to stop (its service was deleted with force, or a Spot warning): no StopTask
                run.done("task", task_arn)
                continue
            run.attempt("task", task_arn, lambda c=cluster_arn, t=task_arn: ecs.stop_task(
                cluster=c, task=t, reason="labkit teardown"))
        if not run.dry_run:
            _wait_stopped(ecs, cluster_arn, [arn for arn, _ in tasks], run)
    for cluster in doomed:
        run.attempt("cluster", cluster["clusterName"], lambda a=cluster["clusterArn"]: ecs.delete_cluster(cluster=a))
    _task_definitions(ecs, run)


def _active_clusters(ecs: Any) -> list[dict[str, Any]]:
    clusters: list[dict[str, Any]] = []
    for chunk in chunks(paginate(ecs, "list_clusters", "clusterArns"), 100):
        clusters += ecs.describe_clusters(clusters=chunk, include=["TAGS"]).get("clusters", [])
    return [c for c in clusters if c.get("status") == "ACTIVE"]


def _services(ecs: Any, aas: Any, run: Run, cluster: dict[str, Any], whole: bool) -> set[str]:
    """Scale to 0 and delete the lab's services of one cluster (their scaling first); returns their task groups."""
    name, arn = cluster["clusterName"], cluster["clusterArn"]
    recorded = run.recorded.get("service", set())
    groups: set[str] = set()
    for chunk in chunks(paginate(ecs, "list_services", "serviceArns", cluster=arn), 10):
        for svc in ecs.describe_services(cluster=arn, services=chunk, include=["TAGS"]).get("services", []):
            sname = svc["serviceName"]
            if svc.get("status") == "INACTIVE" or not (
                    whole or run.match(tag_dict(svc.get("tags"))) or f"{name}/{sname}" in recorded):
                continue
            if aas is not None:
                scaling.remove_for(aas, f"service/{name}/{sname}", run)
            groups.add(f"service:{sname}")  # its tasks are found with the cluster's
            # force: deleted without scaling to 0 first; its scheduler stops its tasks (found below and waited for)
            run.attempt("service", f"{name}/{sname}", lambda s=sname: ecs.delete_service(
                cluster=arn, service=s, force=True))
    return groups


def _tasks(ecs: Any, run: Run, cluster_arn: str, whole: bool,
           groups: set[str]) -> list[tuple[str, bool]]:
    """The lab's tasks in one cluster that have not stopped yet (those of its services among them), each with
    whether it has been told to stop already (its desired status is STOPPED)."""
    arns = paginate(ecs, "list_tasks", "taskArns", cluster=cluster_arn, desiredStatus="RUNNING")
    # Tasks already told to stop (a Spot task in its two-minute warning) still block delete_cluster
    arns += paginate(ecs, "list_tasks", "taskArns", cluster=cluster_arn, desiredStatus="STOPPED")
    found: dict[str, bool] = {}
    for chunk in chunks(arns, 100):
        for task in ecs.describe_tasks(cluster=cluster_arn, tasks=chunk, include=["TAGS"]).get("tasks", []):
            if task.get("lastStatus") == "STOPPED" or task["taskArn"] in found:
                continue
            if (whole or run.match(tag_dict(task.get("tags"))) or task.get("group") in groups
                    or task["taskArn"] in run.recorded.get("task", ())):
                found[task["taskArn"]] = task.get("desiredStatus") == "STOPPED"
    return list(found.items())


def _wait_stopped(ecs: Any, cluster_arn: str, arns: list[str], run: Run) -> None:
    from botocore.exceptions import WaiterError

    for chunk in chunks(arns, 100):
        try:
            # Fargate takes about 20 s to stop a task; polling every 10 s asks half as often as the default 6 s
            ecs.get_waiter("tasks_stopped").wait(cluster=cluster_arn, tasks=chunk,
                                                 WaiterConfig={"Delay": 10, "MaxAttempts": 60})
        except WaiterError as err:
            run.problems.append(f"tasks in cluster {short_name(cluster_arn)} did not stop in time: {err}")


def _task_definitions(ecs: Any, run: Run) -> None:
    doomed = _lab_task_definitions(ecs, run)
    if run.dry_run:
        for arn, _ in doomed:
            run.done("task definition", arn)
        return
    for arn, status in doomed:
        if status == "ACTIVE":
            run.attempt("task definition", arn, lambda a=arn: ecs.deregister_task_definition(taskDefinition=a))
    for chunk in chunks([a for a, _ in doomed], 10):
        try:
            result = ecs.delete_task_definitions(taskDefinitions=chunk)
        except Exception as err:  # noqa: BLE001 - older regions/endpoints: deregistered is the best we can do
            run.problems.append(f"task definitions deregistered but not deleted: {err}")
            continue
        for td in result.get("taskDefinitions", []):
            run.done("task definition", td["taskDefinitionArn"])


def _lab_task_definitions(ecs: Any, run: Run) -> list[tuple[str, str | None]]:
    """(ARN, status) of the lab's task definitions, active and inactive: recorded, or tagged."""
    recorded = run.recorded.get("task definition", set())
    doomed: list[tuple[str, str | None]] = []
    for status in ("ACTIVE", "INACTIVE"):
        for arn in paginate(ecs, "list_task_definitions", "taskDefinitionArns", status=status):
            if arn in recorded:  # the lab made it: no need to read its tags
                doomed.append((arn, status))
                continue
            try:
                described = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"])
            except Exception:  # noqa: BLE001 - vanished between list and describe: nothing to do
                continue
            td = described["taskDefinition"]
            if run.match(tag_dict(described.get("tags"))) or f"{td['family']}:{td['revision']}" in recorded:
                doomed.append((arn, td.get("status")))
    return doomed
