"""Two ``a2c-iam serve`` processes over one PostgreSQL database see each other's writes."""

from __future__ import annotations

import base64
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from a2c_iam.api.server import free_port

URL = os.environ.get("A2C_IAM_TEST_POSTGRES_URL")
pytestmark = pytest.mark.skipif(
    not URL, reason="set A2C_IAM_TEST_POSTGRES_URL=postgresql+psycopg://USER@HOST:PORT/DB to run")
KEY_ID = "AKIA" + "".join(secrets.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16))
SECRET = secrets.token_urlsafe(30)[:40]


def _wait(port: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stderr.read() if proc.stderr else ''}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"serve did not answer on port {port}")


@pytest.fixture(scope="module")
def servers() -> Iterator[list[int]]:
    assert URL is not None
    schema = f"a2c_e2e_{uuid.uuid4().hex[:12]}"
    env = {**os.environ,
           "A2C_IAM_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
           "A2C_IAM_ROOT_ACCESS_KEY_ID": KEY_ID, "A2C_IAM_ROOT_SECRET_ACCESS_KEY": SECRET}
    procs: list[subprocess.Popen[str]] = []
    ports: list[int] = []
    try:
        for _ in range(2):
            port = free_port()
            proc = subprocess.Popen(
                [sys.executable, "-m", "a2c_iam.cli.main", "serve", "--db", URL, "--schema",
                 schema, "--port", str(port), "--account-id", "210987654321", "--no-access-log"],
                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            procs.append(proc)
            _wait(port, proc)  # the second starts once the first has created the account
            ports.append(port)
        yield ports
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        codes = [proc.wait(timeout=20) for proc in procs]
        from sqlalchemy import create_engine, text

        engine = create_engine(URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()
        assert codes == [0, 0], "serve did not stop gracefully on SIGTERM"
        out = procs[0].stdout.read() if procs[0].stdout else ""
        assert SECRET not in out  # a root key given in advance is not echoed


def iam(port: int) -> Any:
    return boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
                        config=Config(retries={"max_attempts": 1}))


def test_each_server_sees_the_others_writes(servers: list[int]) -> None:
    first, second = iam(servers[0]), iam(servers[1])
    first.create_user(UserName="made-on-one")
    assert second.get_user(UserName="made-on-one")["User"]["Arn"] == (
        "arn:aws:iam::210987654321:user/made-on-one")
    second.create_group(GroupName="made-on-two")
    second.add_user_to_group(GroupName="made-on-two", UserName="made-on-one")
    groups = first.list_groups_for_user(UserName="made-on-one")["Groups"]
    assert [g["GroupName"] for g in groups] == ["made-on-two"]
    with pytest.raises(ClientError) as exc:
        first.create_user(UserName="made-on-one")
    assert exc.value.response["Error"]["Code"] == "EntityAlreadyExists"


def test_a_key_deleted_on_one_is_refused_by_the_other(servers: list[int]) -> None:
    first, second = iam(servers[0]), iam(servers[1])
    first.create_user(UserName="short-lived")
    key = first.create_access_key(UserName="short-lived")["AccessKey"]
    user = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{servers[1]}",
                        region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                        aws_secret_access_key=key["SecretAccessKey"],
                        config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as exc:
        user.list_users()
    assert exc.value.response["Error"]["Code"] == "AccessDenied"  # known to the second server
    second.delete_access_key(UserName="short-lived", AccessKeyId=key["AccessKeyId"])
    time.sleep(1.2)  # the first server re-reads the account generation at most every second
    other = boto3.client("iam", endpoint_url=f"http://127.0.0.1:{servers[0]}",
                         region_name="us-east-1", aws_access_key_id=key["AccessKeyId"],
                         aws_secret_access_key=key["SecretAccessKey"],
                         config=Config(retries={"max_attempts": 1}))
    with pytest.raises(ClientError) as exc:
        other.list_users()
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"
