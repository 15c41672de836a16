"""Real mode's guardrails: no start without credentials, a budget and a priced region; the cost of every call that
starts Fargate tasks shown before it is sent, and a refusal when the lab's projected spend would pass its budget.

They hook into each real-mode boto3 client (botocore events), so they hold for labkit.deploy and for plain boto3
calls in a learner's cell alike. Mock and local modes never install them. What a lab runs is kept in a ledger
(`ledger(lab)`): what it has run so far, plus what runs now kept on for `PLANNED_HOURS`, must stay within budget.

Rooms: `notices` (what the learner is told), `spend` (the ledger), `calls` (pricing a call, settling it after),
`connect` (the checks at connect), `hooks` (the client hooks, reading the service rows).
"""

from labkit.lab.guardrails.calls import Quote
from labkit.lab.guardrails.connect import MOCK_RUNNING, check_connect, masked_account, priced_regions
from labkit.lab.guardrails.hooks import install
from labkit.lab.guardrails.notices import Notice, progress, say
from labkit.lab.guardrails.spend import PLANNED_HOURS, Charge, Ledger, ledger

__all__ = ["MOCK_RUNNING", "PLANNED_HOURS", "Charge", "Ledger", "Notice", "Quote", "check_connect", "install",
           "ledger", "masked_account", "priced_regions", "progress", "say"]
