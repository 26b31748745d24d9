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


def test_a_profiles_endpoint_is_named_when_unreachable(no_aws_config, tmp_path):
    """The endpoint setup --write-profiles puts in the config file is the one the error names
    (not "AWS"), since that is where the calls went."""
    url = f"http://127.0.0.1:{_closed_port()}"
    (tmp_path / "credentials").write_text(
        "[alice]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = example\n")
    (tmp_path / "config").write_text(f"[profile alice]\nregion = us-east-1\nendpoint_url = {url}\n")
    with pytest.raises(LiveError) as caught:
        Aws(profile="alice").caller()
    assert caught.value.code == "EndpointConnectionError"
    assert f"cannot reach the endpoint {url} " in caught.value.message


@pytest.mark.parametrize("subcommand", ["setup", "check"])
def test_cli_without_credentials_is_one_line_and_exit_2(no_aws_config, capsys, subcommand):
    from a2c_iam.cli.main import main

    status = main(["a2c", subcommand, "--target", "ecs", "--region", "us-east-1",
                   "--endpoint-url", f"http://127.0.0.1:{_closed_port()}"])
    err = capsys.readouterr().err
    assert status == 2
    assert err.startswith("a2c-iam a2c: NoCredentials: ") and err.count("\n") == 1
    assert "Traceback" not in err


def test_the_deployment_user_cannot_be_a_general_user():
    from a2c_iam.a2c.errors import A2CError
    from a2c_iam.a2c.setup import ManagedPolicy, SetupSpec

    policy = ManagedPolicy("p", {"Version": "2012-10-17", "Statement": []})
    with pytest.raises(A2CError, match="must not be one of --users"):
        SetupSpec("111122223333", "aws", "us-east-1", (policy,), users=("alice", "deployer"),
                  deploy_user="deployer")
    with pytest.raises(A2CError, match="'bad name' is not an IAM name"):
        SetupSpec("111122223333", "aws", "us-east-1", (policy,), users=("bad name",))
