"""Tasks that run: in mock and local modes a task's containers are real processes (or stand-ins) on this machine.

What runs: an image that `labkit.deploy.push_image` built on an official Python base runs its command with the
course's Python, in a copy of the image's files (`images`, `dockerfile`, `shell`, `start`); nginx and httpd run as
stand-ins that serve their welcome page; any other image idles as a stand-in and its log says so (`standins`).
Inside, a process sees its task's ports on localhost (mapped to free loopback ports, never all interfaces), no
internet, Fargate's variables and a task metadata endpoint (`guest/sitecustomize.py`, `metadata`). Secrets come
from the mock's Secrets Manager and SSM through the execution role (`secrets`). Nothing outlives its lab: runs end
with their task, their lab (release, reset), their process (at exit, or by the reaper if it dies: `process`).

Time. The simulated clock moves only when asked; processes run in wall time. They meet at the mock's settle
(every ECS call, every clock move; `lifecycle`):
- a task's containers start when it reaches RUNNING (startedAt), at the first settle after that moment;
- an exit is noticed at a settle and is stamped with the simulated time of the settle before it (the clock
  stood there while the process ran), so a crash shows at the time the process really ran; an essential
  container's exit stops the task (EssentialContainerExited, its exit code);
- a stop (StopTask, a scale-in, a Spot warning) sends SIGTERM at once; processes get a fraction of a second of
  wall time to exit, and the ones still running get SIGKILL when the clock passes SIGTERM + stopTimeout (exit
  137): the task is STOPPING until then, then DEPROVISIONING and STOPPED as usual;
- output is read as it comes and sent to CloudWatch Logs at each settle, stamped with simulated time;
- memory over the container's (else the task's) hard limit is an OOM kill at once (exit 137);
- a container health check whose time the clock passed is probed once, for real, and counts for every check time
  passed;
- a boto3 waiter polling in simulated time gives the lab's processes up to 0.1 s of wall time per poll, so a
  batch job of half a second ends within the waiter's attempts.

`loopback_address(account, task_arn, container_port)` is where a running task's container port answers (load
balancers use it); `give_wall_time(account)` is the waiters' pause; `end_account` and `shutdown` end runs.
"""

from labkit.mock.runtime.registry import end_account, give_wall_time, loopback_address, shutdown

__all__ = ["end_account", "give_wall_time", "loopback_address", "shutdown"]
