"""labkit.model.pulls: the registry of an image and whether a task's network reaches it (shared by mock and checks)."""

from __future__ import annotations

import pytest

from labkit.model import pulls

ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com/api:latest"


@pytest.mark.parametrize(("image", "host"), [
    ("nginx:1.27", "registry-1.docker.io"),
    ("library/nginx", "registry-1.docker.io"),
    ("public.ecr.aws/nginx/nginx:stable", "public.ecr.aws"),
    ("ghcr.io/org/app:1", "ghcr.io"),
    ("localhost:5000/app", "localhost:5000"),
    (ECR, "123456789012.dkr.ecr.us-east-1.amazonaws.com"),
])
def test_registry_host(image, host):
    assert pulls.registry_host(image) == host


def test_private_ecr_region_only_for_private_ecr_images():
    assert pulls.private_ecr_region(ECR) == "us-east-1"
    assert pulls.private_ecr_region("123456789012.dkr.ecr-fips.us-west-2.amazonaws.com/a") == "us-west-2"
    assert pulls.private_ecr_region("public.ecr.aws/nginx/nginx") is None
    assert pulls.private_ecr_region("nginx") is None


@pytest.mark.parametrize(("route", "target"), [
    ({"GatewayId": "local"}, "local (inside the VPC)"),
    ({"GatewayId": "igw-0abc"}, "internet gateway"),
    ({"GatewayId": "vpce-0abc"}, "VPC endpoint"),
    ({"NatGatewayId": "nat-0abc"}, "NAT gateway"),
    ({"TransitGatewayId": "tgw-0abc"}, "transit gateway"),
    ({"VpcPeeringConnectionId": "pcx-0abc"}, "VPC peering"),
    ({"InstanceId": "i-0abc"}, "instance"),
])
def test_route_target_names_the_kind_without_ids(route, target):
    assert pulls.route_target(route) == target


@pytest.mark.parametrize(("route", "public_ip", "words"), [
    (None, True, "has no route out of the VPC"),
    ("local (inside the VPC)", True, "has no route out of the VPC"),
    ("internet gateway", False, "gets no public IP"),
    ("internet gateway", True, ""),
    ("NAT gateway", False, ""),
    ("transit gateway", False, ""),
])
def test_pull_problem_follows_the_default_route(route, public_ip, words):
    problem = pulls.pull_problem("private", route, public_ip, "nginx")
    assert (words in problem and problem.startswith("the private subnet")) if words else problem == ""


def test_private_ecr_images_come_through_all_three_endpoints_and_nothing_else_does():
    every = ("ecr.api", "ecr.dkr", "s3")
    assert pulls.pull_problem("private", None, False, ECR, every, "us-east-1") == ""
    assert pulls.pull_problem("private", None, False, ECR, ("ecr.api", "ecr.dkr"), "us-east-1") != ""
    assert pulls.pull_problem("private", None, False, ECR, every, "eu-west-1") != ""  # another region's registry
    assert pulls.pull_problem("private", None, False, "public.ecr.aws/nginx/nginx", every, "us-east-1") != ""


def test_the_reason_is_aws_text_for_the_image_s_registry():
    assert pulls.cannot_pull_reason("nginx") == (
        "CannotPullContainerError: API error (500): Get https://registry-1.docker.io/v2/: net/http: request "
        "canceled while waiting for connection")
    assert "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/" in pulls.cannot_pull_reason(ECR)
