"""Acceptance: a learner's whole Fargate deployment, then teardown leaves nothing tagged with the lab id.

Three ways: plain boto3 calls on lab.client(...) as a learner writes them, the same through labkit.deploy,
and the same in local mode (a moto server with the Fargate layer on 127.0.0.1).
"""

from __future__ import annotations

import json

import pytest

import labkit
from labkit import deploy


def learner_deploys_with_boto3(lab) -> dict:
    """What a learner's cells do, with boto3 only: returns what they saw along the way."""
    ec2, ecs, ecr, iam, logs = (lab.client(s) for s in ("ec2", "ecs", "ecr", "iam", "logs"))
    key_tags, tags = lab.tag_list("Key"), lab.tags
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16",
                         TagSpecifications=[{"ResourceType": "vpc", "Tags": key_tags}])["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone,
                                 TagSpecifications=[{"ResourceType": "subnet", "Tags": key_tags}])["Subnet"]["SubnetId"]
               for i, zone in enumerate(zones)]
    igw = ec2.create_internet_gateway(TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": key_tags}])
    igw_id = igw["InternetGateway"]["InternetGatewayId"]  # the tasks pull their image through it
    ec2.attach_internet_gateway(InternetGatewayId=igw_id, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc, TagSpecifications=[{"ResourceType": "route-table", "Tags": key_tags}])
    table_id = table["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table_id, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw_id)
    for subnet in subnets:
        ec2.associate_route_table(RouteTableId=table_id, SubnetId=subnet)
    sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc,
                                   TagSpecifications=[{"ResourceType": "security-group", "Tags": key_tags}])["GroupId"]
    ecr.create_repository(repositoryName="hello", tags=key_tags)
    manifest, digest = deploy.manifest_for("FROM nginx:stable\n")
    ecr.put_image(repositoryName="hello", imageManifest=manifest, imageTag="latest", imageDigest=digest)
    logs.create_log_group(logGroupName="/ecs/hello", tags=lab.tag_list("dict"))
    role = iam.create_role(RoleName=f"exec-{lab.id}", Path="/labkit/", Tags=key_tags,
                           AssumeRolePolicyDocument=json.dumps(deploy.TRUST_ECS_TASKS))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=f"exec-{lab.id}", PolicyArn=deploy.EXECUTION_POLICY)
    ecs.create_cluster(clusterName="demo", tags=tags, capacityProviders=["FARGATE", "FARGATE_SPOT"])
    td = ecs.register_task_definition(
        family="hello", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn=role, tags=tags, containerDefinitions=[{
            "name": "hello", "image": f"{lab.account_id}.dkr.ecr.{lab.region}.amazonaws.com/hello:latest",
            "portMappings": [{"containerPort": 80}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": "/ecs/hello", "awslogs-region": lab.region, "awslogs-stream-prefix": "ecs"}}}],
    )["taskDefinition"]["taskDefinitionArn"]
    network = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg], "assignPublicIp": "ENABLED"}}
    ecs.create_service(cluster="demo", serviceName="hello", taskDefinition=td, desiredCount=3, launchType="FARGATE",
                       networkConfiguration=network, tags=tags, propagateTags="SERVICE")
    one_off = ecs.run_task(cluster="demo", taskDefinition=td, launchType="FARGATE", networkConfiguration=network,
                           tags=tags)["tasks"][0]["taskArn"]
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["hello"])
    ecs.get_waiter("tasks_running").wait(cluster="demo", tasks=[one_off])
    seen = {"running": ecs.describe_services(cluster="demo", services=["hello"])["services"][0]["runningCount"]}
    ecs.update_service(cluster="demo", service="hello", desiredCount=5)
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["hello"])
    seen["scaled_up"] = len(ecs.list_tasks(cluster="demo", serviceName="hello")["taskArns"])
    ecs.update_service(cluster="demo", service="hello", desiredCount=1)
    ecs.get_waiter("services_stable").wait(cluster="demo", services=["hello"])
    seen["scaled_down"] = ecs.describe_services(cluster="demo", services=["hello"])["services"][0]["runningCount"]
    task_id = one_off.rsplit("/", 1)[1]
    events = logs.get_log_events(logGroupName="/ecs/hello", logStreamName=f"ecs/hello/{task_id}")["events"]
    seen["log_lines"] = len(events)
    ecs.stop_task(cluster="demo", task=one_off)
    ecs.get_waiter("tasks_stopped").wait(cluster="demo", tasks=[one_off])
    return seen


def assert_nothing_left(lab) -> None:
    """No resource tagged with the lab id: by the tagging API, and in direct listings (checking each one's tags)."""
    found = lab.client("resourcegroupstaggingapi").get_resources(
        TagFilters=[{"Key": "labkit:lab", "Values": [lab.id]}])["ResourceTagMappingList"]
    assert found == []
    mine = {"key": "labkit:lab", "value": lab.id}
    ecs, ec2, ecr, logs, iam = (lab.client(s) for s in ("ecs", "ec2", "ecr", "logs", "iam"))
    clusters = ecs.list_clusters()["clusterArns"]
    described = ecs.describe_clusters(clusters=clusters, include=["TAGS"])["clusters"] if clusters else []
    assert [c["clusterName"] for c in described if mine in c.get("tags", [])] == []
    for status in ("ACTIVE", "INACTIVE"):
        for arn in ecs.list_task_definitions(status=status)["taskDefinitionArns"]:
            tags = ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"]).get("tags", [])
            assert mine not in tags, arn
    lab_tag = [{"Name": "tag:labkit:lab", "Values": [lab.id]}]
    for op, key in (("describe_vpcs", "Vpcs"), ("describe_subnets", "Subnets"),
                    ("describe_security_groups", "SecurityGroups"), ("describe_route_tables", "RouteTables"),
                    ("describe_internet_gateways", "InternetGateways")):
        assert getattr(ec2, op)(Filters=lab_tag)[key] == [], op
    for repo in ecr.describe_repositories()["repositories"]:
        tags = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
        assert {"Key": "labkit:lab", "Value": lab.id} not in tags, repo["repositoryName"]
    for group in logs.describe_log_groups()["logGroups"]:
        assert logs.list_tags_log_group(logGroupName=group["logGroupName"])["tags"].get("labkit:lab") != lab.id
    for role in iam.list_roles()["Roles"]:
        assert {"Key": "labkit:lab", "Value": lab.id} not in iam.list_role_tags(RoleName=role["RoleName"])["Tags"]


def test_learner_boto3_deployment_then_teardown(lab):
    seen = learner_deploys_with_boto3(lab)
    assert seen == {"running": 3, "scaled_up": 5, "scaled_down": 1, "log_lines": 4}
    report = lab.teardown()
    assert report.counts() == {"cluster": 1, "service": 1, "task": 1, "task definition": 1, "repository": 1,
                               "log group": 1, "security group": 1, "subnet": 2, "route table": 1,
                               "internet gateway": 1, "VPC": 1, "role": 1}
    assert_nothing_left(lab)
    assert str(lab.teardown()) == "Nothing to remove: no resource of this lab was found."


def deploy_with_labkit(lab) -> dict:
    network = deploy.ensure_network(lab)
    image = deploy.push_image(lab, "hello", "FROM nginx:stable\n")
    td = deploy.register_task(lab, "hello", image, cpu=256, memory=512, port=80)
    cluster = deploy.ensure_cluster(lab)
    service = deploy.deploy_service(lab, cluster, "hello", td, desired_count=3, network=network)
    [task] = deploy.run_task(lab, cluster, td, network=network)
    up = deploy.scale(lab, cluster, service, 5)
    down = deploy.scale(lab, cluster, service, 1)
    return {"running": service.running_count, "one_off": task.last_status, "up": up.running_count,
            "down": down.running_count, "logs": len(deploy.logs(lab, td, limit=100))}


def test_labkit_deploy_then_teardown(lab):
    assert deploy_with_labkit(lab) == {"running": 3, "one_off": "RUNNING", "up": 5, "down": 1, "logs": 24}
    report = lab.teardown()
    assert "VPC" in report.counts() and report.ok
    assert_nothing_left(lab)


@pytest.mark.slow
def test_local_mode_deploy_then_teardown():
    lab = labkit.connect("local")
    try:
        assert lab.endpoint_url.startswith("http://127.0.0.1:")
        assert deploy_with_labkit(lab)["up"] == 5
        assert lab.teardown().ok
        assert_nothing_left(lab)
    finally:
        lab.teardown()
