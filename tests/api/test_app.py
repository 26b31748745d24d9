"""The app over real HTTP (uvicorn on loopback) with boto3 as the client, on a fake backend."""

from __future__ import annotations

import json
import logging
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from urllib.error import HTTPError
from urllib.parse import urlencode

import boto3
import pytest
from api_fake import BROKEN_OPERATION, LIMITED_ID, LIMITED_SECRET, ROOT_ID, ROOT_SECRET, FakeBackend
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a2c_iam.api import awsquery
from a2c_iam.api.app import Clock, create_app
from a2c_iam.api.server import ServerThread


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[ServerThread, FakeBackend, Clock]]:
    backend = FakeBackend()
    clock = Clock()
    with ServerThread(create_app(backend, clock=clock)) as srv:
        yield srv, backend, clock


def client(srv: ServerThread, service: str = "iam", key: str = ROOT_ID, secret: str = ROOT_SECRET,
           region: str = "us-east-1"):  # type: ignore[no-untyped-def]
    return boto3.client(service, endpoint_url=srv.url, region_name=region,
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        config=Config(retries={"max_attempts": 1}))


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    resp = exc.value.response
    return resp["Error"]["Code"], resp["Error"]["Message"], resp["ResponseMetadata"]["HTTPStatusCode"]


def test_create_get_list_delete(server) -> None:  # type: ignore[no-untyped-def]
    srv, backend, _ = server
    iam = client(srv)
    created = iam.create_user(UserName="alice", Path="/eng/", Tags=[{"Key": "team", "Value": "a+b =@"}])
    assert created["User"]["Arn"] == "arn:aws:iam::123456789012:user/eng/alice"
    assert created["User"]["CreateDate"].year == 2026
    _, _, params, context = backend.calls[-1]
    assert params == {"UserName": "alice", "Path": "/eng/", "Tags": [{"Key": "team", "Value": "a+b =@"}]}
    assert context["aws:RequestedRegion"] == "us-east-1"
    assert context["aws:SecureTransport"] is False
    assert context["aws:SourceIp"] == "127.0.0.1"
    assert iam.get_user(UserName="alice")["User"]["UserName"] == "alice"
    assert [u["UserName"] for u in iam.list_users()["Users"]] == ["alice"]
    iam.delete_user(UserName="alice")
    with pytest.raises(ClientError) as exc:
        iam.get_user(UserName="alice")
    assert error(exc) == ("NoSuchEntity", "The user with name alice cannot be found.", 404)
    assert exc.value.response["Error"]["Type"] == "Sender"


def test_a_read_is_answered_on_the_loop_and_a_write_in_a_thread_once(server) -> None:  # type: ignore[no-untyped-def]
    srv, backend, _ = server
    iam = client(srv)
    before = len(backend.threads)
    iam.create_user(UserName="threaded")
    iam.get_user(UserName="threaded")
    ran = backend.threads[before:]
    # The write gave way before it did anything: it ran once, in the pool, not on the loop.
    assert [op for op, _ in ran] == ["CreateUser", "GetUser"]
    assert ran[0][1] != srv.thread.name
    assert ran[1][1] == srv.thread.name
    iam.delete_user(UserName="threaded")


def test_what_needs_the_database_is_not_tried_on_the_loop(server) -> None:  # type: ignore[no-untyped-def]
    srv, backend, _ = server
    iam = client(srv)
    backend.database_operations = {"CreateUser"}
    try:
        tried = backend.inline_lookups
        iam.create_user(UserName="pooled")  # straight to the pool: verified once, there
        assert backend.inline_lookups == tried
        iam.get_user(UserName="pooled")  # tried (and answered) on the loop
        assert backend.inline_lookups == tried + 1
    finally:
        backend.database_operations = set()
        iam.delete_user(UserName="pooled")


def test_paginator_walks_every_page(server) -> None:  # type: ignore[no-untyped-def]
    srv, backend, _ = server
    iam = client(srv)
    names = [f"page{i:02d}" for i in range(7)]
    for name in names:
        iam.create_user(UserName=name, Path="/pages/")
    pages = list(iam.get_paginator("list_users").paginate(PathPrefix="/pages/",
                                                          PaginationConfig={"PageSize": 3}))
    assert [len(p["Users"]) for p in pages] == [3, 3, 1]
    assert [u["UserName"] for p in pages for u in p["Users"]] == names
    for name in names:
        iam.delete_user(UserName=name)


def test_validation_error_has_iams_wording(server) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    # botocore validates client-side; the raw form shows what the server itself checks.
    status, body = post(srv, "iam", "Action=CreateUser&Version=2010-05-08&UserName=bad%20name")
    assert status == 400
    assert "<Code>ValidationError</Code>" in body
    assert "1 validation error detected: Value 'bad name' at 'userName'" in body
    assert "Member must satisfy regular expression pattern: [\\w+=,.@-]+" in body
    status, body = post(srv, "iam", "Action=CreateUser&Version=2010-05-08")
    assert "Value null at 'userName' failed to satisfy constraint: Member must not be null" in body


def test_access_denied_and_caller_identity(server) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    limited = client(srv, key=LIMITED_ID, secret=LIMITED_SECRET)
    with pytest.raises(ClientError) as exc:
        limited.create_user(UserName="mallory")
    code, message, status = error(exc)
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith("User: arn:aws:iam::123456789012:user/limited is not authorized to "
                              "perform: iam:CreateUser")
    sts = client(srv, "sts", key=LIMITED_ID, secret=LIMITED_SECRET, region="eu-west-3")
    assert sts.get_caller_identity()["Arn"] == "arn:aws:iam::123456789012:user/limited"


def test_not_implemented_invalid_action_and_failures(server, caplog) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    iam = client(srv)
    with pytest.raises(ClientError) as exc:
        iam.create_group(GroupName="g")
    assert error(exc) == ("NotImplemented",
                          "The operation CreateGroup is not implemented by this server.", 501)
    assert exc.value.response["Error"]["Type"] == "Receiver"
    status, body = post(srv, "iam", "Action=NoSuchThing&Version=2010-05-08")
    assert status == 400 and "<Code>InvalidAction</Code>" in body
    status, body = post(srv, "iam", "Action=GetCallerIdentity&Version=2011-06-15")
    assert status == 400 and "<Code>InvalidAction</Code>" in body  # an STS action, signed for IAM
    with caplog.at_level(logging.ERROR, logger="a2c_iam.api"), pytest.raises(ClientError) as exc:
        iam.tag_user(UserName="x", Tags=[{"Key": "k", "Value": "v"}])
    code, message, status = error(exc)
    assert (code, status) == ("ServiceFailure", 500)
    assert "secret internals" not in message and "Traceback" not in message
    assert any("secret internals" in (r.exc_text or "") or r.exc_info for r in caplog.records)
    assert BROKEN_OPERATION == "TagUser"


def test_unsigned_requests(server) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    status, body = raw(srv, "Action=ListUsers&Version=2010-05-08")
    assert status == 403 and "<Code>MissingAuthenticationToken</Code>" in body
    status, body = raw(srv, "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=x")
    assert status == 501 and "AssumeRoleWithWebIdentity" in body
    assert 'xmlns="https://sts.amazonaws.com/doc/2011-06-15/"' in body


def test_signature_checked_with_the_server_clock(server) -> None:  # type: ignore[no-untyped-def]
    srv, _, clock = server
    iam = client(srv)
    clock.advance(timedelta(minutes=16))
    try:
        with pytest.raises(ClientError) as exc:
            iam.list_users()
        code, message, status = error(exc)
        assert (code, status) == ("SignatureDoesNotMatch", 403)
        assert message.startswith("Signature expired")
    finally:
        clock.advance(timedelta(minutes=-16))
    with pytest.raises(ClientError) as exc:
        client(srv, secret="wrong" + ROOT_SECRET[5:]).list_users()
    assert error(exc)[0] == "SignatureDoesNotMatch"
    with pytest.raises(ClientError) as exc:
        client(srv, key="AKIAUNKNOWN000000000").list_users()
    assert error(exc)[:2] == ("InvalidClientTokenId",
                              "The security token included in the request is invalid.")


def test_authorize_endpoint(server) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    ok = {"principal": "arn:aws:iam::123456789012:user/alice", "action": "s3:GetObject",
          "resource": "arn:aws:s3:::b/k"}
    status, body = post_json(srv, ok)
    assert status == 200 and json.loads(body) == {"decision": "allowed", "denied_by": [],
                                                  "statements": []}
    status, body = post_json(srv, {**ok, "action": "s3:PutObject"})
    assert json.loads(body)["decision"] == "implicitDeny"
    status, body = post_json(srv, {**ok, "principal": "arn:aws:iam::999999999999:user/x"})
    assert status == 403 and json.loads(body)["error"]["code"] == "AccessDenied"
    status, body = post_json(srv, {**ok, "principal": "arn:aws:iam::123456789012:user/nobody"})
    assert status == 404 and json.loads(body)["error"]["code"] == "NoSuchEntity"
    status, body = post_json(srv, {**ok, "context": {"aws:SourceIp": {"nested": 1}}})
    assert status == 400 and json.loads(body)["error"]["code"] == "ValidationError"
    status, body = post_json(srv, {"action": 3})
    assert status == 400 and json.loads(body)["error"]["code"] == "ValidationError"
    status, _ = post_json(srv, ok, secret="x" * 40)
    assert status == 403


def test_health_and_access_log(server, caplog) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    with urllib.request.urlopen(srv.url + "/health") as resp:
        assert json.loads(resp.read()) == {"status": "ok"}
    with caplog.at_level(logging.INFO, logger="a2c_iam.api.access"):
        client(srv).list_users()
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "a2c_iam.api.access"]
    line = lines[-1]
    assert line["operation"] == "ListUsers" and line["status"] == 200
    assert line["caller"] == "arn:aws:iam::123456789012:root"
    assert line["latency_ms"] >= 0 and len(line["request_id"]) == 36
    assert ROOT_SECRET not in json.dumps(lines)


# -- helpers: hand-signed requests, to send what botocore's client-side validation would refuse --


def _signed(srv: ServerThread, service: str, body: bytes, content_type: str, path: str = "/",
            secret: str = ROOT_SECRET) -> urllib.request.Request:
    req = AWSRequest("POST", srv.url + path, data=body, headers={"Content-Type": content_type})
    SigV4Auth(Credentials(ROOT_ID, secret), service, "us-east-1").add_auth(req)
    return urllib.request.Request(srv.url + path, data=body, headers=dict(req.headers.items()),
                                  method="POST")


def _send(req: urllib.request.Request) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, resp.read().decode()
    except HTTPError as exc:
        return exc.code, exc.read().decode()


def post(srv: ServerThread, service: str, form: str) -> tuple[int, str]:
    return _send(_signed(srv, service, form.encode(), "application/x-www-form-urlencoded"))


def post_json(srv: ServerThread, data: object, secret: str = ROOT_SECRET) -> tuple[int, str]:
    return _send(_signed(srv, "iam", json.dumps(data).encode(), "application/json",
                         "/v1/authorize", secret))


def raw(srv: ServerThread, form: str) -> tuple[int, str]:
    return _send(urllib.request.Request(srv.url + "/", data=form.encode(), method="POST"))


OPERATIONS = sorted((svc, name) for svc in ("iam", "sts")
                    for name in awsquery.service_model(svc).operation_names)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(OPERATIONS),
       st.lists(st.tuples(st.text(st.sampled_from("UserNamePathMaxItemsTags.member.1KeyValue"),
                                  max_size=20),
                          st.text(max_size=10)), max_size=6))
def test_random_requests_never_fail_the_server(server, operation, pairs) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    service, name = operation
    if name == BROKEN_OPERATION:
        return
    form = urlencode([("Action", name), ("Version", awsquery.VERSIONS[service]), *pairs])
    status, body = post(srv, service, form)
    assert status < 500 or (status == 501 and "<Code>NotImplemented</Code>" in body)
    assert "Traceback" not in body
    assert body.startswith(("<ErrorResponse", f"<{name}Response"))


def test_presigned_get_and_oversized_bodies(server) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    url = f"{srv.url}/?Action=ListUsers&Version=2010-05-08&MaxItems=2"
    req = AWSRequest("GET", url)
    SigV4QueryAuth(Credentials(ROOT_ID, ROOT_SECRET), "iam", "us-east-1", expires=60).add_auth(req)
    status, body = _send(urllib.request.Request(req.url, method="GET"))
    assert status == 200 and body.startswith("<ListUsersResponse")
    for _ in range(3):  # the answer reaches a client still sending (no reset connection)
        status, body = post(srv, "iam",
                            "Action=ListUsers&Version=2010-05-08&Marker=" + "x" * 1_100_000)
        assert status == 413 and "<Code>RequestEntityTooLarge</Code>" in body
    assert _chunked(srv, [b"Action=ListUsers&Marker=", b"x" * 700_000, b"x" * 700_000]) == 413
    assert _chunked(srv, [b"Action=ListUsers&Version=2010-05-08"]) == 403  # read, then unsigned
    status, body = _declared_only(srv, 10**12)  # never sent: answered at once, then closed
    assert status == 413 and "<Code>RequestEntityTooLarge</Code>" in body
    status, body = _send(_signed(srv, "iam", b"Action=GetUser&Version=2010-05-08&UserName=\xff",
                                 "application/x-www-form-urlencoded"))
    assert status == 400 and "<Code>ValidationError</Code>" in body


def _chunked(srv: ServerThread, chunks: list[bytes]) -> int:
    """A body sent with chunked transfer encoding (no declared length): its answer's status."""
    import http.client

    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
    try:
        conn.request("POST", "/", body=iter(chunks), encode_chunked=True,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        return conn.getresponse().status
    finally:
        conn.close()


def _declared_only(srv: ServerThread, length: int) -> tuple[int, str]:
    """Headers that announce ``length`` bytes, and no body at all."""
    import socket

    with socket.create_connection((srv.host, srv.port), timeout=30) as sock:
        sock.sendall(f"POST / HTTP/1.1\r\nHost: {srv.host}\r\nContent-Length: {length}\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n\r\n".encode())
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower()
    return int(head.split()[1]), body.decode()


# -- hostile requests: what the security review sent ---------------------------------------------

BODY_LIST_USERS = b"Action=ListUsers&Version=2010-05-08"


def _signed_headers(srv: ServerThread, body: bytes, headers: dict[str, str] | None = None,
                    service: str = "iam") -> dict[str, str]:
    req = AWSRequest("POST", srv.url + "/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
    SigV4Auth(Credentials(ROOT_ID, ROOT_SECRET), service, "us-east-1").add_auth(req)
    return dict(req.headers.items())


def _raw_http(srv: ServerThread, headers: dict[str, str], body: bytes,
              path: str = "/") -> tuple[int, str]:
    """Headers sent exactly as given (Host included, Latin-1 allowed), with a socket timeout."""
    import http.client

    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
    try:
        conn.putrequest("POST", path, skip_host=True, skip_accept_encoding=True)
        for name, value in {**headers, "Content-Length": str(len(body))}.items():
            conn.putheader(name, value.encode("latin-1"))
        conn.endheaders(body)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


def test_forwarded_headers_are_not_believed_by_default(server) -> None:  # type: ignore[no-untyped-def]
    """X-Forwarded-For / -Proto would set aws:SourceIp and aws:SecureTransport: from anyone on
    loopback (uvicorn's default), signed or not, they must change nothing."""
    srv, backend, _ = server
    forwarded = {"X-Forwarded-For": "10.20.30.40", "X-Forwarded-Proto": "https"}
    body = BODY_LIST_USERS
    for signed_too in (True, False):
        headers = _signed_headers(srv, body, forwarded if signed_too else None)
        headers.update(forwarded)
        req = urllib.request.Request(srv.url + "/", data=body, headers=headers, method="POST")
        assert _send(req)[0] == 200
        context = backend.calls[-1][3]
        assert context["aws:SourceIp"] == "127.0.0.1"
        assert context["aws:SecureTransport"] is False


def test_a_named_trusted_proxy_is_believed() -> None:
    backend = FakeBackend()
    with ServerThread(create_app(backend), trusted_proxies=["127.0.0.1"]) as srv:
        headers = _signed_headers(srv, BODY_LIST_USERS)
        headers.update({"X-Forwarded-For": "10.20.30.40", "X-Forwarded-Proto": "https"})
        req = urllib.request.Request(srv.url + "/", data=BODY_LIST_USERS, headers=headers,
                                     method="POST")
        assert _send(req)[0] == 200
    context = backend.calls[-1][3]
    assert context["aws:SourceIp"] == "10.20.30.40"
    assert context["aws:SecureTransport"] is True


def test_the_signature_is_checked_before_the_form_is_decoded(server, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An unsigned or forged request must cost a hash of its body, not a parse of it."""
    from urllib import parse

    from a2c_iam.api import app as app_module
    from a2c_iam.api import sigv4

    srv, _, _ = server
    decoded: list[int] = []

    def recording(text: str, *args, **kwargs):  # type: ignore[no-untyped-def]
        decoded.append(len(text))
        return parse.parse_qsl(text, *args, **kwargs)

    for module in (app_module, sigv4):
        monkeypatch.setattr(module, "parse_qsl", recording, raising=False)
    body = b"Action=ListUsers&Version=2010-05-08&" + b"a=&" * 300_000
    status, text = _send(urllib.request.Request(srv.url + "/", data=body, method="POST"))
    assert status == 403 and "<Code>MissingAuthenticationToken</Code>" in text
    status, text = _send(_signed(srv, "iam", body, "application/x-www-form-urlencoded",
                                 secret="x" * 40))
    assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in text
    assert all(size < 1000 for size in decoded), decoded


def test_form_fields_are_bounded(server) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    status, body = post(srv, "iam", "Action=ListUsers&Version=2010-05-08" + "&a=" * 9_000)
    assert status == 200
    status, body = post(srv, "iam", "Action=ListUsers&Version=2010-05-08" + "&a=" * 10_000)
    assert status == 400 and "<Code>InvalidQueryParameter</Code>" in body


def test_hostile_requests_get_aws_errors_never_a_500(server) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    # An expiry past what timedelta holds, without credentials that exist.
    url = (f"{srv.url}/?Action=GetCallerIdentity&Version=2011-06-15"
           "&X-Amz-Algorithm=AWS4-HMAC-SHA256"
           "&X-Amz-Credential=AKIANOSUCHKEY%2F20260101%2Fus-east-1%2Fsts%2Faws4_request"
           "&X-Amz-Date=20260101T000000Z&X-Amz-Expires=99999999999999&X-Amz-SignedHeaders=host"
           "&X-Amz-Signature=00")
    status, body = _send(urllib.request.Request(url, method="GET"))
    assert status == 400 and "<Code>AuthorizationQueryParametersError</Code>" in body
    signed = _signed_headers(srv, b"Action=GetCallerIdentity&Version=2011-06-15", service="sts")
    for host in ("[", "]", "[::1"):
        status, body = _raw_http(srv, {**signed, "Host": host},
                                 b"Action=GetCallerIdentity&Version=2011-06-15")
        assert status == 403 and "<Code>SignatureDoesNotMatch</Code>" in body, host
    for name, value, code in [("X-Amz-Content-SHA256", "\xe9", "SignatureDoesNotMatch"),
                              ("Authorization", signed["Authorization"][:-1] + "\xe9",
                               "SignatureDoesNotMatch"),
                              ("X-Amz-Security-Token", "\xe9", "InvalidClientTokenId")]:
        status, body = _raw_http(srv, {**signed, "Host": f"{srv.host}:{srv.port}", name: value},
                                 b"Action=GetCallerIdentity&Version=2011-06-15")
        assert status == 403 and f"<Code>{code}</Code>" in body, name
    status, body = post(srv, "iam", "Action=" + "x" * 500_000 + "&Version=2010-05-08")
    assert status == 400 and "<Code>InvalidAction</Code>" in body and len(body) < 1000


def test_authorize_endpoint_refuses_what_simulation_would(server) -> None:  # type: ignore[no-untyped-def]
    srv, _, _ = server
    ok = {"principal": "arn:aws:iam::123456789012:user/alice", "action": "s3:GetObject",
          "resource": "arn:aws:s3:::" + "b" * (2048 - 13)}
    assert post_json(srv, ok)[0] == 200
    deep = _send(_signed(srv, "iam", b"[" * 100_000, "application/json", "/v1/authorize"))
    assert deep[0] == 400 and json.loads(deep[1])["error"]["code"] == "ValidationError"
    nan = _send(_signed(srv, "iam", json.dumps({**ok, "context": {"aws:EpochTime": float("nan")}})
                        .encode(), "application/json", "/v1/authorize"))
    assert nan[0] == 400
    for field, size, limit in [("resource", 2049, 2048), ("action", 129, 128),
                               ("principal", 2049, 2048)]:
        value = ok[field][:12] + "x" * (size - 12)
        status, body = post_json(srv, {**ok, field: value})
        assert status == 400, field
        error = json.loads(body)["error"]
        assert error["code"] == "ValidationError"
        assert error["message"] == (f"1 validation error detected: Value at '{field}' failed to "
                                    "satisfy constraint: Member must have length less than or "
                                    f"equal to {limit}")
    status, _ = post_json(srv, {**ok, "context": {"k" * 257: "v"}})
    assert status == 400
