"""Lesson 7's cases that fail at run time: small Python apps that crash, run out of memory, or fail a health check.

Each app runs for real in the lab (mock and local modes run a task's process). `push_app` makes its image,
`app_definition` the task definition a learner fixes, and the checks of `debugging.crash_fixed`,
`debugging.oom_fixed` and `debugging.health_fixed` read the lab's state (the tasks that ran), not a typed answer.
The exercises are registered when `labkit.course.exercises.debugging` is imported (their topic).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

from labkit.course.exercises import Context, Exercise, Wrong, register
from labkit.data import facts
from labkit.lab import deploy
from labkit.model.units import task_family

CLUSTER = "debug"
LOG_GROUP = "/lesson07/{name}"
PORT = 8080
DOCKERFILE = 'FROM python:3.12-slim\nWORKDIR /app\nCOPY app.py .\nCMD ["python", "app.py"]\n'

#: the apps of the three cases, by name (each also the image's, the family's and the container's name)
APPS: dict[str, str] = {
    "greeter": '''\
import http.server
import os

greeting = os.environ["GREETING"]
print(f"starting with GREETING={greeting!r}", flush=True)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(f"{greeting}\\n".encode())


http.server.ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
''',
    "report": '''\
import time

NEED_MIB = 200  # the month's data, held in memory while the report is built
print(f"loading {NEED_MIB} MiB of data", flush=True)
data = []
for _ in range(NEED_MIB // 10):
    data.append(bytearray(10 * 1024 * 1024))
time.sleep(0.1)  # building the report
print("report done", flush=True)
''',
    "shop": '''\
import http.server


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/":
            body = b"welcome to the shop\\n"
        elif self.path == "/health":
            body = b"ok\\n"
        else:
            self.send_error(404)
            return
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)


print("shop listening on port 8080", flush=True)
http.server.ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
''',
}


def push_app(lab: Any, name: str) -> deploy.Image:
    """Push one of the lesson's apps (`APPS[name]`, with a 4-line Dockerfile) as the image `name`."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "app.py").write_text(APPS[name], encoding="utf-8")
        (Path(folder) / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
        return deploy.push_image(lab, name, context=folder)


def app_definition(lab: Any, roles: Any, image: deploy.Image, *, port: int | None = None,
                   **container: Any) -> dict[str, Any]:
    """A Fargate task definition (a dict to register) for an app: smallest size, the lab's execution role, and
    awslogs to /lesson07/<name>, a log group made here first (awslogs needs it before the task starts)."""
    name = image.repository
    group = deploy.ensure_log_group(lab, LOG_GROUP.format(name=name))
    cdef: dict[str, Any] = {"name": name, "image": image.uri, "essential": True}
    if port:
        cdef["portMappings"] = [{"containerPort": port}]
    cdef.update(container)
    cdef["logConfiguration"] = {"logDriver": "awslogs", "options": {
        "awslogs-group": group, "awslogs-region": lab.region, "awslogs-stream-prefix": name}}
    return {"family": name, "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256",
            "memory": "512", "executionRoleArn": roles.execution_role_arn, "containerDefinitions": [cdef]}


_LAB_ROOT = re.compile(r"[^\s\"']*/containers/[^/\s]+/root(?=/)")


def app_logs(lab: Any, name: str, limit: int = 8) -> str:
    """The last lines an app printed (its awslogs group), as one text, with paths as the container sees them (the
    lab keeps each container's files in a folder of its own; `/app/app.py` reads the same in every lab)."""
    return "\n".join(_LAB_ROOT.sub("", line) for line in deploy.logs(lab, LOG_GROUP.format(name=name), limit=limit))


def task_health(ecs: Any, service: str, cluster: str = CLUSTER) -> str:
    """The health of a service's live tasks, one line each (stable text, no ids)."""
    arns = ecs.list_tasks(cluster=cluster, serviceName=service, desiredStatus="RUNNING")["taskArns"]
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    lines = sorted(f"{service} task: {t.get('lastStatus')}, health {t.get('healthStatus', 'UNKNOWN')}" for t in tasks)
    return "\n".join(lines) or f"{service}: no live tasks"


# ---------------------------------------------------------------- reading the lab


def _tasks(ctx: Context, name: str, service: str | None = None) -> list[dict[str, Any]]:
    """The family's tasks in the debug cluster (of one service, if given), newest first."""
    ecs = ctx.client("ecs")
    by_service = {"serviceName": service} if service else {}
    arns = [arn for status in ("RUNNING", "STOPPED")
            for arn in ecs.list_tasks(cluster=CLUSTER, desiredStatus=status, **by_service)["taskArns"]]
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []
    tasks = [t for t in tasks if task_family(t["taskDefinitionArn"]) == name]
    return sorted(tasks, key=lambda t: str(t.get("createdAt") or ""), reverse=True)


def _container(task: dict[str, Any], name: str) -> dict[str, Any]:
    return next((c for c in task.get("containers") or [] if c.get("name") == name), {})


def _latest(ctx: Context, name: str) -> dict[str, Any]:
    tasks = _tasks(ctx, name)
    if not tasks:
        raise Wrong(f"No {name} task has run in cluster {CLUSTER!r}.",
                    hint="Register your fixed task definition and run it (the exercise cell), then check.", stop=True)
    return tasks[0]


def _definition(ctx: Context, task: dict[str, Any]) -> dict[str, Any]:
    return ctx.client("ecs").describe_task_definition(taskDefinition=task["taskDefinitionArn"])["taskDefinition"]


def _same_app(ctx: Context, task: dict[str, Any], name: str) -> None:
    """The task runs the lesson's app unchanged: its image, no command of its own."""
    cdef = next((c for c in _definition(ctx, task).get("containerDefinitions") or [] if c.get("name") == name), {})
    image = str(cdef.get("image") or "")
    if not image.split("@")[0].split(":")[0].endswith(f"/{name}") or cdef.get("command") or cdef.get("entryPoint"):
        raise Wrong(f"The {name} task no longer runs the lesson's {name} app as it is.",
                    hint="The app is not what is broken: keep its image and its command, and fix what the task "
                         "gives it.", stop=True)
    overrides = task.get("overrides", {}).get("containerOverrides") or []
    if any(o.get("command") for o in overrides):
        raise Wrong(f"The {name} task was run with another command.", hint="Run the app as it is.", stop=True)


# ---------------------------------------------------------------- case 5: an essential container exited

CRASH = register(Exercise(
    "debugging.crash_fixed", "What the app needs to start", points=2, needs_lab=True, needs_answer=False,
    prompt="Fix the `greeter` task definition so that its task keeps running, and run it.",
    hints=("The stopped task says that the container exited; what the app printed says why.",
           "The last line of a Python traceback names what the app looked for and did not find."),
))


@CRASH.check("the latest greeter task is RUNNING")
def _greeter_running(answer: Any, ctx: Context) -> None:
    task = _latest(ctx, "greeter")
    _same_app(ctx, task, "greeter")
    if task.get("lastStatus") == "RUNNING":
        return
    code = _container(task, "greeter").get("exitCode")
    if task.get("lastStatus") in ("STOPPED", "DEACTIVATING", "DEPROVISIONING") and code is not None:
        raise Wrong(f"Your latest greeter task stopped: its container exited with code {code}.",
                    hint=("Read what the app printed: debugging.app_logs(lab, 'greeter').",
                          "A container definition gives the process its variables with `environment`, a list of "
                          "{'name': ..., 'value': ...}."), stop=True)
    raise Wrong(f"Your latest greeter task is {task.get('lastStatus')}.",
                hint="Run it with debugging.run_and_watch, which waits until it runs or stops.", stop=True)


@CRASH.check("it answers HTTP")
def _greeter_answers(answer: Any, ctx: Context) -> None:
    import urllib.request

    task = _latest(ctx, "greeter")
    try:
        with urllib.request.urlopen(ctx.lab.endpoint(task["taskArn"]), timeout=5) as reply:  # noqa: S310 - loopback
            ok = reply.status == 200
    except Exception:  # noqa: BLE001 - any failure to answer is the learner's to see, as a verdict
        ok = False
    if not ok:
        raise Wrong("The greeter task runs but does not answer on its port.",
                    hint="Keep the port mapping of the task definition (8080).")


# ---------------------------------------------------------------- case 6: out of memory

OOM = register(Exercise(
    "debugging.oom_fixed", "Memory for the report", points=2, needs_lab=True, needs_answer=False,
    prompt="Give the `report` job the memory it needs, run it, and let it finish.",
    hints=("Exit code 137 is 128 + 9: the process got SIGKILL. The container's `reason` says who sent it.",
           "Compare what the job says it loads with the limits in its task definition: the task's `memory` and "
           "the container's own `memory`."),
))


@OOM.check("the latest report job finished (exit code 0)")
def _report_finished(answer: Any, ctx: Context) -> None:
    task = _latest(ctx, "report")
    _same_app(ctx, task, "report")
    container = _container(task, "report")
    code = container.get("exitCode")
    if task.get("lastStatus") != "STOPPED" or code is None:
        raise Wrong(f"Your latest report job is {task.get('lastStatus')}, not finished yet.",
                    hint="Wait for it: debugging.run_and_watch(..., until='stopped').", stop=True)
    oom = facts()["runtime"]["out_of_memory"]
    if code == oom["exit_code"] and container.get("reason") == oom["reason"]:
        limit = _definition(ctx, task)
        raise Wrong(f"The report job was killed again: exit code {code}, {oom['reason']}.",
                    hint=(f"Its limits now: task memory {limit.get('memory')} MiB, container memory "
                          f"{_container_memory(limit)}. Is that what the job loads, with room for Python itself?",
                          "Raise the container's `memory` (a hard limit) above what the job loads, or remove it so "
                          "that the task's memory applies."), stop=True)
    if code != 0:
        raise Wrong(f"The report job exited with code {code}.", hint="Read its logs: debugging.app_logs(lab, "
                    "'report').", stop=True)


def _container_memory(definition: dict[str, Any]) -> str:
    cdef = next(iter(definition.get("containerDefinitions") or []), {})
    return f"{cdef['memory']} MiB" if cdef.get("memory") else "not set (the task's applies)"


# ---------------------------------------------------------------- case 7: a failing health check

HEALTH = register(Exercise(
    "debugging.health_fixed", "A health check that asks the right question", points=2, needs_lab=True,
    needs_answer=False,
    prompt="Fix the `shop` service's health check so that its task stays HEALTHY, and keep a health check.",
    hints=("A health check runs a command in the container every `interval` seconds: what does this one ask "
           "for, and what does the app answer?",
           "Read the app's code: which paths does it answer with 200?"),
))


def _shop_live(ctx: Context) -> list[dict[str, Any]]:
    services = ctx.client("ecs").describe_services(cluster=CLUSTER, services=["shop"])["services"]
    if not services or services[0].get("status") != "ACTIVE":
        raise Wrong("There is no active service 'shop' in cluster 'debug'.",
                    hint="Run the cells above that create it.", stop=True)
    return [t for t in _tasks(ctx, "shop", service="shop") if t.get("lastStatus") == "RUNNING"
            and t.get("desiredStatus") == "RUNNING"]


@HEALTH.check("the shop's task is HEALTHY")
def _shop_healthy(answer: Any, ctx: Context) -> None:
    live = _shop_live(ctx)
    if not live:
        raise Wrong("The shop service has no running task right now; if it replaced one, its events say why "
                    "(debugging.service_events).",
                    hint=("Try the check's URL yourself: urllib.request.urlopen(lab.endpoint(arn) + PATH).",
                          "Read the app's code: which paths does do_GET answer with 200?"), stop=True)
    definition = _definition(ctx, live[0])
    if not any(c.get("healthCheck") for c in definition.get("containerDefinitions") or []):
        raise Wrong("The shop's task has no health check: ECS can no longer tell a shop that answers from one that "
                    "hangs.", hint="Keep a healthCheck, and make it ask for something the app serves.", stop=True)
    if any(t.get("healthStatus") == "HEALTHY" for t in live):
        return
    if any(t.get("healthStatus") == "UNHEALTHY" for t in live):
        raise Wrong("The shop's task failed its health check.",
                    hint=("Try the check's URL yourself: urllib.request.urlopen(lab.endpoint(arn) + PATH).",
                          "Read the app's code: which paths does do_GET answer with 200?"), stop=True)
    raise Wrong("The shop's task has not passed a health check yet (health UNKNOWN).",
                hint="Checks run every `interval` seconds of the lab's clock: lab.clock.advance(120), then check.",
                stop=True)


@HEALTH.check("the service is steady on your latest revision")
def _shop_steady(answer: Any, ctx: Context) -> None:
    service = ctx.client("ecs").describe_services(cluster=CLUSTER, services=["shop"])["services"][0]
    if len(service.get("deployments") or []) > 1 or service.get("runningCount") != service.get("desiredCount"):
        raise Wrong("The shop service is still deploying.", hint="Wait for it with the services_stable waiter.")
    latest = ctx.client("ecs").describe_task_definition(taskDefinition="shop")["taskDefinition"]["taskDefinitionArn"]
    if service.get("taskDefinition") != latest:
        raise Wrong("The service does not run your latest shop revision.",
                    hint="Deploy it: ecs.update_service(..., taskDefinition='shop').")
