"""Remove everything a lab made, found by its tags (and by what the lab recorded), in dependency order.

Works in every mode through boto3 alone, so it also runs from a new process given only credentials and a
lab id (`labkit teardown --lab ID`). The order is the rows' (`labkit.lab.services`), each service's step in
`labkit/lab/teardown_steps/`: delete the scaling policies and deregister the scalable targets of the lab's
services (Application Auto Scaling), scale services to 0 and delete them, stop tasks (also those already told
to stop, like Spot tasks in their two-minute warning) and wait until they are stopped, so their network
interfaces are gone, delete clusters, deregister and delete task definitions, delete EKS Fargate profiles then
EKS clusters, delete ECR repositories, log groups, security groups, subnets, route tables, internet gateways,
VPCs, IAM roles. Repeating it is safe: what is already gone is skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any

from labkit.errors import InvalidInput
from labkit.lab import services as rows
from labkit.lab.tagging import COURSE, TAG_COURSE, TAG_LAB
from labkit.lab.teardown_steps.run import Run


@dataclass(frozen=True)
class TeardownReport:
    """What a teardown removed (or would remove, in a dry run), and anything it could not remove."""

    lab_id: str
    removed: tuple[tuple[str, str], ...] = ()
    problems: tuple[str, ...] = ()
    dry_run: bool = False

    def counts(self) -> dict[str, int]:
        """How many of each kind, in teardown order (kinds with none are left out)."""
        out: dict[str, int] = {}
        for kind in rows.kinds():
            n = sum(1 for k, _ in self.removed if k == kind.name)
            if n:
                out[kind.name] = n
        return out

    @property
    def ok(self) -> bool:
        return not self.problems

    def __str__(self) -> str:
        counts = self.counts()
        verb = "Would remove" if self.dry_run else "Removed"
        if counts:
            words = {k.name: k.words for k in rows.kinds()}
            parts = [f"{n} {kind if n == 1 else words[kind]}" for kind, n in counts.items()]
            text = f"{verb}: {', '.join(parts)}."
        else:
            text = "Nothing to remove: no resource of this lab was found."
        if self.problems:
            text += "\nCould not remove:\n" + "\n".join(f"  - {p}" for p in self.problems)
        return text


def _tag_pair(lab_id: str | None) -> tuple[str, str]:
    """The tag that marks what to remove: the lab's id, or for "all" (None) the course tag every lab carries."""
    if lab_id is None or lab_id == "all":
        return TAG_COURSE, COURSE
    if not isinstance(lab_id, str) or not lab_id:
        raise InvalidInput(f"lab_id {lab_id!r}: give the id of a lab (as printed by the lab), or 'all'.")
    return TAG_LAB, lab_id


def _client_getter(clients: Any) -> Callable[[str], Any]:
    if hasattr(clients, "client"):
        return clients.client
    if callable(clients):
        return clients
    if isinstance(clients, dict):
        return clients.__getitem__
    raise InvalidInput("teardown_by_tag needs a Lab, a function service_name -> boto3 client, or a dict of "
                       f"clients; got {type(clients).__name__}.")


def _by_kind(recorded: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
    """Recorded (kind, identifier) pairs by kind, each kind as the report words it ("vpc" -> "VPC")."""
    out: dict[str, set[str]] = {}
    for kind, ident in recorded:
        known = rows.kind_named(kind)
        out.setdefault(known.name if known else kind, set()).add(ident)
    return out


def teardown_by_tag(clients: Any, lab_id: str | None = None, dry_run: bool = False,
                    recorded: Iterable[tuple[str, str]] = (),
                    services: Collection[str] | None = None) -> TeardownReport:
    """Delete every resource tagged with `lab_id` ("all" or None: every lab of the course); see module doc.

    `clients` is a Lab, a function `service_name -> boto3 client`, or a dict of clients. `recorded` adds
    (kind, identifier) pairs the lab remembered making, in case a tag is missing. `services` limits the
    search to services known to be the only ones used (None: search them all).
    """
    get = _client_getter(clients)

    def client(name: str) -> Any:
        return get(name) if services is None or name in services else None

    run = Run(tag=_tag_pair(lab_id), dry_run=dry_run, recorded=_by_kind(recorded), client=client,
              gone={k.name: r.teardown.gone for r in rows.ROWS if r.teardown for k in r.teardown.kinds},
              denied={r.name: r.teardown.denied for r in rows.ROWS if r.teardown})
    for row in rows.ROWS:
        if row.teardown is not None and row.teardown.step is not None:
            found = client(row.name)
            if found is not None:
                row.teardown.step(found, run)
    return TeardownReport(lab_id=lab_id or "all", removed=tuple(run.removed), problems=tuple(run.problems),
                          dry_run=dry_run)


def teardown_lab(lab: Any, dry_run: bool = False) -> TeardownReport:
    """Teardown of one Lab object: its tags plus what it recorded."""
    recorded = list(lab.created)
    services = lab.services_in_use()
    if services is not None:
        services = services | {rows.service_of(kind) or "" for kind, _ in recorded}
    return teardown_by_tag(lab, lab.id, dry_run=dry_run, recorded=recorded, services=services)
