"""labkit.mock.eks: EKS's refusals on CreateFargateProfile that moto 5.2.5 lacks (selector count, namespace)."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import ClientError

from labkit.data import facts
from labkit.model.eks import MSG_NAMESPACE, MSG_TOO_MANY


@pytest.fixture
def shop(lab):
    """An EKS cluster "shop" and a Fargate Pod execution role, as lesson 06 makes them."""
    ec2, eks, iam = lab.client("ec2"), lab.client("eks"), lab.client("iam")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24")["Subnet"]["SubnetId"] for i in (1, 2)]
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "eks.amazonaws.com"}}]}
    role = iam.create_role(RoleName="eks-test", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    eks.create_cluster(name="shop", roleArn=role, resourcesVpcConfig={"subnetIds": subnets})
    return eks, role, subnets


def create(shop, selectors, name="p"):
    eks, role, subnets = shop
    return eks.create_fargate_profile(fargateProfileName=name, clusterName="shop", podExecutionRoleArn=role,
                                      subnets=subnets, selectors=selectors)


def test_the_documented_maximum_of_selectors_is_accepted(shop):
    limit = facts()["eks"]["profile"]["selectors_max"]
    made = create(shop, [{"namespace": f"team-{i}"} for i in range(limit)])["fargateProfile"]
    assert len(made["selectors"]) == limit


@pytest.mark.parametrize("selectors, message", [
    ("too_many", MSG_TOO_MANY),
    ([{"labels": {"compute": "fargate"}}], MSG_NAMESPACE),
    ([{"namespace": "shop"}, {"namespace": ""}], MSG_NAMESPACE),
])
def test_refused_selectors(shop, selectors, message):
    limit = facts()["eks"]["profile"]["selectors_max"]
    if selectors == "too_many":
        selectors = [{"namespace": f"team-{i}"} for i in range(limit + 1)]
    eks = shop[0]
    with pytest.raises(ClientError) as caught:
        create(shop, selectors)
    error = caught.value.response["Error"]
    assert error["Code"] == "InvalidParameterException"
    assert error["Message"] == message.format(limit=limit)
    assert isinstance(caught.value, eks.exceptions.InvalidParameterException)
    assert eks.list_fargate_profiles(clusterName="shop")["fargateProfileNames"] == []
