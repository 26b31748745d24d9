"""Virtual MFA over the wire with boto3: a device is created, enabled with two codes computed
from its seed, proved in ``GetSessionToken``, and the MFA session assumes a role that only trusts
callers with MFA; then the device is deactivated and deleted."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from e2e_server import Served

NAME = "mfa-wire-alice"
ROLE = "mfa-wire-guarded"


def step_now() -> int:
    return int(time.time()) // 30


def code(seed: bytes, step: int) -> str:
    return TOTP(base64.b32decode(seed), 6, SHA1(), 30).generate(step * 30).decode()


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response: Any = exc.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"]["Message"])


def test_virtual_mfa_device_and_mfa_session(served: Served) -> None:
    iam = served.client("iam")
    user_arn = iam.create_user(UserName=NAME)["User"]["Arn"]
    key = iam.create_access_key(UserName=NAME)["AccessKey"]
    alice = (key["AccessKeyId"], key["SecretAccessKey"])
    mfa_only = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    role_arn = iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sts:AssumeRole",
         "Condition": mfa_only}))["Role"]["Arn"]
    iam.put_role_policy(RoleName=ROLE, PolicyName="p", PolicyDocument=doc(
        {"Effect": "Allow", "Action": "iam:ListVirtualMFADevices", "Resource": "*",
         "Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": "900"}, **mfa_only}}))

    device = iam.create_virtual_mfa_device(VirtualMFADeviceName=NAME)["VirtualMFADevice"]
    serial, seed = device["SerialNumber"], device["Base32StringSeed"]
    assert serial == f"arn:aws:iam::{served.account}:mfa/{NAME}"
    assert len(base64.b32decode(seed)) == 20
    with pytest.raises(ClientError) as exc:
        iam.create_virtual_mfa_device(VirtualMFADeviceName=NAME)
    assert error(exc) == (409, "EntityAlreadyExists",
                          "MFADevice entity at the same path and name already exists.")

    now = step_now()
    with pytest.raises(ClientError) as exc:
        iam.enable_mfa_device(UserName=NAME, SerialNumber=serial,
                              AuthenticationCode1=code(seed, now),
                              AuthenticationCode2=code(seed, now))
    assert error(exc) == (403, "InvalidAuthenticationCode",
                          "Authentication code for device is not valid.")
    iam.enable_mfa_device(UserName=NAME, SerialNumber=serial,
                          AuthenticationCode1=code(seed, now - 1),
                          AuthenticationCode2=code(seed, now))
    listed = iam.list_mfa_devices(UserName=NAME)["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in listed] == [(NAME, serial)]
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    mine = [d for d in assigned if d["SerialNumber"] == serial]
    assert mine and mine[0]["User"]["UserName"] == NAME and "Base32StringSeed" not in mine[0]
    assert iam.get_account_summary()["SummaryMap"]["MFADevicesInUse"] >= 1

    sts = served.client("sts", alice)
    with pytest.raises(ClientError) as exc:  # long-term keys carry no MFA
        sts.assume_role(RoleArn=role_arn, RoleSessionName="no-mfa")
    assert error(exc)[1] == "AccessDenied"
    plain = sts.get_session_token()["Credentials"]
    plain_sts = served.client("sts", (plain["AccessKeyId"], plain["SecretAccessKey"],
                                      plain["SessionToken"]))
    with pytest.raises(ClientError) as exc:  # nor does a session without a code
        plain_sts.assume_role(RoleArn=role_arn, RoleSessionName="no-mfa")
    assert error(exc)[1] == "AccessDenied"

    fresh = code(seed, max(now, step_now()) + 1)
    creds = sts.get_session_token(SerialNumber=serial, TokenCode=fresh)["Credentials"]
    with pytest.raises(ClientError) as exc:  # a code is good once
        sts.get_session_token(SerialNumber=serial, TokenCode=fresh)
    assert error(exc) == (403, "AccessDenied",
                          "MultiFactorAuthentication failed with invalid MFA one time pass code.")
    mfa_sts = served.client("sts", (creds["AccessKeyId"], creds["SecretAccessKey"],
                                    creds["SessionToken"]))
    assert mfa_sts.get_caller_identity()["Arn"] == user_arn
    role = mfa_sts.assume_role(RoleArn=role_arn, RoleSessionName="with-mfa")["Credentials"]
    role_iam = served.client("iam", (role["AccessKeyId"], role["SecretAccessKey"],
                                     role["SessionToken"]))
    seen = role_iam.list_virtual_mfa_devices()["VirtualMFADevices"]  # allowed only with MFA
    assert serial in [d["SerialNumber"] for d in seen]

    with pytest.raises(ClientError) as exc:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert error(exc)[:2] == (409, "DeleteConflict")
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName=NAME)
    assert error(exc)[:2] == (409, "DeleteConflict")
    iam.deactivate_mfa_device(UserName=NAME, SerialNumber=serial)
    assert iam.list_mfa_devices(UserName=NAME)["MFADevices"] == []
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    remaining = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    assert serial not in [d["SerialNumber"] for d in remaining]
    with pytest.raises(ClientError) as exc:
        iam.delete_virtual_mfa_device(SerialNumber=serial)
    assert error(exc) == (404, "NoSuchEntity",
                          f"VirtualMFADevice with serial number {serial} doesn't exist.")

    iam.delete_role_policy(RoleName=ROLE, PolicyName="p")
    iam.delete_role(RoleName=ROLE)
    iam.delete_access_key(UserName=NAME, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=NAME)
