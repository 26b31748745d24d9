"""SigV4 verification against requests signed by botocore (the signer of boto3 and the AWS CLI).

Every tampering must be rejected with IAM's code; the untouched request must be accepted.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import botocore.auth
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from a2c_iam.api.errors import ApiError
from a2c_iam.api.sigv4 import HttpRequest, verify

KEY_ID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TEMP_ID = "ASIAIOSFODNN7EXAMPLE"
TOKEN = "FwoGZXIvYXdzEXAMPLETOKEN"
BODY = b"Action=ListUsers&Version=2010-05-08"
NOW = datetime(2026, 12, 3, 20, 0, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Key:
    secret: str
    session_token: str | None = None
    active: bool = True
    expires_at: datetime | None = None


KEYS = {KEY_ID: Key(SECRET), TEMP_ID: Key(SECRET, TOKEN, expires_at=NOW + timedelta(hours=1))}


def lookup(key_id: str) -> Key | None:
    return KEYS.get(key_id)


@contextmanager
def clock(at: datetime) -> Iterator[None]:
    """botocore reads the clock itself: sign "at" a given moment by pinning what it reads."""
    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda: at.replace(tzinfo=None)
    try:
        yield
    finally:
        botocore.auth.get_current_datetime = original


def to_http(req: AWSRequest) -> HttpRequest:
    parts = urlsplit(req.url)
    body = req.body if isinstance(req.body, bytes) else (req.body or "").encode()
    return HttpRequest(req.method, parts.netloc, parts.path or "/", parts.query,
                       [(k, v) for k, v in req.headers.items()], body)


def signed(region: str = "eu-west-3", service: str = "iam", at: datetime = NOW, key_id: str = KEY_ID,
           token: str | None = None, body: bytes = BODY) -> HttpRequest:
    req = AWSRequest(method="POST", url="http://127.0.0.1:8777/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    with clock(at):
        SigV4Auth(Credentials(key_id, SECRET, token), service, region).add_auth(req)
    return to_http(req)


def presigned(at: datetime = NOW, expires: int = 300) -> HttpRequest:
    req = AWSRequest(method="GET", url="http://127.0.0.1:8777/?Action=GetCallerIdentity&Version=2011-06-15")
    with clock(at):
        SigV4QueryAuth(Credentials(KEY_ID, SECRET), "sts", "us-east-1", expires=expires).add_auth(req)
    return to_http(req)


def reject(request: HttpRequest, code: str, now: datetime = NOW) -> ApiError:
    with pytest.raises(ApiError) as info:
        verify(request, lookup, now)
    assert info.value.code == code, info.value
    return info.value


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-3", "ap-southeast-2"])
@pytest.mark.parametrize("service", ["iam", "sts"])
def test_accepts_botocore_signature_any_region(region: str, service: str) -> None:
    v = verify(signed(region, service), lookup, NOW)
    assert (v.access_key_id, v.region, v.service) == (KEY_ID, region, service)


def test_changed_body_is_rejected() -> None:
    reject(replace(signed(), body=b"Action=DeleteUser&Version=2010-05-08"), "SignatureDoesNotMatch")


def test_changed_signed_header_is_rejected() -> None:
    req = signed()
    headers = [(k, "application/json" if k.lower() == "content-type" else v) for k, v in req.headers]
    reject(replace(req, headers=headers), "SignatureDoesNotMatch")


def test_changed_date_is_rejected() -> None:
    req = signed()
    headers = [(k, "20261203T200101Z" if k.lower() == "x-amz-date" else v) for k, v in req.headers]
    reject(replace(req, headers=headers), "SignatureDoesNotMatch")


def test_changed_region_in_scope_is_rejected() -> None:
    req = signed(region="us-east-1")
    headers = [(k, v.replace("/us-east-1/", "/us-west-2/") if k.lower() == "authorization" else v)
               for k, v in req.headers]
    reject(replace(req, headers=headers), "SignatureDoesNotMatch")


def test_wrong_secret_is_rejected() -> None:
    KEYS["AKIAWRONGSECRET00000"] = Key("not-the-secret")
    try:
        reject(signed(key_id="AKIAWRONGSECRET00000"), "SignatureDoesNotMatch")
    finally:
        del KEYS["AKIAWRONGSECRET00000"]


def test_sixteen_minutes_old_or_ahead_is_rejected_with_iams_text() -> None:
    err = reject(signed(at=NOW - timedelta(minutes=16)), "SignatureDoesNotMatch")
    assert err.message == ("Signature expired: 20261203T194400Z is now earlier than "
                           "20261203T194500Z (20261203T200000Z - 15 min.)")
    err = reject(signed(at=NOW + timedelta(minutes=16)), "SignatureDoesNotMatch")
    assert "20261203T201600Z is still later than 20261203T201500Z (20261203T200000Z + 15 min.)" \
        in err.message
    verify(signed(at=NOW - timedelta(minutes=14)), lookup, NOW)


def test_unknown_deleted_or_inactive_key_is_invalid_client_token() -> None:
    reject(signed(key_id="AKIANOSUCHKEY0000000"), "InvalidClientTokenId")
    KEYS["AKIAINACTIVE00000000"] = Key(SECRET, active=False)
    try:
        reject(signed(key_id="AKIAINACTIVE00000000"), "InvalidClientTokenId")
    finally:
        del KEYS["AKIAINACTIVE00000000"]


def test_session_token_required_and_checked() -> None:
    assert verify(signed(key_id=TEMP_ID, token=TOKEN), lookup, NOW).access_key_id == TEMP_ID
    reject(signed(key_id=TEMP_ID), "InvalidClientTokenId")
    reject(signed(key_id=TEMP_ID, token=TOKEN + "x"), "InvalidClientTokenId")
    reject(signed(key_id=KEY_ID, token=TOKEN), "InvalidClientTokenId")


def test_expired_session_is_expired_token() -> None:
    later = NOW + timedelta(hours=2)
    reject(signed(key_id=TEMP_ID, token=TOKEN, at=later), "ExpiredToken", now=later)


def test_missing_and_incomplete_authorization() -> None:
    bare = HttpRequest("POST", "127.0.0.1", "/", "", [("Content-Type", "x")], BODY)
    assert reject(bare, "MissingAuthenticationToken").status == 403
    partial = replace(bare, headers=[("Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/x"),
                                     ("X-Amz-Date", "20261203T200000Z")])
    err = reject(partial, "IncompleteSignature")
    assert "requires 'SignedHeaders' parameter" in err.message


def test_content_sha256_header_must_match_body() -> None:
    req = signed()
    headers = [*req.headers, ("X-Amz-Content-SHA256", "0" * 64)]
    reject(replace(req, headers=headers), "SignatureDoesNotMatch")


def test_presigned_query_string() -> None:
    v = verify(presigned(), lookup, NOW + timedelta(seconds=10))
    assert v.service == "sts"
    reject(presigned(expires=60), "SignatureDoesNotMatch", now=NOW + timedelta(seconds=120))
    tampered = presigned()
    reject(replace(tampered, query=tampered.query.replace("GetCallerIdentity", "GetSessionToken")),
           "SignatureDoesNotMatch")


def _with_query(request: HttpRequest, name: str, value: str) -> HttpRequest:
    parts = [p if not p.startswith(f"{name}=") else f"{name}={value}"
             for p in request.query.split("&")]
    return replace(request, query="&".join(parts))


def test_presigned_url_lives_at_most_a_week() -> None:
    """SigV4 query authentication: X-Amz-Expires is 1 to 604800 seconds (S3's texts)."""
    week = presigned(expires=604800)
    assert verify(week, lookup, NOW + timedelta(days=6)).service == "sts"
    reject(week, "SignatureDoesNotMatch", now=NOW + timedelta(days=7, seconds=1))
    too_long = ("X-Amz-Expires must be less than a week (in seconds); that is, the given "
                "X-Amz-Expires must be less than 604800 seconds")
    for expires, message in [(604801, too_long), (10**9, too_long), (99999999999999, too_long),
                             (10**20, too_long), (-5, "X-Amz-Expires must be non-negative"),
                             (0, "X-Amz-Expires must be greater than 0")]:
        err = reject(presigned(expires=expires), "AuthorizationQueryParametersError")
        assert (err.message, err.status) == (message, 400), expires
    for text in ["6_0", "%2B60", "%2060", "60.0", "", "abc", "%D9%A1%D9%A2", "9" * 5000]:
        err = reject(_with_query(presigned(expires=60), "X-Amz-Expires", text),
                     "AuthorizationQueryParametersError")
        expected = too_long if text.isdigit() else "X-Amz-Expires should be a number"
        assert err.message == expected, text


@pytest.mark.parametrize("header", ["X-Amz-Content-SHA256", "Authorization", "X-Amz-Security-Token"])
def test_non_ascii_values_are_refused_not_raised(header: str) -> None:
    """Headers arrive as Latin-1 text: a byte over 0x7F is a character compare_digest refuses."""
    req = signed(key_id=TEMP_ID, token=TOKEN)
    if header == "Authorization":
        change = {header: next(v for k, v in req.headers if k == header)[:-2] + "\xe9"}
        code = "SignatureDoesNotMatch"
    else:
        change = {header: "\xe9"}
        code = "SignatureDoesNotMatch" if header.startswith("X-Amz-Content") else \
            "InvalidClientTokenId"
    headers = [(k, v) for k, v in req.headers if k != header] + list(change.items())
    reject(replace(req, headers=headers), code)


def test_non_ascii_query_signature_and_token_are_refused() -> None:
    req = presigned()
    reject(_with_query(req, "X-Amz-Signature", "%C3%A9"), "SignatureDoesNotMatch")
    KEYS["ASIAQUERYTOKEN000000"] = Key(SECRET, TOKEN)
    try:
        tokened = replace(req, query=req.query.replace(KEY_ID, "ASIAQUERYTOKEN000000")
                          + "&X-Amz-Security-Token=%C3%A9")
        reject(tokened, "InvalidClientTokenId")
    finally:
        del KEYS["ASIAQUERYTOKEN000000"]


@pytest.mark.parametrize("host", ["[", "]", "[::1", "[vx.y]", "x/y?z#w", "x:99999", "a@b"])
def test_a_host_no_url_could_have_is_a_mismatch(host: str) -> None:
    req = signed()
    headers = [(k, host if k.lower() == "host" else v) for k, v in req.headers]
    if not any(k.lower() == "host" for k, _ in req.headers):
        headers.append(("Host", host))
    reject(replace(req, host=host, headers=headers), "SignatureDoesNotMatch")


def test_ipv6_host_verifies() -> None:
    req = AWSRequest(method="POST", url="http://[::1]:8777/", data=BODY,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    with clock(NOW):
        SigV4Auth(Credentials(KEY_ID, SECRET), "iam", "us-east-1").add_auth(req)
    assert verify(to_http(req), lookup, NOW).access_key_id == KEY_ID


def test_query_parameters_are_bounded() -> None:
    req = presigned()
    flooded = replace(req, query=req.query + "&a=" * 1000)
    err = reject(flooded, "InvalidQueryParameter")
    assert err.status == 400
