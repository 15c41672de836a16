"""Application Auto Scaling in the simulated AWS: scaling policies that act on ECS services.

- `policies`: refusals, target tracking's alarms at the right thresholds, clean-up with what policies belong to;
- `acting`: alarms in ALARM change desired counts (the algorithm and where it simplifies AWS's are told there);
- `responses`: DescribeScalingActivities (moto lacks it) and settle before each call.
"""
