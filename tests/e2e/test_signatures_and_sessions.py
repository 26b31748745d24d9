"""Signatures and temporary credentials over the wire: each tampering gets IAM's code, and
AssumeRole credentials work until they expire (the server's clock is moved, not waited for).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.error import HTTPError

import botocore.auth
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from e2e_server import Served

BODY = b"Action=ListUsers&Version=2010-05-08"
FORM = "application/x-www-form-urlencoded; charset=utf-8"


@contextmanager
def signing_clock(delta: timedelta) -> Iterator[None]:
    """botocore reads the clock itself when it signs: move what it reads."""
    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda: (datetime.now(UTC) + delta).replace(tzinfo=None)
    try:
        yield
    finally:
        botocore.auth.get_current_datetime = original


def signed(served: Served, key: tuple[str, ...], body: bytes = BODY,
           region: str = "us-east-1") -> dict[str, str]:
    req = AWSRequest("POST", served.url + "/", data=body, headers={"Content-Type": FORM})
    SigV4Auth(Credentials(*key), "iam", region).add_auth(req)
    return dict(req.headers.items())


def send(served: Served, headers: dict[str, str], body: bytes = BODY) -> tuple[int, str, str]:
    req = urllib.request.Request(served.url + "/", data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req) as resp:
            return resp.status, "OK", resp.read().decode()
    except HTTPError as exc:
        text = exc.read().decode()
        code = text.split("<Code>")[1].split("</Code>")[0]
        return exc.code, code, text.split("<Message>")[1].split("</Message>")[0]


def _replace(name: str, old: str, new: str) -> Callable[[dict[str, str]], None]:
    def change(headers: dict[str, str]) -> None:
        headers[name] = headers[name].replace(old, new)
    return change


def _one_second_later(headers: dict[str, str]) -> None:
    at = datetime.strptime(headers["X-Amz-Date"], "%Y%m%dT%H%M%SZ") + timedelta(seconds=1)
    headers["X-Amz-Date"] = at.strftime("%Y%m%dT%H%M%SZ")


def test_untouched_request_is_accepted(served: Served) -> None:
    assert send(served, signed(served, served.root_key))[:2] == (200, "OK")


@pytest.mark.parametrize(("change", "body"), [
    (None, BODY + b"&MaxItems=1"),  # body changed after signing
    (_replace("Content-Type", "utf-8", "latin-1"), BODY),  # a signed header changed
    (_one_second_later, BODY),  # the signed date moved
    (_replace("Authorization", "/us-east-1/", "/eu-west-1/"), BODY),  # region in the scope
], ids=["body", "header", "date", "region"])
def test_tampering_is_signature_does_not_match(served: Served, change: Any, body: bytes) -> None:
    headers = signed(served, served.root_key)
    if change is not None:
        change(headers)
    status, code, _ = send(served, headers, body)
    assert (status, code) == (403, "SignatureDoesNotMatch")


def test_wrong_secret(served: Served) -> None:
    status, code, message = send(served, signed(served, (served.root_key[0], "x" * 40)))
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert message.startswith("The request signature we calculated does not match")


@pytest.mark.parametrize(("minutes", "start"), [(-16, "Signature expired: "),
                                                 (16, "Signature not yet current: ")])
def test_clock_skew_beyond_15_minutes(served: Served, minutes: int, start: str) -> None:
    with signing_clock(timedelta(minutes=minutes)):
        headers = signed(served, served.root_key)
    status, code, message = send(served, headers)
    assert (status, code) == (403, "SignatureDoesNotMatch") and message.startswith(start)
    with signing_clock(timedelta(minutes=minutes * 14 // 16)):
        assert send(served, signed(served, served.root_key))[0] == 200  # 14 minutes is fine


def test_inactive_and_deleted_keys(served: Served) -> None:
    iam = served.client()
    iam.create_user(UserName="key-holder")
    new = iam.create_access_key(UserName="key-holder")["AccessKey"]
    key = (new["AccessKeyId"], new["SecretAccessKey"])
    status, code, _ = send(served, signed(served, key))
    assert (status, code) == (403, "AccessDenied")  # known key, no permission: authenticated
    iam.update_access_key(UserName="key-holder", AccessKeyId=key[0], Status="Inactive")
    status, code, message = send(served, signed(served, key))
    assert (status, code, message) == (403, "InvalidClientTokenId",
                                       "The security token included in the request is invalid.")
    iam.update_access_key(UserName="key-holder", AccessKeyId=key[0], Status="Active")
    assert send(served, signed(served, key))[1] == "AccessDenied"
    iam.delete_access_key(UserName="key-holder", AccessKeyId=key[0])
    assert send(served, signed(served, key))[:2] == (403, "InvalidClientTokenId")


# -- temporary credentials ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def session(served: Served) -> dict[str, Any]:
    iam = served.client()
    account = served.account
    iam.create_user(UserName="deployer")
    iam.put_user_policy(UserName="deployer", PolicyName="assume", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{account}:role/a2c-deploy"}]}))
    iam.create_role(RoleName="a2c-deploy", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/deployer"},
            "Action": "sts:AssumeRole"}]}))
    iam.put_role_policy(RoleName="a2c-deploy", PolicyName="list", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}))
    new = iam.create_access_key(UserName="deployer")["AccessKey"]
    sts = served.client("sts", key=(new["AccessKeyId"], new["SecretAccessKey"]))
    assumed = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/a2c-deploy",
                              RoleSessionName="ci", DurationSeconds=900)
    creds = assumed["Credentials"]
    return {"key": (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]),
            "expiration": creds["Expiration"], "arn": assumed["AssumedRoleUser"]["Arn"]}


def test_assumed_role_credentials_work_until_they_expire(served: Served,
                                                         session: dict[str, Any]) -> None:
    account = served.account
    assert session["arn"] == f"arn:aws:sts::{account}:assumed-role/a2c-deploy/ci"
    assert session["key"][0].startswith("ASIA")
    who = served.client("sts", key=session["key"]).get_caller_identity()
    assert who["Arn"] == session["arn"] and who["Account"] == account
    temp = served.client(key=session["key"])
    assert isinstance(temp.list_users()["Users"], list)
    with pytest.raises(ClientError) as exc:
        temp.create_user(UserName="not-allowed")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    assert exc.value.response["Error"]["Message"].startswith(
        f"User: {session['arn']} is not authorized to perform: iam:CreateUser on resource: ")
    remaining = session["expiration"] - datetime.now(UTC)
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15, seconds=5)
    later = remaining + timedelta(seconds=2)
    served.clock.advance(later)
    try:
        with signing_clock(later), pytest.raises(ClientError) as exc:
            temp.list_users()
        assert exc.value.response["Error"] == {
            "Type": "Sender", "Code": "ExpiredToken",
            "Message": "The security token included in the request is expired"}
    finally:
        served.clock.advance(-later)


def test_tampered_or_missing_session_token(served: Served, session: dict[str, Any]) -> None:
    key_id, secret, token = session["key"]
    for bad in (token[:-4] + "AAAA", None):
        creds = (key_id, secret, bad) if bad else (key_id, secret)
        with pytest.raises(ClientError) as exc:
            served.client(key=creds).list_users()
        assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_cross_account_role_assumption(served: Served, session: dict[str, Any]) -> None:
    """A user of another account on the same server assumes a role that trusts that account."""
    other = served.svc.create_account("555566667777")
    other_root = (other.access_key_id, other.secret.get_secret_value())
    mine = served.client()
    mine.create_role(RoleName="a2c-cross", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::555566667777:root"},
            "Action": "sts:AssumeRole"}]}))
    theirs = served.client(key=other_root)
    theirs.create_user(UserName="visitor")
    theirs.put_user_policy(UserName="visitor", PolicyName="go", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "sts:AssumeRole",
            "Resource": f"arn:aws:iam::{served.account}:role/*"}]}))
    new = theirs.create_access_key(UserName="visitor")["AccessKey"]
    visitor = served.client("sts", key=(new["AccessKeyId"], new["SecretAccessKey"]))
    role_arn = f"arn:aws:iam::{served.account}:role/a2c-cross"
    creds = visitor.assume_role(RoleArn=role_arn, RoleSessionName="visit")["Credentials"]
    who = served.client("sts", key=(creds["AccessKeyId"], creds["SecretAccessKey"],
                                    creds["SessionToken"])).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{served.account}:assumed-role/a2c-cross/visit"
    # Their own policy allows any role of ours: a role whose trust policy does not name them
    # refuses them.
    with pytest.raises(ClientError) as exc:
        visitor.assume_role(RoleArn=f"arn:aws:iam::{served.account}:role/a2c-deploy",
                            RoleSessionName="nope")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
