"""labkit.connect and Lab: modes, clients, tags, clock, isolation, reset, bill, teardown."""

from __future__ import annotations

import pytest

import labkit
from labkit.errors import GuardrailError, InvalidInput


def test_connect_mock_gives_clients_in_its_own_account(lab):
    assert lab.mode == "mock" and lab.region == "us-east-1"
    assert lab.client("sts").get_caller_identity()["Account"] == lab.account_id
    assert lab.client("ecs") is lab.client("ecs")


def test_repr_and_str_name_mode_region_and_id():
    with labkit.connect("mock", lab_id="demo-1") as lab:
        assert repr(lab) == "Lab(mode='mock', region='us-east-1', id='demo-1')"
        assert str(lab) == "Lab demo-1 (mock mode, us-east-1)"


def test_default_lab_id_is_short_and_unique():
    with labkit.connect() as a, labkit.connect() as b:
        assert len(a.id) == 6 and a.id != b.id


def test_tags_in_each_spelling(lab):
    assert lab.tags == [{"key": "labkit:lab", "value": lab.id}, {"key": "labkit:course", "value": "fargate-lab-kit"}]
    assert lab.tag_list("Key")[0] == {"Key": "labkit:lab", "Value": lab.id}
    assert lab.tag_list("dict") == {"labkit:lab": lab.id, "labkit:course": "fargate-lab-kit"}
    with pytest.raises(InvalidInput, match="style"):
        lab.tag_list("KEY")


@pytest.mark.parametrize("bad", [{"mode": "cloud"}, {"region": "mars-1"}, {"lab_id": "Has Spaces"}, {"lab_id": "all"}])
def test_bad_connect_arguments_are_invalid_input(bad):
    args = {"mode": "mock", **bad}
    with pytest.raises(InvalidInput):
        labkit.connect(args.pop("mode"), **args)


def test_mode_defaults_to_the_environment(monkeypatch):
    monkeypatch.setenv("LABKIT_MODE", "mock")
    with labkit.connect() as lab:
        assert lab.mode == "mock"


def test_unknown_service_is_refused_with_the_list(lab):
    with pytest.raises(InvalidInput, match="ecs"):
        lab.client("s3x")


def test_real_mode_needs_a_budget():
    with pytest.raises(GuardrailError, match="budget"):
        labkit.connect("real")


def test_real_mode_plumbing_uses_the_endpoint(monkeypatch):
    """Real mode's clients are plain boto3 with the given endpoint (pointed here at a local labkit server)."""
    from labkit.lab import local

    url = local.find_endpoint()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    lab = labkit.connect("real", budget_usd=5, endpoint_url=url)
    assert lab.client("ecs").meta.endpoint_url == url
    assert lab.account_id == "123456789012"
    assert lab.clock.kind == "wall"
    with pytest.raises(InvalidInput):
        lab.clock.advance(10)
    with pytest.raises(InvalidInput, match="mock and local"):
        lab.interrupt_spot("labkit")


def test_clock_moves_only_when_advanced(lab):
    start = lab.clock.now()
    assert lab.clock.now() == start
    assert (lab.clock.advance(90) - start).total_seconds() == 90
    with pytest.raises(InvalidInput):
        lab.clock.advance(-1)


def test_two_labs_do_not_see_each_other():
    with labkit.connect() as a, labkit.connect() as b:
        assert a.account_id != b.account_id
        a.client("ecs").create_cluster(clusterName="mine")
        assert b.client("ecs").list_clusters()["clusterArns"] == []
        b.clock.advance(100)
        assert a.clock.elapsed == 0


def test_shared_account_labs_see_each_other():
    with labkit.connect(shared_account=True) as a, labkit.connect(shared_account=True) as b:
        assert a.account_id == b.account_id == "123456789012"
        a.client("ecs").create_cluster(clusterName="shared-demo", tags=a.tags)
        assert any(arn.endswith("/shared-demo") for arn in b.client("ecs").list_clusters()["clusterArns"])
        with pytest.raises(InvalidInput, match="shared"):
            a.reset()


def test_reset_wipes_this_lab_only():
    with labkit.connect() as a, labkit.connect() as b:
        a.client("ecs").create_cluster(clusterName="x")
        b.client("ecs").create_cluster(clusterName="y")
        a.clock.advance(50)
        a.reset()
        assert a.client("ecs").list_clusters()["clusterArns"] == []
        assert len(b.client("ecs").list_clusters()["clusterArns"]) == 1
        assert a.clock.elapsed == 0


def test_context_manager_tears_down():
    with labkit.connect() as lab:
        lab.client("ecs").create_cluster(clusterName="temp", tags=lab.tags)
        ecs = lab.client("ecs")
    assert ecs.list_clusters()["clusterArns"] == []
