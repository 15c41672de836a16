"""Fargate knowledge as pure functions over `labkit.data`: no boto3, no moto, no IPython.

Sizes, units, the task-definition rules, pricing, the task lifecycle's timings, capacity-provider placement, image
pulls, EKS Pod sizing and target tracking live here once; the mock, the checks, the diagrams and the lessons read
them from here.
"""
