"""CloudWatch in the simulated AWS: the metrics AWS publishes every minute, and alarms that change state.

- `metrics`: the load each service receives (`lab.load`) and the AWS/ECS and AWS/ApplicationELB datapoints;
- `alarms`: alarm evaluation every period (moto's alarms never leave OK);
- `responses`: settle before each call.
"""
