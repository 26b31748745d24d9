"""The credential report (GenerateCredentialReport, GetCredentialReport) on SQLite and PostgreSQL:
no report before one is generated, AWS's columns and values, no secret in the CSV, expiry after
four hours, last-use records that reach the report without a write, and authorisation on ``*``.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

from callers import code, login, new_user, refused, step_now
from policy_docs import allow, doc
from sqlalchemy import select, update

from a2c_iam.audit import parse_credential_report
from a2c_iam.identity import IdentityService, reports
from a2c_iam.store import schema as s

HEADER = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated")
PASSWORD = "Corr3ct-Horse-battery"


# -- helpers ---------------------------------------------------------------------------------------


def enable_device(call: Any, user: str) -> str:
    device = call("CreateVirtualMFADevice", VirtualMFADeviceName=f"{user}-mfa")["VirtualMFADevice"]
    seed, now = device["Base32StringSeed"], step_now()
    call("EnableMFADevice", UserName=user, SerialNumber=device["SerialNumber"],
         AuthenticationCode1=code(seed, now - 1), AuthenticationCode2=code(seed, now))
    return str(device["Base32StringSeed"].decode())


def report(call: Any) -> tuple[str, dict[str, Any]]:
    """A fresh report: its CSV text and the GetCredentialReport answer."""
    assert call("GenerateCredentialReport") == {"State": "COMPLETE"}
    got = call("GetCredentialReport")
    assert isinstance(got["Content"], bytes)
    return got["Content"].decode("utf-8"), got


def rows(text: str) -> dict[str, dict[str, str]]:
    return {r["user"]: r for r in csv.DictReader(io.StringIO(text))}


def iso(value: datetime) -> str:
    return value.astimezone(UTC).replace(microsecond=0).isoformat()


# -- tests -----------------------------------------------------------------------------------------


def test_no_report_before_one_is_generated(svc: IdentityService, call: Any) -> None:
    err = refused(call, "GetCredentialReport")
    assert (err.code, err.status, err.message) == (
        "ReportNotPresent", 410, "Credential report not present")
    text, got = report(call)
    assert got["ReportFormat"] == "text/csv"
    assert abs(got["GeneratedTime"] - datetime.now(UTC)) < timedelta(minutes=1)
    assert text.split("\n")[0] == HEADER
    assert not text.endswith("\n")


def test_root_row(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    text, _ = report(call)
    lines = text.split("\n")
    assert len(lines) == 2  # header, root: the account has no user yet
    root = rows(text)["<root_account>"]
    with svc.db.read() as conn:
        created = conn.execute(select(s.accounts.c.created_at).where(
            s.accounts.c.id == acct)).scalar_one()
    assert list(root.values()) == [
        "<root_account>", f"arn:aws:iam::{acct}:root", iso(created), "not_supported",
        "no_information", "not_supported", "not_supported", "not_supported",
        "true", iso(created), "N/A", "N/A", "N/A",  # the root key made with the account
        "false", "N/A", "N/A", "N/A", "N/A",
        "false", "N/A", "false", "N/A"]


def test_user_with_password_mfa_and_two_keys(svc: IdentityService, call: Any,
                                             account: Any) -> None:
    acct = account.account_id
    call("UpdateAccountPasswordPolicy", MaxPasswordAge=90)
    call("CreateUser", UserName="zed", Path="/people/")
    call("CreateUser", UserName="alice", Path="/people/")
    call("PutUserPolicy", UserName="alice", PolicyName="p", PolicyDocument=doc(
        allow("iam:GetUser")))
    profile = call("CreateLoginProfile", UserName="alice", Password=PASSWORD)["LoginProfile"]
    seed = enable_device(call, "alice")
    first = call("CreateAccessKey", UserName="alice")["AccessKey"]
    second = call("CreateAccessKey", UserName="alice")["AccessKey"]
    call("UpdateAccessKey", UserName="alice", AccessKeyId=first["AccessKeyId"], Status="Inactive")
    alice = login(svc, second["AccessKeyId"])
    svc.invoke("iam", "GetUser", {}, alice, {"aws:RequestedRegion": "eu-west-1"})
    used = call("GetAccessKeyLastUsed", AccessKeyId=second["AccessKeyId"])["AccessKeyLastUsed"]

    text, _ = report(call)
    assert [line.split(",")[0] for line in text.split("\n")] == [
        "user", "<root_account>", "alice", "zed"]
    row = rows(text)["alice"]
    users = {u["UserName"]: u for u in call("ListUsers")["Users"]}
    changed = profile["CreateDate"]
    assert row == {
        "user": "alice", "arn": f"arn:aws:iam::{acct}:user/people/alice",
        "user_creation_time": iso(users["alice"]["CreateDate"]),
        "password_enabled": "true", "password_last_used": "no_information",
        "password_last_changed": iso(changed),
        "password_next_rotation": iso(changed + timedelta(days=90)),
        "mfa_active": "true",
        "access_key_1_active": "false", "access_key_1_last_rotated": iso(first["CreateDate"]),
        "access_key_1_last_used_date": "N/A", "access_key_1_last_used_region": "N/A",
        "access_key_1_last_used_service": "N/A",
        "access_key_2_active": "true", "access_key_2_last_rotated": iso(second["CreateDate"]),
        "access_key_2_last_used_date": iso(used["LastUsedDate"]),
        "access_key_2_last_used_region": "eu-west-1", "access_key_2_last_used_service": "iam",
        "cert_1_active": "false", "cert_1_last_rotated": "N/A",
        "cert_2_active": "false", "cert_2_last_rotated": "N/A"}
    zed = rows(text)["zed"]
    assert (zed["password_enabled"], zed["password_last_used"], zed["password_last_changed"],
            zed["password_next_rotation"], zed["mfa_active"], zed["access_key_1_active"],
            zed["access_key_1_last_rotated"]) == ("false", "N/A", "N/A", "N/A", "false",
                                                  "false", "N/A")

    # The audit's reader takes it as AWS's report.
    parsed = parse_credential_report(text)
    assert set(parsed) == {"<root_account>", "alice", "zed"}
    keys = parsed["alice"].keys
    assert parsed["alice"].password_enabled is True and parsed["alice"].mfa_active is True
    assert [(k.number, k.active, k.last_service, k.last_region) for k in keys] == [
        (1, False, None, None), (2, True, "iam", "eu-west-1")]
    assert parsed["zed"].keys == () and parsed["<root_account>"].active_keys

    # Nothing secret: no key secret, password, password hash or MFA seed.
    with svc.db.read() as conn:
        digest = conn.execute(select(s.login_profiles.c.password_hash).where(
            s.login_profiles.c.account_id == acct)).scalars().all()
    assert len(digest) == 1
    for secret in (first["SecretAccessKey"], second["SecretAccessKey"], PASSWORD, seed,
                   account.secret.get_secret_value(), *digest):
        assert str(secret) not in text
    assert "scrypt" not in text


def test_a_changed_password_and_no_expiry_policy(svc: IdentityService, call: Any) -> None:
    user_id = call("CreateUser", UserName="carol")["User"]["UserId"]
    call("CreateLoginProfile", UserName="carol", Password=PASSWORD)
    with svc.db.write() as conn:  # set a month ago, changed yesterday
        conn.execute(update(s.login_profiles).where(s.login_profiles.c.user_id == user_id).values(
            created_at=datetime.now(UTC) - timedelta(days=30),
            password_changed_at=datetime.now(UTC) - timedelta(days=1)))
    row = rows(report(call)[0])["carol"]
    changed = datetime.fromisoformat(row["password_last_changed"])
    assert timedelta(hours=23) < datetime.now(UTC) - changed < timedelta(hours=25)
    assert row["password_next_rotation"] == "N/A"  # no password policy: passwords never expire


def test_last_use_reaches_the_report_without_a_write(svc: IdentityService, call: Any) -> None:
    """A key's last-use record changes no generation, so the report must not be a cached read."""
    bob = new_user(call, svc, "bob", allow("iam:GetUser"))
    before = rows(report(call)[0])["bob"]
    assert before["access_key_1_last_used_date"] == "N/A"
    svc.invoke("iam", "GetUser", {}, bob, {"aws:RequestedRegion": "us-west-2"})
    after = rows(call("GetCredentialReport")["Content"].decode())["bob"]
    assert (after["access_key_1_last_used_region"], after["access_key_1_last_used_service"]) == (
        "us-west-2", "iam")


def test_a_report_expires_after_four_hours(svc: IdentityService, call: Any,
                                           account: Any) -> None:
    _, first = report(call)
    with svc.db.write() as conn:
        e = s.audit_events.c
        conn.execute(update(s.audit_events).where(
            e.account_id == account.account_id, e.operation == "GenerateCredentialReport",
        ).values(at=datetime.now(UTC) - reports.REPORT_LIFETIME - timedelta(minutes=1)))
    err = refused(call, "GetCredentialReport")
    assert (err.code, err.status) == ("ReportExpired", 410)
    _, again = report(call)
    assert again["GeneratedTime"] >= first["GeneratedTime"]


def test_authorised_on_star(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    nobody = new_user(call, svc, "nobody", allow("iam:ListUsers"))
    err = refused(svc.invoke, "iam", "GenerateCredentialReport", {}, nobody)
    assert (err.code, err.status, err.message) == ("AccessDenied", 403, (
        f"User: arn:aws:iam::{acct}:user/nobody is not authorized to perform: "
        "iam:GenerateCredentialReport on resource: * because no identity-based policy allows "
        "the iam:GenerateCredentialReport action"))
    # A refused call makes no report.
    assert refused(call, "GetCredentialReport").code == "ReportNotPresent"
    err = refused(svc.invoke, "iam", "GetCredentialReport", {}, nobody)
    assert err.code == "AccessDenied" and "iam:GetCredentialReport on resource: *" in err.message

    auditor = new_user(call, svc, "auditor", allow(
        "iam:GenerateCredentialReport", "iam:GetCredentialReport"))
    assert svc.invoke("iam", "GenerateCredentialReport", {}, auditor)["State"] == "COMPLETE"
    got = svc.invoke("iam", "GetCredentialReport", {}, auditor)
    assert set(rows(got["Content"].decode())) == {"<root_account>", "auditor", "nobody"}
    # Reports are the account's: another account still has none.
    other = svc.create_account()
    err = refused(svc.run, "iam", "GetCredentialReport", svc.context(other.account_id))
    assert err.code == "ReportNotPresent"
