"""Production-service benchmarks for `make bench`: 80 simulated minutes of autoscaling, and requests through a load
balancer's loopback listener.

Both run in mock mode in this process. The autoscaling run is a service of 0.5 vCPU tasks (1 to 6) with a 50% CPU
target-tracking policy under 1.5 vCPU of load, the clock advanced one simulated minute at a time for 80 minutes
(each minute: datapoints, alarms, scaling, the scheduler). The requests go through the listener to two healthy
tasks; each task's port is a small HTTP server on 127.0.0.1 standing in for its container process (what
`labkit.mock.elb.address.task_address` returns here), so the figure is the load balancer's own path.
"""

from __future__ import annotations

import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MINUTES = 80
DIMENSION = "ecs:service:DesiredCount"
TASK_DEFINITION = {"family": "web", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"], "cpu": "512",
                   "memory": "1024", "containerDefinitions": [{"name": "web", "image": "nginx:1.27",
                                                               "portMappings": [{"containerPort": 80}]}]}


def _service(lab: Any, network: Any, **extra: Any) -> None:
    ecs = lab.client("ecs")
    td = ecs.register_task_definition(**TASK_DEFINITION)["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=td, launchType="FARGATE",
                       networkConfiguration=network.awsvpc(), **extra)


def autoscaling_run() -> dict[str, Any]:
    """Seconds of wall time for 80 simulated minutes of a loaded, target-tracking service, and where it ended."""
    import labkit
    from labkit import deploy

    with labkit.connect("mock") as lab:
        network = deploy.ensure_network(lab)
        deploy.ensure_cluster(lab)
        _service(lab, network, desiredCount=1)
        aas = lab.client("application-autoscaling")
        aas.register_scalable_target(ServiceNamespace="ecs", ResourceId="service/labkit/web",
                                     ScalableDimension=DIMENSION, MinCapacity=1, MaxCapacity=6)
        aas.put_scaling_policy(
            PolicyName="cpu50", ServiceNamespace="ecs", ResourceId="service/labkit/web", ScalableDimension=DIMENSION,
            PolicyType="TargetTrackingScaling", TargetTrackingScalingPolicyConfiguration={
                "TargetValue": 50.0, "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
        lab.load("labkit", "web", vcpu=1.5)
        start = time.perf_counter()
        for _ in range(MINUTES):
            lab.clock.advance(60)
        seconds = time.perf_counter() - start
        desired = lab.client("ecs").describe_services(cluster="labkit", services=["web"])["services"][0][
            "desiredCount"]
    return {"seconds": seconds, "desired": desired}


@contextmanager
def _stand_ins() -> Iterator[None]:
    """Each task's port answered by a small HTTP server on 127.0.0.1 (in place of the task's container process)."""
    from labkit.mock.elb import address

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = b"ok"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    before = address.task_address
    address.task_address = lambda account, task_arn, port: ("127.0.0.1", server.server_port)
    try:
        yield
    finally:
        address.task_address = before
        server.shutdown()
        server.server_close()


def request_times(n: int = 50) -> list[float]:
    """Seconds each of `n` GET requests through a load balancer's loopback listener took (two healthy tasks)."""
    import labkit
    from labkit import deploy
    from labkit.lab.balancers import load_balancer_url

    with _stand_ins(), labkit.connect("mock") as lab:
        network = deploy.ensure_network(lab)
        deploy.ensure_cluster(lab)
        elbv2 = lab.client("elbv2")
        lb = elbv2.create_load_balancer(Name="web", Subnets=list(network.subnet_ids))["LoadBalancers"][0]
        tg = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=network.vpc_id, TargetType="ip",
                                       HealthCheckIntervalSeconds=10)["TargetGroups"][0]["TargetGroupArn"]
        elbv2.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
        elbv2.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                              DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
        _service(lab, network, desiredCount=2,
                 loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 80}])
        lab.clock.advance(60)
        url = load_balancer_url(lab, "web")
        times = []
        for _ in range(n):
            start = time.perf_counter()
            with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - loopback only
                if answer.status != 200:
                    raise RuntimeError(f"the load balancer answered {answer.status}")
                answer.read()
            times.append(time.perf_counter() - start)
    return times
