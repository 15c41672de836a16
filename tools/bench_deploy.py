"""Two deployments for `make bench` to time side by side: labkit's (mock mode) and the raw moto calls it makes.

labkit's deployment: network (VPC, internet gateway, routes, two subnets, security group), an ECR image, a log
group, the execution and task roles, a cluster, a Fargate task definition, a service of 3 tasks running, and
teardown by tag. `record_mock_deployment` runs it and keeps every AWS call it made (operation, parameters,
answer); `replay` makes the same calls, in the same order, on plain moto (a process that never imports labkit,
an account of its own each time: moto as a learner without labkit has it), putting the ids moto gives now where
the recording has the old ones. The ratio of the two is what labkit costs, or saves, against plain moto. The
bench runner times them; this module only does the work and returns what it saw.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

DOCKERFILE = "FROM public.ecr.aws/nginx/nginx:stable\nEXPOSE 80\n"


def mock_deployment(lab: Any) -> dict[str, Any]:
    """labkit.lab.deploy end to end on `lab`: 3 tasks RUNNING, then teardown; returns counts for a sanity check."""
    from labkit.lab import deploy

    network = deploy.ensure_network(lab)
    image = deploy.push_image(lab, "bench-web", DOCKERFILE)
    task_definition = deploy.register_task(lab, "bench-web", image, cpu=256, memory=512, port=80)
    cluster = deploy.ensure_cluster(lab)
    service = deploy.deploy_service(lab, cluster, "bench-web", task_definition, desired_count=3, network=network)
    report = lab.teardown()
    return {"running": service.running_count, "removed": sum(report.counts().values())}


@dataclass(frozen=True)
class Call:
    """One AWS call a deployment made: the client's service, the operation, its parameters and its answer."""

    service: str
    operation: str
    params: dict[str, Any]
    response: dict[str, Any] | None  # None when AWS (moto) answered with an error


def record_mock_deployment(lab: Any) -> tuple[dict[str, Any], list[Call]]:
    """`mock_deployment(lab)`, with every AWS call labkit made on the way (through any boto3 client)."""
    from botocore.client import BaseClient

    calls: list[Call] = []
    make_api_call = BaseClient._make_api_call

    def recording(client: Any, operation: str, params: dict[str, Any]) -> Any:
        kept = copy.deepcopy(params)
        try:
            response = make_api_call(client, operation, params)
        except Exception:
            calls.append(Call(client.meta.service_model.service_name, operation, kept, None))
            raise
        answer = {k: v for k, v in response.items() if k != "ResponseMetadata"}
        calls.append(Call(client.meta.service_model.service_name, operation, kept, copy.deepcopy(answer)))
        return response

    BaseClient._make_api_call = recording  # type: ignore[method-assign]
    try:
        seen = mock_deployment(lab)
    finally:
        BaseClient._make_api_call = make_api_call  # type: ignore[method-assign]
    return {**seen, "account": lab.account_id}, calls


#: an id or ARN that moto makes up (vpc-0a1b2c3d..., arn:aws:ecs:...:task/...), as opposed to a name or a state
AN_ID = re.compile(r"arn:aws[\w-]*:.+|[a-z]+-[0-9a-f]{8,17}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")


def learn_ids(recorded: Any, answered: Any, ids: dict[str, str]) -> None:
    """Walk a recorded answer and today's answer side by side; where an id differs, remember the new one."""
    if isinstance(recorded, dict) and isinstance(answered, dict):
        for key, value in recorded.items():
            if key in answered:
                learn_ids(value, answered[key], ids)
    elif isinstance(recorded, list) and isinstance(answered, list):
        for old, new in zip(recorded, answered, strict=False):  # moto alone may answer with fewer
            learn_ids(old, new, ids)
    elif isinstance(recorded, str) and isinstance(answered, str) and recorded != answered \
            and AN_ID.fullmatch(recorded):
        ids[recorded] = answered


def swap_ids(value: Any, ids: dict[str, str], accounts: tuple[str, str]) -> Any:
    """`value` with every recorded id replaced by today's, and the recorded account id by today's account."""
    if isinstance(value, dict):
        return {k: swap_ids(v, ids, accounts) for k, v in value.items()}
    if isinstance(value, list):
        return [swap_ids(v, ids, accounts) for v in value]
    if isinstance(value, str):
        return ids.get(value, value.replace(*accounts))
    return value


def replay(calls: list[Call], recorded_account: str, account: str, region: str = "us-east-1") -> dict[str, int]:
    """Make `calls` again in `account` on whatever answers boto3 here (plain moto, in `plain_moto_main`); returns
    how many were refused (without labkit's layer some calls fail, e.g. stopping tasks that moto never started)."""
    import boto3

    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
    clients: dict[str, Any] = {}
    ids: dict[str, str] = {}
    refused = 0
    for call in calls:
        if call.service not in clients:
            clients[call.service] = session.client(call.service)
            clients[call.service].meta.events.register("before-sign", lambda request, **_: (
                request.headers.__setitem__("x-moto-account-id", account)))
        try:
            response = clients[call.service]._make_api_call(
                call.operation, swap_ids(call.params, ids, (recorded_account, account)))
        except Exception:  # a refusal is an answer too; moto crashes on some inputs without labkit
            refused += 1
            continue
        learn_ids(call.response, response, ids)
    return {"calls": len(calls), "refused": refused}


#: the mock config labkit starts moto with (AWS-managed IAM policies loaded), given to plain moto too
MOTO_CONFIG = {"iam": {"load_aws_managed_policies": True}}


def plain_moto_main(recording: str, runs: int) -> None:
    """In a process of its own, without labkit: time `runs` replays of the recording on plain moto, each in a
    fresh account after one warm-up, from a collected heap; print the seconds as JSON (see `time_plain_moto`)."""
    import gc
    import json
    import pickle
    import sys
    import time

    from moto import mock_aws

    if any(name == "labkit" or name.startswith("labkit.") for name in sys.modules):
        raise RuntimeError("the plain moto baseline must run in a process without labkit")
    with open(recording, "rb") as fh:
        calls, recorded_account = pickle.load(fh)
    seconds = []
    with mock_aws(config=MOTO_CONFIG):
        for i in range(runs + 1):
            gc.collect()
            start = time.perf_counter()
            replay(calls, recorded_account, f"{200_000_000_000 + i:012d}")
            if i:
                seconds.append(time.perf_counter() - start)
    print(json.dumps(seconds))


def time_plain_moto(calls: list[Call], recorded_account: str, runs: int, env: dict[str, str]) -> list[float]:
    """Seconds of each of `runs` replays on plain moto, in a new Python process that never imports labkit, as a
    learner with plain moto would run them: moto's own defaults and speed, not labkit's."""
    import json
    import pickle
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory(prefix="labkit-bench-") as tmp:
        recording = f"{tmp}/calls.pickle"
        with open(recording, "wb") as fh:
            pickle.dump((calls, recorded_account), fh)
        code = f"from tools.bench_deploy import plain_moto_main; plain_moto_main({recording!r}, {int(runs)})"
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False,
                              timeout=600)
    if done.returncode != 0:
        raise RuntimeError((done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1])
    return json.loads(done.stdout.strip().splitlines()[-1])
