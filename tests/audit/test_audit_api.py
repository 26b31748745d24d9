"""The audit package's public surface, and the stability of its check codes."""

from __future__ import annotations

import a2c_iam.audit as audit
from a2c_iam.audit import CHECKS, Severity


def test_exported_names() -> None:
    assert sorted(audit.__all__) == sorted([
        "CHECKS", "AccessModel", "Account", "AuditError", "AuditInputError", "AuditOptions",
        "AuditReport", "Finding", "Path", "Principal", "Severity", "account_from_gaad",
        "parse_credential_report", "run_audit"])
    for name in audit.__all__:
        assert hasattr(audit, name), name


def test_check_codes_are_the_documented_ones() -> None:
    documented = {
        "ROOT_ACCESS_KEY": "critical", "ROOT_ACCESS_KEY_USED": "high",
        "USER_DIRECT_POLICY": "low", "SHARED_USER": "medium", "USER_TWO_ACTIVE_KEYS": "low",
        "ACCESS_KEY_UNUSED": "medium", "ACCESS_KEY_NEVER_USED": "low",
        "ROOT_MFA_DISABLED": "high", "CONSOLE_USER_WITHOUT_MFA": "medium",
        "GENERAL_GROUP_ADMIN": "high", "GENERAL_GROUP_CAN_DEPLOY": "high",
        "DEPLOY_IDENTITY_CONSOLE": "medium", "DEPLOY_IDENTITY_GENERAL_USE": "medium",
        "A2C_PERSONA_NOT_FOUND": "info", "WILDCARD_RESOURCE_PERMISSIONS": "high",
        "WILDCARD_RESOURCE_WRITE": "medium", "PASSROLE_ANY_ROLE": "high",
        "ROLE_TRUSTS_ANYONE": "critical", "ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID": "medium",
        "PRIVILEGE_ESCALATION": "critical", "LEAST_PRIVILEGE_GAP": "low",
        "CREDENTIAL_DATA_MISSING": "info", "INPUT_PROBLEM": "info",
    }
    assert {c: k.severity.value for c, k in CHECKS.items()} == documented
    assert [s.value for s in Severity] == ["critical", "high", "medium", "low", "info"]


def test_every_code_is_in_the_docs() -> None:
    from pathlib import Path

    docs = (Path(__file__).parents[2] / "docs" / "audit.md").read_text()
    for code in CHECKS:
        assert f"`{code}`" in docs, code
