"""The service rows (labkit.lab.services) are whole and agree with what reads them and with AWS's own models.

Every service `lab.client()` opens has a row that decides each concern (tags, teardown, IAM, guardrails) or says
why it has none; every name a row gives is an operation, parameter, resource type or error of that service in
botocore's model; every kind teardown reports or a lab records is a row's; the guardrails price and settle the
calls the rows name; and labkit/data/iam-policy.json is the policy the rows make.
"""

from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

import labkit
from labkit.lab import iam_policy, services
from labkit.lab.guardrails import calls
from labkit.lab.tagging import Tagged
from labkit.lab.teardown_steps import ec2 as ec2_step

PACKAGE = Path(labkit.__file__).resolve().parent
STEPS = PACKAGE / "lab" / "teardown_steps"


def service_model(name: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(name)


def row_problems(row: services.Service, model: Any) -> list[str]:
    """What is missing or wrong in one row, checked against its service's botocore model."""
    found: list[str] = []
    has = {"tags": bool(row.tags), "teardown": row.teardown is not None, "iam": bool(row.iam),
           "guards": bool(row.guards.priced or row.guards.settled or row.guards.refused)}
    for concern, present in has.items():
        if present == (concern in row.none):
            found.append(f"{concern}: {'both given and said to be none' if present else 'undecided'}")
    found += [f"none names an unknown concern {c!r}" for c in row.none if c not in services.CONCERNS]
    ops = set(model.operation_names)
    for op, how in row.tags.items():
        found += _tag_problems(model, ops, op, how)
    for st in row.iam:
        found += [f"IAM {st.sid}: {op} is not an operation" for op in st.calls if op not in ops]
        found += [f"IAM {st.sid}: {a!r} is not one named action" for a in st.authorizes if ":" not in a or "*" in a]
        if not st.calls and not st.authorizes:
            found.append(f"IAM {st.sid}: no action")
    guarded = (*row.guards.priced, *row.guards.settled, *row.guards.refused)
    found += [f"guardrails: {op} is not an operation" for op in guarded if op not in ops]
    found += [f"guardrails: {op} is priced but never settled" for op in row.guards.priced
              if op not in row.guards.settled]
    if row.teardown is not None:
        found += _teardown_problems(row, model)
    return found


def _tag_problems(model: Any, ops: set[str], op: str, how: Tagged) -> list[str]:
    if op not in ops:
        return [f"tags: {op} is not an operation"]
    members = model.operation_model(op).input_shape.members
    found = [f"tags: {op} has no parameter {p}" for p in (how.param, *how.defaults) if p not in members]
    if how.style not in ("key", "Key", "dict"):
        found.append(f"tags: {op} has an unknown style {how.style!r}")
    if how.resource_type is not None and how.param in members:
        types = members[how.param].member.members["ResourceType"].enum
        if how.resource_type not in types:
            found.append(f"tags: {op} names resource type {how.resource_type!r}, not one of EC2's")
    return found


def _teardown_problems(row: services.Service, model: Any) -> list[str]:
    td = row.teardown
    assert td is not None
    found = []
    if not td.kinds:
        found.append("teardown: no kind")
    if (td.step is None) == (not td.within):
        found.append("teardown: give a step, or the service whose step removes these kinds (within)")
    if td.within and (td.within not in services.NAMES or services.row(td.within).teardown is None
                      or services.row(td.within).teardown.step is None):
        found.append(f"teardown: within={td.within!r} names no service with a step")
    if not td.gone or not td.denied:
        found.append("teardown: say which error codes mean already gone, and which mean no access")
    errors = {e.name for e in model.error_shapes} | {e.metadata.get("error", {}).get("code")
                                                     for e in model.error_shapes}
    if errors:  # EC2 models no errors; its codes are checked by the teardown tests
        found += [f"teardown: {code} is not an error of {row.name}" for code in td.gone if code not in errors]
    return found


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    return {name: service_model(name) for name in services.NAMES}


def test_every_service_a_lab_opens_has_a_whole_row(lab: Any, models: dict[str, Any]) -> None:
    for name in services.NAMES:
        client = lab.client(name)
        assert client.meta.service_model.service_name == name  # the hooks find the row by this name
        assert row_problems(services.row(name), client.meta.service_model) == [], name
    with pytest.raises(labkit.InvalidInput, match="this course uses application-autoscaling, ecs"):
        lab.client("s3")
    assert len(set(services.NAMES)) == len(services.NAMES)


@pytest.mark.parametrize(("change", "problem"), [
    ({"tags": {"CreateNothing": Tagged("tags", "key")}}, "CreateNothing is not an operation"),
    ({"tags": {"CreateCluster": Tagged("Tags", "Key")}}, "CreateCluster has no parameter Tags"),
    ({"tags": {"CreateCluster": Tagged("tags", "key", defaults={"Path": "/x/"})}}, "has no parameter Path"),
    ({"tags": {}}, "tags: undecided"),
    ({"none": {"tags": "nothing"}}, "tags: both given"),
    ({"teardown": None}, "teardown: undecided"),
    ({"iam": (services.Statement("X", calls=("RunTasks",)),)}, "RunTasks is not an operation"),
    ({"iam": (services.Statement("X", authorizes=("ecs:*",)),)}, "not one named action"),
    ({"guards": services.Guards(priced=("RunTask",))}, "RunTask is priced but never settled"),
    ({"guards": services.Guards(refused={"LaunchRocket": "why"})}, "LaunchRocket is not an operation"),
])
def test_the_row_check_finds_a_broken_row(models: dict[str, Any], change: dict[str, Any], problem: str) -> None:
    broken = dataclasses.replace(services.row("ecs"), **change)
    assert any(problem in p for p in row_problems(broken, models["ecs"])), row_problems(broken, models["ecs"])


def test_the_row_check_finds_broken_teardown_and_ec2_tags(models: dict[str, Any]) -> None:
    ecs = services.row("ecs")
    assert ecs.teardown is not None
    no_step = dataclasses.replace(ecs, teardown=dataclasses.replace(ecs.teardown, step=None))
    assert any("give a step" in p for p in row_problems(no_step, models["ecs"]))
    wrong_code = dataclasses.replace(ecs, teardown=dataclasses.replace(ecs.teardown, gone=frozenset({"NoSuchEntity"})))
    assert any("NoSuchEntity is not an error of ecs" in p for p in row_problems(wrong_code, models["ecs"]))
    ec2 = dataclasses.replace(services.row("ec2"), tags={"CreateVpc": Tagged("TagSpecifications", "Key", "vcp")})
    assert any("'vcp', not one of EC2's" in p for p in row_problems(ec2, models["ec2"]))


def _literal_kinds(path: Path, method: str) -> set[str]:
    """First arguments of `<anything>.<method>("literal", ...)` calls in one module."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == method
                and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            out.add(node.args[0].value)
    return out


def test_every_kind_a_step_reports_is_its_rows_and_every_rows_kind_is_reported() -> None:
    # a step's module reports its row's kinds and those of rows whose resources go `within` that step; a module
    # that is no row's step (a helper such as scaling.py) reports only kinds of such rows
    def within(name: str | None) -> set[str]:
        return {k.name for r in services.ROWS if r.teardown and r.teardown.within and name in (None, r.teardown.within)
                for k in r.teardown.kinds}

    allowed: dict[Path, set[str]] = {}
    for row in services.ROWS:
        if row.teardown is not None and row.teardown.step is not None:
            allowed[Path(row.teardown.step.__code__.co_filename)] = {k.name for k in row.teardown.kinds} | within(
                row.name)
    assert len(allowed) == sum(1 for r in services.ROWS if r.teardown and r.teardown.step)  # a module per step
    reported: set[str] = set()
    for path in sorted(STEPS.glob("*.py")):
        kinds = _literal_kinds(path, "attempt") | _literal_kinds(path, "done")
        assert kinds <= allowed.get(path, within(None)), (path.name, sorted(kinds - allowed.get(path, within(None))))
        assert kinds or path not in allowed, f"{path.name} is a step that reports nothing"
        reported |= kinds
    assert reported == {k.name for k in services.kinds()}


def test_every_kind_a_lab_records_is_a_rows() -> None:
    recorded = set().union(*(_literal_kinds(p, "record") for p in PACKAGE.rglob("*.py")))
    assert {"vpc", "subnet", "role", "task definition", "service", "task"} <= recorded
    assert [k for k in sorted(recorded) if services.kind_named(k) is None] == []
    assert services.service_of("vpc") == services.service_of("VPC") == "ec2"


def test_what_a_lab_records_while_deploying_is_known_to_teardown(lab: Any) -> None:
    from labkit import deploy

    network = deploy.ensure_network(lab)
    td = deploy.register_task(lab, "web", deploy.push_image(lab, "web"), cpu=256, memory=512, port=80)
    deploy.deploy_service(lab, deploy.ensure_cluster(lab), "web", td, desired_count=1, network=network)
    assert lab.created and [k for k, _ in lab.created if services.kind_named(k) is None] == []


def test_ec2_teardown_searches_the_tagged_types_and_reports_the_rows_kinds() -> None:
    ec2 = services.row("ec2")
    assert ec2.teardown is not None
    assert set(ec2_step.KIND_OF_TYPE) <= {t.resource_type for t in ec2.tags.values()}
    assert set(ec2_step.KIND_OF_TYPE.values()) == {k.name for k in ec2.teardown.kinds}


def test_the_guardrails_price_and_settle_the_calls_the_rows_name() -> None:
    priced = {f"{r.name}.{op}" for r in services.ROWS for op in r.guards.priced}
    settled = {f"{r.name}.{op}" for r in services.ROWS for op in r.guards.settled}
    assert priced == set(calls.ASKS)
    assert settled == set(calls.SETTLES)


def test_the_policy_file_is_the_one_the_rows_make() -> None:
    assert iam_policy.path().read_text(encoding="utf-8") == iam_policy.text(), \
        "labkit/data/iam-policy.json differs from the service rows: run `python -m labkit.lab.iam_policy`"
    sids = [st["Sid"] for st in iam_policy.policy()["Statement"]]
    assert len(sids) == len(set(sids))


def test_the_policy_changes_with_the_rows_and_is_rewritten(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    target = tmp_path / "iam-policy.json"
    assert iam_policy.write(target) and not iam_policy.write(target)
    sts = services.row("sts")
    more = services.Statement("WhoAmI", calls=("GetCallerIdentity", "GetSessionToken"))
    changed = dataclasses.replace(sts, iam=(more,))
    monkeypatch.setattr(services, "ROWS", tuple(changed if r is sts else r for r in services.ROWS))
    assert iam_policy.text() != target.read_text(encoding="utf-8")
    assert iam_policy.write(target)
    who = next(st for st in json.loads(target.read_text())["Statement"] if st["Sid"] == "WhoAmI")
    assert who["Action"] == ["sts:GetCallerIdentity", "sts:GetSessionToken"]
