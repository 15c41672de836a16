"""labkit.deploy: each step, re-runnable, with results whose text shows no ARNs, ids or timestamps."""

from __future__ import annotations

import re

import pytest

from labkit.errors import InvalidInput
from labkit.lab import deploy, images

NO_IDS = re.compile(r"arn:|vpc-|subnet-|sg-|[0-9a-f]{32}|\d{4}-\d\d-\d\dT|0x[0-9a-f]+")


@pytest.fixture
def stack(lab):
    network = deploy.ensure_network(lab)
    image = deploy.push_image(lab, "hello", "FROM nginx:stable\nEXPOSE 80\n")
    td = deploy.register_task(lab, "web", image, cpu=256, memory=512, port=80, env={"B": "2", "A": "1"})
    cluster = deploy.ensure_cluster(lab)
    return network, image, td, cluster


def test_results_read_without_ids(lab, stack):
    network, image, td, cluster = stack
    service = deploy.deploy_service(lab, cluster, "web", td, desired_count=2, network=network)
    [task] = deploy.run_task(lab, cluster, td, network=network)
    texts = [str(x) for x in (network, deploy.ensure_roles(lab), image, td, cluster, service, task)]
    for text in texts:
        assert not NO_IDS.search(text), text
    assert texts[3] == ("Task definition web:1: 0.25 vCPU, 0.5 GB, X86_64, image hello:latest, port 80, "
                        "logs to /ecs/web")
    assert texts[5] == ("Service web (ACTIVE) on FARGATE: 2/2 running, 0 pending, task definition web:1, "
                        "rollout COMPLETED")
    assert texts[6] == "Task web:1 RUNNING on FARGATE in us-east-1a (0.25 vCPU, 0.5 GB)"


def test_network_has_dns_hostnames_two_zones_and_is_reused(lab):
    first = deploy.ensure_network(lab)
    again = deploy.ensure_network(lab)
    assert first == again and len(set(first.availability_zones)) == 2
    attribute = lab.client("ec2").describe_vpc_attribute(VpcId=first.vpc_id, Attribute="enableDnsHostnames")
    assert attribute["EnableDnsHostnames"]["Value"] is True


def test_roles_have_the_execution_policy_and_are_reused(lab):
    roles = deploy.ensure_roles(lab)
    assert deploy.ensure_roles(lab) == roles
    attached = lab.client("iam").list_attached_role_policies(RoleName=roles.execution_role_name)
    assert [p["PolicyArn"] for p in attached["AttachedPolicies"]] == [deploy.EXECUTION_POLICY]


def test_image_digest_follows_the_dockerfile(lab):
    a = deploy.push_image(lab, "app", "FROM python:3.12\n")
    b = deploy.push_image(lab, "app", "FROM python:3.12\n")
    c = deploy.push_image(lab, "app", "FROM python:3.13\n", tag="next")
    assert a.digest == b.digest != c.digest
    assert a.digest == deploy.manifest_for("FROM python:3.12\n")[1]
    images = lab.client("ecr").describe_images(repositoryName="app")["imageDetails"]
    assert {i["imageDigest"] for i in images} == {a.digest, c.digest}


@pytest.mark.parametrize("args,match", [
    ({"name": "Bad Name"}, "repository name"),
    ({"name": "ok", "dockerfile_text": "  "}, "empty"),
    ({"name": "ok", "tag": "no spaces"}, "tag"),
])
def test_push_image_refuses_bad_input(lab, args, match):
    with pytest.raises(InvalidInput, match=match):
        deploy.push_image(lab, **args)


def test_real_mode_without_docker_uses_a_public_image_that_keeps_running():
    assert images._from_line("# app\nFROM nginx:1.27\nEXPOSE 80\n") == "public.ecr.aws/docker/library/nginx:1.27"
    assert images.fallback_image("FROM public.ecr.aws/nginx/nginx:stable") == "public.ecr.aws/nginx/nginx:stable"
    # lesson 03's Dockerfile: python's default command would exit at once (a crash loop on AWS); a web server on
    # the exposed port stands in
    lesson = ("FROM public.ecr.aws/docker/library/python:3.12-slim\nWORKDIR /app\nEXPOSE 8080\n"
              'CMD ["python", "-m", "http.server", "8080"]\n')
    assert images.fallback_image(lesson) == "public.ecr.aws/nginx/nginx-unprivileged:alpine"
    assert images.fallback_image("FROM python:3.12\n") == "public.ecr.aws/nginx/nginx:stable"


def test_register_task_refuses_what_fargate_refuses_with_aws_words(lab):
    with pytest.raises(InvalidInput, match="No Fargate configuration exists"):
        deploy.register_task(lab, "web", "nginx:stable", cpu=256, memory=8192)


def test_register_task_makes_its_log_group_and_environment(lab):
    td = deploy.register_task(lab, "api", "nginx:stable", cpu=512, memory=1024, env={"B": "2", "A": "1"})
    raw = lab.client("ecs").describe_task_definition(taskDefinition=td.arn)["taskDefinition"]
    assert raw["containerDefinitions"][0]["environment"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    groups = lab.client("logs").describe_log_groups()["logGroups"]
    assert [g["logGroupName"] for g in groups] == ["/ecs/api"]


def test_deploy_service_again_updates_it(lab, stack):
    network, image, td, cluster = stack
    deploy.deploy_service(lab, cluster, "web", td, desired_count=1, network=network)
    td2 = deploy.register_task(lab, "web", image, cpu=512, memory=1024, port=80)
    service = deploy.deploy_service(lab, cluster, "web", td2, desired_count=2, network=network)
    assert (service.task_definition, service.running_count, service.deployments) == ("web:2", 2, 1)


def test_spot_strategy_and_one_off_spot_tasks(lab, stack):
    network, _, td, cluster = stack
    service = deploy.deploy_service(lab, cluster, "web", td, desired_count=3, network=network,
                                    capacity_provider_strategy=[{"capacityProvider": "FARGATE", "base": 1},
                                                                {"capacityProvider": "FARGATE_SPOT", "weight": 2}])
    assert service.launch_type is None
    assert service.capacity_provider_strategy == (("FARGATE", 1, 1), ("FARGATE_SPOT", 0, 2))
    tasks = deploy.run_task(lab, cluster, td, network=network, count=2, spot=True)
    assert {t.capacity_provider_name for t in tasks} == {"FARGATE_SPOT"}


def test_wait_steady_reports_progress(lab, stack):
    network, _, td, cluster = stack
    deploy.deploy_service(lab, cluster, "web", td, desired_count=2, network=network, wait=False)
    heard: list[str] = []
    service = deploy.wait_steady(lab, cluster, "web", on_progress=heard.append)
    assert service.steady
    assert heard[0] == "web: 0/2 running, 2 pending, 1 deployment(s)"
    assert heard[-1] == "web: 2/2 running, 0 pending, 1 deployment(s)"


def test_logs_by_task_definition_or_group(lab, stack):
    network, _, td, cluster = stack
    deploy.run_task(lab, cluster, td, network=network)
    lines = deploy.logs(lab, td)
    assert lines == deploy.logs(lab, "/ecs/web") == deploy.logs(lab, "web")
    assert any("listening on port 80/tcp" in line for line in lines)
    assert len(deploy.logs(lab, td, limit=2)) == 2
    with pytest.raises(InvalidInput, match="no log group"):
        deploy.logs(lab, "/ecs/nothing")


@pytest.mark.parametrize("call,match", [
    (lambda lab, n, td, c: deploy.scale(lab, c, "web", -1), "desired_count"),
    (lambda lab, n, td, c: deploy.run_task(lab, c, td, network=n, count=11), "1 to 10"),
    (lambda lab, n, td, c: deploy.ensure_network(lab, ports=(70000,)), "port"),
])
def test_bad_counts_and_ports_are_invalid_input(lab, stack, call, match):
    network, _, td, cluster = stack
    with pytest.raises(InvalidInput, match=match):
        call(lab, network, td, cluster)


def test_the_course_makes_the_log_group_itself_and_its_tasks_run(lab, stack):
    network, _image, td, cluster = stack
    container = lab.client("ecs").describe_task_definition(taskDefinition=td.arn)["taskDefinition"][
        "containerDefinitions"][0]
    assert "awslogs-create-group" not in container["logConfiguration"]["options"]  # the role could not create it
    assert [g["logGroupName"] for g in lab.client("logs").describe_log_groups()["logGroups"]] == ["/ecs/web"]
    [task] = deploy.run_task(lab, cluster, td, network=network)
    assert task.last_status == "RUNNING"


def test_ensure_log_group_is_made_once_recorded_and_checked(lab):
    assert deploy.ensure_log_group(lab, "/lesson/app") == deploy.ensure_log_group(lab, "/lesson/app")
    assert len(lab.client("logs").describe_log_groups()["logGroups"]) == 1
    assert ("log group", "/lesson/app") in lab.created
    with pytest.raises(InvalidInput, match="log group"):
        deploy.ensure_log_group(lab, "no spaces please")


def test_run_task_past_the_vcpu_quota_says_what_to_do_and_keeps_the_started_tasks(lab, stack):
    from labkit.errors import LabkitError

    network, image, _td, cluster = stack
    big = deploy.register_task(lab, "big", image, cpu=1024, memory=2048)
    with pytest.raises(LabkitError, match=r"started 6 of 7 task\(s\): You've reached the limit on the number of vCPUs"
                                          r".*lab.set_quota"):
        deploy.run_task(lab, cluster, big, network=network, count=7)
    assert sum(1 for kind, _ in lab.created if kind == "task") == 6
