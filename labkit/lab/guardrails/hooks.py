"""The client hooks of real mode: on each real-mode boto3 client, before a call is sent refuse it (mock running,
or something labkit cannot price nor remove) or price it; after AWS accepted it, settle the ledger.

They hold for labkit.deploy and for plain boto3 calls in a learner's cell alike. Which calls are guarded is in
each service's row (`labkit.lab.services`, `Guards`).
"""

from __future__ import annotations

from typing import Any

from labkit.errors import GuardrailError
from labkit.lab import services
from labkit.lab.guardrails import calls, connect
from labkit.lab.guardrails.notices import refuse


def install(lab: Any, client: Any) -> None:
    """Hook a real-mode client: price every call that starts Fargate tasks, refuse what labkit cannot price."""
    service = client.meta.service_model.service_name
    guards = services.row(service).guards
    events = client.meta.events
    sid = client.meta.service_model.service_id.hyphenize()

    def remember(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        context["labkit_params"] = params

    def before(model: Any, context: dict[str, Any], **_: Any) -> None:
        if connect.mock_running(lab):
            raise GuardrailError(f"refused {model.name}: {connect.MOCK_RUNNING}")
        if model.name in guards.refused:
            refusal = f"refused {model.name}: {guards.refused[model.name]}."
            raise refuse(lab, refusal)
        if model.name in guards.priced:
            context["labkit_quote"] = calls.priced(lab, f"{service}.{model.name}", context.get("labkit_params") or {})

    def after(http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if http_response.status_code < 300 and model.name in guards.settled:
            calls.settle(lab, f"{service}.{model.name}", context.get("labkit_params") or {}, parsed,
                         context.get("labkit_quote"))

    events.register(f"before-parameter-build.{sid}", remember)
    events.register(f"before-call.{sid}", before)
    events.register(f"after-call.{sid}", after)
