"""AWS managed policies: a few, written from their documented documents.

Source: the AWS Managed Policy Reference Guide (docs.aws.amazon.com/aws-managed-policy), which
gives each policy's ARN, description, creation and edit times, default version and JSON document.
They live once in the store (``account_id`` NULL) and every account sees them; they cannot be
changed or deleted. ``ensure_aws_managed`` writes any that are missing on every start, safely
when several processes start at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.engine import Connection

from a2c_iam.store import insert_ignore
from a2c_iam.store import schema as s


@dataclass(frozen=True)
class AwsManagedPolicy:
    name: str
    policy_id: str
    description: str
    version: str
    created: datetime
    updated: datetime
    document: dict[str, object]

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::aws:policy/{self.name}"


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Policy ids are fixed so that every store (and every export) names them alike.
AWS_MANAGED: tuple[AwsManagedPolicy, ...] = (
    AwsManagedPolicy(
        "AdministratorAccess", "ANPAA2CADMINISTRATORA",
        "Provides full access to AWS services and resources.", "v1",
        _t("2015-02-06T18:39:46"), _t("2015-02-06T18:39:46"),
        {"Version": "2012-10-17",
         "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]},
    ),
    AwsManagedPolicy(
        "PowerUserAccess", "ANPAA2CPOWERUSERACCES",
        "Provides full access to AWS services and resources, but does not allow management of "
        "Users and groups.", "v12",
        _t("2015-02-06T18:39:47"), _t("2026-02-12T17:59:00"),
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"],
             "Resource": "*"},
            {"Effect": "Allow", "Action": [
                "account:GetAccountInformation", "account:GetGovCloudAccountInformation",
                "account:GetPrimaryEmail", "account:ListRegions", "iam:CreateServiceLinkedRole",
                "iam:DeleteServiceLinkedRole", "iam:ListRoles",
                "organizations:DescribeEffectivePolicy", "organizations:DescribeOrganization",
            ], "Resource": "*"},
        ]},
    ),
    AwsManagedPolicy(
        "IAMFullAccess", "ANPAA2CIAMFULLACCESSA",
        "Provides full access to IAM via the AWS Management Console.", "v2",
        _t("2015-02-06T18:40:38"), _t("2019-06-21T19:40:00"),
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
            "iam:*", "organizations:DescribeAccount", "organizations:DescribeOrganization",
            "organizations:DescribeOrganizationalUnit", "organizations:DescribePolicy",
            "organizations:ListChildren", "organizations:ListParents",
            "organizations:ListPoliciesForTarget", "organizations:ListRoots",
            "organizations:ListPolicies", "organizations:ListTargetsForPolicy",
        ], "Resource": "*"}]},
    ),
    AwsManagedPolicy(
        "IAMReadOnlyAccess", "ANPAA2CIAMREADONLYACC",
        "Provides read only access to IAM via the AWS Management Console.", "v4",
        _t("2015-02-06T18:40:39"), _t("2018-01-25T19:11:00"),
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
            "iam:GenerateCredentialReport", "iam:GenerateServiceLastAccessedDetails",
            "iam:Get*", "iam:List*", "iam:SimulateCustomPolicy", "iam:SimulatePrincipalPolicy",
        ], "Resource": "*"}]},
    ),
)
BY_ARN = {p.arn: p for p in AWS_MANAGED}


def document_text(policy: AwsManagedPolicy) -> str:
    return json.dumps(policy.document, indent=4)


def ensure_aws_managed(conn: Connection) -> None:
    """Store every AWS managed policy that is not yet stored (idempotent, race-safe)."""
    for p in AWS_MANAGED:
        inserted = insert_ignore(conn, s.policies, {
            "id": p.policy_id, "account_id": None, "name": p.name, "name_lower": p.name.lower(),
            "path": "/", "arn": p.arn, "description": p.description,
            "default_version": p.version, "next_version": int(p.version[1:]) + 1,
            "is_attachable": True, "created_at": p.created, "updated_at": p.updated,
        })
        if inserted:
            conn.execute(s.policy_versions.insert().values(
                policy_id=p.policy_id, version_id=p.version, document=document_text(p),
                created_at=p.updated,
            ))

