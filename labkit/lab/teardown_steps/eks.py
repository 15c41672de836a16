"""EKS's teardown: Fargate profiles (the lab's, or in the lab's clusters), then the lab's clusters, waiting for
each: EKS deletes profiles one at a time, and a cluster's network interfaces must be gone before its subnets."""

from __future__ import annotations

from typing import Any

from labkit.lab.listing import paginate
from labkit.lab.teardown_steps.run import Run, quietly


def remove(eks: Any, run: Run) -> None:
    """Fargate profiles, then clusters, of the lab."""
    from botocore.exceptions import ClientError

    try:
        names = paginate(eks, "list_clusters", "clusters")
    except ClientError as err:
        run.cannot_list("eks", "EKS clusters", err)
        return
    recorded = run.recorded.get("EKS cluster", set())
    for name in names:
        cluster = quietly(lambda n=name: eks.describe_cluster(name=n)["cluster"])
        if cluster is None:
            continue
        whole = run.match(cluster.get("tags") or {}) or name in recorded or cluster.get("arn") in recorded
        _profiles(eks, run, name, whole)
        if whole and run.attempt("EKS cluster", name, lambda n=name: eks.delete_cluster(name=n)):
            _wait(eks, run, "cluster_deleted", f"EKS cluster {name}", name=name)


def _profiles(eks: Any, run: Run, cluster: str, whole: bool) -> None:
    """Delete the lab's Fargate profiles of one cluster (all of them when the cluster goes), waiting for each."""
    dropped = []
    for profile in paginate(eks, "list_fargate_profiles", "fargateProfileNames", clusterName=cluster):
        described = quietly(lambda p=profile: eks.describe_fargate_profile(
            clusterName=cluster, fargateProfileName=p)["fargateProfile"]) or {}
        if (whole or run.match(described.get("tags") or {})) and run.attempt(
                "Fargate profile", f"{cluster}/{profile}",
                lambda p=profile: eks.delete_fargate_profile(clusterName=cluster, fargateProfileName=p)):
            dropped.append(profile)
    for profile in dropped:  # EKS deletes profiles one at a time and refuses the cluster until they are gone
        _wait(eks, run, "fargate_profile_deleted", f"Fargate profile {cluster}/{profile}", clusterName=cluster,
              fargateProfileName=profile)


def _wait(eks: Any, run: Run, waiter: str, what: str, **kwargs: Any) -> None:
    from botocore.exceptions import WaiterError

    if run.dry_run:
        return
    try:
        eks.get_waiter(waiter).wait(**kwargs)
    except WaiterError as err:
        run.problems.append(f"{what} was not deleted in time: {err}")
