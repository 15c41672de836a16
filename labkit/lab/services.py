"""One row per AWS service a lab can open: everything per-service that labkit needs, in one place.

A row says how the service's create calls carry the lab's tags (`labkit.lab.tagging`), how teardown removes
what the lab made there and which error codes mean "already gone" or "no access" (`labkit.lab.teardown`), which
IAM actions labkit calls in real mode, grouped as the policy's statements (`labkit.lab.iam_policy` writes
labkit/data/iam-policy.json from them), and real mode's guardrails (`labkit.lab.guardrails`: calls priced before
they are sent, calls after which the lab's ledger changes, calls refused and why). Rows are in teardown order.
A service with none of a concern says why in `none`; tests/test_services.py keeps every row whole.

Adding a service: a row here, its teardown step in `labkit/lab/teardown_steps/`, and (if it starts tasks) its
pricing in `labkit/lab/guardrails/calls.py`; then `python -m labkit.lab.iam_policy` rewrites the policy file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from labkit.lab.tagging import ROLE_PATH, Tagged, ec2_tagged
from labkit.lab.teardown_steps import cloudwatch, ec2, ecr, ecs, eks, elb, iam, logs, secrets, ssm
from labkit.lab.teardown_steps.run import Run

#: what each concern of a row is called in its `none` reasons
CONCERNS = ("tags", "teardown", "iam", "guards")
#: error codes of a denied call: JSON protocol services, and query protocol ones (IAM, STS, ELB)
_JSON_DENIED = frozenset({"AccessDeniedException", "UnrecognizedClientException"})
_QUERY_DENIED = frozenset({"AccessDenied"})
_ROLES = f"arn:aws:iam::*:role{ROLE_PATH}*"


@dataclass(frozen=True)
class Kind:
    """A kind of resource teardown removes and reports: its word, its plural, and how `lab.record` names it."""

    name: str
    plural: str = ""
    recorded: str = ""

    @property
    def words(self) -> str:
        """The plural the report uses ("2 repositories")."""
        return self.plural or self.name + "s"


@dataclass(frozen=True)
class Teardown:
    """How teardown removes a service's resources: its step, the kinds it reports (in the report's order), and
    the error codes that mean a resource is already gone or that labkit has no access (so made none there)."""

    kinds: tuple[Kind, ...]
    step: Callable[[Any, Run], None] | None = None
    #: the service whose step removes these kinds instead (a service's auto scaling goes with the service)
    within: str = ""
    gone: frozenset[str] = frozenset()
    denied: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Statement:
    """One statement of the IAM policy. `calls`: operations of the row's service labkit calls in real mode;
    `authorizes`: IAM actions AWS checks without a call of that name (tags given on create, passing a role,
    the registry calls `docker push` makes), of any service."""

    sid: str
    calls: tuple[str, ...] = ()
    authorizes: tuple[str, ...] = ()
    resource: str = "*"
    condition: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class Guards:
    """Real mode's guardrails for a service's calls (operation names; labkit.lab.guardrails.calls prices and
    settles each)."""

    #: calls that start (or may start) Fargate tasks: priced, and refused over budget, before they are sent
    priced: tuple[str, ...] = ()
    #: calls after which the ledger changes (what runs, or may run): the priced ones and those that stop tasks
    settled: tuple[str, ...] = ()
    #: calls that would create something billed that labkit cannot price nor remove: refused, with why
    refused: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Service:
    """One AWS service a lab can open (`lab.client(name)`), and what each per-service concern does with it."""

    name: str
    tags: Mapping[str, Tagged] = field(default_factory=dict)
    teardown: Teardown | None = None
    iam: tuple[Statement, ...] = ()
    guards: Guards = Guards()
    #: the prefix of its IAM actions, where it differs from the client name
    iam_prefix: str = ""
    #: concern ("tags", "teardown", "iam", "guards") -> why this service has none of it
    none: Mapping[str, str] = field(default_factory=dict)

    @property
    def prefix(self) -> str:
        """How IAM names this service's actions ("ecs" in "ecs:RunTask")."""
        return self.iam_prefix or self.name


_ECS_TAGS = Tagged("tags", "key")
_ROLE_TAGS = Tagged("Tags", "Key", defaults={"Path": ROLE_PATH})  # roles go where teardown and the policy look
_EC2_TAGS = {"CreateVpc": ec2_tagged("vpc"), "CreateSubnet": ec2_tagged("subnet"),
             "CreateSecurityGroup": ec2_tagged("security-group"),
             "CreateInternetGateway": ec2_tagged("internet-gateway"), "CreateRouteTable": ec2_tagged("route-table"),
             "CreateNetworkInterface": ec2_tagged("network-interface")}
_EC2_CALLS = ("AssociateRouteTable", "AttachInternetGateway", "AuthorizeSecurityGroupIngress",
              "CreateInternetGateway", "CreateRoute", "CreateRouteTable", "CreateSecurityGroup", "CreateSubnet",
              "CreateVpc", "DeleteInternetGateway", "DeleteRouteTable", "DeleteSecurityGroup", "DeleteSubnet",
              "DeleteVpc", "DescribeAvailabilityZones", "DescribeInternetGateways", "DescribeNetworkInterfaces",
              "DescribeRouteTables", "DescribeSecurityGroups", "DescribeSubnets", "DescribeTags", "DescribeVpcs",
              "DetachInternetGateway", "DisassociateRouteTable", "ModifySubnetAttribute", "ModifyVpcAttribute")
_NO_EKS = "Run the EKS lesson in mock or local mode"
_KEY_TAGS = Tagged("Tags", "Key")

ROWS: tuple[Service, ...] = (
    Service(
        name="application-autoscaling",
        tags={"RegisterScalableTarget": Tagged("Tags", "dict")},
        teardown=Teardown(kinds=(Kind("scaling policy", "scaling policies"), Kind("scalable target")), within="ecs",
                          gone=frozenset({"ObjectNotFoundException", "ResourceNotFoundException"}),
                          denied=_JSON_DENIED),
        iam=(Statement("ServiceAutoScaling",
                       calls=("DeleteScalingPolicy", "DeregisterScalableTarget", "DescribeScalableTargets",
                              "DescribeScalingPolicies", "PutScalingPolicy", "RegisterScalableTarget"),
                       # a target-tracking policy makes, reads and removes its CloudWatch alarms as the caller
                       authorizes=("application-autoscaling:TagResource", "cloudwatch:DeleteAlarms",
                                   "cloudwatch:DescribeAlarms", "cloudwatch:PutMetricAlarm")),),
        guards=Guards(priced=("RegisterScalableTarget",),
                      settled=("RegisterScalableTarget", "DeregisterScalableTarget")),
    ),
    Service(
        name="ecs",
        tags={"CreateCluster": _ECS_TAGS, "RegisterTaskDefinition": _ECS_TAGS, "CreateCapacityProvider": _ECS_TAGS,
              # services and tasks pass the lab's tags on to their tasks
              "CreateService": Tagged("tags", "key", defaults={"enableECSManagedTags": True,
                                                               "propagateTags": "SERVICE"}),
              "RunTask": Tagged("tags", "key", defaults={"enableECSManagedTags": True})},
        teardown=Teardown(kinds=(Kind("service"), Kind("task"), Kind("cluster"), Kind("task definition")),
                          step=ecs.remove,
                          gone=frozenset({"ClusterNotFoundException", "ServiceNotFoundException", "ClientException",
                                          "InvalidParameterException", "ResourceNotFoundException"}),
                          denied=_JSON_DENIED),
        iam=(Statement("EcsFargate",
                       calls=("CreateCluster", "CreateService", "DeleteCluster", "DeleteService",
                              "DeleteTaskDefinitions", "DeregisterTaskDefinition", "DescribeClusters",
                              "DescribeServices", "DescribeTaskDefinition", "DescribeTasks", "ListClusters",
                              "ListServices", "ListTaskDefinitions", "ListTasks", "PutClusterCapacityProviders",
                              "RegisterTaskDefinition", "RunTask", "StopTask", "UpdateService"),
                       authorizes=("ecs:TagResource",)),),
        guards=Guards(priced=("RunTask", "StartTask", "CreateService", "UpdateService"),
                      settled=("RunTask", "StartTask", "CreateService", "UpdateService", "StopTask", "DeleteService"),
                      refused={"CreateCapacityProvider": "a capacity provider for an Auto Scaling group starts EC2 "
                               "instances that labkit neither prices nor removes. Fargate needs none: use the "
                               "FARGATE and FARGATE_SPOT providers"}),
    ),
    Service(
        name="elbv2",
        iam_prefix="elasticloadbalancing",
        tags={"CreateLoadBalancer": _KEY_TAGS, "CreateTargetGroup": _KEY_TAGS, "CreateListener": _KEY_TAGS,
              "CreateRule": _KEY_TAGS},
        teardown=Teardown(kinds=(Kind("listener"), Kind("target group"), Kind("load balancer")), step=elb.remove,
                          gone=frozenset({"LoadBalancerNotFound", "TargetGroupNotFound", "ListenerNotFound"}),
                          denied=_QUERY_DENIED),
        iam=(Statement("LoadBalancers",
                       calls=("CreateListener", "CreateLoadBalancer", "CreateTargetGroup", "DeleteListener",
                              "DeleteLoadBalancer", "DeleteTargetGroup", "DescribeListeners", "DescribeLoadBalancers",
                              "DescribeTags", "DescribeTargetGroupAttributes", "DescribeTargetGroups",
                              "DescribeTargetHealth", "ModifyTargetGroup", "ModifyTargetGroupAttributes"),
                       authorizes=("elasticloadbalancing:AddTags",)),),
        guards=Guards(priced=("CreateLoadBalancer",), settled=("CreateLoadBalancer", "DeleteLoadBalancer")),
    ),
    Service(
        name="cloudwatch",
        tags={"PutMetricAlarm": _KEY_TAGS},
        teardown=Teardown(kinds=(Kind("alarm"),), step=cloudwatch.remove,
                          gone=frozenset({"ResourceNotFound", "ResourceNotFoundException"}),
                          denied=_QUERY_DENIED | _JSON_DENIED),
        iam=(Statement("MetricsAndAlarms",
                       calls=("DeleteAlarms", "DescribeAlarms", "GetMetricData", "GetMetricStatistics",
                              "ListMetrics", "ListTagsForResource", "PutMetricAlarm"),
                       authorizes=("cloudwatch:TagResource",)),),
        none={"guards": "an alarm costs cents a month and metric reads a fraction of a cent; teardown removes the "
                        "lab's alarms"},
    ),
    Service(
        name="eks",
        tags={"CreateCluster": Tagged("tags", "dict"), "CreateFargateProfile": Tagged("tags", "dict")},
        teardown=Teardown(kinds=(Kind("Fargate profile"), Kind("EKS cluster")), step=eks.remove,
                          gone=frozenset({"ResourceNotFoundException", "ClientException", "InvalidParameterException"}),
                          denied=_JSON_DENIED),
        # real mode creates no EKS cluster (refused below): teardown only looks for one
        iam=(Statement("FindLabEksClusters", calls=("ListClusters",)),),
        guards=Guards(refused={
            "CreateCluster": "an EKS cluster's control plane is billed by the hour, labkit has no price for it and "
                             f"its teardown does not remove EKS clusters. {_NO_EKS}",
            "CreateNodegroup": f"EKS node groups start EC2 instances, which labkit does not price or remove. {_NO_EKS}",
        }),
    ),
    Service(
        name="ecr",
        tags={"CreateRepository": Tagged("tags", "Key")},
        teardown=Teardown(kinds=(Kind("repository", "repositories"),), step=ecr.remove,
                          gone=frozenset({"RepositoryNotFoundException", "InvalidParameterException"}),
                          denied=_JSON_DENIED),
        iam=(Statement("EcrRepositories",
                       calls=("CreateRepository", "DeleteRepository", "DescribeRepositories", "ListTagsForResource"),
                       authorizes=("ecr:TagResource",)),
             Statement("PushImagesWithDocker",  # what `docker push` asks of the registry (labkit.deploy.push_image)
                       authorizes=("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
                                   "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer",
                                   "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart"))),
        none={"guards": "a repository costs cents a month, and teardown removes it"},
    ),
    Service(
        name="logs",
        tags={"CreateLogGroup": Tagged("tags", "dict")},
        teardown=Teardown(kinds=(Kind("log group"),), step=logs.remove,
                          gone=frozenset({"ResourceNotFoundException", "InvalidParameterException"}),
                          denied=_JSON_DENIED),
        iam=(Statement("Logs", calls=("CreateLogGroup", "DeleteLogGroup", "DescribeLogGroups", "FilterLogEvents",
                                      "ListTagsLogGroup"),
                       authorizes=("logs:TagResource",)),),
        none={"guards": "a lesson's logs cost cents, and teardown removes the log groups"},
    ),
    Service(
        name="secretsmanager",
        tags={"CreateSecret": _KEY_TAGS},
        teardown=Teardown(kinds=(Kind("secret"),), step=secrets.remove,
                          gone=frozenset({"ResourceNotFoundException"}), denied=_JSON_DENIED),
        iam=(Statement("Secrets", calls=("CreateSecret", "DeleteSecret", "DescribeSecret", "ListSecrets"),
                       authorizes=("secretsmanager:TagResource",)),),
        none={"guards": "a lesson's secret costs cents a month, and teardown deletes it without a recovery window"},
    ),
    Service(
        name="ssm",  # Parameter Store, for a task definition's `secrets` (the rest of Systems Manager is unused)
        tags={"PutParameter": Tagged("Tags", "Key", unless="Overwrite", records=("parameter", "Name"))},
        teardown=Teardown(kinds=(Kind("parameter"),), step=ssm.remove, gone=frozenset({"ParameterNotFound"}),
                          denied=_JSON_DENIED),
        iam=(Statement("Parameters", calls=("DeleteParameter", "DescribeParameters", "GetParameter", "PutParameter"),
                       authorizes=("ssm:AddTagsToResource",)),),  # a task reads its secrets with its execution role
        none={"guards": "standard parameters, the default tier, have no charge of their own (AWS Systems Manager "
                        "User Guide, 'Specifying a default parameter tier', read 2026-12-05); teardown deletes them"},
    ),
    Service(
        name="ec2",
        tags=_EC2_TAGS,
        teardown=Teardown(kinds=(Kind("security group"), Kind("subnet"), Kind("route table"), Kind("internet gateway"),
                                 Kind("VPC", "VPCs", recorded="vpc")),
                          step=ec2.remove,
                          gone=frozenset({"InvalidVpcID.NotFound", "InvalidSubnetID.NotFound", "InvalidGroup.NotFound",
                                          "InvalidRouteTableID.NotFound", "InvalidInternetGatewayID.NotFound"}),
                          denied=frozenset({"UnauthorizedOperation"})),
        iam=(Statement("Network", calls=_EC2_CALLS),
             Statement("TagNetworkOnCreate", authorizes=("ec2:CreateTags",), condition={"StringEquals": {
                 "ec2:CreateAction": [op for op in _EC2_TAGS if op in _EC2_CALLS]}})),
        guards=Guards(refused={
            "RunInstances": "EC2 instances are billed apart from Fargate, and labkit neither prices nor removes them. "
                            "Real mode runs Fargate tasks only; compare EC2 with labkit.pricing.ec2_cost instead",
            "CreateNatGateway": "a NAT gateway is billed by the hour and labkit neither prices nor removes it. Give "
                                "tasks a public IP in a public subnet (labkit.deploy does), or use mock mode",
            "AllocateAddress": "an Elastic IP is billed and labkit neither prices nor removes it; Fargate tasks get "
                               "their public IP from the subnet",
        }),
    ),
    Service(
        name="iam",
        tags={"CreateRole": _ROLE_TAGS, "CreatePolicy": _ROLE_TAGS},
        teardown=Teardown(kinds=(Kind("role"),), step=iam.remove, gone=frozenset({"NoSuchEntity"}),
                          denied=frozenset({"AccessDenied"})),
        iam=(Statement("LabRoles", resource=_ROLES,
                       calls=("AttachRolePolicy", "CreateRole", "DeleteRole", "DeleteRolePolicy", "DetachRolePolicy",
                              "GetRole", "GetRolePolicy", "ListAttachedRolePolicies", "ListRolePolicies",
                              "ListRoleTags", "PutRolePolicy"),
                       authorizes=("iam:TagRole",)),
             Statement("FindLabRoles", calls=("ListRoles",)),
             Statement("PassLabRolesToTasks", authorizes=("iam:PassRole",), resource=_ROLES,
                       condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
             Statement("FirstUseServiceRoles", authorizes=("iam:CreateServiceLinkedRole",),
                       condition={"StringEquals": {"iam:AWSServiceName": [
                           "ecs.amazonaws.com", "ecs.application-autoscaling.amazonaws.com"]}})),
        none={"guards": "IAM costs nothing"},
    ),
    Service(
        name="sts",
        iam=(Statement("WhoAmI", calls=("GetCallerIdentity",)),),
        none={"tags": "STS creates nothing", "teardown": "STS creates nothing", "guards": "STS costs nothing"},
    ),
    Service(
        name="resourcegroupstaggingapi",
        iam_prefix="tag",
        none={"tags": "it creates nothing", "teardown": "it creates nothing", "guards": "it costs nothing",
              "iam": "labkit itself never calls it; a learner may, to find what carries the lab's tags"},
    ),
)

NAMES: tuple[str, ...] = tuple(r.name for r in ROWS)
_BY_NAME = {r.name: r for r in ROWS}


def row(name: str) -> Service:
    """The row of one service (KeyError for a service the lab cannot open)."""
    return _BY_NAME[name]


def kinds() -> tuple[Kind, ...]:
    """Every kind teardown reports, in teardown's order."""
    return tuple(k for r in ROWS if r.teardown for k in r.teardown.kinds)


def kind_named(name: str) -> Kind | None:
    """The kind named `name` as the report words it or as a lab records it ("VPC" or "vpc"); None if unknown."""
    return next((k for k in kinds() if name in (k.name, k.recorded)), None)


def service_of(kind: str) -> str | None:
    """The service whose resources are of `kind` (either spelling, as `kind_named`); None if unknown."""
    return next((r.name for r in ROWS if r.teardown for k in r.teardown.kinds if kind in (k.name, k.recorded)), None)
