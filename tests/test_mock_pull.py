"""Image pulls in the mock: a Fargate task with no way to its registry fails to start, as on AWS.

Everything goes through plain boto3 on the lab's clients; raw moto (the layer off) runs such a task anyway.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import WaiterError

from labkit import mock
from labkit.model import lifecycle


@pytest.fixture
def vpc(lab):
    """A VPC with an internet gateway (not routed yet) and one subnet on the main route table (local only)."""
    ec2 = lab.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.7.1.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
    lab.client("ecs").create_cluster(clusterName="labkit", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    return {"vpc": vpc, "subnet": subnet, "igw": igw, "table": main["RouteTableId"]}


def _run(lab, register, vpc, public_ip=False, image="nginx:1.27", **changes):
    td = register(containers=[{"name": "web", "image": image, "memory": 512}], **changes)
    config = {"awsvpcConfiguration": {"subnets": [vpc["subnet"]],
                                      "assignPublicIp": "ENABLED" if public_ip else "DISABLED"}}
    return lab.client("ecs").run_task(cluster="labkit", taskDefinition=td, launchType="FARGATE",
                                      networkConfiguration=config)["tasks"][0]["taskArn"]


def _describe(lab, arn):
    return lab.client("ecs").describe_tasks(cluster="labkit", tasks=[arn])["tasks"][0]


def test_no_route_out_the_task_stays_pending_then_fails_to_start(lab, register, vpc):
    arn = _run(lab, register, vpc)
    lab.clock.advance(lifecycle.PULL_GIVES_UP - 1)
    pending = _describe(lab, arn)
    assert (pending["lastStatus"], pending["desiredStatus"]) == ("PENDING", "RUNNING")
    assert "stopCode" not in pending and "pullStartedAt" in pending
    with pytest.raises(WaiterError, match="terminal failure"):
        lab.client("ecs").get_waiter("tasks_running").wait(cluster="labkit", tasks=[arn])
    lab.client("ecs").get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[arn])
    task = _describe(lab, arn)
    reason = ("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
              "docker.io/library/nginx:1.27: failed to do request: Head "
              "\"https://registry-1.docker.io/v2/library/nginx/manifests/1.27\": "
              "dial tcp 203.0.113.10:443: i/o timeout")
    assert (task["lastStatus"], task["stopCode"], task["stoppedReason"]) == ("STOPPED", "TaskFailedToStart", reason)
    assert task["containers"][0]["reason"] == reason and "exitCode" not in task["containers"][0]
    assert "startedAt" not in task and task["pullStoppedAt"] > task["pullStartedAt"]


def test_raw_moto_would_run_it(lab, register, vpc):
    group = lab.client("ec2").create_security_group(GroupName="g", Description="g", VpcId=vpc["vpc"])["GroupId"]
    td = register(containers=[{"name": "web", "image": "nginx:1.27", "memory": 512}])
    config = {"awsvpcConfiguration": {"subnets": [vpc["subnet"]], "securityGroups": [group]}}
    with mock.disabled():
        task = lab.client("ecs").run_task(cluster="labkit", taskDefinition=td, launchType="FARGATE",
                                          networkConfiguration=config)["tasks"][0]
        described = _describe(lab, task["taskArn"])
    assert task["lastStatus"] == "RUNNING"  # started at once, whatever the network: what the layer corrects
    assert described.get("stopCode") != "TaskFailedToStart" and "CannotPull" not in described.get("stoppedReason", "")


def test_an_internet_gateway_needs_a_public_ip(lab, register, vpc):
    lab.client("ec2").create_route(RouteTableId=vpc["table"], DestinationCidrBlock="0.0.0.0/0",
                                   GatewayId=vpc["igw"])
    without, with_ip = _run(lab, register, vpc), _run(lab, register, vpc, public_ip=True)
    lab.clock.advance(120)
    assert _describe(lab, without)["stopCode"] == "TaskFailedToStart"
    assert _describe(lab, with_ip)["lastStatus"] == "RUNNING"


def test_a_nat_gateway_is_a_way_out_without_a_public_ip(lab, register, vpc):
    ec2 = lab.client("ec2")
    nat = ec2.create_nat_gateway(SubnetId=vpc["subnet"], AllocationId=ec2.allocate_address(Domain="vpc")[
        "AllocationId"])["NatGateway"]["NatGatewayId"]
    ec2.create_route(RouteTableId=vpc["table"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    arn = _run(lab, register, vpc)
    lab.client("ecs").get_waiter("tasks_running").wait(cluster="labkit", tasks=[arn])


def test_private_ecr_images_come_through_vpc_endpoints_with_s3_on_the_route_table(lab, register, vpc):
    ec2, region = lab.client("ec2"), lab.region
    image = f"{lab.account_id}.dkr.ecr.{region}.amazonaws.com/web:latest"
    for service in ("ecr.api", "ecr.dkr"):
        ec2.create_vpc_endpoint(VpcId=vpc["vpc"], ServiceName=f"com.amazonaws.{region}.{service}",
                                VpcEndpointType="Interface", SubnetIds=[vpc["subnet"]])
    trust = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", '
             '"Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}')
    role = lab.client("iam").create_role(RoleName="exec", AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    no_s3 = _run(lab, register, vpc, image=image, executionRoleArn=role)
    ec2.create_vpc_endpoint(VpcId=vpc["vpc"], ServiceName=f"com.amazonaws.{region}.s3", VpcEndpointType="Gateway",
                            RouteTableIds=[vpc["table"]])
    with_s3 = _run(lab, register, vpc, image=image, executionRoleArn=role)
    public_image = _run(lab, register, vpc, image="public.ecr.aws/nginx/nginx:stable")
    lab.clock.advance(120)
    assert _describe(lab, no_s3)["stopCode"] == "TaskFailedToStart"
    assert _describe(lab, with_s3)["lastStatus"] == "RUNNING"
    assert "https://public.ecr.aws/v2/" in _describe(lab, public_image)["stoppedReason"]


def test_stopping_it_first_is_an_ordinary_stop(lab, register, vpc):
    arn = _run(lab, register, vpc)
    lab.clock.advance(20)
    lab.client("ecs").stop_task(cluster="labkit", task=arn, reason="changed my mind")
    lab.clock.advance(120)
    task = _describe(lab, arn)
    assert (task["stopCode"], task["stoppedReason"]) == ("UserInitiated", "changed my mind")
    assert "reason" not in task["containers"][0]


def test_a_service_that_cannot_pull_counts_failed_tasks_and_never_gets_stable(lab, register, vpc):
    ecs = lab.client("ecs")
    td = register(containers=[{"name": "web", "image": "nginx:1.27"}])
    ecs.create_service(cluster="labkit", serviceName="web", taskDefinition=td, desiredCount=2, launchType="FARGATE",
                       networkConfiguration={"awsvpcConfiguration": {"subnets": [vpc["subnet"]]}})
    with pytest.raises(WaiterError, match="Max attempts exceeded"):
        ecs.get_waiter("services_stable").wait(cluster="labkit", services=["web"],
                                               WaiterConfig={"Delay": 15, "MaxAttempts": 12})
    service = ecs.describe_services(cluster="labkit", services=["web"])["services"][0]
    assert service["runningCount"] == 0 and service["deployments"][0]["failedTasks"] >= 4
    stopped = ecs.list_tasks(cluster="labkit", serviceName="web", desiredStatus="STOPPED")["taskArns"]
    assert {t["stopCode"] for t in ecs.describe_tasks(cluster="labkit", tasks=stopped)["tasks"]} == {
        "TaskFailedToStart"}


def _run_image(lab, register, vpc, image: str, **run: str) -> dict:
    group = lab.client("ec2").create_security_group(GroupName=f"g{len(image)}", Description="g",
                                                    VpcId=vpc["vpc"])["GroupId"]
    td = register(containers=[{"name": "web", "image": image}],
                  executionRoleArn=f"arn:aws:iam::{lab.account_id}:role/exec")
    config = {"awsvpcConfiguration": {"subnets": [vpc["subnet"]], "securityGroups": [group]}}
    arn = lab.client("ecs").run_task(cluster="labkit", taskDefinition=td, launchType="FARGATE",
                                     networkConfiguration=config, **run)["tasks"][0]["taskArn"]
    lab.client("ecs").get_waiter("tasks_stopped").wait(cluster="labkit", tasks=[arn])
    return _describe(lab, arn)


def test_a_private_ecr_image_on_1_4_0_fails_on_the_registry_auth(lab, register, vpc):
    image = f"{lab.account_id}.dkr.ecr.us-east-1.amazonaws.com/api:latest"
    task = _run_image(lab, register, vpc, image)
    assert task["stopCode"] == "TaskFailedToStart" and "startedAt" not in task
    assert task["stoppedReason"] == (
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval "
        "failed: unable to retrieve ecr registry auth: service call has been retried 3 time(s): RequestError: send "
        "request failed caused by: Post \"https://api.ecr.us-east-1.amazonaws.com/\": dial tcp 203.0.113.10:443: "
        "i/o timeout. Please check your task network configuration.")


def test_platform_1_3_0_still_pulls_with_docker_and_says_so(lab, register, vpc):
    task = _run_image(lab, register, vpc, "nginx:1.27", platformVersion="1.3.0")
    assert task["stoppedReason"] == ("CannotPullContainerError: API error (500): Get https://registry-1.docker.io/v2/: "
                                     "net/http: request canceled while waiting for connection")
