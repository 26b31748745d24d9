"""Every check on the hand-written accounts: found in the risky one, not in its near miss."""

from __future__ import annotations

import pytest
from audit_helpers import ACCOUNT, Gaad, allow, audit, doc, load, trust

from a2c_iam.audit import CHECKS, AuditReport, Severity

R = f"arn:aws:iam::{ACCOUNT}"
T = "arn:aws:iam::222233334444"
OTHER = "333344445555"


def codes(report: AuditReport, code: str) -> list[tuple[str, ...]]:
    return [f.principals for f in report.findings if f.code == code]


def messages(report: AuditReport, code: str) -> list[str]:
    return [f.message for f in report.findings if f.code == code]


def test_every_finding_has_a_registered_code_and_fix(risky: AuditReport) -> None:
    for f in risky.findings:
        assert f.code in CHECKS and CHECKS[f.code].fix
        assert f.as_json()["fix"] == CHECKS[f.code].fix


def test_the_risky_account_exercises_every_check_but_the_informational_ones(
        risky: AuditReport) -> None:
    found = {f.code for f in risky.findings}
    expected = {c for c, check in CHECKS.items() if check.severity is not Severity.INFO}
    assert expected <= found, expected - found


def test_the_hand_written_exports_exercise_every_check(risky: AuditReport) -> None:
    """risky (with and without its credential report) and incomplete, a raw-API export with
    URL-encoded documents, a policy that does not parse, a deleted policy and no personas."""
    incomplete = audit(load("incomplete", report=False))
    bare = audit(load("risky", report=False))
    found = {f.code for r in (risky, bare, incomplete) for f in r.findings}
    assert found == set(CHECKS), set(CHECKS) - found
    problems = messages(incomplete, "INPUT_PROBLEM")
    assert any("inline policy typo of group Ops" in m for m in problems), problems
    assert any("policy/Deleted is not in the export" in m for m in problems), problems
    assert len(messages(incomplete, "A2C_PERSONA_NOT_FOUND")) == 1
    assert codes(incomplete, "CREDENTIAL_DATA_MISSING") == [()]
    # what could be read is evaluated: the default version (v2, listed first) of LogReader
    account = incomplete.account
    assert account.policies[f"arn:aws:iam::{OTHER}:policy/LogReader"].default_version_id == "v2"
    from a2c_iam.audit import AccessModel

    who = AccessModel(account).who_can(
        "logs:GetLogEvents", f"arn:aws:logs:eu-west-1:{OTHER}:log-group:/app/web")
    assert sorted(p.label for p, _, _ in who) == ["role/LogShipper", "user/ops"]


def test_root_access_key_present_and_used(risky: AuditReport, tidy: AuditReport) -> None:
    assert codes(risky, "ROOT_ACCESS_KEY") == [(f"{R}:root",)]
    assert "2026-11-28" in messages(risky, "ROOT_ACCESS_KEY_USED")[0]
    assert not codes(tidy, "ROOT_ACCESS_KEY") and not codes(tidy, "ROOT_ACCESS_KEY_USED")


def test_users_with_their_own_policies(risky: AuditReport, tidy: AuditReport) -> None:
    assert sorted(codes(risky, "USER_DIRECT_POLICY")) == [(f"{R}:user/bob",), (f"{R}:user/carol",)]
    assert not codes(tidy, "USER_DIRECT_POLICY")  # every tidy user gets policies from groups


def test_keys(risky: AuditReport, tidy: AuditReport) -> None:
    assert sorted(codes(risky, "USER_TWO_ACTIVE_KEYS")) == [
        (f"{R}:user/old-keys",), (f"{R}:user/shared-svc",)]
    assert codes(risky, "SHARED_USER") == [(f"{R}:user/shared-svc",)]
    assert codes(risky, "ACCESS_KEY_UNUSED") == [(f"{R}:user/old-keys",)]
    assert "Access key 2" in messages(risky, "ACCESS_KEY_NEVER_USED")[0]
    # dev-dan's second key is inactive (near miss of two keys), its first was used 10 days ago
    for code in ("USER_TWO_ACTIVE_KEYS", "SHARED_USER", "ACCESS_KEY_UNUSED",
                 "ACCESS_KEY_NEVER_USED"):
        assert not codes(tidy, code), code


def test_mfa(risky: AuditReport, tidy: AuditReport) -> None:
    """Root without MFA, and console users without MFA (a2c-deploy); tidy's root and its one
    console user (admin-ann) have devices, and users without a password need none."""
    assert codes(risky, "ROOT_MFA_DISABLED") == [(f"{R}:root",)]
    assert codes(risky, "CONSOLE_USER_WITHOUT_MFA") == [(f"{R}:user/a2c-deploy",)]
    assert not codes(tidy, "ROOT_MFA_DISABLED") and not codes(tidy, "CONSOLE_USER_WITHOUT_MFA")
    bare = audit(load("risky", report=False))
    assert not codes(bare, "ROOT_MFA_DISABLED") and not codes(bare, "CONSOLE_USER_WITHOUT_MFA")


def test_unused_window_is_an_option() -> None:
    report = audit(load("tidy"), unused_days=7)
    assert {p for (p,) in codes(report, "ACCESS_KEY_UNUSED")} == {f"{T}:user/dev-dan"}


def test_without_credential_data_key_checks_say_they_did_not_run() -> None:
    report = audit(load("risky", report=False))
    assert codes(report, "CREDENTIAL_DATA_MISSING")
    assert not codes(report, "ROOT_ACCESS_KEY") and not codes(report, "USER_TWO_ACTIVE_KEYS")


def test_general_group(risky: AuditReport, tidy: AuditReport) -> None:
    assert risky.general_group == tidy.general_group == "app2container-general"
    assert codes(risky, "GENERAL_GROUP_ADMIN") == [
        (f"{R}:user/alice", f"{R}:group/app2container-general")]
    assert "generate app-deployment --deploy" in messages(risky, "GENERAL_GROUP_CAN_DEPLOY")[0]
    assert not codes(tidy, "GENERAL_GROUP_ADMIN") and not codes(tidy, "GENERAL_GROUP_CAN_DEPLOY")


def test_deployment_identity(risky: AuditReport, tidy: AuditReport) -> None:
    assert risky.deploy_identities == (f"{R}:user/a2c-deploy",)
    assert codes(risky, "DEPLOY_IDENTITY_CONSOLE") == [(f"{R}:user/a2c-deploy",)]
    uses = messages(risky, "DEPLOY_IDENTITY_GENERAL_USE")
    assert any("general-purpose group" in m for m in uses) and any("dynamodb" in m for m in uses)
    assert tidy.deploy_identities == (f"{T}:user/a2c-deployer",)
    assert not codes(tidy, "DEPLOY_IDENTITY_CONSOLE")
    assert not codes(tidy, "DEPLOY_IDENTITY_GENERAL_USE")


def test_personas_can_be_named_and_missing_ones_are_reported() -> None:
    report = audit(load("tidy"), general_group="Developers", deploy_identities=("nobody",))
    assert report.general_group == "Developers"
    assert any("nobody" in m for m in messages(report, "A2C_PERSONA_NOT_FOUND"))
    g = Gaad()
    g.user("someone")
    assert codes(audit(g.account()), "A2C_PERSONA_NOT_FOUND")


def test_wildcard_resources(risky: AuditReport, tidy: AuditReport) -> None:
    assert codes(risky, "WILDCARD_RESOURCE_WRITE")
    perms = messages(risky, "WILDCARD_RESOURCE_PERMISSIONS")[0]
    assert "A2CEverything" in perms and "cloudformation:SetStackPolicy" in perms
    # tidy: ecr:GetAuthorizationToken and ec2:Describe* on "*" (only "*" grants them / reads)
    assert not codes(tidy, "WILDCARD_RESOURCE_WRITE")
    assert not codes(tidy, "WILDCARD_RESOURCE_PERMISSIONS")


def test_wildcard_with_a_condition_is_not_reported() -> None:
    g = Gaad()
    p = g.policy("Tagged", doc(allow("ec2:TerminateInstances", "*", Condition={
        "StringEquals": {"aws:ResourceTag/team": "a"}})))
    g.group("G", (p,))
    g.user("u", ("G",))
    assert not codes(audit(g.account()), "WILDCARD_RESOURCE_WRITE")
    g2 = Gaad()
    p = g2.policy("Untagged", doc(allow("ec2:TerminateInstances", "*")))
    g2.group("G", (p,))
    g2.user("u", ("G",))
    assert codes(audit(g2.account()), "WILDCARD_RESOURCE_WRITE") == [(f"{R}:user/u",)]


def test_passrole(risky: AuditReport, tidy: AuditReport) -> None:
    found = [f for f in risky.findings if f.code == "PASSROLE_ANY_ROLE"]
    assert [f.policies for f in found] == [(f"{R}:policy/A2CEverything",)]
    assert set(found[0].principals) == {f"{R}:user/alice", f"{R}:user/bob",
                                        f"{R}:user/a2c-deploy"}
    assert not codes(tidy, "PASSROLE_ANY_ROLE")  # scoped to ecsTaskExecutionRole


@pytest.mark.parametrize("resource, flagged", [
    ("*", True), (f"{R}:role/*", True), ("arn:aws:iam::*:role/*", True),
    (f"{R}:role/app/*", False), (f"{R}:role/ecsTaskExecutionRole", False)])
def test_passrole_resources(resource: str, flagged: bool) -> None:
    g = Gaad()
    g.group("G", inline={"pass": doc(allow("iam:PassRole", resource))})
    g.user("u", ("G",))
    assert bool(codes(audit(g.account()), "PASSROLE_ANY_ROLE")) is flagged


def test_trust_policies(risky: AuditReport, tidy: AuditReport) -> None:
    assert codes(risky, "ROLE_TRUSTS_ANYONE") == [(f"{R}:role/PublicRole",)]
    assert codes(risky, "ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID") == [(f"{R}:role/VendorRole",)]
    # tidy: "*" limited by aws:PrincipalOrgID, the vendor needs its ExternalId
    assert not codes(tidy, "ROLE_TRUSTS_ANYONE")
    assert not codes(tidy, "ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID")


def test_cross_account_trust_of_a_named_role() -> None:
    g = Gaad()
    g.role("R", trust({"AWS": "arn:aws:iam::444455556666:role/Deployer"}))
    g.role("S", trust({"AWS": "arn:aws:iam::444455556666:role/Deployer"},
                      {"StringEquals": {"sts:ExternalId": "x"}}))
    g.role("Svc", trust({"Service": "ecs-tasks.amazonaws.com"}))
    assert codes(audit(g.account()), "ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID") == [(f"{R}:role/R",)]


def test_escalation_paths(risky: AuditReport, tidy: AuditReport) -> None:
    found = {f.principals[0]: f for f in risky.findings if f.code == "PRIVILEGE_ESCALATION"}
    assert set(found) == {f"{R}:user/{u}" for u in ("a2c-deploy", "bob", "carol", "dave", "erin")}
    assert "iam:CreatePolicyVersion" in found[f"{R}:user/carol"].message
    assert "iam:AttachUserPolicy" in found[f"{R}:user/dave"].message
    assert found[f"{R}:user/erin"].principals == (f"{R}:user/erin", f"{R}:role/OpsRole")
    assert found[f"{R}:user/erin"].details == ("sts:AssumeRole",)
    assert "iam:PassRole to ec2.amazonaws.com" in found[f"{R}:user/bob"].details[0]
    assert all(f.severity is Severity.CRITICAL for f in found.values())
    # tidy: own access keys only, a policy version of an unattached policy, an AssumeRole grant
    # the role's trust policy does not match, PassRole of a role no compute service escalates to
    assert not codes(tidy, "PRIVILEGE_ESCALATION")


def test_least_privilege_gap(risky: AuditReport, tidy: AuditReport) -> None:
    gaps = {f.principals[0]: f for f in tidy.findings if f.code == "LEAST_PRIVILEGE_GAP"}
    assert f"{T}:user/a2c-deployer" not in gaps  # holds exactly what --deploy needs
    assert gaps[f"{T}:user/dev-dan"].details == (
        "iam:CreateAccessKey", "iam:CreatePolicyVersion", "iam:ListAccessKeys", "sts:AssumeRole")
    assert f"{T}:user/admin-ann" in gaps
    assert codes(risky, "LEAST_PRIVILEGE_GAP")


def test_matrix(tidy: AuditReport) -> None:
    rows = {r.label: r for r in tidy.matrix.rows}
    assert rows["group/app2container-general"].allowed["generate app-deployment"]
    assert not rows["group/app2container-general"].allowed["generate app-deployment --deploy"]
    missing = rows["user/dev-dan"].missing["generate app-deployment --deploy"]
    assert {a for a, _ in missing} == {"cloudformation:CreateStack",
                                       "cloudformation:DescribeStackEvents", "iam:CreateRole",
                                       "ec2:CreateVpc", "ecs:CreateService"}
    assert all(rows["user/a2c-deployer"].allowed.values())
    assert "role/OrgRole" not in rows  # can run nothing that needs a permission


def test_unreadable_policy_is_reported_and_left_out() -> None:
    g = Gaad()
    g.group("G", inline={"bad": {"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}})
    g.user("u", ("G",))
    report = audit(g.account())
    assert any("bad" in m for m in messages(report, "INPUT_PROBLEM"))


def test_findings_are_sorted_by_severity(risky: AuditReport) -> None:
    ranks = [f.severity.rank for f in risky.findings]
    assert ranks == sorted(ranks)


def test_matrix_agrees_with_a2c_check_on_the_same_policies(tidy: AuditReport) -> None:
    from a2c_iam.a2c.check import check_policies
    from a2c_iam.a2c.choices import Choices

    account = tidy.account
    choices = Choices(target="ecs", account=account.account_id, region="us-east-1")
    rows = {r.label: r for r in tidy.matrix.rows}
    for name in ("dev-dan", "a2c-deployer", "admin-ann"):
        user = account.users[name]
        docs = [account.policies[a].document for g in user.groups
                for a in account.groups[g].attached]
        results = check_policies(choices, docs, principal_arn=user.arn)
        assert {r.command: r.allowed for r in results} == rows[f"user/{name}"].allowed, name


def test_web_identity_trust_without_a_subject_condition() -> None:
    github = f"{R}:oidc-provider/token.actions.githubusercontent.com"
    g = Gaad()
    g.role("Open", {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": github},
        "Action": "sts:AssumeRoleWithWebIdentity"}]})
    g.role("Pinned", {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": github},
        "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {
            "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
            "StringLike": {"token.actions.githubusercontent.com:sub": "repo:team/app:*"}}}]})
    report = audit(g.account())
    assert codes(report, "ROLE_TRUSTS_ANYONE") == [(f"{R}:role/Open",)]
    assert "token.actions.githubusercontent.com" in messages(report, "ROLE_TRUSTS_ANYONE")[0]


def test_not_action_and_not_resource_are_as_broad_as_a_wildcard() -> None:
    g = Gaad()
    g.group("Power", inline={"all-but-iam": doc({
        "Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"})})
    g.group("Broad", inline={"all-but-s3": doc({
        "Effect": "Allow", "NotAction": "s3:*", "Resource": "*"})})
    g.group("Iam", inline={"all-but-admin": doc({
        "Effect": "Allow", "Action": ["iam:PassRole", "iam:AttachRolePolicy"],
        "NotResource": f"{R}:role/Admin"})})
    g.user("u", ("Power", "Broad", "Iam"))
    report = audit(g.account())

    def named(code: str) -> dict[str, str]:
        return {f.policies[0].rsplit(" ", 1)[-1]: f.message for f in report.findings
                if f.code == code}

    assert set(named("WILDCARD_RESOURCE_WRITE")) == {"all-but-iam", "all-but-s3",
                                                     "all-but-admin"}
    perms = named("WILDCARD_RESOURCE_PERMISSIONS")
    assert f"every resource but {R}:role/Admin: iam:AttachRolePolicy." in perms["all-but-admin"]
    assert "all-but-iam" in perms  # e.g. s3:PutBucketPolicy
    # NotAction iam:* leaves iam:PassRole out; NotAction s3:* and NotResource keep it in
    assert set(named("PASSROLE_ANY_ROLE")) == {"all-but-s3", "all-but-admin"}
