"""The ASGI app: IAM and STS over the AWS query protocol, every call signed and authorised.

Per request: form parameters → the service from the SigV4 credential scope → ``sigv4.verify``
(keys looked up through the backend, secrets decrypted in memory only) → the caller resolved →
``backend.invoke`` (which authorises ``service:Operation`` with the engine, then runs the operation
in one transaction) → XML. Every failure leaves as one ``<ErrorResponse>`` with AWS's code; an
unexpected exception is logged with its request id and answered ``ServiceFailure`` (500) without
details, never a traceback.

The backend is anything with the ``Backend`` methods (``IdentityService`` in production, a fake in
unit tests). The clock is injectable so that tests can let temporary credentials expire without
waiting: the same clock decides the signature's 15-minute window and the credentials' expiry.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import unquote_plus

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..identity.errors import IdentityError
from ..store.errors import WouldBlock
from . import awsquery, sigv4
from .errors import ApiError, not_implemented, validation_error

log = logging.getLogger("a2c_iam.api.access")
failures = logging.getLogger("a2c_iam.api")

SERVICE_FAILURE = (
    "The request processing has failed because of an unknown error, exception or failure."
)
MAX_BODY = 1024 * 1024  # IAM's largest documents are a few KB; a megabyte bounds memory
#: How much of an oversized body is read (and dropped) so that the client gets the 413 answer.
DRAIN_LIMIT = 16 * MAX_BODY
#: Form fields read from a body (IAM's largest inputs, 50 tags or a simulation's lists, need a
#: few hundred to a few thousand); past this the request is refused before it is decoded.
MAX_FORM_FIELDS = 10_000
#: ``Action=`` in a raw form, as far as an operation name can go (read before the signature is
#: checked, without decoding the rest of the form).
_ACTION = re.compile(rb"(?:^|&)Action=([^&]{1,%d})(?=&|$)" % awsquery.MAX_ACTION)


class Backend(Protocol):
    """What the app needs of the identity service (``a2c_iam.identity.IdentityService``)."""

    def lookup_key(self, access_key_id: str) -> sigv4.SigningKey | None: ...

    def resolve(self, key: Any) -> Any: ...

    def implements(self, service: str, operation: str) -> bool: ...

    def invoke(self, service: str, operation: str, params: dict[str, Any], ctx: Any,
               context: Mapping[str, Any] | None = None) -> Any: ...

    def authorize_principal(self, principal_arn: str, action: str, resource: str,
                            context: Mapping[str, Any] | None = None) -> Any: ...

    def inline(self) -> AbstractContextManager[None]: ...

    def needs_database(self, operation: str | None) -> bool: ...


class Clock:
    """The server's notion of now: wall time plus an offset that tests may move forward."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> None:
        with self._lock:
            self._offset += delta

    @property
    def offset(self) -> timedelta:
        return self._offset


def _to_api_error(exc: Exception, service: str, request_id: str) -> ApiError:
    """The wire form of any failure; unexpected ones are logged here and told nothing."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, IdentityError):
        # Its code and status come from botocore's model (or AWS's common errors).
        return ApiError(exc.code, exc.message, exc.status, sender=exc.status < 500)
    failures.error("request %s failed", request_id, exc_info=exc)
    return _failure(service)


def _failure(service: str) -> ApiError:
    code = "ServiceFailure" if service == "iam" else "InternalFailure"
    return ApiError(code, SERVICE_FAILURE, 500, sender=False)


def _scope_service(http: sigv4.HttpRequest) -> str:
    """The service a signed request names, before it is verified (to word its errors)."""
    source = http.header("authorization") or http.query
    for marker in ("Credential=", "X-Amz-Credential="):
        at = source.find(marker)
        if at >= 0:
            parts = source[at + len(marker):].replace("%2F", "/").split("/")
            if len(parts) > 3 and parts[3] in sigv4.SERVICES:
                return parts[3]
    return "iam"


def _http_request(request: Request, body: bytes) -> sigv4.HttpRequest:
    scope = request.scope
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
    host = request.headers.get("host", "")
    return sigv4.HttpRequest(request.method, host, scope["path"],
                             scope.get("query_string", b"").decode("latin-1"), headers, body)


def _context(request: Request, http: sigv4.HttpRequest, region: str,
             now: datetime) -> dict[str, Any]:
    """The request's global condition keys (the principal's own keys are added by identity)."""
    client = request.client
    context: dict[str, Any] = {
        "aws:SecureTransport": request.scope.get("scheme") == "https",
        "aws:RequestedRegion": region,
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": int(now.timestamp()),
        "aws:ViaAWSService": False,
    }
    if client is not None:
        context["aws:SourceIp"] = client.host
    agent = http.header("user-agent")
    if agent:
        context["aws:UserAgent"] = agent
    return context


class _Outcome:
    """What one request produced, for the response and the access log."""

    __slots__ = ("body", "caller", "code", "media", "operation", "service", "status")

    def __init__(self) -> None:
        self.service = "iam"
        self.operation: str | None = None
        self.caller: str | None = None
        self.status = 200
        self.code: str | None = None
        self.body = b""
        self.media = "text/xml"


class Api:
    """The request handlers over one backend and one clock."""

    def __init__(self, backend: Backend, clock: Clock | None = None) -> None:
        self.backend = backend
        self.clock = clock or Clock()

    # -- AWS query protocol ----------------------------------------------------------------------

    def may_answer_inline(self, request: Request, body: bytes) -> bool:
        """Whether the query could be answered from the caches, and so is worth trying on the
        event loop: a write or an uncached read would verify and parse there only to give way
        and do it all again in the pool."""
        post = request.method == "POST"
        # From the scope, as _http_request reads it: request.url parses the Host header, which
        # a hostile client controls.
        query = request.scope.get("query_string", b"").decode("latin-1")
        action = _peek_action(body if post else b"", query, post)
        return not self.backend.needs_database(action)

    def query(self, request: Request, body: bytes, request_id: str) -> _Outcome:
        outcome = _Outcome()
        http = _http_request(request, body)
        try:
            outcome.service = _scope_service(http)
            outcome.operation = _peek_action(http.body, http.query, request.method == "POST")
            result, op = self._run(request, http, request_id, outcome)
            outcome.body = awsquery.serialize(op, result, request_id)
        except WouldBlock:
            raise  # not a failure: ``handle`` runs the request again in a thread
        except Exception as exc:  # noqa: BLE001 - one boundary turns every failure into a response
            error = _to_api_error(exc, outcome.service, request_id)
            outcome.status, outcome.code = error.status, error.code
            outcome.body = awsquery.serialize_error(outcome.service, error, request_id)
        return outcome

    def _run(self, request: Request, http: sigv4.HttpRequest, request_id: str,
             outcome: _Outcome) -> tuple[Any, awsquery.Operation]:
        from ..identity.model import CallContext

        now = self.clock.now()
        if not sigv4.is_signed(http):
            op = awsquery.find_operation("sts", outcome.operation or "")
            if op is not None and op.unsigned:
                outcome.service = "sts"
                raise not_implemented(op.name)
            raise ApiError("MissingAuthenticationToken", sigv4.MISSING_AUTH, 403)
        # The signature covers the raw body: it is checked before the form is decoded, so that
        # an unsigned or forged request costs a hash, not a parse.
        verified = sigv4.verify(http, self.backend.lookup_key, now)
        service = outcome.service = verified.service
        pairs = _form(http, request.method == "POST")
        form = dict(pairs)
        action, version = form.get("Action"), form.get("Version")
        outcome.operation = (action or "")[:awsquery.MAX_ACTION] or None
        op = awsquery.resolve_action(service, action, version)
        if not self.backend.implements(service, op.name):
            raise not_implemented(op.name)
        params = awsquery.parse(op, pairs)
        caller = self.backend.resolve(verified.key)
        outcome.caller = caller.arn
        ctx = CallContext(caller.account_id, caller.arn, request_id, caller)
        context = _context(request, http, verified.region, now)
        result = self.backend.invoke(service, op.name, params, ctx, context)
        return result, op

    # -- JSON authorize endpoint -----------------------------------------------------------------

    def authorize(self, request: Request, body: bytes, request_id: str) -> _Outcome:
        outcome = _Outcome()
        outcome.media = "application/json"
        outcome.operation = "Authorize"
        http = _http_request(request, body)
        try:
            verified = sigv4.verify(http, self.backend.lookup_key, self.clock.now())
            caller = self.backend.resolve(verified.key)
            outcome.caller = caller.arn
            principal, action, resource, context = _authorize_input(body)
            self._may_simulate(caller, principal, action, resource, request_id,
                               _context(request, http, verified.region, self.clock.now()))
            decision = self.backend.authorize_principal(principal, action, resource, context)
            outcome.body = json.dumps(decision.as_json()).encode()
        except WouldBlock:
            raise
        except Exception as exc:  # noqa: BLE001 - one boundary turns every failure into a response
            error = _to_api_error(exc, "iam", request_id)
            outcome.status, outcome.code = error.status, error.code
            outcome.body = json.dumps({"error": {"code": error.code, "message": error.message},
                                       "request_id": request_id}).encode()
        return outcome

    def _may_simulate(self, caller: Any, principal: str, action: str, resource: str,
                      request_id: str, context: Mapping[str, Any]) -> None:
        """Asking for another principal's decisions is ``iam:SimulatePrincipalPolicy`` on it.

        The gate is that operation itself, through the backend: the caller must be allowed to
        call it on the principal, in its own account (the root user of the account is).
        """
        from ..identity.model import CallContext

        if not _same_account(caller.account_id, principal):
            action = "iam:SimulatePrincipalPolicy"
            raise ApiError(
                "AccessDenied",
                f"User: {caller.arn} is not authorized to perform: {action} on resource: "
                f"{principal} because no identity-based policy allows the {action} action", 403)
        if caller.kind == "root" or not self.backend.implements("iam", "SimulatePrincipalPolicy"):
            return
        ctx = CallContext(caller.account_id, caller.arn, request_id, caller)
        self.backend.invoke("iam", "SimulatePrincipalPolicy",
                            {"PolicySourceArn": principal, "ActionNames": [action],
                             "ResourceArns": [resource]}, ctx, context)


def _form(http: sigv4.HttpRequest, post: bool) -> list[tuple[str, str]]:
    """The query's pairs, then the form body's (for POST), each bounded in number."""
    pairs = sigv4.form_pairs(http.query)
    if post:
        # Not UTF-8: the bad bytes become U+FFFD and fail the model's patterns, as
        # percent-encoded ones do in parse_qsl.
        pairs += sigv4.form_pairs(http.body.decode("utf-8", "replace"), MAX_FORM_FIELDS)
    return pairs


def _peek_action(body: bytes, query: str, post: bool) -> str | None:
    """The ``Action`` a request names, found without decoding its form (for unsigned requests,
    the access log and the choice of inline or pool); None when there is none of a plausible
    length."""
    for source in ((body, query.encode("latin-1")) if post else (query.encode("latin-1"),)):
        last = deque(_ACTION.finditer(source), maxlen=1)  # the last one counts, as in a dict
        if last:
            return unquote_plus(last[0].group(1).decode("utf-8", "replace"))
    return None


def _same_account(account_id: str, arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) >= 6 and parts[4] == account_id


def _authorize_input(body: bytes) -> tuple[str, str, str, dict[str, Any]]:
    """``{"principal": ARN, "action": "s3:GetObject", "resource": ARN, "context": {...}}``."""
    try:
        # NaN and Infinity are not JSON (RFC 8259), nor 1e400 a number a context can hold.
        data = json.loads(body, parse_constant=_not_json, parse_float=_finite)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        # RecursionError: nesting deeper than the decoder goes (``[[[[…``), never a policy.
        raise ApiError("ValidationError", "The request body must be a JSON object.") from exc
    if not isinstance(data, dict):
        raise ApiError("ValidationError", "The request body must be a JSON object.")
    fields = []
    for name in ("principal", "action"):
        value = data.get(name)
        if not isinstance(value, str) or not value:
            raise ApiError("ValidationError", f"'{name}' is required and must be a string.")
        fields.append(value)
    resource = data.get("resource", "*")
    if not isinstance(resource, str) or not resource:
        raise ApiError("ValidationError", "'resource' must be a string.")
    context = data.get("context", {})
    if not isinstance(context, dict) or not all(
        isinstance(v, str | bool | int | float)
        or (isinstance(v, list) and all(isinstance(x, str) for x in v))
        for v in context.values()
    ):
        raise ApiError("ValidationError", "'context' must be a JSON object of strings, numbers, "
                       "booleans or lists of strings.")
    limits = _authorize_limits()
    longest = {"principal": len(fields[0]), "action": len(fields[1]), "resource": len(resource),
               "context": max(map(len, context), default=0)}
    too_long = [f"Value at '{name}' failed to satisfy constraint: Member must have "
                f"{'keys of ' if name == 'context' else ''}length less than or equal to {limit}"
                for name, limit in limits.items() if longest[name] > limit]
    if too_long:
        raise validation_error(too_long)
    return fields[0], fields[1], resource, context


def _not_json(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


@lru_cache(maxsize=1)
def _authorize_limits() -> dict[str, int]:
    """The longest principal, action, resource and context key ``SimulatePrincipalPolicy``
    takes (``PolicySourceArn``, ``ActionNames``, ``ResourceArns``, ``ContextKeyName``), from
    botocore's model: the endpoint asks the same question of the engine."""
    shape = awsquery.service_model("iam").operation_model("SimulatePrincipalPolicy").input_shape
    members = shape.members
    return {"principal": int(members["PolicySourceArn"].metadata["max"]),
            "action": int(members["ActionNames"].member.metadata["max"]),
            "resource": int(members["ResourceArns"].member.metadata["max"]),
            "context": int(members["ContextEntries"].member.members["ContextKeyName"]
                           .metadata["max"])}


async def _read_body(request: Request) -> tuple[bytes | None, bool]:
    """The body (None if it is over ``MAX_BODY``), and whether all of it was read.

    A body over the limit is still read to its end, and dropped, up to ``DRAIN_LIMIT``: a client
    still sending when the answer comes would otherwise lose the answer to a reset connection.
    Beyond that (or when the declared length already is), the connection is closed instead.
    Memory stays bounded by ``MAX_BODY`` whether the length is declared or the body is chunked.
    """
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > DRAIN_LIMIT):
        return None, False
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
        elif size > DRAIN_LIMIT:
            return None, False
    return (b"".join(chunks) if size <= MAX_BODY else None), True


def create_app(backend: Backend, *, clock: Clock | None = None) -> Starlette:
    """The ASGI application over ``backend``.

    A request is first tried on the event loop inside ``backend.inline()``, and handed to the
    thread pool only if it has to reach the database (``WouldBlock``): requests waiting on the
    database (PostgreSQL's round trips, SQLite's write lock, a password hash) overlap, and those
    answered from the caches skip the hand-over, which cost a third of a cached GetUser
    (docs/performance.md). The tried request has changed nothing when it gives way: a statement
    is refused before it runs.
    """
    api = Api(backend, clock)

    async def handle(request: Request, handler: Callable[[Request, bytes, str], _Outcome],
                     inline: Callable[[Request, bytes], bool]) -> Response:
        started = time.perf_counter()
        request_id = str(uuid.uuid4())
        headers = {"x-amzn-RequestId": request_id}
        body, drained = await _read_body(request)
        if body is None:
            outcome = _Outcome()
            outcome.status, outcome.code = 413, "RequestEntityTooLarge"
            outcome.body = awsquery.serialize_error(
                "iam", ApiError("RequestEntityTooLarge", "Request body too large.", 413),
                request_id)
            if not drained:
                headers["connection"] = "close"
        else:
            outcome = await _inline_or_threaded(backend, handler, request, body, request_id,
                                                inline(request, body))
        _access_log(request, request_id, outcome, started)
        return Response(outcome.body, outcome.status, media_type=outcome.media, headers=headers)

    async def query(request: Request) -> Response:
        return await handle(request, api.query, api.may_answer_inline)

    async def authorize(request: Request) -> Response:
        # Always a database read (the principal's policies): straight to the pool.
        return await handle(request, api.authorize, lambda request, body: False)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(routes=[
        Route("/", query, methods=["GET", "POST"]),
        Route("/health", health, methods=["GET"]),
        Route("/v1/authorize", authorize, methods=["POST"]),
    ])
    app.state.api = api
    return app


async def _inline_or_threaded(backend: Backend,
                              handler: Callable[[Request, bytes, str], _Outcome],
                              request: Request, body: bytes, request_id: str,
                              try_inline: bool) -> _Outcome:
    if try_inline:
        try:
            with backend.inline():
                return handler(request, body, request_id)
        except WouldBlock:
            pass
    return await run_in_threadpool(handler, request, body, request_id)


def _access_log(request: Request, request_id: str, outcome: _Outcome, started: float) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    client = request.client
    log.info(json.dumps({
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "request_id": request_id,
        "source_ip": client.host if client else None,
        "caller": outcome.caller,
        "service": outcome.service,
        "operation": outcome.operation,
        "status": outcome.status,
        "error": outcome.code,
        "latency_ms": round((time.perf_counter() - started) * 1000, 3),
    }))
