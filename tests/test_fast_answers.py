"""labkit.mock.fast_answers: moto's answers cost less and are the same, to the byte, with and without it."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Any

import pytest
from moto.core import errors as moto_errors
from moto.core import responses as moto_responses
from moto.core import serialize
from moto.core import utils as moto_utils
from moto.moto_api._internal import mock_random

import labkit
from labkit.mock import fast_answers

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                            "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]})


@pytest.fixture
def restore() -> Iterator[None]:
    """Leave the process as it was: installed or not."""
    labkit.mock.start()
    was = fast_answers.installed()
    yield
    fast_answers.install() if was else fast_answers.uninstall()


def _network(lab: Any) -> dict[str, Any]:
    ec2 = lab.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=zone)["Subnet"]["SubnetId"]
               for i, zone in enumerate(zones)]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    table = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]
    ec2.create_route(RouteTableId=table["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    group = ec2.create_security_group(GroupName="web", Description="web", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    return {"vpc": vpc, "subnets": subnets, "group": group}


def _task_definition(lab: Any, execution_role: str) -> str:
    secrets = lab.client("secretsmanager")
    secret = secrets.create_secret(Name="db-password", SecretString="hunter2")["ARN"]
    containers = [
        {"name": "web", "image": "nginx:1.27", "essential": True, "cpu": 128, "memory": 256,
         "portMappings": [{"containerPort": 80, "protocol": "tcp"}, {"containerPort": 443, "protocol": "tcp"}],
         "environment": [{"name": "MODE", "value": "prod"}, {"name": "COLOR", "value": "blue"}],
         "secrets": [{"name": "DB_PASSWORD", "valueFrom": secret}],
         "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost/ || exit 1"], "interval": 10,
                         "timeout": 5, "retries": 3, "startPeriod": 10},
         "logConfiguration": {"logDriver": "awslogs", "options": {
             "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}}},
        {"name": "sidecar", "image": "busybox:1.36", "essential": False, "command": ["sleep", "3600"],
         "dependsOn": [{"containerName": "web", "condition": "START"}]},
    ]
    return lab.client("ecs").register_task_definition(
        family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn=execution_role, taskRoleArn=execution_role, containerDefinitions=containers,
        tags=[{"key": "team", "value": "course"}])["taskDefinition"]["taskDefinitionArn"]


def learner_session(lab: Any) -> list[tuple[str, Any]]:
    """A lesson's calls, in order, with every answer as boto3 parses it (ResponseMetadata left out)."""
    answers: list[tuple[str, Any]] = []

    def call(service: str, operation: str, **params: Any) -> Any:
        answer = getattr(lab.client(service), operation)(**params)
        answer.pop("ResponseMetadata", None)
        answers.append((f"{service}.{operation}", answer))
        return answer

    net = _network(lab)
    iam = lab.client("iam")
    role = iam.create_role(RoleName="exec", AssumeRolePolicyDocument=POLICY)["Role"]["Arn"]
    iam.attach_role_policy(RoleName="exec",
                           PolicyArn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
    iam.put_role_policy(RoleName="exec", PolicyName="secrets", PolicyDocument=json.dumps(
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
                                                 "Resource": "*"}]}))
    lab.client("logs").create_log_group(logGroupName="/ecs/web")
    call("iam", "get_role", RoleName="exec")
    call("iam", "list_attached_role_policies", RoleName="exec")
    call("ecs", "create_cluster", clusterName="course", capacityProviders=["FARGATE", "FARGATE_SPOT"])
    definition = _task_definition(lab, role)
    elbv2 = lab.client("elbv2")
    balancer = call("elbv2", "create_load_balancer", Name="web", Subnets=net["subnets"],
                    SecurityGroups=[net["group"]])["LoadBalancers"][0]["LoadBalancerArn"]
    group = call("elbv2", "create_target_group", Name="web", Protocol="HTTP", Port=80, VpcId=net["vpc"],
                 TargetType="ip", HealthCheckPath="/")["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=balancer, Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": group}])
    call("ecs", "create_service", cluster="course", serviceName="web", taskDefinition=definition, desiredCount=3,
         launchType="FARGATE", loadBalancers=[{"targetGroupArn": group, "containerName": "web", "containerPort": 80}],
         networkConfiguration={"awsvpcConfiguration": {"subnets": net["subnets"], "securityGroups": [net["group"]],
                                                       "assignPublicIp": "ENABLED"}})
    lab.client("ecs").get_waiter("services_stable").wait(cluster="course", services=["web"])
    tasks = call("ecs", "list_tasks", cluster="course")["taskArns"]
    call("ecs", "describe_tasks", cluster="course", tasks=tasks, include=["TAGS"])
    call("ecs", "describe_services", cluster="course", services=["web"], include=["TAGS"])
    call("ecs", "describe_task_definition", taskDefinition=definition, include=["TAGS"])
    call("ecs", "describe_clusters", clusters=["course"], include=["STATISTICS", "SETTINGS"])
    call("ec2", "describe_subnets", SubnetIds=net["subnets"])
    call("ec2", "describe_security_groups", GroupIds=[net["group"]])
    call("ec2", "describe_network_interfaces", Filters=[{"Name": "vpc-id", "Values": [net["vpc"]]}])
    call("ec2", "describe_vpcs", VpcIds=[net["vpc"]])
    call("elbv2", "describe_target_groups", TargetGroupArns=[group])
    call("elbv2", "describe_target_health", TargetGroupArn=group)
    call("elbv2", "describe_load_balancers", LoadBalancerArns=[balancer])
    call("cloudwatch", "put_metric_alarm", AlarmName="cpu-high", Namespace="AWS/ECS", MetricName="CPUUtilization",
         Dimensions=[{"Name": "ClusterName", "Value": "course"}, {"Name": "ServiceName", "Value": "web"}],
         Statistic="Average", Period=60, EvaluationPeriods=2, Threshold=70.0,
         ComparisonOperator="GreaterThanThreshold")
    call("cloudwatch", "describe_alarms", AlarmNames=["cpu-high"])
    call("logs", "describe_log_groups", logGroupNamePrefix="/ecs/")
    with pytest.raises(lab.client("ecs").exceptions.ClientError) as refused:  # an error answer too
        lab.client("ecs").describe_task_definition(taskDefinition="no-such-family:7")
    answers.append(("ecs.describe_task_definition (missing)", refused.value.response["Error"]))
    return answers


WALL_CLOCK_MILLISECONDS = {"creationTime"}  # CloudWatch Logs' creation times (epoch ms), like datetimes below


def without_times(answer: Any) -> Any:
    """An answer with its times (taken from the wall clock, so different in each run by design) marked only."""
    if isinstance(answer, datetime.datetime):
        return "<time>"
    if isinstance(answer, dict):
        return {key: "<time>" if key in WALL_CLOCK_MILLISECONDS and isinstance(value, int) else without_times(value)
                for key, value in answer.items()}
    if isinstance(answer, list):
        return [without_times(item) for item in answer]
    return answer


def run_in_a_fresh_lab(seed: int = 7) -> list[tuple[str, Any]]:
    """The learner's session in a new lab, moto's random ids seeded: the same calls make the same ids."""
    mock_random.seed(seed)
    with labkit.connect("mock", lab_id="same") as lab:
        return [(name, without_times(answer)) for name, answer in learner_session(lab)]


def test_a_lessons_answers_are_the_same_with_and_without_it(restore: None) -> None:
    fast_answers.uninstall()
    slow = run_in_a_fresh_lab()
    assert not fast_answers._possible
    fast_answers.install()
    fast = run_in_a_fresh_lab()
    assert len(fast_answers._possible) > 100  # the shortcut did answer the session
    assert [name for name, _ in fast] == [name for name, _ in slow]
    for (name, fast_answer), (_, slow_answer) in zip(fast, slow, strict=True):
        assert fast_answer == slow_answer, name
    served = dict(fast)
    assert len(served["ecs.describe_tasks"]["tasks"]) == 3  # the session did what it says: a 3-task service
    assert served["elbv2.describe_target_health"]["TargetHealthDescriptions"]


def test_every_answer_of_the_session_serialises_to_the_same_bytes(restore: None,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Each answer moto makes in the session is serialised twice, with and without the shortcuts: same bytes."""
    fast_answers.install()
    compared: list[str] = []
    moto_serialize = serialize.ResponseSerializer.serialize

    def both_ways(self: Any, result: Any) -> Any:
        fast_answers.uninstall()
        try:
            slow = moto_serialize(self, result)
        finally:
            fast_answers.install()
        fast = moto_serialize(self, result)
        assert fast == slow, self.operation_name
        compared.append(self.operation_name)
        return fast

    monkeypatch.setattr(serialize.ResponseSerializer, "serialize", both_ways)
    with labkit.connect("mock") as lab:
        learner_session(lab)
    assert {"DescribeTasks", "DescribeSubnets", "DescribeTargetHealth", "GetRole", "DescribeAlarms",
            "CreateService", "DescribeTaskDefinition"} <= set(compared)


def test_timestamps_and_transformed_members_keep_motos_form(restore: None, lab: Any) -> None:
    """EC2's transformers (an empty ENI association left out) and timestamps come out as moto makes them."""
    fast_answers.install()
    ec2 = lab.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.1.0.0/24")["Subnet"]["SubnetId"]
    eni = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
    lab.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=POLICY)

    def answers() -> list[Any]:
        created = ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"]
        ec2.delete_network_interface(NetworkInterfaceId=created["NetworkInterfaceId"])
        created.pop("NetworkInterfaceId"), created.pop("MacAddress", None), created.pop("PrivateIpAddress", None)
        created.pop("PrivateIpAddresses", None)
        found = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])["NetworkInterfaces"][0]
        return [created, found, lab.client("iam").get_role(RoleName="r")["Role"]]

    fast = answers()
    fast_answers.uninstall()
    slow = answers()
    assert fast == slow
    created, found, role = fast
    assert created["Association"] == {} and "Association" not in found  # moto's transformer: describe only
    assert isinstance(role["CreateDate"], datetime.datetime)


def test_call_action_sees_a_method_patched_or_added_after_earlier_calls(restore: None, lab: Any,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fast_answers.install()
    ecs = lab.client("ecs")
    assert ecs.list_clusters()["clusterArns"] == []
    from moto.ecs.responses import EC2ContainerServiceResponse as Response

    def list_clusters(self: Any) -> str:
        return json.dumps({"clusterArns": ["patched-later"]})

    monkeypatch.setattr(Response, "list_clusters", list_clusters)
    assert ecs.list_clusters()["clusterArns"] == ["patched-later"]
    monkeypatch.undo()
    assert ecs.list_clusters()["clusterArns"] == []
    names = moto_responses.method_names_from_class(Response)
    assert "list_clusters" in names and "ecs_backend" not in names and "no_such_action" not in names
    assert sorted(names) == moto_utils.method_names_from_class(Response)  # the same names, when listed


def test_call_action_follows_actions_removed_or_replaced_later(restore: None, lab: Any,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    fast_answers.install()
    from moto.ecs.responses import EC2ContainerServiceResponse as Response

    ecs = lab.client("ecs")
    ecs.list_clusters()
    monkeypatch.delattr(Response, "list_clusters")
    with pytest.raises(ecs.exceptions.ClientException, match="list_clusters action has not been implemented"):
        ecs.list_clusters()  # moto's NotImplementedError, which labkit's safety net words for the learner
    monkeypatch.undo()
    assert ecs.list_clusters()["clusterArns"] == []

    def describe_nothing(self: Any) -> str:
        return json.dumps({"clusters": [], "failures": [{"reason": "added later"}]})

    monkeypatch.setattr(Response, "describe_clusters", describe_nothing, raising=True)
    assert ecs.describe_clusters(clusters=["x"])["failures"] == [{"reason": "added later"}]


def test_the_name_list_answers_as_motos_for_every_response_class(restore: None) -> None:
    """For every attribute name of every response class moto has loaded: the same yes or no as moto's list."""
    fast_answers.install()
    classes = [cls for cls in _subclasses(moto_responses.BaseResponse)]
    assert len(classes) > 5
    for cls in classes:
        listed = set(moto_utils.method_names_from_class(cls))
        asked = moto_responses.method_names_from_class(cls)
        assert {name for name in dir(cls) if name in asked} == listed, cls
        assert "" not in asked and 3 not in asked


def _subclasses(cls: type) -> list[type]:
    found = [cls]
    for sub in cls.__subclasses__():
        found += _subclasses(sub)
    return found


def test_uninstall_gives_motos_own_behaviour_back(restore: None, lab: Any,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    fast_answers.install()
    lab.client("ecs").create_cluster(clusterName="c")
    assert moto_responses.method_names_from_class is fast_answers.function_names
    fast_answers.uninstall()
    assert moto_responses.method_names_from_class is moto_utils.method_names_from_class
    picked: list[str] = []
    moto_call = serialize.AttributePicker.__call__
    monkeypatch.setattr(serialize.AttributePicker, "__call__",
                        lambda self, context: picked.append(context.key) or moto_call(self, context))
    assert lab.client("ecs").describe_clusters(clusters=["c"])["clusters"][0]["clusterName"] == "c"
    assert "clusterName" in picked  # moto's picker chose every value again
    fast_answers.install()
    picked.clear()
    monkeypatch.undo()
    assert lab.client("ecs").describe_clusters(clusters=["c"])["clusters"][0]["clusterName"] == "c"
    assert picked == []


def test_a_picker_that_is_not_motos_own_is_asked_as_moto_asks_it(restore: None, lab: Any,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A changed picker (here: one that renames a cluster) is honoured: the shortcut steps aside."""
    fast_answers.install()
    lab.client("ecs").create_cluster(clusterName="c")
    moto_call = serialize.AttributePicker.__call__

    def renaming(self: Any, context: Any) -> Any:
        value = moto_call(self, context)
        return "renamed" if context.key == "clusterName" else value

    monkeypatch.setattr(serialize.AttributePicker, "__call__", renaming)
    assert lab.client("ecs").describe_clusters(clusters=["c"])["clusters"][0]["clusterName"] == "renamed"


def test_mock_start_installs_it() -> None:
    labkit.mock.start()
    assert fast_answers.installed()
    assert moto_responses.method_names_from_class is fast_answers.function_names


def test_error_answers_are_motos_with_one_error_table_per_service(restore: None, lab: Any) -> None:
    """An error answer reads the same with the shortcut (one factory, one service-name lookup per package)."""
    iam = lab.client("iam")

    def missing_role() -> dict[str, Any]:
        with pytest.raises(iam.exceptions.NoSuchEntityException) as err:
            iam.get_role(RoleName="nobody")
        return {k: v for k, v in err.value.response.items() if k != "ResponseMetadata"}

    fast_answers.uninstall()
    before = missing_role()
    assert moto_errors.ErrorLookupFactory is not fast_answers._one_error_factory
    fast_answers.install()
    assert missing_role() == missing_role() == before
    assert moto_errors.ErrorLookupFactory() is moto_errors.ErrorLookupFactory()  # one table per service, kept
    assert moto_utils.service_name_from_moto_package_name("applicationautoscaling") == "application-autoscaling"
