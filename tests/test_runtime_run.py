"""A task's own code runs: it answers HTTP on its port, per task, logs what it prints, sees Fargate's variables and
its metadata endpoint, listens on loopback only and has no internet. Public images run as stand-ins."""

from __future__ import annotations

import json
import socket
import urllib.error

import pytest

from labkit.lab import deploy
from labkit.mock import runtime
from tests.runtime_kit import describe, get, log_lines, push_app, register, run

WEB = """
import http.server, json, os, urllib.request

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/task":
            body = urllib.request.urlopen(os.environ["ECS_CONTAINER_METADATA_URI_V4"] + "/task").read()
        elif self.path == "/container":
            body = urllib.request.urlopen(os.environ["ECS_CONTAINER_METADATA_URI_V4"]).read()
        elif self.path == "/env":
            body = json.dumps(dict(os.environ)).encode()
        elif self.path == "/self":
            body = urllib.request.urlopen("http://localhost:8080/env").read()
        elif self.path == "/internet":
            try:
                urllib.request.urlopen("http://93.184.215.14/", timeout=2)
                body = b"reached the internet"
            except OSError as err:
                body = f"refused: {err}".encode()
        else:
            body = b"hello from my own code"
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

print("listening on 8080", flush=True)
http.server.ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
"""


@pytest.fixture
def web(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "web", WEB, name="web")
    return register(lab, image.uri, family="web", port=8080, environment=[{"name": "GREETING", "value": "hi"}])


def test_each_task_answers_with_its_own_code(lab, net, web):
    ecs = lab.client("ecs")
    ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=web, desiredCount=3, launchType="FARGATE",
                       networkConfiguration=net["awsvpc"])
    ecs.get_waiter("services_stable").wait(cluster="labkit", services=["web"])
    arns = ecs.list_tasks(cluster="labkit", serviceName="web")["taskArns"]
    urls = {lab.endpoint(arn) for arn in arns}
    assert len(urls) == 3 and all(u.startswith("http://127.0.0.1:") for u in urls)
    assert {get(u) for u in urls} == {"hello from my own code"}
    for arn in arns:  # each task is itself: its metadata names its own ARN
        assert json.loads(get(lab.endpoint(arn) + "/task"))["TaskARN"] == arn


def test_what_the_container_prints_goes_to_its_awslogs_stream(lab, net, web):
    arn = run(lab, net, web)
    get(lab.endpoint(arn) + "/hello")
    stream = f"ecs/web/{arn.rsplit('/', 1)[1]}"
    events = lab.client("logs").get_log_events(logGroupName="/ecs/web", logStreamName=stream)["events"]
    messages = [e["message"] for e in events]
    assert messages[0] == "listening on 8080"
    assert any('"GET /hello HTTP/1.1" 200' in m for m in messages)
    assert not any("labkit mock" in m for m in messages)  # its own output, no stand-in lines
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps) and stamps[0] >= int(describe(lab, arn)["startedAt"].timestamp() * 1000)


def test_a_task_sees_fargate_variables_and_its_metadata(lab, net, web):
    arn = run(lab, net, web)
    base = lab.endpoint(arn)
    env = json.loads(get(base + "/env"))
    assert env["AWS_EXECUTION_ENV"] == "AWS_ECS_FARGATE"
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == lab.region
    assert env["GREETING"] == "hi"
    assert not any(k.startswith("AWS_ACCESS") or k.startswith("AWS_SECRET") for k in env)  # no credentials leak in
    task = json.loads(get(base + "/task"))
    described = describe(lab, arn)
    assert (task["TaskARN"], task["Family"], task["Revision"]) == (arn, "web", "1")
    assert task["Limits"] == {"CPU": 0.25, "Memory": 512}
    assert task["LaunchType"] == "FARGATE" and task["AvailabilityZone"] == described["availabilityZone"]
    [container] = task["Containers"]
    assert container["Name"] == "web" and container["KnownStatus"] == "RUNNING"
    ip = next(d["value"] for d in described["attachments"][0]["details"] if d["name"] == "privateIPv4Address")
    assert container["Networks"][0]["IPv4Addresses"] == [ip]
    assert json.loads(get(base + "/container"))["Name"] == "web"


def test_localhost_8080_is_the_task_itself(lab, net, web):
    arn = run(lab, net, web)
    assert json.loads(get(lab.endpoint(arn) + "/self"))["GREETING"] == "hi"


def test_binding_all_interfaces_stays_on_loopback(lab, net, web):
    arn = run(lab, net, web)
    host, port = runtime.loopback_address(lab.account_id, arn, 8080)
    assert host == "127.0.0.1"
    with open("/proc/net/tcp") as f:
        listening = [line.split()[1] for line in f.readlines()[1:] if line.split()[3] == "0A"]
    assert f"0100007F:{port:04X}" in listening
    assert f"00000000:{port:04X}" not in listening  # never 0.0.0.0:PORT
    outside = [a for a in {i[4][0] for i in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)}
               if not a.startswith("127.")]
    for address in outside:
        with socket.socket() as s:
            s.settimeout(1)
            assert s.connect_ex((address, port)) != 0


def test_a_task_has_no_internet(lab, net, web):
    arn = run(lab, net, web)
    answer = get(lab.endpoint(arn) + "/internet")
    assert answer.startswith("refused:") and "no internet" in answer


def test_loopback_address_is_none_for_a_port_nobody_has(lab, net, web):
    arn = run(lab, net, web)
    assert runtime.loopback_address(lab.account_id, arn, 9999) is None
    assert runtime.loopback_address(lab.account_id, "arn:aws:ecs:us-east-1:1:task/labkit/" + "0" * 32, 8080) is None


@pytest.mark.parametrize("image,page", [("public.ecr.aws/nginx/nginx:stable", "Welcome to nginx!"),
                                        ("httpd:2.4", "It works!")])
def test_nginx_and_httpd_stand_ins_serve_their_welcome_page_on_80(lab, net, image, page):
    arn = run(lab, net, register(lab, image, family="site", port=80))
    assert page in get(lab.endpoint(arn))
    lines = log_lines(lab, "/ecs/site")
    assert any("stand-in" in line for line in lines)
    assert any('"GET / HTTP/1.1" 200' in line for line in lines)


def test_an_unknown_image_idles_as_a_stand_in_and_says_so(lab, net):
    arn = run(lab, net, register(lab, "busybox:latest", family="box", command=["sh", "-c", "exit 3"]))
    lab.clock.advance(600)
    assert describe(lab, arn)["lastStatus"] == "RUNNING"
    assert any("only idles" in line for line in log_lines(lab, "/ecs/box"))


def test_a_pushed_nginx_image_serves_the_page_it_copied(lab, net, tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "index.html").write_text("<h1>my page</h1>")
    (folder / "Dockerfile").write_text("FROM nginx:1.27\nCOPY index.html /usr/share/nginx/html/index.html\n")
    from labkit.lab import deploy

    image = deploy.push_image(lab, "site", context=str(folder))
    arn = run(lab, net, register(lab, image.uri, family="site", port=80))
    assert get(lab.endpoint(arn)) == "<h1>my page</h1>"


def test_overrides_change_the_command_and_environment(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "o", "import os, sys\nprint('ARGS', sys.argv[1:], os.environ.get('MODE'))\n")
    td = register(lab, image.uri, family="job", environment=[{"name": "MODE", "value": "default"}])
    arn = run(lab, net, td, wait=False, overrides={"containerOverrides": [
        {"name": "job", "command": ["python", "app.py", "--fast"], "environment": [{"name": "MODE", "value": "x"}]}]})
    lab.client("ecs").get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[arn])
    assert "ARGS ['--fast'] x" in log_lines(lab, "/ecs/job")


def test_an_endpoint_request_to_a_stopped_process_is_refused(lab, net, web):
    arn = run(lab, net, web)
    url = lab.endpoint(arn)
    lab.client("ecs").stop_task(cluster="labkit", task=arn)
    with pytest.raises(urllib.error.URLError):
        get(url, timeout=2)


def test_waiters_wait_for_a_fresh_process_only_until_it_listens(lab, net, web, tmp_path):
    """A server that came up is not watched for a crash at start (waiters do not wait for it); a batch job is."""
    arn = run(lab, net, web)  # RUNNING: its process listens on 8080
    watched = {c.name for c in runtime.registry.about_to_end(lab.account_id)}
    assert runtime.registry.find(lab.account_id, arn).said_listening() and watched == set()
    job = push_app(lab, tmp_path / "job", "import time\ntime.sleep(3)\n", name="job")
    run(lab, net, register(lab, job.uri, family="job"))
    assert {c.name for c in runtime.registry.about_to_end(lab.account_id)} == {"job"}


def test_containers_of_a_task_share_localhost_and_a_sidecar_may_exit(lab, net, tmp_path):
    code = ("import urllib.request\nprint(urllib.request.urlopen('http://localhost:80/').read().decode()"
            ".splitlines()[3], flush=True)\n")
    image = push_app(lab, tmp_path / "side", code)
    deploy.ensure_log_group(lab, "/ecs/pair")
    role = "arn:aws:iam::123456789012:role/none"
    containers = [
        {"name": "web", "image": "public.ecr.aws/nginx/nginx:stable", "essential": True,
         "portMappings": [{"containerPort": 80}]},
        {"name": "probe", "image": image.uri, "essential": False, "logConfiguration": {
            "logDriver": "awslogs", "options": {"awslogs-group": "/ecs/pair", "awslogs-region": lab.region,
                                                "awslogs-stream-prefix": "ecs"}}}]
    td = lab.client("ecs").register_task_definition(
        family="pair", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn=role, containerDefinitions=containers)["taskDefinition"]["taskDefinitionArn"]
    arn = run(lab, net, td)
    runtime.give_wall_time(lab.account_id, budget=5)  # until the probe (just started) exits
    lab.clock.advance(6)
    task = describe(lab, arn)
    by_name = {c["name"]: c for c in task["containers"]}
    assert task["lastStatus"] == "RUNNING"  # the sidecar is not essential: its exit does not stop the task
    assert (by_name["probe"]["lastStatus"], by_name["probe"]["exitCode"]) == ("STOPPED", 0)
    assert by_name["web"]["lastStatus"] == "RUNNING"
    assert log_lines(lab, "/ecs/pair") == ["<title>Welcome to nginx!</title>"]


def test_the_task_definitions_entry_point_replaces_the_images_command(lab, net, tmp_path):
    image = push_app(lab, tmp_path / "e", "print('the image command', flush=True)\n")
    td = register(lab, image.uri, family="entry", entryPoint=["python", "-c"], command=["print('entry point')"])
    arn = run(lab, net, td, wait=False)
    lab.client("ecs").get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[arn])
    assert log_lines(lab, "/ecs/entry") == ["entry point"]
