"""The mock's safety net: a raw Python error left in a call (a moto gap labkit has not met yet) becomes the service's
own kind of error that says so, instead of a traceback in process or an HTTP 500 that botocore retries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.exceptions import ServiceException
from moto.core.responses import ActionResult


def answered(fn: Callable[[Any], Any], response: Any, error: Callable[[str], Exception]) -> Any:
    """moto's answer to a call, or `error(message)` serialised as the service's error when moto crashed."""
    try:
        return fn(response)
    except ServiceException:
        raise
    except Exception as err:  # noqa: BLE001 - the safety net: never a raw Python error to the learner
        action = response._get_action() if hasattr(response, "_get_action") else "this"
        exc = error(f"labkit's mock could not handle this {action} request ({type(err).__name__}: {err}). AWS "
                    "would answer it; this is a gap in labkit's mock, please report it with the call you made.")
        if not isinstance(exc, ServiceException):  # a JSON REST error (Application Auto Scaling's): its own body
            headers = {**dict(exc.get_headers()), "status": exc.code}
            return exc.code, *response._enrich_response(headers, exc.description)
        status, headers, body = response.serialized(ActionResult(exc))
        headers["status"] = status
        status, headers, body = response._transform_response(response.response_headers, (body, headers))
        return status, *response._enrich_response(headers, body)
