"""Two deployments for `make bench` to time side by side: labkit's (mock mode) and the raw moto calls it makes.

Both do the same work: network (VPC, two subnets, security group), an ECR image, a log group, an execution
role, a cluster, a Fargate task definition, a service of 3 tasks (running, in labkit's case), and teardown.
The bench runner times them; this module only does the work and returns what it saw.
"""

from __future__ import annotations

import json
from typing import Any

DOCKERFILE = "FROM public.ecr.aws/nginx/nginx:stable\nEXPOSE 80\n"


def mock_deployment(lab: Any) -> dict[str, Any]:
    """labkit.lab.deploy end to end on `lab`: 3 tasks RUNNING, then teardown; returns counts for a sanity check."""
    from labkit.lab import deploy

    network = deploy.ensure_network(lab)
    image = deploy.push_image(lab, "bench-web", DOCKERFILE)
    task_definition = deploy.register_task(lab, "bench-web", image, cpu=256, memory=512, port=80)
    cluster = deploy.ensure_cluster(lab)
    service = deploy.deploy_service(lab, cluster, "bench-web", task_definition, desired_count=3, network=network)
    report = lab.teardown()
    return {"running": service.running_count, "removed": sum(report.counts().values())}


def raw_moto_deployment(region: str = "us-east-1") -> dict[str, Any]:
    """The same AWS calls on moto alone (labkit's layer off, its own account), for comparison."""
    import boto3

    from labkit import mock
    from labkit.lab import deploy

    mock.start()
    account = mock.allocate_account()
    try:
        with mock.disabled():
            session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)

            def client(name: str) -> Any:
                c = session.client(name)
                c.meta.events.register("before-sign", lambda request, **_: request.headers.__setitem__(
                    "x-moto-account-id", account))
                return c

            ec2, ecr, logs, iam, ecs = (client(n) for n in ("ec2", "ecr", "logs", "iam", "ecs"))
            vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
            ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
            zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
            subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                         AvailabilityZone=z)["Subnet"]["SubnetId"] for i, z in enumerate(zones)]
            group = ec2.create_security_group(GroupName="bench", Description="bench", VpcId=vpc)["GroupId"]
            ecr.create_repository(repositoryName="bench-web")
            manifest, digest = deploy.manifest_for(DOCKERFILE)
            ecr.put_image(repositoryName="bench-web", imageManifest=manifest, imageTag="latest", imageDigest=digest)
            logs.create_log_group(logGroupName="/ecs/bench-web")
            role = iam.create_role(RoleName="bench-exec", AssumeRolePolicyDocument=json.dumps(
                deploy.TRUST_ECS_TASKS))["Role"]["Arn"]
            ecs.create_cluster(clusterName="bench", capacityProviders=["FARGATE", "FARGATE_SPOT"])
            td = ecs.register_task_definition(
                family="bench-web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256",
                memory="512", executionRoleArn=role, containerDefinitions=[{
                    "name": "web", "image": "bench-web:latest", "memory": 512,
                    "portMappings": [{"containerPort": 80}]}])["taskDefinition"]["taskDefinitionArn"]
            net = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [group]}}
            ecs.create_service(cluster="bench", serviceName="bench-web", taskDefinition=td, desiredCount=3,
                               launchType="FARGATE", networkConfiguration=net)
            described = ecs.describe_services(cluster="bench", services=["bench-web"])["services"][0]
            ecs.update_service(cluster="bench", service="bench-web", desiredCount=0)
            ecs.delete_service(cluster="bench", service="bench-web", force=True)
            ecs.delete_cluster(cluster="bench")
            ecs.deregister_task_definition(taskDefinition=td)
            ecr.delete_repository(repositoryName="bench-web", force=True)
            logs.delete_log_group(logGroupName="/ecs/bench-web")
            iam.delete_role(RoleName="bench-exec")
            ec2.delete_security_group(GroupId=group)
            for subnet in subnets:
                ec2.delete_subnet(SubnetId=subnet)
            ec2.delete_vpc(VpcId=vpc)
            return {"running": described["runningCount"], "desired": described["desiredCount"]}
    finally:
        mock.release_account(account)
