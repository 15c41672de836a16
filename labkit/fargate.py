"""Front door: `labkit.fargate.valid_sizes()`, `problems(...)`, `eks_pod_size(...)`; the code is in labkit.model."""

from labkit.model.fargate import *  # noqa: F403
from labkit.model.fargate import __all__  # noqa: F401
