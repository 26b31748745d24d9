"""Caller resolution: access key → principal → its complete policy set (SQLite and PostgreSQL).

Entities are created through the service's own operations; the resolved policy set is then
asked real questions through the engine, so a policy that resolution drops or adds shows up as
a wrong decision, not only as a wrong count.
"""

from __future__ import annotations

from typing import Any

import pytest
from policy_docs import allow, deny, doc

from a2c_iam.identity import CallContext, IdentityError, IdentityService
from a2c_iam.identity import principal as pr
from a2c_iam.policy import Request


def asks(caller: pr.ResolvedCaller, action: str, resource: str = "*",
         **context: Any) -> str:
    request = Request(caller.arn, action, resource, context, resource_account=caller.account_id)
    return caller.policy_set.authorize(request).decision.value


def key_of(call: Any, user: str) -> str:
    return str(call("CreateAccessKey", UserName=user)["AccessKey"]["AccessKeyId"])


def test_long_term_key_is_found_with_its_secret_and_hides_it(svc: IdentityService, call: Any,
                                                            account: Any) -> None:
    call("CreateUser", UserName="alice")
    created = call("CreateAccessKey", UserName="alice")["AccessKey"]
    with svc.db.read() as conn:
        record = pr.lookup_key(conn, svc.cipher, created["AccessKeyId"])
    assert record is not None
    assert record.secret == created["SecretAccessKey"]
    assert record.active and record.session_token is None and record.expires_at is None
    assert record.account_id == account.account_id
    assert created["SecretAccessKey"] not in repr(record)
    call("UpdateAccessKey", UserName="alice", AccessKeyId=created["AccessKeyId"],
         Status="Inactive")
    with svc.db.read() as conn:
        inactive = pr.lookup_key(conn, svc.cipher, created["AccessKeyId"])
        assert inactive is not None and not inactive.active
        assert pr.lookup_key(conn, svc.cipher, "AKIAAAAAAAAAAAAAAAAA") is None
        assert pr.lookup_key(conn, svc.cipher, "ASIAAAAAAAAAAAAAAAAA") is None


def test_root_key_resolves_to_root(svc: IdentityService, account: Any) -> None:
    record = svc.lookup_key(account.access_key_id)
    assert record is not None and record.secret == account.secret.get_secret_value()
    caller = svc.resolve(record)
    assert caller.kind == "root"
    assert caller.arn == f"arn:aws:iam::{account.account_id}:root"
    assert caller.user_id == account.account_id
    assert asks(caller, "iam:DeleteUser",
                f"arn:aws:iam::{account.account_id}:user/x") == "allowed"


def test_user_policy_set_has_inline_attached_groups_and_boundary(
        svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    call("CreateUser", UserName="alice", Path="/eng/")
    call("TagUser", UserName="alice", Tags=[{"Key": "team", "Value": "blue"}])
    call("PutUserPolicy", UserName="alice", PolicyName="own",
         PolicyDocument=doc(allow("s3:GetObject")))
    arn = call("CreatePolicy", PolicyName="ddb",
               PolicyDocument=doc(allow("dynamodb:GetItem")))["Policy"]["Arn"]
    call("AttachUserPolicy", UserName="alice", PolicyArn=arn)
    call("CreateGroup", GroupName="devs")
    call("AddUserToGroup", GroupName="devs", UserName="alice")
    call("PutGroupPolicy", GroupName="devs", PolicyName="grp",
         PolicyDocument=doc(allow("sqs:SendMessage"), deny("s3:DeleteObject")))
    call("AttachGroupPolicy", GroupName="devs",
         PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    caller = svc.resolve(svc.lookup_key(key_of(call, "alice")))  # type: ignore[arg-type]
    assert caller.arn == f"arn:aws:iam::{acct}:user/eng/alice"
    assert caller.kind == "user" and caller.name == "alice" and caller.user_id.startswith("AIDA")
    assert dict(caller.principal_tags) == {"team": "blue"}
    assert caller.base_context["aws:username"] == "alice"
    assert caller.base_context["aws:PrincipalTag/team"] == "blue"
    assert caller.base_context["aws:PrincipalType"] == "User"
    for action in ("s3:GetObject", "dynamodb:GetItem", "sqs:SendMessage", "iam:GetUser"):
        assert asks(caller, action) == "allowed", action
    assert asks(caller, "s3:DeleteObject") == "explicitDeny"
    assert asks(caller, "ec2:RunInstances") == "implicitDeny"
    assert {s.source_type for s in caller.sources} == {"user", "group", "user-managed",
                                                       "aws-managed"}

    boundary = call("CreatePolicy", PolicyName="edge",
                    PolicyDocument=doc(allow("s3:*", "iam:*")))["Policy"]["Arn"]
    call("PutUserPermissionsBoundary", UserName="alice", PermissionsBoundary=boundary)
    bounded = svc.resolve(svc.lookup_key(caller.access_key_id))  # type: ignore[arg-type]
    assert bounded.boundary is not None and bounded.boundary.label == boundary
    assert asks(bounded, "s3:GetObject") == "allowed"
    assert asks(bounded, "dynamodb:GetItem") == "implicitDeny"


def test_resolution_follows_changes(svc: IdentityService, call: Any) -> None:
    call("CreateUser", UserName="bob")
    key = key_of(call, "bob")
    before = svc.resolve(svc.lookup_key(key))  # type: ignore[arg-type]
    assert asks(before, "s3:ListBucket") == "implicitDeny"
    call("CreateGroup", GroupName="readers")
    call("PutGroupPolicy", GroupName="readers", PolicyName="r",
         PolicyDocument=doc(allow("s3:ListBucket")))
    call("AddUserToGroup", GroupName="readers", UserName="bob")
    after = svc.resolve(svc.lookup_key(key))  # type: ignore[arg-type]
    assert asks(after, "s3:ListBucket") == "allowed"
    call("RemoveUserFromGroup", GroupName="readers", UserName="bob")
    again = svc.resolve(svc.lookup_key(key))  # type: ignore[arg-type]
    assert asks(again, "s3:ListBucket") == "implicitDeny"


def test_same_documents_share_one_compiled_set(svc: IdentityService, call: Any) -> None:
    call("CreateUser", UserName="carol")
    call("PutUserPolicy", UserName="carol", PolicyName="p", PolicyDocument=doc(allow("s3:*")))
    first, second = key_of(call, "carol"), key_of(call, "carol")
    with svc.db.read() as conn:
        a = pr.resolve(conn, svc.lookup_key(first))  # type: ignore[arg-type]
        b = pr.resolve(conn, svc.lookup_key(second))  # type: ignore[arg-type]
    assert a.policy_set is b.policy_set


def test_deleted_user_key_is_invalid(svc: IdentityService, call: Any) -> None:
    call("CreateUser", UserName="dave")
    key = key_of(call, "dave")
    record = svc.lookup_key(key)
    assert record is not None
    with svc.db.write() as conn:
        from sqlalchemy import delete

        from a2c_iam.store import schema as s

        conn.execute(delete(s.access_keys).where(s.access_keys.c.id == key))
        conn.execute(delete(s.users).where(s.users.c.name == "dave",
                                           s.users.c.account_id == record.account_id))
    with svc.db.read() as conn, pytest.raises(IdentityError) as info:
        pr.resolve(conn, record)
    assert info.value.code == "InvalidClientTokenId"


def test_policy_set_for_arn(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    call("CreateUser", UserName="erin", Path="/ops/")
    call("PutUserPolicy", UserName="erin", PolicyName="p", PolicyDocument=doc(allow("ec2:*")))
    trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                 "Action": "sts:AssumeRole"})
    call("CreateRole", RoleName="worker", Path="/svc/", AssumeRolePolicyDocument=trust)
    call("PutRolePolicy", RoleName="worker", PolicyName="p",
         PolicyDocument=doc(allow("sqs:*")))
    user = f"arn:aws:iam::{acct}:user/ops/erin"
    role = f"arn:aws:iam::{acct}:role/svc/worker"
    session = f"arn:aws:sts::{acct}:assumed-role/worker/s1"
    with svc.db.read() as conn:
        cases = {
            user: ("ec2:RunInstances", "allowed"),
            role: ("sqs:SendMessage", "allowed"),
            session: ("sqs:SendMessage", "allowed"),
            f"arn:aws:iam::{acct}:user/erin": ("ec2:RunInstances", "implicitDeny"),  # path
            f"arn:aws:iam::{acct}:root": ("ec2:RunInstances", "allowed"),
        }
        for arn, (action, expected) in cases.items():
            compiled = pr.policy_set_for_arn(conn, arn)
            got = compiled.authorize(Request(arn, action, "*")).decision.value
            assert got == expected, arn
        assert pr.caller_for_arn(conn, "arn:aws:iam::000000000000:root") is None
    decision = svc.authorize_principal(role, "sqs:SendMessage", "*")
    assert decision.allowed


def test_caller_context_for_user_calls(svc: IdentityService, call: Any, account: Any) -> None:
    call("CreateUser", UserName="frank")
    caller = svc.resolve(svc.lookup_key(key_of(call, "frank")))  # type: ignore[arg-type]
    ctx = CallContext(account.account_id, caller.arn, "r", caller)
    got = svc.invoke("sts", "GetCallerIdentity", {}, ctx)
    assert got == {"UserId": caller.user_id, "Account": account.account_id, "Arn": caller.arn}


@pytest.mark.parametrize(("statement", "reads"), [
    ({"Condition": {"StringEquals": {"iam:ResourceTag/env": "dev"}}}, True),
    ({"Condition": {"StringLikeIfExists": {"AWS:RESOURCETAG/env": "d*"}}}, True),
    ({"Condition": {"StringEquals": {"aws:PrincipalTag/t": "${aws:ResourceTag/t, 'x'}"}}}, True),
    ({"Resource": "arn:aws:iam::*:user/${ iam:ResourceTag/team }/*"}, True),
    ({"Condition": {"StringEquals": {"aws:RequestTag/env": "dev"}}}, False),
    ({"Condition": {"StringEquals": {"aws:PrincipalTag/ResourceTag": "x"}}}, False),
])
def test_which_policies_read_resource_tags(statement: dict[str, Any], reads: bool) -> None:
    from a2c_iam.policy import parse_policy

    text = doc({"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*", **statement})
    assert pr.reads_resource_tags(parse_policy(text, validate=False)) is reads
