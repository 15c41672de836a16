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


def test_the_reason_is_aws_text_for_the_image_s_registry_and_platform_version():
    assert pulls.cannot_pull_reason("nginx") == (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
        "docker.io/library/nginx:latest: failed to do request: Head "
        "\"https://registry-1.docker.io/v2/library/nginx/manifests/latest\": dial tcp 203.0.113.10:443: i/o timeout")
    private = pulls.cannot_pull_reason(ECR)
    assert private.startswith("ResourceInitializationError: unable to pull secrets or registry auth: execution "
                              "resource retrieval failed: unable to retrieve ecr registry auth: ")
    assert "https://api.ecr.us-east-1.amazonaws.com/" in private and "123456789012" not in private
    assert pulls.cannot_pull_reason("nginx", "1.3.0") == (
        "CannotPullContainerError: API error (500): Get https://registry-1.docker.io/v2/: net/http: request "
        "canceled while waiting for connection")


@pytest.mark.parametrize(("image", "ref", "url"), [
    ("nginx:1.27", "docker.io/library/nginx:1.27", "https://registry-1.docker.io/v2/library/nginx/manifests/1.27"),
    ("bitnami/nginx", "docker.io/bitnami/nginx:latest", "https://registry-1.docker.io/v2/bitnami/nginx/manifests/latest"),
    ("public.ecr.aws/nginx/nginx:stable", "public.ecr.aws/nginx/nginx:stable",
     "https://public.ecr.aws/v2/nginx/nginx/manifests/stable"),
    ("localhost:5000/app", "localhost:5000/app:latest", "https://localhost:5000/v2/app/manifests/latest"),
    ("ghcr.io/o/app@sha256:ab12", "ghcr.io/o/app@sha256:ab12", "https://ghcr.io/v2/o/app/manifests/sha256:ab12"),
])
def test_image_ref_is_what_containerd_resolves(image: str, ref: str, url: str):
    assert pulls.image_ref(image) == (ref, url)
