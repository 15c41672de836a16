"""labkit.lab.teardown: by tag (from a new process too) and by what the lab recorded, in order, idempotent."""

from __future__ import annotations

import json

import boto3
import pytest

import labkit
from labkit import deploy
from labkit.lab.session import ACCOUNT_HEADER
from labkit.lab.teardown import TeardownReport, teardown_by_tag


def fresh_clients(lab):
    """Clients as a new process would make them: plain boto3 and the account, knowing only the lab id."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=lab.region)
    made = {}

    def client(name):
        if name not in made:
            c = session.client(name)
            c.meta.events.register("before-sign", lambda request, **_: request.headers.__setitem__(
                ACCOUNT_HEADER, lab.account_id))
            made[name] = c
        return made[name]
    return client


def build(lab):
    network = deploy.ensure_network(lab)
    td = deploy.register_task(lab, "web", deploy.push_image(lab, "web"), cpu=256, memory=512, port=80)
    cluster = deploy.ensure_cluster(lab)
    deploy.deploy_service(lab, cluster, "web", td, desired_count=2, network=network)
    deploy.run_task(lab, cluster, td, network=network)


EXPECTED = {"service": 1, "task": 3, "cluster": 1, "task definition": 1, "repository": 1, "log group": 1,
            "security group": 1, "subnet": 2, "route table": 1, "internet gateway": 1, "VPC": 1, "role": 2}


def test_dry_run_lists_and_removes_nothing(lab):
    build(lab)
    report = teardown_by_tag(fresh_clients(lab), lab.id, dry_run=True)
    assert report.dry_run and report.counts() == EXPECTED
    assert str(report).startswith("Would remove: 1 service, 3 tasks, 1 cluster")
    assert len(lab.client("ecs").list_tasks(cluster="labkit")["taskArns"]) == 3


def test_teardown_from_a_new_process_knowing_only_the_lab_id(lab):
    build(lab)
    report = teardown_by_tag(fresh_clients(lab), lab.id)
    assert report.ok and report.counts() == EXPECTED
    assert str(report) == ("Removed: 1 service, 3 tasks, 1 cluster, 1 task definition, 1 repository, 1 log group, "
                           "1 security group, 2 subnets, 1 route table, 1 internet gateway, 1 VPC, 2 roles.")
    again = teardown_by_tag(fresh_clients(lab), lab.id)
    assert again.counts() == {} and str(again) == "Nothing to remove: no resource of this lab was found."


def test_other_labs_in_a_shared_account_are_left_alone():
    with labkit.connect(shared_account=True) as mine, labkit.connect(shared_account=True) as theirs:
        mine.client("ecs").create_cluster(clusterName="mine")
        theirs.client("ecs").create_cluster(clusterName="theirs")
        assert mine.teardown().counts() == {"cluster": 1}
        arns = theirs.client("ecs").list_clusters()["clusterArns"]
        assert [a.rsplit("/", 1)[1] for a in arns] == ["theirs"]


def test_all_removes_every_lab_of_the_course_but_nothing_else():
    with labkit.connect(shared_account=True) as a, labkit.connect(shared_account=True) as b:
        a.client("ecs").create_cluster(clusterName="a")
        b.client("ecs").create_cluster(clusterName="b")
        raw = fresh_clients(a)("ecs")
        raw.create_cluster(clusterName="not-ours")
        report = teardown_by_tag(fresh_clients(a), "all")
        assert report.counts() == {"cluster": 2}
        assert [x.rsplit("/", 1)[1] for x in raw.list_clusters()["clusterArns"]] == ["not-ours"]
        raw.delete_cluster(cluster="not-ours")


def test_recorded_but_untagged_resources_are_removed(lab):
    raw = fresh_clients(lab)("logs")
    raw.create_log_group(logGroupName="/untagged")
    lab.record("log group", "/untagged")
    assert lab.teardown().counts() == {"log group": 1}
    assert raw.describe_log_groups()["logGroups"] == []


def test_bad_arguments_say_what_to_give(lab):
    with pytest.raises(labkit.InvalidInput, match="Lab, a function"):
        teardown_by_tag(42, lab.id)


def test_report_text_is_stable_and_plural_aware():
    report = TeardownReport("x", removed=(("VPC", "vpc-1"), ("repository", "a"), ("repository", "b")))
    assert str(report) == "Removed: 2 repositories, 1 VPC."
    failed = TeardownReport("x", problems=("subnet s: DependencyViolation: in use",))
    assert not failed.ok and "Could not remove" in str(failed)


def _role(lab, name, service):
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": service}}]}
    return lab.client("iam").create_role(RoleName=name, Path="/labkit/",
                                         AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]


def test_scaling_and_eks_of_lessons_05_06_are_removed_and_counted(lab):
    network = deploy.ensure_network(lab)
    td = deploy.register_task(lab, "web", deploy.push_image(lab, "web"), cpu=256, memory=512, port=80)
    cluster = deploy.ensure_cluster(lab)
    deploy.deploy_service(lab, cluster, "web", td, desired_count=1, network=network)
    aas = lab.client("application-autoscaling")
    resource = "service/labkit/web"
    aas.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource,
                                 ScalableDimension="ecs:service:DesiredCount", MinCapacity=1, MaxCapacity=4)
    aas.put_scaling_policy(
        PolicyName="cpu-50", ServiceNamespace="ecs", ResourceId=resource,
        ScalableDimension="ecs:service:DesiredCount", PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration={"TargetValue": 50.0, "PredefinedMetricSpecification": {
            "PredefinedMetricType": "ECSServiceAverageCPUUtilization"}})
    eks = lab.client("eks")
    eks.create_cluster(name="shop", roleArn=_role(lab, "eks-cluster", "eks.amazonaws.com"),
                       resourcesVpcConfig={"subnetIds": list(network.subnet_ids)})
    eks.create_fargate_profile(fargateProfileName="apps", clusterName="shop", selectors=[{"namespace": "shop"}],
                               podExecutionRoleArn=_role(lab, "eks-pods", "eks-fargate-pods.amazonaws.com"),
                               subnets=list(network.subnet_ids))
    raw = fresh_clients(lab)
    planned = teardown_by_tag(raw, lab.id, dry_run=True).counts()
    report = teardown_by_tag(raw, lab.id)
    assert report.ok, report.problems
    expected = {"scaling policy": 1, "scalable target": 1, "Fargate profile": 1, "EKS cluster": 1}
    assert {k: report.counts()[k] for k in expected} == expected == {k: planned[k] for k in expected}
    assert str(report).startswith("Removed: 1 scaling policy, 1 scalable target, 1 service,")
    assert aas.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"] == []
    assert aas.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"] == []
    assert raw("eks").list_clusters()["clusters"] == []
    assert teardown_by_tag(raw, lab.id).counts() == {}


def test_other_eks_clusters_are_left_alone(lab):
    raw = fresh_clients(lab)("eks")
    raw.create_cluster(name="not-ours", roleArn="arn:aws:iam::123456789012:role/x",
                       resourcesVpcConfig={"subnetIds": []})
    assert "EKS cluster" not in lab.teardown().counts()
    assert raw.list_clusters()["clusters"] == ["not-ours"]
    raw.delete_cluster(name="not-ours")


def test_teardown_during_a_spot_interruption_warning(lab):
    network = deploy.ensure_network(lab)
    td = deploy.register_task(lab, "web", deploy.push_image(lab, "web"), cpu=256, memory=512, port=80)
    cluster = deploy.ensure_cluster(lab)
    deploy.deploy_service(lab, cluster, "web", td, desired_count=2, network=network,
                          capacity_provider_strategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}])
    assert len(lab.interrupt_spot(service="web")) == 1
    report = lab.teardown()
    assert report.ok, report.problems
    assert report.counts()["cluster"] == 1
    ecs = fresh_clients(lab)("ecs")
    assert [c for c in ecs.describe_clusters(clusters=["labkit"])["clusters"] if c["status"] == "ACTIVE"] == []


def test_a_mock_lab_searches_only_services_it_used_and_still_finds_all_it_made(lab):
    lab.client("ecs").create_cluster(clusterName="solo", tags=lab.tag_list())
    report = lab.teardown()
    assert report.counts() == {"cluster": 1}
    assert lab.services_in_use() == {"ecs"}  # teardown did not open EKS, EC2, IAM... to look for nothing


def test_a_lab_s_own_eks_and_scaling_are_found_when_it_used_them(lab):
    eks = lab.client("eks")
    eks.create_cluster(name="shop", roleArn=_role(lab, "eks-cluster", "eks.amazonaws.com"),
                       resourcesVpcConfig={"subnetIds": []}, tags=lab.tag_list("dict"))
    build(lab)
    lab.client("application-autoscaling").register_scalable_target(
        ServiceNamespace="ecs", ResourceId="service/labkit/web", ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=1, MaxCapacity=2)
    counts = lab.teardown().counts()
    assert counts == {**EXPECTED, "EKS cluster": 1, "scalable target": 1, "role": 3}
    assert eks.list_clusters()["clusters"] == []


def test_a_shared_account_searches_every_service_an_own_account_only_those_used():
    with labkit.connect(shared_account=True) as shared:
        shared.client("ecs")
        assert shared.services_in_use() is None
    with labkit.connect() as own:
        own.client("ecs")
        assert own.services_in_use() == {"ecs"}


def test_tagged_network_parts_in_an_untagged_vpc_go_and_the_vpc_stays(lab):
    ec2 = fresh_clients(lab)("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    tags = [{"ResourceType": "subnet", "Tags": lab.tag_list("Key")}]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24", TagSpecifications=tags)["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="mine", Description="x", VpcId=vpc, TagSpecifications=[
        {"ResourceType": "security-group", "Tags": lab.tag_list("Key")}])["GroupId"]
    report = teardown_by_tag(fresh_clients(lab), lab.id)
    assert report.counts() == {"security group": 1, "subnet": 1}
    assert subnet not in {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
    assert group not in {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    assert [v["VpcId"] for v in ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"]] == [vpc]
    ec2.delete_vpc(VpcId=vpc)


def test_load_balancers_their_listeners_target_groups_and_the_labs_alarms_are_removed(lab, net):
    elbv2, cloudwatch = lab.client("elbv2"), lab.client("cloudwatch")
    lb = elbv2.create_load_balancer(Name="web", Subnets=net["subnets"])["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=net["vpc"], TargetType="ip")[
        "TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    cloudwatch.put_metric_alarm(AlarmName="busy", Namespace="AWS/ECS", MetricName="CPUUtilization",
                                Statistic="Average", Period=60, EvaluationPeriods=1, Threshold=80.0,
                                ComparisonOperator="GreaterThanThreshold")
    report = lab.teardown()
    counts = report.counts()
    assert (counts["listener"], counts["target group"], counts["load balancer"], counts["alarm"]) == (1, 1, 1, 1)
    assert report.ok, report.problems
    assert elbv2.describe_load_balancers()["LoadBalancers"] == []
    assert elbv2.describe_target_groups()["TargetGroups"] == []
    assert cloudwatch.describe_alarms()["MetricAlarms"] == []
    assert "Nothing to remove" in str(lab.teardown())


def test_a_labs_secret_is_tagged_and_torn_down():
    with labkit.connect("mock") as lab:
        sm = lab.client("secretsmanager")
        arn = sm.create_secret(Name="prod/db", SecretString="x")["ARN"]
        tags = {t["Key"]: t["Value"] for t in sm.describe_secret(SecretId=arn)["Tags"]}
        assert tags.get("labkit:lab") == lab.id
        assert lab.teardown().counts() == {"secret": 1}
        assert sm.list_secrets()["SecretList"] == []


def test_a_labs_parameters_are_tagged_recorded_when_overwritten_and_torn_down():
    with labkit.connect("mock") as lab:
        ssm = lab.client("ssm")
        ssm.put_parameter(Name="/app/db-password", Value="one", Type="SecureString")
        tags = {t["Key"]: t["Value"] for t in ssm.list_tags_for_resource(
            ResourceType="Parameter", ResourceId="/app/db-password")["TagList"]}
        assert tags.get("labkit:lab") == lab.id
        # AWS refuses tags with Overwrite: such a call goes untagged, as the learner wrote it, and is recorded
        assert ssm.put_parameter(Name="/app/db-password", Value="two", Type="SecureString", Overwrite=True)
        assert ssm.put_parameter(Name="/app/api-key", Value="k", Type="String", Overwrite=True)["Version"] == 1
        assert ssm.list_tags_for_resource(ResourceType="Parameter", ResourceId="/app/api-key")["TagList"] == []
        assert ("parameter", "/app/api-key") in lab.created
        report = lab.teardown()
        assert report.counts() == {"parameter": 2} and report.ok, report.problems
        assert ssm.describe_parameters()["Parameters"] == []
        assert "Nothing to remove" in str(lab.teardown())


def test_teardown_by_tag_from_another_process_finds_tagged_parameters_only_of_its_lab():
    with labkit.connect("mock", shared_account=True) as lab, labkit.connect("mock", shared_account=True) as other:
        lab.client("ssm").put_parameter(Name="/mine", Value="1", Type="String")
        other.client("ssm").put_parameter(Name="/theirs", Value="2", Type="String")
        report = teardown_by_tag(fresh_clients(lab), lab.id)
        assert report.counts() == {"parameter": 1} and list(report.removed) == [("parameter", "/mine")]
        assert [p["Name"] for p in other.client("ssm").describe_parameters()["Parameters"]] == ["/theirs"]
        other.teardown()
