"""Every call authorised by the engine: target ARNs, context keys, and IAM's AccessDenied texts.

The calls go through ``IdentityService.invoke`` with a resolved caller, the way the wire server
makes them, on SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest
from callers import login, new_user
from policy_docs import allow, deny, doc

from a2c_iam.identity import CallContext, IdentityError, IdentityService, authz


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
    ctx = new_user(call, svc, "alice", allow("iam:ListUsers"), path="/eng/")
    err = refused(svc, ctx, "GetUser", UserName="target")
    assert (err.code, err.status) == ("AccessDenied", 403)
    assert err.message == (
        f"User: arn:aws:iam::{acct}:user/eng/alice is not authorized to perform: iam:GetUser "
        f"on resource: arn:aws:iam::{acct}:user/div/target because no identity-based policy "
        "allows the iam:GetUser action")
    assert svc.invoke("iam", "ListUsers", {}, ctx)["Users"]


def test_explicit_deny_text(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    ctx = new_user(call, svc, "bob", allow("iam:*"), deny("iam:DeleteUser"))
    call("CreateUser", UserName="victim")
    err = refused(svc, ctx, "DeleteUser", UserName="victim")
    assert err.message == (
        f"User: arn:aws:iam::{acct}:user/bob is not authorized to perform: iam:DeleteUser on "
        f"resource: arn:aws:iam::{acct}:user/victim with an explicit deny in an identity-based "
        "policy")
    assert call("GetUser", UserName="victim")["User"]["UserName"] == "victim"


def test_resource_arns_scope_the_grant(svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    ctx = new_user(call, svc, "carol",
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
    assert f"on resource: arn:aws:iam::{acct}:user/ because" in err.message  # IAM's form
    err = refused(svc, ctx, "ListUsers", PathPrefix="/other/x/")
    assert f"on resource: arn:aws:iam::{acct}:user/other/x/ because" in err.message


def test_self_service_without_user_name_targets_the_caller(
        svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    own = {"Effect": "Allow", "Action": ["iam:GetUser", "iam:*AccessKey*"],
           "Resource": f"arn:aws:iam::{acct}:user/${{aws:username}}"}
    ctx = new_user(call, svc, "dan", own)
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
    ctx = new_user(call, svc, "tagger", statement)
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
    ctx = new_user(
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
    ctx = new_user(call, svc, "ops", allow("iam:GetRole", Condition={
        "StringEquals": {"iam:ResourceTag/env": "dev"}}))
    trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                 "Action": "sts:AssumeRole"})
    call("CreateRole", RoleName="dev", AssumeRolePolicyDocument=trust,
         Tags=[{"Key": "env", "Value": "dev"}])
    call("CreateRole", RoleName="prod", AssumeRolePolicyDocument=trust,
         Tags=[{"Key": "env", "Value": "prod"}])
    assert svc.invoke("iam", "GetRole", {"RoleName": "dev"}, ctx)["Role"]["RoleName"] == "dev"
    refused(svc, ctx, "GetRole", RoleName="prod")


PROTECTED = {"StringEquals": {"aws:ResourceTag/protected": "true"}}


def test_a_tag_based_deny_protects_managed_policies_and_mfa_devices(
        svc: IdentityService, call: Any, account: Any) -> None:
    """Entities named by ARN (a managed policy, an MFA device) are authorised with their tags,
    as users and roles are: a deny on aws:ResourceTag holds for them too."""
    acct = account.account_id
    ctx = new_user(call, svc, "janitor",
                   allow("iam:DeletePolicy", "iam:DeleteVirtualMFADevice", "iam:UntagMFADevice",
                         "iam:UntagPolicy"),
                   deny("iam:*", Condition=PROTECTED))
    kept = call("CreatePolicy", PolicyName="kept", PolicyDocument=doc(allow("s3:GetObject")),
                Tags=[{"Key": "protected", "Value": "true"}])["Policy"]["Arn"]
    loose = call("CreatePolicy", PolicyName="loose",
                 PolicyDocument=doc(allow("s3:GetObject")))["Policy"]["Arn"]
    device = call("CreateVirtualMFADevice", VirtualMFADeviceName="vault",
                  Tags=[{"Key": "protected", "Value": "true"}])["VirtualMFADevice"]["SerialNumber"]
    spare = call("CreateVirtualMFADevice",
                 VirtualMFADeviceName="spare")["VirtualMFADevice"]["SerialNumber"]
    for operation, params, arn in (
            ("DeletePolicy", {"PolicyArn": kept}, kept),
            ("UntagPolicy", {"PolicyArn": kept, "TagKeys": ["protected"]}, kept),
            ("UntagMFADevice", {"SerialNumber": device, "TagKeys": ["protected"]}, device),
            ("DeleteVirtualMFADevice", {"SerialNumber": device}, device)):
        err = refused(svc, ctx, operation, **params)
        assert err.message == (
            f"User: arn:aws:iam::{acct}:user/janitor is not authorized to perform: "
            f"iam:{operation} on resource: {arn} with an explicit deny in an identity-based "
            "policy")
    svc.invoke("iam", "DeletePolicy", {"PolicyArn": loose}, ctx)
    svc.invoke("iam", "DeleteVirtualMFADevice", {"SerialNumber": spare}, ctx)
    assert call("GetPolicy", PolicyArn=kept)["Policy"]["Arn"] == kept


def test_a_tag_based_deny_protects_identity_providers(svc: IdentityService, call: Any) -> None:
    ctx = new_user(call, svc, "janitor", allow("iam:DeleteOpenIDConnectProvider",
                                              "iam:DeleteSAMLProvider"),
                   deny("iam:*", Condition=PROTECTED))
    tag = [{"Key": "protected", "Value": "true"}]
    oidc = call("CreateOpenIDConnectProvider", Url="https://token.actions.githubusercontent.com",
                ClientIDList=["sts.amazonaws.com"], Tags=tag)["OpenIDConnectProviderArn"]
    padding = "<!--" + "x" * 1000 + "-->"  # the model wants at least 1,000 characters
    saml = call("CreateSAMLProvider", Name="corp", Tags=tag, SAMLMetadataDocument=(
        f'<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" '
        f'entityID="https://idp.example.com/">{padding}</EntityDescriptor>'))["SAMLProviderArn"]
    for operation, params in (("DeleteOpenIDConnectProvider", {"OpenIDConnectProviderArn": oidc}),
                              ("DeleteSAMLProvider", {"SAMLProviderArn": saml})):
        err = refused(svc, ctx, operation, **params)
        assert err.code == "AccessDenied" and err.message.endswith(
            "with an explicit deny in an identity-based policy")
    call("UntagOpenIDConnectProvider", OpenIDConnectProviderArn=oidc, TagKeys=["protected"])
    svc.invoke("iam", "DeleteOpenIDConnectProvider", {"OpenIDConnectProviderArn": oidc}, ctx)


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
    nobody = new_user(call, svc, "nobody", deny("*"))
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


def test_adding_a_role_to_an_instance_profile_passes_it_to_ec2(
        svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    trust = doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                 "Action": "sts:AssumeRole"})
    for name in ("web", "db"):
        call("CreateRole", RoleName=name, Path="/app/", AssumeRolePolicyDocument=trust)
        call("CreateInstanceProfile", InstanceProfileName=name)
    web, db = (f"arn:aws:iam::{acct}:role/app/{n}" for n in ("web", "db"))
    ctx = new_user(call, svc, "ops", allow("iam:AddRoleToInstanceProfile"), allow(
        "iam:PassRole", resource=web, Condition={
            "StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"},
            "ArnLike": {"iam:AssociatedResourceArn": f"arn:aws:ec2:*:{acct}:instance/*"}}))
    svc.invoke("iam", "AddRoleToInstanceProfile",
               {"InstanceProfileName": "web", "RoleName": "web"}, ctx)
    err = refused(svc, ctx, "AddRoleToInstanceProfile", InstanceProfileName="db", RoleName="db")
    assert (err.code, err.message) == ("AccessDenied", (
        f"User: arn:aws:iam::{acct}:user/ops is not authorized to perform: iam:PassRole on "
        f"resource: {db} because no identity-based policy allows the iam:PassRole action"))
    assert call("GetInstanceProfile", InstanceProfileName="db")["InstanceProfile"]["Roles"] == []
    # The service the role is passed to is what the condition sees.
    other = new_user(call, svc, "ecs-only", allow("iam:AddRoleToInstanceProfile"), allow(
        "iam:PassRole", Condition={"StringEquals": {"iam:PassedToService": "ecs.amazonaws.com"}}))
    err = refused(svc, other, "AddRoleToInstanceProfile", InstanceProfileName="db",
                  RoleName="db")
    assert "iam:PassRole" in err.message


@pytest.mark.parametrize(("key", "operator", "matching", "other"), [
    ("aws:userid", "StringEquals", "{uid}", "AIDAOTHER00000000000"),
    ("aws:username", "StringEquals", "clocked", "someone"),
    ("aws:PrincipalArn", "ArnEquals", "{arn}", "arn:aws:iam::{acct}:user/someone"),
    ("aws:PrincipalAccount", "StringEquals", "{acct}", "000011112222"),
    ("aws:CurrentTime", "DateGreaterThan", "2020-01-01T00:00:00Z", "2999-01-01T00:00:00Z"),
    ("aws:EpochTime", "NumericGreaterThan", "1577836800", "32503680000"),
])
def test_principal_and_clock_keys(svc: IdentityService, call: Any, account: Any, key: str,
                                  operator: str, matching: str, other: str) -> None:
    """Each key has the caller's (or the clock's) value: a condition on it holds, and one on
    another value does not."""
    acct = account.account_id
    call("CreateUser", UserName="clocked")
    uid = call("GetUser", UserName="clocked")["User"]["UserId"]
    arn = f"arn:aws:iam::{acct}:user/clocked"
    fill = {"uid": uid, "arn": arn, "acct": acct}
    call("PutUserPolicy", UserName="clocked", PolicyName="p", PolicyDocument=doc(
        allow("iam:ListRoles", Condition={operator: {key: matching.format(**fill)}}),
        allow("iam:ListGroups", Condition={operator: {key: other.format(**fill)}})))
    ctx = login(svc, call("CreateAccessKey", UserName="clocked")["AccessKey"]["AccessKeyId"])
    svc.invoke("iam", "ListRoles", {}, ctx)
    refused(svc, ctx, "ListGroups")


def test_mfa_key_is_false_in_sessions_and_absent_for_long_term_keys(
        svc: IdentityService, call: Any, account: Any) -> None:
    acct = account.account_id
    no_mfa = allow("iam:ListRoles", Condition={"Bool": {"aws:MultiFactorAuthPresent": "false"}})
    if_exists = allow("iam:ListGroups",
                      Condition={"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}})
    user = new_user(call, svc, "mfa-less", no_mfa, if_exists,
                     allow("sts:AssumeRole", resource=f"arn:aws:iam::{acct}:role/mfa-role"))
    refused(svc, user, "ListRoles")  # a long-term key: the key is absent, Bool does not match
    svc.invoke("iam", "ListGroups", {}, user)  # ...and BoolIfExists does
    call("CreateRole", RoleName="mfa-role", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": user.caller_arn}, "Action": "sts:AssumeRole"}))
    call("PutRolePolicy", RoleName="mfa-role", PolicyName="p", PolicyDocument=doc(no_mfa))
    creds = svc.invoke("sts", "AssumeRole", {"RoleArn": f"arn:aws:iam::{acct}:role/mfa-role",
                                             "RoleSessionName": "s1"}, user)["Credentials"]
    session = login(svc, creds["AccessKeyId"])
    svc.invoke("iam", "ListRoles", {}, session)  # a session without MFA: the key is "false"


def test_a_moved_target_is_authorised_at_its_new_path(svc: IdentityService, call: Any,
                                                      account: Any) -> None:
    """Targets are remembered between calls, and forgotten when anything in the account changes."""
    acct = account.account_id
    ctx = new_user(call, svc, "scoped", allow("iam:GetUser", "iam:ListUserTags",
                                               resource=f"arn:aws:iam::{acct}:user/team/*"))
    call("CreateUser", UserName="mover", Path="/team/")
    for _ in range(2):
        svc.invoke("iam", "GetUser", {"UserName": "mover"}, ctx)
        svc.invoke("iam", "ListUserTags", {"UserName": "mover"}, ctx)
    call("UpdateUser", UserName="mover", NewPath="/elsewhere/")
    err = refused(svc, ctx, "GetUser", UserName="mover")
    assert f"on resource: arn:aws:iam::{acct}:user/elsewhere/mover because" in err.message
    refused(svc, ctx, "ListUserTags", UserName="mover")
    call("UpdateUser", UserName="mover", NewPath="/team/")
    svc.invoke("iam", "GetUser", {"UserName": "mover"}, ctx)


@pytest.mark.parametrize(("kind", "new_name_param"), [("user", "NewUserName"),
                                                      ("group", "NewGroupName")])
def test_renaming_or_moving_needs_the_permission_on_the_new_arn_too(
        svc: IdentityService, call: Any, account: Any, kind: str, new_name_param: str) -> None:
    """Update{User,Group}: "the requester must have appropriate permissions on both the source
    object and the target object" (IAM API Reference); a refusal names the new ARN."""
    acct = account.account_id
    operation, name_param = ("UpdateUser", "UserName") if kind == "user" else (
        "UpdateGroup", "GroupName")
    call("Create" + kind.capitalize(), **{name_param: "carol"})
    old = f"arn:aws:iam::{acct}:{kind}/carol"
    ctx = new_user(call, svc, "mover", allow(f"iam:{operation}", resource=old),
                    allow(f"iam:{operation}", resource=f"arn:aws:iam::{acct}:{kind}/team/*"))
    for change, new in [({"NewPath": "/admins/"}, f"arn:aws:iam::{acct}:{kind}/admins/carol"),
                        ({new_name_param: "root-ish"}, f"arn:aws:iam::{acct}:{kind}/root-ish")]:
        err = refused(svc, ctx, operation, **{name_param: "carol"}, **change)
        assert (err.code, err.message) == ("AccessDenied", (
            f"User: {ctx.caller_arn} is not authorized to perform: iam:{operation} on resource: "
            f"{new} because no identity-based policy allows the iam:{operation} action"))
    listed = call(f"List{kind.capitalize()}s")[f"{kind.capitalize()}s"]
    assert [(e["Path"], e[name_param]) for e in listed if e[name_param] != "mover"] == [
        ("/", "carol")]
    # Allowed on both ARNs: the move happens.
    svc.invoke("iam", operation, {name_param: "carol", "NewPath": "/team/"}, ctx)
    assert call(f"Get{kind.capitalize()}", **{name_param: "carol"})[
        kind.capitalize()]["Path"] == "/team/"


def test_last_use_of_the_root_key_is_asked_about_the_root(
        svc: IdentityService, call: Any, account: Any) -> None:
    """A key of the account with no user is the root user's: GetAccessKeyLastUsed on it is
    authorised on ``arn:aws:iam::ACCOUNT:root``, not on the caller."""
    acct = account.account_id
    own = allow("iam:GetAccessKeyLastUsed", resource=f"arn:aws:iam::{acct}:user/${{aws:username}}")
    ctx = new_user(call, svc, "selfonly", own)
    assert svc.invoke("iam", "GetAccessKeyLastUsed", {"AccessKeyId": ctx.caller.access_key_id},
                      ctx)["UserName"] == "selfonly"
    err = refused(svc, ctx, "GetAccessKeyLastUsed", AccessKeyId=account.access_key_id)
    assert (err.code, err.message) == ("AccessDenied", (
        f"User: {ctx.caller_arn} is not authorized to perform: iam:GetAccessKeyLastUsed on "
        f"resource: arn:aws:iam::{acct}:root because no identity-based policy allows the "
        "iam:GetAccessKeyLastUsed action"))
    auditor = new_user(call, svc, "auditor", allow(
        "iam:GetAccessKeyLastUsed", resource=f"arn:aws:iam::{acct}:root"))
    assert svc.invoke("iam", "GetAccessKeyLastUsed", {"AccessKeyId": account.access_key_id},
                      auditor)["UserName"] == acct


def test_last_use_of_a_users_key_sees_the_users_tags(svc: IdentityService, call: Any) -> None:
    """The key's owner is the target, with its tags: a Deny on them applies."""
    call("CreateUser", UserName="vip", Tags=[{"Key": "protected", "Value": "yes"}])
    key = call("CreateAccessKey", UserName="vip")["AccessKey"]["AccessKeyId"]
    ctx = new_user(call, svc, "nosy", allow("iam:*"), deny("iam:*", Condition={
        "StringEquals": {"iam:ResourceTag/protected": "yes"}}))
    err = refused(svc, ctx, "GetAccessKeyLastUsed", AccessKeyId=key)
    assert "user/vip with an explicit deny" in err.message


def _escaped(statements: str) -> str:
    r"""A document whose text spells ``ResourceTag`` as ``Resource\u0054ag`` (valid JSON)."""
    text = '{"Version":"2012-10-17","Statement":[' + statements + "]}"
    assert "ResourceTag" in text
    return text.replace("ResourceTag", "Resource\\u0054ag")


def test_resource_tag_keys_written_with_json_escapes_are_read(
        svc: IdentityService, call: Any) -> None:
    """Whether the target's tags are loaded is decided on the parsed policies, not their text."""
    call("CreateUser", UserName="carol", Tags=[{"Key": "protected", "Value": "yes"},
                                               {"Key": "team", "Value": "blue"}])
    call("CreateUser", UserName="dave", Tags=[{"Key": "team", "Value": "red"}])
    call("CreateUser", UserName="denied")
    call("PutUserPolicy", UserName="denied", PolicyName="p", PolicyDocument=_escaped(
        '{"Effect":"Allow","Action":"iam:*","Resource":"*"},'
        '{"Effect":"Deny","Action":"iam:*","Resource":"*",'
        '"Condition":{"StringEquals":{"iam:ResourceTag/protected":"yes"}}}'))
    ctx = login(svc, call("CreateAccessKey", UserName="denied")["AccessKey"]["AccessKeyId"])
    err = refused(svc, ctx, "ListUserTags", UserName="carol")
    assert "user/carol with an explicit deny in an identity-based policy" in err.message
    svc.invoke("iam", "ListUserTags", {"UserName": "dave"}, ctx)
    # A variable naming a resource tag in a condition value, escaped the same way.
    call("CreateUser", UserName="blue", Tags=[{"Key": "team", "Value": "blue"}])
    call("PutUserPolicy", UserName="blue", PolicyName="p", PolicyDocument=_escaped(
        '{"Effect":"Allow","Action":"iam:GetUser","Resource":"*",'
        '"Condition":{"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}}'))
    team = login(svc, call("CreateAccessKey", UserName="blue")["AccessKey"]["AccessKeyId"])
    svc.invoke("iam", "GetUser", {"UserName": "carol"}, team)
    refused(svc, team, "GetUser", UserName="dave")
