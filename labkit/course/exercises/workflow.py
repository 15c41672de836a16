"""Exercises of lesson 3 (how Fargate works): a task definition Fargate accepts, a task's lifecycle, a
steady service, and a teardown that left nothing.

Lab-state checks read the learner's account only through `ctx.client(...)` (plain boto3), so they work in
mock, local and real modes. Numbers and rules come from `labkit.fargate` and `labkit.data`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from labkit.course.exercises import Context, Exercise, Wrong, register
from labkit.course.exercises._lab import clusters, find_service, name_of
from labkit.course.exercises._tiers import problem_tiers
from labkit.data import facts
from labkit.lab.teardown import teardown_by_tag, teardown_lab
from labkit.model.rules import problems

__all__ = ["LIFECYCLE", "SERVICE_TASKS", "lifecycle_states", "one_off_tasks", "went_through"]

#: how many copies of the web server exercise `workflow.service_steady` asks for (the team's request)
SERVICE_TASKS = 3


def lifecycle_states() -> list[str]:
    """The ECS task states from launch to stopped, in order (from labkit.data)."""
    return [s["state"] for s in facts()["lifecycle"]["states"]]


# ---------------------------------------------------------------- a task definition Fargate accepts

TASK_DEF = register(Exercise(
    "workflow.task_definition", "Fix a task definition", points=3,
    prompt="Edit the worker's task definition until Fargate would accept it; keep its awslogs logging.",
    hints=("labkit.fargate.check_task_definition(worker) lists every problem, with AWS's message for each.",),
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


def _raise_first(answer: Any, found: list[Any]) -> None:
    if found:
        raise Wrong(found[0].message, hint=problem_tiers(found[0], _task_def(answer)))


# The starting worker is refused three ways; each fix earns a third. What it already does right (a task
# definition, for Fargate, nothing else refused) are requirements: they earn nothing, so it scores 0 as given.
@TASK_DEF.check("a task definition", required=True)
def _is_task_def(answer: Any, ctx: Context) -> None:
    _task_def(answer)


@TASK_DEF.check("asks for Fargate", required=True)
def _requires_fargate(answer: Any, ctx: Context) -> None:
    if "FARGATE" not in (_task_def(answer).get("requiresCompatibilities") or []):
        raise Wrong("requiresCompatibilities does not list FARGATE, so ECS would not check it against "
                    "Fargate's rules.", hint=("Keep what the starting task definition asked for: which launch type "
                                             "should ECS check it against?",))


@TASK_DEF.check("a valid Fargate size")
def _size(answer: Any, ctx: Context) -> None:
    _raise_first(answer, _problems(answer, "invalid-size"))


@TASK_DEF.check("awsvpc networking")
def _network(answer: Any, ctx: Context) -> None:
    _raise_first(answer, _problems(answer, "network-mode"))


@TASK_DEF.check("logs to CloudWatch with an execution role")
def _logs(answer: Any, ctx: Context) -> None:
    containers = _task_def(answer).get("containerDefinitions") or []
    drivers = [(c.get("logConfiguration") or {}).get("logDriver") for c in containers if isinstance(c, Mapping)]
    if "awslogs" not in drivers:
        raise Wrong("The container no longer sends its logs to CloudWatch Logs.",
                    hint=("Dropping the logs makes the refusal go away, and with it every line the worker prints. "
                          "Keep the logConfiguration and give Fargate what awslogs needs.",))
    _raise_first(answer, _problems(answer, "execution-role-awslogs", "execution-role-ecr"))


_CHECKED_ABOVE = {"invalid-size", "network-mode", "execution-role-awslogs", "execution-role-ecr"}


@TASK_DEF.check("nothing else Fargate refuses", required=True)
def _rest(answer: Any, ctx: Context) -> None:
    _raise_first(answer, [p for p in _problems(answer) if p.rule not in _CHECKED_ABOVE])


# ---------------------------------------------------------------- the lifecycle, observed

LIFECYCLE = register(Exercise(
    "workflow.lifecycle", "A task's whole life", points=3, needs_lab=True,
    prompt=("Run a one-off task and record every lastStatus it shows, in order, from launch until STOPPED (each "
            "state once). The check compares your list with what your latest one-off task really went through."),
    hints=("Look at the task again and again as the clock moves, and record its state each time it changes.",),
))


def _observed(answer: Any) -> list[str]:
    if isinstance(answer, (str, bytes)) or not isinstance(answer, (list, tuple)):
        raise Wrong(f"Expected a list of states such as ['PROVISIONING', ...], got {type(answer).__name__}.",
                    stop=True)
    if not all(isinstance(s, str) for s in answer):
        raise Wrong("The list should hold the lastStatus strings, not whole task descriptions.",
                    hint='Append task["lastStatus"], not the task.', stop=True)
    seen = [s.strip().upper() for s in answer]
    unknown = [s for s in seen if s not in lifecycle_states()]
    if unknown:
        raise Wrong(f"{unknown[0]!r} is not a task state.", hint="Valid states: " + ", ".join(lifecycle_states()),
                    stop=True)
    return seen


def one_off_tasks(ctx: Context) -> list[dict[str, Any]]:
    """Every task of the lab that no service started (run with run_task), in any cluster, oldest first."""
    ecs = ctx.client("ecs")
    found: list[dict[str, Any]] = []
    for cluster in clusters(ctx):
        arns = [a for status in ("RUNNING", "STOPPED")
                for a in ecs.list_tasks(cluster=cluster["clusterArn"], desiredStatus=status).get("taskArns", [])]
        for i in range(0, len(arns), 100):
            tasks = ecs.describe_tasks(cluster=cluster["clusterArn"], tasks=arns[i:i + 100]).get("tasks", [])
            found += [t for t in tasks if not str(t.get("group") or "").startswith("service:")
                      and not str(t.get("startedBy") or "").startswith("ecs-svc")]
    return sorted(found, key=_created)


def _created(task: dict[str, Any]) -> float:
    """When a task was created, as a number to sort by (boto3 gives datetimes; 0 when it says nothing)."""
    when = task.get("createdAt")
    return when.timestamp() if hasattr(when, "timestamp") else 0.0


def went_through(task: dict[str, Any]) -> list[str]:
    """The states a task has been in so far, in order: read from its timestamps and its lastStatus.

    startedAt means it went all the way up to RUNNING; a lastStatus on the way down means it went through every
    stopping state before it. This works the same in every mode: AWS sets these fields too.
    """
    order = lifecycle_states()
    up, down = order[: order.index("RUNNING") + 1], order[order.index("RUNNING") + 1:]
    status = task.get("lastStatus")
    if task.get("startedAt"):
        states = list(up)
    elif status in up:
        states = up[: up.index(status) + 1]
    else:  # stopped before it ever ran
        states = up[: 2 if task.get("pullStartedAt") else 1]
    return states + (down[: down.index(status) + 1] if status in down else [])


def _latest(ctx: Context) -> dict[str, Any]:
    tasks = one_off_tasks(ctx)
    if not tasks:
        raise Wrong("Your lab has not run a one-off task yet: there is nothing to compare your list with.",
                    hint=("Run a task first (the exercise cell starts one), then follow it.",), stop=True)
    return tasks[-1]


_CLOSER = ("Between two looks a task can change state more than once: look more often.",
           "Advance the clock a few seconds at a time, not a minute, and describe the task after every step.")


def _compare(answer: Any, ctx: Context, segment: list[str], target: str, not_there: tuple[str, ...]) -> None:
    """Wrong unless the answer's states of `segment` are exactly those the latest one-off task went through."""
    task = _latest(ctx)
    truth = [s for s in went_through(task) if s in segment]
    if target not in truth:
        raise Wrong(f"Your latest one-off task is {task.get('lastStatus')}: it has not reached {target} yet.",
                    hint=not_there)
    seen = [s for s in _observed(answer) if s in segment]
    if seen == truth:
        return
    repeats = sorted({s for s in seen if seen.count(s) > 1})
    if repeats:
        raise Wrong(f"{', '.join(repeats)} appears more than once.",
                    hint=("Record a state only when it differs from the last one you recorded.",))
    missing = [s for s in truth if s not in seen]
    if missing:
        way = "up" if target == "RUNNING" else "down"
        raise Wrong(f"Your task went through {', '.join(missing)} on its way {way}; your list does not have "
                    f"{'it' if len(missing) == 1 else 'them'}.", hint=_CLOSER)
    raise Wrong("The states are not in the order your task went through them.",
                hint=("A task only moves forward: " + " → ".join(lifecycle_states()) + ".",))


@LIFECYCLE.check("a list of task states", required=True)
def _a_list(answer: Any, ctx: Context) -> None:
    _observed(answer)


@LIFECYCLE.check("a one-off task in your lab", required=True)
def _a_task(answer: Any, ctx: Context) -> None:
    _latest(ctx)


@LIFECYCLE.check("its way up to RUNNING, each state once")
def _way_up(answer: Any, ctx: Context) -> None:
    order = lifecycle_states()
    _compare(answer, ctx, order[: order.index("RUNNING") + 1], "RUNNING",
             ("A task moves on only as time passes: keep moving the lab's clock and looking at the task again.",
              "In a loop: advance the clock a few seconds (lab.clock.advance), describe the task, and record its "
              "lastStatus when it changed; stop looping once it is RUNNING."))


@LIFECYCLE.check("its way down to STOPPED, each state once")
def _way_down(answer: Any, ctx: Context) -> None:
    order = lifecycle_states()
    _compare(answer, ctx, order[order.index("RUNNING") + 1:], "STOPPED",
             ("A task you start yourself runs until something stops it; and stopping takes time too.",
              "Stop it with the ECS call the cell above the exercise uses, then keep advancing the clock and "
              "looking until it is STOPPED."))


# ---------------------------------------------------------------- a steady service

STEADY = register(Exercise(
    "workflow.service_steady", f"A steady service of {SERVICE_TASKS} tasks", points=3, needs_lab=True,
    prompt=f"Scale the service so exactly {SERVICE_TASKS} tasks run on Fargate, and wait until it is steady.",
    hints=("A service keeps its desired count of tasks running: change that number, then wait.",),
))


def _find_service(answer: Any, ctx: Context) -> tuple[str, dict[str, Any]]:
    svc, cluster = find_service(ctx, name_of(answer, "service", "web"))
    return cluster, svc


@STEADY.check("the service exists", required=True)
def _exists(answer: Any, ctx: Context) -> None:
    _find_service(answer, ctx)


@STEADY.check("it runs on Fargate", required=True)
def _on_fargate(answer: Any, ctx: Context) -> None:
    _, svc = _find_service(answer, ctx)
    providers = {s.get("capacityProvider") for s in svc.get("capacityProviderStrategy") or []}
    if svc.get("launchType") == "FARGATE" or (providers and providers <= {"FARGATE", "FARGATE_SPOT"}):
        return
    raise Wrong("The service does not run on Fargate.",
                hint=("Scale the service the lesson made on Fargate; this one runs elsewhere.",))


@STEADY.check(f"desired count is {SERVICE_TASKS}")
def _desired(answer: Any, ctx: Context) -> None:
    _, svc = _find_service(answer, ctx)
    if svc.get("desiredCount") != SERVICE_TASKS:
        raise Wrong(f"The service wants {svc.get('desiredCount')} tasks; the team asked for {SERVICE_TASKS}.",
                    hint=("A service keeps its desired count of tasks running: change that number, not the tasks "
                          "themselves.",
                          "labkit.deploy.scale changes a service's desired count (so does ecs.update_service)."))


@STEADY.check(f"{SERVICE_TASKS} tasks RUNNING, steady")
def _steady(answer: Any, ctx: Context) -> None:
    cluster, svc = _find_service(answer, ctx)
    ecs = ctx.client("ecs")
    arns = ecs.list_tasks(cluster=cluster, serviceName=svc["serviceName"], desiredStatus="RUNNING")["taskArns"]
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []
    running = sum(1 for t in tasks if t.get("lastStatus") == "RUNNING")
    if svc.get("desiredCount") != SERVICE_TASKS:
        raise Wrong(f"{running} tasks are RUNNING; the team asked for {SERVICE_TASKS}.",
                    hint=("Once the desired count is right, the service starts or stops tasks to match it.",))
    if svc.get("pendingCount") or svc.get("runningCount") != SERVICE_TASKS or running != SERVICE_TASKS:
        raise Wrong(f"{running} of {SERVICE_TASKS} tasks are RUNNING; the service is not steady yet.",
                    hint=("Starting or stopping tasks takes time: wait until the service is steady.",
                          "labkit.deploy.wait_steady waits for it (or advance the clock and look again)."))


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
    in_use = getattr(lab, "services_in_use", None)
    if in_use is not None and in_use() is not None:
        left = teardown_lab(lab, dry_run=True)  # only the services that could hold something of the lab's
    else:
        left = teardown_by_tag(lab, lab.id, dry_run=True, recorded=list(getattr(lab, "created", ())))
    counts = left.counts()
    if counts:
        what = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        raise Wrong(f"Still there: {what}.", hint="Run lab.teardown() (it is safe to repeat), then check again.")
