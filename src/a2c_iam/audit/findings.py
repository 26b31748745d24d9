"""Findings: every check's stable code, its severity, what it means and how to fix it.

The table is the contract tools rely on (``--format json`` carries the code); codes are never
renamed, only added. ``docs/audit.md`` describes each one.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["CHECKS", "Check", "Finding", "Severity"]


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        return list(Severity).index(self)


@dataclass(frozen=True, slots=True)
class Check:
    code: str
    severity: Severity
    title: str
    fix: str


def _c(code: str, severity: Severity, title: str, fix: str) -> tuple[str, Check]:
    return code, Check(code, severity, title, fix)


S = Severity
CHECKS: dict[str, Check] = dict((
    _c("ROOT_ACCESS_KEY", S.CRITICAL, "The root user has an active access key",
       "Delete the root user's access keys (IAM console, signed in as root: Security "
       "credentials > Access keys > Delete) and use IAM users or roles instead."),
    _c("ROOT_ACCESS_KEY_USED", S.HIGH, "The root user's access key has been used",
       "Find what used the root key (CloudTrail, the last-used service and region), move it "
       "to an IAM role or user, then delete the root key."),
    _c("USER_DIRECT_POLICY", S.LOW, "A user has policies of its own instead of through a group",
       "Put the user in a group for its job function, attach the policy to the group, and "
       "detach (aws iam detach-user-policy) or delete (aws iam delete-user-policy) the user's."),
    _c("SHARED_USER", S.MEDIUM, "One user seems to serve several people or programs",
       "Create one IAM user (or role) per person and per program; give each its own key, then "
       "deactivate and delete the shared user's keys."),
    _c("USER_TWO_ACTIVE_KEYS", S.LOW, "A user has two active access keys",
       "Keep one active key: after rotating, deactivate the old key (aws iam "
       "update-access-key --status Inactive), then delete it."),
    _c("ACCESS_KEY_UNUSED", S.MEDIUM, "An active access key has not been used for 90 days",
       "Deactivate the key (aws iam update-access-key --status Inactive) and delete it when "
       "nothing breaks."),
    _c("ACCESS_KEY_NEVER_USED", S.LOW, "An active access key has never been used",
       "Delete the key (aws iam delete-access-key); create keys only when a program needs one."),
    _c("ROOT_MFA_DISABLED", S.HIGH, "The root user has no MFA device",
       "Assign an MFA device to the root user (console: Security credentials, Assign MFA "
       "device), then lock the device away with the root password."),
    _c("CONSOLE_USER_WITHOUT_MFA", S.MEDIUM, "A user with a console password has no MFA device",
       "Enable an MFA device for the user (aws iam create-virtual-mfa-device, then aws iam "
       "enable-mfa-device with two consecutive codes), or delete its login profile (aws iam "
       "delete-login-profile) if it does not sign in to the console."),
    _c("GENERAL_GROUP_ADMIN", S.HIGH, "An administrator is in the App2Container general-purpose "
       "group", "Remove administrators from the general-purpose group (aws iam "
       "remove-user-from-group), or remove the administrator rights the group grants."),
    _c("GENERAL_GROUP_CAN_DEPLOY", S.HIGH, "The general-purpose group can run --deploy commands",
       "Replace the group's policy with the general-purpose one (a2c-iam a2c policy --persona "
       "general): deployment belongs to the separate deployment identity."),
    _c("DEPLOY_IDENTITY_CONSOLE", S.MEDIUM, "The deployment identity has a console password",
       "Delete the deployment user's login profile (aws iam delete-login-profile): it deploys "
       "from the command line only."),
    _c("DEPLOY_IDENTITY_GENERAL_USE", S.MEDIUM, "The deployment identity is used for "
       "non-deployment work", "Use the deployment identity only for --deploy commands; take it "
       "out of the general-purpose group and give everyday work its own user."),
    _c("A2C_PERSONA_NOT_FOUND", S.INFO, "No App2Container persona was identified",
       "Name them: --general-group NAME and --deploy-identity NAME (a user or role), or create "
       "them with a2c-iam a2c setup."),
    _c("WILDCARD_RESOURCE_PERMISSIONS", S.HIGH, "Permissions-management actions on every "
       "resource (\"Resource\": \"*\")", "Name the users, roles, groups or policies the "
       "statement may change (their ARNs, or a path such as arn:aws:iam::ACCOUNT:role/app/*)."),
    _c("WILDCARD_RESOURCE_WRITE", S.MEDIUM, "Write actions on every resource (\"Resource\": "
       "\"*\")", "Replace \"*\" with the ARNs the statement needs to change, or add conditions "
       "(aws:ResourceTag, aws:RequestedRegion) that narrow it."),
    _c("PASSROLE_ANY_ROLE", S.HIGH, "iam:PassRole on every role",
       "Name the roles that may be passed (e.g. arn:aws:iam::ACCOUNT:role/ecsTaskExecutionRole) "
       "and add an iam:PassedToService condition."),
    _c("ROLE_TRUSTS_ANYONE", S.CRITICAL, "A role can be assumed by anyone",
       "Name the principals allowed to assume the role in its trust policy (aws iam "
       "update-assume-role-policy) instead of \"*\", or add conditions such as aws:PrincipalOrgID."),
    _c("ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID", S.MEDIUM, "A role trusts another account without "
       "an external ID", "Add \"Condition\": {\"StringEquals\": {\"sts:ExternalId\": \"…\"}} "
       "to the trust statement (the confused-deputy protection for third parties)."),
    _c("PRIVILEGE_ESCALATION", S.CRITICAL, "A principal can escalate its privileges",
       "Remove the first step of the path: scope the IAM write action, iam:PassRole or "
       "sts:AssumeRole grant to the resources the principal needs, or narrow the role's trust "
       "policy; a permissions boundary stops policy-writing escalation."),
    _c("LEAST_PRIVILEGE_GAP", S.LOW, "A principal holds actions beyond the App2Container "
       "commands it runs", "Replace its policies with the generated least-privilege ones "
       "(a2c-iam a2c policy) for the commands it runs."),
    _c("CREDENTIAL_DATA_MISSING", S.INFO, "Access-key and password checks were not run",
       "GetAccountAuthorizationDetails has no key data: pass --credential-report CSV (aws iam "
       "generate-credential-report; aws iam get-credential-report)."),
    _c("INPUT_PROBLEM", S.INFO, "Part of the input could not be used",
       "Check the export: a policy that does not parse or a missing attached policy is left "
       "out of every evaluation."),
))


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: Severity
    message: str
    principals: tuple[str, ...] = ()
    policies: tuple[str, ...] = ()
    details: tuple[str, ...] = ()

    @property
    def check(self) -> Check:
        return CHECKS[self.code]

    def as_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "title": self.check.title,
            "message": self.message,
            "principals": list(self.principals),
            "policies": list(self.policies),
            "details": list(self.details),
            "fix": self.check.fix,
        }


def finding(code: str, message: str, principals: tuple[str, ...] = (),
            policies: tuple[str, ...] = (), details: tuple[str, ...] = (),
            severity: Severity | None = None) -> Finding:
    """A finding of check ``code`` (its severity unless one is given)."""
    return Finding(code, severity or CHECKS[code].severity, message, principals, policies, details)
