"""Every create call a lab's client makes carries the lab's tags, in the shape each service wants."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from labkit.lab import services, tagging


class FakeLab:
    """The two things tagging needs from a Lab: its id and its tags in each service's spelling."""

    id = "t1"

    def tag_list(self, style: str):
        pairs = [("labkit:lab", "t1"), ("labkit:course", "fargate-lab-kit")]
        if style == "dict":
            return dict(pairs)
        key, value = ("key", "value") if style == "key" else ("Key", "Value")
        return [{key: k, value: v} for k, v in pairs]


@pytest.fixture
def client():
    with mock_aws():
        def make(service: str):
            c = boto3.client(service, region_name="us-east-1", aws_access_key_id="testing",
                             aws_secret_access_key="testing")
            tagging.install(FakeLab(), c, services.row(service).tags)
            return c
        yield make


def test_ec2_resources_get_tag_specifications(client):
    vpc = client("ec2").create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]
    assert {"Key": "labkit:lab", "Value": "t1"} in vpc["Tags"]


def test_ecs_keeps_the_learners_own_tags_and_adds_the_labs(client):
    ecs = client("ecs")
    arn = ecs.create_cluster(clusterName="c", tags=[{"key": "team", "value": "blue"}])["cluster"]["clusterArn"]
    tags = ecs.list_tags_for_resource(resourceArn=arn)["tags"]
    assert {"key": "team", "value": "blue"} in tags
    assert {"key": "labkit:lab", "value": "t1"} in tags
    assert {"key": "labkit:course", "value": "fargate-lab-kit"} in tags


def test_log_groups_use_a_tag_dict(client):
    logs = client("logs")
    logs.create_log_group(logGroupName="/labkit/web")
    assert logs.list_tags_log_group(logGroupName="/labkit/web")["tags"]["labkit:lab"] == "t1"


def test_ecr_and_iam_use_capitalised_keys(client):
    repo = client("ecr").create_repository(repositoryName="web")["repository"]
    assert {"Key": "labkit:lab", "Value": "t1"} in client("ecr").list_tags_for_resource(
        resourceArn=repo["repositoryArn"])["tags"]
    role = client("iam").create_role(RoleName="exec", AssumeRolePolicyDocument="{}")["Role"]
    assert {"Key": "labkit:lab", "Value": "t1"} in role["Tags"]


def test_a_learner_cannot_override_the_lab_tag(client):
    ecs = client("ecs")
    arn = ecs.create_cluster(clusterName="c", tags=[{"key": "labkit:lab", "value": "other"}])["cluster"]["clusterArn"]
    values = [t["value"] for t in ecs.list_tags_for_resource(resourceArn=arn)["tags"] if t["key"] == "labkit:lab"]
    assert values == ["t1"]


def test_roles_go_under_the_labkit_path_unless_the_caller_names_one(client):
    iam = client("iam")
    assert iam.create_role(RoleName="a", AssumeRolePolicyDocument="{}")["Role"]["Path"] == "/labkit/"
    assert iam.create_role(RoleName="b", Path="/team/", AssumeRolePolicyDocument="{}")["Role"]["Path"] == "/team/"


@pytest.mark.parametrize(("operation", "params", "expected"), [
    ("CreateService", {"serviceName": "web"}, {"propagateTags": "SERVICE", "enableECSManagedTags": True}),
    ("CreateService", {"serviceName": "web", "propagateTags": "NONE"}, {"propagateTags": "NONE"}),
    ("RunTask", {"taskDefinition": "web"}, {"enableECSManagedTags": True}),
])
def test_services_pass_their_tags_to_their_tasks(operation, params, expected):
    tagging.add_tags(FakeLab(), services.row("ecs").tags.get(operation), params)
    assert expected.items() <= params.items()
    assert {"key": "labkit:lab", "value": "t1"} in params["tags"]


def test_calls_that_create_nothing_are_left_alone():
    params = {"cluster": "c"}
    tagging.add_tags(FakeLab(), services.row("ecs").tags.get("ListServices"), params)
    assert params == {"cluster": "c"}


def test_a_mock_labs_plain_boto3_creates_are_tagged_too(lab):
    arn = lab.client("ecs").create_cluster(clusterName="plain")["cluster"]["clusterArn"]
    tags = lab.client("ecs").list_tags_for_resource(resourceArn=arn)["tags"]
    assert {"key": "labkit:lab", "value": lab.id} in tags


@pytest.mark.parametrize("tags", [[{"key": "labkit:lab", "value": "t1"}, {"key": "team", "value": "blue"}],
                                  [{"Key": "labkit:lab", "Value": "t1"}, {"Key": "team", "Value": "blue"}],
                                  {"labkit:lab": "t1", "team": "blue"}])
def test_tags_are_read_in_every_services_spelling(tags):
    assert tagging.tag_dict(tags) == {"labkit:lab": "t1", "team": "blue"}
    assert tagging.of_lab(tags, "t1") and not tagging.of_lab(tags, "t2")
    assert not tagging.of_lab(None, "t1")


def test_ec2_keeps_the_callers_other_tag_specifications():
    params = {"TagSpecifications": [{"ResourceType": "vpc", "Tags": [{"Key": "team", "Value": "blue"}]},
                                    {"ResourceType": "subnet", "Tags": [{"Key": "x", "Value": "y"}]}]}
    tagging.add_tags(FakeLab(), services.row("ec2").tags["CreateVpc"], params)
    specs = {s["ResourceType"]: s["Tags"] for s in params["TagSpecifications"]}
    assert specs["subnet"] == [{"Key": "x", "Value": "y"}]
    assert specs["vpc"] == [{"Key": "team", "Value": "blue"}, {"Key": "labkit:lab", "Value": "t1"},
                            {"Key": "labkit:course", "Value": "fargate-lab-kit"}]
