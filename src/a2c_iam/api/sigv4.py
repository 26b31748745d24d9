"""Verification of AWS Signature Version 4, by header or by presigned query string.

The canonical request, string to sign and signature are computed by botocore's own ``SigV4Auth``
(the code that signs every boto3 and AWS CLI request), restricted to the headers the client says
it signed. Verification is therefore exactly as strict as signing, and nothing of the
canonicalisation is written again here. What is ours: parsing the ``Authorization`` header and
the query parameters, the clock-skew window, the session token, and the error codes and texts of
IAM and STS. Signatures are compared in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Protocol
from urllib.parse import parse_qsl, quote

from .errors import ApiError

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
#: SigV4 query authentication: a presigned URL is valid for 1 second to 7 days.
MAX_EXPIRES = 604800
#: Query parameters read from a URL (h11 already bounds its length; this bounds the work).
MAX_QUERY_FIELDS = 1000
SERVICES = frozenset({"iam", "sts"})
_AMZ_DATE = "%Y%m%dT%H%M%SZ"

SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service documentation "
    "for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."
EXPIRED_TOKEN = "The security token included in the request is expired"
MISSING_AUTH = "Request is missing Authentication Token"
EXPIRES_TOO_LONG = (
    "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must "
    f"be less than {MAX_EXPIRES} seconds"
)


class SigningKey(Protocol):
    """What the verifier needs to know of an access key (looked up by its id)."""

    @property
    def secret(self) -> str: ...

    @property
    def session_token(self) -> str | None: ...

    @property
    def active(self) -> bool: ...

    @property
    def expires_at(self) -> datetime | None: ...


KeyLookup = Callable[[str], "SigningKey | None"]


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """The parts of an HTTP request that a signature covers."""

    method: str
    host: str
    path: str
    query: str  # the raw (percent-encoded) query string
    headers: Sequence[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        name = name.lower()
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


@dataclass(frozen=True, slots=True)
class Verified:
    access_key_id: str
    key: SigningKey
    region: str
    service: str
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class _Signed:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str
    amz_date: str
    token: str | None
    presigned: bool
    expires: int | None


def is_signed(request: HttpRequest) -> bool:
    return request.header("authorization") is not None or "X-Amz-Algorithm=" in request.query


def _parse_authorization(value: str, request: HttpRequest) -> _Signed:
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise ApiError("IncompleteSignature", f"Unsupported AWS 'algorithm': '{algorithm}'", 400)
    fields: dict[str, str] = {}
    for part in rest.split(","):
        key, eq, val = part.strip().partition("=")
        if eq:
            fields[key] = val
    missing = [k for k in ("Credential", "SignedHeaders", "Signature") if k not in fields]
    if missing:
        text = " ".join(f"Authorization header requires '{k}' parameter." for k in missing)
        raise ApiError("IncompleteSignature", f"{text} Authorization={value}", 400)
    amz_date = request.header("x-amz-date")
    if amz_date is None:
        raise ApiError(
            "IncompleteSignature",
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            f"Authorization={value}",
            400,
        )
    return _credential(fields["Credential"], fields["SignedHeaders"], fields["Signature"], amz_date,
                       request.header("x-amz-security-token"), presigned=False, expires=None)


def _parse_presigned(params: Mapping[str, str]) -> _Signed:
    if params.get("X-Amz-Algorithm") != ALGORITHM:
        raise ApiError("IncompleteSignature", "Unsupported AWS 'algorithm'", 400)
    need = ("X-Amz-Credential", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Date")
    missing = [k for k in need if k not in params]
    if missing:
        raise ApiError("IncompleteSignature",
                       " ".join(f"AWS query-string parameters must include '{k}'." for k in missing),
                       400)
    expires = _expires(params["X-Amz-Expires"]) if "X-Amz-Expires" in params else None
    return _credential(params["X-Amz-Credential"], params["X-Amz-SignedHeaders"],
                       params["X-Amz-Signature"], params["X-Amz-Date"],
                       params.get("X-Amz-Security-Token"), presigned=True, expires=expires)


def _expires(text: str) -> int:
    """``X-Amz-Expires``: whole seconds, 1 to 7 days (S3's texts for what is not)."""
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise _query_error("X-Amz-Expires should be a number")
    if text.startswith("-"):
        raise _query_error("X-Amz-Expires must be non-negative")
    seconds = int(digits) if len(digits.lstrip("0")) <= len(str(MAX_EXPIRES)) else MAX_EXPIRES + 1
    if seconds > MAX_EXPIRES:
        raise _query_error(EXPIRES_TOO_LONG)
    if seconds < 1:
        raise _query_error("X-Amz-Expires must be greater than 0")
    return seconds


def _query_error(message: str) -> ApiError:
    return ApiError("AuthorizationQueryParametersError", message, 400)


def _equal(given: str, expected: str) -> bool:
    """Constant-time equality of a value from the request (any characters) and ours."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"),
                               expected.encode("utf-8", "surrogatepass"))


def form_pairs(text: str, max_fields: int = MAX_QUERY_FIELDS) -> list[tuple[str, str]]:
    """The decoded pairs of a query string or form body, refused past ``max_fields`` of them.

    The count is checked before anything is decoded, so that a body of many empty fields costs
    a scan, not a parse.
    """
    try:
        return parse_qsl(text, keep_blank_values=True, max_num_fields=max_fields)
    except ValueError as exc:  # "Max number of fields exceeded"
        raise ApiError("InvalidQueryParameter",
                       f"The request has more than {max_fields} parameters.", 400) from exc


def _credential(credential: str, signed_headers: str, signature: str, amz_date: str,
                token: str | None, *, presigned: bool, expires: int | None) -> _Signed:
    parts = credential.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise ApiError("IncompleteSignature", f"Credential should be scoped correctly: {credential}",
                       400)
    key_id, date, region, service, _ = parts
    if service not in SERVICES:
        raise ApiError("SignatureDoesNotMatch",
                       f"Credential should be scoped to correct service: '{service}'. ", 403)
    headers = tuple(h for h in signed_headers.lower().split(";") if h)
    if "host" not in headers:
        raise ApiError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403)
    return _Signed(key_id, date, region, service, headers, signature, amz_date, token, presigned,
                   expires)


def _fmt(moment: datetime) -> str:
    return moment.strftime(_AMZ_DATE)


def _check_clock(signed: _Signed, now: datetime) -> datetime:
    try:
        at = datetime.strptime(signed.amz_date, _AMZ_DATE).replace(tzinfo=UTC)
    except ValueError as exc:
        raise ApiError("IncompleteSignature",
                       f"Date must be in ISO-8601 'basic format'. Got '{signed.amz_date}'.",
                       400) from exc
    if signed.date != signed.amz_date[:8]:
        raise ApiError("SignatureDoesNotMatch",
                       f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                       f"date from HTTP: '{signed.date}' != '{signed.amz_date[:8]}', from "
                       f"'{signed.amz_date}'.", 403)
    if signed.presigned and signed.expires is not None:
        if now > at + timedelta(seconds=signed.expires):
            raise ApiError("SignatureDoesNotMatch",
                           f"Signature expired: {_fmt(at + timedelta(seconds=signed.expires))} is "
                           f"now earlier than {_fmt(now)}", 403)
    elif at < now - MAX_SKEW:
        raise ApiError("SignatureDoesNotMatch",
                       f"Signature expired: {_fmt(at)} is now earlier than {_fmt(now - MAX_SKEW)} "
                       f"({_fmt(now)} - 15 min.)", 403)
    if at > now + MAX_SKEW:
        raise ApiError("SignatureDoesNotMatch",
                       f"Signature not yet current: {_fmt(at)} is still later than "
                       f"{_fmt(now + MAX_SKEW)} ({_fmt(now)} + 15 min.)", 403)
    return at


@lru_cache(maxsize=1)
def _verifier_class() -> type:
    """botocore's signer, told exactly which headers the client signed (made once)."""
    from botocore.auth import SigV4Auth
    from botocore.compat import HTTPHeaders

    class _Verifier(SigV4Auth):
        def __init__(self, credentials: object, service: str, region: str,
                     request: HttpRequest, signed: _Signed) -> None:
            super().__init__(credentials, service, region)
            self._http = request
            self._signed = signed

        def headers_to_sign(self, req: object) -> HTTPHeaders:
            out = HTTPHeaders()
            for name in self._signed.signed_headers:
                value = self._http.header(name)
                if name == "host" and value is None:
                    value = self._http.host
                if value is not None:
                    out[name] = value
            return out

        def signature(self, string_to_sign: str, request: object) -> str:
            # botocore's derivation, with the derived key kept per (secret, day, region,
            # service): it changes once a day, the string to sign every request.
            key = _signing_key(self.credentials.secret_key, self._signed.date,
                               self._region_name, self._service_name)
            return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

    return _Verifier


@lru_cache(maxsize=1024)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """SigV4's ``kSigning`` (the AWS General Reference's derivation), in memory only."""
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def _expected_signature(request: HttpRequest, signed: _Signed, secret: str) -> str:
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    query = request.query
    if signed.presigned:
        query = "&".join(p for p in query.split("&") if not p.startswith("X-Amz-Signature="))
    # The URL gives botocore the path and the query only: the host it signs is the Host header
    # (``headers_to_sign``), so the client's Host is never parsed as part of a URL here.
    url = f"http://localhost{quote(request.path, safe='/~%')}" + (f"?{query}" if query else "")
    aws_request = AWSRequest(method=request.method, url=url, data=request.body)
    for name, value in request.headers:
        aws_request.headers[name] = value
    aws_request.context["timestamp"] = signed.amz_date
    auth = _verifier_class()(Credentials(signed.access_key_id, secret), signed.service,
                             signed.region, request, signed)
    canonical = auth.canonical_request(aws_request)
    return str(auth.signature(auth.string_to_sign(aws_request, canonical), aws_request))


def verify(request: HttpRequest, lookup: KeyLookup, now: datetime | None = None) -> Verified:
    """The verified signer of ``request``; raises ``ApiError`` with IAM's code otherwise."""
    now = now or datetime.now(UTC)
    authorization = request.header("authorization")
    if authorization is not None:
        signed = _parse_authorization(authorization, request)
    elif "X-Amz-Algorithm=" in request.query:
        signed = _parse_presigned(dict(form_pairs(request.query)))
    else:
        raise ApiError("MissingAuthenticationToken", MISSING_AUTH, 403)
    at = _check_clock(signed, now)
    content_hash = request.header("x-amz-content-sha256")
    if content_hash is not None and not _equal(content_hash,
                                               hashlib.sha256(request.body).hexdigest()):
        # The header stands for the body in the canonical request: it must be the body's hash.
        raise ApiError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403)
    key = lookup(signed.access_key_id)
    if key is None or not key.active:
        raise ApiError("InvalidClientTokenId", INVALID_TOKEN, 403)
    if key.session_token is not None:
        if signed.token is None or not _equal(signed.token, key.session_token):
            raise ApiError("InvalidClientTokenId", INVALID_TOKEN, 403)
    elif signed.token is not None:
        raise ApiError("InvalidClientTokenId", INVALID_TOKEN, 403)
    expected = _expected_signature(request, signed, key.secret)
    if not _equal(signed.signature, expected):
        raise ApiError("SignatureDoesNotMatch", SIGNATURE_MISMATCH, 403)
    if key.expires_at is not None and key.expires_at <= now:
        raise ApiError("ExpiredToken", EXPIRED_TOKEN, 403)
    return Verified(signed.access_key_id, key, signed.region, signed.service, at)
