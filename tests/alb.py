"""What the load balancer tests share: task stand-ins answering HTTP on 127.0.0.1, and an ALB in front of a service.

The task runtime (task containers as local processes) is not part of these tests: `TaskServers` gives each task a
tiny HTTP server of its own, found through `labkit.mock.elb.address.task_address` (monkeypatched), answering
"task <id>" with the code the test chooses. Servers stop when the test ends.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class TaskServers:
    """One HTTP server per task ARN asked for, on 127.0.0.1: it answers its task's id with `codes[task]` (200)."""

    def __init__(self) -> None:
        self.servers: dict[str, ThreadingHTTPServer] = {}
        self.codes: dict[str, int] = {}
        self.default_code = 200
        self.requests: list[tuple[str, str]] = []  # (task ARN, path) of every request served

    def address(self, account: str, task_arn: str, port: int) -> tuple[str, int] | None:
        if task_arn not in self.servers:
            self.servers[task_arn] = self._start(task_arn)
        return "127.0.0.1", self.servers[task_arn].server_port

    def _start(self, task_arn: str) -> ThreadingHTTPServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                owner.requests.append((task_arn, self.path))
                body = f"task {task_arn.split('/')[-1]}".encode()
                self.send_response(owner.codes.get(task_arn, owner.default_code))
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def stop(self) -> None:
        for server in self.servers.values():
            server.shutdown()
            server.server_close()


def make_alb(lab: Any, net: dict[str, Any], *, interval: int = 10, healthy: int = 2, unhealthy: int = 2,
             delay: int | None = None, path: str = "/health") -> dict[str, str]:
    """An internet-facing ALB in the network's subnets, an ip target group (port 80) and an HTTP listener on 80."""
    elbv2 = lab.client("elbv2")
    lb = elbv2.create_load_balancer(Name="web", Subnets=net["subnets"], Type="application")["LoadBalancers"][0]
    tg = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=net["vpc"], TargetType="ip",
                                   HealthCheckPath=path, HealthCheckIntervalSeconds=interval,
                                   HealthCheckTimeoutSeconds=5, HealthyThresholdCount=healthy,
                                   UnhealthyThresholdCount=unhealthy)["TargetGroups"][0]
    if delay is not None:
        elbv2.modify_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"], Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": str(delay)}])
    listener = elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}])["Listeners"][0]
    return {"lb": lb["LoadBalancerArn"], "dns": lb["DNSName"], "tg": tg["TargetGroupArn"],
            "listener": listener["ListenerArn"]}


def web_service(lab: Any, net: dict[str, Any], task_definition: str, alb: dict[str, str], count: int = 2,
                name: str = "web", **extra: Any) -> dict[str, Any]:
    """A Fargate service behind the ALB's target group (container "web", port 80)."""
    return lab.client("ecs").create_service(
        cluster="labkit", serviceName=name, taskDefinition=task_definition, desiredCount=count, launchType="FARGATE",
        networkConfiguration=net["awsvpc"], loadBalancers=[
            {"targetGroupArn": alb["tg"], "containerName": "web", "containerPort": 80}], **extra)["service"]


def health(lab: Any, alb: dict[str, str]) -> list[tuple[str, str | None]]:
    """(State, Reason) of every target of the ALB's target group, sorted."""
    found = lab.client("elbv2").describe_target_health(TargetGroupArn=alb["tg"])["TargetHealthDescriptions"]
    return sorted((d["TargetHealth"]["State"], d["TargetHealth"].get("Reason")) for d in found)
