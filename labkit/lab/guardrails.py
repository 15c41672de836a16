"""Real mode's guardrails: no start without credentials, a budget and a priced region; the cost of every call that
starts Fargate tasks shown before it is sent, and a refusal when the lab's projected spend would pass its budget.

They hook into each real-mode boto3 client (botocore events), so they hold for labkit.deploy and for plain boto3
calls in a learner's cell alike. Mock and local modes never install them. What a lab runs is kept in a ledger
(`ledger(lab)`): what it has run so far, plus what runs now kept on for `planned_hours`, must stay within budget.
"""

from __future__ import annotations

import html
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from labkit.errors import GuardrailError
from labkit.lab.tagging import TAG_LAB
from labkit.model import placement
from labkit.model.units import gb, short_name, size_text, vcpu

#: A lab's projection assumes what runs now keeps running this long (a lesson, with margin).
PLANNED_HOURS = 2.0

#: Calls that start (or may start) Fargate tasks: priced before they are sent.
PRICED_CALLS = ("ecs.RunTask", "ecs.StartTask", "ecs.CreateService", "ecs.UpdateService",
                "application-autoscaling.RegisterScalableTarget")

#: Calls after which the ledger changes (what runs, or may run).
SETTLED_CALLS = PRICED_CALLS + ("ecs.StopTask", "ecs.DeleteService", "application-autoscaling.DeregisterScalableTarget")

#: Calls that would create something billed that labkit cannot price, nor remove at teardown: refused.
REFUSED_CALLS: dict[str, str] = {
    "eks.CreateCluster": "an EKS cluster's control plane is billed by the hour, labkit has no price for it and "
                         "its teardown does not remove EKS clusters. Run the EKS lesson in mock or local mode",
    "eks.CreateNodegroup": "EKS node groups start EC2 instances, which labkit does not price or remove. Run the "
                           "EKS lesson in mock or local mode",
    "ec2.RunInstances": "EC2 instances are billed apart from Fargate, and labkit neither prices nor removes them. "
                        "Real mode runs Fargate tasks only; compare EC2 with labkit.pricing.ec2_cost instead",
    "ec2.CreateNatGateway": "a NAT gateway is billed by the hour and labkit neither prices nor removes it. Give "
                            "tasks a public IP in a public subnet (labkit.deploy does), or use mock mode",
    "ec2.AllocateAddress": "an Elastic IP is billed and labkit neither prices nor removes it; Fargate tasks get "
                           "their public IP from the subnet",
    "ecs.CreateCapacityProvider": "a capacity provider for an Auto Scaling group starts EC2 instances that labkit "
                                  "neither prices nor removes. Fargate needs none: use the FARGATE and "
                                  "FARGATE_SPOT providers",
}

_SERVICE_DIMENSION = "ecs:service:DesiredCount"


def masked_account(account_id: str) -> str:
    """An account id with all but its last four digits hidden: enough to recognise, not to copy."""
    text = str(account_id)
    return "*" * max(len(text) - 4, 0) + text[-4:]


def priced_regions() -> list[str]:
    """The regions labkit has Fargate prices for (real mode refuses others: it could not show costs)."""
    from labkit.model import pricing

    return pricing.regions()


# --- notices ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Notice:
    """One guardrail message, as a notebook shows it (text, or a small framed box)."""

    text: str

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return ('<div style="border-left:4px solid #d97706;padding:2px 8px;font-family:monospace;'
                f'white-space:pre-wrap">{html.escape(self.text)}</div>')


def _in_kernel() -> bool:
    if "ipykernel" not in sys.modules:
        return False
    from IPython import get_ipython

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def say(lab: Any, text: str, *, show: bool = True) -> None:
    """Tell the learner something real mode does (costs, refusals, progress): kept in `lab.notices`, then shown.

    `lab.on_notice`, when set, receives it; otherwise a notebook displays it and a terminal gets it on stderr.
    A refusal is kept but not shown (`show=False`): the GuardrailError raised with it says the same.
    """
    lab.notices.append(text)
    sink: Callable[[str], None] | None = lab.on_notice
    if not show:
        return
    if sink is not None:
        sink(text)
    elif _in_kernel():
        from IPython.display import display

        display(Notice(text))
    else:
        sys.stderr.write(text + "\n")


def progress(lab: Any) -> Callable[[str], None]:
    """A progress callback for long waits (`labkit.deploy.wait_steady(..., on_progress=...)`) in real mode."""
    return lambda text: say(lab, text)


# --- the ledger -----------------------------------------------------------------------------------------------
@dataclass
class Charge:
    """Something that runs and costs: a service at one desired count, or one task, from `started` to `ended`."""

    what: str
    vcpu: float
    memory_gb: float
    on_demand: int
    spot: int
    started: datetime
    arch: str = "X86_64"
    os: str = "LINUX"
    ephemeral_gb: float = 20
    ended: datetime | None = None

    @property
    def tasks(self) -> int:
        return self.on_demand + self.spot

    def cost(self, region: str, seconds: float) -> float:
        """What it costs running `seconds`, per labkit.pricing (minimums included). Spot tasks are counted at the
        on-demand rate: Spot prices move, and the budget must hold whatever they do."""
        if not self.tasks:
            return 0.0
        from labkit.model.pricing import fargate_cost

        return fargate_cost(self.vcpu, self.memory_gb, max(seconds, 0.0), tasks=self.tasks, region=region,
                            arch=self.arch, os=self.os, ephemeral_gb=self.ephemeral_gb).total

    def hourly(self, region: str) -> float:
        return self.cost(region, 3600.0)


@dataclass
class Ledger:
    """What one real lab runs and has run, to project its spend against its budget."""

    region: str
    budget_usd: float
    planned_hours: float = PLANNED_HOURS
    charges: list[Charge] = field(default_factory=list)
    #: services with a scalable target: the most tasks auto scaling may run
    ceilings: dict[str, int] = field(default_factory=dict)

    def running(self) -> dict[str, Charge]:
        """What runs now, by what it is ("service labkit/web", "task labkit/1a2b...")."""
        return {c.what: c for c in self.charges if c.ended is None}

    def spent(self, now: datetime) -> float:
        """Estimated dollars spent so far (what has run, and what runs, until `now`)."""
        return sum(c.cost(self.region, ((c.ended or now) - c.started).total_seconds()) for c in self.charges)

    def hourly(self, replacing: str | None = None) -> float:
        """Dollars per hour of what runs now (without `replacing`, about to change), auto scaling's ceiling included."""
        return sum(self._budget_charge(c).hourly(self.region) for c in self.running().values() if c.what != replacing)

    def _budget_charge(self, charge: Charge) -> Charge:
        ceiling = self.ceilings.get(charge.what, 0)
        if ceiling <= charge.tasks:
            return charge
        return Charge(charge.what, charge.vcpu, charge.memory_gb, ceiling, 0, charge.started, charge.arch,
                      charge.os, charge.ephemeral_gb)

    def projected(self, now: datetime, new: Charge | None = None) -> float:
        """Spent so far plus what would run (with `new` in place of what it replaces) for planned_hours."""
        hourly = self.hourly(replacing=new.what if new else None)
        if new is not None:
            hourly += self._budget_charge(new).hourly(self.region)
        return self.spent(now) + hourly * self.planned_hours

    def start(self, charge: Charge) -> None:
        """Record `charge` as running, ending what ran under the same name."""
        self.stop(charge.what, charge.started)
        self.charges.append(charge)

    def stop(self, what: str, when: datetime) -> None:
        for charge in self.charges:
            if charge.what == what and charge.ended is None:
                charge.ended = when

    def __str__(self) -> str:
        from datetime import timezone

        now = datetime.now(timezone.utc)
        groups: dict[tuple[str, float, float], int] = {}
        for c in self.running().values():
            name = "tasks in cluster " + c.what.split(" ", 1)[1].split("/")[0] if c.what.startswith("task ") \
                else c.what
            groups[(name, c.vcpu, c.memory_gb)] = groups.get((name, c.vcpu, c.memory_gb), 0) + c.tasks
        lines = [f"Spent so far about ${self.spent(now):.2f}; running now about ${self.hourly():.4f}/hour; "
                 f"projected ${self.projected(now):.2f} over {self.planned_hours:g} h of a ${self.budget_usd:.2f} "
                 "budget."]
        lines += [f"  {name}: {n} x {size_text(cpus, mem)}" for (name, cpus, mem), n in sorted(groups.items()) if n]
        if len(lines) == 1:
            lines.append("  nothing running")
        return "\n".join(lines)


_ledgers: weakref.WeakKeyDictionary[Any, Ledger] = weakref.WeakKeyDictionary()


def ledger(lab: Any) -> Ledger:
    """The spend ledger of a real lab (made at connect)."""
    if lab not in _ledgers:
        _ledgers[lab] = Ledger(region=lab.region, budget_usd=float(lab.budget_usd))
    return _ledgers[lab]


# --- connect --------------------------------------------------------------------------------------------------
MOCK_RUNNING = ("this kernel runs mock mode: moto answers every AWS call made in it (with fake credentials), so "
                "a real lab here would not reach AWS. Restart the kernel and connect in real mode before any mock "
                "lab, or use labkit.connect('local') beside real mode.")


def _mock_running(lab: Any) -> bool:
    """Whether the in-process mock would answer this lab's calls instead of AWS (not for a lab given an endpoint)."""
    if lab.endpoint_url:
        return False  # a local endpoint: moto's in-process mock does not intercept it
    from labkit import mock

    return mock.in_process()


def check_connect(lab: Any) -> None:
    """Refuse a real lab without a priced region or working credentials; then show the masked account and region."""
    from botocore.exceptions import BotoCoreError, ClientError

    if _mock_running(lab):
        raise GuardrailError(f"real mode is refused: {MOCK_RUNNING}")
    regions = priced_regions()
    if lab.region not in regions:
        raise GuardrailError(f"real mode in {lab.region} is refused: labkit has no Fargate prices there, so it "
                             f"could not show what you spend. Use one of: {', '.join(regions)}.")
    try:
        credentials = lab._session.get_credentials()
    except BotoCoreError as err:
        raise GuardrailError(f"real mode could not read your AWS credentials ({err}). Run `aws configure` (or "
                             "`aws sso login`) in a terminal, then connect again; mock mode needs none.") from err
    if credentials is None:
        raise GuardrailError("real mode needs AWS credentials and none were found. Run `aws configure` (or set "
                             "AWS_PROFILE) in a terminal, then connect again; mock mode needs none.")
    try:
        account = lab.account_id
    except (BotoCoreError, ClientError) as err:
        raise GuardrailError(f"AWS did not accept your credentials ({err}). Check them with "
                             "`aws sts get-caller-identity` in a terminal, then connect again.") from err
    book = ledger(lab)
    from labkit.data import facts

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


def _tagged(tags: list[dict[str, str]] | None, lab_id: str) -> bool:
    return any(t.get("key") == TAG_LAB and t.get("value") == lab_id for t in tags or [])


def _adopt_running(lab: Any, book: Ledger) -> str:
    """Put what this lab id already runs (a restarted kernel, say) in the ledger; returns what was found, in words."""
    ecs = lab.client("ecs")
    now = lab.clock.now()
    services = tasks = 0
    for page in ecs.get_paginator("list_clusters").paginate():
        for cluster in page.get("clusterArns", []):
            for svc_page in ecs.get_paginator("list_services").paginate(cluster=cluster):
                arns = svc_page.get("serviceArns", [])
                for i in range(0, len(arns), 10):
                    for svc in ecs.describe_services(cluster=cluster, services=arns[i:i + 10],
                                                     include=["TAGS"]).get("services", []):
                        if svc.get("status") == "ACTIVE" and svc.get("desiredCount") and _tagged(svc.get("tags"),
                                                                                               lab.id):
                            size = _size_or_none(lab, svc["taskDefinition"])
                            if size is None:
                                continue
                            sp = placement.on_spot(svc["desiredCount"], svc.get("capacityProviderStrategy"))
                            od = svc["desiredCount"] - sp
                            book.start(Charge(what=_service_key(cluster, svc["serviceName"]), on_demand=od,
                                              spot=sp, started=now, **size))
                            services += 1
            task_arns = [a for p in ecs.get_paginator("list_tasks").paginate(cluster=cluster,
                                                                             desiredStatus="RUNNING")
                         for a in p.get("taskArns", [])]
            for i in range(0, len(task_arns), 100):
                for task in ecs.describe_tasks(cluster=cluster, tasks=task_arns[i:i + 100],
                                               include=["TAGS"]).get("tasks", []):
                    if _tagged(task.get("tags"), lab.id) and not str(task.get("group", "")).startswith("service:"):
                        size = _size_or_none(lab, task["taskDefinitionArn"])
                        if size is None:
                            continue
                        on_spot = task.get("capacityProviderName") == "FARGATE_SPOT"
                        book.start(Charge(what=f"task {short_name(cluster)}/{short_name(task['taskArn'])}",
                                          on_demand=0 if on_spot else 1, spot=1 if on_spot else 0, started=now,
                                          **size))
                        tasks += 1
    words = [f"{n} {kind}{'' if n == 1 else 's'}" for n, kind in ((services, "service"), (tasks, "task")) if n]
    return " and ".join(words)


# --- client hooks ---------------------------------------------------------------------------------------------
def install(lab: Any, client: Any) -> None:
    """Hook a real-mode client: price every call that starts Fargate tasks, refuse what labkit cannot price."""
    service = client.meta.service_model.service_name
    events = client.meta.events
    sid = client.meta.service_model.service_id.hyphenize()

    def remember(params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        context["labkit_params"] = params

    def before(model: Any, context: dict[str, Any], **_: Any) -> None:
        name = f"{service}.{model.name}"
        if _mock_running(lab):
            raise GuardrailError(f"refused {model.name}: {MOCK_RUNNING}")
        if name in REFUSED_CALLS:
            refusal = f"refused {model.name}: {REFUSED_CALLS[name]}."
            say(lab, refusal, show=False)
            raise GuardrailError(refusal)
        if name in PRICED_CALLS:
            context["labkit_quote"] = _priced(lab, model.name, context.get("labkit_params") or {})

    def after(http_response: Any, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if http_response.status_code < 300 and f"{service}.{model.name}" in SETTLED_CALLS:
            _settle(lab, f"{service}.{model.name}", context.get("labkit_params") or {}, parsed,
                    context.get("labkit_quote"))

    events.register(f"before-parameter-build.{sid}", remember)
    events.register(f"before-call.{sid}", before)
    events.register(f"after-call.{sid}", after)


def _service_key(cluster: str | None, service: str) -> str:
    return f"service {short_name(cluster or 'default')}/{short_name(service)}"


@dataclass(frozen=True)
class Quote:
    """A priced call: what it would run, in place of what, and the lab's projection with it."""

    charge: Charge
    hourly: float
    projected: float


class _AwsAnswers(Exception):
    """The call names something that is not there (or not a Fargate size): nothing to price, AWS will say why."""


#: Error codes of ECS's describe calls for something that does not exist.
NOT_FOUND = ("ClientException", "ServiceNotFoundException", "ClusterNotFoundException", "InvalidParameterException")


def _priced(lab: Any, operation: str, params: dict[str, Any]) -> Quote | None:
    """`_quote`, except that a call naming what does not exist goes to AWS unpriced, for AWS's own answer."""
    from botocore.exceptions import ClientError

    try:
        return _quote(lab, operation, params)
    except _AwsAnswers as why:
        say(lab, f"{operation}: not priced ({why}); AWS decides.", show=False)
        return None
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") in NOT_FOUND:
            return None
        raise GuardrailError(f"refused {operation}: labkit could not price it because AWS refused to describe what "
                             f"it runs ({err}); real mode sends no call it cannot price. Check the IAM policy "
                             "in labkit/data/iam-policy.json.") from err


def _size_or_none(lab: Any, task_definition: str) -> dict[str, Any] | None:
    """The size of a task definition, or None when ECS cannot say (gone, or no task-level size)."""
    from botocore.exceptions import ClientError

    try:
        return _size(lab, task_definition)
    except (_AwsAnswers, ClientError):
        return None


def _describe_service(lab: Any, cluster: str | None, service: str) -> dict[str, Any]:
    found = lab.client("ecs").describe_services(cluster=cluster or "default", services=[service])["services"]
    if not found or found[0].get("status") == "INACTIVE":
        raise _AwsAnswers(f"no active service {short_name(service)} in cluster {short_name(cluster or 'default')}")
    return found[0]


def _size(lab: Any, task_definition: str | None) -> dict[str, Any]:
    """vCPU, GB, arch, OS and ephemeral storage of a task definition, asked of ECS."""
    if not task_definition:
        raise _AwsAnswers("no task definition named")
    td = lab.client("ecs").describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    if not td.get("cpu") or not td.get("memory"):
        raise _AwsAnswers(f"task definition {td['family']}:{td['revision']} sets no task-level cpu and memory, "
                          "which Fargate needs")
    platform = td.get("runtimePlatform") or {}
    os_family = platform.get("operatingSystemFamily", "LINUX")
    return {"vcpu": vcpu(td["cpu"]), "memory_gb": gb(td["memory"]),
            "arch": platform.get("cpuArchitecture", "X86_64"),
            "os": "LINUX" if os_family == "LINUX" else "WINDOWS",
            "ephemeral_gb": float((td.get("ephemeralStorage") or {}).get("sizeInGiB", 20))}


def _quote(lab: Any, operation: str, params: dict[str, Any]) -> Quote | None:
    """Price a call that starts tasks; show it, or refuse it when the projection would pass the budget."""
    book = ledger(lab)
    now = lab.clock.now()
    cluster = params.get("cluster")
    strategy = list(params.get("capacityProviderStrategy") or [])
    if operation == "RegisterScalableTarget":
        if params.get("ScalableDimension") != _SERVICE_DIMENSION or "MaxCapacity" not in params:
            return None
        _, cluster, name = (params["ResourceId"].split("/", 2) + ["", ""])[:3]
        svc = _describe_service(lab, cluster, name)
        key = _service_key(cluster, name)
        count = int(params["MaxCapacity"])
        strategy = list(svc.get("capacityProviderStrategy") or [])
        what, size = f"auto scaling up to {count} task(s) of {key}", _size(lab, svc["taskDefinition"])
    elif operation == "UpdateService":
        if "desiredCount" not in params and "taskDefinition" not in params and not strategy:
            return None  # a setting that leaves what runs, and so the spend, as it is
        svc = _describe_service(lab, cluster, params["service"])
        key = _service_key(cluster, params["service"])
        count = int(params.get("desiredCount", svc.get("desiredCount", 0)))
        strategy = strategy or list(svc.get("capacityProviderStrategy") or [])
        what, size = key, _size(lab, params.get("taskDefinition") or svc["taskDefinition"])
    elif operation == "CreateService":
        key = _service_key(cluster, params["serviceName"])
        count = int(params.get("desiredCount", 1))
        what, size = key, _size(lab, params.get("taskDefinition"))
    else:  # RunTask, StartTask
        count = int(params.get("count", 1)) if operation == "RunTask" else len(params.get("containerInstances", []))
        key = f"{operation} {short_name(cluster or 'default')}"
        what, size = f"{count} new task(s) in cluster {short_name(cluster or 'default')}", _size(
            lab, params.get("taskDefinition"))
    spot = placement.on_spot(count, strategy)
    on_demand = count - spot
    charge = Charge(what=key, on_demand=on_demand, spot=spot, started=now, **size)
    before = book.running().get(key)
    was_hourly = book._budget_charge(before).hourly(lab.region) if before else 0.0
    if operation == "RegisterScalableTarget":
        # Auto scaling may run up to MaxCapacity tasks: the budget must hold for that many.
        count = max(count, before.tasks if before else 0)
        hourly = Charge(what=key, on_demand=count, spot=0, started=now, **size).hourly(lab.region)
        projected = book.spent(now) + (book.hourly(replacing=key) + hourly) * book.planned_hours
        charge = before or Charge(what=key, on_demand=0, spot=0, started=now, **size)
    elif operation in ("RunTask", "StartTask"):
        hourly = charge.hourly(lab.region)
        projected = book.projected(now) + hourly * book.planned_hours
    else:
        hourly = book._budget_charge(charge).hourly(lab.region)
        projected = book.projected(now, charge)
    if operation in ("UpdateService", "RegisterScalableTarget") and hourly <= was_hourly:
        return Quote(charge=charge, hourly=hourly, projected=projected)  # runs less (or the same): no new cost
    option = (f"{spot} on Fargate Spot, counted at the on-demand rate" if spot else "on-demand")
    sized = size_text(size["vcpu"], size["memory_gb"])
    if projected > book.budget_usd:
        refusal = (f"refused {operation} ({what}): {count} task(s) of {sized} cost about ${hourly:.4f} per hour; "
                   f"with what this lab has run and runs, that projects to ${projected:.2f} over "
                   f"{book.planned_hours:g} h, above its budget of ${book.budget_usd:.2f}. Use fewer or smaller "
                   "tasks, lab.teardown() what you no longer need, or connect with a larger budget_usd.")
        say(lab, refusal, show=False)
        raise GuardrailError(refusal)
    say(lab, f"{operation} ({what}): {count} task(s) of {sized} ({option}), about ${hourly:.4f}/hour. This lab "
             f"projects ${projected:.2f} over {book.planned_hours:g} h, within its ${book.budget_usd:.2f} budget.")
    return Quote(charge=charge, hourly=hourly, projected=projected)


def _settle(lab: Any, call: str, params: dict[str, Any], parsed: dict[str, Any], quote: Quote | None) -> None:
    """After AWS accepted a call: record what now runs (or no longer runs) in the ledger."""
    book = ledger(lab)
    now = lab.clock.now()
    if call in ("ecs.RunTask", "ecs.StartTask") and quote is not None:
        c = quote.charge
        for task in parsed.get("tasks", []):
            on_spot = task.get("capacityProviderName") == "FARGATE_SPOT"
            what = f"task {short_name(task.get('clusterArn', 'default'))}/{short_name(task['taskArn'])}"
            book.start(Charge(what=what,
                              vcpu=c.vcpu, memory_gb=c.memory_gb, on_demand=0 if on_spot else 1,
                              spot=1 if on_spot else 0, started=now, arch=c.arch, os=c.os,
                              ephemeral_gb=c.ephemeral_gb))
    elif call in ("ecs.CreateService", "ecs.UpdateService") and quote is not None:
        book.start(quote.charge)
    elif call == "application-autoscaling.RegisterScalableTarget" and quote is not None:
        book.ceilings[quote.charge.what] = int(params["MaxCapacity"])
        if quote.charge.what not in book.running():
            book.start(quote.charge)
    elif call == "application-autoscaling.DeregisterScalableTarget":
        _, cluster, name = (str(params.get("ResourceId", "")).split("/", 2) + ["", ""])[:3]
        book.ceilings.pop(_service_key(cluster, name), None)
    elif call == "ecs.StopTask":
        book.stop(f"task {short_name(params.get('cluster') or 'default')}/{short_name(params['task'])}", now)
    elif call == "ecs.DeleteService":
        key = _service_key(params.get("cluster"), params["service"])
        book.stop(key, now)
        book.ceilings.pop(key, None)
