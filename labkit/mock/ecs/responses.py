"""ECS's response layer: parse the request, hand every parameter to the backend, and never answer with a traceback.

As in moto, responses only parse: the rules and their refusals live in the backend's patched methods.
- Before any ECS call the account-region is settled, so that what it shows is what AWS shows at this moment.
- RunTask: moto answers `failures: []`; here the backend's failures (a vCPU quota reached) are in the answer.
- CreateService: moto's parser drops `capacityProviderStrategy`, `deploymentConfiguration` and
  `healthCheckGracePeriodSeconds`; here every
  parameter reaches the backend as a keyword (`services.create_service` decides what they mean).
- The safety net: a raw Python error left in an ECS call (a moto gap labkit has not met yet) becomes a
  ClientException that says so, instead of a traceback in process or an HTTP 500 that botocore retries.
"""

from __future__ import annotations

from typing import Any

from moto.core.responses import ActionResult, BaseResponse
from moto.ecs.responses import EC2ContainerServiceResponse as Response

from labkit.mock.ecs.rules import error
from labkit.mock.ecs.services import settle_backend
from labkit.mock.patch import patch
from labkit.mock.safety import answered


@patch(Response.ecs_backend)
def ecs_backend(fn: Any, self: Any) -> Any:
    """The account-region's ECS backend, settled to the simulated now before the call uses it."""
    backend = fn(self)
    settle_backend(backend)
    return backend


@patch(Response.create_service)
def create_service(fn: Any, self: Any) -> ActionResult:
    """Parse CreateService whole, strategy and deployment configuration included; the backend decides."""
    service = self.ecs_backend.create_service(
        self._get_param("cluster", "default"),
        self._get_param("serviceName"),
        self._get_int_param("desiredCount"),
        self._get_param("taskDefinition"),
        load_balancers=self._get_param("loadBalancers"),
        scheduling_strategy=self._get_param("schedulingStrategy"),
        tags=self._get_param("tags"),
        deployment_controller=self._get_param("deploymentController"),
        launch_type=self._get_param("launchType"),
        service_registries=self._get_param("serviceRegistries"),
        platform_version=self._get_param("platformVersion"),
        propagate_tags=self._get_param("propagateTags") or "NONE",
        network_configuration=self._get_param("networkConfiguration"),
        role_arn=self._get_param("role"),
        capacity_provider_strategy=self._get_param("capacityProviderStrategy"),
        deployment_configuration=self._get_param("deploymentConfiguration"),
        health_check_grace_period_seconds=self._get_param("healthCheckGracePeriodSeconds"),
    )
    return ActionResult({"service": service})


@patch(Response.run_task)
def run_task(fn: Any, self: Any) -> ActionResult:
    """RunTask as moto parses it, with the failures the backend reports (`quotas.Started.failures`)."""
    result = fn(self)
    answer = result.result
    if isinstance(answer, dict):
        answer["failures"] = list(getattr(answer.get("tasks"), "failures", answer.get("failures") or []))
    return result


@patch(BaseResponse.call_action, owner=Response)  # ECS's only: other services keep moto's own
def call_action(fn: Any, self: Any) -> Any:
    """Any raw Python error of an ECS call becomes a ClientException that says labkit could not handle it."""
    return answered(fn, self, lambda message: error("ClientException", message))
