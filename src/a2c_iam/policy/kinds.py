"""Policy kinds and the rules that differ between them.

IAM applies a different grammar to each place a document can be used: an identity policy must not
name a principal, a trust policy must, a resource policy must, and each has its own size quota.
Quotas count characters without white space (IAM does not count white space).
"""

from __future__ import annotations

from enum import StrEnum


class PolicyKind(StrEnum):
    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"
    SCP = "scp"
    RCP = "rcp"
    SESSION = "session"
    PERMISSIONS_BOUNDARY = "permissions-boundary"


#: Managed policies (and so boundaries) 6,144; a role trust policy 2,048 by default; SCPs and RCPs
#: 5,120 (AWS Organizations quotas); session policies 2,048 (STS); resource policies: the largest
#: of the common services (S3 bucket policies, 20 KB).
DEFAULT_QUOTA: dict[PolicyKind, int] = {
    PolicyKind.IDENTITY: 6144,
    PolicyKind.PERMISSIONS_BOUNDARY: 6144,
    PolicyKind.TRUST: 2048,
    PolicyKind.SCP: 5120,
    PolicyKind.RCP: 5120,
    PolicyKind.SESSION: 2048,
    PolicyKind.RESOURCE: 20480,
}

#: Kinds whose statements must not name a principal.
NO_PRINCIPAL = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.PERMISSIONS_BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP}
)

#: Kinds that need ``Version: 2012-10-17`` (managed policies and those stored like them).
NEEDS_2012 = frozenset(
    {PolicyKind.IDENTITY, PolicyKind.PERMISSIONS_BOUNDARY, PolicyKind.SCP, PolicyKind.RCP}
)

#: The actions a role trust policy may grant (the STS actions a trust policy can grant).
TRUST_ACTIONS = frozenset(
    {
        "sts:assumerole",
        "sts:assumerolewithsaml",
        "sts:assumerolewithwebidentity",
        "sts:tagsession",
        "sts:setsourceidentity",
        "sts:setcontext",
    }
)

#: Services whose resources a resource control policy can govern (AWS Organizations, 2024-2025).
RCP_SERVICES = frozenset(
    {
        "s3", "sts", "sqs", "secretsmanager", "kms", "ecr", "aoss", "cognito-identity", "logs",
        "dynamodb",
    }
)
