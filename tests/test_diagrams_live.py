"""labkit.diagrams.live, step by step on a hand-written Snapshot (no AWS): how the layout orders, groups and hides,
what the drawing makes of it, and the summary word for word. The mocked-account tests are in test_diagrams.py."""

from __future__ import annotations

import re

import pytest

from labkit.diagrams.live import draw, lay_out
from labkit.diagrams.live.layout import ip_key
from labkit.diagrams.live.snapshot import ServiceInfo, Snapshot, TaskInfo


def task(ident: str, ip: str, subnet: str, status: str = "RUNNING", group: str = "service:web",
         task_definition: str = "web:1") -> TaskInfo:
    eni = f"eni-{ident}" if ip else ""
    groups = ("sg-web",) if ip else ()
    return TaskInfo(ident, "shop", group, status, "FARGATE", task_definition, eni, ip, subnet, groups)


# A VPC whose subnets' ids and text sort the other way round from their addresses; a service of four tasks
# (one pending) across both, from an ECR image; a run_task task still provisioning, with no ENI yet, whose
# image comes from no ECR repository of the lab.
SNAP = Snapshot(
    mode="mock",
    region="us-east-1",
    clusters=("shop",),
    services=(ServiceInfo("shop", "web", 4, 3, 1, "FARGATE", "web:1", ("sg-web",)),),
    tasks=(
        task("t-10", "10.0.10.10", "subnet-a"),
        task("t-11", "10.0.10.11", "subnet-a"),
        task("t-9", "10.0.10.9", "subnet-a"),
        task("t-200", "10.0.2.200", "subnet-b", status="PENDING"),
        task("t-report", "", "", status="PROVISIONING", group="family:report", task_definition="report:2"),
    ),
    vpcs={"vpc-1": {"cidr": "10.0.0.0/16", "name": "shop-vpc"}},
    subnets={
        "subnet-a": {"vpc": "vpc-1", "cidr": "10.0.10.0/24", "az": "us-east-1a", "name": "private-a"},
        "subnet-b": {"vpc": "vpc-1", "cidr": "10.0.2.0/24", "az": "us-east-1b", "name": ""},
    },
    security_groups={"sg-web": {"name": "web", "vpc": "vpc-1"}},
    repositories={"shop": ("v1",)},
    task_definition_repositories={"web:1": ("shop",)},
)


def test_subnets_and_tasks_are_ordered_by_address_not_by_text():
    layout = lay_out(SNAP, max_tasks_per_service=10)
    assert [(s.id, s.cidr) for s in layout.subnets] == [("subnet_0", "10.0.2.0/24"), ("subnet_1", "10.0.10.0/24")]
    (web, report) = layout.clusters[0].entries
    assert [t.private_ip for t in web.tasks] == ["10.0.2.200", "10.0.10.9", "10.0.10.10", "10.0.10.11"]
    assert ip_key("10.0.2.200") < ip_key("10.0.10.9") < ip_key("") == ip_key("not an address")


def test_services_come_first_then_run_task_groups_each_numbered_on():
    (cluster,) = lay_out(SNAP).clusters
    assert [(e.id, e.box, e.service and e.service.name, e.group) for e in cluster.entries] == [
        ("svc_1", "tasks_1", "web", ""),
        ("svc_2", "tasks_2", None, "report"),
    ]
    assert all(e.cluster_box == cluster.id == "cluster_0" for e in cluster.entries)


@pytest.mark.parametrize("most, shown, hidden", [(2, 1, 3), (3, 2, 2), (4, 4, 0), (10, 4, 0)])
def test_above_the_limit_a_service_draws_one_fewer_and_a_more_box(most, shown, hidden):
    d = draw(lay_out(SNAP, max_tasks_per_service=most))
    in_box = [n for n in d.nodes if n.group == "tasks_1"]
    assert [n.kind for n in in_box] == ["task"] * shown + (["more"] if hidden else [])
    if hidden:
        assert in_box[-1].label == f"+{hidden} more tasks ({hidden} ENIs)"
    # one visible arrow from the service meets its box of tasks, at the middle one
    (arrow,) = [e for e in d.edges if e.tail == "svc_1" and dict(e.attrs).get("lhead")]
    assert dict(arrow.attrs)["lhead"] == "cluster_tasks_1" and arrow.head == in_box[len(in_box) // 2].id


def test_each_drawn_task_has_its_eni_in_its_subnet_and_a_task_without_one_stands_alone():
    d = draw(lay_out(SNAP, max_tasks_per_service=10))
    enis = {n.id: n for n in d.of_kind("eni")}
    assert {n.group for n in enis.values()} == {"subnet_0", "subnet_1"}
    assert enis["eni_eni_t_200"].group == "subnet_0" and "10.0.2.200" in enis["eni_eni_t_200"].label
    assert all("security group web" in " ".join(re.sub(r"<[^>]+>", " ", n.attr("label")).split())
               for n in enis.values())
    labels = {n.label for n in d.of_kind("task")}
    assert "task t-200 (PENDING)" in labels and "task t-10" in labels  # RUNNING goes without saying
    (report,) = [n for n in d.of_kind("task") if n.group == "tasks_2"]
    assert report.label == "task t-report (PROVISIONING)"
    assert [e.head for e in d.edges if e.tail == report.id] == []  # no ENI, no arrow
    # the security group sits beside the first ENI it protects; the repository feeds the service only, and sits
    # in the column of the services and run_task groups (one column fewer, so the picture fits a notebook)
    assert d.same_rank == (("sg_0", "eni_eni_t_200"), ("repo_0", "svc_1", "svc_2"))
    assert [(e.tail, e.head) for e in d.edges if e.tail.startswith("repo_")] == [("repo_0", "svc_1")]


def test_the_summary_word_for_word():
    assert str(draw(lay_out(SNAP, max_tasks_per_service=3))) == "\n".join([
        "Lab architecture (mock mode, us-east-1):",
        "VPC 10.0.0.0/16: subnets 10.0.2.0/24 (us-east-1b), 10.0.10.0/24 (us-east-1a); security groups: web",
        "ECS cluster shop:",
        "  - service web: desired 4, running 3, pending 1; capacity FARGATE; 4 tasks running, 4 ENIs (one per task)"
        " in 10.0.10.0/24 (us-east-1a), 10.0.2.0/24 (us-east-1b); drawn: 2 and a '+2 more' box",
        "  - standalone tasks (report): 1 task running, 0 ENIs (one per task)",
        "ECR repository shop: image :v1",
    ])


def test_a_lab_with_nothing_says_so_with_its_region():
    d = draw(lay_out(Snapshot(mode="", region="eu-west-1")))
    text = "Lab architecture (eu-west-1): nothing deployed yet (no VPC or ECS cluster belongs to this lab)."
    assert str(d) == d.description == text
    assert [n.kind for n in d.nodes] == ["note"] and d.edges == () and d.legend == ()


def test_a_load_balancer_is_drawn_in_its_vpc_with_an_arrow_to_each_service_behind_it():
    from dataclasses import replace

    from labkit.diagrams.live.snapshot import LoadBalancerInfo

    tg = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/abc"
    balancer = LoadBalancerInfo("shop", "vpc-1", ("HTTP:80",), (("web", "3 healthy"),), (tg,))
    service = replace(SNAP.services[0], target_groups=(tg,))
    layout = lay_out(replace(SNAP, services=(service,), load_balancers=(balancer,)))
    d = draw(layout)
    (node,) = d.of_kind("load_balancer")
    assert node.group == layout.vpcs[0].id
    service_node = next(n for n in d.nodes if n.label == "service web")
    assert [(e.tail, e.head, e.label) for e in d.edges if e.tail == node.id] == [(node.id, service_node.id,
                                                                                  "forwards")]
    assert str(d).splitlines()[-1] == ("Load balancer shop (HTTP:80): target group web: 3 healthy; forwards to "
                                       "service web")
    assert "1 load balancer(s)" in d.description
    assert draw(lay_out(SNAP)).of_kind("load_balancer") == ()  # none: nothing drawn, nothing said
    assert "load balancer" not in str(draw(lay_out(SNAP))).lower()


def test_the_live_diagram_reads_a_labs_load_balancer(lab, alb, net, register, task_servers):
    from labkit.diagrams.live import architecture
    from tests.alb import web_service

    web_service(lab, net, register(), alb, count=2)
    lab.clock.advance(60)
    text = str(architecture(lab))
    assert "Load balancer web (HTTP:80): target group web: 2 healthy; forwards to service web" in text
