"""IAM's rules for users, groups, roles, policies, keys, profiles, tags and the account, with
IAM's codes and texts, on SQLite and PostgreSQL (the ``svc`` fixture runs each test on both)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from a2c_iam.identity import IdentityError

ALLOW_S3 = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
     "Action": "sts:AssumeRole"}]})


def fails(call: Any, operation: str, **params: Any) -> IdentityError:
    with pytest.raises(IdentityError) as info:
        call(operation, **params)
    return info.value


def test_user_life_cycle_with_path_arn_and_prefix(call: Any, account: Any) -> None:
    user = call("CreateUser", UserName="Alice", Path="/eng/")["User"]
    assert user["Arn"] == f"arn:aws:iam::{account.account_id}:user/eng/Alice"
    assert user["UserId"].startswith("AIDA") and len(user["UserId"]) == 21
    assert call("GetUser", UserName="alice")["User"]["UserName"] == "Alice"
    err = fails(call, "CreateUser", UserName="ALICE")
    assert (err.code, err.status) == ("EntityAlreadyExists", 409)
    assert err.message == "User with name ALICE already exists."
    call("UpdateUser", UserName="Alice", NewUserName="Alicia", NewPath="/ops/")
    assert call("GetUser", UserName="Alicia")["User"]["Path"] == "/ops/"
    call("DeleteUser", UserName="alicia")
    err = fails(call, "GetUser", UserName="Alicia")
    assert (err.code, err.status, err.message) == (
        "NoSuchEntity", 404, "The user with name Alicia cannot be found.")


@pytest.mark.parametrize(("params", "fragment"), [
    ({"UserName": "bad name"}, "Member must satisfy regular expression pattern"),
    ({"UserName": "x" * 65}, "Member must have length less than or equal to 64"),
    ({"UserName": "ok", "Path": "no-slash"}, "at 'path' failed to satisfy constraint"),
    ({}, "Value null at 'userName' failed to satisfy constraint: Member must not be null"),
])
def test_input_constraints_come_from_the_model(call: Any, params: dict[str, Any],
                                               fragment: str) -> None:
    err = fails(call, "CreateUser", **params)
    assert err.code == "ValidationError" and err.status == 400
    assert err.message.startswith("1 validation error detected: ")
    assert fragment in err.message


def test_delete_conflicts_name_what_is_left(call: Any) -> None:
    call("CreateUser", UserName="bob")
    call("CreateGroup", GroupName="devs")
    call("AddUserToGroup", GroupName="devs", UserName="bob")
    key = call("CreateAccessKey", UserName="bob")["AccessKey"]
    err = fails(call, "DeleteUser", UserName="bob")
    assert (err.code, err.message) == ("DeleteConflict",
                                       "Cannot delete entity, must delete access keys first.")
    call("DeleteAccessKey", UserName="bob", AccessKeyId=key["AccessKeyId"])
    err = fails(call, "DeleteGroup", GroupName="devs")
    assert err.message == "Cannot delete entity, must remove users from group first."
    call("RemoveUserFromGroup", GroupName="devs", UserName="bob")
    call("DeleteGroup", GroupName="devs")
    call("DeleteUser", UserName="bob")


def test_access_keys_two_per_user_and_status(call: Any) -> None:
    call("CreateUser", UserName="carol")
    first = call("CreateAccessKey", UserName="carol")["AccessKey"]
    assert first["AccessKeyId"].startswith("AKIA") and len(first["AccessKeyId"]) == 20
    assert len(first["SecretAccessKey"]) == 40
    call("CreateAccessKey", UserName="carol")
    err = fails(call, "CreateAccessKey", UserName="carol")
    assert (err.code, err.message) == ("LimitExceeded",
                                       "Cannot exceed quota for AccessKeysPerUser: 2")
    call("UpdateAccessKey", UserName="carol", AccessKeyId=first["AccessKeyId"],
         Status="Inactive")
    listed = call("ListAccessKeys", UserName="carol")["AccessKeyMetadata"]
    assert {k["Status"] for k in listed} == {"Active", "Inactive"}
    assert all("SecretAccessKey" not in k for k in listed)
    # The model's statusType also lists Expired; a key can only be made Active or Inactive.
    err = fails(call, "UpdateAccessKey", UserName="carol", AccessKeyId=first["AccessKeyId"],
                Status="Expired")
    assert (err.code, err.message) == (
        "InvalidInput", "Status Expired is not valid for an access key: use Active or Inactive.")
    assert call("ListAccessKeys", UserName="carol")["AccessKeyMetadata"] == listed
    used = call("GetAccessKeyLastUsed", AccessKeyId=first["AccessKeyId"])
    assert used["UserName"] == "carol" and used["AccessKeyLastUsed"]["ServiceName"] == "N/A"
    err = fails(call, "DeleteAccessKey", UserName="carol", AccessKeyId="AKIAAAAAAAAAAAAAAAAA")
    assert err.message == "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found."


def test_groups_per_user_quota(call: Any) -> None:
    call("CreateUser", UserName="dave")
    for i in range(10):
        call("CreateGroup", GroupName=f"g{i}")
        call("AddUserToGroup", GroupName=f"g{i}", UserName="dave")
    call("CreateGroup", GroupName="g10")
    err = fails(call, "AddUserToGroup", GroupName="g10", UserName="dave")
    assert err.message == "Cannot exceed quota for GroupsPerUser: 10"
    groups = call("ListGroupsForUser", UserName="dave", MaxItems=4)
    assert len(groups["Groups"]) == 4 and groups["IsTruncated"] is True
    rest = call("ListGroupsForUser", UserName="dave", Marker=groups["Marker"])
    names = [g["GroupName"] for g in groups["Groups"] + rest["Groups"]]
    assert names == sorted(f"g{i}" for i in range(10)) and rest["IsTruncated"] is False


def test_pagination_marker_and_bad_marker(call: Any) -> None:
    for name in ["u3", "u1", "u2"]:
        call("CreateUser", UserName=name)
    first = call("ListUsers", MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == ["u1", "u2"]
    second = call("ListUsers", MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in second["Users"]] == ["u3"] and "Marker" not in second
    assert fails(call, "ListUsers", Marker="garbage!").code in ("InvalidInput", "ValidationError")


def test_customer_managed_policy_versions(call: Any, account: Any) -> None:
    arn = call("CreatePolicy", PolicyName="Read", Path="/app/",
               PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
    assert arn == f"arn:aws:iam::{account.account_id}:policy/app/Read"
    for _ in range(4):
        call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=ALLOW_S3)
    err = fails(call, "CreatePolicyVersion", PolicyArn=arn, PolicyDocument=ALLOW_S3)
    assert err.code == "LimitExceeded" and "up to 5 versions" in err.message
    err = fails(call, "DeletePolicyVersion", PolicyArn=arn, VersionId="v1")
    assert (err.code, err.message) == ("DeleteConflict",
                                       "Cannot delete the default version of a policy.")
    call("SetDefaultPolicyVersion", PolicyArn=arn, VersionId="v5")
    call("DeletePolicyVersion", PolicyArn=arn, VersionId="v1")
    new = call("CreatePolicyVersion", PolicyArn=arn, PolicyDocument=ALLOW_S3,
               SetAsDefault=True)["PolicyVersion"]
    assert new["VersionId"] == "v6" and new["IsDefaultVersion"] is True
    got = call("GetPolicyVersion", PolicyArn=arn, VersionId="v6")["PolicyVersion"]
    assert got["Document"] == json.loads(ALLOW_S3)  # decoded, as boto3 shows it
    assert call("GetPolicy", PolicyArn=arn)["Policy"]["DefaultVersionId"] == "v6"
    versions = call("ListPolicyVersions", PolicyArn=arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v6", "v5", "v4", "v3", "v2"]


def test_malformed_documents_use_the_policy_layer(call: Any) -> None:
    err = fails(call, "CreatePolicy", PolicyName="bad", PolicyDocument="{not json")
    assert (err.code, err.message) == ("MalformedPolicyDocument", "Syntax errors in policy.")
    big = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"s3:GetObject{i}" for i in range(400)],
         "Resource": "*"}]})
    err = fails(call, "CreatePolicy", PolicyName="big", PolicyDocument=big)
    assert (err.code, err.message) == ("LimitExceeded", "Cannot exceed quota for PolicySize: 6144")
    call("CreateRole", RoleName="r", AssumeRolePolicyDocument=TRUST)
    err = fails(call, "UpdateAssumeRolePolicy", RoleName="r", PolicyDocument=ALLOW_S3)
    assert err.code == "MalformedPolicyDocument"
    err = fails(call, "CreateRole", RoleName="r2", AssumeRolePolicyDocument=ALLOW_S3)
    assert err.code == "MalformedPolicyDocument"


def test_attach_detach_and_list_entities(call: Any) -> None:
    call("CreateUser", UserName="erin")
    call("CreateGroup", GroupName="ops")
    call("CreateRole", RoleName="app", AssumeRolePolicyDocument=TRUST)
    admin = "arn:aws:iam::aws:policy/AdministratorAccess"
    call("AttachUserPolicy", UserName="erin", PolicyArn=admin)
    call("AttachGroupPolicy", GroupName="ops", PolicyArn=admin)
    call("AttachRolePolicy", RoleName="app", PolicyArn=admin)
    ents = call("ListEntitiesForPolicy", PolicyArn=admin)
    assert [u["UserName"] for u in ents["PolicyUsers"]] == ["erin"]
    assert [g["GroupName"] for g in ents["PolicyGroups"]] == ["ops"]
    assert [r["RoleName"] for r in ents["PolicyRoles"]] == ["app"]
    assert call("GetPolicy", PolicyArn=admin)["Policy"]["AttachmentCount"] == 3
    attached = call("ListAttachedUserPolicies", UserName="erin")["AttachedPolicies"]
    assert attached == [{"PolicyName": "AdministratorAccess", "PolicyArn": admin}]
    err = fails(call, "DeleteUser", UserName="erin")
    assert err.message == "Cannot delete entity, must detach all policies first."
    call("DetachUserPolicy", UserName="erin", PolicyArn=admin)
    err = fails(call, "DetachUserPolicy", UserName="erin", PolicyArn=admin)
    assert err.code == "NoSuchEntity"
    err = fails(call, "AttachUserPolicy", UserName="erin",
                PolicyArn="arn:aws:iam::aws:policy/NoSuchPolicy")
    assert err.message == ("Policy arn:aws:iam::aws:policy/NoSuchPolicy does not exist or is not "
                           "attachable.")
    for i in range(10):
        arn = call("CreatePolicy", PolicyName=f"p{i}", PolicyDocument=ALLOW_S3)["Policy"]["Arn"]
        call("AttachRolePolicy", RoleName="app", PolicyArn=arn) if i < 9 else None
    err = fails(call, "AttachRolePolicy", RoleName="app", PolicyArn=arn)
    assert err.message == "Cannot exceed quota for PoliciesPerRole: 10"


def test_aws_managed_policies_are_listed_and_read_only(call: Any) -> None:
    listed = call("ListPolicies", Scope="AWS")["Policies"]
    names = {p["PolicyName"] for p in listed}
    assert {"AdministratorAccess", "PowerUserAccess", "IAMFullAccess",
            "IAMReadOnlyAccess"} <= names
    ro = call("GetPolicy", PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")["Policy"]
    doc = call("GetPolicyVersion", PolicyArn=ro["Arn"],
               VersionId=ro["DefaultVersionId"])["PolicyVersion"]["Document"]
    assert "iam:List*" in doc["Statement"][0]["Action"]
    assert fails(call, "DeletePolicy", PolicyArn=ro["Arn"]).status == 400
    assert call("ListPolicies", Scope="Local")["Policies"] == []


def test_inline_policies_and_aggregate_size(call: Any) -> None:
    call("CreateUser", UserName="fay")
    call("PutUserPolicy", UserName="fay", PolicyName="Read", PolicyDocument=ALLOW_S3)
    got = call("GetUserPolicy", UserName="fay", PolicyName="read")
    assert got["PolicyName"] == "Read" and got["PolicyDocument"] == json.loads(ALLOW_S3)
    assert call("ListUserPolicies", UserName="fay")["PolicyNames"] == ["Read"]
    half = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"s3:Get{i:04d}" for i in range(70)], "Resource": "*"}]})
    call("PutUserPolicy", UserName="fay", PolicyName="Half", PolicyDocument=half)
    err = fails(call, "PutUserPolicy", UserName="fay", PolicyName="Other", PolicyDocument=half)
    assert (err.code, err.message) == ("LimitExceeded",
                                       "Maximum policy size of 2048 bytes exceeded for user fay")
    err = fails(call, "DeleteUser", UserName="fay")
    assert err.message == "Cannot delete entity, must delete policies first."
    err = fails(call, "GetUserPolicy", UserName="fay", PolicyName="nope")
    assert err.message == "The user policy with name nope cannot be found."


def test_roles_boundaries_and_instance_profiles(call: Any, account: Any) -> None:
    role = call("CreateRole", RoleName="Web", Path="/svc/", AssumeRolePolicyDocument=TRUST,
                MaxSessionDuration=7200, Description="web tier",
                PermissionsBoundary="arn:aws:iam::aws:policy/PowerUserAccess")["Role"]
    assert role["RoleId"].startswith("AROA")
    assert role["Arn"] == f"arn:aws:iam::{account.account_id}:role/svc/Web"
    assert role["AssumeRolePolicyDocument"] == json.loads(TRUST)
    got = call("GetRole", RoleName="web")["Role"]
    assert got["MaxSessionDuration"] == 7200
    assert got["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith("/PowerUserAccess")
    err = fails(call, "CreateRole", RoleName="x", AssumeRolePolicyDocument=TRUST,
                MaxSessionDuration=50000)
    assert err.code == "ValidationError"
    prof = call("CreateInstanceProfile", InstanceProfileName="WebProfile")["InstanceProfile"]
    assert prof["InstanceProfileId"].startswith("AIPA")
    call("AddRoleToInstanceProfile", InstanceProfileName="WebProfile", RoleName="Web")
    call("CreateRole", RoleName="Other", AssumeRolePolicyDocument=TRUST)
    err = fails(call, "AddRoleToInstanceProfile", InstanceProfileName="WebProfile",
                RoleName="Other")
    assert err.message == "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"
    err = fails(call, "DeleteRole", RoleName="Web")
    assert err.message == "Cannot delete entity, must remove roles from instance profile first."
    listed = call("ListInstanceProfilesForRole", RoleName="Web")["InstanceProfiles"]
    assert [p["InstanceProfileName"] for p in listed] == ["WebProfile"]
    call("RemoveRoleFromInstanceProfile", InstanceProfileName="WebProfile", RoleName="Web")
    call("DeleteRolePermissionsBoundary", RoleName="Web")
    assert "PermissionsBoundary" not in call("GetRole", RoleName="Web")["Role"]
    call("DeleteRole", RoleName="Web")
    call("DeleteInstanceProfile", InstanceProfileName="WebProfile")


def test_tags_case_insensitive_keys_and_quota(call: Any) -> None:
    call("CreateUser", UserName="gil", Tags=[{"Key": "Team", "Value": "a"}])
    call("TagUser", UserName="gil", Tags=[{"Key": "team", "Value": "b"}])
    assert call("ListUserTags", UserName="gil")["Tags"] == [{"Key": "team", "Value": "b"}]
    err = fails(call, "TagUser", UserName="gil",
                Tags=[{"Key": "x", "Value": "1"}, {"Key": "X", "Value": "2"}])
    assert err.code == "InvalidInput"
    call("TagUser", UserName="gil", Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(49)])
    err = fails(call, "TagUser", UserName="gil", Tags=[{"Key": "one-more", "Value": "v"}])
    assert (err.code, err.message) == ("LimitExceeded", "Cannot exceed quota for TagsPerUser: 50")
    call("UntagUser", UserName="gil", TagKeys=["TEAM"])
    assert len(call("ListUserTags", UserName="gil")["Tags"]) == 49


def test_account_alias_and_summary(call: Any, svc: Any) -> None:
    call("CreateAccountAlias", AccountAlias="my-team")
    assert call("ListAccountAliases")["AccountAliases"] == ["my-team"]
    other = svc.create_account()
    err = fails(lambda op, **p: svc.run("iam", op, svc.context(other.account_id), **p),
                "CreateAccountAlias", AccountAlias="my-team")
    assert err.code == "EntityAlreadyExists"
    call("CreateUser", UserName="h")
    summary = call("GetAccountSummary")["SummaryMap"]
    assert summary["Users"] == 1 and summary["AccessKeysPerUserQuota"] == 2
    assert summary["AccountAccessKeysPresent"] == 1
    call("DeleteAccountAlias", AccountAlias="my-team")
    assert call("ListAccountAliases")["AccountAliases"] == []


def test_invoke_url_encodes_documents_for_the_wire(svc: Any, ctx: Any) -> None:
    svc.invoke("iam", "CreateUser", {"UserName": "w"}, ctx)
    svc.invoke("iam", "PutUserPolicy", {"UserName": "w", "PolicyName": "p",
                                        "PolicyDocument": ALLOW_S3}, ctx)
    out = svc.invoke("iam", "GetUserPolicy", {"UserName": "w", "PolicyName": "p"}, ctx)
    assert out["PolicyDocument"].startswith("%7B%22Version%22")
    assert svc.implements("iam", "CreateUser") and not svc.implements("iam", "NoSuchOp")


def test_mutations_leave_an_audit_trail(svc: Any, ctx: Any, call: Any) -> None:
    from sqlalchemy import select

    from a2c_iam.store import schema as s

    call("CreateUser", UserName="audited")
    with pytest.raises(IdentityError):
        call("CreateUser", UserName="audited")
    with svc.db.read() as conn:
        rows = conn.execute(select(s.audit_events).where(
            s.audit_events.c.account_id == ctx.account_id,
            s.audit_events.c.operation == "CreateUser").order_by(s.audit_events.c.id)).all()
    assert [r.outcome for r in rows] == ["Success", "EntityAlreadyExists"]
    assert rows[0].target_arn.endswith(":user/audited")
    assert rows[0].caller_arn == ctx.caller_arn


def test_the_audit_event_and_the_change_commit_together(call: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """One transaction: when the event cannot be written, the change it records is not made."""
    from a2c_iam.identity import service

    def broken(*args: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(service, "_audit", broken)
    with pytest.raises(RuntimeError):
        call("CreateUser", UserName="unrecorded")
    monkeypatch.undo()
    assert fails(call, "GetUser", UserName="unrecorded").code == "NoSuchEntity"
    call("CreateUser", UserName="unrecorded")  # and with the trail working, it is made


def test_cached_reads_see_every_write(call: Any) -> None:
    assert call("ListUsers")["Users"] == []
    call("CreateUser", UserName="cached", Path="/a/")
    assert [u["Path"] for u in call("ListUsers")["Users"]] == ["/a/"]
    call("UpdateUser", UserName="cached", NewPath="/b/")
    assert call("GetUser", UserName="cached")["User"]["Path"] == "/b/"
    assert [u["Path"] for u in call("ListUsers")["Users"]] == ["/b/"]
    call("DeleteUser", UserName="cached")
    assert call("ListUsers")["Users"] == []
    assert fails(call, "GetUser", UserName="cached").code == "NoSuchEntity"


def test_signed_calls_record_the_keys_last_use(svc: Any, account: Any, call: Any) -> None:
    from a2c_iam.identity import CallContext

    call("CreateUser", UserName="user1")
    call("AttachUserPolicy", UserName="user1",
         PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    key = call("CreateAccessKey", UserName="user1")["AccessKey"]["AccessKeyId"]
    record = svc.lookup_key(key)
    caller = svc.resolve(record)
    assert caller.arn.endswith(":user/user1")
    ctx = CallContext(account.account_id, caller.arn, "req-1", caller)
    got = svc.invoke("iam", "GetUser", {}, ctx, {"aws:RequestedRegion": "eu-west-1"})
    assert got["User"]["UserName"] == "user1"  # no UserName: the calling user
    used = call("GetAccessKeyLastUsed", AccessKeyId=key)["AccessKeyLastUsed"]
    assert (used["ServiceName"], used["Region"]) == ("iam", "eu-west-1")
    assert "LastUsedDate" in used
    denied = fails(lambda op, **p: svc.invoke("iam", op, p, ctx, {}), "CreateUser",
                   UserName="nope")
    assert denied.code == "AccessDenied" and denied.status == 403


def test_one_oversized_inline_policy_gets_the_principal_quota_text(call: Any) -> None:
    call("CreateGroup", GroupName="big")
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": [f"s3:Get{i:04d}" for i in range(400)], "Resource": "*"}]})
    err = fails(call, "PutGroupPolicy", GroupName="big", PolicyName="p", PolicyDocument=doc)
    assert (err.code, err.message) == ("LimitExceeded",
                                       "Maximum policy size of 5120 bytes exceeded for group big")
