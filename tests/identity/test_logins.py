"""Console passwords (login profiles) and the account password policy, on SQLite and PostgreSQL:
every operation and error, each policy rule, IAM's default policy, ChangePassword by the user
itself, authorisation, and no password (in any form) in the raw store or in a message."""

from __future__ import annotations

from typing import Any

import pytest
from callers import login, new_user, refused
from policy_docs import allow, deny, doc
from raw_store import raw_database, secret_forms
from sqlalchemy import select

from a2c_iam.identity import CallContext, IdentityService, attempts
from a2c_iam.identity.attempts import AttemptLimiter
from a2c_iam.identity.logins import SYMBOLS, TOO_MANY_ATTEMPTS, hash_password, verify_password
from a2c_iam.store import schema as s

GOOD = "Corr3ct-Horse"  # upper, lower, digit, symbol; 13 characters


def as_caller(svc: IdentityService, ctx: CallContext) -> Any:
    def run(operation: str, **params: Any) -> dict[str, Any]:
        return svc.invoke("iam", operation, params, ctx, documents="object")

    return run


# -- login profiles ----------------------------------------------------------------------------------


def test_create_get_update_delete_a_login_profile(call: Any) -> None:
    call("CreateUser", UserName="alice", Path="/eng/")
    made = call("CreateLoginProfile", UserName="alice", Password=GOOD,
                PasswordResetRequired=True)["LoginProfile"]
    assert set(made) == {"UserName", "CreateDate", "PasswordResetRequired"}
    assert (made["UserName"], made["PasswordResetRequired"]) == ("alice", True)
    got = call("GetLoginProfile", UserName="ALICE")["LoginProfile"]
    assert got == made
    call("UpdateLoginProfile", UserName="alice", PasswordResetRequired=False)
    assert call("GetLoginProfile", UserName="alice")["LoginProfile"][
        "PasswordResetRequired"] is False
    call("UpdateLoginProfile", UserName="alice", Password="An0ther-pass")
    after = call("GetLoginProfile", UserName="alice")["LoginProfile"]
    assert after["PasswordResetRequired"] is False  # not given: unchanged
    assert after["CreateDate"] == made["CreateDate"]  # the profile's creation, not the change
    call("UpdateLoginProfile", UserName="alice")  # nothing to change
    call("DeleteLoginProfile", UserName="alice")
    err = refused(call, "GetLoginProfile", UserName="alice")
    assert (err.code, err.status, err.message) == (
        "NoSuchEntity", 404, "Login Profile for User alice cannot be found.")


def test_reset_required_defaults_to_false(call: Any) -> None:
    call("CreateUser", UserName="bob")
    made = call("CreateLoginProfile", UserName="bob", Password=GOOD)["LoginProfile"]
    assert made["PasswordResetRequired"] is False


def test_login_profile_errors(call: Any) -> None:
    call("CreateUser", UserName="carol")
    for operation, params in [("CreateLoginProfile", {"Password": GOOD}),
                              ("GetLoginProfile", {}), ("UpdateLoginProfile", {"Password": GOOD}),
                              ("DeleteLoginProfile", {})]:
        err = refused(call, operation, UserName="nobody", **params)
        assert (err.code, err.message) == ("NoSuchEntity",
                                           "The user with name nobody cannot be found.")
    for operation in ("UpdateLoginProfile", "DeleteLoginProfile"):
        err = refused(call, operation, UserName="carol")
        assert (err.code, err.message) == ("NoSuchEntity",
                                           "Login Profile for User carol cannot be found.")
    call("CreateLoginProfile", UserName="carol", Password=GOOD)
    err = refused(call, "CreateLoginProfile", UserName="carol", Password=GOOD)
    assert (err.code, err.status, err.message) == (
        "EntityAlreadyExists", 409, "Login Profile for user carol already exists.")
    call("CreateUser", UserName="dave")
    err = refused(call, "CreateLoginProfile", UserName="dave")
    assert err.code == "ValidationError" and "'password'" in err.message
    err = refused(call, "CreateLoginProfile", UserName="dave", Password="x" * 129)
    assert err.code == "ValidationError" and "x" * 20 not in err.message  # never echoed
    # The root user (no caller) must name the user.
    err = refused(call, "GetLoginProfile")
    assert err.code == "ValidationError"


def test_a_user_with_a_console_password_cannot_be_deleted(call: Any) -> None:
    call("CreateUser", UserName="erin")
    call("CreateLoginProfile", UserName="erin", Password=GOOD)
    call("CreateAccessKey", UserName="erin")
    err = refused(call, "DeleteUser", UserName="erin")
    assert (err.code, err.message) == (
        "DeleteConflict", "Cannot delete entity, must delete login profile first.")
    call("DeleteLoginProfile", UserName="erin")
    err = refused(call, "DeleteUser", UserName="erin")
    assert err.message == "Cannot delete entity, must delete access keys first."


def test_profiles_belong_to_their_account(svc: IdentityService, call: Any) -> None:
    call("CreateUser", UserName="frank")
    call("CreateLoginProfile", UserName="frank", Password=GOOD)
    other = svc.create_account()
    octx = svc.context(other.account_id)
    svc.run("iam", "CreateUser", octx, UserName="frank")
    err = refused(svc.run, "iam", "GetLoginProfile", octx, UserName="frank")
    assert err.code == "NoSuchEntity"


# -- the account password policy --------------------------------------------------------------------


def test_password_policy_round_trip_and_defaults(call: Any, account: Any) -> None:
    err = refused(call, "GetAccountPasswordPolicy")
    assert (err.code, err.status, err.message) == (
        "NoSuchEntity", 404,
        f"The Password Policy with domain name {account.account_id} cannot be found.")
    err = refused(call, "DeleteAccountPasswordPolicy")
    assert err.code == "NoSuchEntity"
    call("UpdateAccountPasswordPolicy")
    assert call("GetAccountPasswordPolicy")["PasswordPolicy"] == {
        "MinimumPasswordLength": 6, "RequireSymbols": False, "RequireNumbers": False,
        "RequireUppercaseCharacters": False, "RequireLowercaseCharacters": False,
        "AllowUsersToChangePassword": False, "ExpirePasswords": False, "HardExpiry": False}
    call("UpdateAccountPasswordPolicy", MinimumPasswordLength=14, RequireSymbols=True,
         RequireNumbers=True, RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
         AllowUsersToChangePassword=True, MaxPasswordAge=90, PasswordReusePrevention=24,
         HardExpiry=True)
    assert call("GetAccountPasswordPolicy")["PasswordPolicy"] == {
        "MinimumPasswordLength": 14, "RequireSymbols": True, "RequireNumbers": True,
        "RequireUppercaseCharacters": True, "RequireLowercaseCharacters": True,
        "AllowUsersToChangePassword": True, "ExpirePasswords": True, "MaxPasswordAge": 90,
        "PasswordReusePrevention": 24, "HardExpiry": True}
    # No partial updates: what is not given goes back to its default.
    call("UpdateAccountPasswordPolicy", RequireNumbers=True)
    policy = call("GetAccountPasswordPolicy")["PasswordPolicy"]
    assert policy["MinimumPasswordLength"] == 6 and policy["RequireNumbers"] is True
    assert policy["RequireSymbols"] is False and policy["ExpirePasswords"] is False
    assert "MaxPasswordAge" not in policy and "PasswordReusePrevention" not in policy
    call("DeleteAccountPasswordPolicy")
    assert refused(call, "GetAccountPasswordPolicy").code == "NoSuchEntity"


def test_policy_ranges_are_the_models(call: Any) -> None:
    for params in ({"MinimumPasswordLength": 5}, {"MinimumPasswordLength": 129},
                   {"MaxPasswordAge": 0}, {"MaxPasswordAge": 1096},
                   {"PasswordReusePrevention": 25}):
        assert refused(call, "UpdateAccountPasswordPolicy", **params).code == "ValidationError"


@pytest.mark.parametrize(("rule", "lacking"), [
    ("RequireUppercaseCharacters", "lower-case-1!"),
    ("RequireLowercaseCharacters", "UPPER-CASE-1!"),
    ("RequireNumbers", "No-Digits-Here!"),
    ("RequireSymbols", "NoSymbols1234"),
])
def test_each_required_kind_of_character(call: Any, rule: str, lacking: str) -> None:
    call("UpdateAccountPasswordPolicy", **{rule: True})
    call("CreateUser", UserName="gina")
    err = refused(call, "CreateLoginProfile", UserName="gina", Password=lacking)
    assert (err.code, err.status, err.message) == (
        "PasswordPolicyViolation", 400,
        "Password does not conform to the account password policy.")
    assert lacking not in str(err)
    call("CreateLoginProfile", UserName="gina", Password=GOOD)
    err = refused(call, "UpdateLoginProfile", UserName="gina", Password=lacking)
    assert err.code == "PasswordPolicyViolation"


def test_the_symbols_are_iams(call: Any) -> None:
    call("UpdateAccountPasswordPolicy", RequireSymbols=True)
    call("CreateUser", UserName="hal")
    assert refused(call, "CreateLoginProfile", UserName="hal",
                   Password="tilde~only").code == "PasswordPolicyViolation"
    call("CreateLoginProfile", UserName="hal", Password="abcdef!")
    for symbol in sorted(SYMBOLS):
        call("UpdateLoginProfile", UserName="hal", Password=f"abcdef{symbol}")


def test_minimum_length(call: Any) -> None:
    call("UpdateAccountPasswordPolicy", MinimumPasswordLength=12)
    call("CreateUser", UserName="ivy")
    assert refused(call, "CreateLoginProfile", UserName="ivy",
                   Password="a" * 11).code == "PasswordPolicyViolation"
    call("CreateLoginProfile", UserName="ivy", Password="a" * 12)
    call("UpdateAccountPasswordPolicy")  # the default minimum: 6
    call("UpdateLoginProfile", UserName="ivy", Password="aaaaaa")
    assert refused(call, "UpdateLoginProfile", UserName="ivy",
                   Password="aaaaa").code == "PasswordPolicyViolation"


def test_without_a_policy_iams_default_applies(call: Any, account: Any) -> None:
    call("CreateUser", UserName="jack")
    for weak in ("Sh0rt!", "alllowercase", "lowercase123", "UPPER-lower"[:7],
                 account.account_id):
        assert refused(call, "CreateLoginProfile", UserName="jack",
                       Password=weak).code == "PasswordPolicyViolation", weak
    call("CreateLoginProfile", UserName="jack", Password="lowercase-123")  # three kinds, 13
    call("UpdateLoginProfile", UserName="jack", Password="UPPERlower1")
    call("CreateAccountAlias", AccountAlias="team-prod-1")
    assert refused(call, "UpdateLoginProfile", UserName="jack",
                   Password="team-prod-1").code == "PasswordPolicyViolation"
    # A custom policy replaces the default entirely.
    call("UpdateAccountPasswordPolicy")
    call("UpdateLoginProfile", UserName="jack", Password="simple")


# -- ChangePassword ------------------------------------------------------------------------------------


def _self_service(call: Any, svc: IdentityService, name: str, account: Any) -> CallContext:
    own = f"arn:aws:iam::{account.account_id}:user/{name}"
    ctx = new_user(call, svc, name, allow("iam:ChangePassword", resource=own),
                    allow("iam:GetLoginProfile", resource=own))
    call("CreateLoginProfile", UserName=name, Password=GOOD, PasswordResetRequired=True)
    return ctx


def test_a_user_changes_its_own_password(svc: IdentityService, call: Any, account: Any) -> None:
    ctx = _self_service(call, svc, "kim", account)
    me = as_caller(svc, ctx)
    me("ChangePassword", OldPassword=GOOD, NewPassword="N3w-password")
    assert me("GetLoginProfile")["LoginProfile"]["PasswordResetRequired"] is False
    with svc.db.read() as conn:
        stored = conn.execute(select(s.login_profiles.c.password_hash)).all()
    assert any(verify_password("N3w-password", h) for (h,) in stored)
    err = refused(me, "ChangePassword", OldPassword=GOOD, NewPassword="An0ther-one")
    assert (err.code, err.status, err.message) == (
        "InvalidUserType", 400, "The old password is incorrect.")
    assert GOOD not in str(err) and "An0ther-one" not in str(err)
    err = refused(me, "ChangePassword", OldPassword="N3w-password", NewPassword="weak")
    assert err.code == "PasswordPolicyViolation"
    me("ChangePassword", OldPassword="N3w-password", NewPassword="An0ther-one")


def test_change_password_needs_the_permission(svc: IdentityService, call: Any,
                                              account: Any) -> None:
    ctx = new_user(call, svc, "lee", allow("iam:GetUser"))
    call("CreateLoginProfile", UserName="lee", Password=GOOD)
    err = refused(as_caller(svc, ctx), "ChangePassword", OldPassword=GOOD,
                  NewPassword="N3w-password")
    assert (err.code, err.message) == ("AccessDenied", (
        f"User: arn:aws:iam::{account.account_id}:user/lee is not authorized to perform: "
        f"iam:ChangePassword on resource: arn:aws:iam::{account.account_id}:user/lee because "
        "no identity-based policy allows the iam:ChangePassword action"))
    # Allowed only on another user's ARN: still refused on its own.
    ctx = new_user(call, svc, "mo", allow(
        "iam:ChangePassword", resource=f"arn:aws:iam::{account.account_id}:user/lee"))
    call("CreateLoginProfile", UserName="mo", Password=GOOD)
    assert refused(as_caller(svc, ctx), "ChangePassword", OldPassword=GOOD,
                   NewPassword="N3w-password").code == "AccessDenied"


def test_change_password_is_for_iam_users_only(svc: IdentityService, call: Any,
                                               account: Any, ctx: CallContext) -> None:
    err = refused(svc.run, "iam", "ChangePassword", ctx, OldPassword=GOOD,
                  NewPassword="N3w-password")
    assert (err.code, err.message) == ("InvalidUserType",
                                       "Only IAM users can change their own password.")
    root = login(svc, account.access_key_id)
    err = refused(as_caller(svc, root), "ChangePassword", OldPassword=GOOD,
                  NewPassword="N3w-password")
    assert err.code == "InvalidUserType"
    if not svc.implements("sts", "AssumeRole"):
        return
    alice = new_user(call, svc, "nia", allow("sts:AssumeRole"))
    call("CreateRole", RoleName="ops", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": alice.caller_arn}, "Action": "sts:AssumeRole"}))
    call("PutRolePolicy", RoleName="ops", PolicyName="p", PolicyDocument=doc(allow("iam:*")))
    creds = svc.invoke("sts", "AssumeRole", {
        "RoleArn": f"arn:aws:iam::{account.account_id}:role/ops", "RoleSessionName": "ops-session"},
        alice)["Credentials"]
    session = login(svc, creds["AccessKeyId"])
    err = refused(as_caller(svc, session), "ChangePassword", OldPassword=GOOD,
                  NewPassword="N3w-password")
    assert err.code == "InvalidUserType"


def test_change_password_without_a_console_password(svc: IdentityService, call: Any,
                                                    account: Any) -> None:
    ctx = new_user(call, svc, "oz", allow("iam:ChangePassword"))
    err = refused(as_caller(svc, ctx), "ChangePassword", OldPassword=GOOD,
                  NewPassword="N3w-password")
    assert (err.code, err.message) == ("NoSuchEntity",
                                       "Login Profile for User oz cannot be found.")


def test_reuse_prevention_refuses_the_current_password(svc: IdentityService, call: Any,
                                                       account: Any) -> None:
    ctx = _self_service(call, svc, "pat", account)
    me = as_caller(svc, ctx)
    me("ChangePassword", OldPassword=GOOD, NewPassword=GOOD)  # no policy: allowed
    call("UpdateAccountPasswordPolicy", PasswordReusePrevention=1)
    err = refused(me, "ChangePassword", OldPassword=GOOD, NewPassword=GOOD)
    assert (err.code, err.message) == (
        "PasswordPolicyViolation", "Password does not conform to the account password policy.")
    me("ChangePassword", OldPassword=GOOD, NewPassword="N3w-password")


def test_allow_users_to_change_password_does_not_refuse_a_permitted_user(
        svc: IdentityService, call: Any, account: Any) -> None:
    ctx = _self_service(call, svc, "quinn", account)
    call("UpdateAccountPasswordPolicy", AllowUsersToChangePassword=False)
    as_caller(svc, ctx)("ChangePassword", OldPassword=GOOD, NewPassword="N3w-password")


def test_allow_users_to_change_password_grants_it_on_the_users_own_user_only(
        svc: IdentityService, call: Any, account: Any) -> None:
    """The setting gives every IAM user ChangePassword on itself and GetAccountPasswordPolicy,
    with no policy of its own; an explicit deny still refuses, and nothing else is granted."""
    acct = account.account_id
    ctx = new_user(call, svc, "rue")
    call("CreateLoginProfile", UserName="rue", Password=GOOD)
    me = as_caller(svc, ctx)
    assert refused(me, "ChangePassword", OldPassword=GOOD,
                   NewPassword="N3w-password").code == "AccessDenied"
    call("UpdateAccountPasswordPolicy", AllowUsersToChangePassword=True)
    me("ChangePassword", OldPassword=GOOD, NewPassword="N3w-password")
    assert me("GetAccountPasswordPolicy")["PasswordPolicy"]["AllowUsersToChangePassword"] is True
    err = refused(me, "GetLoginProfile")
    assert (err.code, err.message) == ("AccessDenied", (
        f"User: arn:aws:iam::{acct}:user/rue is not authorized to perform: iam:GetLoginProfile "
        f"on resource: arn:aws:iam::{acct}:user/rue because no identity-based policy allows the "
        "iam:GetLoginProfile action"))
    assert refused(me, "UpdateAccountPasswordPolicy",
                   AllowUsersToChangePassword=False).code == "AccessDenied"
    fenced = as_caller(svc, new_user(call, svc, "sol", deny("iam:ChangePassword")))
    call("CreateLoginProfile", UserName="sol", Password=GOOD)
    err = refused(fenced, "ChangePassword", OldPassword=GOOD, NewPassword="N3w-password")
    assert err.code == "AccessDenied" and "explicit deny" in err.message
    call("UpdateAccountPasswordPolicy", AllowUsersToChangePassword=False)
    assert refused(me, "ChangePassword", OldPassword="N3w-password",
                   NewPassword="An0ther-one").code == "AccessDenied"


# -- authorisation of the administrative operations ------------------------------------------------


def test_login_profile_operations_are_authorised_on_the_user(svc: IdentityService, call: Any,
                                                             account: Any) -> None:
    acct = account.account_id
    call("CreateUser", UserName="target", Path="/team/")
    ctx = new_user(call, svc, "helpdesk", allow("iam:GetLoginProfile"))
    helpdesk = as_caller(svc, ctx)
    err = refused(helpdesk, "CreateLoginProfile", UserName="target", Password=GOOD)
    assert (err.code, err.message) == ("AccessDenied", (
        f"User: arn:aws:iam::{acct}:user/helpdesk is not authorized to perform: "
        f"iam:CreateLoginProfile on resource: arn:aws:iam::{acct}:user/team/target because no "
        "identity-based policy allows the iam:CreateLoginProfile action"))
    assert refused(call, "GetLoginProfile", UserName="target").code == "NoSuchEntity"
    admin = as_caller(svc, new_user(
        call, svc, "admin", allow("iam:*LoginProfile", resource=f"arn:aws:iam::{acct}:user/team/*"),
        deny("iam:DeleteLoginProfile")))
    admin("CreateLoginProfile", UserName="target", Password=GOOD)
    assert helpdesk("GetLoginProfile", UserName="target")["LoginProfile"]["UserName"] == "target"
    assert refused(admin, "DeleteLoginProfile", UserName="target").code == "AccessDenied"
    call("CreateUser", UserName="outside")
    assert refused(admin, "CreateLoginProfile", UserName="outside",
                   Password=GOOD).code == "AccessDenied"


def test_password_policy_operations_are_authorised_on_star(svc: IdentityService, call: Any,
                                                           account: Any) -> None:
    ctx = new_user(call, svc, "reader", allow("iam:GetAccountPasswordPolicy"))
    reader = as_caller(svc, ctx)
    assert refused(reader, "GetAccountPasswordPolicy").code == "NoSuchEntity"
    err = refused(reader, "UpdateAccountPasswordPolicy", MinimumPasswordLength=20)
    assert (err.code, err.message) == ("AccessDenied", (
        f"User: arn:aws:iam::{account.account_id}:user/reader is not authorized to perform: "
        "iam:UpdateAccountPasswordPolicy on resource: * because no identity-based policy "
        "allows the iam:UpdateAccountPasswordPolicy action"))
    call("UpdateAccountPasswordPolicy", MinimumPasswordLength=20)
    assert reader("GetAccountPasswordPolicy")["PasswordPolicy"]["MinimumPasswordLength"] == 20
    assert refused(reader, "DeleteAccountPasswordPolicy").code == "AccessDenied"


# -- passwords at rest ---------------------------------------------------------------------------------


def test_the_hash_is_salted_scrypt_and_verifies() -> None:
    first, second = hash_password(GOOD), hash_password(GOOD)
    assert first != second  # a fresh salt each time
    kind, n, r, p, salt, digest = first.split("$")
    assert (kind, n, r, p) == ("scrypt", str(2**14), "8", "1")
    assert GOOD not in first
    assert verify_password(GOOD, first) and verify_password(GOOD, second)
    assert not verify_password(GOOD + "x", first)
    assert not verify_password(GOOD, "plain")
    assert not verify_password(GOOD, "md5$1$1$1$AAAA$AAAA")
    assert len(first) <= 256  # the column's size


@pytest.mark.parametrize("params", [
    "3$8$1", "0$8$1", "-16384$8$1", "16384$0$1", "16384$8$0", str(2**20) + "$8$1",
    "16384$32$1", "16384$8$16", "16384$8$x"])
def test_a_tampered_hash_is_no_match_and_no_error(params: str) -> None:
    """A stored hash with costs it was never issued with (a corrupted or tampered row) answers
    "no match" at once: no exception (a 500), no multi-second or gigabyte check."""
    _, _, _, _, salt, digest = hash_password(GOOD).split("$")
    assert not verify_password(GOOD, f"scrypt${params}${salt}${digest}")


def test_guessing_the_old_password_is_limited(svc: IdentityService, call: Any, account: Any,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Five wrong old passwords: ChangePassword answers LimitExceeded, the right one included,
    until five minutes have passed; the password did not change."""
    now = [1000.0]
    monkeypatch.setattr(svc, "attempts", AttemptLimiter(clock=lambda: now[0]))
    me = as_caller(svc, _self_service(call, svc, "gus", account))
    for n in range(attempts.MAX_FAILURES):
        err = refused(me, "ChangePassword", OldPassword=f"Wr0ng-{n}", NewPassword="N3w-password")
        assert err.code == "InvalidUserType"
    err = refused(me, "ChangePassword", OldPassword=GOOD, NewPassword="N3w-password")
    assert (err.code, err.status, err.message) == ("LimitExceeded", 409, TOO_MANY_ATTEMPTS)
    now[0] += attempts.WINDOW
    me("ChangePassword", OldPassword=GOOD, NewPassword="N3w-password")


def test_no_password_in_the_raw_database(backend: Any, svc: IdentityService, call: Any,
                                         account: Any) -> None:
    first, second = "Pl41n-text-first-secret", "Pl41n-text-second-secret"
    ctx = _self_service(call, svc, "sam", account)
    call("UpdateLoginProfile", UserName="sam", Password=first)
    as_caller(svc, ctx)("ChangePassword", OldPassword=first, NewPassword=second)
    with svc.db.read() as conn:
        stored = conn.execute(select(s.login_profiles.c.password_hash).join(
            s.users, s.users.c.id == s.login_profiles.c.user_id).where(
            s.users.c.name == "sam")).scalar_one()
    assert verify_password(second, stored)  # the search below is not vacuous
    raw = raw_database(backend, svc)
    assert b"sam" in raw and stored.encode() in raw
    for password in (GOOD, first, second):
        for form in secret_forms(password):
            assert form not in raw
