"""How a running task ends: by itself (exit 0, or a crash), by StopTask or a Spot interruption (SIGTERM, then
SIGKILL after stopTimeout in simulated seconds), or out of memory (exit 137)."""

from __future__ import annotations

from datetime import timedelta

from labkit.data import facts
from labkit.lab import deploy
from tests.runtime_kit import describe, log_lines, push_app, register, run

BATCH = """
import time
print("working", flush=True)
time.sleep(0.3)
print("done", flush=True)
"""
GRACEFUL = """
import signal, sys, time
def bye(*_):
    print("got SIGTERM, saving and leaving", flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, bye)
print("ready", flush=True)
while True:
    time.sleep(0.05)
"""
STUBBORN = """
import signal, time
signal.signal(signal.SIGTERM, lambda *_: print("ignoring SIGTERM", flush=True))
print("ready", flush=True)
while True:
    time.sleep(0.05)
"""


def test_a_batch_job_ends_by_itself_with_exit_code_0(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "b", BATCH)
    arn = run(lab, net, register(lab, image.uri, family="batch"), wait=False)
    lab.client("ecs").get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[arn])
    task = describe(lab, arn)
    assert (task["lastStatus"], task["stopCode"], task["stoppedReason"]) == (
        "STOPPED", "EssentialContainerExited", "Essential container in task exited")
    assert task["containers"][0]["exitCode"] == 0
    assert task["stoppedAt"] > task["startedAt"]
    assert log_lines(lab, "/ecs/batch") == ["working", "done"]
    [charge] = [c for c in lab.bill().charges if c.task_arn == arn]
    assert not charge.running
    assert charge.seconds == (task["stoppedAt"] - task["pullStartedAt"]).total_seconds()


def test_a_crash_stops_the_task_with_its_exit_code(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "c", "import sys\nprint('cannot start: no DATABASE_URL')\nsys.exit(3)\n")
    arn = run(lab, net, register(lab, image.uri, family="crash"), wait=False)
    lab.client("ecs").get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[arn])
    task = describe(lab, arn)
    assert (task["stopCode"], task["containers"][0]["exitCode"]) == ("EssentialContainerExited", 3)
    assert "cannot start: no DATABASE_URL" in log_lines(lab, "/ecs/crash")


def test_stop_task_sends_sigterm_and_a_graceful_app_exits_0(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "g", GRACEFUL)
    arn = run(lab, net, register(lab, image.uri, family="graceful"))
    ecs = lab.client("ecs")
    ecs.stop_task(cluster="labkit", task=arn, reason="done")
    lab.clock.advance(20)
    task = describe(lab, arn)
    assert (task["lastStatus"], task["stopCode"], task["containers"][0]["exitCode"]) == ("STOPPED", "UserInitiated", 0)
    assert (task["stoppedAt"] - task["stoppingAt"]).total_seconds() == 15  # the usual stop: no wait
    assert "got SIGTERM, saving and leaving" in log_lines(lab, "/ecs/graceful")


def test_an_app_that_ignores_sigterm_is_killed_after_stop_timeout(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "s", STUBBORN)
    arn = run(lab, net, register(lab, image.uri, family="stubborn", stopTimeout=45))
    ecs = lab.client("ecs")
    asked = lab.clock.now()
    ecs.stop_task(cluster="labkit", task=arn)
    lab.clock.advance(44)
    task = describe(lab, arn)
    assert (task["lastStatus"], task["containers"][0].get("exitCode")) == ("STOPPING", None)
    lab.clock.advance(1)
    task = describe(lab, arn)
    assert (task["lastStatus"], task["containers"][0]["exitCode"]) == ("DEPROVISIONING", 137)
    assert task["executionStoppedAt"] == asked + timedelta(seconds=45)
    lab.clock.advance(10)
    assert describe(lab, arn)["stoppedAt"] == asked + timedelta(seconds=55)
    assert "ignoring SIGTERM" in log_lines(lab, "/ecs/stubborn")


def test_default_stop_timeout_is_30_seconds(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "s", STUBBORN)
    arn = run(lab, net, register(lab, image.uri, family="stubborn"))
    lab.client("ecs").stop_task(cluster="labkit", task=arn)
    default = facts()["runtime"]["stop_timeout"]["default_s"]
    lab.clock.advance(default - 1)
    assert describe(lab, arn)["lastStatus"] == "STOPPING"
    lab.clock.advance(1)
    assert describe(lab, arn)["containers"][0]["exitCode"] == 137


def _spot_task(lab, net, image_uri, family, **container):
    td = register(lab, image_uri, family=family, **container)
    arn = lab.client("ecs").run_task(cluster="labkit", taskDefinition=td, networkConfiguration=net["awsvpc"],
                                     capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
                                     )["tasks"][0]["taskArn"]
    lab.client("ecs").get_waiter("tasks_running").wait(cluster="labkit", tasks=[arn])
    return arn


def test_spot_interruption_sigterm_then_sigkill_after_stop_timeout_not_two_minutes(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "s", STUBBORN)
    arn = _spot_task(lab, net, image.uri, "spot", stopTimeout=60)
    [victim] = lab.interrupt_spot(cluster="labkit")
    assert victim == arn
    warned = describe(lab, arn)
    assert (warned["lastStatus"], warned["desiredStatus"], warned["stopCode"]) == ("RUNNING", "STOPPED",
                                                                                 "TerminationNotice")
    lab.clock.advance(59)
    assert describe(lab, arn)["lastStatus"] == "RUNNING"
    lab.clock.advance(1)
    killed = describe(lab, arn)
    assert killed["containers"][0]["exitCode"] == 137 and killed["stopCode"] == "SpotInterruption"
    lab.clock.advance(20)
    stopped = describe(lab, arn)
    assert stopped["lastStatus"] == "STOPPED"
    assert stopped["stoppedReason"] == facts()["discounts"]["spot_interruption"]["stopped_reason"]
    assert "ignoring SIGTERM" in log_lines(lab, "/ecs/spot")


def test_spot_interruption_of_a_graceful_app_stops_as_soon_as_it_exits(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "g", GRACEFUL)
    arn = _spot_task(lab, net, image.uri, "spot")
    lab.interrupt_spot(cluster="labkit")
    task = describe(lab, arn)
    assert (task["lastStatus"], task["stopCode"], task["containers"][0]["exitCode"]) == (
        "DEACTIVATING", "SpotInterruption", 0)
    lab.clock.advance(20)
    assert describe(lab, arn)["lastStatus"] == "STOPPED"


def test_memory_over_the_limit_is_an_oom_kill(lab, net, tmp_path):
    hog = "import time\nprint('allocating', flush=True)\nkept = []\nwhile True:\n" \
          "    kept.append(b'x' * (8 * 1024 * 1024))\n    time.sleep(0.01)\n"
    image = push_app(lab, tmp_path / "m", hog)
    arn = run(lab, net, register(lab, image.uri, family="hog", memory=64), wait=False)
    lab.client("ecs").get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[arn])
    task = describe(lab, arn)
    oom = facts()["runtime"]["out_of_memory"]
    assert task["stopCode"] == "EssentialContainerExited"
    assert (task["containers"][0]["exitCode"], task["containers"][0]["reason"]) == (137, oom["reason"])


def test_deploy_logs_reads_what_a_real_task_printed(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "b", BATCH)
    td = deploy.register_task(lab, "printer", image, cpu=256, memory=512)
    network = deploy.ensure_network(lab)
    cluster = deploy.ensure_cluster(lab, "jobs")
    [task] = deploy.run_task(lab, cluster, td, network=network)
    lab.client("ecs").get_waiter("tasks_stopped").wait(cluster="jobs", tasks=[task.arn])
    assert deploy.logs(lab, td) == ["working", "done"]
