"""IAM's policy simulator over the engine: Simulate{Principal,Custom}Policy and
GetContextKeysFor{Principal,Custom}Policy, with IAM's result shapes (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from policy_docs import allow, deny, doc

from a2c_iam.identity import IdentityError, awsmodel
from a2c_iam.identity.simulation import context_from_entries


def refused(call: Any, operation: str, **params: Any) -> IdentityError:
    with pytest.raises(IdentityError) as info:
        call(operation, **params)
    return info.value


def _check_shape(value: Any, shape_name: str) -> None:
    """``value`` uses only members of the botocore shape, with the right kinds."""
    shape = awsmodel.shape("iam", shape_name)
    kind = shape["type"]
    if kind == "structure":
        assert isinstance(value, dict), shape_name
        assert set(shape.get("required", ())) <= set(value), shape_name
        for name, item in value.items():
            assert name in shape["members"], f"{shape_name}.{name}"
            _check_shape(item, shape["members"][name]["shape"])
    elif kind == "list":
        assert isinstance(value, list), shape_name
        for item in value:
            _check_shape(item, shape["member"]["shape"])
    elif kind == "string":
        assert isinstance(value, str), shape_name
        if "enum" in shape:
            assert value in shape["enum"], shape_name
    elif kind == "boolean":
        assert isinstance(value, bool), shape_name
    elif kind == "integer":
        assert isinstance(value, int), shape_name


def test_principal_policy_of_a_user_with_groups(call: Any, account: Any) -> None:
    acct = account.account_id
    call("CreateUser", UserName="alice")
    own = doc(allow("s3:GetObject", resource="arn:aws:s3:::data/*"))
    call("PutUserPolicy", UserName="alice", PolicyName="own", PolicyDocument=own)
    call("CreateGroup", GroupName="devs")
    call("AddUserToGroup", GroupName="devs", UserName="alice")
    call("PutGroupPolicy", GroupName="devs", PolicyName="guard",
         PolicyDocument=doc(deny("s3:DeleteObject")))
    call("AttachGroupPolicy", GroupName="devs",
         PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    out = call("SimulatePrincipalPolicy", PolicySourceArn=f"arn:aws:iam::{acct}:user/alice",
               ActionNames=["s3:GetObject", "s3:DeleteObject", "iam:GetUser", "ec2:RunInstances"],
               ResourceArns=["arn:aws:s3:::data/report.csv"])
    _check_shape(out, "SimulatePolicyResponse")
    results = {r["EvalActionName"]: r for r in out["EvaluationResults"]}
    assert out["IsTruncated"] is False
    assert {a: r["EvalDecision"] for a, r in results.items()} == {
        "s3:GetObject": "allowed", "s3:DeleteObject": "explicitDeny",
        "iam:GetUser": "allowed", "ec2:RunInstances": "implicitDeny"}
    get = results["s3:GetObject"]
    assert get["EvalResourceName"] == "arn:aws:s3:::data/report.csv"
    assert get["MatchedStatements"] == [{
        "SourcePolicyId": "own", "SourcePolicyType": "user",
        # From the statement's "{" to just past its "}" (1-based columns).
        "StartPosition": {"Line": 1, "Column": own.index("[{") + 2},
        "EndPosition": {"Line": 1, "Column": own.rindex("}]") + 2}}]
    assert get["ResourceSpecificResults"][0]["EvalResourceDecision"] == "allowed"
    matched = results["s3:DeleteObject"]["MatchedStatements"]
    assert [(m["SourcePolicyId"], m["SourcePolicyType"]) for m in matched] == [("guard", "group")]
    assert [(m["SourcePolicyId"], m["SourcePolicyType"])
            for m in results["iam:GetUser"]["MatchedStatements"]] == [
        ("IAMReadOnlyAccess", "aws-managed")]
    assert results["ec2:RunInstances"]["MatchedStatements"] == []


def test_statement_positions_in_a_multi_line_document(call: Any) -> None:
    first = '    {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},'
    text = ('{\n  "Version": "2012-10-17",\n  "Statement": [\n' + first + '\n'
            '    {\n      "Effect": "Deny",\n      "Action": "sqs:DeleteQueue",\n'
            '      "Resource": "*"\n    }\n  ]\n}')
    out = call("SimulateCustomPolicy", PolicyInputList=[text],
               ActionNames=["sqs:SendMessage", "sqs:DeleteQueue"])
    send, delete = out["EvaluationResults"]
    assert send["MatchedStatements"] == [{
        "SourcePolicyId": "PolicyInputList.1", "StartPosition": {"Line": 4, "Column": 5},
        "EndPosition": {"Line": 4, "Column": len(first)}}]
    assert delete["EvalDecision"] == "explicitDeny"
    assert delete["MatchedStatements"][0]["StartPosition"] == {"Line": 5, "Column": 5}
    assert delete["MatchedStatements"][0]["EndPosition"] == {"Line": 9, "Column": 6}
    assert "ResourceSpecificResults" not in send and send["EvalResourceName"] == "*"


def test_context_entries_and_missing_context_values(call: Any) -> None:
    policy = doc(allow("s3:GetObject", Condition={
        "IpAddress": {"aws:SourceIp": "10.0.0.0/8"},
        "StringEquals": {"s3:prefix": "home/${aws:username}"}}))
    out = call("SimulateCustomPolicy", PolicyInputList=[policy], ActionNames=["s3:GetObject"])
    result = out["EvaluationResults"][0]
    assert result["EvalDecision"] == "implicitDeny"
    assert result["MissingContextValues"] == ["aws:SourceIp", "s3:prefix", "aws:username"]
    entries = [
        {"ContextKeyName": "aws:SourceIp", "ContextKeyValues": ["10.1.1.1"],
         "ContextKeyType": "ip"},
        {"ContextKeyName": "s3:prefix", "ContextKeyValues": ["home/bob"],
         "ContextKeyType": "string"},
        {"ContextKeyName": "aws:username", "ContextKeyValues": ["bob"],
         "ContextKeyType": "string"},
    ]
    out = call("SimulateCustomPolicy", PolicyInputList=[policy], ActionNames=["s3:GetObject"],
               ContextEntries=entries)
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"
    assert out["EvaluationResults"][0]["MissingContextValues"] == []
    entries[0]["ContextKeyValues"] = ["192.0.2.1"]
    out = call("SimulateCustomPolicy", PolicyInputList=[policy], ActionNames=["s3:GetObject"],
               ContextEntries=entries)
    assert out["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


def test_context_entry_types() -> None:
    got = context_from_entries([
        {"ContextKeyName": "aws:TagKeys", "ContextKeyValues": ["a"], "ContextKeyType": "stringList"},
        {"ContextKeyName": "aws:MultiFactorAuthPresent", "ContextKeyValues": ["true"],
         "ContextKeyType": "boolean"},
    ])
    assert got == {"aws:TagKeys": ["a"], "aws:MultiFactorAuthPresent": "true"}


def test_permissions_boundary_detail(call: Any, account: Any) -> None:
    acct = account.account_id
    edge = call("CreatePolicy", PolicyName="edge",
                PolicyDocument=doc(allow("s3:*")))["Policy"]["Arn"]
    call("CreateRole", RoleName="app", PermissionsBoundary=edge,
         AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [{
             "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
             "Action": "sts:AssumeRole"}]}))
    call("PutRolePolicy", RoleName="app", PolicyName="p",
         PolicyDocument=doc(allow("s3:GetObject", "sqs:SendMessage")))
    out = call("SimulatePrincipalPolicy", PolicySourceArn=f"arn:aws:iam::{acct}:role/app",
               ActionNames=["s3:GetObject", "sqs:SendMessage"])
    _check_shape(out, "SimulatePolicyResponse")
    s3, sqs = out["EvaluationResults"]
    assert s3["EvalDecision"] == "allowed"
    assert s3["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": True}
    assert sqs["EvalDecision"] == "implicitDeny"
    assert sqs["PermissionsBoundaryDecisionDetail"] == {"AllowedByPermissionsBoundary": False}
    # A boundary given in the request replaces the role's own.
    out = call("SimulatePrincipalPolicy", PolicySourceArn=f"arn:aws:iam::{acct}:role/app",
               ActionNames=["sqs:SendMessage"],
               PermissionsBoundaryPolicyInputList=[doc(allow("sqs:*"))])
    assert out["EvaluationResults"][0]["EvalDecision"] == "allowed"


def test_resource_policy_and_caller(call: Any, account: Any) -> None:
    acct = account.account_id
    bucket = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:user/bob"},
                  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::shared/*"})
    common = {"PolicyInputList": [doc(allow("s3:ListBucket"))], "ActionNames": ["s3:GetObject"],
              "ResourceArns": ["arn:aws:s3:::shared/x"], "ResourcePolicy": bucket,
              "ResourceOwner": f"arn:aws:iam::{acct}:root"}
    out = call("SimulateCustomPolicy", CallerArn=f"arn:aws:iam::{acct}:user/bob", **common)
    result = out["EvaluationResults"][0]
    assert result["EvalDecision"] == "allowed"
    assert result["MatchedStatements"][0]["SourcePolicyType"] == "resource"
    out = call("SimulateCustomPolicy", CallerArn=f"arn:aws:iam::{acct}:user/carol", **common)
    assert out["EvaluationResults"][0]["EvalDecision"] == "implicitDeny"


def test_pagination(call: Any) -> None:
    actions = [f"s3:GetObject{'' if i == 0 else i}" for i in range(5)]
    first = call("SimulateCustomPolicy", PolicyInputList=[doc(allow("s3:*"))],
                 ActionNames=actions, MaxItems=2)
    assert first["IsTruncated"] is True and len(first["EvaluationResults"]) == 2
    seen = [r["EvalActionName"] for r in first["EvaluationResults"]]
    marker = first["Marker"]
    while marker:
        page = call("SimulateCustomPolicy", PolicyInputList=[doc(allow("s3:*"))],
                    ActionNames=actions, MaxItems=2, Marker=marker)
        seen += [r["EvalActionName"] for r in page["EvaluationResults"]]
        marker = page.get("Marker")
    assert seen == actions


def test_errors(call: Any, account: Any) -> None:
    acct = account.account_id
    err = refused(call, "SimulatePrincipalPolicy", PolicySourceArn=f"arn:aws:iam::{acct}:user/no",
                  ActionNames=["s3:GetObject"])
    assert (err.code, err.message) == ("NoSuchEntity", "The user with name no cannot be found.")
    err = refused(call, "SimulateCustomPolicy", PolicyInputList=['{"Statement": ['],
                  ActionNames=["s3:GetObject"])
    assert err.code == "InvalidInput"
    call("CreateGroup", GroupName="g")
    err = refused(call, "SimulatePrincipalPolicy", PolicySourceArn=f"arn:aws:iam::{acct}:group/g",
                  ActionNames=["s3:GetObject"], ResourcePolicy=doc({
                      "Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}))
    assert err.code == "InvalidInput"


def test_context_keys(call: Any, account: Any) -> None:
    acct = account.account_id
    first = doc(allow("s3:*", resource="arn:aws:s3:::home/${aws:username}/*",
                      Condition={"Bool": {"aws:SecureTransport": "true"}}))
    second = doc(allow("ec2:*", Condition={"StringEquals": {
        "aws:RequestTag/env": "dev", "AWS:SecureTransport": "true"}}))
    out = call("GetContextKeysForCustomPolicy", PolicyInputList=[first, second])
    assert out == {"ContextKeyNames": ["aws:SecureTransport", "aws:username",
                                       "aws:RequestTag/env"]}
    call("CreateUser", UserName="kim")
    call("PutUserPolicy", UserName="kim", PolicyName="p", PolicyDocument=second)
    call("CreateGroup", GroupName="g")
    call("AddUserToGroup", GroupName="g", UserName="kim")
    call("PutGroupPolicy", GroupName="g", PolicyName="p", PolicyDocument=doc(allow(
        "sqs:*", Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})))
    out = call("GetContextKeysForPrincipalPolicy",
               PolicySourceArn=f"arn:aws:iam::{acct}:user/kim")
    assert sorted(out["ContextKeyNames"], key=str.lower) == [
        "aws:RequestTag/env", "AWS:SecureTransport", "aws:SourceIp"]


def test_only_the_requested_page_is_evaluated(call: Any, monkeypatch: pytest.MonkeyPatch,
                                              ) -> None:
    """ActionNames × ResourceArns pairs, in IAM's order (actions outermost); a page evaluates
    its own pairs only, and knows whether more follow without evaluating them."""
    from a2c_iam.identity import simulation

    evaluated: list[str] = []
    real = simulation.Request

    def counting(principal: str, action: str, resource: str, *args: Any, **kwargs: Any) -> Any:
        evaluated.append(f"{action} {resource}")
        return real(principal, action, resource, *args, **kwargs)

    monkeypatch.setattr(simulation, "Request", counting)
    actions = [f"s3:Get{i}" for i in range(60)]
    resources = [f"arn:aws:s3:::b{i}" for i in range(50)]
    common = {"PolicyInputList": [doc(allow("s3:*"))], "ActionNames": actions,
              "ResourceArns": resources}
    first = call("SimulateCustomPolicy", MaxItems=3, **common)
    got = [(r["EvalActionName"], r["EvalResourceName"]) for r in first["EvaluationResults"]]
    assert got == [("s3:Get0", "arn:aws:s3:::b0"), ("s3:Get0", "arn:aws:s3:::b1"),
                   ("s3:Get0", "arn:aws:s3:::b2")]
    assert first["IsTruncated"] is True and len(evaluated) == 3
    evaluated.clear()
    # Resume far in: the page starts at the marker (pair 2997 of 3000) and is the last one.
    from a2c_iam.identity.tx import paginate

    marker = paginate(range(3000), None, 2997).marker
    last = call("SimulateCustomPolicy", MaxItems=5, Marker=marker, **common)
    got = [(r["EvalActionName"], r["EvalResourceName"]) for r in last["EvaluationResults"]]
    assert got == [("s3:Get59", f"arn:aws:s3:::b{i}") for i in (47, 48, 49)]
    assert last["IsTruncated"] is False and "Marker" not in last
    assert evaluated == [f"s3:Get59 arn:aws:s3:::b{i}" for i in (47, 48, 49)]
    # Page after page, every pair exactly once.
    seen: list[tuple[str, str]] = []
    small = {**common, "ActionNames": actions[:3], "ResourceArns": resources[:4]}
    page: dict[str, Any] = {"Marker": None}
    while "Marker" in page:
        page = call("SimulateCustomPolicy", MaxItems=5,
                    **({"Marker": page["Marker"]} if page["Marker"] else {}), **small)
        seen += [(r["EvalActionName"], r["EvalResourceName"]) for r in page["EvaluationResults"]]
    assert seen == [(a, r) for a in actions[:3] for r in resources[:4]]
    err = refused(call, "SimulateCustomPolicy", MaxItems=5,
                  Marker=paginate(range(4000), None, 3001).marker, **common)
    assert err.code == "InvalidInput"
