"""Elastic Load Balancing (v2) in the simulated AWS: Application Load Balancers with ip target groups that route.

moto stores load balancers, target groups and listeners but registers nothing for ECS services and reports every
target healthy at once. The rooms here:

- `targets`: ECS services register their tasks and drain them as they stop; DescribeTargetHealth as labkit decides;
- `health`: real HTTP health checks on the simulated clock, and ECS replacing tasks that fail them;
- `probe`: one health check request; `address`: where a task's port answers (the task runtime's seam);
- `proxy`: the loopback listener forwarding real requests to healthy targets; `traffic`: what it forwarded;
- `validate`: what AWS refuses (an instance target group for an awsvpc service, a listener to a missing group);
- `responses`: settle before each call.

`labkit.mock.timeline` drives targets and health as simulated time passes.
"""
