"""Console passwords and the account password policy over the wire, with boto3: the login profile
life cycle, the policy round trip, and a user changing its own password with its own client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from e2e_server import Served

GOOD = "Corr3ct-Horse"


@pytest.fixture
def root(served: Served) -> Any:
    """The root client of an account of its own (the password policy is account-wide)."""
    new = served.svc.create_account()
    return served.client(key=(new.access_key_id, new.secret.get_secret_value()))


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response = exc.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"]["Message"])


def test_login_profile_life_cycle(root: Any) -> None:
    root.create_user(UserName="console-user", Path="/people/")
    made = root.create_login_profile(UserName="console-user", Password=GOOD,
                                     PasswordResetRequired=True)["LoginProfile"]
    assert made["UserName"] == "console-user" and made["PasswordResetRequired"] is True
    got = root.get_login_profile(UserName="console-user")["LoginProfile"]
    assert got["CreateDate"] == made["CreateDate"]
    with pytest.raises(ClientError) as exc:
        root.create_login_profile(UserName="console-user", Password=GOOD)
    assert error(exc) == (409, "EntityAlreadyExists",
                          "Login Profile for user console-user already exists.")
    root.update_login_profile(UserName="console-user", Password="An0ther-pass",
                              PasswordResetRequired=False)
    assert root.get_login_profile(UserName="console-user")["LoginProfile"][
        "PasswordResetRequired"] is False
    with pytest.raises(ClientError) as exc:
        root.delete_user(UserName="console-user")
    assert error(exc) == (409, "DeleteConflict",
                          "Cannot delete entity, must delete login profile first.")
    with pytest.raises(ClientError) as exc:
        root.update_login_profile(UserName="console-user", Password="short")
    assert error(exc) == (400, "PasswordPolicyViolation",
                          "Password does not conform to the account password policy.")
    root.delete_login_profile(UserName="console-user")
    with pytest.raises(ClientError) as exc:
        root.get_login_profile(UserName="console-user")
    assert error(exc) == (404, "NoSuchEntity",
                          "Login Profile for User console-user cannot be found.")
    root.delete_user(UserName="console-user")


def test_password_policy_round_trip(root: Any) -> None:
    account = root.get_user()["User"]["Arn"].split(":")[4]
    with pytest.raises(ClientError) as exc:
        root.get_account_password_policy()
    assert error(exc) == (404, "NoSuchEntity",
                          f"The Password Policy with domain name {account} cannot be found.")
    root.update_account_password_policy(MinimumPasswordLength=14, RequireSymbols=True,
                                        RequireNumbers=True, MaxPasswordAge=90,
                                        PasswordReusePrevention=5,
                                        AllowUsersToChangePassword=True)
    assert root.get_account_password_policy()["PasswordPolicy"] == {
        "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": True, "ExpirePasswords": True, "MaxPasswordAge": 90,
        "PasswordReusePrevention": 5, "HardExpiry": False}
    root.create_user(UserName="policy-user")
    with pytest.raises(ClientError) as exc:
        root.create_login_profile(UserName="policy-user", Password="Only-13-chars")
    assert error(exc)[1] == "PasswordPolicyViolation"
    root.create_login_profile(UserName="policy-user", Password="Fourteen-chars1")
    root.delete_account_password_policy()
    with pytest.raises(ClientError) as exc:
        root.delete_account_password_policy()
    assert error(exc)[:2] == (404, "NoSuchEntity")


def test_a_user_changes_its_own_password_with_its_own_client(served: Served, root: Any) -> None:
    account = root.get_user()["User"]["Arn"].split(":")[4]
    root.create_user(UserName="self-service")
    root.put_user_policy(UserName="self-service", PolicyName="own-password",
                         PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
                             "Effect": "Allow",
                             "Action": ["iam:ChangePassword", "iam:GetLoginProfile"],
                             "Resource": f"arn:aws:iam::{account}:user/${{aws:username}}"}]}))
    root.create_login_profile(UserName="self-service", Password=GOOD, PasswordResetRequired=True)
    key = root.create_access_key(UserName="self-service")["AccessKey"]
    me = served.client(key=(key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(ClientError) as exc:
        me.change_password(OldPassword="Wr0ng-password", NewPassword="N3w-password")
    assert error(exc) == (400, "InvalidUserType", "The old password is incorrect.")
    me.change_password(OldPassword=GOOD, NewPassword="N3w-password")
    assert me.get_login_profile()["LoginProfile"]["PasswordResetRequired"] is False
    with pytest.raises(ClientError) as exc:
        me.change_password(OldPassword=GOOD, NewPassword="An0ther-pass")
    assert error(exc)[1] == "InvalidUserType"
    me.change_password(OldPassword="N3w-password", NewPassword="An0ther-pass")
    # Someone else's password is not the user's to change, nor to create.
    root.create_user(UserName="neighbour")
    with pytest.raises(ClientError) as exc:
        me.create_login_profile(UserName="neighbour", Password=GOOD)
    assert error(exc)[:2] == (403, "AccessDenied")
    # The root user has no IAM password to change.
    with pytest.raises(ClientError) as exc:
        root.change_password(OldPassword=GOOD, NewPassword="N3w-password")
    assert error(exc)[:2] == (400, "InvalidUserType")
