"""Starting a task's containers: which image, which command, which environment, which ports, which folder.

The image: an ECR image of the account that `labkit.deploy.push_image` built (found by its digest in the image
store), else a public image by name (`images.kind_of`). An official Python base runs the command with the
course's Python; nginx and httpd run as stand-ins; anything else idles as a stand-in. The command follows
Docker's rules: the task definition's `entryPoint` replaces the image's ENTRYPOINT (and clears its CMD), its
`command` (or run-task's containerOverrides command) replaces CMD. `python`, `python3` and `python3.N` are the
course's Python; paths into the image (`/app/main.py`) are the task's copy of it. The environment: the image's
ENV, then Fargate's (AWS_EXECUTION_ENV, AWS_REGION, AWS_DEFAULT_REGION, ECS_CONTAINER_METADATA_URI_V4), the task
definition's `environment`, its `secrets`, and the overrides' environment, in that order.
"""

from __future__ import annotations

import os
import re
import secrets as random
import signal
import sys
import tempfile
from datetime import datetime
from typing import Any

from labkit.data import facts
from labkit.mock.runtime import images, metadata, process, registry
from labkit.mock.runtime.images import Image
from labkit.mock.runtime.standins import SITES, StandIn

PYTHON_NAMES = re.compile(r"^(/usr(/local)?/bin/)?python(3(\.\d+)?)?$")
ECR_IMAGE = re.compile(r"^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com/([^:@]+)"
                       r"(?::([^@]+))?(?:@(sha256:[0-9a-f]+))?$")


def resolve_image(ref: str) -> tuple[Image | None, str]:
    """(the built image if labkit built it, how it runs: "python", "nginx", "httpd" or "idle")."""
    match = ECR_IMAGE.match(ref or "")
    if match is None:
        return None, images.kind_of(ref or "")
    from moto.ecr.models import ecr_backends

    account, region, name, tag, digest = match.groups()
    repo = ecr_backends[account][region].repositories.get(name)
    for image in getattr(repo, "images", []) if repo is not None else []:
        found = image.get_image_digest()
        if (digest and found == digest) or (not digest and (tag or "latest") in (image.image_tags or [])):
            built = images.stored(found)
            return (built, images.kind_of(built.config.base)) if built is not None else (None, "idle")
    return None, "idle"


def _image_dirs(root: str) -> list[str]:
    """The image's top-level folders (`/app`...): paths into them are the task's copy."""
    try:
        return sorted("/" + d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
    except OSError:
        return []


def _in_image(text: str, root: str, dirs: list[str]) -> str:
    """`text` with paths into the image's folders made paths into the task's copy of it."""
    for top in dirs:
        text = re.sub(rf"(?<![\w./-]){re.escape(top)}(?=/|\b|$)", root.rstrip("/") + top, text)
    return text


def resolve_argv(argv: list[str], root: str) -> list[str]:
    """A command as this machine runs it: the course's Python for python, the task's copy for image paths."""
    dirs = _image_dirs(root) if root else []
    out = []
    for i, word in enumerate(argv):
        if i == 0 and PYTHON_NAMES.match(word):
            out.append(sys.executable)
        else:
            out.append(_in_image(word, root, dirs) if dirs else word)
    return out


def command(image: Image | None, cdef: dict[str, Any], override: dict[str, Any]) -> list[str]:
    """Entrypoint + command by Docker's rules; an official Python image's default command is `python3`."""
    image_entry = list(image.config.entrypoint or []) if image else []
    image_cmd = list(image.config.cmd) if image and image.config.cmd is not None else (
        None if image_entry else ["python3"])
    if cdef.get("entryPoint") is not None:
        entry, default_cmd = list(cdef["entryPoint"]), None
    else:
        entry, default_cmd = image_entry, image_cmd
    cmd = override.get("command") if override.get("command") is not None else cdef.get("command")
    argv = entry + list(cmd if cmd is not None else default_cmd or [])
    return argv or ["python3"]


def environment(run: registry.TaskRun, image: Image | None, cdef: dict[str, Any], override: dict[str, Any],
                secret_values: dict[str, str], container: registry.ContainerRun) -> dict[str, str]:
    env = process.base_environment()
    dirs = _image_dirs(container.root) if container.root else []
    for key, value in (image.config.env if image else {}).items():
        if key != "PATH":
            env[key] = _in_image(str(value), container.root, dirs)
    fargate = facts()["runtime"]["environment"]
    meta = metadata.address()
    env.update({"AWS_EXECUTION_ENV": fargate["AWS_EXECUTION_ENV"], "AWS_REGION": run.region,
                "AWS_DEFAULT_REGION": run.region, fargate["metadata_variable"]: f"http://{meta}/v4/{container.key}",
                "HOME": os.path.join(container.root, "root") if container.root else "/root",
                "LABKIT_METADATA_ADDRESS": meta,
                "LABKIT_TASK_PORTS": ",".join(f"{k}={v}" for k, v in sorted(run.ports.items())),
                "LABKIT_TASK_PORT_DIR": run.port_dir})
    for item in cdef.get("environment") or []:
        env[str(item.get("name"))] = str(item.get("value", ""))
    env.update(secret_values)
    for item in override.get("environment") or []:
        env[str(item.get("name"))] = str(item.get("value", ""))
    if container.root:
        os.makedirs(env["HOME"], exist_ok=True)
    return env


def _memory_limit(cdef: dict[str, Any], task_memory: str | None) -> int | None:
    for value in (cdef.get("memory"), task_memory):
        if value not in (None, ""):
            return int(value)
    return None


def container(run: registry.TaskRun, cdef: dict[str, Any], task_memory: str | None, override: dict[str, Any],
              secret_values: dict[str, str], now: datetime, found: tuple[Image | None, str]) -> registry.ContainerRun:
    """Start one container of a task: a process of the course's Python, or a stand-in."""
    ref = str(cdef.get("image") or "")
    image, kind = found
    limit = facts()["runtime"]["stop_timeout"]
    folder = os.path.join(run.root, "containers", str(cdef.get("name")), "root") if _needs_disk(found) else ""
    c = registry.ContainerRun(name=str(cdef.get("name")), essential=cdef.get("essential", True) is not False,
                              image=ref, key=random.token_hex(16),
                              memory_mib=_memory_limit(cdef, override.get("memory") or task_memory),
                              stop_timeout=float(min(cdef.get("stopTimeout") or limit["default_s"], limit["max_s"])),
                              health_check=cdef.get("healthCheck"), started_at=now, root=folder)
    if c.root:
        os.makedirs(c.root, exist_ok=True)
        if image is not None and image.layer:
            images.unpack(image.layer, c.root)
        c.cwd = os.path.join(c.root, (image.config.workdir if image else "/").lstrip("/"))
        os.makedirs(c.cwd, exist_ok=True)
    c.stop_signal = process.signal_number(image.config.stop_signal if image else None, signal.SIGTERM)
    c.env = environment(run, image, cdef, override, secret_values, c)
    if kind == "python":
        argv = resolve_argv(command(image, cdef, override), c.root)
        try:
            c.proc = process.spawn(argv, env=c.env, cwd=c.cwd)
        except OSError as err:
            c.exit_code, c.exited_at = 127, now
            c.reason = f"CannotStartContainerError: exec: {argv[0]!r}: {err.strerror or err}"
    else:
        base = image.config.base if image else ref
        port = run.ports.get(images.stand_in_port(base)) if kind in SITES else None
        c.standin = StandIn(kind, base, c.root, port, run.clock.now)
    return c


def _needs_disk(found: tuple[Image | None, str]) -> bool:
    """A container needs a folder of its own: it runs a program, or serves files its image added."""
    image, kind = found
    return kind == "python" or bool(image is not None and image.layer)


def start_task(task: Any, td: Any, life: Any, clock: Any, secret_values: dict[str, dict[str, str]],
               now: datetime) -> registry.TaskRun:
    """Start every container of a task in a folder of its own; its ports mapped to free loopback ports."""
    cdefs = list(td.container_definitions)
    found = {str(c.get("name")): resolve_image(str(c.get("image") or "")) for c in cdefs}
    declared = {int(pm["containerPort"]) for c in cdefs for pm in c.get("portMappings") or []
                if pm.get("containerPort")}
    for cdef in cdefs:  # nginx and httpd listen on their port whatever the task definition maps
        image, kind = found[str(cdef.get("name"))]
        if kind in SITES:
            declared.add(images.stand_in_port(image.config.base if image else str(cdef.get("image") or "")))
    root = tempfile.mkdtemp(prefix=f"{task.id[:12]}-", dir=registry.base_dir()) if any(
        _needs_disk(f) for f in found.values()) else ""
    run = registry.TaskRun(account=life.account, region=task.region_name, cluster=task.cluster_arn,
                           task_arn=task.task_arn, root=root, ports={p: process.free_port() for p in sorted(declared)},
                           containers=[], clock=clock, last_seen=now, life=life)
    if root:
        os.makedirs(run.port_dir, exist_ok=True)
    overrides = {str(o.get("name")): o for o in (task.overrides or {}).get("containerOverrides") or []}
    for cdef in cdefs:
        name = str(cdef.get("name"))
        run.containers.append(container(run, cdef, life.memory, overrides.get(name, {}), secret_values.get(name, {}),
                                        now, found[name]))
    run.metadata = metadata_document(run, task, td, life)
    registry.register(run)
    return run


def metadata_document(run: registry.TaskRun, task: Any, td: Any, life: Any) -> dict[str, Any]:
    """What the task metadata endpoint answers for this task (see `metadata`), as recorded at start."""
    ip = getattr(life, "private_ip", None)
    family, revision = td.family, str(td.revision)
    containers = {}
    for cdef in td.container_definitions:
        c = next(x for x in run.containers if x.name == cdef.get("name"))
        log = cdef.get("logConfiguration") or {}
        containers[c.name] = {
            "DockerId": c.key, "Name": c.name, "DockerName": f"ecs-{family}-{revision}-{c.name}", "Image": c.image,
            "ImageID": "", "Labels": {"com.amazonaws.ecs.cluster": run.cluster, "com.amazonaws.ecs.task-arn":
                                      run.task_arn, "com.amazonaws.ecs.task-definition-family": family,
                                      "com.amazonaws.ecs.task-definition-version": revision,
                                      "com.amazonaws.ecs.container-name": c.name},
            "Limits": {"CPU": int(cdef.get("cpu") or 0), "Memory": int(cdef.get("memory") or 0)},
            "CreatedAt": c.started_at, "StartedAt": c.started_at, "Type": "NORMAL",
            "ContainerARN": next((x.container_arn for x in task.containers if x.name == c.name), ""),
            "LogDriver": log.get("logDriver"), "LogOptions": log.get("options"),
            "Networks": [{"NetworkMode": "awsvpc", "IPv4Addresses": [ip] if ip else [], "AttachmentIndex": 0,
                          "MACAddress": task.__dict__.get("_lk_mac", ""), "PrivateDNSName": ""}]}
    return {"Cluster": run.cluster, "TaskARN": run.task_arn, "Family": family, "Revision": revision,
            "Limits": {"CPU": int(life.cpu or 0) / 1024, "Memory": int(life.memory or 0)},
            "PullStartedAt": None, "AvailabilityZone": life.availability_zone,
            "LaunchType": "FARGATE" if life.fargate else "EC2", "containers": containers}
