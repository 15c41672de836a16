"""What the live diagram reads from the account: plain, frozen data, made by `read` and arranged by `layout`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TaskInfo:
    """One task as the diagram needs it: its ENI, private IP and subnet come from its attachment."""

    id: str
    cluster: str
    group: str
    status: str
    capacity: str
    task_definition: str
    eni_id: str = ""
    private_ip: str = ""
    subnet_id: str = ""
    security_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class ServiceInfo:
    """An ECS service with its counts as describe_services reports them."""

    cluster: str
    name: str
    desired_count: int
    running_count: int
    pending_count: int
    capacity: str
    task_definition: str
    security_groups: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()  # ARNs of the target groups it registers its tasks with


@dataclass(frozen=True)
class LoadBalancerInfo:
    """A load balancer, its listeners ("HTTP:80"), its target groups with their targets' health ("2 healthy"), and
    the target group ARNs it forwards to."""

    name: str
    vpc_id: str
    listeners: tuple[str, ...] = ()
    target_groups: tuple[tuple[str, str], ...] = ()  # (name, health summary)
    forwards_to: tuple[str, ...] = ()  # target group ARNs


@dataclass(frozen=True)
class Snapshot:
    """What the lab's account holds, read once; laying it out and drawing it make no further calls.

    `vpcs` maps a VPC id to its cidr and name; `subnets` a subnet id to its vpc, cidr, az and name;
    `security_groups` a group id to its name and vpc; `repositories` an ECR repository's name to the image
    tags the lab's tasks pull from it; `task_definition_repositories` a task definition to the repositories
    its images come from; `load_balancers` the lab's load balancers.
    """

    mode: str
    region: str
    clusters: tuple[str, ...] = ()
    services: tuple[ServiceInfo, ...] = ()
    tasks: tuple[TaskInfo, ...] = ()
    vpcs: dict[str, dict[str, str]] = field(default_factory=dict)
    subnets: dict[str, dict[str, str]] = field(default_factory=dict)
    security_groups: dict[str, dict[str, str]] = field(default_factory=dict)
    repositories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    task_definition_repositories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    load_balancers: tuple[LoadBalancerInfo, ...] = ()
