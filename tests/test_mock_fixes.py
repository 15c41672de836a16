"""Inputs that crash moto 5.2.5 get AWS's answer in mock mode.

Each case runs twice: with labkit's layer (the learner's view: AWS's answer) and with the layer turned off
(raw moto still crashes: the fix is needed; if moto fixes it one day, that test says the fix can go).
"""

from __future__ import annotations

import contextlib

import pytest
from botocore.exceptions import ClientError

from labkit import mock


def _code(err: ClientError) -> tuple[str, str]:
    return err.response["Error"]["Code"], err.response["Error"]["Message"]


def _run(lab, net, td, **kwargs):
    args = {"cluster": "labkit", "taskDefinition": td, "launchType": "FARGATE", "networkConfiguration": net["awsvpc"]}
    args.update(kwargs)
    return lab.client("ecs").run_task(**args)


# Each case: (name, action(lab, net, register) -> response). With the layer they succeed or answer AWS's error.
def memory_only_at_task_level(lab, net, register):
    td = register(containers=[{"name": "web", "image": "nginx:1.27"}])  # no container memory: valid on Fargate
    return _run(lab, net, td)


def no_security_groups(lab, net, register):
    return _run(lab, net, register())  # awsvpcConfiguration without securityGroups


def service_without_security_groups(lab, net, register):
    return lab.client("ecs").create_service(cluster="labkit", serviceName="web", taskDefinition=register(),
                                            desiredCount=1, launchType="FARGATE",
                                            networkConfiguration=net["awsvpc"])


def subnet_of_plain_vpc(lab, net, register):
    sg = lab.client("ec2").describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [net["vpc"]]}])
    conf = {"awsvpcConfiguration": {"subnets": net["subnets"][:1],
                                    "securityGroups": [sg["SecurityGroups"][0]["GroupId"]]}}
    return _run(lab, net, register(), networkConfiguration=conf)


def empty_subnets(lab, net, register):
    return _run(lab, net, register(), networkConfiguration={"awsvpcConfiguration": {"subnets": []}})


def unknown_subnet(lab, net, register):
    return _run(lab, net, register(), networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-0f00"]}})


def stop_unknown_task(lab, net, register):
    _run(lab, net, register())
    return lab.client("ecs").stop_task(cluster="labkit", task="0123456789abcdef0123456789abcdef")


def stop_task_in_cluster_that_never_ran_one(lab, net, register):
    return lab.client("ecs").stop_task(cluster="labkit", task="0123456789abcdef0123456789abcdef")


def ec2_launch_without_instances(lab, net, register):
    td = register("batch", networkMode="bridge", requiresCompatibilities=["EC2"],
                  containers=[{"name": "job", "image": "busybox", "memory": 128}])
    return lab.client("ecs").run_task(cluster="labkit", taskDefinition=td, launchType="EC2")


SUCCEEDS = [memory_only_at_task_level, no_security_groups, service_without_security_groups, subnet_of_plain_vpc]
AWS_ERRORS = [
    (empty_subnets, "InvalidParameterException", "subnets can not be empty."),
    (unknown_subnet, "InvalidParameterException",
     "Error retrieving subnet information for [subnet-0f00]: The subnet ID 'subnet-0f00' does not exist "
     "(ErrorCode: InvalidSubnetID.NotFound)"),
    (stop_unknown_task, "InvalidParameterException", "The referenced task was not found."),
    (stop_task_in_cluster_that_never_ran_one, "InvalidParameterException", "The referenced task was not found."),
    (ec2_launch_without_instances, "InvalidParameterException", "No Container Instances were found in your cluster."),
]


@pytest.mark.parametrize("case", SUCCEEDS, ids=lambda c: c.__name__)
def test_valid_input_is_accepted(lab, net, register, case):
    response = case(lab, net, register)
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 200


@pytest.mark.parametrize("case,code,message", AWS_ERRORS, ids=lambda c: getattr(c, "__name__", ""))
def test_bad_input_gets_aws_error(lab, net, register, case, code, message):
    with pytest.raises(ClientError) as caught:
        case(lab, net, register)
    assert _code(caught.value) == (code, message)


@pytest.mark.parametrize("case", SUCCEEDS + [c for c, _, _ in AWS_ERRORS], ids=lambda c: c.__name__)
def test_raw_moto_still_crashes_here(lab, net, register, case):
    """Without labkit's layer moto 5.2.5 raises a raw Python error (not an AWS answer): the fix is needed."""
    with mock.disabled(), pytest.raises(Exception) as caught:  # noqa: B017 - any raw error proves the gap
        case(lab, net, register)
    assert not isinstance(caught.value, ClientError), f"moto now answers {caught.value}: drop this fix"


def test_security_group_defaults_to_the_vpc_default(lab, net, register):
    task = no_security_groups(lab, net, register)["tasks"][0]
    eni_id = {d["name"]: d["value"] for d in task["attachments"][0]["details"]}["networkInterfaceId"]
    eni = lab.client("ec2").describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    default = lab.client("ec2").describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [net["vpc"]]}, {"Name": "group-name", "Values": ["default"]}])
    assert [g["GroupId"] for g in eni["Groups"]] == [default["SecurityGroups"][0]["GroupId"]]


def test_task_level_size_is_reported(lab, net, register):
    task = memory_only_at_task_level(lab, net, register)["tasks"][0]
    assert (task["cpu"], task["memory"]) == ("256", "512")


def test_list_tasks_filters_by_service_and_hides_stopped(lab, net, register):
    ecs = lab.client("ecs")
    service_without_security_groups(lab, net, register)
    one_off = no_security_groups(lab, net, register)["tasks"][0]["taskArn"]
    in_service = ecs.list_tasks(cluster="labkit", serviceName="web")["taskArns"]
    assert len(in_service) == 1 and one_off not in in_service
    ecs.stop_task(cluster="labkit", task=one_off)
    assert one_off not in ecs.list_tasks(cluster="labkit")["taskArns"]
    assert one_off in ecs.list_tasks(cluster="labkit", desiredStatus="STOPPED")["taskArns"]


def test_deleted_cluster_leaves_listings(lab, net):
    ecs = lab.client("ecs")
    ecs.delete_cluster(cluster="labkit")
    assert ecs.list_clusters()["clusterArns"] == []


@pytest.mark.parametrize("layer", [True, False])
def test_deleted_network_resources_leave_describe_tags(lab, layer):
    ec2 = lab.client("ec2")
    tag = [{"Key": "labkit:lab", "Value": lab.id}]
    vpc = ec2.create_vpc(CidrBlock="10.5.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tag}])
    vpc_id = vpc["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.5.1.0/24",
                               TagSpecifications=[{"ResourceType": "subnet", "Tags": tag}])["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="g", Description="g", VpcId=vpc_id, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": tag}])["GroupId"]
    igw = ec2.create_internet_gateway(TagSpecifications=[
        {"ResourceType": "internet-gateway", "Tags": tag}])["InternetGateway"]["InternetGatewayId"]
    table = ec2.create_route_table(VpcId=vpc_id, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": tag}])["RouteTable"]["RouteTableId"]
    made = {vpc_id, subnet, group, igw, table}

    def listed():
        rows = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["labkit:lab"]}])["Tags"]
        return {r["ResourceId"] for r in rows} & made

    assert listed() == made
    with contextlib.nullcontext() if layer else mock.disabled():
        ec2.delete_security_group(GroupId=group)
        ec2.delete_subnet(SubnetId=subnet)
        ec2.delete_route_table(RouteTableId=table)
        ec2.delete_internet_gateway(InternetGatewayId=igw)
        ec2.delete_vpc(VpcId=vpc_id)
    assert listed() == (set() if layer else made)  # raw moto keeps listing what is gone


def test_a_security_group_deleted_by_name_leaves_describe_tags(lab):
    ec2 = lab.client("ec2")
    group = ec2.create_security_group(GroupName="by-name", Description="d", TagSpecifications=[
        {"ResourceType": "security-group", "Tags": [{"Key": "k", "Value": "v"}]}])["GroupId"]
    ec2.delete_security_group(GroupName="by-name")  # in the default VPC a name is enough
    rows = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [group]}])["Tags"]
    assert rows == []
