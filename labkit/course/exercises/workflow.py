"""Exercises of lesson 3 (how Fargate works): a task definition Fargate accepts, a task's lifecycle, a
steady service, and a teardown that left nothing.

Lab-state checks read the learner's account only through `ctx.client(...)` (plain boto3), so they work in
mock, local and real modes. Numbers and rules come from `labkit.fargate` and `labkit.data`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labkit.course.exercises import Context, Exercise, Quiz, Wrong, register, register_quiz
from labkit.course.exercises._lab import find_service, name_of
from labkit.data import facts
from labkit.lab.teardown import teardown_by_tag
from labkit.model.rules import problems

__all__ = ["LIFECYCLE", "SERVICE_TASKS", "lifecycle_states"]

#: how many copies of the web server exercise `workflow.service_steady` asks for (the team's request)
SERVICE_TASKS = 3


def lifecycle_states() -> list[str]:
    """The ECS task states from launch to stopped, in order (from labkit.data)."""
    return [s["state"] for s in facts()["lifecycle"]["states"]]


# ---------------------------------------------------------------- a task definition Fargate accepts

TASK_DEF = register(Exercise(
    "workflow.task_definition", "Fix a task definition", points=3,
    prompt="Edit the worker's task definition until Fargate would accept it; keep its awslogs logging.",
    hints=("labkit.fargate.check_task_definition(worker) lists every problem, with what to change.",),
))


def _task_def(answer: Any) -> dict[str, Any]:
    if isinstance(answer, Mapping) and "taskDefinition" in answer:
        answer = answer["taskDefinition"]
    if not isinstance(answer, Mapping) or "containerDefinitions" not in answer:
        raise Wrong(f"Expected a task definition (a dict with 'containerDefinitions'), got "
                    f"{type(answer).__name__}.", hint="Pass the dict itself: labkit.check(..., worker).",
                    stop=True)
    return dict(answer)


def _problems(answer: Any, *rules: str) -> list[Any]:
    return [p for p in problems(_task_def(answer)) if not rules or p.rule in rules]


def _raise_first(found: list[Any]) -> None:
    if found:
        raise Wrong(found[0].message, hint=found[0].hint)


@TASK_DEF.check("a task definition")
def _is_task_def(answer: Any, ctx: Context) -> None:
    _task_def(answer)


@TASK_DEF.check("asks for Fargate")
def _requires_fargate(answer: Any, ctx: Context) -> None:
    if "FARGATE" not in (_task_def(answer).get("requiresCompatibilities") or []):
        raise Wrong("requiresCompatibilities does not list FARGATE, so ECS would not check it against "
                    "Fargate's rules.", hint='Set "requiresCompatibilities": ["FARGATE"].')


@TASK_DEF.check("a valid Fargate size")
def _size(answer: Any, ctx: Context) -> None:
    _raise_first(_problems(answer, "invalid-size"))


@TASK_DEF.check("awsvpc networking")
def _network(answer: Any, ctx: Context) -> None:
    _raise_first(_problems(answer, "network-mode"))


@TASK_DEF.check("logs to CloudWatch with an execution role")
def _logs(answer: Any, ctx: Context) -> None:
    containers = _task_def(answer).get("containerDefinitions") or []
    drivers = [(c.get("logConfiguration") or {}).get("logDriver") for c in containers if isinstance(c, Mapping)]
    if "awslogs" not in drivers:
        raise Wrong("The container no longer sends its logs to CloudWatch Logs.",
                    hint="Keep the awslogs logConfiguration: the fix is to give Fargate an execution role, "
                         "not to stop logging.")
    _raise_first(_problems(answer, "execution-role-awslogs", "execution-role-ecr"))


_CHECKED_ABOVE = {"invalid-size", "network-mode", "execution-role-awslogs", "execution-role-ecr"}


@TASK_DEF.check("nothing else Fargate refuses")
def _rest(answer: Any, ctx: Context) -> None:
    _raise_first([p for p in _problems(answer) if p.rule not in _CHECKED_ABOVE])


register_quiz(Quiz(
    "workflow.quiz_roles", "Which role?",
    question="The web server's own code must read files from an S3 bucket. Which part of the task definition "
             "gives it that permission?",
    choices={
        "A": "executionRoleArn: the task execution role",
        "B": "taskRoleArn: the task role",
        "C": "the security group of the task's network interface",
        "D": "the cluster",
    },
    correct=frozenset({"B"}),
    explanation="The task role (taskRoleArn) is what your application code uses to call AWS services. The "
                "execution role is used by Fargate itself, to pull the image and send the logs.",
    wrong_hints={
        "A": "The execution role is for Fargate's own work (pulling the image, sending logs), not for your code.",
        "C": "A security group filters network traffic; it grants no AWS permissions.",
        "D": "A cluster is only a grouping of tasks and services; it holds no permissions.",
    },
))


# ---------------------------------------------------------------- the lifecycle, observed

LIFECYCLE = register(Exercise(
    "workflow.lifecycle", "A task's whole life", points=3, needs_lab=True,
    prompt="Record every lastStatus of a one-off task, in order, from launch until STOPPED (each state once).",
    hints=("Advance the clock in small steps (a few seconds) and poll describe_tasks after each step.",),
))


def _observed(answer: Any) -> list[str]:
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (list, tuple)):
        raise Wrong(f"Expected a list of states such as ['PROVISIONING', ...], got {type(answer).__name__}.",
                    stop=True)
    if not all(isinstance(s, str) for s in answer):
        raise Wrong("The list should hold the lastStatus strings, not whole task descriptions.",
                    hint='Append task["lastStatus"], not the task.', stop=True)
    return [s.strip().upper() for s in answer]


@LIFECYCLE.check("a list of states, each once")
def _each_once(answer: Any, ctx: Context) -> None:
    seen = _observed(answer)
    unknown = [s for s in seen if s not in lifecycle_states()]
    if unknown:
        raise Wrong(f"{unknown[0]!r} is not a task state.", hint="Valid states: " + ", ".join(lifecycle_states()),
                    stop=True)
    repeats = sorted({s for s in seen if seen.count(s) > 1})
    if repeats:
        raise Wrong(f"{', '.join(repeats)} appears more than once.",
                    hint="Append a state only when it differs from the last one you recorded.")


@LIFECYCLE.check("in lifecycle order")
def _in_order(answer: Any, ctx: Context) -> None:
    seen = list(dict.fromkeys(_observed(answer)))
    order = lifecycle_states()
    positions = [order.index(s) for s in seen if s in order]
    if positions != sorted(positions):
        raise Wrong("The states are out of order.", hint="A task only moves forward: " + " → ".join(order) + ".")


@LIFECYCLE.check("from launch to RUNNING, no state missed")
def _start(answer: Any, ctx: Context) -> None:
    order = lifecycle_states()
    up = order[: order.index("RUNNING") + 1]
    missing = [s for s in up if s not in _observed(answer)]
    if missing:
        raise Wrong(f"Missing on the way up: {', '.join(missing)}.",
                    hint="Poll right after run_task, then advance the clock a few seconds at a time: a big "
                         "jump skips states.")


@LIFECYCLE.check("from RUNNING to STOPPED, no state missed")
def _stop(answer: Any, ctx: Context) -> None:
    order = lifecycle_states()
    down = order[order.index("RUNNING") + 1:]
    missing = [s for s in down if s not in _observed(answer)]
    if missing:
        hint = ("Stop the task with ecs.stop_task(cluster=..., task=..., reason=...), then keep advancing "
                "the clock and polling until it is STOPPED." if "STOPPED" in missing else
                "Poll right after stop_task, then advance the clock a few seconds at a time: a big jump "
                "skips states.")
        raise Wrong(f"Missing on the way down: {', '.join(missing)}.", hint=hint)


@LIFECYCLE.check("a task in your lab really stopped")
def _really_stopped(answer: Any, ctx: Context) -> None:
    ecs = ctx.client("ecs")
    for cluster in ecs.list_clusters().get("clusterArns", []):
        if ecs.list_tasks(cluster=cluster, desiredStatus="STOPPED").get("taskArns"):
            return
    raise Wrong("No stopped task was found in your lab.",
                hint="Run a task with labkit.deploy.run_task, then stop it with ecs.stop_task.")


# ---------------------------------------------------------------- a steady service

STEADY = register(Exercise(
    "workflow.service_steady", f"A steady service of {SERVICE_TASKS} tasks", points=3, needs_lab=True,
    prompt=f"Scale the service so exactly {SERVICE_TASKS} tasks run on Fargate, and wait until it is steady.",
    hints=("labkit.deploy.scale(...) changes the desired count; labkit.deploy.wait_steady(...) waits.",),
))


def _find_service(answer: Any, ctx: Context) -> tuple[str, dict[str, Any]]:
    svc, cluster = find_service(ctx, name_of(answer, "service", "web"))
    return cluster, svc


@STEADY.check("the service exists")
def _exists(answer: Any, ctx: Context) -> None:
    _find_service(answer, ctx)


@STEADY.check("it runs on Fargate")
def _on_fargate(answer: Any, ctx: Context) -> None:
    _, svc = _find_service(answer, ctx)
    providers = {s.get("capacityProvider") for s in svc.get("capacityProviderStrategy") or []}
    if svc.get("launchType") == "FARGATE" or (providers and providers <= {"FARGATE", "FARGATE_SPOT"}):
        return
    raise Wrong("The service does not run on Fargate.",
                hint='Create it with launchType="FARGATE" (or a FARGATE capacity provider strategy).')


@STEADY.check(f"desired count is {SERVICE_TASKS}")
def _desired(answer: Any, ctx: Context) -> None:
    _, svc = _find_service(answer, ctx)
    if svc.get("desiredCount") != SERVICE_TASKS:
        raise Wrong(f"The service wants {svc.get('desiredCount')} tasks; the team asked for {SERVICE_TASKS}.",
                    hint=f"labkit.deploy.scale(lab, cluster=..., service=..., desired_count={SERVICE_TASKS}) "
                         "or ecs.update_service(cluster=..., service=..., desiredCount=...).")


@STEADY.check("steady: every wanted task running")
def _steady(answer: Any, ctx: Context) -> None:
    cluster, svc = _find_service(answer, ctx)
    ecs = ctx.client("ecs")
    arns = ecs.list_tasks(cluster=cluster, serviceName=svc["serviceName"], desiredStatus="RUNNING")["taskArns"]
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    running = sum(1 for t in tasks if t.get("lastStatus") == "RUNNING")
    if svc.get("pendingCount") or svc.get("runningCount") != svc.get("desiredCount") or \
            running != svc.get("desiredCount"):
        raise Wrong(f"{running} of {svc.get('desiredCount')} tasks are RUNNING; the service is not steady yet.",
                    hint="Wait for it: labkit.deploy.wait_steady(lab, cluster=..., service=...), or advance "
                         "the clock with lab.clock.advance(...).")


# ---------------------------------------------------------------- nothing left behind

CLEAN = register(Exercise(
    "workflow.teardown_clean", "Nothing left behind", points=2, needs_lab=True, needs_answer=False,
    prompt="Tear the lab down so that nothing tagged with its id is left.",
    hints=("Run lab.teardown(), then check again.",),
))


@CLEAN.check("nothing tagged with your lab id is left")
def _clean(answer: Any, ctx: Context) -> None:
    lab = ctx.lab
    if lab is None:
        ctx.client("ecs")  # raises the friendly "pass lab=lab"
    left = teardown_by_tag(lab, lab.id, dry_run=True, recorded=list(getattr(lab, "created", ())))
    counts = left.counts()
    if counts:
        what = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        raise Wrong(f"Still there: {what}.", hint="Run lab.teardown() (it is safe to repeat), then check again.")
