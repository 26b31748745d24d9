"""Talking to a live IAM endpoint through boto3, with the errors a person can act on.

``setup`` and ``check --profile`` work against any IAM endpoint: this project's server
(``--endpoint-url``) or AWS itself. What goes wrong in practice is nearly always one of four
things — no credentials, the wrong endpoint, credentials the endpoint does not know, or an
identity that may not call the IAM operation — and a boto3 traceback names none of them plainly.
Every call goes through :meth:`Aws.call` so that each becomes one :class:`LiveError` carrying
AWS's error code, AWS's message and, for an access denial, the permission (``iam:CreateUser``)
that is missing.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

from .errors import A2CError

__all__ = ["MANAGED_PATH", "MANAGED_TAG", "Aws", "CallerIdentity", "LiveError", "decode_document"]

#: The tag on every taggable entity ``setup`` creates. A user, role, policy or instance profile
#: without it was made by someone else and is never changed.
MANAGED_TAG: Final = ("a2c-iam:managed", "true")
#: The path of every entity ``setup`` creates. IAM groups take no tags, so for a group the path
#: is the mark that ``setup`` created it.
MANAGED_PATH: Final = "/a2c-iam/"

_DENIED_CODES: Final = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})
_BAD_KEY_CODES: Final = frozenset(
    {"InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException",
     "ExpiredToken", "InvalidAccessKeyId"}
)


class LiveError(A2CError):
    """A call to the live endpoint failed; ``code`` is AWS's error code (or ours for transport
    failures: ``NoCredentials``, ``ProfileNotFound``, ``EndpointConnectionError``)."""

    def __init__(self, code: str, message: str, *, action: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.action = action


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    """``sts:GetCallerIdentity``: the ARN the endpoint sees, its account and user id."""

    arn: str
    account: str
    user_id: str


def decode_document(value: Any) -> dict[str, Any]:
    """A policy document as a dict: botocore decodes IAM's URL-encoded JSON for most operations,
    but not every endpoint or botocore version does, so a string is decoded here."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        text = value if value.lstrip().startswith("{") else urllib.parse.unquote(value)
        loaded = json.loads(text)
        if isinstance(loaded, dict):
            return loaded
    raise LiveError("MalformedPolicyDocument", "the endpoint returned a policy document that is "
                    "not a JSON object")


class Aws:
    """A boto3 session and its IAM and STS clients for one endpoint.

    Retries are kept to one so that a wrong endpoint fails in seconds, not after botocore's
    back-off; a signature error is never retried anyway.
    """

    def __init__(self, *, profile: str | None = None, endpoint_url: str | None = None,
                 region: str | None = None) -> None:
        import boto3
        from botocore.config import Config
        from botocore.exceptions import ProfileNotFound

        try:
            self.session = boto3.Session(profile_name=profile)
        except ProfileNotFound:
            raise LiveError(
                "ProfileNotFound", f"the profile '{profile}' is in neither the AWS config file nor "
                "the shared credentials file (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE)"
            ) from None
        self.profile = profile
        self.endpoint_url = endpoint_url
        self.region = region or self.session.region_name or "us-east-1"
        config = Config(retries={"total_max_attempts": 2, "mode": "standard"},
                        connect_timeout=5, read_timeout=60)
        self.iam = self.session.client("iam", endpoint_url=endpoint_url, region_name=self.region,
                                       config=config)
        self.sts = self.session.client("sts", endpoint_url=endpoint_url, region_name=self.region,
                                       config=config)

    def call(self, client: Any, operation: str, **params: Any) -> dict[str, Any]:
        """``client.<operation>(**params)`` with every failure turned into a :class:`LiveError`."""
        with self._translated(client, operation):
            result: dict[str, Any] = getattr(client, operation)(**params)
            return result

    def pages(self, client: Any, operation: str, **params: Any) -> Iterator[dict[str, Any]]:
        """The pages of a paginated list operation, with the same error translation."""
        with self._translated(client, operation):
            yield from client.get_paginator(operation).paginate(**params)

    def caller(self) -> CallerIdentity:
        found = self.call(self.sts, "get_caller_identity")
        return CallerIdentity(arn=found["Arn"], account=found["Account"], user_id=found["UserId"])

    def caller_in(self, account: str, why: str, otherwise: str) -> CallerIdentity:
        """The caller, refused (``AccountMismatch``) unless it is in ``account``, the choices':
        setup and check both work in the account of the credentials. ``why`` says what a mismatch
        breaks, ``otherwise`` the way out besides ``--account``."""
        caller = self.caller()
        if caller.account != account:
            raise LiveError(
                "AccountMismatch", f"the credentials are for account {caller.account} but the "
                f"choices name account {account}; {why} (pass --account {caller.account}, or "
                f"{otherwise})"
            )
        return caller

    def _translated(self, client: Any, operation: str) -> _Translate:
        return _Translate(self, client, operation)

    def describe_endpoint(self, client: Any = None) -> str:
        """Where the calls go: ``--endpoint-url``, else the profile's ``endpoint_url`` (botocore
        reads it from the config file, as ``setup --write-profiles`` writes it), else AWS."""
        if self.endpoint_url:
            return self.endpoint_url
        url = str(getattr(getattr(client or self.iam, "meta", None), "endpoint_url", "") or "")
        if url and ".amazonaws.com" not in url:
            return url
        return f"AWS ({self.region})"


class _Translate:
    """Context manager turning botocore's exceptions into :class:`LiveError`."""

    def __init__(self, aws: Aws, client: Any, operation: str) -> None:
        self.aws = aws
        self.client = client
        self.operation = operation

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, exc: BaseException | None, tb: Any) -> None:
        if exc is None or isinstance(exc, LiveError):
            return
        from botocore.exceptions import (
            BotoCoreError,
            ClientError,
            ConnectionClosedError,
            EndpointConnectionError,
            NoCredentialsError,
            PartialCredentialsError,
        )
        from botocore.parsers import ResponseParserError

        service = self.client.meta.service_model.endpoint_prefix
        op_name = self.client.meta.method_to_api_mapping.get(self.operation, self.operation)
        action = f"{service}:{op_name}"
        endpoint = self.aws.describe_endpoint(self.client)
        if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
            raise LiveError(
                "NoCredentials", "no AWS credentials found: pass --profile NAME, or set "
                "AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            ) from None
        if isinstance(exc, (EndpointConnectionError, ConnectionClosedError)):
            raise LiveError(
                "EndpointConnectionError", f"cannot reach the endpoint {endpoint} ({exc}); is the "
                "server running (a2c-iam serve) and is --endpoint-url (or the profile's "
                "endpoint_url) right?"
            ) from None
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "Unknown")
            message = str(error.get("Message") or "")
            if code in _DENIED_CODES:
                raise LiveError(
                    code, f"{message} (the identity lacks the permission {action})", action=action
                ) from None
            if code in _BAD_KEY_CODES:
                raise LiveError(
                    code, f"{message} (the endpoint {endpoint} does not accept "
                    "these credentials)", action=action
                ) from None
            raise LiveError(code, message, action=action) from None
        if isinstance(exc, ResponseParserError):
            raise LiveError(
                "InvalidResponse", f"the endpoint {endpoint} answered {action} "
                "with something that is not an AWS response (is --endpoint-url an IAM endpoint?)",
                action=action,
            ) from None
        if isinstance(exc, BotoCoreError):
            raise LiveError(type(exc).__name__, str(exc), action=action) from None
