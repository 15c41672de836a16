"""Requests to the simulated AWS (mock and local modes) carry SigV4's headers without computing the signature.

moto reads a request's Region and access key from its `Authorization` header (the credential scope) and never
checks the signature, so hashing the canonical request and deriving the signing key (about a fifth of a small
call's time in mock mode, on every call a lesson makes) bought nothing. `use_for(client)` has the client sign
with `auth_class()` wherever botocore would sign with plain SigV4: the same headers, with the credential scope
botocore would use and a signature of zeros. Real mode never uses it: AWS checks signatures.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

SIGNATURE_VERSION = "labkit-mock-v4"
_ZEROS = "0" * 64


@functools.cache
def auth_class() -> type:
    """`MockSigV4Auth`, registered with botocore under SIGNATURE_VERSION (botocore is imported only then)."""
    from botocore import auth

    class MockSigV4Auth(auth.SigV4Auth):  # type: ignore[misc]
        """SigV4's headers (X-Amz-Date, Authorization with the credential scope), without the signature's hashing."""

        def add_auth(self, request: Any) -> None:
            if self.credentials is None:
                raise auth.NoCredentialsError()
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime(auth.SIGV4_TIMESTAMP)
            request.context["timestamp"] = stamp
            for name in ("X-Amz-Date", "Authorization", "X-Amz-Security-Token"):
                if name in request.headers:
                    del request.headers[name]
            request.headers["X-Amz-Date"] = stamp
            if self.credentials.token:
                request.headers["X-Amz-Security-Token"] = self.credentials.token
            scope = f"{stamp[:8]}/{self._region_name}/{self._service_name}/aws4_request"
            request.headers["Authorization"] = (
                f"AWS4-HMAC-SHA256 Credential={self.credentials.access_key}/{scope}, "
                f"SignedHeaders=host;x-amz-date, Signature={_ZEROS}")

    auth.AUTH_TYPE_MAPS.setdefault(SIGNATURE_VERSION, MockSigV4Auth)
    return MockSigV4Auth


def _choose(signature_version: Any = None, **_: Any) -> str | None:
    """botocore's choose-signer event: plain SigV4 becomes the mock's; anything else is left as it is."""
    return SIGNATURE_VERSION if signature_version == "v4" else None


def use_for(client: Any) -> None:
    """Have `client` (talking to the simulated AWS) sign the cheap way."""
    auth_class()
    client.meta.events.register("choose-signer", _choose)
