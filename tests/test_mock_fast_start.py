"""labkit.mock.fast_start: botocore's data parsed once per process in mock mode, and nothing a learner sees changes.

What a Session shows (regions, partitions, endpoints, a service's operations, shapes, waiters and paginators) is
compared with and without the shared Loader; two labs in two regions still see their own region; moto's own
models keep moto's extras; moto's objects are frozen out of full collections; real mode and a bare `import labkit`
never install it.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import botocore.loaders
import botocore.session
import pytest
from botocore import xform_name

import labkit
from labkit.mock import fast_start

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("ec2", "ecs", "ecr", "iam", "logs", "eks", "elbv2", "application-autoscaling", "cloudwatch", "sts")


@pytest.fixture
def restore() -> Iterator[None]:
    """Leave the process as it was: installed or not."""
    was = fast_start.installed()
    yield
    fast_start.install() if was else fast_start.uninstall()


def what_a_session_shows(region: str = "eu-west-1") -> dict[str, Any]:
    """Everything botocore reads from its data files that a learner (or labkit) can see, from a new Session."""
    session = boto3.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
    seen: dict[str, Any] = {"partitions": session.get_available_partitions(),
                            "services": session.get_available_services()}
    for name in SERVICES:
        client = session.client(name)
        model = client.meta.service_model
        seen[name] = {"regions": session.get_available_regions(name), "endpoint": client.meta.endpoint_url,
                      "operations": list(model.operation_names), "shapes": sorted(model.shape_names),
                      "waiters": client.waiter_names,
                      "paginators": [op for op in model.operation_names if client.can_paginate(xform_name(op))],
                      "api_version": model.api_version}
    return json.loads(json.dumps(seen, default=str))


def test_sessions_see_the_same_with_and_without_the_shared_loader(restore: None) -> None:
    fast_start.uninstall()
    own_loaders = what_a_session_shows()
    fast_start.install()
    shared = what_a_session_shows()
    assert shared == own_loaders
    assert what_a_session_shows() == own_loaders  # a second Session, from what the first one loaded


def test_sessions_share_one_loader_per_search_path(restore: None, monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    fast_start.install()
    first, second = botocore.session.Session(), botocore.session.Session()
    assert first.get_component("data_loader") is second.get_component("data_loader")
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    elsewhere = botocore.session.Session().get_component("data_loader")
    assert elsewhere is not first.get_component("data_loader") and str(tmp_path) in elsewhere.search_paths
    paths = list(boto3.Session()._loader.search_paths)
    for _ in range(20):
        boto3.Session()  # each one appends boto3's data folder to its Loader's search paths
    assert boto3.Session()._loader.search_paths == paths and len(set(paths)) == len(paths)
    fast_start.uninstall()
    assert botocore.session.Session().get_component("data_loader") is not first.get_component("data_loader")
    assert botocore.session.create_loader is botocore.loaders.create_loader and not fast_start.installed()


def test_ec2_model_and_endpoints_are_parsed_once_for_many_sessions(restore: None,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    fast_start.uninstall()
    fast_start.install()
    parsed: list[str] = []
    file_loader = botocore.loaders.Loader.FILE_LOADER_CLASS  # reads kept parses (labkit.mock.kept_models)
    real_load = file_loader.load_file
    monkeypatch.setattr(file_loader, "load_file",
                        lambda self, path: parsed.append(Path(path).name) or real_load(self, path))
    for _ in range(4):
        boto3.Session().get_available_regions("ec2")  # what moto.ec2 does three times when it is imported
    assert parsed.count("endpoints") == 1 and parsed.count("service-2") == 1


def test_two_labs_in_two_regions_see_their_own_region() -> None:
    with labkit.connect("mock", region="eu-west-1") as one, labkit.connect("mock", region="ap-southeast-2") as two:
        assert fast_start.installed()
        for lab, region in ((one, "eu-west-1"), (two, "ap-southeast-2")):
            zones = lab.client("ec2").describe_availability_zones()["AvailabilityZones"]
            assert zones and {z["RegionName"] for z in zones} == {region}
            assert lab.client("ecs").meta.region_name == region
        one.client("ecs").create_cluster(clusterName="only-in-one")
        assert two.client("ecs").list_clusters()["clusterArns"] == []


def test_motos_own_models_keep_motos_extras() -> None:
    """moto's loader (moto.core.loaders) adds moto's extras to what it loads; it does not share botocore's."""
    labkit.connect("mock").teardown()
    from moto.core import utils as moto_utils

    assert fast_start.installed()
    moto_model = moto_utils.get_service_model("ec2")
    boto_model = boto3.Session(region_name="us-east-1").client("ec2").meta.service_model
    assert moto_model is not boto_model and moto_model._service_description is not boto_model._service_description
    assert set(boto_model.operation_names) <= set(moto_model.operation_names)


PROBE = """
import gc, json, sys
import labkit, labkit.deploy, labkit.diagrams, labkit.pricing, labkit.widgets
from labkit.mock import fast_start
state = lambda: [fast_start.installed(), gc.get_freeze_count() > 0]
seen = {"after import": state()}
try:
    labkit.connect("real", budget_usd=1)
except labkit.LabkitError:
    pass
seen["after real connect"] = state()
labkit.connect("mock")
seen["after mock connect"] = state()
print(json.dumps(seen))
"""


def test_only_mock_mode_installs_it() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(PYTHONPATH=str(ROOT), AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull,
               AWS_EC2_METADATA_DISABLED="true")  # no credentials anywhere: real mode refuses before any call
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"after import": [False, False], "after real connect": [False, False],
                                       "after mock connect": [True, True]}


def test_moto_is_loaded_and_frozen_so_full_collections_skip_it(restore: None) -> None:
    fast_start.install()
    assert gc.get_freeze_count() > 50_000 and all(name in sys.modules for name in fast_start.MOTO_MODULES)
    frozen = gc.get_freeze_count()
    garbage = [[]]
    garbage[0].append(garbage)  # a cycle made after the freeze is still collected
    del garbage
    assert gc.collect() >= 1 and gc.get_freeze_count() == frozen
    fast_start.uninstall()
    assert gc.get_freeze_count() == 0


def test_moto_loads_every_model_through_one_loader():
    """moto made a new Loader (listing botocore's 400-odd service folders) for each model it loaded; one serves."""
    from moto.core import utils as moto_utils

    from labkit.mock import fast_start

    was = fast_start.installed()
    fast_start.install()
    try:
        assert moto_utils.create_loader() is moto_utils.create_loader() is fast_start.shared_moto_loader()
        model = moto_utils._load_service_model("ecs", "service-2")
        assert "RunTask" in model["operations"]
    finally:
        if not was:
            fast_start.uninstall()
            assert moto_utils.create_loader() is not moto_utils.create_loader()


def test_instance_type_offerings_are_read_when_asked_and_answer_as_moto_would(lab):
    """moto read 95 offerings files at import; each Region's is now read on first use, with the same answer."""
    from moto.ec2.models.instance_types import INSTANCE_TYPE_OFFERINGS
    from moto.utilities.utils import load_resource

    zones = INSTANCE_TYPE_OFFERINGS["availability-zone"]
    assert "us-east-1" in zones and "eu-west-1" in zones  # every Region is known before any file is read
    got = lab.client("ec2").describe_instance_type_offerings(LocationType="availability-zone")["InstanceTypeOfferings"]
    expected = load_resource("ec2/resources/instance_type_offerings/availability-zone/us-east-1.json")
    assert len(got) == len(expected) > 0
    assert {(o["InstanceType"], o["Location"]) for o in got} == {(o["InstanceType"], o["Location"]) for o in expected}
    assert all(o["LocationType"] == "availability-zone" for o in got)
    assert zones.get("no-such-region", []) == [] and len(dict(zones.items())) == len(zones)


def test_warm_builds_what_first_calls_need_once():
    """What the mock's start built is what a lab's first calls use: they build nothing of it again."""
    from moto.core.utils import get_service_model

    import labkit
    from labkit import mock
    from labkit.mock import fast_start, iam

    mock.start()
    assert fast_start.warm.cache_info().currsize == 1  # the mock's start warmed them
    templates, models = iam.managed_policy_templates.cache_info(), get_service_model.cache_info()
    with labkit.connect("mock") as lab:
        lab.client("ec2").describe_vpcs()  # a new account: its IAM backend and EC2's first answer
    assert iam.managed_policy_templates.cache_info().misses == templates.misses
    assert get_service_model.cache_info().misses <= models.misses + 1  # at most IAM's own model, not EC2's
