"""`lab.endpoint(x)`: the base URL where something of the lab answers HTTP, in every mode.

`x` is a task (its ARN, or its id): the task must be RUNNING and its task definition must map the port (the
first port mapping, or `port=`). Mock and local modes answer `http://127.0.0.1:PORT`, the loopback port labkit's
runtime mapped the container port to (never all interfaces); real mode answers the task's public IP address
(from its network interface), or says how else to reach it. Or `x` is a load balancer (its name, ARN or DNS
name): its HTTP listener's URL (`labkit.lab.balancers`). Each kind of target is one resolver in RESOLVERS.
`lab` is a `labkit.lab.session.Lab` (which calls
this module: it is not imported here).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from labkit.errors import InvalidInput
from labkit.lab.balancers import load_balancer_url

TASK_ID = re.compile(r"^[0-9a-f]{32}$")


def _is_task(target: str) -> bool:
    return ":task/" in target or bool(TASK_ID.match(target))


def _find_task(lab: Any, target: str) -> dict[str, Any]:
    """The task as describe_tasks shows it (its cluster from its ARN, or searched for by id)."""
    ecs = lab.client("ecs")
    parts = target.split("/")
    clusters = [parts[-2]] if ":task/" in target and len(parts) >= 3 else ecs.list_clusters()["clusterArns"]
    from botocore.exceptions import ClientError

    for cluster in clusters:
        try:
            found = ecs.describe_tasks(cluster=cluster, tasks=[target])["tasks"]
        except ClientError:
            continue
        if found:
            return found[0]
    raise InvalidInput(f"there is no task {target!r} in this lab; give the ARN of a task it ran (run_task, or "
                       "list_tasks for a service's tasks).")


def _mapped_port(lab: Any, task: dict[str, Any], port: int | None) -> int:
    name = task["taskArn"].rsplit("/", 1)[-1][:12]
    state = task.get("lastStatus")
    if state in ("PROVISIONING", "PENDING", "ACTIVATING"):
        raise InvalidInput(f"task {name}... is {state}, not RUNNING yet: wait until it runs, e.g. "
                           "ecs.get_waiter('tasks_running').wait(cluster=..., tasks=[arn]), then ask again.")
    if state != "RUNNING":
        raise InvalidInput(f"task {name}... is {state}: it no longer runs; start a new task and ask for its endpoint.")
    td = lab.client("ecs").describe_task_definition(taskDefinition=task["taskDefinitionArn"])["taskDefinition"]
    mapped = [int(pm["containerPort"]) for c in td["containerDefinitions"] for pm in c.get("portMappings") or []
              if pm.get("containerPort")]
    if not mapped:
        raise InvalidInput(f"task {name}... maps no port: its task definition has no portMappings, so nothing of it "
                           "can be reached. Register it with portMappings=[{'containerPort': 8080}].")
    wanted = mapped[0] if port is None else port
    if wanted not in mapped:
        raise InvalidInput(f"port {wanted} is not mapped by task {name}...'s task definition (portMappings: "
                           f"{', '.join(str(p) for p in mapped)}); ask for one of those.")
    return wanted


def _public_address(lab: Any, task: dict[str, Any]) -> str:
    details = {d["name"]: d.get("value") for a in task.get("attachments", []) for d in a.get("details", [])}
    eni = details.get("networkInterfaceId")
    found = lab.client("ec2").describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"] if eni \
        else []
    public = (found[0].get("Association") or {}).get("PublicIp") if found else None
    if not public:
        raise InvalidInput("this task has no public IP address (assignPublicIp DISABLED, or a private subnet): "
                           "reach it through a load balancer, or run it in a public subnet with assignPublicIp "
                           "ENABLED.")
    return public


def task_endpoint(lab: Any, target: str, port: int | None) -> str:
    task = _find_task(lab, target)
    wanted = _mapped_port(lab, task, port)
    if lab.mode == "real":
        return f"http://{_public_address(lab, task)}:{wanted}"
    found = lab._control.task_address(lab.account_id, task["taskArn"], wanted)
    if found is None:
        raise InvalidInput(f"task {task['taskArn'].rsplit('/', 1)[-1][:12]}... has no running container on port "
                           f"{wanted}: its process has exited (describe_tasks shows its exit code; its logs say why).")
    host, real_port = found
    return f"http://{host}:{real_port}"


def load_balancer_endpoint(lab: Any, target: str, port: int | None) -> str:
    if port is not None:
        raise InvalidInput("port= is for a task's container ports; a load balancer answers on its listener's port.")
    url = load_balancer_url(lab, target)
    if url is None:
        raise InvalidInput(f"load balancer {target!r} has no HTTP listener yet: create one with "
                           "elbv2.create_listener(LoadBalancerArn=..., Protocol='HTTP', Port=80, "
                           "DefaultActions=[...]).")
    return url


def _anything_else(target: str) -> bool:
    return True  # not a task: a load balancer's name, ARN or DNS name (its resolver says so if there is none)


#: (does this resolver know the target?, the resolver): the first that knows it answers
RESOLVERS: list[tuple[Callable[[str], bool], Callable[[Any, str, int | None], str]]] = [
    (_is_task, task_endpoint), (_anything_else, load_balancer_endpoint)]


def endpoint(lab: Any, target: str, port: int | None = None) -> str:
    """The base URL where `target` answers HTTP (see the module)."""
    if not isinstance(target, str) or not target.strip():
        raise InvalidInput(f"endpoint({target!r}): give a task ARN (from run_task or list_tasks), or a load "
                           "balancer's name, ARN or DNS name.")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535):
        raise InvalidInput(f"port={port!r}: give a container port of the task definition, such as 8080.")
    for knows, resolve in RESOLVERS:
        if knows(target.strip()):
            return resolve(lab, target.strip(), port)
    raise InvalidInput(f"endpoint({target!r}): labkit does not know what this is; give a task ARN (from run_task "
                       "or list_tasks).")
