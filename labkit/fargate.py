"""Front door: Fargate's rules for a learner — sizes, what Fargate refuses in a task definition, EKS Pod sizes, and
when to pick Fargate over Lambda, ECS Express Mode, App Runner or EC2.

`labkit.fargate.valid_sizes()`, `problems(td)`, `eks_pod_size(...)`, `selects(...)`, `compute_options()`; the code
lives in `labkit.model` (sizes, rules, eks, units, choices).
"""

from labkit.model.choices import compute_options
from labkit.model.eks import eks_pod_size, selects
from labkit.model.rules import Problem, check_task_definition, problems
from labkit.model.sizes import (
    is_valid_size,
    min_platform_version,
    normalize_os,
    size_hint,
    smallest_size_for,
    valid_sizes,
)
from labkit.model.units import parse_cpu, parse_memory

__all__ = ["Problem", "check_task_definition", "compute_options", "eks_pod_size", "is_valid_size",
           "min_platform_version", "normalize_os", "parse_cpu", "parse_memory", "problems", "selects", "size_hint",
           "smallest_size_for", "valid_sizes"]
