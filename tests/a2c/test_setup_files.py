"""Profiles written by ``a2c setup --write-profiles``: the files the AWS CLI and SDKs read,
private, and never clobbering what is there unless asked."""

from __future__ import annotations

import os
import stat

import botocore.session
import pytest

from a2c_iam.a2c._setup_files import has_profile, write_profile
from a2c_iam.a2c.setup import NewKey, save_keys


@pytest.fixture()
def aws_files(tmp_path, monkeypatch):
    creds, conf = tmp_path / "aws" / "credentials", tmp_path / "aws" / "config"
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(conf))
    return creds, conf


def _botocore_profile(name: str):
    session = botocore.session.Session(profile=name)
    return session.get_credentials(), session.get_config_variable("region")


def test_written_profile_is_read_by_botocore_and_private(aws_files):
    creds, conf = aws_files
    assert write_profile("alice", {"aws_access_key_id": "AKIAEXAMPLE1",
                                   "aws_secret_access_key": "s3cr3t/x+y"},
                         {"region": "eu-west-1", "endpoint_url": "http://127.0.0.1:9"})
    found, region = _botocore_profile("alice")
    assert (found.access_key, found.secret_key, region) == ("AKIAEXAMPLE1", "s3cr3t/x+y", "eu-west-1")
    assert stat.S_IMODE(os.stat(creds).st_mode) == 0o600
    assert "[profile alice]" in conf.read_text()
    assert not list(creds.parent.glob(".*.tmp"))


def test_existing_profile_untouched_without_force_and_other_text_kept(aws_files):
    creds, _ = aws_files
    creds.parent.mkdir(parents=True)
    original = "# team keys\n[alice]\naws_access_key_id = AKIAOLD\naws_secret_access_key = old\n" \
               "\n[bob]\naws_access_key_id = AKIABOB\naws_secret_access_key = bobs\n"
    creds.write_text(original)
    new = {"aws_access_key_id": "AKIANEW", "aws_secret_access_key": "new"}
    assert not write_profile("alice", new, {"region": "us-east-1"})
    assert creds.read_text() == original
    assert write_profile("alice", new, {"region": "us-east-1"}, force=True)
    text = creds.read_text()
    assert "AKIAOLD" not in text and "AKIANEW" in text
    assert text.startswith("# team keys\n[alice]\n")
    assert "[bob]\naws_access_key_id = AKIABOB" in text
    assert has_profile(creds, "bob") and has_profile(creds, "alice")


def test_save_keys_shows_secret_once_when_not_writing(aws_files):
    key = NewKey("alice", "AKIAEXAMPLE2", "very/secret")
    assert "very/secret" not in repr(key)
    lines = save_keys([key], region="us-east-1", endpoint_url=None, write_profiles=False,
                      force=False)
    assert sum("very/secret" in line for line in lines) == 1
    assert not aws_files[0].exists()


def test_save_keys_writes_profile_and_hides_secret(aws_files):
    key = NewKey("bob", "AKIAEXAMPLE3", "other/secret")
    lines = save_keys([key], region="us-west-2", endpoint_url="http://127.0.0.1:9",
                      write_profiles=True, force=False)
    assert not any("other/secret" in line for line in lines)
    found, region = _botocore_profile("bob")
    assert found.secret_key == "other/secret" and region == "us-west-2"
    # the profile exists now: a second key for bob is shown, not written over it
    again = save_keys([NewKey("bob", "AKIAEXAMPLE4", "third/secret")], region="us-west-2",
                      endpoint_url=None, write_profiles=True, force=False)
    assert any("third/secret" in line for line in again)
    assert _botocore_profile("bob")[0].access_key == "AKIAEXAMPLE3"
