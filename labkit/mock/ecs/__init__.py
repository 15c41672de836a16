"""ECS in the simulated AWS: Fargate's refusals on the API, the task lifecycle, services that schedule, Spot."""
