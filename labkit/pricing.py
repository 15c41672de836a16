"""Front door: `labkit.pricing.fargate_cost(...)` and friends; the code lives in `labkit.model.pricing`."""

from labkit.model.pricing import *  # noqa: F403
from labkit.model.pricing import __all__  # noqa: F401
