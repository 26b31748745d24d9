"""Every call authorised by the engine: target ARNs, context keys, and IAM's AccessDenied texts.

The calls go through ``IdentityService.invoke`` with a resolved caller, the way the wire server
makes them, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from a2c_iam.identity import CallContext, IdentityError, IdentityService, authz


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(*actions: str, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), "Resource": resource, **extra}


def deny(*actions: str, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": list(actions), "Resource": resource, **extra}


def login(svc: IdentityService, key_id: str) -> CallContext:
    record = svc.lookup_key(key_id)
    assert record is not None
    caller = svc.resolve(record)
    return CallContext(caller.account_id, caller.arn, "req-1", caller)


def user_with(call: Any, svc: IdentityService, name: str, *statements: dict[str, Any],
              path: str = "/") -> CallContext:
    call("CreateUser", UserName=name, Path=path)
    if statements:
        call("PutUserPolicy", UserName=name, PolicyName="p", PolicyDocument=doc(*statements))
    return login(svc, call("CreateAccessKey", UserName=name)["AccessKey"]["AccessKeyId"])


def refused(svc: IdentityService, ctx: CallContext, operation: str,
            context: dict[str, Any] | None = None, service: str = "iam",
            **params: Any) -> IdentityError:
    with pytest.raises(IdentityError) as info:
        svc.invoke(service, operation, params, ctx, context)
    return info.value


def test_implicit_deny_text_names_action_and_resource_with_path(
        svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    call("CreateUser", UserName="target", Path="/div/")
    ctx = user_with(call, svc, "alice", allow("iam:ListUsers"), path="/eng/")
    err = refused(svc, ctx, "GetUser", UserName="target")
    assert (err.code, err.status) == ("AccessDenied", 403)
    assert err.message == (
        f"User: arn:aws:iam::{acct}:user/eng/alice is not authorized to perform: iam:GetUser "
        f"on resource: arn:aws:iam::{acct}:user/div/target because no identity-based policy "
        "allows the iam:GetUser action")
    assert svc.invoke("iam", "ListUsers", {}, ctx)["Users"]


def test_explicit_deny_text(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    ctx = user_with(call, svc, "bob", allow("iam:*"), deny("iam:DeleteUser"))
    call("CreateUser", UserName="victim")
    err = refused(svc, ctx, "DeleteUser", UserName="victim")
    assert err.message == (
        f"User: arn:aws:iam::{acct}:user/bob is not authorized to perform: iam:DeleteUser on "
        f"resource: arn:aws:iam::{acct}:user/victim with an explicit deny in an identity-based "
        "policy")
    assert call("GetUser", UserName="victim")["User"]["UserName"] == "victim"


def test_resource_arns_scope_the_grant(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    ctx = user_with(call, svc, "carol",
                    allow("iam:GetUser", "iam:CreateUser",
                          resource=f"arn:aws:iam::{acct}:user/team/*"),
                    allow("iam:ListUsers", resource=f"arn:aws:iam::{acct}:user/team/*"))
    call("CreateUser", UserName="inside", Path="/team/")
    call("CreateUser", UserName="outside")
    assert svc.invoke("iam", "GetUser", {"UserName": "inside"}, ctx)["User"]["Path"] == "/team/"
    err = refused(svc, ctx, "GetUser", UserName="outside")
    assert f"on resource: arn:aws:iam::{acct}:user/outside because" in err.message
    svc.invoke("iam", "CreateUser", {"UserName": "new", "Path": "/team/"}, ctx)
    refused(svc, ctx, "CreateUser", UserName="new2", Path="/other/")
    svc.invoke("iam", "ListUsers", {"PathPrefix": "/team/"}, ctx)
    err = refused(svc, ctx, "ListUsers")
    assert f"on resource: arn:aws:iam::{acct}:user/* because" in err.message


def test_self_service_without_user_name_targets_the_caller(
        svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    own = {"Effect": "Allow", "Action": ["iam:GetUser", "iam:*AccessKey*"],
           "Resource": f"arn:aws:iam::{acct}:user/${{aws:username}}"}
    ctx = user_with(call, svc, "dan", own)
    assert svc.invoke("iam", "GetUser", {}, ctx)["User"]["UserName"] == "dan"
    assert len(svc.invoke("iam", "ListAccessKeys", {}, ctx)["AccessKeyMetadata"]) == 1
    call("CreateUser", UserName="eve")
    refused(svc, ctx, "ListAccessKeys", UserName="eve")
    key = call("CreateAccessKey", UserName="eve")["AccessKey"]["AccessKeyId"]
    err = refused(svc, ctx, "GetAccessKeyLastUsed", AccessKeyId=key)
    assert f"on resource: arn:aws:iam::{acct}:user/eve because" in err.message


def test_request_tags_and_tag_keys(svc: IdentityService, call: Any) -> None:
    statement = allow("iam:CreateUser", "iam:TagUser", Condition={
        "StringEquals": {"aws:RequestTag/team": "blue"},
        "ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}})
    ctx = user_with(call, svc, "tagger", statement)
    svc.invoke("iam", "CreateUser", {"UserName": "u1", "Tags": [
        {"Key": "team", "Value": "blue"}]}, ctx)
    refused(svc, ctx, "CreateUser", UserName="u2", Tags=[{"Key": "team", "Value": "red"}])
    refused(svc, ctx, "CreateUser", UserName="u3")  # no tag at all
    refused(svc, ctx, "TagUser", UserName="u1", Tags=[
        {"Key": "team", "Value": "blue"}, {"Key": "cost", "Value": "1"}])


def test_policy_arn_and_permissions_boundary_keys(svc: IdentityService, call: Any,
                                                  account: Any) -> None:
    acct = account.account_id
    edge = call("CreatePolicy", PolicyName="edge",
                PolicyDocument=doc(allow("s3:*")))["Policy"]["Arn"]
    ctx = user_with(
        call, svc, "admin2",
        allow("iam:AttachUserPolicy", Condition={"ArnEquals": {
            "iam:PolicyARN": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}}),
        allow("iam:CreateUser", "iam:PutUserPolicy", Condition={"StringEquals": {
            "iam:PermissionsBoundary": edge}}),
    )
    svc.invoke("iam", "CreateUser", {"UserName": "b1", "PermissionsBoundary": edge}, ctx)
    refused(svc, ctx, "CreateUser", UserName="b2")
    svc.invoke("iam", "AttachUserPolicy", {
        "UserName": "b1", "PolicyArn": "arn:aws:iam::aws:policy/IAMReadOnlyAccess"}, ctx)
    refused(svc, ctx, "AttachUserPolicy", UserName="b1",
            PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    # The boundary the target already has is the value for operations that do not set one.
    svc.invoke("iam", "PutUserPolicy", {"UserName": "b1", "PolicyName": "x",
                                        "PolicyDocument": doc(allow("s3:GetObject"))}, ctx)
    call("CreateUser", UserName="unbounded")
    err = refused(svc, ctx, "PutUserPolicy", UserName="unbounded", PolicyName="x",
                  PolicyDocument=doc(allow("s3:GetObject")))
    assert f"arn:aws:iam::{acct}:user/unbounded" in err.message


def test_resource_tags_of_the_target(svc: IdentityService, call: Any) -> None:
    ctx = user_with(call, svc, "ops", allow("iam:GetRole", Condition={
        "StringEquals": {"iam:ResourceTag/env": "dev"}}))
    trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                 "Action": "sts:AssumeRole"})
    call("CreateRole", RoleName="dev", AssumeRolePolicyDocument=trust,
         Tags=[{"Key": "env", "Value": "dev"}])
    call("CreateRole", RoleName="prod", AssumeRolePolicyDocument=trust,
         Tags=[{"Key": "env", "Value": "prod"}])
    assert svc.invoke("iam", "GetRole", {"RoleName": "dev"}, ctx)["Role"]["RoleName"] == "dev"
    refused(svc, ctx, "GetRole", RoleName="prod")


def test_principal_tags_and_wire_context(svc: IdentityService, call: Any) -> None:
    statement = allow("iam:ListRoles", Condition={
        "StringEquals": {"aws:PrincipalTag/dept": "sec"},
        "Bool": {"aws:SecureTransport": "true"},
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    call("CreateUser", UserName="tagged")
    call("TagUser", UserName="tagged", Tags=[{"Key": "dept", "Value": "sec"}])
    call("PutUserPolicy", UserName="tagged", PolicyName="p", PolicyDocument=doc(statement))
    ctx = login(svc, call("CreateAccessKey", UserName="tagged")["AccessKey"]["AccessKeyId"])
    good = {"aws:SecureTransport": "true", "aws:SourceIp": "10.1.2.3"}
    svc.invoke("iam", "ListRoles", {}, ctx, good)
    refused(svc, ctx, "ListRoles", {**good, "aws:SourceIp": "192.0.2.1"})
    refused(svc, ctx, "ListRoles", {**good, "aws:SecureTransport": "false"})


def test_boundary_denial_names_the_boundary(svc: IdentityService, call: Any) -> None:
    edge = call("CreatePolicy", PolicyName="only-s3",
                PolicyDocument=doc(allow("s3:*")))["Policy"]["Arn"]
    call("CreateUser", UserName="boxed")
    call("PutUserPolicy", UserName="boxed", PolicyName="p", PolicyDocument=doc(allow("iam:*")))
    call("PutUserPermissionsBoundary", UserName="boxed", PermissionsBoundary=edge)
    ctx = login(svc, call("CreateAccessKey", UserName="boxed")["AccessKey"]["AccessKeyId"])
    err = refused(svc, ctx, "ListUsers")
    assert err.message.endswith("because no permissions boundary allows the iam:ListUsers action")


def test_root_and_get_caller_identity_are_always_allowed(
        svc: IdentityService, call: Any, account: Any) -> None:
    root = login(svc, account.access_key_id)
    assert root.caller is not None and root.caller.kind == "root"
    svc.invoke("iam", "CreateUser", {"UserName": "byroot"}, root)
    nobody = user_with(call, svc, "nobody", deny("*"))
    got = svc.invoke("sts", "GetCallerIdentity", {}, nobody)
    assert got["Arn"] == nobody.caller_arn


def test_denied_message_variants() -> None:
    from a2c_iam.policy import Decision, Outcome, PolicyType

    arn, action, res = "arn:aws:iam::111122223333:user/x", "iam:GetUser", "*"
    head = f"User: {arn} is not authorized to perform: {action} on resource: {res}"
    cases = {
        (Outcome.IMPLICIT_DENY, PolicyType.SESSION):
            " because no session policy allows the iam:GetUser action",
        (Outcome.EXPLICIT_DENY, PolicyType.PERMISSION_BOUNDARY):
            " with an explicit deny in a permissions boundary",
        (Outcome.EXPLICIT_DENY, PolicyType.SCP): " with an explicit deny in a service control policy",
        (Outcome.IMPLICIT_DENY, PolicyType.RESOURCE):
            " because no resource-based policy allows the iam:GetUser action",
    }
    for (outcome, kind), tail in cases.items():
        assert authz.denied_message(arn, action, res, Decision(outcome, (kind,))) == head + tail
    assert authz.denied_message(arn, action, res, None) == head
