"""Mock and local modes send SigV4's headers without computing the signature (moto reads the credential scope,
never the signature); plain boto3 clients and other signature versions are untouched."""

from __future__ import annotations

from typing import Any

import boto3

import labkit
from labkit.lab import mock_signing


def _headers_of(client: Any, call: str, **params: Any) -> dict[str, str]:
    seen: dict[str, str] = {}

    def keep(request: Any, **_: Any) -> None:
        seen.update({k: v.decode() if isinstance(v, bytes) else v for k, v in request.headers.items()})

    client.meta.events.register("before-send", keep)
    getattr(client, call)(**params)
    return seen


def test_a_mock_labs_requests_carry_the_credential_scope_and_no_computed_signature() -> None:
    with labkit.connect("mock", region="eu-west-1") as lab:
        headers = _headers_of(lab.client("ecs"), "list_clusters")
        scope, signed, signature = headers["Authorization"].split(", ")
        assert scope.startswith("AWS4-HMAC-SHA256 Credential=testing/")
        assert scope.endswith("/eu-west-1/ecs/aws4_request")
        assert signature == "Signature=" + "0" * 64 and signed == "SignedHeaders=host;x-amz-date"
        assert headers["X-Amz-Date"][:8] == scope.split("/")[1]
        # and moto answers in the lab's Region and account, as with a computed signature
        assert lab.client("ecs").create_cluster(clusterName="c")["cluster"]["clusterArn"].startswith(
            f"arn:aws:ecs:eu-west-1:{lab.account_id}:cluster/")


class _Sent(Exception):
    """Raised in place of sending: the request was signed and is about to leave."""


def test_other_clients_and_other_signature_versions_are_left_alone() -> None:
    plain = boto3.client("ecs", region_name="us-east-1", aws_access_key_id="testing",
                         aws_secret_access_key="testing", endpoint_url="http://127.0.0.1:9")
    seen: dict[str, Any] = {}

    def stop(request: Any, **_: Any) -> None:
        seen.update(request.headers)
        raise _Sent()

    plain.meta.events.register("before-send", stop)
    try:
        plain.list_clusters()
    except _Sent:
        pass
    assert "Signature=" in str(seen["Authorization"]) and "0" * 64 not in str(seen["Authorization"])
    assert mock_signing._choose(signature_version="v4a") is None
    assert mock_signing._choose(signature_version="v4") == mock_signing.SIGNATURE_VERSION
