"""who-can, can and escalation steps, each on a small account written for it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from audit_helpers import ACCOUNT, Gaad, allow, doc, load, trust

from a2c_iam.audit import AccessModel, AuditInputError, account_from_gaad
from a2c_iam.audit.escalation import EscalationFinder

R = f"arn:aws:iam::{ACCOUNT}"


def _labels(found: list) -> dict[str, tuple[str, ...]]:  # type: ignore[type-arg]
    return {p.label: path.arns for p, path, _ in found}


def test_who_can_direct_and_through_roles() -> None:
    model = AccessModel(load("risky"))
    found = _labels(model.who_can("dynamodb:DeleteTable",
                                  f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"))
    assert found["user/alice"] == (f"{R}:user/alice",)  # AdministratorAccess via Admins
    assert found["user/erin"] == (f"{R}:user/erin", f"{R}:role/OpsRole")
    assert "user/bob" not in found and "role/PublicRole" not in found
    assert "role/OpsRole" in found and "role/Ec2AdminRole" in found


def test_who_can_with_context_and_a_resource_policy() -> None:
    g = Gaad()
    g.group("G", inline={"ip": doc(allow("s3:GetObject", "arn:aws:s3:::b/*", Condition={
        "IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}))})
    g.user("u", ("G",))
    g.user("v")
    model = AccessModel(g.account())
    obj = "arn:aws:s3:::b/k"
    assert model.who_can("s3:GetObject", obj) == []
    assert set(_labels(model.who_can("s3:GetObject", obj, {"aws:SourceIp": "203.0.113.9"}))) == {
        "user/u"}
    from a2c_iam.policy import PolicyKind, PolicySet, compile_policy_set, parse_policy

    bucket = parse_policy({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"{R}:user/v"}, "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*"}]}, PolicyKind.RESOURCE)
    group = compile_policy_set(PolicySet(resource_policy=bucket)).resource
    assert set(_labels(model.who_can("s3:GetObject", obj, resource_policy=group))) == {"user/v"}


def test_can_explains_and_follows_chains() -> None:
    g = Gaad()
    admin = g.admin()
    g.role("Hop", trust({"AWS": f"{R}:user/u"}),
           inline={"next": doc(allow("sts:AssumeRole", f"{R}:role/Top"))})
    g.role("Top", trust({"AWS": f"{R}:role/Hop"}), (admin,))
    g.user("u")
    model = AccessModel(g.account())
    u = model.find("u")
    decision, path = model.can(u, "ec2:TerminateInstances", "*")
    assert decision.allowed and path is not None
    assert path.arns == (f"{R}:user/u", f"{R}:role/Hop", f"{R}:role/Top")
    own, none = model.can(model.find("role/Hop"), "iam:CreateUser", f"{R}:user/x")
    assert own.allowed and none is not None and none.arns[-1] == f"{R}:role/Top"
    denied, nopath = model.can(model.find("role/Top"), "sts:AssumeRole", f"{R}:role/Hop")
    assert not denied.allowed and nopath is None


def test_trust_naming_the_account_needs_an_identity_grant() -> None:
    g = Gaad()
    g.role("Acct", trust({"AWS": f"{R}:root"}))
    g.role("Named", trust({"AWS": f"{R}:user/u"}))
    g.user("u")
    g.user("w", inline={"assume": doc(allow("sts:AssumeRole", f"{R}:role/*"))})
    edges = AccessModel(g.account()).assumers()
    assert edges[f"{R}:user/u"] == [f"{R}:role/Named"]  # named in the trust: enough alone
    assert edges[f"{R}:user/w"] == [f"{R}:role/Acct"]   # the account: the grant is needed


def test_find() -> None:
    model = AccessModel(load("risky"))
    assert model.find("bob").arn == f"{R}:user/bob"
    assert model.find("role/OpsRole").kind == "role"
    assert model.find(f"arn:aws:sts::{ACCOUNT}:assumed-role/OpsRole/s").name == "OpsRole"
    with pytest.raises(AuditInputError, match="no user or role"):
        model.find("mallory")


def _escalates(g: Gaad, who: str) -> str | None:
    model = AccessModel(g.account())
    found = EscalationFinder(model).find(model.find(who))
    return None if found is None else " | ".join(found.steps) + " | " + found.final


def test_create_access_key_for_an_administrator() -> None:
    g = Gaad()
    g.user("root-like", attached=(g.admin(),))
    g.user("p", inline={"k": doc(allow("iam:CreateAccessKey", f"{R}:user/root-like"))})
    assert "iam:CreateAccessKey" in (_escalates(g, "p") or "")
    near = Gaad()
    near.user("root-like", attached=(near.admin(),))
    near.user("p", inline={"k": doc(allow("iam:CreateAccessKey", f"{R}:user/${{aws:username}}"))})
    assert _escalates(near, "p") is None


def test_update_trust_policy_of_an_admin_role() -> None:
    g = Gaad()
    g.role("Admin", trust({"Service": "ec2.amazonaws.com"}), (g.admin(),))
    g.user("p", inline={"t": doc(allow("iam:UpdateAssumeRolePolicy", f"{R}:role/Admin"))})
    assert "iam:UpdateAssumeRolePolicy" in (_escalates(g, "p") or "")


def test_add_self_to_a_more_privileged_group() -> None:
    g = Gaad()
    g.group("Admins", (g.admin(),))
    g.group("Plain")
    g.user("p", inline={"a": doc(allow("iam:AddUserToGroup", f"{R}:group/*"))})
    assert "iam:AddUserToGroup" in (_escalates(g, "p") or "")
    near = Gaad()
    near.group("Admins", (near.admin(),))
    near.group("Plain", inline={"r": doc(allow("s3:ListAllMyBuckets"))})
    near.user("p", inline={"a": doc(allow("iam:AddUserToGroup", f"{R}:group/Plain")),
                           "r": doc(allow("s3:ListAllMyBuckets"))})
    assert _escalates(near, "p") is None


def test_set_default_policy_version_and_group_policy() -> None:
    g = Gaad()
    old = g.policy("Mine", doc(allow("s3:GetObject", "arn:aws:s3:::b/*")), doc(allow("*")))
    g.group("G", (old,), inline={"v": doc(allow("iam:SetDefaultPolicyVersion", old))})
    g.user("p", ("G",))
    assert "iam:SetDefaultPolicyVersion" in (_escalates(g, "p") or "")
    h = Gaad()
    h.group("G", inline={"w": doc(allow("iam:PutGroupPolicy", f"{R}:group/G"))})
    h.user("p", ("G",))
    assert "iam:PutGroupPolicy" in (_escalates(h, "p") or "")


def test_passrole_needs_the_compute_action_and_the_roles_trust() -> None:
    def account(service: str, compute: list[str]) -> Gaad:
        g = Gaad()
        g.role("Admin", trust({"Service": service}), (g.admin(),))
        g.user("p", inline={"pass": doc(allow("iam:PassRole", f"{R}:role/Admin"),
                                        allow(compute))})
        return g

    lam = _escalates(account("lambda.amazonaws.com",
                             ["lambda:CreateFunction", "lambda:InvokeFunction"]), "p")
    assert lam is not None and "lambda.amazonaws.com" in lam
    assert _escalates(account("lambda.amazonaws.com", ["lambda:CreateFunction"]), "p") is None
    assert _escalates(account("ec2.amazonaws.com", ["lambda:CreateFunction",
                                                    "lambda:InvokeFunction"]), "p") is None


def test_passrole_limited_to_another_service_does_not_count() -> None:
    g = Gaad()
    g.role("Admin", trust({"Service": "ec2.amazonaws.com"}), (g.admin(),))
    g.user("p", inline={"pass": doc(
        allow("iam:PassRole", f"{R}:role/Admin", Condition={
            "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}),
        allow("ec2:RunInstances"))})
    assert _escalates(g, "p") is None


def test_a_permissions_boundary_stops_self_attachment() -> None:
    g = Gaad()
    g.admin()
    boundary = g.policy("Boundary", doc(allow("s3:*")))
    g.user("p", inline={"a": doc(allow("iam:AttachUserPolicy", f"{R}:user/p"))},
           boundary=boundary)
    assert _escalates(g, "p") is None
    h = Gaad()
    h.admin()
    h.user("p", inline={"a": doc(allow("iam:AttachUserPolicy", f"{R}:user/p"))})
    assert "iam:AttachUserPolicy" in (_escalates(h, "p") or "")


def test_explicit_deny_blocks_the_step() -> None:
    g = Gaad()
    g.role("Admin", trust({"AWS": f"{R}:root"}), (g.admin(),))
    g.user("p", inline={"a": doc(allow("sts:AssumeRole", f"{R}:role/Admin"),
                                 {"Effect": "Deny", "Action": "sts:AssumeRole",
                                  "Resource": "*"})})
    assert _escalates(g, "p") is None


def test_administrators_have_nothing_to_escalate_to() -> None:
    g = Gaad()
    g.user("a", attached=(g.admin(),))
    assert _escalates(g, "a") is None


def test_create_a_role_and_give_it_everything() -> None:
    g = Gaad()
    g.admin()
    g.user("p", inline={"r": doc(allow(["iam:CreateRole", "iam:AttachRolePolicy"],
                                       f"{R}:role/*"))})
    assert "iam:CreateRole" in (_escalates(g, "p") or "")
    near = Gaad()
    near.user("p", inline={"r": doc(allow("iam:CreateRole", f"{R}:role/*"))})
    assert _escalates(near, "p") is None


def test_removing_ones_own_boundary() -> None:
    g = Gaad()
    boundary = g.policy("Boundary", doc(allow(["s3:GetObject", "iam:Delete*"])))
    g.user("p", boundary=boundary, inline={"all": doc(allow("*"))})
    assert "iam:DeleteUserPermissionsBoundary" in (_escalates(g, "p") or "")


def test_a_boundary_caps_what_attaching_can_give() -> None:
    g = Gaad()
    g.admin()
    boundary = g.policy("Boundary", doc(allow(["s3:GetObject", "iam:AttachUserPolicy"])))
    g.user("p", boundary=boundary,
           inline={"a": doc(allow(["iam:AttachUserPolicy", "s3:GetObject"], "*"))})
    assert _escalates(g, "p") is None
    wider = Gaad()
    wider.admin()
    boundary = wider.policy("Boundary", doc(allow(["s3:*", "iam:AttachUserPolicy"])))
    wider.user("p", boundary=boundary, inline={"a": doc(allow("iam:AttachUserPolicy", "*"))})
    assert "iam:AttachUserPolicy" in (_escalates(wider, "p") or "")


def test_explanations_name_each_principals_own_attachment() -> None:
    g = Gaad()
    admin = g.admin()
    g.role("A", trust({"Service": "ec2.amazonaws.com"}), (admin,))
    g.role("B", trust({"Service": "ec2.amazonaws.com"}), (admin,))
    model = AccessModel(g.account())
    for name in ("A", "B"):
        decision = model.decide(model.find(f"role/{name}"), "s3:GetObject", "arn:aws:s3:::b/k")
        assert [s.policy for s in decision.statements] == [f"role {name} AdministratorAccess"]


# -- the engine, not action names: grants that look like escalation and are not, and back --------


def test_risky_action_names_that_do_not_escalate() -> None:
    """Every grant here names an escalation action (name matching flags them all); conditions and
    resources keep each one from reaching anything."""
    g = Gaad()
    admin = g.admin()
    g.policy("ReadBucket", doc(allow("s3:GetObject", "arn:aws:s3:::b/*")))
    g.user("boss", attached=(admin,), tags={"team": "platform"})
    g.role("AdminRole", trust({"Service": "ec2.amazonaws.com"}), (admin,))
    g.user("p", tags={"team": "apps"}, inline={"looks-bad": doc(
        # only a policy p already has, only under a path where no principal lives
        allow(["iam:AttachUserPolicy", "iam:AttachGroupPolicy"], "*", Condition={
            "ArnEquals": {"iam:PolicyARN": f"{R}:policy/ReadBucket"}}),
        allow(["iam:PutUserPolicy", "iam:CreatePolicyVersion", "iam:CreateAccessKey",
               "iam:UpdateAssumeRolePolicy"], [f"{R}:user/app/*", f"{R}:policy/app/*",
                                               f"{R}:role/app/*"]),
        # a role for Lambda only, and the EC2 role is not one
        allow("iam:PassRole", "*", Condition={
            "StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}),
        allow(["ec2:RunInstances", "lambda:CreateFunction", "lambda:InvokeFunction"]),
        allow("s3:GetObject", "arn:aws:s3:::b/*"),
        # keys only for users tagged as p's team, which boss is not
        allow("iam:CreateAccessKey", f"{R}:user/*", Condition={
            "StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}),
        # and an explicit Deny wins over the Allow of sts:AssumeRole on every role
        allow("sts:AssumeRole", "*"),
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": f"{R}:role/*"})})
    assert _escalates(g, "p") is None
    # the same grants, but boss is on p's team: the tag condition holds, a key can be made
    same = json.loads(g.json())
    same["UserDetailList"][0]["Tags"] = [{"Key": "team", "Value": "apps"}]
    model = AccessModel(account_from_gaad(same))
    found = EscalationFinder(model).find(model.find("p"))
    assert found is not None and found.steps == ("iam:CreateAccessKey",)
    assert found.chain[-1] == f"{R}:user/boss" and found.reaches == "administrator"


def test_escalation_that_no_action_name_shows() -> None:
    """Grants whose Action element names no IAM write action at all, and still escalate."""
    def account(statement: dict[str, Any]) -> Gaad:
        g = Gaad()
        g.admin()
        g.user("p", inline={"s": doc(statement)})
        return g

    # NotAction: everything but S3 and EC2, IAM included
    found = _escalates(account({"Effect": "Allow", "NotAction": ["s3:*", "ec2:*"],
                                "Resource": f"{R}:user/${{aws:username}}"}), "p")
    assert found is not None and "iam:" in found
    # a wildcard in the middle of the name
    found = _escalates(account(allow("iam:P*Policy", f"{R}:user/p")), "p")
    assert found is not None and "iam:PutUserPolicy" in found


def test_escalation_through_a_harmless_looking_role() -> None:
    """p may only assume a role; the role may only pass a role to EC2: two hops to admin."""
    g = Gaad()
    admin = g.admin()
    g.role("Admin", trust({"Service": "ec2.amazonaws.com"}), (admin,))
    g.role("Builder", trust({"AWS": f"{R}:user/p"}), inline={"b": doc(
        allow("iam:PassRole", f"{R}:role/Admin"), allow("ec2:RunInstances"))})
    g.user("p", inline={"s3": doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))})
    model = AccessModel(g.account())
    found = EscalationFinder(model).find(model.find("p"))
    assert found is not None and found.reaches == "administrator"
    assert found.chain == (f"{R}:user/p", f"{R}:role/Builder", f"{R}:role/Admin")
    assert found.steps[0] == "sts:AssumeRole" and "iam:PassRole" in found.steps[1]


def test_attaching_the_one_policy_a_condition_allows() -> None:
    """iam:PolicyARN limits the attachment to one policy: escalation when that policy gives more
    (high when short of administrator), none when it gives nothing new."""
    def account(policy: dict[str, Any]) -> Gaad:
        g = Gaad()
        g.admin()
        arn = g.policy("Allowed", policy)
        g.user("p", inline={"a": doc(allow("iam:AttachUserPolicy", f"{R}:user/p", Condition={
            "ArnEquals": {"iam:PolicyARN": arn}}))})
        return g

    g = account(doc(allow(["s3:*", "dynamodb:*"])))
    model = AccessModel(g.account())
    found = EscalationFinder(model).find(model.find("p"))
    assert found is not None and found.reaches == "more permissions"
    assert "policy/Allowed" in found.final and "AdministratorAccess" not in found.final
    full = account(doc(allow("*")))
    model = AccessModel(full.account())
    found = EscalationFinder(model).find(model.find("p"))
    assert found is not None and found.reaches == "any permission"
    assert _escalates(account(doc(allow("iam:AttachUserPolicy", f"{R}:user/p"))), "p") is None
