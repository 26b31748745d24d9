"""GetAccountAuthorizationDetails: botocore's documented output shape, paging, and a round trip.

The shape check walks the export against ``GetAccountAuthorizationDetailsResponse`` in botocore's
IAM model: every member is one the model names, with the model's type, and every required member
is present. Policy documents are strings in the model and decoded JSON in what boto3 returns, so
both are accepted there.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import botocore.session

from a2c_iam.identity.model import PolicyText

ALLOW = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Read", "Effect": "Allow", "Action": ["s3:GetObject"],
     "Resource": "arn:aws:s3:::bucket/*"}]})
DENY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
     "Action": "sts:AssumeRole"}]})
_MODEL = botocore.session.get_session().get_service_model("iam")


def check_shape(value: Any, shape: Any, where: str) -> None:
    kind = shape.type_name
    if shape.name == "policyDocumentType":
        assert isinstance(value, (dict, str)), where
        return
    if kind == "structure":
        assert isinstance(value, dict), where
        for member in shape.required_members:
            assert member in value, f"{where}: {member} is required"
        for key, item in value.items():
            assert key in shape.members, f"{where}: {key} is not in {shape.name}"
            check_shape(item, shape.members[key], f"{where}.{key}")
    elif kind == "list":
        assert isinstance(value, list), where
        for i, item in enumerate(value):
            check_shape(item, shape.member, f"{where}[{i}]")
    elif kind == "map":
        assert isinstance(value, dict), where
    elif kind == "string":
        assert isinstance(value, str) and not isinstance(value, PolicyText), where
        if shape.enum:
            assert value in shape.enum, where
    elif kind == "timestamp":
        assert isinstance(value, datetime) and value.tzinfo is not None, where
    elif kind == "boolean":
        assert isinstance(value, bool), where
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), where
    else:  # pragma: no cover - the GAAD shape has no other types
        raise AssertionError(f"{where}: unexpected type {kind}")


def build(call: Any) -> None:
    """An account with something of every kind GAAD reports."""
    local = call("CreatePolicy", PolicyName="ReadBucket", Path="/app/", PolicyDocument=ALLOW,
                 Description="read the bucket")["Policy"]["Arn"]
    call("CreatePolicyVersion", PolicyArn=local, PolicyDocument=DENY, SetAsDefault=True)
    call("CreatePolicyVersion", PolicyArn=local, PolicyDocument=ALLOW)
    boundary = call("CreatePolicy", PolicyName="Boundary", PolicyDocument=ALLOW)["Policy"]["Arn"]
    call("CreateGroup", GroupName="Devs", Path="/teams/")
    call("PutGroupPolicy", GroupName="Devs", PolicyName="inline-g", PolicyDocument=ALLOW)
    call("AttachGroupPolicy", GroupName="Devs", PolicyArn=local)
    call("CreateUser", UserName="alice", Path="/people/", PermissionsBoundary=boundary,
         Tags=[{"Key": "team", "Value": "a2c"}])
    call("AddUserToGroup", GroupName="Devs", UserName="alice")
    call("PutUserPolicy", UserName="alice", PolicyName="inline-u", PolicyDocument=DENY)
    call("AttachUserPolicy", UserName="alice",
         PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    call("CreateUser", UserName="bob")
    call("CreateRole", RoleName="task", AssumeRolePolicyDocument=TRUST,
         Tags=[{"Key": "env", "Value": "dev"}], Description="runs the tasks",
         MaxSessionDuration=7200)  # RoleDetail lacks these; the profile's Roles[] has them
    call("PutRolePolicy", RoleName="task", PolicyName="inline-r", PolicyDocument=ALLOW)
    call("AttachRolePolicy", RoleName="task", PolicyArn=local)
    call("CreateInstanceProfile", InstanceProfileName="task-profile")
    call("AddRoleToInstanceProfile", InstanceProfileName="task-profile", RoleName="task")


def test_export_matches_the_documented_shape(call: Any) -> None:
    build(call)
    out = call("GetAccountAuthorizationDetails")
    check_shape(out, _MODEL.operation_model("GetAccountAuthorizationDetails").output_shape,
                "GAAD")
    assert [u["UserName"] for u in out["UserDetailList"]] == ["alice", "bob"]
    alice = out["UserDetailList"][0]
    assert alice["GroupList"] == ["Devs"]
    assert alice["UserPolicyList"][0]["PolicyDocument"] == json.loads(DENY)
    assert alice["PermissionsBoundary"]["PermissionsBoundaryArn"].endswith(":policy/Boundary")
    role = out["RoleDetailList"][0]
    assert role["InstanceProfileList"][0]["InstanceProfileName"] == "task-profile"
    names = [p["PolicyName"] for p in out["Policies"]]
    assert names == ["Boundary", "IAMReadOnlyAccess", "ReadBucket"]  # unattached AWS ones left out
    local = out["Policies"][2]
    assert [v["VersionId"] for v in local["PolicyVersionList"]] == ["v3", "v2", "v1"]
    assert [v["IsDefaultVersion"] for v in local["PolicyVersionList"]] == [False, True, False]
    assert local["AttachmentCount"] == 2


def test_export_pages_and_filters(call: Any) -> None:
    build(call)
    whole = call("GetAccountAuthorizationDetails")
    collected: dict[str, list[Any]] = {k: [] for k in
                                       ("UserDetailList", "GroupDetailList", "RoleDetailList",
                                        "Policies")}
    marker = None
    pages = 0
    while True:
        params = {"MaxItems": 2} | ({"Marker": marker} if marker else {})
        out = call("GetAccountAuthorizationDetails", **params)
        pages += 1
        for k in collected:
            collected[k] += out[k]
        if not out["IsTruncated"]:
            break
        marker = out["Marker"]
    assert pages == 4  # 2 users, 1 group, 1 role, 3 policies = 7 items
    assert collected == {k: whole[k] for k in collected}
    only = call("GetAccountAuthorizationDetails", Filter=["Role", "AWSManagedPolicy"])
    assert only["UserDetailList"] == [] and len(only["RoleDetailList"]) == 1
    assert [p["PolicyName"] for p in only["Policies"]] == ["IAMReadOnlyAccess"]


def _normalised(details: dict[str, Any], account_id: str) -> Any:
    text = json.dumps(details, default=lambda d: d.isoformat(), sort_keys=True)
    text = text.replace(account_id, "ACCOUNT")
    value = json.loads(text)

    def drop_ids(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: drop_ids(x) for k, x in v.items()
                    if not re.fullmatch(r"(User|Group|Role|Policy|InstanceProfile)Id", k)}
        if isinstance(v, list):
            return [drop_ids(x) for x in v]
        return v

    return drop_ids(value)


def test_export_round_trips_through_an_empty_account(svc: Any, account: Any, call: Any) -> None:
    build(call)
    first = svc.authorization_details(account.account_id)
    target = svc.create_account()
    svc.import_details(target.account_id, first)
    second = svc.authorization_details(target.account_id)
    assert second["UserDetailList"][0]["UserId"] != first["UserDetailList"][0]["UserId"]
    assert _normalised(second, target.account_id) == _normalised(first, account.account_id)
    # The imported account works like any other: its policies are attached and enforced.
    ctx = svc.context(target.account_id)
    got = svc.run("iam", "GetUserPolicy", ctx, UserName="alice", PolicyName="inline-u")
    assert got["PolicyDocument"] == json.loads(DENY)
    role = svc.run("iam", "GetRole", ctx, RoleName="task")["Role"]
    assert (role["Description"], role["MaxSessionDuration"]) == ("runs the tasks", 7200)


def test_an_export_as_json_text_imports_too(svc: Any, account: Any, call: Any) -> None:
    """What ``aws iam get-account-authorization-details`` prints: times as ISO-8601 text."""
    build(call)
    first = svc.authorization_details(account.account_id)
    text = json.loads(json.dumps(first, default=lambda d: d.isoformat()))
    target = svc.create_account()
    svc.import_details(target.account_id, text)
    second = svc.authorization_details(target.account_id)
    assert _normalised(second, target.account_id) == _normalised(first, account.account_id)


def test_a_bad_document_is_refused_precisely_and_changes_nothing(svc: Any, account: Any,
                                                                  call: Any) -> None:
    import copy

    import pytest

    from a2c_iam.identity import IdentityError

    build(call)
    good = svc.authorization_details(account.account_id)
    target = svc.create_account()
    before = svc.authorization_details(target.account_id)

    def broken(change: Any) -> Any:
        doc = copy.deepcopy(good)
        change(doc)
        return doc

    cases = [
        (broken(lambda d: d["UserDetailList"][0].pop("UserName")), "InvalidInput",
         "UserDetailList[0] lacks its UserName"),
        (broken(lambda d: d["RoleDetailList"][0]["InstanceProfileList"][0].pop("Roles")),
         "InvalidInput", "InstanceProfileList[0] lacks the required member 'Roles'"),
        (broken(lambda d: d["Policies"][0].pop("Arn")), "InvalidInput",
         "Policies[0].Arn must be a policy ARN"),
        (broken(lambda d: d["RoleDetailList"][0].update(Colour="blue")), "InvalidInput",
         "RoleDetailList[0] has no member 'Colour'"),
        (broken(lambda d: d["GroupDetailList"][0].update(CreateDate="yesterday")), "InvalidInput",
         "GroupDetailList[0].CreateDate must be an ISO-8601 time"),
        (broken(lambda d: d["Policies"][2]["PolicyVersionList"][0].update(VersionId="x3")),
         "InvalidInput", "has the invalid version id 'x3'"),
        (broken(lambda d: d["UserDetailList"][0].update(UserName="bad name")), "ValidationError",
         "Value 'bad name' at 'userName' failed to satisfy constraint"),
        (broken(lambda d: d["Policies"][0]["PolicyVersionList"][0].update(
            Document="{not json")), "MalformedPolicyDocument", "Syntax errors in policy."),
        (broken(lambda d: d["GroupDetailList"].append(d["GroupDetailList"][0])),
         "EntityAlreadyExists", "Group with name Devs already exists."),
        ([1, 2], "InvalidInput", "must be a JSON object"),
    ]

    def refused(details: Any, code: str, fragment: str) -> None:
        with pytest.raises(IdentityError) as info:
            svc.import_details(target.account_id, details)
        assert (info.value.code, fragment in info.value.message) == (code, True), info.value

    for details, code, fragment in cases:
        refused(details, code, fragment)
    assert svc.authorization_details(target.account_id) == before  # nothing was written
    svc.run("iam", "CreateUser", svc.context(target.account_id), UserName="BOB")
    before = svc.authorization_details(target.account_id)
    refused(good, "EntityAlreadyExists", "User with name bob already exists.")
    assert svc.authorization_details(target.account_id) == before


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


def test_any_damaged_document_gets_an_iam_error_never_a_crash(svc: Any, account: Any,
                                                              call: Any) -> None:
    """One value anywhere in a good export replaced by any JSON value: the import succeeds or
    fails with an ``IdentityError`` (IAM's code and text), never another exception."""
    import contextlib
    import copy

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from a2c_iam.identity import IdentityError

    build(call)
    good = json.loads(json.dumps(svc.authorization_details(account.account_id),
                                 default=lambda d: d.isoformat()))
    paths = _paths(good)[1:]
    junk = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8),
                     st.just([]), st.just({}), st.just(["x"]), st.just({"Key": 1}))

    @settings(max_examples=100, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.sampled_from(paths), junk)
    def damaged(path: tuple[Any, ...], value: Any) -> None:
        doc = copy.deepcopy(good)
        node = doc
        for step in path[:-1]:
            node = node[step]
        node[path[-1]] = value
        with contextlib.suppress(IdentityError):  # anything else fails the test
            svc.create_account(details=doc)

    damaged()
