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
