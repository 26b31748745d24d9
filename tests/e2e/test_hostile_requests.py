"""What a security review sent the real server, and what it must answer: an answer at all (no
pattern that backtracks for ever), AWS's error for what no client would send (never a 500), and
XML that the SDKs can read whatever the caller put in it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from e2e_server import Served

from a2c_iam.api.server import free_port

READ_ONLY = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"
ROOT_KEY = ("AKIAHOSTILEROOT00001", "hostile/root/secret/hostile/root/secret0")


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``a2c-iam serve`` in its own process: a request that never ends there (re holds the GIL)
    cannot stop this one's client timeout from firing."""
    home = tmp_path_factory.mktemp("hostile")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "A2C_IAM_"))}
    env.update(A2C_IAM_ROOT_ACCESS_KEY_ID=ROOT_KEY[0], A2C_IAM_ROOT_SECRET_ACCESS_KEY=ROOT_KEY[1])
    proc = subprocess.Popen([sys.executable, "-m", "a2c_iam.cli.main", "serve", "--port",
                             str(port), "--db", f"sqlite:///{home / 'iam.db'}", "--no-access-log"],
                            cwd=home, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            assert proc.poll() is None, "serve exited"
            try:
                urllib.request.urlopen(url + "/health", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # still inside the request that never ends
            proc.kill()
            proc.wait()


def _client(url: str, key: tuple[str, str], service: str = "iam") -> Any:
    """A client that gives up after 60 s of silence: the hang guard, not a timing assertion."""
    return boto3.client(service, endpoint_url=url, region_name="us-east-1",
                        aws_access_key_id=key[0], aws_secret_access_key=key[1],
                        config=Config(retries={"max_attempts": 1}, connect_timeout=10,
                                      read_timeout=60))


@pytest.fixture(scope="module")
def read_only_key(serve: str) -> tuple[str, str]:
    iam = _client(serve, ROOT_KEY)
    iam.create_user(UserName="hostile-reader")
    iam.attach_user_policy(UserName="hostile-reader", PolicyArn=READ_ONLY)
    key = iam.create_access_key(UserName="hostile-reader")["AccessKey"]
    return key["AccessKeyId"], key["SecretAccessKey"]


def test_a_backtracking_pattern_from_a_read_only_user_is_answered(
        serve: str, read_only_key: tuple[str, str]) -> None:
    """IAMReadOnlyAccess allows iam:Simulate*: a 600-byte SimulateCustomPolicy whose pattern
    (``*a*a*a*a*a*a*b`` against 200 a's) backtracks exponentially once held the server, every
    other request with it, indefinitely (fixed in policy/match.py)."""
    policy = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::" + "*a" * 6 + "*b"}]}
    iam = _client(serve, read_only_key)
    result = iam.simulate_custom_policy(PolicyInputList=[json.dumps(policy)],
                                        ActionNames=["s3:GetObject"],
                                        ResourceArns=["arn:aws:s3:::" + "a" * 200])
    (evaluation,) = result["EvaluationResults"]
    assert evaluation["EvalDecision"] == "implicitDeny"
    assert evaluation["EvalResourceName"] == "arn:aws:s3:::" + "a" * 200
    with urllib.request.urlopen(serve + "/health", timeout=60) as resp:
        assert json.loads(resp.read()) == {"status": "ok"}


def test_control_characters_in_input_come_back_as_readable_xml(served: Served) -> None:
    """A validation message echoes the value: botocore must be able to parse the answer."""
    iam = served.client()
    with pytest.raises(ClientError) as exc:
        iam.get_user(UserName="a\x01b")
    error = exc.value.response["Error"]
    assert error["Code"] == "ValidationError"
    assert "Value 'a\ufffdb' at 'userName'" in error["Message"]
