"""labkit.diagrams: what each picture must contain, who-manages-what colours from the data, the live
architecture read from a mocked account, the fallbacks without Graphviz, and `labkit diagrams --check`."""

from __future__ import annotations

import base64
import copy
import html
import json
import re
import shutil
import types

import graphviz
import pytest

from labkit.cli import main
from labkit.data import facts
from labkit.diagrams import architecture
from labkit.diagrams import static as diagrams
from labkit.diagrams.base import WHO_STYLE, Diagram, content_sha, course_root, package_data_dir
from labkit.errors import InvalidInput, LabkitError
from labkit.lab.doctor import GRAPHVIZ_FIX

HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz `dot` is not installed")
COMMITTED = course_root() / "diagrams"


def edges_of(d: Diagram) -> set[tuple[str, str]]:
    return {(e.tail, e.head) for e in d.edges}


def shown_text(label: str) -> str:
    """The words an HTML-like Graphviz label shows, however its lines are wrapped."""
    return " ".join(re.sub(r"<[^>]+>", " ", label).split())


def colours(who: str) -> tuple[str, str]:
    return WHO_STYLE[who]["fillcolor"], WHO_STYLE[who]["color"]


# ------------------------------------------------------------------------------------------------ workflow
def test_workflow_has_the_four_steps_in_order_each_saying_what_you_and_aws_do():
    d = diagrams.workflow()
    steps = d.of_kind("step")
    assert [n.id for n in steps] == ["step_1", "step_2", "step_3", "step_4"]
    assert [n.label for n in steps] == [
        "1. Build and push your image",
        "2. Define what it needs",
        "3. Deploy on Fargate",
        "4. Pay for what runs",
    ]
    visible = {(e.tail, e.head) for e in d.edges if dict(e.attrs).get("style") != "invis"}
    assert visible == {("step_1", "step_2"), ("step_2", "step_3"), ("step_3", "step_4")}
    # a swimlane: a heading row names the lanes, then each step is a row (title | you | AWS)
    assert "What you do" in d.node("lanes").attr("label") and "What AWS does" in d.node("lanes").attr("label")
    for n in steps:
        assert [who for who, _ in n.parts] == ["you", "aws"]
    you = {n.id: dict(n.parts)["you"] for n in steps}
    aws = {n.id: dict(n.parts)["aws"] for n in steps}
    assert "ECR" in you["step_1"]
    assert all(
        w in you["step_2"] for w in ("CPU", "memory", "networking", "storage", "task definition", "pod spec")
    )
    assert all(w in aws["step_3"] for w in ("provisions", "patches", "scales"))
    assert "Spot" in you["step_4"] and "Savings Plan" in you["step_4"]
    assert facts()["billing"]["billed_on"] in aws["step_4"]
    # the boxes show those words, coloured by who does them
    label = steps[0].attr("label")
    assert WHO_STYLE["you"]["fillcolor"] in label and WHO_STYLE["aws"]["fillcolor"] in label
    assert "ECR" in label


@pytest.mark.parametrize(
    "highlight, number",
    [
        (1, 1),
        (2, 2),
        (3, 3),
        (4, 4),
        ("push", 1),
        ("define", 2),
        ("deploy", 3),
        ("pay", 4),
        (" Deploy ", 3),
        ("4", 4),
    ],
)
def test_highlight_changes_only_the_chosen_steps_style(highlight, number):
    plain, lit = diagrams.workflow(), diagrams.workflow(highlight)
    assert plain.edges == lit.edges
    for a, b in zip(plain.nodes, lit.nodes, strict=True):
        if a.id != f"step_{number}":
            assert a == b
        else:
            assert (a.label, a.parts, a.kind, a.who) == (b.label, b.parts, b.kind, b.who)
            changed = {k for k, v in b.graphviz_attrs().items() if a.graphviz_attrs().get(k) != v}
            assert changed and changed <= {"color", "penwidth"}
    assert "<- highlighted" in str(lit) and "<- highlighted" not in str(plain)


@pytest.mark.parametrize("bad", ["build", "", 0, 5, -1, True, 2.0, None.__class__])
def test_unknown_highlight_is_invalid_input_naming_the_valid_steps(bad):
    with pytest.raises(InvalidInput) as err:
        diagrams.workflow(bad)
    assert isinstance(err.value, ValueError)
    assert all(repr(n) in str(err.value) for n in diagrams.STEP_NAMES) and "1-4" in str(err.value)


# ------------------------------------------------------------------------------------------ EC2 vs Fargate
@pytest.mark.parametrize(
    "cell, who",
    [
        ("Customer", "you"),
        ("Customer (AMI updates)", "you"),
        ("Customer updates the ECS container agent", "you"),
        ("AWS", "aws"),
        ("AWS manages the runtime used to run tasks", "aws"),
        ("AWS ('Fargate also scales')", "aws"),
        ("n/a (customer replaces instances)", "n/a"),
        ("Not applicable \u2014 each task gets its own", "n/a"),
        ("Yes", None),
        ("Supported", None),
        ("Tasks share the instance", None),
        ("AWSome", None),
    ],
)
def test_who_manages_reads_the_first_words_of_a_cell(cell, who):
    assert diagrams.who_manages(cell) == who


def expected_who(cell: str) -> str:
    """The spec, written independently of the code: who a facts-table cell names."""
    first = cell.split()[0].strip("(").lower()
    return {"customer": "you", "aws": "aws", "n/a": "n/a", "not": "n/a"}[first]


def test_each_layer_is_coloured_by_who_manages_it_in_the_data_rows():
    d = diagrams.ec2_vs_fargate()
    rows = {r["area"]: r for r in facts()["shared_responsibility"]}
    layers = d.of_kind("layer")
    assert len(layers) >= 8
    for i, layer in enumerate(layers):
        row = rows[layer.label]
        for side, key in (("ec2", "ec2_launch_type"), ("fargate", "fargate")):
            cell = d.node(f"{side}_{i}")
            who = expected_who(row[key])
            assert cell.who == who
            assert (cell.attr("fillcolor"), cell.attr("color")) == colours(who)
            assert cell.attr("tooltip") == row[key]  # the full data text, on hover
    drawn = {n.label for n in layers}
    # rows that name no manager (isolation, SSH, GPUs, billing) are not layers, but are still mentioned
    for area, row in rows.items():
        if area not in drawn:
            assert (
                diagrams.who_manages(row["fargate"]) is None
                or diagrams.who_manages(row["ec2_launch_type"]) is None
            )
            assert area in str(d)


def test_layers_run_from_the_application_down_to_the_hardware_in_columns():
    d = diagrams.ec2_vs_fargate()
    labels = [n.label for n in d.of_kind("layer")]
    assert labels[0].startswith("Application")
    assert "hardware" in labels[-1]
    assert labels.index("Host OS patching/hardening") < labels.index(
        "Provision/choose servers & instance types"
    )
    # the grid: one row group per layer holding the layer, its EC2 cell and its Fargate cell
    for i in range(len(labels)):
        assert {n.id for n in d.nodes if n.group == f"row_{i}"} == {f"layer_{i}", f"ec2_{i}", f"fargate_{i}"}
    assert d.legend == ("you", "aws", "n/a")


def test_the_picture_follows_the_data(monkeypatch):
    data = copy.deepcopy(facts())
    for row in data["shared_responsibility"]:
        if row["area"].startswith("Host OS"):
            row["fargate"] = "Customer (pretend)"
    data["shared_responsibility"].append(
        {
            "area": "Service mesh sidecars",
            "ec2_launch_type": "Customer",
            "fargate": "AWS",
            "source": "test",
            "as_of": "test",
        }
    )
    monkeypatch.setattr(diagrams, "facts", lambda: data)
    d = diagrams.ec2_vs_fargate()
    by_label = {n.label: n.id for n in d.of_kind("layer")}
    host = by_label["Host OS patching/hardening"].split("_")[1]
    assert d.node(f"fargate_{host}").who == "you"
    new = by_label["Service mesh sidecars"].split("_")[1]
    assert (d.node(f"ec2_{new}").who, d.node(f"fargate_{new}").who) == ("you", "aws")
    assert [n.label for n in d.of_kind("layer")][-1].startswith(
        "Virtualization"
    )  # new rows sit above hardware


# ----------------------------------------------------------------------------------------- orchestrators
def test_orchestrators_over_the_two_compute_options():
    d = diagrams.orchestrators()
    assert {n.id for n in d.of_kind("orchestrator")} == {"ecs", "eks"}
    assert {n.id for n in d.of_kind("compute")} == {"ec2", "fargate"}
    assert {("ecs", "ec2"), ("ecs", "fargate"), ("eks", "ec2"), ("eks", "fargate")} <= edges_of(d)
    assert d.node("ec2").who == "you" and d.node("fargate").who == "aws"
    assert "tasks" in d.node("ecs").attr("label") and "services" in d.node("ecs").attr("label")
    assert "pods" in d.node("eks").attr("label")
    labels = {(e.tail, e.head): e.label for e in d.edges}
    assert (
        labels[("ecs", "fargate")] == "launch type FARGATE"
        and labels[("eks", "fargate")] == "Fargate profile"
    )


# ------------------------------------------------------------------------------------------ pricing
def cost(cpu=0.04048, memory=0.01778, storage=0.0, os_license=0.0, total=None):
    total = cpu + memory + storage + os_license if total is None else total
    return types.SimpleNamespace(cpu=cpu, memory=memory, storage=storage, os_license=os_license, total=total)


def bar_widths(d: Diagram) -> dict[str, int]:
    label = d.node("bars").attr("label")
    rows = re.finditer(
        r'<TR><TD ALIGN="LEFT">([^<]+)</TD><TD><TABLE[^>]*><TR><TD WIDTH="(\d+)"[^>]*BGCOLOR="([^"]+)"', label
    )
    return {m.group(1): int(m.group(2)) for m in rows if m.group(3) != diagrams.BAR_TRACK}


def test_pricing_bars_are_proportional_and_the_parts_add_up():
    c = cost(cpu=3.0, memory=1.0, storage=0.5, os_license=0.5)
    d = diagrams.pricing_breakdown(c)
    w = bar_widths(d)
    assert set(w) == {"vCPU", "Memory", "Storage", "OS licence"}
    assert w["vCPU"] == 3 * w["Memory"] == 6 * w["Storage"] == 6 * w["OS licence"]
    assert sum(w.values()) == diagrams.BAR_WIDTH
    text = str(d)
    assert "vCPU: $3.00 (60.0%)" in text and "Total: $5.00 (= vCPU + Memory + Storage + OS licence)." in text


def test_pricing_small_bills_keep_their_cents_and_linux_hides_the_os_licence():
    d = diagrams.pricing_breakdown(cost())
    assert "OS licence" not in str(d)
    assert "vCPU: $0.0405" in str(d) and "Total: $0.0583" in str(d)


@pytest.mark.parametrize("kwargs, lines", [
    ({}, ["vCPU", "Memory", "Storage"]),
    ({"os": "WINDOWS"}, ["vCPU", "Memory", "Storage", "OS licence"]),
    ({"savings_plan_pct": 20, "ephemeral_gb": 50}, ["vCPU", "Memory", "Storage", "Savings Plan discount"]),
])
def test_pricing_breakdown_of_a_real_cost(kwargs, lines):
    from labkit.pricing import fargate_cost

    c = fargate_cost(2, 4, 3600 * 730, tasks=3, **kwargs)
    d = diagrams.pricing_breakdown(c)
    text = str(d)
    parts = text.splitlines()
    total_at = next(i for i, line in enumerate(parts) if line.startswith("Total:"))
    assert [line[2:].split(":")[0] for line in parts[1:total_at]] == lines
    caveats = parts[total_at + 1:]
    # the Windows rates are disputed in labkit.data: the picture of what they cost says so
    assert bool(caveats) == (kwargs.get("os") == "WINDOWS")
    assert all(line.startswith("Caveat: ") for line in caveats) and ("DISPUTED" in text) == bool(caveats)
    assert f"Total: ${c.total:,.2f}" in text
    assert f"vCPU: ${c.cpu:,.2f}" in text
    if c.savings_plan_discount:
        assert f"Savings Plan discount: -${c.savings_plan_discount:,.2f}" in text
        assert "Adjustments" not in text  # the discount explains the whole difference
    w = bar_widths(d)
    assert abs(w["vCPU"] / diagrams.BAR_WIDTH - c.cpu / (c.cpu + c.memory + c.storage + c.os_license)) < 0.01


def test_pricing_shows_adjustments_when_parts_and_total_differ_and_zero_bills():
    d = diagrams.pricing_breakdown(cost(cpu=1.0, memory=1.0, total=1.4))
    assert "Adjustments" in str(d) and "-$0.60" in str(d)
    z = diagrams.pricing_breakdown(cost(cpu=0.0, memory=0.0))
    assert bar_widths(z) == {} and "Total: $0.00" in str(z)


@pytest.mark.parametrize(
    "bad",
    [
        object(),
        None,
        cost(cpu=-1.0),
        types.SimpleNamespace(cpu="1", memory=1, storage=0, os_license=0, total=1),
    ],
)
def test_pricing_rejects_what_is_not_a_cost(bad):
    with pytest.raises(InvalidInput, match="expected"):
        diagrams.pricing_breakdown(bad)


# ------------------------------------------------------------------------------------------ SVG output
@needs_dot
@pytest.mark.parametrize(
    "make",
    [
        diagrams.workflow,
        diagrams.ec2_vs_fargate,
        diagrams.orchestrators,
        lambda: diagrams.pricing_breakdown(cost()),
    ],
)
def test_svg_is_titled_described_and_deterministic(make):
    a, b = make(), make()
    svg = a.svg()
    assert svg == b.svg()
    assert "Generated by graphviz" not in svg and "graphviz version" not in svg.lower()
    head = svg[svg.index("<svg") :]
    assert re.match(
        r'<svg[^>]* role="img" aria-labelledby="labkit-[\w-]+-title labkit-[\w-]+-desc">\n<title ', head
    )
    assert f">{a.title}</title>" in svg.replace("&amp;", "&")
    assert "<desc id=" in svg and a.description.split(":")[0] in svg
    assert f"labkit-sha256:{content_sha(a.source, a.title, a.description)}" in svg


def test_str_is_the_deterministic_summary():
    for make in (diagrams.workflow, diagrams.ec2_vs_fargate, diagrams.orchestrators):
        assert str(make()) == str(make()) == make().summary
        assert "0x" not in str(make())


# ------------------------------------------------------------------------------------------ no Graphviz
@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """A PATH without Graphviz, as on a laptop that never installed it."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("dot") is None


def one_message(text: str) -> None:
    assert text.count(GRAPHVIZ_FIX) == 1
    assert "Traceback" not in text


def test_static_diagram_without_dot_shows_the_committed_svg_with_one_message(no_dot):
    d = diagrams.workflow()
    bundle = d._repr_mimebundle_()
    assert bundle["image/svg+xml"] == (COMMITTED / "workflow.svg").read_text(encoding="utf-8")
    assert bundle["text/plain"].startswith(d.summary)
    one_message(bundle["text/plain"])
    one_message(bundle["text/html"])
    assert "copy of the picture shipped with the course" in bundle["text/html"]
    assert d._repr_svg_() == bundle["image/svg+xml"]
    with pytest.raises(LabkitError, match="install Graphviz"):
        d.svg()


def test_highlighted_steps_have_their_own_shipped_copies(no_dot):
    for name in diagrams.STEP_NAMES:
        bundle = diagrams.workflow(name)._repr_mimebundle_()
        assert bundle["image/svg+xml"] == (COMMITTED / f"workflow_{name}.svg").read_text(encoding="utf-8")


def test_package_copy_is_used_when_the_course_folder_is_absent(no_dot, monkeypatch, tmp_path):
    import labkit.diagrams.base as base

    monkeypatch.setattr(base, "course_root", lambda: tmp_path)  # an installed package, no clone around it
    bundle = diagrams.orchestrators()._repr_mimebundle_()
    assert bundle["image/svg+xml"] == (package_data_dir() / "orchestrators.svg").read_text(encoding="utf-8")


def test_live_diagram_without_dot_falls_back_to_its_text(no_dot):
    d = diagrams.pricing_breakdown(cost())
    bundle = d._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and d._repr_svg_() is None
    assert "shown as text" in bundle["text/plain"]
    one_message(bundle["text/plain"])
    assert "<pre>" in bundle["text/html"] and "vCPU" in bundle["text/html"]


def test_a_stale_shipped_copy_is_not_shown(no_dot, monkeypatch):
    data = copy.deepcopy(facts())
    data["shared_responsibility"][0]["area"] = "Something else entirely"
    monkeypatch.setattr(diagrams, "facts", lambda: data)
    bundle = diagrams.ec2_vs_fargate()._repr_mimebundle_()
    assert "image/svg+xml" not in bundle and "Something else entirely" in bundle["text/plain"]


def test_graphviz_raising_executable_not_found_is_caught(monkeypatch):
    def missing(*args, **kwargs):
        raise graphviz.ExecutableNotFound(("dot", "-Tsvg"))

    monkeypatch.setattr(graphviz.Source, "pipe", missing)
    bundle = diagrams.ec2_vs_fargate()._repr_mimebundle_()
    assert bundle["image/svg+xml"] == (COMMITTED / "ec2_vs_fargate.svg").read_text(encoding="utf-8")
    one_message(bundle["text/html"])


def test_ipython_formatter_shows_a_diagram_without_dot_and_without_an_error(no_dot, capsys):
    from IPython.core.formatters import DisplayFormatter

    data, _ = DisplayFormatter().format(diagrams.workflow())
    assert "image/svg+xml" in data and "text/html" in data
    data, _ = DisplayFormatter().format(diagrams.pricing_breakdown(cost()))
    assert "image/svg+xml" not in data and "Where the money goes" in data["text/plain"]
    assert capsys.readouterr().err == ""


# ------------------------------------------------------------------------------------- labkit diagrams
def test_committed_diagrams_are_current():
    assert diagrams.check_static() == []
    assert main(["diagrams", "--check"]) == 0


def test_check_fails_when_a_committed_dot_is_out_of_date(tmp_path, capsys):
    copy_dir = tmp_path / "diagrams"
    shutil.copytree(COMMITTED, copy_dir)
    assert main(["diagrams", "--check", "--out", str(copy_dir)]) == 0
    dot = copy_dir / "workflow.dot"
    text = dot.read_text(encoding="utf-8")
    edited = text.replace("What AWS does", "What Amazon does")
    assert edited != text  # the edit really changes the committed file
    dot.write_text(edited, encoding="utf-8")
    assert main(["diagrams", "--check", "--out", str(copy_dir)]) == 1
    err = capsys.readouterr().err
    assert "workflow.dot differs" in err and "make diagrams" in err


def test_check_fails_on_a_missing_or_stray_file_and_a_stale_svg(tmp_path):
    copy_dir = tmp_path / "diagrams"
    shutil.copytree(COMMITTED, copy_dir)
    (copy_dir / "orchestrators.dot").unlink()
    (copy_dir / "old_picture.dot").write_text("digraph {}", encoding="utf-8")
    svg = copy_dir / "workflow.svg"
    svg.write_text(
        re.sub(
            r"labkit-sha256:[0-9a-f]+", "labkit-sha256:" + "0" * 64, svg.read_text(encoding="utf-8")
        ),
        encoding="utf-8",
    )
    problems = diagrams.check_static(copy_dir)
    assert any("orchestrators.dot is missing" in p for p in problems)
    assert any("old_picture.dot is not made by labkit.diagrams" in p for p in problems)
    assert any("workflow.svg is out of date" in p for p in problems)


@needs_dot
def test_regenerating_into_a_folder_writes_dot_and_svg_of_every_static_diagram(tmp_path, capsys):
    assert main(["diagrams", "--out", str(tmp_path)]) == 0
    names = set(diagrams.static_diagrams())
    assert {p.stem for p in tmp_path.glob("*.dot")} == names == {p.stem for p in tmp_path.glob("*.svg")}
    assert diagrams.check_static(tmp_path) == []
    assert main(["diagrams", "--out", str(tmp_path)]) == 0
    assert "up to date" in capsys.readouterr().out
    for name in names:  # the committed DOT is exactly what the code draws
        assert (tmp_path / f"{name}.dot").read_text() == (COMMITTED / f"{name}.dot").read_text()


# ------------------------------------------------------------------------------------ live architecture
SUBNETS = ("10.20.1.0/24", "10.20.2.0/24")
SERVICES = {"api": 8, "web": 7, "worker": 5}  # 3 services, 20 tasks
SPOT = ("web",)


def build(lab, services: dict[str, int], *, owner: str | None = None, spot=(), standalone: int = 0) -> dict:
    """Deploy a network, an image, a cluster and services whose tasks really run, tagged for `owner`.

    The mock Fargate layer starts each service's tasks (group "service:NAME", as ECS marks them); the
    simulated clock is then moved on until they are RUNNING.
    """
    owner = owner or lab.id
    ec2, ecs, ecr = lab.client("ec2"), lab.client("ecs"), lab.client("ecr")
    tags = [{"Key": "labkit:lab", "Value": owner}]
    spec = [{"ResourceType": "vpc", "Tags": [*tags, {"Key": "Name", "Value": f"{owner}-vpc"}]}]
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=spec)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [
        ec2.create_subnet(
            VpcId=vpc, CidrBlock=cidr, AvailabilityZone=f"us-east-1{az}",
            TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}],
        )["Subnet"]["SubnetId"]
        for cidr, az in zip(SUBNETS, "ab", strict=True)
    ]
    sg = ec2.create_security_group(
        GroupName=f"{owner}-web", Description="web", VpcId=vpc,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}],
    )["GroupId"]
    repo = ecr.create_repository(repositoryName=f"{owner}-app", tags=tags)["repository"]
    manifest = {
        "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1,
                   "digest": "sha256:" + "a" * 64},
        "layers": [],
    }
    ecr.put_image(repositoryName=repo["repositoryName"], imageManifest=json.dumps(manifest), imageTag="v1")
    cluster = f"{owner}-cluster"
    ecs.create_cluster(clusterName=cluster, tags=[{"key": "labkit:lab", "value": owner}],
                       capacityProviders=["FARGATE", "FARGATE_SPOT"])
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                     "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]}
    role = lab.client("iam").create_role(RoleName=f"{owner}-exec", AssumeRolePolicyDocument=json.dumps(trust),
                                         Tags=tags)["Role"]["Arn"]
    family = f"{owner}-web"
    ecs.register_task_definition(
        family=family, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
        executionRoleArn=role,
        containerDefinitions=[{"name": "app", "image": f"{repo['repositoryUri']}:v1", "memory": 512,
                               "essential": True}],
    )
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]  # the way out for image pulls
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
    ec2.create_route(RouteTableId=main["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    net = {"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [sg], "assignPublicIp": "ENABLED"}}
    for name, count in services.items():
        capacity = (
            {"capacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]}
            if name in spot else {"launchType": "FARGATE"}
        )
        ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=family, desiredCount=count,
                           networkConfiguration=net, **capacity)
    if standalone:
        ecs.run_task(cluster=cluster, taskDefinition=family, count=standalone, launchType="FARGATE",
                     networkConfiguration=net)
    lab.clock.advance(300)  # past PROVISIONING, PENDING and ACTIVATING: every task RUNNING
    return {"vpc": vpc, "subnets": subnets, "sg": sg, "cluster": cluster, "repo": repo["repositoryName"]}


@pytest.fixture(scope="module")
def deployed():
    """A mock-mode lab running 3 services / 20 tasks, and another lab's resources in the same account."""
    import labkit

    # Two labs sharing one account on purpose: the drawing must keep to the lab's own (tagged) resources.
    with labkit.connect("mock", shared_account=True) as lab, \
            labkit.connect("mock", shared_account=True, lab_id="lab-other") as other:
        made = build(lab, SERVICES, spot=SPOT)
        build(other, {"intruder": 3})
        yield lab, made


def described_tasks(lab, cluster: str) -> list[dict]:
    ecs = lab.client("ecs")
    arns = ecs.list_tasks(cluster=cluster)["taskArns"]
    return ecs.describe_tasks(cluster=cluster, tasks=arns)["tasks"] if arns else []


def eni_details(task: dict) -> dict[str, str]:
    att = next(a for a in task["attachments"] if a["type"] == "ElasticNetworkInterface")
    return {d["name"]: d["value"] for d in att["details"]}


def task_box(d: Diagram, service_label: str) -> str:
    """The id of the box holding a service's tasks: where the service's one visible arrow points."""
    sid = next(n.id for n in d.nodes if n.label == service_label)
    (lhead,) = [dict(e.attrs)["lhead"] for e in d.edges if e.tail == sid and "lhead" in dict(e.attrs)]
    return lhead.removeprefix("cluster_")


def test_architecture_draws_one_eni_per_running_task_in_its_subnet(deployed):
    lab, made = deployed
    d = architecture(lab, max_tasks_per_service=50)  # draw every task
    tasks = described_tasks(lab, made["cluster"])
    assert len(tasks) == sum(SERVICES.values()) == 20
    enis = d.of_kind("eni")
    assert len(enis) == len(d.of_kind("task")) == 20
    by_eni = {n.label.split()[1]: n for n in enis}
    assert len(by_eni) == 20
    groups = {g.id: g for g in d.groups}
    for t in tasks:
        det = eni_details(t)
        node = by_eni[det["networkInterfaceId"]]
        assert det["privateIPv4Address"] in node.label
        cidr = SUBNETS[made["subnets"].index(det["subnetId"])]
        assert cidr in groups[node.group].label  # drawn inside its own subnet
        short = t["taskArn"].rsplit("/", 1)[-1][:8]
        task_node = next(n for n in d.of_kind("task") if n.label.startswith(f"task {short}"))
        assert (task_node.id, node.id) in edges_of(d)
        service = t["group"].split(":", 1)[1]
        assert task_node.group == task_box(d, f"service {service}")  # in its service's box of tasks
    # subnets sit in the lab's VPC, tasks in per-service boxes in the Fargate box, services in the cluster box
    (vpc,) = [g for g in d.groups if g.kind == "vpc"]
    assert "10.20.0.0/16" in vpc.label and f"{lab.id}-vpc" in vpc.label
    assert {g.parent for g in d.groups if g.kind == "subnet"} == {vpc.id}
    boxes = {g.id: g for g in d.groups if g.kind == "task_group"}
    assert {n.group for n in d.of_kind("task")} == set(boxes)
    assert {g.parent for g in boxes.values()} == {"fargate"}
    assert sorted(g.label for g in boxes.values()) == ["api: 8 tasks", "web: 7 tasks", "worker: 5 tasks"]
    (cluster,) = [g for g in d.groups if g.kind == "ecs_cluster"]
    assert made["cluster"] in cluster.label
    assert {n.group for n in d.of_kind("service")} == {cluster.id}
    # the security group: in the VPC, beside the ENIs, and named on each ENI it protects
    (sg,) = d.of_kind("security_group")
    assert f"{lab.id}-web" in sg.label and sg.group == vpc.id
    assert all(f"security group {lab.id}-web" in shown_text(e.attr("label")) for e in enis)
    beside, column = d.same_rank
    assert beside[0] == sg.id and beside[1] in {e.id for e in enis}
    # the ECR repository feeding each service, drawn in the services' column (one column fewer: it fits)
    (repo,) = d.of_kind("repository")
    assert ":v1" in repo.attr("label")
    assert all((repo.id, s.id) in edges_of(d) for s in d.of_kind("service"))
    assert column == (repo.id, *(s.id for s in d.of_kind("service")))


def test_service_counts_match_describe_services(deployed):
    lab, made = deployed
    d = architecture(lab)
    ecs = lab.client("ecs")
    described = ecs.describe_services(cluster=made["cluster"], services=list(SERVICES))["services"]
    assert len(described) == len(d.of_kind("service")) == 3
    for s in described:
        node = next(n for n in d.of_kind("service") if n.label == f"service {s['serviceName']}")
        counts = f"desired {s['desiredCount']} · running {s['runningCount']} · pending {s['pendingCount']}"
        assert counts in node.attr("label")
        assert (
            f"service {s['serviceName']}: desired {s['desiredCount']}, running {s['runningCount']}, "
            f"pending {s['pendingCount']}"
        ) in str(d)


def test_capacity_provider_shows_on_tasks(deployed):
    lab, _ = deployed
    d = architecture(lab, max_tasks_per_service=50)
    for name in SERVICES:
        box = task_box(d, f"service {name}")
        expected = "FARGATE_SPOT" if name in SPOT else "FARGATE"
        tasks = [n for n in d.of_kind("task") if n.group == box]
        assert len(tasks) == SERVICES[name]
        assert all(f">{expected}<" in t.attr("label") for t in tasks)


def test_many_tasks_are_summarised_per_service(deployed):
    lab, _ = deployed
    d = architecture(lab)  # default: at most 6 boxes per service
    boxes = {name: task_box(d, f"service {name}") for name in SERVICES}
    shown = {name: sum(1 for n in d.of_kind("task") if n.group == box) for name, box in boxes.items()}
    assert shown == {"api": 5, "web": 5, "worker": 5}
    mores = {name: [n.label for n in d.of_kind("more") if n.group == box] for name, box in boxes.items()}
    assert mores == {"api": ["+3 more tasks (3 ENIs)"], "web": ["+2 more tasks (2 ENIs)"], "worker": []}
    assert len(d.of_kind("eni")) == 15
    assert "api: desired 8, running 8" in str(d) and "8 tasks running, 8 ENIs" in str(d)


def test_only_the_labs_own_resources_are_drawn(deployed):
    lab, _ = deployed
    d = architecture(lab, max_tasks_per_service=50)
    text = str(d) + d.source
    assert "lab-other" not in text and "intruder" not in text
    assert len(d.of_kind("eni")) == 20 and len(d.of_kind("repository")) == 1
    assert len([g for g in d.groups if g.kind == "vpc"]) == 1  # not the default VPC, not the other lab's


def test_summary_names_no_ids(deployed):
    lab, _ = deployed
    text = str(architecture(lab))
    assert not re.search(r"\b(eni|subnet|vpc|sg)-[0-9a-f]+|arn:|[0-9a-f]{8}-[0-9a-f]{4}", text)
    assert "10.20.1.0/24 (us-east-1a)" in text and "mock mode" in text
    assert str(architecture(lab)) == text


@needs_dot
def test_architecture_of_twenty_tasks_renders(deployed):
    lab, _ = deployed
    svg = architecture(lab).svg()
    assert "+3 more tasks" in svg and svg.count('class="node">\n<title>eni_') == 15
    assert "<desc" in svg and "20 task(s)" in svg


def test_standalone_tasks_are_grouped_apart_from_services(lab):
    build(lab, {"web": 1}, standalone=2)
    d = architecture(lab)
    (group,) = d.of_kind("standalone")
    box = task_box(d, group.label)
    assert sum(1 for n in d.of_kind("task") if n.group == box) == 2
    assert len(d.of_kind("eni")) == 3
    assert "standalone tasks" in str(d)


def test_a_mixed_strategy_a_task_not_yet_running_and_a_named_run_task_group(lab):
    made = build(lab, {"web": 1})
    ecs = lab.client("ecs")
    net = ecs.describe_services(cluster=made["cluster"], services=["web"])["services"][0]["networkConfiguration"]
    strategy = [{"capacityProvider": "FARGATE", "weight": 1, "base": 1},
                {"capacityProvider": "FARGATE_SPOT", "weight": 3}]
    ecs.create_service(cluster=made["cluster"], serviceName="mixed", taskDefinition=f"{lab.id}-web",
                       desiredCount=2, networkConfiguration=net, capacityProviderStrategy=strategy)
    ecs.run_task(cluster=made["cluster"], taskDefinition=f"{lab.id}-web", launchType="FARGATE",
                 networkConfiguration=net, group="batch:nightly")  # the clock has not moved: not running yet
    d = architecture(lab)
    mixed = next(n for n in d.of_kind("service") if n.label == "service mixed")
    label = re.sub(r"<[^>]*>", " ", mixed.attr("label"))  # the label's words, across its wrapped lines
    assert " ".join(label.split()).count("capacity: FARGATE (weight 1, base 1) + FARGATE_SPOT (weight 3)") == 1
    assert "capacity FARGATE (weight 1, base 1) + FARGATE_SPOT (weight 3)" in str(d)
    (nightly,) = d.of_kind("standalone")
    assert nightly.label == "standalone tasks nightly" and "standalone tasks (nightly): 1 task" in str(d)
    (task,) = [n for n in d.of_kind("task") if n.group == task_box(d, nightly.label)]
    assert task.label.endswith("(PROVISIONING)")
    web = [n for n in d.of_kind("task") if n.group == task_box(d, "service web")]
    assert len(web) == 1 and "(" not in web[0].label  # a RUNNING task's label names no status


def test_an_empty_lab_says_nothing_is_deployed(lab):
    d = architecture(lab)
    assert "nothing deployed yet" in str(d) and d.of_kind("note")


@pytest.mark.parametrize("tags, expected", [
    ([{"key": "labkit:lab", "value": "abc"}, {"key": "labkit:course", "value": "x"}], ("labkit:lab", "abc")),
    ([{"Key": "labkit:lab", "Value": "abc"}], ("labkit:lab", "abc")),
    ({"labkit:lab": "abc"}, ("labkit:lab", "abc")),
    ({}, None), (None, None), ([{"key": "other", "value": "abc"}], None),
])
def test_lab_tag_is_read_in_each_spelling(tags, expected):
    from labkit.diagrams.live import lab_tag

    assert lab_tag(types.SimpleNamespace(tags=tags)) == expected


def test_architecture_rejects_what_is_not_a_lab():
    with pytest.raises(InvalidInput, match="labkit.connect"):
        architecture(object())
    with pytest.raises(InvalidInput, match="max_tasks_per_service"):
        architecture(types.SimpleNamespace(client=lambda name: None), max_tasks_per_service=1)


def test_a_changed_copy_of_a_diagram_draws_its_own_source():
    import dataclasses

    d = diagrams.workflow()
    assert d.source  # fills d's cache
    other = dataclasses.replace(d, title="Another title")
    assert "Another title" in other.source and "Another title" not in d.source


# ------------------------------------------------------------------------------------ fitting the notebook
# A lesson's output area at a 1400-px window with JupyterLab's file browser open, as the browser test measures it
# (tests/browser checks every diagram there against the real width). A diagram drawn no wider shows at full size.
OUTPUT_AREA_PX = 968
PX_PER_PT = 96 / 72
FITTED = re.compile(
    r'<div class="labkit-diagram"><img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="([^"]+)" '
    r'style="max-width:100%;height:auto"/></div>'
)


def svg_size_pt(svg: str) -> tuple[float, float]:
    """The width and height the <svg> declares, in points (Graphviz writes them so)."""
    head = svg[svg.index("<svg") : svg.index(">", svg.index("<svg"))]
    width, height = (float(re.search(rf'\b{k}="([\d.]+)pt"', head).group(1)) for k in ("width", "height"))
    return width, height


def lesson_diagrams(lab) -> dict[str, Diagram]:
    """Every kind of diagram the lessons show: the static ones, a price breakdown, a lab's architecture."""
    from labkit.pricing import fargate_cost

    made = {name: make() for name, make in diagrams.static_diagrams().items()}
    made["pricing_breakdown"] = diagrams.pricing_breakdown(fargate_cost(1, 2, 3600, os="WINDOWS"))
    made["architecture"] = architecture(lab)
    return made


@needs_dot
def test_every_diagram_shows_as_html_that_scales_its_svg_down_to_the_output_area(deployed):
    for name, d in lesson_diagrams(deployed[0]).items():
        bundle = d._repr_mimebundle_()
        shown = FITTED.fullmatch(bundle["text/html"])
        assert shown, f"{name}: {bundle['text/html'][:200]}"
        assert base64.b64decode(shown.group(1)).decode("utf-8") == bundle["image/svg+xml"] == d.svg(), name
        assert html.unescape(shown.group(2)) == f"{d.title}: {d.description}"  # what a screen reader says
        # a width and height to show at, and a viewBox, so the picture keeps its proportions when it shrinks
        width, height = svg_size_pt(d.svg())
        view = re.search(r'viewBox="0\.00 0\.00 ([\d.]+) ([\d.]+)"', d.svg())
        assert view and abs(float(view.group(1)) - width) < 1 and abs(float(view.group(2)) - height) < 1, name


@needs_dot
def test_the_lessons_diagrams_are_drawn_to_fit_beside_the_file_browser_at_full_size(deployed):
    # 3 services and 20 tasks (6 drawn per service) in two subnets: a larger lab than any lesson builds
    for name, d in lesson_diagrams(deployed[0]).items():
        width, _ = svg_size_pt(d.svg())
        assert width * PX_PER_PT <= OUTPUT_AREA_PX, f"{name} is {width:.0f} pt wide: it would be shrunk to fit"
