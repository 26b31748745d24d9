"""Virtual MFA devices (create, enable, resync, deactivate, delete, list, tag) and MFA in STS
(``aws:MultiFactorAuthPresent``, ``aws:MultiFactorAuthAge``) — on SQLite and PostgreSQL.

Codes are computed here with ``cryptography``'s TOTP from the seed the service hands out, for the
steps around the wall clock (the service accepts the current step and one either side); the
window edges are checked with a fixed clock by calling ``mfa`` directly.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from callers import code, login, new_user, refused, step_now
from policy_docs import allow, doc
from raw_store import raw_database, secret_forms
from sqlalchemy import select, update

from a2c_iam.identity import CallContext, IdentityService, attempts, mfa, principal
from a2c_iam.identity.attempts import AttemptLimiter
from a2c_iam.identity.tx import Tx
from a2c_iam.store import schema as s

BAD_CODE = "Authentication code for device is not valid."
BAD_STS_CODE = "MultiFactorAuthentication failed with invalid MFA one time pass code."


# -- helpers ---------------------------------------------------------------------------------------


def other_than(*codes: str) -> str:
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in codes)


def new_device(call: Any, name: str, **params: Any) -> tuple[str, bytes]:
    device = call("CreateVirtualMFADevice", VirtualMFADeviceName=name, **params)["VirtualMFADevice"]
    return device["SerialNumber"], device["Base32StringSeed"]


def enable(call: Any, user: str, serial: str, seed: bytes) -> int:
    """Enable with the codes of the previous and the current step; the step recorded."""
    now = step_now()
    call("EnableMFADevice", UserName=user, SerialNumber=serial,
         AuthenticationCode1=code(seed, now - 1), AuthenticationCode2=code(seed, now))
    return now


def forget_last_step(svc: IdentityService, serial: str) -> None:
    """Let the device's current codes be used again (tests that need several fresh codes)."""
    with svc.db.write() as conn:
        conn.execute(update(s.mfa_devices).where(s.mfa_devices.c.serial == serial)
                     .values(last_step=None))


def session_token(svc: IdentityService, ctx: CallContext, **params: Any) -> CallContext:
    creds = svc.invoke("sts", "GetSessionToken", params, ctx)["Credentials"]
    return login(svc, creds["AccessKeyId"])


def assume(svc: IdentityService, ctx: CallContext, role_arn: str, **params: Any) -> dict[str, Any]:
    return svc.invoke("sts", "AssumeRole", {"RoleArn": role_arn, "RoleSessionName": "s1",
                                            **params}, ctx)


def trust(principal_arn: str, **extra: Any) -> str:
    return doc({"Effect": "Allow", "Principal": {"AWS": principal_arn},
                "Action": "sts:AssumeRole", **extra})


MFA_TRUE = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


# -- devices ---------------------------------------------------------------------------------------


def test_create_virtual_device(call: Any, account: Any) -> None:
    acct = account.account_id
    out = call("CreateVirtualMFADevice", VirtualMFADeviceName="alice-phone")["VirtualMFADevice"]
    assert out["SerialNumber"] == f"arn:aws:iam::{acct}:mfa/alice-phone"
    seed = out["Base32StringSeed"]
    assert isinstance(seed, bytes) and len(base64.b32decode(seed)) == 20
    assert "QRCodePNG" not in out and "Tags" not in out
    serial, _ = new_device(call, "Alice-Phone", Path="/team/",
                           Tags=[{"Key": "owner", "Value": "alice"}])
    assert serial == f"arn:aws:iam::{acct}:mfa/team/Alice-Phone"
    assert call("ListMFADeviceTags", SerialNumber=serial)["Tags"] == [
        {"Key": "owner", "Value": "alice"}]
    for name in ("alice-phone", "ALICE-PHONE"):  # names compare without case, per path
        err = refused(call, "CreateVirtualMFADevice", VirtualMFADeviceName=name)
        assert (err.code, err.status, err.message) == (
            "EntityAlreadyExists", 409, "MFADevice entity at the same path and name already exists.")
    err = refused(call, "CreateVirtualMFADevice", VirtualMFADeviceName="x" * 129)
    assert err.code == "ValidationError" and "less than or equal to 128" in err.message
    err = refused(call, "CreateVirtualMFADevice", VirtualMFADeviceName="bad name")
    assert err.code == "ValidationError"
    summary = call("GetAccountSummary")["SummaryMap"]
    assert (summary["MFADevices"], summary["MFADevicesInUse"], summary["AccountMFAEnabled"]) == (
        2, 0, 0)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_seed_is_a_secret_until_the_answer_is_serialised(svc: IdentityService,
                                                            ctx: CallContext) -> None:
    """What CreateVirtualMFADevice returns inside the service holds the seed as a SecretStr, so
    no log line or traceback that shows the result shows the seed; the rendered answer has it."""
    with svc.db.write() as conn:
        made = mfa.create_virtual_mfa_device(
            Tx(conn, ctx, datetime.now(UTC), svc.cipher, attempts=svc.attempts), "repr-check",
            tags=[{"Key": "k", "Value": "v"}])
    device = made["VirtualMFADevice"]
    seed = device.to_aws()["Base32StringSeed"]
    assert isinstance(seed, bytes) and len(base64.b32decode(seed)) == 20
    for shown in (repr(made), str(made), f"{made}"):
        assert seed.decode() not in shown and str(seed) not in shown
    assert device.to_aws()["Tags"] == [{"Key": "k", "Value": "v"}]


def test_enable_needs_two_consecutive_codes(svc: IdentityService, call: Any, account: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    clock = FakeClock()
    monkeypatch.setattr(svc, "attempts", AttemptLimiter(clock=clock))
    call("CreateUser", UserName="alice")
    serial, seed = new_device(call, "alice")
    now = step_now()
    c_prev, c_now, c_old = code(seed, now - 1), code(seed, now), code(seed, now - 3)

    def bad(first: str, second: str) -> None:
        err = refused(call, "EnableMFADevice", UserName="alice", SerialNumber=serial,
                      AuthenticationCode1=first, AuthenticationCode2=second)
        assert (err.code, err.status, err.message) == ("InvalidAuthenticationCode", 403, BAD_CODE)

    bad(c_now, c_now)  # the same code twice
    bad(c_now, c_prev)  # in the wrong order
    bad(c_old, c_now)  # not consecutive
    bad(code(seed, now - 11), code(seed, now - 10))  # consecutive, but long gone
    bad(other_than(c_prev), c_now)  # one wrong
    err = refused(call, "EnableMFADevice", UserName="alice", SerialNumber=serial,
                  AuthenticationCode1="12345", AuthenticationCode2=c_now)
    assert err.code == "ValidationError"  # the model's six digits
    assert call("ListMFADevices", UserName="alice")["MFADevices"] == []
    bad(c_prev, c_now)  # five wrong pairs: even the right one is refused for five minutes
    clock.now += attempts.WINDOW

    enable(call, "alice", serial, seed)
    devices = call("ListMFADevices", UserName="alice")["MFADevices"]
    assert [(d["UserName"], d["SerialNumber"]) for d in devices] == [("alice", serial)]
    assert abs(devices[0]["EnableDate"] - datetime.now(UTC)) < timedelta(minutes=1)
    summary = call("GetAccountSummary")["SummaryMap"]
    assert (summary["MFADevices"], summary["MFADevicesInUse"]) == (1, 1)

    call("CreateUser", UserName="bob")
    now = step_now()
    for user in ("alice", "bob"):  # a device is enabled for one user only
        err = refused(call, "EnableMFADevice", UserName=user, SerialNumber=serial,
                      AuthenticationCode1=code(seed, now), AuthenticationCode2=code(seed, now + 1))
        assert (err.code, err.message) == ("EntityAlreadyExists", "MFA Device is already in use.")
    err = refused(call, "EnableMFADevice", UserName="nobody", SerialNumber=serial,
                  AuthenticationCode1=c_prev, AuthenticationCode2=c_now)
    assert (err.code, err.message) == ("NoSuchEntity", "The user with name nobody cannot be found.")
    missing = f"arn:aws:iam::{account.account_id}:mfa/missing"
    err = refused(call, "EnableMFADevice", UserName="bob", SerialNumber=missing,
                  AuthenticationCode1=c_prev, AuthenticationCode2=c_now)
    assert (err.code, err.status, err.message) == (
        "NoSuchEntity", 404, f"VirtualMFADevice with serial number {missing} doesn't exist.")


def test_eight_devices_per_user(call: Any) -> None:
    call("CreateUser", UserName="collector")
    for i in range(8):
        enable(call, "collector", *new_device(call, f"d{i}"))
    serial, seed = new_device(call, "d8")
    now = step_now()
    err = refused(call, "EnableMFADevice", UserName="collector", SerialNumber=serial,
                  AuthenticationCode1=code(seed, now - 1), AuthenticationCode2=code(seed, now))
    assert (err.code, err.message) == ("LimitExceeded", "Cannot exceed quota for MFADevicesPerUser: 8")
    assert len(call("ListMFADevices", UserName="collector")["MFADevices"]) == 8


def test_lists_get_and_paging(call: Any, account: Any) -> None:
    call("CreateUser", UserName="carol", Path="/staff/")
    assigned, seed = new_device(call, "a-carol")
    free, _ = new_device(call, "b-spare")
    enable(call, "carol", assigned, seed)

    def listed(**params: Any) -> list[dict[str, Any]]:
        return call("ListVirtualMFADevices", **params)["VirtualMFADevices"]

    everything = listed()
    assert [d["SerialNumber"] for d in everything] == [assigned, free]
    assert listed(AssignmentStatus="Any") == everything
    [mine] = listed(AssignmentStatus="Assigned")
    user = call("GetUser", UserName="carol")["User"]
    assert mine["User"] == {k: user[k] for k in ("Path", "UserName", "UserId", "Arn", "CreateDate")}
    assert mine["EnableDate"] is not None
    assert listed(AssignmentStatus="Unassigned") == [{"SerialNumber": free}]
    for item in everything:
        assert "Base32StringSeed" not in item and "QRCodePNG" not in item
    err = refused(call, "ListVirtualMFADevices", AssignmentStatus="Some")
    assert err.code == "ValidationError"

    first = call("ListVirtualMFADevices", MaxItems=1)
    assert first["IsTruncated"] and [d["SerialNumber"] for d in first["VirtualMFADevices"]] == [
        assigned]
    rest = call("ListVirtualMFADevices", MaxItems=1, Marker=first["Marker"])
    assert not rest["IsTruncated"] and rest["VirtualMFADevices"] == [{"SerialNumber": free}]

    got = call("GetMFADevice", SerialNumber=assigned, UserName="carol")
    assert (got["UserName"], got["SerialNumber"]) == ("carol", assigned)
    assert got["EnableDate"] == mine["EnableDate"]
    # Without a user name it is the caller's device that is asked for (root has none), and the
    # call is authorised on the caller: nobody learns another user's device that way.
    for params in ({"SerialNumber": free}, {"SerialNumber": assigned}):
        err = refused(call, "GetMFADevice", **params)
        assert (err.code, err.message) == ("NoSuchEntity", "MFA Device invalid for user.")
    err = refused(call, "GetMFADevice", SerialNumber=assigned, UserName="someone")
    assert (err.code, err.message) == ("NoSuchEntity", "The user with name someone cannot be "
                                       "found.")
    assert call("ListMFADevices")["MFADevices"] == []  # the root user has none
    err = refused(call, "ListMFADevices", UserName="nobody")
    assert err.code == "NoSuchEntity"


def test_deactivate_and_delete(call: Any, account: Any) -> None:
    call("CreateUser", UserName="dave")
    call("CreateUser", UserName="erin")
    serial, seed = new_device(call, "dave", Tags=[{"Key": "k", "Value": "v"}])
    enable(call, "dave", serial, seed)
    err = refused(call, "DeleteVirtualMFADevice", SerialNumber=serial)
    assert (err.code, err.status, err.message) == (
        "DeleteConflict", 409, "MFA VirtualDevice in use. Must deactivate first.")
    err = refused(call, "DeleteUser", UserName="dave")
    assert (err.code, err.message) == (
        "DeleteConflict", "Cannot delete entity, must delete MFA device first.")
    err = refused(call, "DeactivateMFADevice", UserName="erin", SerialNumber=serial)
    assert (err.code, err.message) == ("NoSuchEntity", "MFA Device invalid for user.")
    err = refused(call, "DeactivateMFADevice", SerialNumber=serial)  # the root user has none
    assert (err.code, err.message) == ("NoSuchEntity", "MFA Device invalid for user.")

    call("DeactivateMFADevice", UserName="dave", SerialNumber=serial)
    assert call("ListMFADevices", UserName="dave")["MFADevices"] == []
    assert call("ListVirtualMFADevices", AssignmentStatus="Unassigned")["VirtualMFADevices"] == [
        {"SerialNumber": serial}]
    err = refused(call, "DeactivateMFADevice", UserName="dave", SerialNumber=serial)
    assert err.code == "NoSuchEntity"
    call("DeleteUser", UserName="dave")  # an unassigned device does not hold the user

    call("UntagMFADevice", SerialNumber=serial, TagKeys=["k"])
    assert call("ListMFADeviceTags", SerialNumber=serial)["Tags"] == []
    call("TagMFADevice", SerialNumber=serial, Tags=[{"Key": "k2", "Value": "v2"}])
    call("DeleteVirtualMFADevice", SerialNumber=serial)
    assert call("ListVirtualMFADevices")["VirtualMFADevices"] == []
    for operation, extra in (("DeleteVirtualMFADevice", {}), ("ListMFADeviceTags", {}),
                             ("TagMFADevice", {"Tags": [{"Key": "a", "Value": "b"}]})):
        err = refused(call, operation, SerialNumber=serial, **extra)
        assert (err.code, err.message) == (
            "NoSuchEntity", f"VirtualMFADevice with serial number {serial} doesn't exist.")
    # The name is free again, and the new device's tags are its own.
    again, _ = new_device(call, "dave")
    assert again == serial
    assert call("ListMFADeviceTags", SerialNumber=serial)["Tags"] == []


def test_resync(call: Any, svc: IdentityService) -> None:
    call("CreateUser", UserName="frank")
    serial, seed = new_device(call, "frank")
    err = refused(call, "ResyncMFADevice", UserName="frank", SerialNumber=serial,
                  AuthenticationCode1="000000", AuthenticationCode2="000000")
    assert (err.code, err.message) == ("NoSuchEntity", "MFA Device invalid for user.")
    last = enable(call, "frank", serial, seed)
    now = step_now()
    err = refused(call, "ResyncMFADevice", UserName="frank", SerialNumber=serial,
                  AuthenticationCode1=code(seed, now - 1), AuthenticationCode2=code(seed, now))
    assert (err.code, err.message) == ("InvalidAuthenticationCode", BAD_CODE)  # used already
    forget_last_step(svc, serial)
    call("ResyncMFADevice", UserName="frank", SerialNumber=serial,
         AuthenticationCode1=code(seed, now - 1), AuthenticationCode2=code(seed, now))
    with svc.db.read() as conn:
        recorded = conn.execute(select(s.mfa_devices.c.last_step).where(
            s.mfa_devices.c.serial == serial)).scalar_one()
    assert recorded >= last


def test_verify_code_window_and_replay(svc: IdentityService, call: Any, ctx: CallContext) -> None:
    call("CreateUser", UserName="gina")
    serial, seed = new_device(call, "gina")
    user_id = call("GetUser", UserName="gina")["User"]["UserId"]
    moment = datetime(2030, 1, 1, 12, 0, 10, tzinfo=UTC)
    at = mfa.current_step(moment)

    def verify(step: int, now: datetime = moment, user: str | None = user_id,
               device: str = serial) -> bool:
        with svc.db.write() as conn:
            tx = Tx(conn, ctx, now, svc.cipher, attempts=svc.attempts)
            return mfa.verify_code(tx, device, user, code(seed, step))

    assert not verify(at)  # not enabled yet
    with svc.db.write() as conn:  # enabled long before ``moment``
        tx = Tx(conn, ctx, moment - timedelta(hours=1), svc.cipher, attempts=svc.attempts)
        then = mfa.current_step(tx.now)
        mfa.enable_mfa_device(tx, "gina", serial, code(seed, then - 1), code(seed, then))
    assert not verify(at - 2) and not verify(at + 2)  # outside the window
    assert not verify(at, user=None) and not verify(at, user="AIDAOTHERUSER000000")
    assert not verify(at, device=serial + "x")
    assert verify(at - 1)  # the step before now...
    assert not verify(at - 1)  # ...once only
    assert verify(at + 1)  # the next one (a device slightly ahead)
    assert not verify(at)  # older than the last accepted: a replay
    later = moment + timedelta(seconds=30)
    assert not verify(at + 1, later) and verify(at + 2, later)
    with svc.db.write() as conn:
        tx = Tx(conn, ctx, later, svc.cipher, attempts=svc.attempts)
        assert not mfa.verify_code(tx, serial, user_id, "12a456")


def test_seed_is_not_in_the_raw_database(backend: Any, svc: IdentityService, call: Any) -> None:
    serial, seed = new_device(call, "leak-check")
    call("CreateUser", UserName="leak-check")
    enable(call, "leak-check", serial, seed)  # the stored seed works, so the search is not vacuous
    raw = raw_database(backend, svc)
    assert serial.encode() in raw
    text = seed.decode()
    secret = base64.b32decode(seed)
    forms = [*secret_forms(text), text.lower().encode(), secret, secret.hex().encode(),
             base64.b64encode(secret), base64.b64encode(seed)]
    for form in forms:
        assert form not in raw, form


# -- MFA in STS ------------------------------------------------------------------------------------


def test_get_session_token_with_mfa(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    user = new_user(call, svc, "hank")
    serial, seed = new_device(call, "hank")
    last = enable(call, "hank", serial, seed)

    plain = session_token(svc, user)
    assert plain.caller is not None
    assert plain.caller.base_context["aws:MultiFactorAuthPresent"] == "false"
    assert "aws:MultiFactorAuthAge" not in plain.caller.base_context
    assert "aws:MultiFactorAuthPresent" not in user.caller.base_context  # type: ignore[union-attr]

    fresh = code(seed, max(last, step_now()) + 1)
    proved = session_token(svc, user, SerialNumber=serial, TokenCode=fresh)
    assert proved.caller is not None and proved.caller.session is not None
    assert proved.caller.session.mfa_at is not None
    context = dict(proved.caller.base_context)
    assert context["aws:MultiFactorAuthPresent"] == "true"
    assert 0 <= int(context["aws:MultiFactorAuthAge"]) < 60
    who = svc.invoke("sts", "GetCallerIdentity", {}, proved)
    assert who["Arn"] == f"arn:aws:iam::{acct}:user/hank"

    err = refused(svc.invoke, "sts", "GetSessionToken",
                  {"SerialNumber": serial, "TokenCode": fresh}, user)
    assert (err.code, err.status, err.message) == ("AccessDenied", 403, BAD_STS_CODE)  # replay

    # A role that trusts hank only with MFA: his MFA session may assume it, the others may not.
    call("CreateRole", RoleName="guarded", AssumeRolePolicyDocument=trust(
        user.caller_arn, Condition=MFA_TRUE))
    role = f"arn:aws:iam::{acct}:role/guarded"
    for ctx in (user, plain):
        err = refused(assume, svc, ctx, role)
        assert err.code == "AccessDenied"
        assert err.message.startswith(f"User: {user.caller_arn} is not authorized to perform: "
                                      "sts:AssumeRole")
    out = assume(svc, proved, role)
    session = login(svc, out["Credentials"]["AccessKeyId"])
    assert session.caller is not None and session.caller.session is not None
    assert session.caller.session.mfa_at == proved.caller.session.mfa_at  # inherited
    assert session.caller.base_context["aws:MultiFactorAuthPresent"] == "true"
    assert "aws:MultiFactorAuthAge" in dict(session.caller.base_context)

    # The identity policy can ask for MFA too (a trust policy naming the account defers to it).
    call("CreateRole", RoleName="by-policy", AssumeRolePolicyDocument=trust(acct))
    call("PutUserPolicy", UserName="hank", PolicyName="p", PolicyDocument=doc(
        allow("sts:AssumeRole", resource=f"arn:aws:iam::{acct}:role/by-policy",
              Condition=MFA_TRUE)))
    refreshed = login(svc, user.caller.access_key_id)  # type: ignore[union-attr]
    err = refused(assume, svc, refreshed, f"arn:aws:iam::{acct}:role/by-policy")
    assert err.message.endswith("because no identity-based policy allows the sts:AssumeRole "
                                "action")
    proved_again = login(svc, proved.caller.access_key_id)  # after the policy change
    assume(svc, proved_again, f"arn:aws:iam::{acct}:role/by-policy")


def test_assume_role_with_a_code(svc: IdentityService, call: Any, account: Any,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    acct = account.account_id
    user = new_user(call, svc, "ivy")
    serial, seed = new_device(call, "ivy")
    last = enable(call, "ivy", serial, seed)
    call("CreateRole", RoleName="guarded", AssumeRolePolicyDocument=trust(
        user.caller_arn, Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "60"}, **MFA_TRUE}))
    call("PutRolePolicy", RoleName="guarded", PolicyName="p", PolicyDocument=doc(
        allow("iam:ListUsers", Condition=MFA_TRUE),
        allow("iam:ListRoles", Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": "300"}})))
    role = f"arn:aws:iam::{acct}:role/guarded"
    assert refused(assume, svc, user, role).code == "AccessDenied"
    err = refused(assume, svc, user, role, SerialNumber=serial,
                  TokenCode=other_than(*(code(seed, s) for s in range(last - 2, last + 3))))
    assert (err.code, err.message) == ("AccessDenied", BAD_STS_CODE)
    out = assume(svc, user, role, SerialNumber=serial, TokenCode=code(seed, max(last, step_now()) + 1))
    session = login(svc, out["Credentials"]["AccessKeyId"])
    assert svc.invoke("iam", "ListUsers", {}, session)["Users"]
    assert "Roles" in svc.invoke("iam", "ListRoles", {}, session)

    # The age is read at request time, not when the caller was resolved (and cached).
    assert session.caller is not None
    cached = svc.resolve(svc.lookup_key(session.caller.access_key_id))  # type: ignore[arg-type]
    assert cached is session.caller
    later = datetime.now(UTC) + timedelta(hours=1)
    monkeypatch.setattr(principal, "_now", lambda: later)
    assert int(cached.base_context["aws:MultiFactorAuthAge"]) >= 3599
    err = refused(svc.invoke, "iam", "ListRoles", {}, session)
    assert err.message.endswith("because no identity-based policy allows the iam:ListRoles action")
    svc.invoke("iam", "ListUsers", {}, session)
    monkeypatch.undo()

    # Without MFA the same role policy allows neither.
    call("UpdateAssumeRolePolicy", RoleName="guarded", PolicyDocument=trust(user.caller_arn))
    bare = login(svc, assume(svc, user, role)["Credentials"]["AccessKeyId"])
    for operation in ("ListUsers", "ListRoles"):
        assert refused(svc.invoke, "iam", operation, {}, bare).code == "AccessDenied"


def test_mfa_codes_sts_refuses(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    user = new_user(call, svc, "jack")
    serial, seed = new_device(call, "jack")
    spare, spare_seed = new_device(call, "spare")  # never enabled
    now = step_now()

    def gst_refused(ctx: CallContext, **params: Any) -> str:
        err = refused(svc.invoke, "sts", "GetSessionToken", params, ctx)
        assert err.code == "AccessDenied"
        return err.message

    assert gst_refused(user, SerialNumber=serial, TokenCode=code(seed, now)) == BAD_STS_CODE
    assert gst_refused(user, SerialNumber=spare, TokenCode=code(spare_seed, now)) == BAD_STS_CODE
    assert gst_refused(user, SerialNumber=f"arn:aws:iam::{acct}:mfa/none",
                       TokenCode="123456") == BAD_STS_CODE
    both = ("MultiFactorAuthentication failed, must provide both MFA serial number and one time "
            "pass code.")
    assert gst_refused(user, SerialNumber=serial) == both
    assert gst_refused(user, TokenCode="123456") == both
    err = refused(svc.invoke, "sts", "GetSessionToken",
                  {"SerialNumber": serial, "TokenCode": "12345"}, user)
    assert err.code == "ValidationError"

    enable(call, "jack", serial, seed)
    forget_last_step(svc, serial)
    root = login(svc, account.access_key_id)  # another user's device is not the root user's
    assert gst_refused(root, SerialNumber=serial, TokenCode=code(seed, now)) == BAD_STS_CODE
    other = new_user(call, svc, "kate")  # ...nor another user's
    assert gst_refused(other, SerialNumber=serial, TokenCode=code(seed, now)) == BAD_STS_CODE

    # A role session has no device: a code from it is refused.
    call("CreateRole", RoleName="plain", AssumeRolePolicyDocument=trust(user.caller_arn))
    role = f"arn:aws:iam::{acct}:role/plain"
    role_session = login(svc, assume(svc, user, role)["Credentials"]["AccessKeyId"])
    err = refused(assume, svc, role_session, role, SerialNumber=serial, TokenCode=code(seed, now))
    assert (err.code, err.message) == ("AccessDenied", BAD_STS_CODE)

    # After deactivation the device proves nothing.
    call("DeactivateMFADevice", UserName="jack", SerialNumber=serial)
    forget_last_step(svc, serial)
    assert gst_refused(user, SerialNumber=serial, TokenCode=code(seed, now)) == BAD_STS_CODE


def test_get_mfa_device_is_the_callers_own_without_a_user_name(svc: IdentityService,
                                                                call: Any, account: Any) -> None:
    """A user allowed GetMFADevice on itself only cannot read another user's device by leaving
    the user name out."""
    own = f"arn:aws:iam::{account.account_id}:user/${{aws:username}}"
    alice = new_user(call, svc, "alice", allow("iam:GetMFADevice", resource=own))
    call("CreateUser", UserName="bob")
    serial, seed = new_device(call, "bob")
    enable(call, "bob", serial, seed)
    err = refused(svc.invoke, "iam", "GetMFADevice", {"SerialNumber": serial}, alice)
    assert (err.code, err.message) == ("NoSuchEntity", "MFA Device invalid for user.")
    err = refused(svc.invoke, "iam", "GetMFADevice",
                  {"SerialNumber": serial, "UserName": "bob"}, alice)
    assert err.code == "AccessDenied"
    mine, my_seed = new_device(call, "alice")
    enable(call, "alice", mine, my_seed)
    got = svc.invoke("iam", "GetMFADevice", {"SerialNumber": mine}, alice)
    assert (got["UserName"], got["SerialNumber"]) == ("alice", mine)


def test_guessing_codes_locks_the_device_for_that_user(svc: IdentityService, call: Any,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Five wrong codes in GetSessionToken: the right one is refused too, with the same answer,
    until five minutes have passed; another user's guesses at the device lock nothing for its
    owner."""
    clock = FakeClock()
    monkeypatch.setattr(svc, "attempts", AttemptLimiter(clock=clock))
    user = new_user(call, svc, "mia")
    other = new_user(call, svc, "noah")
    serial, seed = new_device(call, "mia")
    last = enable(call, "mia", serial, seed)
    right = code(seed, max(last, step_now()) + 1)
    for _ in range(attempts.MAX_FAILURES):  # noah guesses: not his device, no effect on mia's
        refused(svc.invoke, "sts", "GetSessionToken",
                {"SerialNumber": serial, "TokenCode": other_than(right)}, other)
    for _ in range(attempts.MAX_FAILURES):
        err = refused(svc.invoke, "sts", "GetSessionToken",
                      {"SerialNumber": serial, "TokenCode": other_than(right)}, user)
        assert (err.code, err.message) == ("AccessDenied", BAD_STS_CODE)
    err = refused(svc.invoke, "sts", "GetSessionToken",
                  {"SerialNumber": serial, "TokenCode": right}, user)
    assert (err.code, err.message) == ("AccessDenied", BAD_STS_CODE)
    clock.now += attempts.WINDOW
    proved = session_token(svc, user, SerialNumber=serial, TokenCode=right)
    assert proved.caller is not None and proved.caller.session is not None
    assert proved.caller.session.mfa_at is not None


def test_guesses_at_devices_one_does_not_have_do_not_fill_the_limiter(
        svc: IdentityService, call: Any, account: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Codes for serials that do not exist, or for a device of someone else, are refused with
    the answer a wrong code gets but counted against nothing: one key cannot fill the limiter
    with made-up serials and push a real lock out of it."""
    clock = FakeClock()
    limiter = AttemptLimiter(clock=clock)
    monkeypatch.setattr(svc, "attempts", limiter)
    monkeypatch.setattr(attempts, "MAX_SUBJECTS", 2)
    user = new_user(call, svc, "pia")
    other = new_user(call, svc, "quinn")
    serial, seed = new_device(call, "pia")
    last = enable(call, "pia", serial, seed)
    right = code(seed, max(last, step_now()) + 1)
    for _ in range(attempts.MAX_FAILURES):
        refused(svc.invoke, "sts", "GetSessionToken",
                {"SerialNumber": serial, "TokenCode": other_than(right)}, user)
    assert len(limiter._failures) == 1
    made_up = [f"arn:aws:iam::{account.account_id}:mfa/guess{i}" for i in range(20)]
    for guess, caller in [*((g, user) for g in made_up), *((g, other) for g in made_up),
                          (serial, other)]:
        err = refused(svc.invoke, "sts", "GetSessionToken",
                      {"SerialNumber": guess, "TokenCode": "123456"}, caller)
        assert (err.code, err.message) == ("AccessDenied", BAD_STS_CODE)
    assert len(limiter._failures) == 1
    err = refused(svc.invoke, "sts", "GetSessionToken",  # still locked
                  {"SerialNumber": serial, "TokenCode": right}, user)
    assert (err.code, err.message) == ("AccessDenied", BAD_STS_CODE)


def test_a_serial_number_longer_than_other_calls_accept_is_refused(call: Any) -> None:
    """Every call after CreateVirtualMFADevice names the device by a SerialNumber of at most 256
    characters: a longer one would make a device nobody can enable or delete."""
    err = refused(call, "CreateVirtualMFADevice", VirtualMFADeviceName="d", Path="/" + "p/" * 200)
    assert err.code == "InvalidInput" and "at most 256" in err.message
    assert call("ListVirtualMFADevices")["VirtualMFADevices"] == []


def test_codes_are_not_echoed_in_validation_errors(svc: IdentityService, call: Any) -> None:
    user = new_user(call, svc, "otto")
    err = refused(svc.invoke, "sts", "GetSessionToken",
                  {"SerialNumber": "arn:aws:iam::123456789012:mfa/x", "TokenCode": "6083879"},
                  user)
    assert err.code == "ValidationError" and "6083879" not in err.message
    err = refused(call, "EnableMFADevice", UserName="otto", SerialNumber="x" * 9,
                  AuthenticationCode1="1234567", AuthenticationCode2="123456")
    assert err.code == "ValidationError" and "1234567" not in err.message


def test_calling_user_manages_its_own_device(svc: IdentityService, call: Any) -> None:
    user = new_user(call, svc, "liam", allow("iam:*"))
    device = svc.invoke("iam", "CreateVirtualMFADevice", {"VirtualMFADeviceName": "liam"}, user)
    serial, seed = (device["VirtualMFADevice"][k] for k in ("SerialNumber", "Base32StringSeed"))
    now = step_now()
    svc.invoke("iam", "EnableMFADevice", {
        "UserName": "liam", "SerialNumber": serial, "AuthenticationCode1": code(seed, now - 1),
        "AuthenticationCode2": code(seed, now)}, user)
    listed = svc.invoke("iam", "ListMFADevices", {}, user)["MFADevices"]
    assert [d["SerialNumber"] for d in listed] == [serial]
    svc.invoke("iam", "DeactivateMFADevice", {"SerialNumber": serial}, user)
    assert svc.invoke("iam", "ListMFADevices", {}, user)["MFADevices"] == []


def test_the_self_manage_mfa_policy_works(svc: IdentityService, call: Any, account: Any) -> None:
    """The IAM User Guide's "manage their own MFA device" pattern: device operations are
    authorised on the device's ARN (``arn:aws:iam::ACCOUNT:mfa/NAME``), not on ``*``."""
    acct = account.account_id
    own = f"arn:aws:iam::{acct}:mfa/${{aws:username}}"
    user = new_user(call, svc, "maya", allow(
        "iam:CreateVirtualMFADevice", "iam:DeleteVirtualMFADevice", resource=own))
    run = lambda op, **p: svc.invoke("iam", op, p, user)  # noqa: E731
    made = run("CreateVirtualMFADevice", VirtualMFADeviceName="maya")["VirtualMFADevice"]
    assert made["SerialNumber"] == f"arn:aws:iam::{acct}:mfa/maya"
    err = refused(run, "CreateVirtualMFADevice", VirtualMFADeviceName="not-maya")
    assert err.message == (
        f"User: arn:aws:iam::{acct}:user/maya is not authorized to perform: "
        f"iam:CreateVirtualMFADevice on resource: arn:aws:iam::{acct}:mfa/not-maya because no "
        "identity-based policy allows the iam:CreateVirtualMFADevice action")
    other, _ = new_device(call, "someone-else")
    err = refused(run, "DeleteVirtualMFADevice", SerialNumber=other)
    assert err.code == "AccessDenied" and f"on resource: {other} " in err.message
    run("DeleteVirtualMFADevice", SerialNumber=made["SerialNumber"])


def test_a_session_token_made_with_mfa_may_call_iam(svc: IdentityService, call: Any) -> None:
    """GetSessionToken credentials reach IAM only when the session was made with an MFA code
    (STS API Reference, GetSessionToken); without one IAM says the token is invalid."""
    user = new_user(call, svc, "nell", allow("iam:GetUser"))
    serial, seed = new_device(call, "nell")
    last = enable(call, "nell", serial, seed)
    plain = session_token(svc, user)
    err = refused(svc.invoke, "iam", "GetUser", {}, plain)
    assert (err.code, err.message) == ("InvalidClientTokenId",
                                       "The security token included in the request is invalid.")
    proved = session_token(svc, user, SerialNumber=serial,
                           TokenCode=code(seed, max(last, step_now()) + 1))
    assert svc.invoke("iam", "GetUser", {}, proved)["User"]["UserName"] == "nell"
    err = refused(svc.invoke, "sts", "GetSessionToken", {}, proved)
    assert err.message == "Cannot call GetSessionToken with session credentials"
