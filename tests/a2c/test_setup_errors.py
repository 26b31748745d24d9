"""What a person hits before any IAM call succeeds: no credentials, an unknown profile, nothing
listening at the endpoint. Each is one clear error, quickly."""

from __future__ import annotations

import socket
import time

import pytest

from a2c_iam.a2c._setup_aws import Aws, LiveError


@pytest.fixture()
def no_aws_config(tmp_path, monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_WEB_IDENTITY_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_no_credentials(no_aws_config):
    aws = Aws(endpoint_url=f"http://127.0.0.1:{_closed_port()}", region="us-east-1")
    with pytest.raises(LiveError) as caught:
        aws.caller()
    assert caught.value.code == "NoCredentials"
    assert "--profile" in caught.value.message


def test_unknown_profile(no_aws_config):
    with pytest.raises(LiveError) as caught:
        Aws(profile="nobody", region="us-east-1")
    assert caught.value.code == "ProfileNotFound" and "'nobody'" in caught.value.message


def test_wrong_endpoint_fails_fast_and_says_so(no_aws_config, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE12")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "example")
    url = f"http://127.0.0.1:{_closed_port()}"
    aws = Aws(endpoint_url=url, region="us-east-1")
    started = time.monotonic()
    with pytest.raises(LiveError) as caught:
        aws.caller()
    assert time.monotonic() - started < 10
    assert caught.value.code == "EndpointConnectionError"
    assert url in caught.value.message and "--endpoint-url" in caught.value.message
