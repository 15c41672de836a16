"""Real mode's guardrails at connect: a priced region, working credentials, no mock in this kernel; then the
masked account shown, and what the lab id already runs (a restarted kernel) counted in its ledger."""

from __future__ import annotations

from typing import Any

from labkit import mock
from labkit.data import facts
from labkit.errors import GuardrailError
from labkit.lab.guardrails.calls import size_or_none
from labkit.lab.guardrails.notices import say
from labkit.lab.guardrails.spend import Charge, Ledger, ledger, service_key, task_key
from labkit.lab.listing import chunks, paginate
from labkit.lab.tagging import of_lab
from labkit.model import placement, pricing

MOCK_RUNNING = ("this kernel runs mock mode: moto answers every AWS call made in it (with fake credentials), so "
                "a real lab here would not reach AWS. Restart the kernel and connect in real mode before any mock "
                "lab, or use labkit.connect('local') beside real mode.")


def masked_account(account_id: str) -> str:
    """An account id with all but its last four digits hidden: enough to recognise, not to copy."""
    text = str(account_id)
    return "*" * max(len(text) - 4, 0) + text[-4:]


def priced_regions() -> list[str]:
    """The regions labkit has Fargate prices for (real mode refuses others: it could not show costs)."""
    return pricing.regions()


def mock_running(lab: Any) -> bool:
    """Whether the in-process mock would answer this lab's calls instead of AWS (not for a lab given an endpoint)."""
    if lab.endpoint_url:
        return False  # a local endpoint: moto's in-process mock does not intercept it
    return mock.in_process()


def check_connect(lab: Any) -> None:
    """Refuse a real lab without a priced region or working credentials; then show the masked account and region."""
    if mock_running(lab):
        raise GuardrailError(f"real mode is refused: {MOCK_RUNNING}")
    regions = priced_regions()
    if lab.region not in regions:
        raise GuardrailError(f"real mode in {lab.region} is refused: labkit has no Fargate prices there, so it "
                             f"could not show what you spend. Use one of: {', '.join(regions)}.")
    account = _account(lab)
    book = ledger(lab)
    where = f" at {lab.endpoint_url}" if lab.endpoint_url else ""
    say(lab, f"Real AWS{where}: account {masked_account(account)}, region {lab.region}, lab {lab.id}, budget "
             f"${lab.budget_usd:.2f}. Everything is tagged labkit:lab={lab.id}; lab.teardown() removes it. "
             f"labkit prices Fargate tasks; {facts()['billing']['other_charges']}.")
    found = _adopt_running(lab, book)
    if found:
        now = lab.clock.now()
        say(lab, f"Lab {lab.id} already runs {found} (from an earlier session), about ${book.hourly():.4f}/hour: "
                 f"counted in its budget (projected ${book.projected(now):.2f} over {book.planned_hours:g} h). "
                 "lab.teardown() removes it.")


def _account(lab: Any) -> str:
    """The lab's account, once its credentials are found and AWS accepts them (else a refusal saying what to do)."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        credentials = lab._session.get_credentials()
    except BotoCoreError as err:
        raise GuardrailError(f"real mode could not read your AWS credentials ({err}). Run `aws configure` (or "
                             "`aws sso login`) in a terminal, then connect again; mock mode needs none.") from err
    if credentials is None:
        raise GuardrailError("real mode needs AWS credentials and none were found. Run `aws configure` (or set "
                             "AWS_PROFILE) in a terminal, then connect again; mock mode needs none.")
    try:
        return lab.account_id
    except (BotoCoreError, ClientError) as err:
        raise GuardrailError(f"AWS did not accept your credentials ({err}). Check them with "
                             "`aws sts get-caller-identity` in a terminal, then connect again.") from err


def _adopt_running(lab: Any, book: Ledger) -> str:
    """Put what this lab id already runs (a restarted kernel, say) in the ledger; returns what was found, in words."""
    ecs = lab.client("ecs")
    services = tasks = 0
    for cluster in paginate(ecs, "list_clusters", "clusterArns"):
        services += _adopt_services(lab, book, ecs, cluster)
        tasks += _adopt_tasks(lab, book, ecs, cluster)
    words = [f"{n} {kind}{'' if n == 1 else 's'}" for n, kind in ((services, "service"), (tasks, "task")) if n]
    return " and ".join(words)


def _adopt_services(lab: Any, book: Ledger, ecs: Any, cluster: str) -> int:
    """The lab's active services of one cluster with tasks to run, put in the ledger; returns how many."""
    now = lab.clock.now()
    found = 0
    for chunk in chunks(paginate(ecs, "list_services", "serviceArns", cluster=cluster), 10):
        for svc in ecs.describe_services(cluster=cluster, services=chunk, include=["TAGS"]).get("services", []):
            if svc.get("status") != "ACTIVE" or not svc.get("desiredCount") or not of_lab(svc.get("tags"), lab.id):
                continue
            size = size_or_none(lab, svc["taskDefinition"])
            if size is None:
                continue
            spot = placement.on_spot(svc["desiredCount"], svc.get("capacityProviderStrategy"))
            book.start(Charge(what=service_key(cluster, svc["serviceName"]), on_demand=svc["desiredCount"] - spot,
                              spot=spot, started=now, **size))
            found += 1
    return found


def _adopt_tasks(lab: Any, book: Ledger, ecs: Any, cluster: str) -> int:
    """The lab's running tasks of one cluster outside its services, put in the ledger; returns how many."""
    now = lab.clock.now()
    arns = paginate(ecs, "list_tasks", "taskArns", cluster=cluster, desiredStatus="RUNNING")
    found = 0
    for chunk in chunks(arns, 100):
        for task in ecs.describe_tasks(cluster=cluster, tasks=chunk, include=["TAGS"]).get("tasks", []):
            if not of_lab(task.get("tags"), lab.id) or str(task.get("group", "")).startswith("service:"):
                continue
            size = size_or_none(lab, task["taskDefinitionArn"])
            if size is None:
                continue
            on_spot = task.get("capacityProviderName") == "FARGATE_SPOT"
            book.start(Charge(what=task_key(cluster, task["taskArn"]), on_demand=0 if on_spot else 1,
                              spot=1 if on_spot else 0, started=now, **size))
            found += 1
    return found
