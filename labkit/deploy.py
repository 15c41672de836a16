"""Front door: the deployment workflow as steps (`labkit.deploy.push_image`, ...), and what you deployed as a
CloudFormation template (`labkit.deploy.cloudformation`); the code is in labkit.lab and labkit.model.iac."""

from labkit.lab.deploy import *  # noqa: F403
from labkit.lab.deploy import __all__ as _steps
from labkit.model.iac import Template, cloudformation

__all__ = [*_steps, "Template", "cloudformation"]
