"""lab.endpoint: where a task answers, or a clear error saying why not (unknown task, not running yet, no port
mapping, a port not mapped, a process that exited); in real mode, the task's public address."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from labkit.errors import InvalidInput
from labkit.lab.endpoint import endpoint
from tests.runtime_kit import push_app, register, run

WEB = "import http.server\nhttp.server.HTTPServer(('', 8080), http.server.SimpleHTTPRequestHandler).serve_forever()\n"


@pytest.fixture
def web(lab, tmp_path):
    return register(lab, push_app(lab, tmp_path / "w", WEB).uri, family="web", port=8080)


def test_the_first_port_mapping_or_the_one_asked_for(lab, net, web):
    arn = run(lab, net, web)
    url = lab.endpoint(arn)
    assert url == lab.endpoint(arn, port=8080) == lab.endpoint(arn.rsplit("/", 1)[1])  # the ARN or the task id
    assert url.startswith("http://127.0.0.1:")


def test_an_unknown_task(lab, net):
    with pytest.raises(InvalidInput, match="there is no task"):
        lab.endpoint("arn:aws:ecs:us-east-1:123456789012:task/labkit/" + "0" * 32)


def test_a_task_not_running_yet_says_to_wait(lab, net, web):
    arn = run(lab, net, web, wait=False)
    with pytest.raises(InvalidInput, match="not RUNNING yet.*tasks_running"):
        lab.endpoint(arn)


def test_no_port_mappings_and_a_port_not_mapped(lab, net, web, tmp_path):
    quiet = run(lab, net, register(lab, push_app(lab, tmp_path / "q", WEB, name="quiet").uri, family="quiet"))
    with pytest.raises(InvalidInput, match="maps no port"):
        lab.endpoint(quiet)
    arn = run(lab, net, web)
    with pytest.raises(InvalidInput, match=r"port 9090 is not mapped.*8080"):
        lab.endpoint(arn, port=9090)


def test_a_stopped_task_no_longer_runs(lab, net, web):
    arn = run(lab, net, web)
    lab.client("ecs").stop_task(cluster="labkit", task=arn)
    lab.clock.advance(30)
    with pytest.raises(InvalidInput, match="STOPPED: it no longer runs"):
        lab.endpoint(arn)


def test_bad_arguments(lab):
    with pytest.raises(InvalidInput, match="give a task ARN"):
        lab.endpoint("")
    with pytest.raises(InvalidInput, match="port="):
        lab.endpoint("0" * 32, port=0)
    with pytest.raises(InvalidInput, match="no load balancer 'my-load-balancer'"):
        lab.endpoint("my-load-balancer")  # not a task: read as a load balancer's name


def test_real_mode_answers_the_public_address(lab, net, web):
    arn = run(lab, net, web)
    real = SimpleNamespace(mode="real", client=lab.client, account_id=lab.account_id, _control=None)
    with pytest.raises(InvalidInput, match="no public IP address"):
        endpoint(real, arn)
    task = lab.client("ecs").describe_tasks(cluster="labkit", tasks=[arn])["tasks"][0]
    eni = next(d["value"] for d in task["attachments"][0]["details"] if d["name"] == "networkInterfaceId")
    allocation = lab.client("ec2").allocate_address(Domain="vpc")
    lab.client("ec2").associate_address(AllocationId=allocation["AllocationId"], NetworkInterfaceId=eni)
    assert endpoint(real, arn) == f"http://{allocation['PublicIp']}:8080"
