"""GetFederationToken and GetAccessKeyInfo through boto3 against the real server."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from botocore.exceptions import ClientError
from e2e_server import Served


def test_federated_credentials_over_the_wire(served: Served) -> None:
    account = served.account
    iam = served.client()
    iam.create_user(UserName="fed-broker")
    iam.put_user_policy(UserName="fed-broker", PolicyName="broker", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["sts:GetFederationToken", "sts:GetAccessKeyInfo",
                                           "s3:*"], "Resource": "*"}]}))
    key = iam.create_access_key(UserName="fed-broker")["AccessKey"]
    sts = served.client("sts", key=(key["AccessKeyId"], key["SecretAccessKey"]))
    assert sts.get_access_key_info(AccessKeyId=key["AccessKeyId"])["Account"] == account

    out = sts.get_federation_token(Name="web-bob", DurationSeconds=900, Policy=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}))
    arn = f"arn:aws:sts::{account}:federated-user/web-bob"
    assert out["FederatedUser"] == {"FederatedUserId": f"{account}:web-bob", "Arn": arn}
    assert 1 <= out["PackedPolicySize"] <= 100
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")
    remaining = creds["Expiration"] - datetime.now(UTC)
    assert timedelta(minutes=14) < remaining <= timedelta(minutes=15, seconds=5)
    assert sts.get_access_key_info(AccessKeyId=creds["AccessKeyId"])["Account"] == account

    fed_key = (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    fed_sts = served.client("sts", key=fed_key)
    who = fed_sts.get_caller_identity()
    assert (who["UserId"], who["Account"], who["Arn"]) == (f"{account}:web-bob", account, arn)

    with pytest.raises(ClientError) as exc:
        served.client(key=fed_key).list_users()
    assert exc.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(ClientError) as exc:
        fed_sts.get_federation_token(Name="again")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    assert exc.value.response["Error"]["Message"] == (
        "Cannot call GetFederationToken with session credentials")
    with pytest.raises(ClientError) as exc:
        fed_sts.get_session_token()
    assert exc.value.response["Error"]["Code"] == "AccessDenied"


def test_federation_refusals_over_the_wire(served: Served) -> None:
    account = served.account
    iam = served.client()
    iam.create_user(UserName="fed-nobody")
    key = iam.create_access_key(UserName="fed-nobody")["AccessKey"]
    sts = served.client("sts", key=(key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(ClientError) as exc:
        sts.get_federation_token(Name="bob")
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    assert exc.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{account}:user/fed-nobody is not authorized to perform: "
        f"sts:GetFederationToken on resource: arn:aws:sts::{account}:federated-user/bob "
        "because no identity-based policy allows the sts:GetFederationToken action")
    with pytest.raises(ClientError) as exc:
        sts.get_access_key_info(AccessKeyId=key["AccessKeyId"])
    assert exc.value.response["Error"]["Code"] == "AccessDenied"
    root_sts = served.client("sts")
    with pytest.raises(ClientError) as exc:
        root_sts.get_access_key_info(AccessKeyId="AKIAAAAAAAAAAAAAAAAA")
    assert exc.value.response["Error"]["Code"] == "ValidationError"
    rooted = root_sts.get_federation_token(Name="root-fed", DurationSeconds=7200)
    assert rooted["Credentials"]["Expiration"] - datetime.now(UTC) <= timedelta(seconds=3605)
    assert "PackedPolicySize" not in rooted
