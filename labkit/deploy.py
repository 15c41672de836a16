"""Front door: the deployment workflow as steps (`labkit.deploy.push_image`, ...); the code is in labkit.lab."""

from labkit.lab.deploy import *  # noqa: F403
from labkit.lab.deploy import __all__  # noqa: F401
