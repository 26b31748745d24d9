"""ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID: a principal of another account may assume the role without
an sts:ExternalId, whatever other conditions (MFA, source IP, the caller's ARN) the trust adds.
And the near misses: an ExternalId required, "*" limited to the own account or organisation."""

from __future__ import annotations

from typing import Any

import pytest
from audit_helpers import ACCOUNT, Gaad, audit, doc, load, trust

from a2c_iam.audit import AuditReport

R = f"arn:aws:iam::{ACCOUNT}"
VENDOR = "444455556666"
EXT = {"StringEquals": {"sts:ExternalId": "vendor-7f3a"}}
MFA = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}


def _codes(trust_doc: dict[str, Any]) -> dict[str, list[str]]:
    g = Gaad()
    g.role("R", trust_doc)
    report = audit(g.account(), matrix=False)
    out: dict[str, list[str]] = {}
    for f in report.findings:
        if f.code in ("ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID", "ROLE_TRUSTS_ANYONE"):
            assert f.principals == (f"{R}:role/R",)
            out.setdefault(f.code, []).append(f.message)
    return out


FLAGGED = {
    "mfa": trust({"AWS": f"arn:aws:iam::{VENDOR}:root"}, MFA),
    "principal-arn pattern": trust({"AWS": f"arn:aws:iam::{VENDOR}:root"}, {
        "StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{VENDOR}:role/*"}}),
    "source ip": trust({"AWS": VENDOR}, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    "assumed-role session": trust({"AWS": f"arn:aws:sts::{VENDOR}:assumed-role/Deployer/ci"}),
    "named role and mfa": trust({"AWS": f"arn:aws:iam::{VENDOR}:role/Deployer"}, MFA),
    "star for one other account": trust({"AWS": "*"}, {
        "StringEquals": {"aws:PrincipalAccount": VENDOR}}),
    "star with a principal-arn of another account": trust({"AWS": "*"}, {
        "ArnLike": {"aws:PrincipalArn": f"arn:aws:iam::{VENDOR}:user/ci-*"}}),
    "star and mfa": trust({"AWS": "*"}, MFA),
    "external id only if it exists": trust({"AWS": VENDOR}, {
        "StringEqualsIfExists": {"sts:ExternalId": "vendor-7f3a"}}),
}


@pytest.mark.parametrize("name", FLAGGED)
def test_cross_account_trust_without_external_id(name: str) -> None:
    found = _codes(FLAGGED[name])
    assert "ROLE_TRUSTS_ANYONE" not in found, found
    assert len(found.get("ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID", [])) == 1, found
    message = found["ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID"][0]
    assert "no sts:ExternalId condition" in message
    if name == "star and mfa":
        assert "a principal of any other account" in message
    else:
        assert f"account {VENDOR}" in message
    if name == "mfa":
        assert f"account {VENDOR}" in message and "aws:MultiFactorAuthPresent" in message


def test_other_conditions_do_not_replace_the_external_id() -> None:
    found = _codes(trust({"AWS": f"arn:aws:iam::{VENDOR}:root"}, {**MFA, **{
        "StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{VENDOR}:role/*"}}}))
    (message,) = found["ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID"]
    assert "aws:MultiFactorAuthPresent" in message and "aws:PrincipalArn" in message


def test_each_other_account_is_reported_once() -> None:
    found = _codes(trust({"AWS": [f"arn:aws:iam::{VENDOR}:root", "arn:aws:iam::555566667777:root",
                                  f"arn:aws:iam::{VENDOR}:user/ci"]}))
    messages = found["ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID"]
    assert len(messages) == 2 and any(VENDOR in m for m in messages)
    assert any("555566667777" in m for m in messages)


NOT_FLAGGED = {
    "external id": trust({"AWS": f"arn:aws:iam::{VENDOR}:root"}, EXT),
    "external id and mfa": trust({"AWS": f"arn:aws:iam::{VENDOR}:root"}, {**EXT, **MFA}),
    "external id on a session": trust({"AWS": f"arn:aws:sts::{VENDOR}:assumed-role/D/ci"}, EXT),
    "star with an external id": trust({"AWS": "*"}, EXT),
    "star limited to the own account": trust({"AWS": "*"}, {
        "StringEquals": {"aws:PrincipalAccount": ACCOUNT}}),
    "star limited to the own account with mfa": trust({"AWS": "*"}, {**MFA, **{
        "StringEquals": {"aws:PrincipalAccount": ACCOUNT}}}),
    "star limited to an own principal-arn": trust({"AWS": "*"}, {
        "ArnLike": {"aws:PrincipalArn": f"{R}:role/*"}}),
    "star limited to the organisation": trust({"AWS": "*"}, {
        "StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}),
    "own account": trust({"AWS": f"{R}:root"}, MFA),
    "own user": trust({"AWS": f"{R}:user/alice"}),
    "service": trust({"Service": "ecs-tasks.amazonaws.com"}),
    "deny without external id": doc(
        {"Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
         "Condition": {"Null": {"sts:ExternalId": "true"}}}),
    "only other actions": doc({"Effect": "Allow", "Principal": {"AWS": VENDOR},
                               "Action": "sts:TagSession"}),
}


@pytest.mark.parametrize("name", NOT_FLAGGED)
def test_near_misses_of_cross_account_trust(name: str) -> None:
    assert _codes(NOT_FLAGGED[name]) == {}


def test_a_deny_the_caller_avoids_does_not_hide_it() -> None:
    """A Deny without MFA: the vendor's callers use MFA, and still send no external ID."""
    found = _codes(doc(
        {"Effect": "Allow", "Principal": {"AWS": VENDOR}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
         "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}))
    assert len(found["ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID"]) == 1


def test_a_public_trust_stays_critical_only() -> None:
    assert list(_codes(trust({"AWS": "*"}))) == ["ROLE_TRUSTS_ANYONE"]
    assert list(_codes(trust({"AWS": "*"}, {"StringNotEquals": {
        "aws:PrincipalAccount": ACCOUNT}}))) == ["ROLE_TRUSTS_ANYONE"]


def test_the_tidy_export_raises_no_informational_finding(tidy: AuditReport) -> None:
    """tidy names its personas, comes with its credential report and parses throughout."""
    found = {f.code for f in tidy.findings}
    assert not found & {"A2C_PERSONA_NOT_FOUND", "CREDENTIAL_DATA_MISSING", "INPUT_PROBLEM"}
    assert not found & {"ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID", "ROLE_TRUSTS_ANYONE"}
    assert load("tidy").problems == []
