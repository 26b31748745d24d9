"""Hand-written accounts in the GetAccountAuthorizationDetails shape, and helpers to write more.

``data/risky-account.json`` has one case of every check; ``data/tidy-account.json`` has a near
miss of each (a grant scoped to the caller's own user, an ExternalId, a trust naming another
principal…). Both come with a credential report in AWS's CSV format, and both hold their
documents mostly as JSON objects (as the AWS CLI prints them), some URL-encoded.
``data/incomplete-account.json`` is in the raw API's form (every document a URL-encoded string)
and has what the informational checks report: a policy that does not parse, an attached policy
missing from the export, no App2Container persona, no credential report.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from a2c_iam.a2c.choices import Choices
from a2c_iam.audit import AuditOptions, AuditReport, run_audit
from a2c_iam.audit.sources import from_file

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
ACCOUNT = "111122223333"


def load(name: str, report: bool = True) -> Any:
    text = (DATA / f"{name}-account.json").read_text()
    csv = (DATA / f"{name}-credential-report.csv").read_text() if report else None
    return from_file(text, name, csv)


def audit(account: Any, **options: Any) -> AuditReport:
    options.setdefault("choices", Choices(target="ecs", account=account.account_id,
                                          region="us-east-1"))
    options.setdefault("now", NOW)
    return run_audit(account, AuditOptions(**options))


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def trust(principal: Any, condition: dict[str, Any] | None = None) -> dict[str, Any]:
    st: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        st["Condition"] = condition
    return doc(st)


class Gaad:
    """Builds a small GAAD document entity by entity, in the shape AWS returns."""

    def __init__(self, account: str = ACCOUNT) -> None:
        self.a = account
        self.data: dict[str, list[dict[str, Any]]] = {
            "UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [], "Policies": []}

    def arn(self, kind: str, name: str) -> str:
        if kind == "aws-policy":
            return f"arn:aws:iam::aws:policy/{name}"
        return f"arn:aws:iam::{self.a}:{kind}/{name}"

    def policy(self, name: str, document: dict[str, Any], *older: dict[str, Any]) -> str:
        arn = self.arn("policy", name) if name != "AdministratorAccess" else self.arn(
            "aws-policy", name)
        versions = [*older, document]
        self.data["Policies"].append({
            "PolicyName": name, "PolicyId": "ANPA" + name.upper().ljust(17, "X")[:17], "Arn": arn,
            "Path": "/", "DefaultVersionId": f"v{len(versions)}", "AttachmentCount": 1,
            "IsAttachable": True, "CreateDate": "2024-01-01T00:00:00Z",
            "PolicyVersionList": [
                {"Document": d, "VersionId": f"v{i}", "IsDefaultVersion": i == len(versions),
                 "CreateDate": "2024-01-01T00:00:00Z"} for i, d in enumerate(versions, 1)],
        })
        return arn

    def admin(self) -> str:
        if not any(p["PolicyName"] == "AdministratorAccess" for p in self.data["Policies"]):
            return self.policy("AdministratorAccess", doc(allow("*")))
        return self.arn("aws-policy", "AdministratorAccess")

    @staticmethod
    def _attached(arns: tuple[str, ...]) -> list[dict[str, str]]:
        return [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a} for a in arns]

    @staticmethod
    def _inline(inline: dict[str, dict[str, Any]] | None) -> list[dict[str, Any]]:
        return [{"PolicyName": k, "PolicyDocument": v} for k, v in (inline or {}).items()]

    def user(self, name: str, groups: tuple[str, ...] = (), attached: tuple[str, ...] = (),
             inline: dict[str, dict[str, Any]] | None = None, boundary: str | None = None,
             tags: dict[str, str] | None = None) -> str:
        item: dict[str, Any] = {
            "Path": "/", "UserName": name, "UserId": "AIDA" + name.upper().ljust(17, "X")[:17],
            "Arn": self.arn("user", name), "CreateDate": "2024-01-01T00:00:00Z",
            "UserPolicyList": self._inline(inline), "GroupList": list(groups),
            "AttachedManagedPolicies": self._attached(attached),
            "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}
        if boundary:
            item["PermissionsBoundary"] = {"PermissionsBoundaryType": "Policy",
                                           "PermissionsBoundaryArn": boundary}
        self.data["UserDetailList"].append(item)
        return item["Arn"]

    def group(self, name: str, attached: tuple[str, ...] = (),
              inline: dict[str, dict[str, Any]] | None = None) -> str:
        self.data["GroupDetailList"].append({
            "Path": "/", "GroupName": name, "GroupId": "AGPA" + name.upper().ljust(17, "X")[:17],
            "Arn": self.arn("group", name), "CreateDate": "2024-01-01T00:00:00Z",
            "GroupPolicyList": self._inline(inline),
            "AttachedManagedPolicies": self._attached(attached)})
        return self.arn("group", name)

    def role(self, name: str, trust_doc: dict[str, Any], attached: tuple[str, ...] = (),
             inline: dict[str, dict[str, Any]] | None = None) -> str:
        self.data["RoleDetailList"].append({
            "Path": "/", "RoleName": name, "RoleId": "AROA" + name.upper().ljust(17, "X")[:17],
            "Arn": self.arn("role", name), "CreateDate": "2024-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": trust_doc, "InstanceProfileList": [],
            "RolePolicyList": self._inline(inline),
            "AttachedManagedPolicies": self._attached(attached), "Tags": [], "RoleLastUsed": {}})
        return self.arn("role", name)

    def json(self) -> str:
        return json.dumps(self.data)

    def account(self) -> Any:
        return from_file(self.json(), "test")
