"""Escalation steps found through the engine that the search used to miss: give steps on the
principals one can act as, and policies made for the occasion (iam:CreatePolicy, a new version
of an attachable policy). Each with a near miss that must not be reported."""

from __future__ import annotations

from typing import Any

from audit_helpers import ACCOUNT, Gaad, allow, audit, doc, trust

from a2c_iam.audit import AccessModel, AuditReport, Severity
from a2c_iam.audit.escalation import Escalation, EscalationFinder

R = f"arn:aws:iam::{ACCOUNT}"
NOT_ADMIN = {"ArnNotEquals": {"iam:PolicyARN": "arn:aws:iam::aws:policy/AdministratorAccess"}}


def _find(g: Gaad, who: str) -> Escalation | None:
    model = AccessModel(g.account())
    return EscalationFinder(model).find(model.find(who))


def _findings(report: AuditReport) -> dict[str, Any]:
    return {f.principals[0]: f for f in report.findings if f.code == "PRIVILEGE_ESCALATION"}


# -- give steps on the principals one reaches -------------------------------------------------


def _role_writer(action: str, trusted: str = "u") -> Gaad:
    g = Gaad()
    g.role("R", trust({"AWS": f"{R}:user/{trusted}"}))
    g.user("other")
    g.user("u", inline={"p": doc(allow(action, f"{R}:role/R"),
                                 allow("sts:AssumeRole", f"{R}:role/R"))})
    return g


def test_writing_a_policy_of_a_role_one_can_assume() -> None:
    for action in ("iam:PutRolePolicy", "iam:AttachRolePolicy"):
        g = _role_writer(action)
        found = _find(g, "u")
        assert found is not None and found.reaches == "any permission", action
        assert found.chain == (f"{R}:user/u", f"{R}:role/R")
        assert found.steps == ("sts:AssumeRole",) and found.final.startswith(action)
        report = _findings(audit(g.account()))
        assert report[f"{R}:user/u"].severity is Severity.CRITICAL
        assert report[f"{R}:user/u"].principals == (f"{R}:user/u", f"{R}:role/R")


def test_writing_a_policy_of_a_role_one_cannot_assume() -> None:
    """The role trusts another user: writing its policy gives u nothing."""
    for action in ("iam:PutRolePolicy", "iam:AttachRolePolicy"):
        assert _find(_role_writer(action, trusted="other"), "u") is None, action
    # assuming the (empty) role without being able to write its policy: nothing either
    g = Gaad()
    g.role("R", trust({"AWS": f"{R}:user/u"}))
    g.user("u", inline={"p": doc(allow("sts:AssumeRole", f"{R}:role/R"))})
    assert _find(g, "u") is None


def test_writing_a_policy_of_a_user_one_can_get_credentials_for() -> None:
    g = Gaad()
    g.group("Vs")
    g.user("v", ("Vs",))
    g.user("u", inline={"p": doc(allow("iam:CreateAccessKey", f"{R}:user/v"),
                                 allow("iam:PutGroupPolicy", f"{R}:group/Vs"))})
    found = _find(g, "u")
    assert found is not None and found.reaches == "any permission"
    assert found.chain == (f"{R}:user/u", f"{R}:user/v")
    assert "iam:PutGroupPolicy on group/Vs of user/v" in found.final
    # near miss: a key for another user, the group policy of v's group
    near = Gaad()
    near.group("Vs")
    near.user("v", ("Vs",))
    near.user("w")
    near.user("u", inline={"p": doc(allow("iam:CreateAccessKey", f"{R}:user/w"),
                                    allow("iam:PutGroupPolicy", f"{R}:group/Vs"))})
    assert _find(near, "u") is None


def test_a_role_on_the_way_writes_the_policy_of_another() -> None:
    """u can assume R1 and R2; only R1 can write R2's policy: u → R1 → …, R2 gets it."""
    g = Gaad()
    g.role("R1", trust({"AWS": f"{R}:user/u"}), inline={"w": doc(
        allow("iam:PutRolePolicy", f"{R}:role/R2"))})
    g.role("R2", trust({"AWS": f"{R}:user/u"}))
    g.user("u", inline={"s3": doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))})
    found = _find(g, "u")
    assert found is not None and found.reaches == "any permission"
    assert "iam:PutRolePolicy on role/R2" in found.final
    near = Gaad()  # R2 trusts someone else: R1's write reaches no one u can act as
    near.role("R1", trust({"AWS": f"{R}:user/u"}), inline={"w": doc(
        allow("iam:PutRolePolicy", f"{R}:role/R2"))})
    near.role("R2", trust({"AWS": f"{R}:user/other"}))
    near.user("other")
    near.user("u", inline={"s3": doc(allow("s3:GetObject", "arn:aws:s3:::b/*"))})
    assert _find(near, "u") is None



def test_a_dense_role_graph_asks_only_principals_that_can_give() -> None:
    """Every user may assume 40 roles; one role may write another's policy. Give steps are asked
    only of principals whose policies name a give action: the writer for every principal on the
    way, everyone else never (a read of IAM, iam:GetUser, does not make a giver)."""
    g = Gaad()
    for j in range(40):
        inline = {"s": doc(allow("s3:GetObject", f"arn:aws:s3:::b{j}/*"))}
        if j == 30:
            inline["w"] = doc(allow("iam:PutRolePolicy", f"{R}:role/r35"))
        g.role(f"r{j}", trust({"AWS": f"{R}:root"}), inline=inline)
    for i in range(10):
        g.user(f"u{i}", inline={"p": doc(allow("sts:AssumeRole", f"{R}:role/*"),
                                         allow("iam:GetUser", f"{R}:user/u{i}"))})
    model = AccessModel(g.account())
    finder = EscalationFinder(model)
    for i in range(10):
        found = finder.find(model.find(f"u{i}"))
        assert found is not None and found.reaches == "any permission"
        assert found.chain[-1] == f"{R}:role/r35"
        assert found.final == "role/r30: iam:PutRolePolicy on role/r35"
    assert {y for y, _ in finder._gifts if y != f"{R}:role/r30"} <= {
        model.find(f"u{i}").arn for i in range(10)}

# -- policies made for the occasion -----------------------------------------------------------


def test_create_a_policy_and_attach_it() -> None:
    g = Gaad()
    g.user("u", inline={"p": doc(allow(["iam:CreatePolicy", "iam:AttachUserPolicy"], "*",
                                       Condition=NOT_ADMIN))})
    found = _find(g, "u")
    assert found is not None and found.reaches == "any permission"
    assert found.final.startswith("iam:AttachUserPolicy ") and "iam:CreatePolicy" in found.final
    assert f"{R}:policy/a2c-iam-audit-new-policy " in found.final
    assert _findings(audit(g.account()))[f"{R}:user/u"].severity is Severity.CRITICAL


def test_the_new_policy_takes_a_name_the_account_does_not_use() -> None:
    g = Gaad()
    g.policy("a2c-iam-audit-new-policy", doc(allow("s3:GetObject", "arn:aws:s3:::b/*")))
    g.user("u", inline={"p": doc(allow("iam:CreatePolicy"), allow(
        "iam:AttachUserPolicy", f"{R}:user/u", Condition={"ArnNotEquals": {"iam:PolicyARN": [
            "arn:aws:iam::aws:policy/AdministratorAccess",
            f"{R}:policy/a2c-iam-audit-new-policy"]}}))})
    found = _find(g, "u")
    assert found is not None and "policy/a2c-iam-audit-new-policy-2 " in found.final


def test_create_a_policy_under_a_prefix_and_attach_it_to_a_group() -> None:
    g = Gaad()
    g.group("Team")
    g.user("u", ("Team",), inline={"p": doc(
        allow("iam:CreatePolicy", f"{R}:policy/team-*"),
        allow("iam:AttachGroupPolicy", f"{R}:group/Team",
              Condition={"ArnLike": {"iam:PolicyARN": f"{R}:policy/team-*"}}))})
    found = _find(g, "u")
    assert found is not None and found.reaches == "any permission"
    assert "iam:AttachGroupPolicy" in found.final and "policy/team-" in found.final


def test_create_a_role_and_a_policy_for_it() -> None:
    g = Gaad()
    g.user("u", inline={"p": doc(allow(["iam:CreateRole", "iam:CreatePolicy"]), allow(
        "iam:AttachRolePolicy", "*", Condition=NOT_ADMIN))})
    found = _find(g, "u")
    assert found is not None and found.reaches == "any permission"
    assert "iam:CreateRole" in found.final and "iam:CreatePolicy" in found.final


def test_create_policy_near_misses() -> None:
    """CreatePolicy without any attach permission; attach limited to an existing harmless
    policy; CreatePolicy denied; the new policy's name outside the attach condition."""
    def escalates(statements: list[dict[str, Any]]) -> Escalation | None:
        g = Gaad()
        g.admin()
        g.policy("Harmless", doc(allow("s3:ListAllMyBuckets")))
        g.user("u", inline={"p": doc(*statements)})
        return _find(g, "u")

    harmless = {"ArnEquals": {"iam:PolicyARN": f"{R}:policy/Harmless"}}
    assert escalates([allow(["iam:CreatePolicy", "s3:ListAllMyBuckets"])]) is None
    assert escalates([allow("iam:CreatePolicy"), allow("s3:ListAllMyBuckets"), allow(
        "iam:AttachUserPolicy", f"{R}:user/u", Condition=harmless)]) is None
    assert escalates([allow(["iam:CreatePolicy", "iam:AttachUserPolicy"], "*",
                            Condition=NOT_ADMIN),
                      {"Effect": "Deny", "Action": "iam:CreatePolicy", "Resource": "*"}]) is None
    assert escalates([allow("iam:CreatePolicy", f"{R}:policy/team-*"), allow(
        "iam:AttachUserPolicy", f"{R}:user/u",
        Condition={"ArnLike": {"iam:PolicyARN": f"{R}:policy/ops-*"}})]) is None


def test_rewrite_a_policy_one_may_attach() -> None:
    """Attach limited to one harmless customer policy, plus CreatePolicyVersion on it."""
    def account(version: bool) -> Gaad:
        g = Gaad()
        g.admin()
        arn = g.policy("Harmless", doc(allow("s3:ListAllMyBuckets")))
        statements = [allow("s3:ListAllMyBuckets"), allow(
            "iam:AttachUserPolicy", f"{R}:user/u", Condition={"ArnEquals": {"iam:PolicyARN": arn}})]
        if version:
            statements.append(allow("iam:CreatePolicyVersion", arn))
        g.user("u", inline={"p": doc(*statements)})
        return g

    found = _find(account(True), "u")
    assert found is not None and found.reaches == "any permission"
    assert "iam:CreatePolicyVersion" in found.final and "policy/Harmless" in found.final
    assert _find(account(False), "u") is None
