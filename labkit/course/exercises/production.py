"""Exercises of lesson 8 (a production service on Fargate): a load balancer's health check, a secret read through
the execution role, and a scaling policy that fits the account's quota; and the small helpers the lesson calls.

The helpers make the lesson's resources through `lab.client` (so they work in every mode) and print what they
find as stable text: task names in the order tasks first answer, no ARNs, ids or times. The checks read the lab.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tempfile
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

from labkit.course.exercises import Context, Exercise, Wrong, register
from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.lab.images import Image, push_image
from labkit.model.units import parse_cpu, units_per_vcpu

CLUSTER, SERVICE, NAME, PORT, SECRET = "prod", "web", "web", 8080, "prod/db"
HEALTH_PATH = "/health"
SLOW_HEALTH_CHECK = {"HealthCheckPath": "/", "HealthCheckIntervalSeconds": 300, "HealthyThresholdCount": 10,
                     "UnhealthyThresholdCount": 10}  # the exercise's starting values: slow to notice anything
# the team's requirements in the exercises (the lesson's choices, not Fargate facts)
OUT_WITHIN_S, IN_WITHIN_S = 30, 60
MIN_TASKS, TARGET_RANGE = 2, (50.0, 75.0)

APP = '''import json, os, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# which task this is: Fargate's task metadata endpoint says
TASK = json.load(urllib.request.urlopen(os.environ["ECS_CONTAINER_METADATA_URI_V4"] + "/task"))["TaskARN"]


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if os.environ.get("BROKEN"):             # a bad revision: every answer is an error
            code, body = 500, b"error"
        elif self.path == "/health":             # the load balancer's health check
            code, body = 200, b"ok"
        else:
            code, body = 200, ("hello from " + TASK.split("/")[-1]).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
'''
DOCKERFILE = f"""FROM python:3.12-slim
WORKDIR /app
COPY app.py .
EXPOSE {PORT}
CMD ["python", "app.py"]
"""


# ---------------------------------------------------------------- the lesson's steps


def push_web_app(lab: Any, name: str = NAME) -> Image:
    """Push the lesson's small web app (APP, on python:3.12-slim) to the lab's ECR repository `name`."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "app.py").write_text(APP, encoding="utf-8")
        (Path(folder) / "Dockerfile").write_text(DOCKERFILE, encoding="utf-8")
        return push_image(lab, name, context=folder)


def _target_group(elbv2: Any, name: str = NAME) -> dict[str, Any] | None:
    try:
        return elbv2.describe_target_groups(Names=[name])["TargetGroups"][0]
    except elbv2.exceptions.TargetGroupNotFoundException:
        return None


def target_group(lab: Any, network: Any, health_check: dict[str, Any], name: str = NAME) -> str:
    """The `ip` target group `name` (port 8080) with these health check settings: made, or changed; its ARN."""
    elbv2 = lab.client("elbv2")
    found = _target_group(elbv2, name)
    if found:
        elbv2.modify_target_group(TargetGroupArn=found["TargetGroupArn"], **health_check)
        return found["TargetGroupArn"]
    return elbv2.create_target_group(Name=name, Protocol="HTTP", Port=PORT, VpcId=network.vpc_id, TargetType="ip",
                                     **health_check)["TargetGroups"][0]["TargetGroupArn"]


def load_balancer(lab: Any, network: Any, target_group_arn: str, name: str = NAME) -> str:
    """An internet-facing ALB `name` in the lab's subnets with an HTTP listener on 80 forwarding to the target
    group (made once, found again); its DNS name."""
    elbv2 = lab.client("elbv2")
    try:
        return elbv2.describe_load_balancers(Names=[name])["LoadBalancers"][0]["DNSName"]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        pass
    lb = elbv2.create_load_balancer(Name=name, Subnets=list(network.subnet_ids),
                                    SecurityGroups=[network.security_group_id], Type="application")["LoadBalancers"][0]
    elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": target_group_arn}])
    return lb["DNSName"]


def target_states(elbv2: Any, target_group_arn: str) -> str:
    """The target group's targets by state, as stable text ("2 healthy", "2 healthy, 2 draining")."""
    found = elbv2.describe_target_health(TargetGroupArn=target_group_arn)["TargetHealthDescriptions"]
    counts = Counter(d["TargetHealth"]["State"] for d in found)
    return ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "no targets"


def watch_targets(lab: Any, target_group_arn: str, seconds: int, step: int) -> str:
    """Advance the lab's clock `seconds` in steps of `step`, and say the targets' states whenever they change."""
    elbv2 = lab.client("elbv2")
    lines, last = [], None
    for t in range(0, seconds + 1, step):
        if t:
            lab.clock.advance(step)
        now = target_states(elbv2, target_group_arn)
        if now != last:
            lines.append(f"t+{t:>4}s: {now}")
            last = now
    return "\n".join(lines)


def round_robin(url: str, requests: int = 6) -> str:
    """Send `requests` GETs to `url`; which task answered each, named task A, B, ... in the order they first
    answer (task ids change every run; the pattern does not)."""
    names: dict[str, str] = {}
    lines = []
    for i in range(1, requests + 1):
        try:
            with urllib.request.urlopen(url, timeout=10) as answer:
                body = answer.read().decode()
        except urllib.error.HTTPError as err:
            lines.append(f"request {i}: HTTP {err.code}")
            continue
        who = names.setdefault(body, f"task {chr(ord('A') + len(names))}")
        lines.append(f"request {i}: answered by {who}")
    return "\n".join(lines)


def register_web(lab: Any, image: Any, roles: Any, *, environment: list[dict[str, str]] | None = None,
                 secrets: list[dict[str, str]] | None = None, broken: bool = False) -> str:
    """Register the next revision of task definition `web` (0.25 vCPU, 0.5 GB, logs to /lesson08/web); broken=True
    makes the app answer every request (its health check too) with 500. Returns "web:REVISION"."""
    from labkit.lab.deploy import ensure_log_group

    group = ensure_log_group(lab, "/lesson08/web")
    env = list(environment or []) + ([{"name": "BROKEN", "value": "1"}] if broken else [])
    container = {"name": NAME, "image": image.uri, "essential": True, "portMappings": [{"containerPort": PORT}],
                 "environment": env, "secrets": list(secrets or []),
                 "logConfiguration": {"logDriver": "awslogs", "options": {
                     "awslogs-group": group, "awslogs-region": lab.region, "awslogs-stream-prefix": NAME}}}
    td = lab.client("ecs").register_task_definition(
        family=NAME, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
        executionRoleArn=roles.execution_role_arn, containerDefinitions=[container])["taskDefinition"]
    return f"{td['family']}:{td['revision']}"


def allow_execution_role(lab: Any, roles: Any, statement: dict[str, Any], name: str = "read-secrets") -> None:
    """Put `statement` in an inline policy `name` of the lab's task execution role (replacing it)."""
    role = roles.execution_role_arn.rsplit("/", 1)[-1]
    lab.client("iam").put_role_policy(RoleName=role, PolicyName=name, PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [statement]}))


def deployments(ecs: Any, cluster: str = CLUSTER, service: str = SERVICE) -> str:
    """The service's deployments, newest first: revision, status, rolloutState, running and failed tasks."""
    svc = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    lines = []
    for d in svc["deployments"]:
        line = (f"{d['taskDefinition'].rsplit('/', 1)[-1]:8} {d['status']:8} {d.get('rolloutState', '-'):12} "
                f"running {d.get('runningCount', 0)}, failed {d.get('failedTasks', 0)}")
        reason = d.get("rolloutStateReason", "")
        lines.append(line + (f"\n  {_stable(reason)}" if reason and d.get("rolloutState") != "COMPLETED" else ""))
    return "\n".join(lines)


_ARNS = re.compile(r"arn:aws:[^\s)]+")
_TASK_IDS = re.compile(r"\(task [0-9a-f]+\)")
_DEPLOYMENT_IDS = re.compile(r"ecs-svc/\d+")


def _stable(text: str) -> str:
    text = _TASK_IDS.sub("(task ...)", _ARNS.sub(lambda m: m.group(0).split(":")[-1].split("/")[0] + " ...", text))
    return _DEPLOYMENT_IDS.sub("ecs-svc/<id>", text)


def events(ecs: Any, count: int = 6, containing: str = "", cluster: str = CLUSTER, service: str = SERVICE) -> str:
    """The service's newest `count` events (newest first) whose text contains `containing`, without ARNs and ids."""
    svc = ecs.describe_services(cluster=cluster, services=[service])["services"][0]
    found = [_stable(e["message"]) for e in svc["events"] if containing in e["message"]]
    return "\n".join(found[:count])


def _rollout_state(ecs: Any, cluster: str, service: str) -> tuple[list[dict[str, Any]], str]:
    found = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["deployments"]
    def one(d: dict[str, Any]) -> str:
        reason = d.get("rolloutStateReason", "")
        reason = reason if "circuit breaker" in reason else ""  # not ECS's "... in progress." / "completed."
        text = f"{d['taskDefinition'].rsplit('/', 1)[-1]} {d['status']} {d.get('rolloutState', '-')}"
        return text + (f" ({_stable(reason)})" if reason else "")

    return found, "; ".join(one(d) for d in found)


def roll_out(lab: Any, revision: str, minutes: int = 240, step_minutes: int = 1, cluster: str = CLUSTER,
             service: str = SERVICE) -> str:
    """Update the service to `revision` and let the clock run, `step_minutes` at a time, until one deployment is
    left, COMPLETED or FAILED; says its deployments whenever they change, then the last ones in full."""
    if isinstance(step_minutes, bool) or not isinstance(step_minutes, int) or step_minutes < 1:
        raise InvalidInput(f"step_minutes={step_minutes!r}; give a whole number of minutes, 1 or more.")
    ecs = lab.client("ecs")
    ecs.update_service(cluster=cluster, service=service, taskDefinition=revision)
    found, last = _rollout_state(ecs, cluster, service)
    lines = [f"minute {0:>3}: {last}"]
    for minute in range(step_minutes, minutes + 1, step_minutes):
        lab.clock.advance(60 * step_minutes)
        found, now = _rollout_state(ecs, cluster, service)
        if now != last:
            lines.append(f"minute {minute:>3}: {now}")
            last = now
        if len(found) == 1 and found[0].get("rolloutState") in ("COMPLETED", "FAILED"):
            break
    return "\n".join([*lines, "now:", deployments(ecs, cluster, service)])


def _resource(cluster: str = CLUSTER, service: str = SERVICE) -> str:
    return f"service/{cluster}/{service}"


def autoscale(lab: Any, min_tasks: int, max_tasks: int, target_cpu: float, cluster: str = CLUSTER,
              service: str = SERVICE) -> str:
    """Register the service's desired count with Application Auto Scaling and give it a target-tracking policy
    "cpu" on average CPU utilisation (replacing an earlier one); says what it set."""
    aas = lab.client("application-autoscaling")
    common = {"ServiceNamespace": "ecs", "ResourceId": _resource(cluster, service),
              "ScalableDimension": "ecs:service:DesiredCount"}
    aas.register_scalable_target(**common, MinCapacity=min_tasks, MaxCapacity=max_tasks)
    aas.put_scaling_policy(PolicyName="cpu", PolicyType="TargetTrackingScaling", **common,
                           TargetTrackingScalingPolicyConfiguration={
                               "TargetValue": float(target_cpu), "ScaleOutCooldown": 60, "ScaleInCooldown": 60,
                               "PredefinedMetricSpecification": {
                                   "PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    return f"{service}: between {min_tasks} and {max_tasks} tasks, aiming at {target_cpu:g}% average CPU"


def watch_desired(lab: Any, minutes: int, cluster: str = CLUSTER, service: str = SERVICE) -> str:
    """Advance the clock minute by minute and say the service's desired count whenever it changes; then wait
    until the service is steady and say how many tasks run."""
    ecs = lab.client("ecs")
    lines, last = [], None
    for minute in range(minutes + 1):
        if minute:
            lab.clock.advance(60)
        desired = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["desiredCount"]
        if desired != last:
            lines.append(f"minute {minute:>2}: desired {desired}")
            last = desired
    ecs.get_waiter("services_stable").wait(cluster=cluster, services=[service])
    running = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["runningCount"]
    return "\n".join([*lines, f"then: {running} tasks running"])


# ---------------------------------------------------------------- exercise 1: the health check

HEALTH = register(Exercise(
    "production.health_check", "A health check that notices in time", points=3, needs_lab=True, needs_answer=False,
    prompt=(f"Change the `{NAME}` target group's health check so that it asks the app's health endpoint "
            f"({HEALTH_PATH}), takes a failing task out of rotation within {OUT_WITHIN_S} seconds and puts a "
            f"new task in within {IN_WITHIN_S} seconds; then let the clock run until the targets are healthy."),
    hints=("A target leaves after UnhealthyThresholdCount failed checks in a row, one every "
           "HealthCheckIntervalSeconds; it joins after HealthyThresholdCount good ones.",
           "Multiply: interval x unhealthy threshold is the time to take a target out; interval x healthy "
           "threshold the time to put one in."),
))


def _group(ctx: Context) -> dict[str, Any]:
    found = _target_group(ctx.client("elbv2"))
    if found is None:
        raise Wrong(f"There is no target group named {NAME!r} in the lab.",
                    hint="Run the cell that makes the target group (production.target_group).", stop=True)
    if found.get("TargetType") != "ip":
        raise Wrong(f"Target group {NAME!r} has target type {found.get('TargetType')!r}.",
                    hint="Fargate tasks (awsvpc) are registered by their IP address: TargetType 'ip'.", stop=True)
    return found


@HEALTH.check("the target group exists, for ip targets", required=True)
def _health_group(answer: Any, ctx: Context) -> None:
    _group(ctx)


@HEALTH.check("it asks the app's health endpoint")
def _health_path(answer: Any, ctx: Context) -> None:
    path = _group(ctx).get("HealthCheckPath")
    if path != HEALTH_PATH:
        raise Wrong(f"The health check asks {path!r}.",
                    hint=("The app has an endpoint made for the load balancer: look at APP.",
                          "The health check should ask a cheap page that says whether this task can serve: "
                          "the app answers it on a path of its own."))


@HEALTH.check(f"a failing task leaves within {OUT_WITHIN_S} s")
def _health_out(answer: Any, ctx: Context) -> None:
    g = _group(ctx)
    took = g["HealthCheckIntervalSeconds"] * g["UnhealthyThresholdCount"]
    if took > OUT_WITHIN_S:
        raise Wrong(f"A failing task keeps receiving requests for {took} s "
                    f"({g['HealthCheckIntervalSeconds']} s x {g['UnhealthyThresholdCount']} checks).",
                    hint=("Fewer checks in a row, or checks more often.",
                          "interval x UnhealthyThresholdCount must be at most "
                          f"{OUT_WITHIN_S} s; the interval must stay longer than the timeout."))


@HEALTH.check(f"a new task joins within {IN_WITHIN_S} s")
def _health_in(answer: Any, ctx: Context) -> None:
    g = _group(ctx)
    took = g["HealthCheckIntervalSeconds"] * g["HealthyThresholdCount"]
    if took > IN_WITHIN_S:
        raise Wrong(f"A new task waits {took} s before it gets requests "
                    f"({g['HealthCheckIntervalSeconds']} s x {g['HealthyThresholdCount']} checks).",
                    hint=f"interval x HealthyThresholdCount must be at most {IN_WITHIN_S} s.")


@HEALTH.check("the service's targets are healthy", required=True)
def _health_targets(answer: Any, ctx: Context) -> None:
    states = [d["TargetHealth"]["State"] for d in ctx.client("elbv2").describe_target_health(
        TargetGroupArn=_group(ctx)["TargetGroupArn"])["TargetHealthDescriptions"]]
    if not states:
        raise Wrong("The target group has no targets.", hint="Create the service with its loadBalancers first.")
    if "healthy" not in states or any(s in ("initial", "unhealthy") for s in states):
        raise Wrong(f"Targets: {', '.join(sorted(states))}.",
                    hint="Let the clock run (production.watch_targets) until the health checks have passed.")


# ---------------------------------------------------------------- exercise 2: the secret

SECRET_EX = register(Exercise(
    "production.secret", "A password the task definition does not show", points=3, needs_lab=True,
    needs_answer=False,
    prompt=(f"Give the `{NAME}` container its DB_PASSWORD from the Secrets Manager secret {SECRET!r} (its "
            "'password' key) instead of plain text, allow the task execution role to read it, and deploy it."),
    hints=("A container's `secrets` item names the variable and, in valueFrom, where ECS reads its value.",
           "Who reads the secret: your app, or ECS before your app starts? That role needs the permission."),
))


def _latest_web(ctx: Context) -> dict[str, Any]:
    try:
        return ctx.client("ecs").describe_task_definition(taskDefinition=NAME)["taskDefinition"]
    except Exception:  # noqa: BLE001 - a ClientException when there is none
        raise Wrong(f"There is no task definition {NAME!r}.", hint="Run the cell that registers it.",
                    stop=True) from None


def _secret_arn(ctx: Context) -> str:
    try:
        return ctx.client("secretsmanager").describe_secret(SecretId=SECRET)["ARN"]
    except Exception:  # noqa: BLE001 - ResourceNotFoundException
        raise Wrong(f"There is no secret {SECRET!r}.", hint="Run the cell that creates it.", stop=True) from None


@SECRET_EX.check("no password in plain text")
def _secret_plain(answer: Any, ctx: Context) -> None:
    container = _latest_web(ctx)["containerDefinitions"][0]
    plain = [e["name"] for e in container.get("environment") or [] if "PASSWORD" in e["name"].upper()]
    if plain:
        raise Wrong(f"{', '.join(plain)} is in `environment`: anyone who may describe the task definition reads it.",
                    hint="Move it from `environment` to `secrets`.")
    if not any(s["name"] == "DB_PASSWORD" for s in container.get("secrets") or []):
        raise Wrong("The container gets no DB_PASSWORD at all.", hint="The app still needs it: put it in `secrets`.")


@SECRET_EX.check("DB_PASSWORD comes from the secret")
def _secret_from(answer: Any, ctx: Context) -> None:
    arn = _secret_arn(ctx)
    items = {s["name"]: s["valueFrom"] for s in _latest_web(ctx)["containerDefinitions"][0].get("secrets") or []}
    source = items.get("DB_PASSWORD")
    if source is None:
        raise Wrong("The container has no secret named DB_PASSWORD.",
                    hint=("Add an item to `secrets`: its name is the variable, valueFrom where it comes from.",
                          "valueFrom is the secret's ARN; ':password::' after it picks one JSON key."))
    if not source.startswith(arn):
        raise Wrong(f"DB_PASSWORD comes from {source!r}, not from the secret {SECRET!r}.",
                    hint="valueFrom starts with the secret's ARN (secret_arn).")


def _statements(iam: Any, role: str) -> list[dict[str, Any]]:
    docs = [iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"]
            for n in iam.list_role_policies(RoleName=role)["PolicyNames"]]
    found = []
    for doc in docs:
        doc = json.loads(doc) if isinstance(doc, str) else doc
        items = doc.get("Statement") or []
        found += [items] if isinstance(items, dict) else items
    return found


def _allows(statement: dict[str, Any], action: str, resource: str) -> bool:
    def listed(value: Any) -> list[str]:
        return [value] if isinstance(value, str) else list(value or [])

    return (statement.get("Effect") == "Allow"
            and any(fnmatch.fnmatch(action.lower(), a.lower()) for a in listed(statement.get("Action")))
            and any(fnmatch.fnmatch(resource, r) for r in listed(statement.get("Resource"))))


@SECRET_EX.check("the execution role may read it")
def _secret_role(answer: Any, ctx: Context) -> None:
    arn, td = _secret_arn(ctx), _latest_web(ctx)
    role = (td.get("executionRoleArn") or "").rsplit("/", 1)[-1]
    if not role:
        raise Wrong("The task definition has no executionRoleArn.", hint="ECS reads secrets with the execution role.")
    if not any(_allows(s, "secretsmanager:GetSecretValue", arn) for s in _statements(ctx.client("iam"), role)):
        raise Wrong("The task execution role is not allowed secretsmanager:GetSecretValue on the secret.",
                    hint=("ECS fetches the secret before your app starts, as the task execution role.",
                          "The statement's Action is the call that reads a secret's value; its Resource the "
                          "secret's ARN."))


@SECRET_EX.check("the service runs that revision", required=True)
def _secret_running(answer: Any, ctx: Context) -> None:
    td = _latest_web(ctx)
    ecs = ctx.client("ecs")
    services = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"]
    arns = ecs.list_tasks(cluster=CLUSTER, serviceName=SERVICE, desiredStatus="RUNNING")["taskArns"] if services else []
    tasks = ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []
    if not any(t["taskDefinitionArn"] == td["taskDefinitionArn"] and t["lastStatus"] == "RUNNING" for t in tasks):
        raise Wrong(f"No task of {NAME}:{td['revision']} is running in the service.",
                    hint="Update the service to the new revision and let its rollout finish; a task whose secret "
                         "cannot be read stops with ResourceInitializationError.")


# ---------------------------------------------------------------- exercise 3: scaling within the quota

SCALING = register(Exercise(
    "production.scaling", "Scaling within the quota", points=3, needs_lab=True, needs_answer=False,
    prompt=(f"Set the `{SERVICE}` service's scaling: at least {MIN_TASKS} tasks (one per Availability Zone), at "
            "most as many as the account's On-Demand vCPU quota holds, and a CPU target that leaves headroom "
            f"(between {TARGET_RANGE[0]:g}% and {TARGET_RANGE[1]:g}%)."),
    hints=("Read the task's size and the account's quota: how many such tasks fit?",),
))


def _scaling(ctx: Context) -> tuple[dict[str, Any], dict[str, Any]]:
    aas = ctx.client("application-autoscaling")
    targets = aas.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[_resource()])["ScalableTargets"]
    policies = aas.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=_resource())["ScalingPolicies"]
    tracking = [p for p in policies if p["PolicyType"] == "TargetTrackingScaling"]
    if not targets or not tracking:
        raise Wrong(f"The {SERVICE} service has no scalable target with a target-tracking policy.",
                    hint="Run the cell that calls production.autoscale.", stop=True)
    return targets[0], tracking[0]["TargetTrackingScalingPolicyConfiguration"]


@SCALING.check("the service scales with target tracking", required=True)
def _scaling_exists(answer: Any, ctx: Context) -> None:
    _scaling(ctx)


@SCALING.check(f"at least {MIN_TASKS} tasks")
def _scaling_min(answer: Any, ctx: Context) -> None:
    target, _ = _scaling(ctx)
    if target["MinCapacity"] < MIN_TASKS:
        raise Wrong(f"The minimum is {target['MinCapacity']}: one Availability Zone's trouble takes the service down.",
                    hint="The load balancer spreads over two Availability Zones: keep a task in each.")


def _quota_tasks(ctx: Context) -> int:
    td = ctx.client("ecs").describe_task_definition(taskDefinition=NAME)["taskDefinition"]
    return quota_tasks(parse_cpu(td["cpu"]) / units_per_vcpu())


@SCALING.check("at most what the vCPU quota holds")
def _scaling_max(answer: Any, ctx: Context) -> None:
    target, _ = _scaling(ctx)
    fits = _quota_tasks(ctx)
    if target["MaxCapacity"] > fits:
        raise Wrong(f"The maximum is {target['MaxCapacity']} tasks; past the quota, ECS cannot place them and the "
                    "service only logs 'unable to place a task'.",
                    hint=("A new account's On-Demand vCPU quota is in facts()['limits'].",
                          "Divide the quota by the task's vCPUs (its cpu in CPU units / 1024)."))
    if target["MaxCapacity"] <= target["MinCapacity"]:
        raise Wrong("The maximum is not above the minimum: the service cannot scale out.",
                    hint="Leave room between the minimum and the maximum.")


@SCALING.check("a CPU target with headroom")
def _scaling_target(answer: Any, ctx: Context) -> None:
    _, config = _scaling(ctx)
    metric = (config.get("PredefinedMetricSpecification") or {}).get("PredefinedMetricType")
    if metric != "ECSServiceAverageCPUUtilization":
        raise Wrong(f"The policy tracks {metric!r}.", hint="Track ECSServiceAverageCPUUtilization.")
    low, high = TARGET_RANGE
    if not low <= config["TargetValue"] <= high:
        raise Wrong(f"The target is {config['TargetValue']:g}% CPU.",
                    hint=("Too high leaves no room for a burst while new tasks start; too low pays for idle tasks.",
                          f"Aim between {low:g}% and {high:g}%."))


def quota_tasks(task_vcpu: float) -> int:
    """How many tasks of `task_vcpu` vCPU a new account's On-Demand quota holds (AWS's default, labkit.data)."""
    if task_vcpu <= 0:
        raise InvalidInput(f"task_vcpu={task_vcpu!r}; give a task's vCPUs, e.g. 0.25.")
    return int(facts()["limits"]["fargate_on_demand_vcpu_quota"]["value"] // task_vcpu)
