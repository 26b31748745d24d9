"""STS: AssumeRole (trust, cross-account, ExternalId, durations, session policies, tags, source
identity, chaining), GetSessionToken, GetCallerIdentity, expiry — on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from callers import login, new_user, refused
from policy_docs import allow, doc
from raw_store import raw_database, secret_forms
from sqlalchemy import update

from a2c_iam.identity import CallContext, IdentityService
from a2c_iam.store import schema as s


def trust(principal: Any, *actions: str, **extra: Any) -> str:
    return doc({"Effect": "Allow", "Principal": {"AWS": principal},
                "Action": list(actions) or ["sts:AssumeRole"], **extra})


def assume(svc: IdentityService, ctx: CallContext, role_arn: str, session: str = "s1",
           **params: Any) -> dict[str, Any]:
    return svc.invoke("sts", "AssumeRole",
                      {"RoleArn": role_arn, "RoleSessionName": session, **params}, ctx)


def role_arn(account: str, name: str, path: str = "/") -> str:
    return f"arn:aws:iam::{account}:role{path}{name}"


def test_assume_role_trusting_the_user_directly(svc: IdentityService, call: Any,
                                                account: Any) -> None:
    acct = account.account_id
    alice = new_user(call, svc, "alice")  # no identity policy at all
    call("CreateRole", RoleName="reader", Path="/app/",
         AssumeRolePolicyDocument=trust(alice.caller_arn))
    call("AttachRolePolicy", RoleName="reader",
         PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    before = datetime.now(UTC)
    out = assume(svc, alice, role_arn(acct, "reader", "/app/"), "work")
    creds = out["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["AccessKeyId"]) == 20
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{acct}:assumed-role/reader/work"
    assert out["AssumedRoleUser"]["AssumedRoleId"].startswith("AROA")
    assert out["AssumedRoleUser"]["AssumedRoleId"].endswith(":work")
    expires = creds["Expiration"]
    assert timedelta(seconds=3590) < expires - before < timedelta(seconds=3610)
    assert "PackedPolicySize" not in out

    record = svc.lookup_key(creds["AccessKeyId"])
    assert record is not None
    assert record.secret == creds["SecretAccessKey"]
    assert record.session_token == creds["SessionToken"]
    assert record.expires_at == expires
    session = login(svc, creds["AccessKeyId"])
    who = svc.invoke("sts", "GetCallerIdentity", {}, session)
    assert who == {"UserId": out["AssumedRoleUser"]["AssumedRoleId"], "Account": acct,
                   "Arn": out["AssumedRoleUser"]["Arn"]}
    assert session.caller is not None
    assert session.caller.base_context["aws:PrincipalArn"] == role_arn(acct, "reader", "/app/")
    assert svc.invoke("iam", "ListUsers", {}, session)["Users"]
    err = refused(svc.invoke, "iam", "CreateUser", {"UserName": "x"}, session)
    assert err.message.startswith(
        f"User: arn:aws:sts::{acct}:assumed-role/reader/work is not authorized to perform: "
        "iam:CreateUser")


def test_trust_naming_the_account_needs_an_identity_policy(svc: IdentityService, call: Any,
                                                          account: Any) -> None:
    acct = account.account_id
    call("CreateRole", RoleName="r", AssumeRolePolicyDocument=trust(acct))
    bare = new_user(call, svc, "bare")
    err = refused(assume, svc, bare, role_arn(acct, "r"))
    assert err.code == "AccessDenied"
    assert err.message == (
        f"User: {bare.caller_arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{role_arn(acct, 'r')} because no identity-based policy allows the sts:AssumeRole action")
    able = new_user(call, svc, "able", allow("sts:AssumeRole", resource=role_arn(acct, "r")))
    assume(svc, able, role_arn(acct, "r"))


def test_trust_not_naming_the_caller(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    other = f"arn:aws:iam::{acct}:user/someone-else"
    call("CreateUser", UserName="someone-else")
    call("CreateRole", RoleName="r", AssumeRolePolicyDocument=trust(other))
    mallory = new_user(call, svc, "mallory", allow("sts:AssumeRole"))
    err = refused(assume, svc, mallory, role_arn(acct, "r"))
    assert err.message == (f"User: {mallory.caller_arn} is not authorized to perform: "
                           f"sts:AssumeRole on resource: {role_arn(acct, 'r')}")
    err = refused(assume, svc, mallory, role_arn(acct, "missing"))
    assert err.code == "AccessDenied"
    root = login(svc, account.access_key_id)
    err = refused(assume, svc, root, role_arn(acct, "r"))
    assert err.message == "Roles may not be assumed by root accounts."


def test_cross_account_needs_both_sides(svc: IdentityService, call: Any, account: Any) -> None:
    home = account.account_id
    other = svc.create_account()
    svc.run("iam", "CreateRole", svc.context(other.account_id), RoleName="shared",
            AssumeRolePolicyDocument=trust(home))
    target = role_arn(other.account_id, "shared")
    bare = new_user(call, svc, "bare")
    err = refused(assume, svc, bare, target)
    assert "because no identity-based policy allows the sts:AssumeRole action" in err.message
    able = new_user(call, svc, "able", allow("sts:AssumeRole", resource=target))
    out = assume(svc, able, target)
    assert out["AssumedRoleUser"]["Arn"].startswith(f"arn:aws:sts::{other.account_id}:")
    session = login(svc, out["Credentials"]["AccessKeyId"])
    assert session.caller is not None and session.caller.account_id == other.account_id
    # A role of the other account that does not trust this one stays closed.
    svc.run("iam", "CreateRole", svc.context(other.account_id), RoleName="closed",
            AssumeRolePolicyDocument=trust(other.account_id))
    refused(assume, svc, able, role_arn(other.account_id, "closed"))


def test_external_id_condition(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    user = new_user(call, svc, "vendor")
    call("CreateRole", RoleName="r", AssumeRolePolicyDocument=trust(
        user.caller_arn, Condition={"StringEquals": {"sts:ExternalId": "ext-123456"}}))
    refused(assume, svc, user, role_arn(acct, "r"))
    refused(assume, svc, user, role_arn(acct, "r"), ExternalId="wrong-id")
    assume(svc, user, role_arn(acct, "r"), ExternalId="ext-123456")


def test_duration_limits_and_role_chaining(svc: IdentityService, call: Any,
                                          account: Any) -> None:
    acct = account.account_id
    user = new_user(call, svc, "chainer")
    call("CreateRole", RoleName="first", MaxSessionDuration=7200,
         AssumeRolePolicyDocument=trust(user.caller_arn))
    err = refused(assume, svc, user, role_arn(acct, "first"), DurationSeconds=7201)
    assert (err.code, err.message) == (
        "ValidationError",
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
    err = refused(assume, svc, user, role_arn(acct, "first"), DurationSeconds=899)
    assert err.code == "ValidationError"
    out = assume(svc, user, role_arn(acct, "first"), DurationSeconds=7200)
    first = login(svc, out["Credentials"]["AccessKeyId"])
    call("CreateRole", RoleName="second", MaxSessionDuration=43200,
         AssumeRolePolicyDocument=trust(role_arn(acct, "first")))
    call("PutRolePolicy", RoleName="first", PolicyName="chain",
         PolicyDocument=doc(allow("sts:AssumeRole")))
    first = login(svc, out["Credentials"]["AccessKeyId"])  # re-resolved after the change
    err = refused(assume, svc, first, role_arn(acct, "second"), DurationSeconds=3601)
    assert err.message == ("The requested DurationSeconds exceeds the 1 hour session limit for "
                           "roles assumed by role chaining.")
    chained = assume(svc, first, role_arn(acct, "second"), "hop")
    assert chained["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{acct}:assumed-role/second/hop"


def test_session_policies_narrow_the_role(svc: IdentityService, call: Any,
                                         account: Any) -> None:
    acct = account.account_id
    user = new_user(call, svc, "narrow")
    call("CreateRole", RoleName="wide", AssumeRolePolicyDocument=trust(user.caller_arn))
    call("AttachRolePolicy", RoleName="wide",
         PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    out = assume(svc, user, role_arn(acct, "wide"),
                 Policy=doc(allow("iam:ListRoles", "s3:*")))
    assert 0 < out["PackedPolicySize"] <= 100
    session = login(svc, out["Credentials"]["AccessKeyId"])
    svc.invoke("iam", "ListRoles", {}, session)
    err = refused(svc.invoke, "iam", "ListUsers", {}, session)
    assert err.message.endswith("because no session policy allows the iam:ListUsers action")

    managed = call("CreatePolicy", PolicyName="users-only",
                   PolicyDocument=doc(allow("iam:ListUsers")))["Policy"]["Arn"]
    out = assume(svc, user, role_arn(acct, "wide"), "s2", PolicyArns=[{"arn": managed}])
    session = login(svc, out["Credentials"]["AccessKeyId"])
    svc.invoke("iam", "ListUsers", {}, session)
    refused(svc.invoke, "iam", "ListRoles", {}, session)


def test_session_policy_errors(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    user = new_user(call, svc, "sloppy")
    call("CreateRole", RoleName="r", AssumeRolePolicyDocument=trust(user.caller_arn))
    err = refused(assume, svc, user, role_arn(acct, "r"), Policy='{"Version": "2012-10-17"')
    assert err.code == "MalformedPolicyDocument"
    big = doc(*[allow(f"s3:GetObject{i:04d}", resource=f"arn:aws:s3:::bucket-{i:04d}/*")
                for i in range(40)])
    err = refused(assume, svc, user, role_arn(acct, "r"), Policy=big)
    assert err.code == "ValidationError" and "2048" in err.message
    err = refused(assume, svc, user, role_arn(acct, "r"),
                  PolicyArns=[{"arn": f"arn:aws:iam::{acct}:policy/none"}])
    assert err.code == "MalformedPolicyDocument"


def test_session_tags_need_tag_session_and_pass_on(svc: IdentityService, call: Any,
                                                  account: Any) -> None:
    acct = account.account_id
    user = new_user(call, svc, "tagger")
    call("CreateRole", RoleName="plain", AssumeRolePolicyDocument=trust(user.caller_arn))
    tags = [{"Key": "project", "Value": "a2c"}, {"Key": "cost", "Value": "42"}]
    err = refused(assume, svc, user, role_arn(acct, "plain"), Tags=tags)
    assert "sts:TagSession" in err.message
    call("CreateRole", RoleName="tagged", Tags=[{"Key": "cost", "Value": "0"}],
         AssumeRolePolicyDocument=trust(user.caller_arn, "sts:AssumeRole", "sts:TagSession"))
    call("PutRolePolicy", RoleName="tagged", PolicyName="p", PolicyDocument=doc(
        allow("iam:ListUsers", Condition={"StringEquals": {"aws:PrincipalTag/project": "a2c"}}),
        allow("sts:AssumeRole", "sts:TagSession")))
    out = assume(svc, user, role_arn(acct, "tagged"), Tags=tags,
                 TransitiveTagKeys=["project"])
    assert out["PackedPolicySize"] >= 1
    session = login(svc, out["Credentials"]["AccessKeyId"])
    assert session.caller is not None
    assert dict(session.caller.principal_tags) == {"cost": "42", "project": "a2c"}
    svc.invoke("iam", "ListUsers", {}, session)

    call("CreateRole", RoleName="next", AssumeRolePolicyDocument=trust(
        role_arn(acct, "tagged"), "sts:AssumeRole", "sts:TagSession"))
    hop = assume(svc, session, role_arn(acct, "next"), "hop")
    chained = login(svc, hop["Credentials"]["AccessKeyId"])
    assert chained.caller is not None
    assert dict(chained.caller.principal_tags) == {"project": "a2c"}  # only the transitive one
    err = refused(assume, svc, session, role_arn(acct, "next"), "hop2",
                  Tags=[{"Key": "Project", "Value": "other"}])
    assert err.code == "ValidationError"
    err = refused(assume, svc, user, role_arn(acct, "tagged"), "s3", Tags=tags,
                  TransitiveTagKeys=["nope"])
    assert err.code == "ValidationError"


def test_source_identity(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    user = new_user(call, svc, "sourced")
    call("CreateRole", RoleName="plain", AssumeRolePolicyDocument=trust(user.caller_arn))
    refused(assume, svc, user, role_arn(acct, "plain"), SourceIdentity="alice@example.com")
    call("CreateRole", RoleName="si", AssumeRolePolicyDocument=trust(
        user.caller_arn, "sts:AssumeRole", "sts:SetSourceIdentity"))
    out = assume(svc, user, role_arn(acct, "si"), SourceIdentity="alice@example.com")
    assert out["SourceIdentity"] == "alice@example.com"
    session = login(svc, out["Credentials"]["AccessKeyId"])
    assert session.caller is not None
    assert session.caller.base_context["aws:SourceIdentity"] == "alice@example.com"


def test_get_session_token(svc: IdentityService, call: Any, account: Any) -> None:
    user = new_user(call, svc, "tokened")
    before = datetime.now(UTC)
    creds = svc.invoke("sts", "GetSessionToken", {}, user)["Credentials"]
    assert timedelta(hours=11, minutes=59) < creds["Expiration"] - before <= timedelta(hours=12, seconds=5)
    session = login(svc, creds["AccessKeyId"])
    who = svc.invoke("sts", "GetCallerIdentity", {}, session)
    assert who["Arn"] == user.caller_arn
    err = refused(svc.invoke, "iam", "ListUsers", {}, session)
    assert err.code == "InvalidClientTokenId"
    err = refused(svc.invoke, "sts", "GetSessionToken", {}, session)
    assert (err.code, err.message) == (
        "AccessDenied", "Cannot call GetSessionToken with session credentials")
    short = svc.invoke("sts", "GetSessionToken", {"DurationSeconds": 900}, user)["Credentials"]
    assert short["Expiration"] - before <= timedelta(seconds=905)
    root = login(svc, account.access_key_id)
    capped = svc.invoke("sts", "GetSessionToken", {"DurationSeconds": 129600}, root)
    assert capped["Credentials"]["Expiration"] - before <= timedelta(seconds=3605)
    err = refused(svc.invoke, "sts", "GetSessionToken", {"DurationSeconds": 129601}, user)
    assert err.code == "ValidationError"


def test_expired_credentials_are_rejected_by_the_verifier(svc: IdentityService, call: Any,
                                                         account: Any) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from a2c_iam.api.sigv4 import ApiError, HttpRequest, verify

    user = new_user(call, svc, "expiring")
    creds = svc.invoke("sts", "GetSessionToken", {}, user)["Credentials"]

    def signed(token: str) -> HttpRequest:
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        aws = AWSRequest(method="POST", url="http://127.0.0.1:1/", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        SigV4Auth(Credentials(creds["AccessKeyId"], creds["SecretAccessKey"], token),
                  "sts", "us-east-1").add_auth(aws)
        headers = [(k, str(v)) for k, v in aws.headers.items()] + [("host", "127.0.0.1:1")]
        return HttpRequest("POST", "127.0.0.1:1", "/", "", headers, body)

    def lookup(key_id: str) -> Any:
        with svc.db.read() as conn:
            from a2c_iam.identity import principal

            return principal.lookup_key(conn, svc.cipher, key_id)

    assert verify(signed(creds["SessionToken"]), lookup).key.session_token is not None
    with pytest.raises(ApiError) as info:
        verify(signed(creds["SessionToken"][:-4] + "AAAA"), lookup)
    assert info.value.code == "InvalidClientTokenId"
    with svc.db.write() as conn:
        conn.execute(update(s.sessions).where(s.sessions.c.id == creds["AccessKeyId"]).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with pytest.raises(ApiError) as info:
        verify(signed(creds["SessionToken"]), lookup)
    assert info.value.code == "ExpiredToken"


def test_no_secret_or_token_in_the_raw_database(svc: IdentityService, call: Any,
                                                backend: Any) -> None:
    """Role and user sessions: neither secret nor token in the SQLite files or a pg_dump."""
    user = new_user(call, svc, "leakless")
    call("CreateRole", RoleName="r", AssumeRolePolicyDocument=trust(user.caller_arn))
    out = assume(svc, user, role_arn(user.account_id, "r"))
    creds = out["Credentials"]
    session_creds = svc.invoke("sts", "GetSessionToken", {}, user)["Credentials"]
    for key_id in (creds["AccessKeyId"], session_creds["AccessKeyId"]):
        assert svc.lookup_key(key_id) is not None  # stored, so the search is not vacuous
    raw = raw_database(backend, svc)
    assert creds["AccessKeyId"].encode() in raw and session_creds["AccessKeyId"].encode() in raw
    for secret in (creds["SecretAccessKey"], creds["SessionToken"],
                   session_creds["SecretAccessKey"], session_creds["SessionToken"]):
        for form in secret_forms(secret):
            assert form not in raw
        assert secret[:24].encode() not in raw


def test_assume_role_input_rules_and_explicit_deny(svc: IdentityService, call: Any,
                                                    account: Any) -> None:
    acct = account.account_id
    user = new_user(call, svc, "careful", {"Effect": "Deny", "Action": "sts:AssumeRole",
                                           "Resource": role_arn(acct, "locked")})
    call("CreateRole", RoleName="locked", AssumeRolePolicyDocument=trust(user.caller_arn))
    err = refused(assume, svc, user, role_arn(acct, "locked"))
    assert err.message.endswith("with an explicit deny in an identity-based policy")
    err = refused(assume, svc, user, role_arn(acct, "locked"), "bad name!")
    assert err.code == "ValidationError" and "roleSessionName" in err.message
    err = refused(assume, svc, user, f"arn:aws:iam::{acct}:user/careful")
    assert err.code == "ValidationError"
    err = refused(assume, svc, user, role_arn(acct, "locked"), DurationSeconds=43201)
    assert err.code == "ValidationError"
