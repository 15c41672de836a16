"""labkit.fargate: task sizes, the task-definition rules Fargate enforces, and EKS Pod sizing."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labkit.data import facts
from labkit.errors import InvalidInput
from labkit.fargate import (
    Problem,
    check_task_definition,
    eks_pod_size,
    is_valid_size,
    min_platform_version,
    parse_cpu,
    parse_memory,
    problems,
    size_hint,
    smallest_size_for,
    valid_sizes,
)

ROWS = facts()["task_sizes"]["rows"]
WINDOWS_CPU = facts()["task_sizes"]["windows_cpu"]
UNITS = facts()["units"]["cpu_units_per_vcpu"]
MIB = facts()["units"]["mib_per_gb"]
ROLE = "arn:aws:iam::123456789012:role/ecsTaskExecutionRole"
ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1"


def linux_td(**changes: Any) -> dict[str, Any]:
    """A task definition Fargate accepts; tests change one thing at a time."""
    td: dict[str, Any] = {
        "family": "web",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {"name": "web", "image": "nginx", "essential": True, "portMappings": [{"containerPort": 80}]}
        ],
    }
    td.update(changes)
    return td


def windows_td(**changes: Any) -> dict[str, Any]:
    td = linux_td(
        cpu="1024",
        memory="2048",
        runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"},
    )
    td.update(changes)
    return td


def container(**fields: Any) -> dict[str, Any]:
    return {"name": fields.pop("name", "app"), "image": "nginx", **fields}


def rules(td: Any, **kwargs: Any) -> list[str]:
    return [p.rule for p in problems(td, **kwargs)]


# ---------------------------------------------------------------- sizes


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"cpu{r['cpu']}")
def test_every_documented_size_is_valid(row: dict[str, Any]) -> None:
    for memory in row["memory"]:
        assert is_valid_size(row["cpu"], memory)
        assert (row["cpu"], memory) in valid_sizes()
        notes = [f"it needs Linux platform version {row['min_platform_version']} or later"] * bool(
            row["min_platform_version"]) + ([row["label"]] if row.get("label") else [])
        assert size_hint(row["cpu"], memory).endswith(
            "is a valid Fargate size for LINUX" + (f" ({'; '.join(notes)})." if notes else "."))


def _outside(row: dict[str, Any]) -> list[int]:
    """Memory values next to a row's valid ones: below the minimum, above the maximum, between steps."""
    values = row["memory"]
    step = min(b - a for a, b in zip(values, values[1:], strict=False))
    candidates = {values[0] - 1, values[0] - step, values[-1] + 1, values[-1] + step}
    candidates |= {a + (b - a) // 2 for a, b in zip(values, values[1:], strict=False)}
    return sorted(c for c in candidates if c > 0 and c not in values)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"cpu{r['cpu']}")
def test_memory_just_outside_each_row_is_invalid(row: dict[str, Any]) -> None:
    for memory in _outside(row):
        assert not is_valid_size(row["cpu"], memory), memory
        hint = size_hint(row["cpu"], memory)
        assert hint.startswith(f"memory {memory} MiB is not valid with {row['cpu']} CPU units;")


@pytest.mark.parametrize("cpu", [128, 255, 257, 300, 1000, 3072, 65536])
def test_cpu_values_that_are_not_fargate_sizes(cpu: int) -> None:
    assert not any(is_valid_size(cpu, m) for m in (512, 1024, 2048, 8192))
    assert size_hint(cpu, 2048).startswith(
        f"cpu {cpu} CPU units is not a Fargate size; choose 256 (0.25 vCPU)"
    )


def test_size_hint_matches_the_style_guide_example() -> None:
    assert size_hint(256, 8192).startswith(
        "memory 8192 MiB is not valid with 256 CPU units; with 0.25 vCPU choose 512, 1024 or 2048 MiB."
    )
    assert "smallest size with at least 8192 MiB is 1024 CPU units (1 vCPU)" in size_hint(256, 8192)


def test_size_hint_describes_stepped_ranges() -> None:
    assert "choose 2048 to 8192 MiB in steps of 1024 MiB (2 to 8 GB)" in size_hint(1024, 9000)


def test_windows_sizes_are_the_linux_rows_for_1_2_and_4_vcpu() -> None:
    expected = [(r["cpu"], m) for r in ROWS if r["cpu"] in WINDOWS_CPU for m in r["memory"]]
    assert valid_sizes("WINDOWS") == expected
    assert {c for c, _ in valid_sizes("WINDOWS")} == set(WINDOWS_CPU)
    assert not is_valid_size(256, 512, "WINDOWS")
    assert is_valid_size(256, 512, "LINUX")
    assert "for Windows" in size_hint(512, 1024, "WINDOWS")


@pytest.mark.parametrize("family", facts()["windows"]["os_families"] + ["windows", "Windows"])
def test_windows_family_names_mean_windows(family: str) -> None:
    assert valid_sizes(family) == valid_sizes("WINDOWS")


@pytest.mark.parametrize("family", ["WINDOWS_SERVER_2025_FULL", "WINDOWS_SERVER_2025_CORE"])
def test_windows_2025_is_refused_with_the_reason(family: str) -> None:
    with pytest.raises(InvalidInput, match="UNCONFIRMED"):
        valid_sizes(family)


@pytest.mark.parametrize("os_name", ["MACOS", "", None, 3])
def test_unknown_os_is_invalid_input(os_name: Any) -> None:
    with pytest.raises(InvalidInput, match="expected 'LINUX', 'WINDOWS'"):
        valid_sizes(os_name)


def test_valid_sizes_are_sorted_and_unique() -> None:
    sizes = valid_sizes()
    assert sizes == sorted(set(sizes))


@pytest.mark.parametrize(
    ("cpu", "memory", "expected"),
    [
        (1, 1, (256, 512)),
        (256, 600, (256, 1024)),
        (256, 4096, (512, 4096)),
        ("1 vCPU", "9 GB", (2048, 9216)),
        (4096, 30721, (8192, 32768)),
    ],
)
def test_smallest_size_for(cpu: Any, memory: Any, expected: tuple[int, int]) -> None:
    assert smallest_size_for(cpu, memory) == expected
    assert expected in valid_sizes()


def test_smallest_size_for_too_big_names_the_largest() -> None:
    biggest = ROWS[-1]
    with pytest.raises(InvalidInput, match=f"the largest is {biggest['cpu']} CPU units"):
        smallest_size_for(biggest["cpu"] * 2, 1024)


def test_smallest_size_for_windows_respects_windows_cpu() -> None:
    assert smallest_size_for(256, 512, "WINDOWS")[0] == min(WINDOWS_CPU)


@pytest.mark.parametrize("row", ROWS, ids=lambda r: f"cpu{r['cpu']}")
def test_min_platform_version(row: dict[str, Any]) -> None:
    assert min_platform_version(row["cpu"]) == row["min_platform_version"]


def test_min_platform_version_of_an_invalid_cpu() -> None:
    with pytest.raises(InvalidInput, match="not a Fargate size"):
        min_platform_version(300)


# ---------------------------------------------------------------- string forms and bad input


@pytest.mark.parametrize(
    ("value", "units"),
    [
        (256, 256),
        ("256", 256),
        ("1 vCPU", UNITS),
        ("1 vcpu", UNITS),
        ("1vCPU", UNITS),
        ("0.25 vcpu", UNITS // 4),
        (".25 vCpu", UNITS // 4),
        ("2 vCPUs", 2 * UNITS),
        (" 512 ", 512),
        (1024.0, 1024),
        ("16 vCPU", 16 * UNITS),
    ],
)
def test_parse_cpu_forms(value: Any, units: int) -> None:
    assert parse_cpu(value) == units


@pytest.mark.parametrize(
    ("value", "mib"),
    [
        (512, 512),
        ("512", 512),
        ("2 GB", 2 * MIB),
        ("2GB", 2 * MIB),
        ("0.5 GB", MIB // 2),
        ("1 gb", MIB),
        ("4GiB", 4 * MIB),
        ("512 MiB", 512),
        (2048.0, 2048),
    ],
)
def test_parse_memory_forms(value: Any, mib: int) -> None:
    assert parse_memory(value) == mib


BAD = [
    0,
    -1,
    -256,
    float("nan"),
    float("inf"),
    True,
    False,
    None,
    "",
    "lots",
    "1 GHz",
    [256],
    {"cpu": 1},
    "0.3 vCPU",
    1.5,
    "-1 vCPU",
    object(),
]


def _id(value: Any) -> str:
    """A stable test id (a bare object's repr has its address, which differs between xdist workers)."""
    return "object()" if type(value) is object else repr(value)



@pytest.mark.parametrize("value", BAD, ids=_id)
def test_parse_cpu_rejects_bad_input_helpfully(value: Any) -> None:
    with pytest.raises(InvalidInput, match="expected CPU units such as 256") as err:
        parse_cpu(value)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("value", BAD[:-3] + ["0.1 GB", "2 TB", -512, 0.5], ids=_id)
def test_parse_memory_rejects_bad_input_helpfully(value: Any) -> None:
    with pytest.raises(InvalidInput, match="expected MiB such as 512") as err:
        parse_memory(value)
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize(("cpu", "memory"), [(None, 512), (256, None), ("x", 512), (True, 512)])
def test_size_functions_raise_invalid_input_on_bad_values(cpu: Any, memory: Any) -> None:
    for call in (is_valid_size, size_hint, smallest_size_for):
        with pytest.raises(InvalidInput):
            call(cpu, memory)


# ---------------------------------------------------------------- task definitions Fargate accepts


def test_a_plain_linux_task_definition_is_accepted() -> None:
    assert problems(linux_td()) == []
    assert check_task_definition(linux_td()) == []


def test_a_full_task_definition_with_role_logs_and_ecr_is_accepted() -> None:
    td = linux_td(
        executionRoleArn=ROLE,
        cpu="1 vCPU",
        memory="2 GB",
        ephemeralStorage={"sizeInGiB": 50},
        pidMode="task",
        containerDefinitions=[
            container(
                name="web",
                image=ECR_IMAGE,
                cpu=512,
                memory=1024,
                memoryReservation=512,
                portMappings=[{"containerPort": 80, "hostPort": 80}],
                logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "/web"}},
                linuxParameters={"capabilities": {"add": ["SYS_PTRACE"]}, "initProcessEnabled": True},
            ),
            container(name="sidecar", cpu=512, memoryReservation=1024, privileged=False),
        ],
    )
    assert problems(td, platform_version="LATEST") == []


def test_a_windows_task_definition_is_accepted() -> None:
    assert problems(windows_td()) == []
    assert problems(windows_td(), platform_version="1.0.0") == []


def test_an_arm64_task_definition_is_accepted() -> None:
    td = linux_td(
        runtimePlatform={"operatingSystemFamily": "LINUX", "cpuArchitecture": "ARM64"},
        cpu="2048",
        memory="4096",
    )
    assert problems(td) == []
    assert problems(td, platform_version="1.4.0") == []


def test_container_totals_equal_to_the_task_are_accepted() -> None:
    assert facts()["limits"]["container_sum_may_equal_task"]["value"] is True
    td = linux_td(
        containerDefinitions=[
            container(name="a", cpu=128, memory=256),
            container(name="b", cpu=128, memory=256),
        ]
    )
    assert problems(td) == []


def test_describe_task_definition_output_is_read() -> None:
    described = {
        "taskDefinition": dict(
            linux_td(networkMode="bridge"), revision=3, status="ACTIVE", compatibilities=["EC2"]
        ),
        "tags": [],
    }
    assert rules(described) == ["network-mode"]


def test_describe_output_nulls_count_as_unset() -> None:
    td = linux_td(
        containerDefinitions=[
            container(
                dnsServers=None, links=[], privileged=None, linuxParameters=None, dockerSecurityOptions=[]
            )
        ]
    )
    assert problems(td) == []


def test_ec2_only_task_definitions_are_not_checked_for_ec2() -> None:
    td = linux_td(requiresCompatibilities=["EC2"], networkMode="bridge", cpu="300")
    assert problems(td, launch_type="EC2") == []
    assert "network-mode" in rules(td)  # but running it on FARGATE would fail


def test_fargate_in_requires_compatibilities_is_checked_even_for_ec2() -> None:
    td = linux_td(requiresCompatibilities=["EC2", "FARGATE"], networkMode="bridge")
    assert rules(td, launch_type="EC2") == ["network-mode"]
    assert rules(td, launch_type=None) == ["network-mode"]


# ---------------------------------------------------------------- one rule at a time

LINUX_PARAMS = facts()["unsupported_parameters"]["linux_parameters"]
CONTAINER_PARAMS = facts()["unsupported_parameters"]["container"]
LIMIT = facts()["limits"]["containers_per_task_definition"]["value"]
STORAGE = facts()["limits"]["ephemeral_storage"]

SINGLE_RULE_CASES: list[tuple[str, dict[str, Any], str, str]] = [
    # (case id, task definition, rule, field)
    ("gpu", linux_td(containerDefinitions=[container(resourceRequirements=[{"type": "GPU", "value": "1"}])]),
     "unsupported-parameter", "containerDefinitions[0].resourceRequirements[0]"),
    ("size-memory", linux_td(memory="8192"), "invalid-size", "memory"),
    ("size-cpu", linux_td(cpu="300"), "invalid-size", "cpu"),
    ("size-cpu-text", linux_td(cpu="a lot"), "invalid-size", "cpu"),
    ("size-memory-text", linux_td(memory="a lot"), "invalid-size", "memory"),
    ("missing-cpu", {k: v for k, v in linux_td().items() if k != "cpu"}, "missing-task-cpu", "cpu"),
    (
        "missing-memory",
        {k: v for k, v in linux_td().items() if k != "memory"},
        "missing-task-memory",
        "memory",
    ),
    ("bridge", linux_td(networkMode="bridge"), "network-mode", "networkMode"),
    (
        "no-network-mode",
        {k: v for k, v in linux_td().items() if k != "networkMode"},
        "network-mode",
        "networkMode",
    ),
    (
        "container-memory",
        linux_td(containerDefinitions=[container(memory=1024)]),
        "container-memory-sum",
        "containerDefinitions[0].memory",
    ),
    (
        "container-memory-total",
        linux_td(
            containerDefinitions=[container(name="a", memory=300), container(name="b", memoryReservation=300)]
        ),
        "container-memory-sum",
        "containerDefinitions",
    ),
    (
        "container-cpu",
        linux_td(containerDefinitions=[container(cpu=512)]),
        "container-cpu-sum",
        "containerDefinitions[0].cpu",
    ),
    (
        "container-cpu-total",
        linux_td(containerDefinitions=[container(name="a", cpu=200), container(name="b", cpu=100)]),
        "container-cpu-sum",
        "containerDefinitions",
    ),
    (
        "reservation",
        linux_td(containerDefinitions=[container(memory=256, memoryReservation=300)]),
        "memory-reservation",
        "containerDefinitions[0].memory",
    ),
    (
        "too-many",
        linux_td(containerDefinitions=[container(name=f"c{i}") for i in range(LIMIT + 1)]),
        "too-many-containers",
        "containerDefinitions",
    ),
    ("no-containers", linux_td(containerDefinitions=[]), "no-containers", "containerDefinitions"),
    *[
        (
            f"container-{p}",
            linux_td(containerDefinitions=[container(**{p: True})]),
            "unsupported-parameter",
            f"containerDefinitions[0].{p}",
        )
        for p in CONTAINER_PARAMS
    ],
    *[
        (
            f"linux-{p}",
            linux_td(containerDefinitions=[container(linuxParameters={p: [{"x": 1}]})]),
            "unsupported-parameter",
            f"containerDefinitions[0].linuxParameters.{p}",
        )
        for p in LINUX_PARAMS
    ],
    (
        "capability",
        linux_td(
            containerDefinitions=[
                container(linuxParameters={"capabilities": {"add": ["SYS_PTRACE", "NET_ADMIN"]}})
            ]
        ),
        "unsupported-parameter",
        "containerDefinitions[0].linuxParameters.capabilities.add[1]",
    ),
    ("ipc-mode", linux_td(ipcMode="host"), "unsupported-parameter", "ipcMode"),
    (
        "placement",
        linux_td(placementConstraints=[{"type": "memberOf", "expression": "x"}]),
        "unsupported-parameter",
        "placementConstraints",
    ),
    ("pid-host", linux_td(pidMode="host"), "unsupported-parameter", "pidMode"),
    (
        "storage-low",
        linux_td(ephemeralStorage={"sizeInGiB": STORAGE["min_gib"] - 1}),
        "ephemeral-storage",
        "ephemeralStorage.sizeInGiB",
    ),
    (
        "storage-high",
        linux_td(ephemeralStorage={"sizeInGiB": STORAGE["max_gib"] + 1}),
        "ephemeral-storage",
        "ephemeralStorage.sizeInGiB",
    ),
    (
        "storage-text",
        linux_td(ephemeralStorage={"sizeInGiB": "30"}),
        "ephemeral-storage",
        "ephemeralStorage.sizeInGiB",
    ),
    (
        "awslogs",
        linux_td(containerDefinitions=[container(logConfiguration={"logDriver": "awslogs"})]),
        "execution-role-awslogs",
        "executionRoleArn",
    ),
    (
        "ecr",
        linux_td(containerDefinitions=[container(image=ECR_IMAGE)]),
        "execution-role-ecr",
        "executionRoleArn",
    ),
    (
        "port",
        linux_td(containerDefinitions=[container(portMappings=[{"containerPort": 80, "hostPort": 8080}])]),
        "port-mapping",
        "containerDefinitions[0].portMappings[0].hostPort",
    ),
    (
        "arm64-windows",
        windows_td(
            runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2019_FULL", "cpuArchitecture": "ARM64"}
        ),
        "arm64-windows",
        "runtimePlatform.cpuArchitecture",
    ),
    ("windows-size", windows_td(cpu="512", memory="1024"), "windows-size", "cpu"),
    (
        "windows-storage",
        windows_td(ephemeralStorage={"sizeInGiB": 30}),
        "ephemeral-storage",
        "ephemeralStorage",
    ),
    (
        "windows-2025",
        windows_td(runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2025_CORE"}),
        "os-family",
        "runtimePlatform.operatingSystemFamily",
    ),
    (
        "os-unknown",
        linux_td(runtimePlatform={"operatingSystemFamily": "MACOS"}),
        "os-family",
        "runtimePlatform.operatingSystemFamily",
    ),
    (
        "arch-unknown",
        linux_td(runtimePlatform={"cpuArchitecture": "RISCV"}),
        "cpu-architecture",
        "runtimePlatform.cpuArchitecture",
    ),
]


@pytest.mark.parametrize(
    ("td", "rule", "field"), [c[1:] for c in SINGLE_RULE_CASES], ids=[c[0] for c in SINGLE_RULE_CASES]
)
def test_each_rule_alone(td: dict[str, Any], rule: str, field: str) -> None:
    found = problems(td)
    assert [(p.rule, p.field) for p in found] == [(rule, field)]
    problem = found[0]
    assert problem.code == "ClientException"
    assert problem.message and problem.hint and problem.message != problem.hint
    assert check_task_definition(td) == [problem.message]


@pytest.mark.parametrize(
    ("td", "message"),
    [
        (linux_td(networkMode="bridge"), "Fargate only supports network mode \u2018awsvpc\u2019."),
        (linux_td(cpu="300"), "Invalid 'cpu' setting for task."),
        (
            linux_td(memory="8192"),
            "No Fargate configuration exists for given values: 256 CPU, 8192 memory. "
            "See the Amazon ECS documentation for the valid values.",
        ),
        (
            {k: v for k, v in linux_td().items() if k != "cpu"},
            "Fargate requires that 'cpu' be defined at the task level.",
        ),
        (
            {k: v for k, v in linux_td().items() if k != "memory"},
            "Fargate requires that 'memory' be defined at the task level.",
        ),
        (
            linux_td(containerDefinitions=[container(logConfiguration={"logDriver": "awslogs"})]),
            "Fargate requires task definition to have execution role ARN to support log driver awslogs.",
        ),
        (
            linux_td(containerDefinitions=[container(image=ECR_IMAGE)]),
            "Fargate requires task definition to have execution role ARN to support ECR images.",
        ),
        (
            linux_td(containerDefinitions=[container(name="worker", memory=1024)]),
            "The 'memory' setting for container 'worker' is greater than for the task.",
        ),
        (linux_td(ipcMode="host"), "Tasks using the Fargate launch type do not support ipcMode."),
    ],
)
def test_messages_are_awss_words(td: dict[str, Any], message: str) -> None:
    assert check_task_definition(td) == [message]


def test_the_size_hint_teaches_the_fix() -> None:
    [problem] = problems(linux_td(memory="8192"))
    assert problem.hint == size_hint(256, 8192)


def test_string_sizes_in_a_task_definition_are_understood() -> None:
    assert problems(linux_td(cpu="0.25 vCPU", memory="0.5 GB")) == []
    assert problems(linux_td(cpu=512, memory=1024)) == []


def test_several_problems_are_all_reported() -> None:
    td = linux_td(
        networkMode="host",
        memory="8192",
        containerDefinitions=[container(privileged=True, logConfiguration={"logDriver": "awslogs"})],
    )
    assert set(rules(td)) == {
        "network-mode",
        "invalid-size",
        "unsupported-parameter",
        "execution-role-awslogs",
    }


def test_problem_text_form() -> None:
    [problem] = problems(linux_td(networkMode="bridge"))
    assert isinstance(problem, Problem)
    assert str(problem) == f"{problem.message}\n  networkMode: {problem.hint}"
    assert "'bridge'" in problem.hint


# ---------------------------------------------------------------- platform versions (a run-time concern)


@pytest.mark.parametrize(
    ("td", "version", "what"),
    [
        (linux_td(cpu="8192", memory="16384"), "1.3.0", "8192 CPU units"),
        (linux_td(runtimePlatform={"cpuArchitecture": "ARM64"}), "1.3.0", "ARM64"),
        (linux_td(ephemeralStorage={"sizeInGiB": 30}), "1.3.0", "ephemeralStorage"),
    ],
)
def test_features_that_need_platform_1_4_0(td: dict[str, Any], version: str, what: str) -> None:
    assert problems(td) == []
    [problem] = problems(td, platform_version=version)
    assert problem.rule == "platform-version"
    assert problem.message.startswith(f"{what} requires platform version 1.4.0")
    assert problems(td, platform_version="LATEST") == []


@pytest.mark.parametrize("version", ["1.2.0", "9.9.9"])
def test_retired_or_unknown_platform_versions(version: str) -> None:
    [problem] = problems(linux_td(), platform_version=version)
    assert problem.rule == "platform-version"
    assert ("retired" in problem.hint) == (version in facts()["platform_versions"]["deprecated_linux"])


def test_windows_platform_versions_are_separate() -> None:
    assert rules(windows_td(), platform_version="1.4.0") == ["platform-version"]


# ---------------------------------------------------------------- bad task definitions raise InvalidInput


@pytest.mark.parametrize("td", [None, "task.json", 42, ["cpu", "256"]], ids=repr)
def test_a_task_definition_that_is_not_a_dict(td: Any) -> None:
    with pytest.raises(InvalidInput, match="must be a dict"):
        problems(td)
    with pytest.raises(ValueError):
        check_task_definition(td)


@pytest.mark.parametrize(
    "td",
    [
        linux_td(containerDefinitions="web"),
        linux_td(containerDefinitions=["web"]),
        linux_td(requiresCompatibilities="FARGATE"),
        linux_td(runtimePlatform="LINUX"),
        linux_td(containerDefinitions=[container(memory="lots")]),
        linux_td(containerDefinitions=[container(cpu=[1])]),
        linux_td(containerDefinitions=[container(linuxParameters="x")]),
    ],
    ids=[
        "containers-str",
        "container-str",
        "compat-str",
        "platform-str",
        "memory-str",
        "cpu-list",
        "linux-str",
    ],
)
def test_malformed_parts_name_the_field(td: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        problems(td)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-10, 5000) | st.floats(allow_nan=True) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
KEYS = st.sampled_from(
    [
        "cpu",
        "memory",
        "networkMode",
        "containerDefinitions",
        "runtimePlatform",
        "ephemeralStorage",
        "executionRoleArn",
        "requiresCompatibilities",
        "pidMode",
        "ipcMode",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(KEYS, JSON, max_size=6),
    st.lists(
        st.dictionaries(
            st.sampled_from(
                [
                    "name",
                    "image",
                    "cpu",
                    "memory",
                    "memoryReservation",
                    "linuxParameters",
                    "logConfiguration",
                    "portMappings",
                    "privileged",
                ]
            ),
            JSON,
            max_size=4,
        ),
        max_size=3,
    ),
)
def test_any_input_gives_problems_or_invalid_input(td: dict[str, Any], containers: list[Any]) -> None:
    td = copy.deepcopy(td)
    td.setdefault("containerDefinitions", containers)
    try:
        found = problems(td)
    except InvalidInput:
        return
    assert all(isinstance(p, Problem) for p in found)


# ---------------------------------------------------------------- EKS Pods

EKS = facts()["eks"]


def test_eks_documented_example() -> None:
    example = EKS["documented_example"]
    request = {"cpu": str(example["request"]["cpu"] // UNITS), "memory": f"{example['request']['memory']}Mi"}
    assert eks_pod_size([request]) == (example["provisioned"]["cpu"], example["provisioned"]["memory"])
    assert eks_pod_size([{"cpu": "1", "memory": "8Gi"}]) == (2048, 9216)


def test_eks_no_requests_gets_the_default_size() -> None:
    default = (EKS["default_size"]["cpu"], EKS["default_size"]["memory"])
    assert eks_pod_size([{}]) == default
    assert eks_pod_size([{"name": "app", "image": "nginx"}]) == default
    assert eks_pod_size([]) == default


@pytest.mark.parametrize(
    ("containers", "init", "expected"),
    [
        ([{"cpu": "250m", "memory": "256Mi"}], (), (256, 512)),
        ([{"cpu": "500m", "memory": "1Gi"}], (), (512, 2048)),
        ([{"cpu": "250m", "memory": "512Mi"}, {"cpu": "250m", "memory": "512Mi"}], (), (512, 2048)),
        ([{"cpu": "250m", "memory": "256Mi"}], [{"cpu": "2", "memory": "1Gi"}], (2048, 4096)),
        ([{"cpu": "1", "memory": "6Gi"}], [{"cpu": "500m", "memory": "7Gi"}], (1024, 8192)),
        ([{"cpu": 0.5, "memory": "1G"}], (), (512, 2048)),
        ([{"cpu": "0.5", "memory": "1000M"}], (), (512, 2048)),
        ([{"resources": {"requests": {"cpu": "4", "memory": "16Gi"}}}], (), (4096, 17408)),
        ([{"resources": {"limits": {"cpu": "250m", "memory": "128Mi"}}}], (), (256, 512)),
        ([{"memory": "2Gi"}], (), (512, 3072)),
        ([{"cpu": "1"}], (), (1024, 2048)),
    ],
)
def test_eks_pod_sizes(containers: list[Any], init: Any, expected: tuple[int, int]) -> None:
    assert eks_pod_size(containers, init) == expected
    sizes = {(r["cpu"], m) for r in EKS["sizes"] for m in r["memory"]}
    assert expected in sizes


def test_eks_overhead_can_force_a_bigger_vcpu() -> None:
    cpu, memory = eks_pod_size([{"cpu": "1", "memory": "8Gi"}])
    assert cpu == 2 * UNITS and memory > 8 * MIB


def test_eks_too_big_names_the_largest_size() -> None:
    with pytest.raises(InvalidInput, match="largest EKS Fargate size is 16 vCPU"):
        eks_pod_size([{"cpu": "17", "memory": "1Gi"}])
    with pytest.raises(InvalidInput, match="largest EKS Fargate size"):
        eks_pod_size([{"cpu": "1", "memory": "121Gi"}])


@pytest.mark.parametrize(
    "containers",
    [
        [{"cpu": "lots"}],
        [{"memory": "1Gb"}],
        [{"cpu": True}],
        [{"cpu": "-1"}],
        ["web"],
        "web",
        {"cpu": "1"},
        [{"resources": {"requests": "1"}}],
        [{"cpu": float("nan")}],
    ],
    ids=repr,
)
def test_eks_bad_input(containers: Any) -> None:
    with pytest.raises(InvalidInput):
        eks_pod_size(containers)
