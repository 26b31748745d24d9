"""STS GetFederationToken and GetAccessKeyInfo — on SQLite and PostgreSQL.

Federated sessions are asked real questions through the engine (their resolved policy set), as
``test_principal`` does, since a federated user may call no IAM operation to show them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from callers import login, new_user, refused
from policy_docs import allow, deny, doc
from sqlalchemy import select, update

from a2c_iam.identity import CallContext, IdentityService, ids
from a2c_iam.identity import principal as pr
from a2c_iam.identity.authz import denied_message
from a2c_iam.policy import Request
from a2c_iam.store import schema as s


def federate(svc: IdentityService, ctx: CallContext, name: str = "bob",
             **params: Any) -> dict[str, Any]:
    return svc.invoke("sts", "GetFederationToken", {"Name": name, **params}, ctx)


def fed_arn(account: str, name: str) -> str:
    return f"arn:aws:sts::{account}:federated-user/{name}"


def test_session_arns_are_in_the_partition_of_every_other_arn(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert ids.federated_user_arn("111122223333", "bob") == fed_arn("111122223333", "bob")
    monkeypatch.setattr(ids, "PARTITION", "aws-cn")
    assert ids.federated_user_arn("111122223333", "bob") == (
        "arn:aws-cn:sts::111122223333:federated-user/bob")
    assert ids.assumed_role_arn("111122223333", "r", "s").startswith("arn:aws-cn:sts::")


def caller_of(ctx: CallContext) -> pr.ResolvedCaller:
    assert ctx.caller is not None
    return ctx.caller


def asks(caller: pr.ResolvedCaller, action: str, resource: str = "*",
         **context: Any) -> tuple[str, str]:
    """The engine's decision, and the AccessDenied text IAM would give for it."""
    request = Request(caller.arn, action, resource, {**caller.base_context, **context},
                      resource_account=caller.account_id)
    decision = caller.policy_set.authorize(request)
    return decision.decision.value, denied_message(caller.arn, action, resource, decision)


FEDERATE = allow("sts:GetFederationToken")
FEDERATE_TAGGED = allow("sts:GetFederationToken", "sts:TagSession")
KEY_INFO = allow("sts:GetAccessKeyInfo")


# -- GetAccessKeyInfo ------------------------------------------------------------------------------


def test_get_access_key_info_for_long_term_and_temporary_keys(svc: IdentityService, call: Any,
                                                              account: Any) -> None:
    acct = account.account_id
    asker = new_user(call, svc, "asker", KEY_INFO)
    other = svc.create_account()
    foreign = svc.run("iam", "CreateAccessKey", svc.context(other.account_id))
    session = svc.invoke("sts", "GetSessionToken", {}, asker)["Credentials"]
    root = login(svc, account.access_key_id)
    for key, owner in ((caller_of(asker).access_key_id, acct), (account.access_key_id, acct),
                       (session["AccessKeyId"], acct),
                       (foreign["AccessKey"]["AccessKeyId"], other.account_id),
                       (other.access_key_id, other.account_id)):
        for ctx in (asker, root):
            assert svc.invoke("sts", "GetAccessKeyInfo", {"AccessKeyId": key}, ctx) == {
                "Account": owner}
    # An inactive key, and an expired session that is still kept, are answered too.
    call("UpdateAccessKey", UserName="asker", AccessKeyId=caller_of(asker).access_key_id,
         Status="Inactive")
    with svc.db.write() as conn:
        conn.execute(update(s.sessions).where(s.sessions.c.id == session["AccessKeyId"]).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    for key in (caller_of(asker).access_key_id, session["AccessKeyId"]):
        assert svc.invoke("sts", "GetAccessKeyInfo", {"AccessKeyId": key}, root) == {
            "Account": acct}
    # GetSessionToken credentials call no STS operation but AssumeRole and GetCallerIdentity.
    err = refused(svc.invoke, "sts", "GetAccessKeyInfo", {"AccessKeyId": account.access_key_id},
                  login(svc, session["AccessKeyId"]))
    assert (err.code, err.message) == (
        "AccessDenied", f"User: arn:aws:iam::{acct}:user/asker is not authorized to perform: "
        "sts:GetAccessKeyInfo on resource: *")


def test_get_access_key_info_of_an_unknown_key_and_without_permission(
        svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    asker = new_user(call, svc, "asker", KEY_INFO)
    for unknown in ("AKIAAAAAAAAAAAAAAAAA", "ASIAAAAAAAAAAAAAAAAA"):
        err = refused(svc.invoke, "sts", "GetAccessKeyInfo", {"AccessKeyId": unknown}, asker)
        assert (err.code, err.message) == (
            "ValidationError", f"The access key ID {unknown} does not exist.")
    err = refused(svc.invoke, "sts", "GetAccessKeyInfo", {"AccessKeyId": "short"}, asker)
    assert err.code == "ValidationError" and "accessKeyId" in err.message
    bare = new_user(call, svc, "bare")
    err = refused(svc.invoke, "sts", "GetAccessKeyInfo",
                  {"AccessKeyId": account.access_key_id}, bare)
    assert (err.code, err.message) == (
        "AccessDenied",
        f"User: arn:aws:iam::{acct}:user/bare is not authorized to perform: "
        "sts:GetAccessKeyInfo on resource: * because no identity-based policy allows the "
        "sts:GetAccessKeyInfo action")
    denied = new_user(call, svc, "denied", allow("sts:*"), deny("sts:GetAccessKeyInfo"))
    err = refused(svc.invoke, "sts", "GetAccessKeyInfo",
                  {"AccessKeyId": account.access_key_id}, denied)
    assert err.message.endswith("with an explicit deny in an identity-based policy")


# -- GetFederationToken: who may call it -------------------------------------------------------------


def test_federation_needs_the_permission_on_the_federated_user(svc: IdentityService, call: Any,
                                                               account: Any) -> None:
    acct = account.account_id
    bare = new_user(call, svc, "bare")
    err = refused(federate, svc, bare)
    assert (err.code, err.message) == (
        "AccessDenied",
        f"User: arn:aws:iam::{acct}:user/bare is not authorized to perform: "
        f"sts:GetFederationToken on resource: {fed_arn(acct, 'bob')} because no "
        "identity-based policy allows the sts:GetFederationToken action")
    only_bob = new_user(call, svc, "broker",
                        allow("sts:GetFederationToken", resource=fed_arn(acct, "bob")))
    out = federate(svc, only_bob, "bob")
    assert out["FederatedUser"] == {"FederatedUserId": f"{acct}:bob", "Arn": fed_arn(acct, "bob")}
    assert out["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert "PackedPolicySize" not in out
    err = refused(federate, svc, only_bob, "carol")
    assert err.code == "AccessDenied" and fed_arn(acct, "carol") in err.message
    err = refused(federate, svc, only_bob, "b")  # the model: at least 2 characters
    assert err.code == "ValidationError"
    err = refused(federate, svc, only_bob, "has space")
    assert err.code == "ValidationError"


def test_session_credentials_cannot_federate(svc: IdentityService, call: Any,
                                             account: Any) -> None:
    acct = account.account_id
    broker = new_user(call, svc, "broker", FEDERATE, allow("sts:AssumeRole"))
    call("CreateRole", RoleName="r", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": broker.caller_arn}, "Action": "sts:AssumeRole"}))
    call("PutRolePolicy", RoleName="r", PolicyName="all", PolicyDocument=doc(allow("*")))
    role = svc.invoke("sts", "AssumeRole", {"RoleArn": f"arn:aws:iam::{acct}:role/r",
                                            "RoleSessionName": "s1"}, broker)
    user_session = svc.invoke("sts", "GetSessionToken", {}, broker)
    federated = federate(svc, broker, Policy=doc(allow("*")))
    for creds in (role, user_session, federated):
        session = login(svc, creds["Credentials"]["AccessKeyId"])
        err = refused(federate, svc, session)
        assert (err.code, err.message) == (
            "AccessDenied", "Cannot call GetFederationToken with session credentials")


def test_durations_and_the_root_user(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    broker = new_user(call, svc, "broker", FEDERATE)
    before = datetime.now(UTC)
    expires = federate(svc, broker)["Credentials"]["Expiration"]
    assert timedelta(hours=11, minutes=59) < expires - before <= timedelta(hours=12, seconds=5)
    short = federate(svc, broker, DurationSeconds=900)["Credentials"]["Expiration"]
    assert timedelta(seconds=895) < short - before <= timedelta(seconds=905)
    long = federate(svc, broker, DurationSeconds=129600)["Credentials"]["Expiration"]
    assert long - before > timedelta(hours=35, minutes=59)
    for bad in (899, 129601):
        err = refused(federate, svc, broker, DurationSeconds=bad)
        assert err.code == "ValidationError" and "durationSeconds" in err.message
    root = login(svc, account.access_key_id)
    out = federate(svc, root, "rooted", DurationSeconds=129600)
    assert out["Credentials"]["Expiration"] - before <= timedelta(seconds=3605)
    assert out["FederatedUser"]["Arn"] == fed_arn(acct, "rooted")
    record = svc.lookup_key(out["Credentials"]["AccessKeyId"])
    assert record is not None and record.session_kind == "federated" and record.user_id is None
    assert record.expires_at == out["Credentials"]["Expiration"]


# -- the federated session ----------------------------------------------------------------------------


def test_no_session_policy_means_no_permissions(svc: IdentityService, call: Any,
                                                account: Any) -> None:
    acct = account.account_id
    broker = new_user(call, svc, "broker", FEDERATE, allow("s3:*", "ec2:*"))
    bare = caller_of(login(svc, federate(svc, broker)["Credentials"]["AccessKeyId"]))
    outcome, message = asks(bare, "s3:GetObject", "arn:aws:s3:::bucket/key")
    assert outcome == "implicitDeny"
    assert message == (
        f"User: {fed_arn(acct, 'bob')} is not authorized to perform: s3:GetObject on resource: "
        "arn:aws:s3:::bucket/key because no session policy allows the s3:GetObject action")
    assert asks(bare, "ec2:DescribeInstances")[0] == "implicitDeny"


def test_permissions_are_the_intersection(svc: IdentityService, call: Any,
                                          account: Any) -> None:
    acct = account.account_id
    broker = new_user(call, svc, "broker", FEDERATE, allow("s3:*", "ec2:Describe*"),
                      deny("s3:DeleteObject"))
    out = federate(svc, broker, Policy=doc(allow("s3:GetObject", "s3:DeleteObject", "sqs:*")))
    assert 1 <= out["PackedPolicySize"] <= 100
    fed = caller_of(login(svc, out["Credentials"]["AccessKeyId"]))
    assert fed.kind == pr.FEDERATED_USER and fed.arn == fed_arn(acct, "bob")
    assert asks(fed, "s3:GetObject", "arn:aws:s3:::b/k")[0] == "allowed"
    outcome, message = asks(fed, "s3:PutObject", "arn:aws:s3:::b/k")
    assert outcome == "implicitDeny" and message.endswith(
        "because no session policy allows the s3:PutObject action")
    outcome, message = asks(fed, "sqs:SendMessage")
    assert outcome == "implicitDeny" and message.endswith(
        "because no identity-based policy allows the sqs:SendMessage action")
    assert asks(fed, "ec2:DescribeInstances")[0] == "implicitDeny"
    outcome, message = asks(fed, "s3:DeleteObject", "arn:aws:s3:::b/k")
    assert outcome == "explicitDeny" and message.endswith(
        "with an explicit deny in an identity-based policy")

    managed = call("CreatePolicy", PolicyName="describe",
                   PolicyDocument=doc(allow("ec2:DescribeInstances")))["Policy"]["Arn"]
    out = federate(svc, broker, "carol", PolicyArns=[{"arn": managed}])
    carol = caller_of(login(svc, out["Credentials"]["AccessKeyId"]))
    assert asks(carol, "ec2:DescribeInstances")[0] == "allowed"
    assert asks(carol, "s3:GetObject", "arn:aws:s3:::b/k")[0] == "implicitDeny"
    err = refused(federate, svc, broker, PolicyArns=[{"arn": f"arn:aws:iam::{acct}:policy/no"}])
    assert err.code == "MalformedPolicyDocument"
    err = refused(federate, svc, broker, Policy='{"Version": "2012-10-17"')
    assert err.code == "MalformedPolicyDocument"

    # The user's boundary limits the session too; the user's later changes reach it.
    call("PutUserPermissionsBoundary", UserName="broker",
         PermissionsBoundary=call("CreatePolicy", PolicyName="b", PolicyDocument=doc(
             allow("sts:GetFederationToken", "ec2:*")))["Policy"]["Arn"])
    carol = caller_of(login(svc, out["Credentials"]["AccessKeyId"]))
    assert asks(carol, "ec2:DescribeInstances")[0] == "allowed"
    call("DeleteUserPolicy", UserName="broker", PolicyName="p")
    carol = caller_of(login(svc, out["Credentials"]["AccessKeyId"]))
    assert asks(carol, "ec2:DescribeInstances")[0] == "implicitDeny"


def test_root_federation_is_limited_by_its_session_policy(svc: IdentityService,
                                                          account: Any) -> None:
    root = login(svc, account.access_key_id)
    out = federate(svc, root, "ops", Policy=doc(allow("s3:GetObject")))
    ops = caller_of(login(svc, out["Credentials"]["AccessKeyId"]))
    assert asks(ops, "s3:GetObject", "arn:aws:s3:::b/k")[0] == "allowed"
    outcome, message = asks(ops, "s3:PutObject", "arn:aws:s3:::b/k")
    assert outcome == "implicitDeny" and message.endswith(
        "because no session policy allows the s3:PutObject action")
    nothing = caller_of(login(svc, federate(svc, root, "idle")["Credentials"]["AccessKeyId"]))
    assert asks(nothing, "s3:GetObject", "arn:aws:s3:::b/k")[0] == "implicitDeny"


def test_what_a_federated_session_may_call(svc: IdentityService, call: Any,
                                           account: Any) -> None:
    acct = account.account_id
    broker = new_user(call, svc, "broker", FEDERATE, allow("*"))
    fed = login(svc, federate(svc, broker, Policy=doc(allow("*")))["Credentials"]["AccessKeyId"])
    assert svc.invoke("sts", "GetCallerIdentity", {}, fed) == {
        "UserId": f"{acct}:bob", "Account": acct, "Arn": fed_arn(acct, "bob")}
    for op, params in (("ListUsers", {}), ("GetUser", {}), ("CreateUser", {"UserName": "x"})):
        err = refused(svc.invoke, "iam", op, params, fed)
        assert (err.code, err.message) == (
            "InvalidClientTokenId", "The security token included in the request is invalid.")
    err = refused(svc.invoke, "sts", "GetSessionToken", {}, fed)
    assert (err.code, err.message) == (
        "AccessDenied", "Cannot call GetSessionToken with session credentials")
    err = refused(svc.invoke, "sts", "GetAccessKeyInfo",
                  {"AccessKeyId": account.access_key_id}, fed)
    assert (err.code, err.message) == (
        "AccessDenied", f"User: {fed_arn(acct, 'bob')} is not authorized to perform: "
        "sts:GetAccessKeyInfo on resource: *")
    call("CreateRole", RoleName="open", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": fed_arn(acct, "bob")},
         "Action": "sts:AssumeRole"}))
    err = refused(svc.invoke, "sts", "AssumeRole",
                  {"RoleArn": f"arn:aws:iam::{acct}:role/open", "RoleSessionName": "s1"}, fed)
    assert (err.code, err.message) == (
        "AccessDenied", f"User: {fed_arn(acct, 'bob')} is not authorized to perform: "
        f"sts:AssumeRole on resource: arn:aws:iam::{acct}:role/open")


def test_context_keys_and_session_tags(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    call("CreateUser", UserName="broker", Tags=[{"Key": "Department", "Value": "Marketing"},
                                                {"Key": "team", "Value": "core"}])
    call("PutUserPolicy", UserName="broker", PolicyName="p", PolicyDocument=doc(
        FEDERATE, allow("s3:*")))
    broker = login(svc, call("CreateAccessKey", UserName="broker")["AccessKey"]["AccessKeyId"])
    tags = [{"Key": "department", "Value": "engineering"}, {"Key": "project", "Value": "a2c"}]
    err = refused(federate, svc, broker, Tags=tags)
    assert (err.code, err.message) == (
        "AccessDenied",
        f"User: arn:aws:iam::{acct}:user/broker is not authorized to perform: sts:TagSession "
        f"on resource: {fed_arn(acct, 'bob')} because no identity-based policy allows the "
        "sts:TagSession action")
    call("PutUserPolicy", UserName="broker", PolicyName="tag", PolicyDocument=doc(allow(
        "sts:TagSession", Condition={"ForAllValues:StringEquals": {
            "aws:TagKeys": ["department", "project"]}})))
    broker = login(svc, caller_of(broker).access_key_id)  # resolved again, with the new policy
    err = refused(federate, svc, broker, Tags=[*tags, {"Key": "other", "Value": "x"}])
    assert "sts:TagSession" in err.message
    policy = doc(allow("s3:GetObject", Condition={
        "StringEquals": {"aws:PrincipalTag/project": "a2c"}}))
    out = federate(svc, broker, Policy=policy, Tags=tags)
    assert out["PackedPolicySize"] >= 1
    fed = caller_of(login(svc, out["Credentials"]["AccessKeyId"]))
    assert dict(fed.principal_tags) == {"team": "core", "department": "engineering",
                                        "project": "a2c"}
    ctx = fed.base_context
    assert ctx["aws:PrincipalArn"] == fed_arn(acct, "bob")
    assert ctx["aws:PrincipalType"] == "FederatedUser"
    assert ctx["aws:userid"] == f"{acct}:bob"
    assert ctx["aws:PrincipalAccount"] == acct
    assert ctx["aws:MultiFactorAuthPresent"] == "false"
    assert "aws:username" not in ctx
    assert ctx["aws:PrincipalTag/project"] == "a2c"
    assert "aws:PrincipalTag/Department" not in ctx
    assert asks(fed, "s3:GetObject", "arn:aws:s3:::b/k")[0] == "allowed"
    err = refused(federate, svc, broker, Tags=[{"Key": "a", "Value": "1"},
                                               {"Key": "A", "Value": "2"}])
    assert err.code == "ValidationError"


def test_deleting_the_user_ends_its_federated_sessions(svc: IdentityService, call: Any,
                                                       account: Any) -> None:
    broker = new_user(call, svc, "broker", FEDERATE_TAGGED)
    out = federate(svc, broker, Policy=doc(allow("s3:*")),
                   Tags=[{"Key": "team", "Value": "blue"}])
    key_id = out["Credentials"]["AccessKeyId"]
    with svc.db.read() as conn:
        row = conn.execute(select(s.sessions).where(s.sessions.c.id == key_id)).one()
        assert conn.execute(select(s.tags).where(s.tags.c.resource_id == key_id)).all()
    assert (row.kind, row.session_name, row.parent_arn) == ("federated", "bob", broker.caller_arn)
    assert row.user_id == caller_of(broker).user_id and row.role_id is None
    with svc.db.read() as conn:
        found = pr.caller_for_arn(conn, fed_arn(account.account_id, "bob"))
    assert found is not None and found.kind == pr.FEDERATED_USER
    call("DeleteAccessKey", UserName="broker", AccessKeyId=caller_of(broker).access_key_id)
    call("DeleteUserPolicy", UserName="broker", PolicyName="p")
    call("DeleteUser", UserName="broker")
    assert svc.lookup_key(key_id) is None
    with svc.db.read() as conn:  # the session's tags went with it
        assert not conn.execute(select(s.tags).where(
            s.tags.c.resource_id.in_([key_id, pr.transitive_resource_id(key_id)]))).all()


def test_expired_federated_credentials_are_rejected(svc: IdentityService, call: Any) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    from a2c_iam.api.sigv4 import ApiError, HttpRequest, verify

    broker = new_user(call, svc, "broker", FEDERATE)
    creds = federate(svc, broker, DurationSeconds=900)["Credentials"]

    def signed() -> HttpRequest:
        body = b"Action=GetCallerIdentity&Version=2011-06-15"
        aws = AWSRequest(method="POST", url="http://127.0.0.1:1/", data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded"})
        SigV4Auth(Credentials(creds["AccessKeyId"], creds["SecretAccessKey"],
                              creds["SessionToken"]), "sts", "us-east-1").add_auth(aws)
        headers = [(k, str(v)) for k, v in aws.headers.items()] + [("host", "127.0.0.1:1")]
        return HttpRequest("POST", "127.0.0.1:1", "/", "", headers, body)

    def lookup(key_id: str) -> Any:
        with svc.db.read() as conn:
            return pr.lookup_key(conn, svc.cipher, key_id)

    assert verify(signed(), lookup).key.session_kind == "federated"
    with svc.db.write() as conn:
        conn.execute(update(s.sessions).where(s.sessions.c.id == creds["AccessKeyId"]).values(
            expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    with pytest.raises(ApiError) as info:
        verify(signed(), lookup)
    assert info.value.code == "ExpiredToken"
