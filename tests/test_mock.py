"""labkit.mock: one layer applied once, accounts per lab, a version check, and the safety net."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from labkit import mock
from labkit.mock import versions


def test_apply_is_idempotent():
    from moto.ecs.models import EC2ContainerServiceBackend

    mock.apply()
    before = EC2ContainerServiceBackend.run_task
    mock.apply()
    assert EC2ContainerServiceBackend.run_task is before


def test_other_moto_version_warns_plainly(monkeypatch):
    monkeypatch.setattr(versions, "moto_mismatch", lambda: "moto 9.9 is installed, but labkit wants 5.2.5")
    with pytest.warns(RuntimeWarning, match="moto 9.9.*make setup"):
        mock.warn_if_moto_differs()


def test_pinned_moto_does_not_warn(recwarn):
    mock.warn_if_moto_differs()
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_accounts_first_default_then_others_and_reused_after_release():
    mock.start()
    first = mock.allocate_account()
    second = mock.allocate_account()
    try:
        assert first == mock.DEFAULT_ACCOUNT and second != first and len(second) == 12
    finally:
        mock.release_account(second)
        mock.release_account(first)
    assert mock.allocate_account() == mock.DEFAULT_ACCOUNT
    mock.release_account(mock.DEFAULT_ACCOUNT)


def test_disabled_restores_the_layer():
    with mock.disabled():
        assert not mock.enabled()
    assert mock.enabled()


def test_raw_python_error_in_an_ecs_call_becomes_a_client_exception(lab, monkeypatch):
    from moto.ecs.models import EC2ContainerServiceBackend

    def broken(self, *args, **kwargs):
        raise TypeError("unsupported operand type(s)")

    with monkeypatch.context() as patched, pytest.raises(ClientError) as caught:
        patched.setattr(EC2ContainerServiceBackend, "list_clusters", broken)
        lab.client("ecs").list_clusters()
    error = caught.value.response["Error"]
    assert error["Code"] == "ClientException"
    assert "labkit's mock could not handle this ListClusters request (TypeError" in error["Message"]


@pytest.mark.parametrize(("service", "backend", "method", "call", "code"), [
    ("elbv2", "moto.elbv2.models.ELBv2Backend", "describe_load_balancers", "describe_load_balancers",
     "ValidationError"),
    ("cloudwatch", "moto.cloudwatch.models.CloudWatchBackend", "list_metrics", "list_metrics",
     "InvalidParameterValue"),
    ("application-autoscaling", "moto.applicationautoscaling.models.ApplicationAutoscalingBackend",
     "describe_scalable_targets", "describe_scalable_targets", "ValidationException"),
])
def test_raw_python_errors_of_the_production_services_become_their_own_errors(lab, monkeypatch, service, backend,
                                                                             method, call, code):
    import importlib

    module, _, name = backend.rpartition(".")

    def broken(self, *args, **kwargs):
        raise KeyError("nothing")

    kwargs = {"ServiceNamespace": "ecs"} if service == "application-autoscaling" else {}
    with monkeypatch.context() as patched, pytest.raises(ClientError) as caught:
        patched.setattr(getattr(importlib.import_module(module), name), method, broken)
        getattr(lab.client(service), call)(**kwargs)
    error = caught.value.response["Error"]
    assert error["Code"] == code
    assert "labkit's mock could not handle this" in error["Message"] and "(KeyError" in error["Message"]


def test_aws_managed_policies_are_in_every_account_and_each_account_keeps_its_own_attachments():
    import json

    import labkit

    arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                "Principal": {"Service": "ecs-tasks.amazonaws.com"}}]})
    with labkit.connect() as mine, labkit.connect() as theirs:
        iam, other = mine.client("iam"), theirs.client("iam")
        iam.create_role(RoleName="exec", AssumeRolePolicyDocument=trust)
        iam.attach_role_policy(RoleName="exec", PolicyArn=arn)
        assert iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
        assert other.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"] == 0
        version = other.get_policy_version(PolicyArn=arn, VersionId=other.get_policy(
            PolicyArn=arn)["Policy"]["DefaultVersionId"])["PolicyVersion"]
        actions = {a for st in version["Document"]["Statement"] for a in st["Action"]}
        assert "ecr:GetAuthorizationToken" in actions and "logs:PutLogEvents" in actions
        assert len(other.list_policies(Scope="AWS", MaxItems=1000)["Policies"]) == 1000
        iam.detach_role_policy(RoleName="exec", PolicyArn=arn)
        iam.delete_role(RoleName="exec")
