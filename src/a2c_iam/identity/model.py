"""What the identity service returns: frozen values, one per IAM shape.

Field names are the Python spelling of the AWS members; ``to_aws()`` gives the member names and
nesting of the botocore shape of the same name (``User``, ``Role``, ``Policy``…), which a test
checks against the model. Policy documents are held as the text the caller sent (IAM returns the
document as given); ``to_aws()`` shows them decoded, as botocore's parser hands them to a
``boto3`` caller, or URL-encoded as they travel on the wire (``documents="url"``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar
from urllib.parse import quote

from .secrets import SecretStr

if TYPE_CHECKING:
    from .principal import ResolvedCaller

DocumentForm = Literal["object", "url", "text"]
T = TypeVar("T")


class PolicyText(str):
    """A stored policy document inside an operation's output, rendered when the output leaves.

    Operations do not know whether their caller is the wire (URL-encoded documents) or Python
    (decoded, as boto3 shows them); they mark documents with this type and ``render`` decides.
    """

    __slots__ = ()


def render_document(text: str, form: DocumentForm) -> Any:
    """A stored policy document as botocore shows it (``object``) or as the wire carries it."""
    if form == "object":
        return json.loads(text)
    if form == "url":
        return quote(text, safe="")
    return PolicyText(text)


#: Values that ``render`` hands back as they are (the bulk of any output): checked first.
_LEAVES = frozenset({str, int, bool, float, datetime, type(None)})


def render(value: Any, form: DocumentForm) -> Any:
    """An operation's output with every model value and ``PolicyText`` rendered in ``form``."""
    if type(value) in _LEAVES:
        return value
    if isinstance(value, PolicyText):
        return render_document(str(value), form)
    if isinstance(value, dict):
        return {k: render(v, form) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [render(v, form) for v in value]
    to_aws = getattr(value, "to_aws", None)
    if to_aws is not None:
        if "documents" in to_aws.__code__.co_varnames:
            return render(to_aws(documents="text"), form)
        return render(to_aws(), form)
    return value


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


@dataclass(frozen=True, slots=True)
class Tag:
    key: str
    value: str

    def to_aws(self) -> dict[str, Any]:
        return {"Key": self.key, "Value": self.value}


def _tags(tags: Sequence[Tag]) -> list[dict[str, Any]] | None:
    return [t.to_aws() for t in tags] if tags else None


def _boundary(arn: str | None) -> dict[str, Any] | None:
    if arn is None:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": arn}


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    alias: str | None
    created_at: datetime
    root_arn: str


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    account_id: str
    name: str
    path: str
    arn: str
    create_date: datetime
    permissions_boundary_arn: str | None = None
    tags: tuple[Tag, ...] = ()

    def to_aws(self) -> dict[str, Any]:
        return _drop_none({
            "Path": self.path, "UserName": self.name, "UserId": self.user_id, "Arn": self.arn,
            "CreateDate": self.create_date,
            "PermissionsBoundary": _boundary(self.permissions_boundary_arn),
            "Tags": _tags(self.tags),
        })


@dataclass(frozen=True, slots=True)
class Group:
    group_id: str
    account_id: str
    name: str
    path: str
    arn: str
    create_date: datetime

    def to_aws(self) -> dict[str, Any]:
        return {
            "Path": self.path, "GroupName": self.name, "GroupId": self.group_id, "Arn": self.arn,
            "CreateDate": self.create_date,
        }


@dataclass(frozen=True, slots=True)
class Role:
    role_id: str
    account_id: str
    name: str
    path: str
    arn: str
    create_date: datetime
    assume_role_policy_document: str
    description: str | None
    max_session_duration: int
    permissions_boundary_arn: str | None = None
    tags: tuple[Tag, ...] = ()
    last_used_date: datetime | None = None
    last_used_region: str | None = None

    def to_aws(self, documents: DocumentForm = "object") -> dict[str, Any]:
        last_used = _drop_none({"LastUsedDate": self.last_used_date,
                                "Region": self.last_used_region})
        return _drop_none({
            "Path": self.path, "RoleName": self.name, "RoleId": self.role_id, "Arn": self.arn,
            "CreateDate": self.create_date,
            "AssumeRolePolicyDocument": render_document(self.assume_role_policy_document,
                                                        documents),
            "Description": self.description,
            "MaxSessionDuration": self.max_session_duration,
            "PermissionsBoundary": _boundary(self.permissions_boundary_arn),
            "Tags": _tags(self.tags),
            "RoleLastUsed": last_used,
        })


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    policy_id: str
    name: str
    path: str
    arn: str
    default_version_id: str
    attachment_count: int
    permissions_boundary_usage_count: int
    is_attachable: bool
    description: str | None
    create_date: datetime
    update_date: datetime
    aws_managed: bool
    tags: tuple[Tag, ...] = ()

    def to_aws(self) -> dict[str, Any]:
        return _drop_none({
            "PolicyName": self.name, "PolicyId": self.policy_id, "Arn": self.arn,
            "Path": self.path, "DefaultVersionId": self.default_version_id,
            "AttachmentCount": self.attachment_count,
            "PermissionsBoundaryUsageCount": self.permissions_boundary_usage_count,
            "IsAttachable": self.is_attachable, "Description": self.description,
            "CreateDate": self.create_date, "UpdateDate": self.update_date,
            "Tags": _tags(self.tags),
        })


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    document: str
    version_id: str
    is_default_version: bool
    create_date: datetime

    def to_aws(self, documents: DocumentForm = "object") -> dict[str, Any]:
        return {
            "Document": render_document(self.document, documents), "VersionId": self.version_id,
            "IsDefaultVersion": self.is_default_version, "CreateDate": self.create_date,
        }


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    policy_name: str
    policy_arn: str

    def to_aws(self) -> dict[str, Any]:
        return {"PolicyName": self.policy_name, "PolicyArn": self.policy_arn}


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    owner_name: str
    policy_name: str
    document: str


@dataclass(frozen=True, slots=True)
class InstanceProfile:
    profile_id: str
    account_id: str
    name: str
    path: str
    arn: str
    create_date: datetime
    roles: tuple[Role, ...] = ()
    tags: tuple[Tag, ...] = ()

    def to_aws(self, documents: DocumentForm = "object") -> dict[str, Any]:
        return _drop_none({
            "Path": self.path, "InstanceProfileName": self.name,
            "InstanceProfileId": self.profile_id, "Arn": self.arn, "CreateDate": self.create_date,
            "Roles": [r.to_aws(documents) for r in self.roles], "Tags": _tags(self.tags),
        })


@dataclass(frozen=True, slots=True)
class AccessKeyMetadata:
    user_name: str
    access_key_id: str
    status: str
    create_date: datetime

    def to_aws(self) -> dict[str, Any]:
        return {
            "UserName": self.user_name, "AccessKeyId": self.access_key_id,
            "Status": self.status, "CreateDate": self.create_date,
        }


@dataclass(frozen=True, slots=True)
class AccessKey:
    """A new access key: the only time the secret is handed out."""

    user_name: str
    access_key_id: str
    status: str
    create_date: datetime
    secret_access_key: SecretStr

    def to_aws(self) -> dict[str, Any]:
        # IAM's AccessKey shape is AccessKeyMetadata's and the secret.
        listed = AccessKeyMetadata(self.user_name, self.access_key_id, self.status,
                                   self.create_date)
        return {**listed.to_aws(), "SecretAccessKey": self.secret_access_key.get_secret_value()}


@dataclass(frozen=True, slots=True)
class AccessKeyLastUsed:
    user_name: str
    last_used_date: datetime | None
    service_name: str
    region: str

    def to_aws(self) -> dict[str, Any]:
        return {
            "UserName": self.user_name,
            "AccessKeyLastUsed": _drop_none({
                "LastUsedDate": self.last_used_date, "ServiceName": self.service_name,
                "Region": self.region,
            }),
        }


@dataclass(frozen=True, slots=True)
class Credentials:
    """Temporary credentials (STS)."""

    access_key_id: str
    secret_access_key: SecretStr
    session_token: SecretStr
    expiration: datetime

    def to_aws(self) -> dict[str, Any]:
        return {
            "AccessKeyId": self.access_key_id,
            "SecretAccessKey": self.secret_access_key.get_secret_value(),
            "SessionToken": self.session_token.get_secret_value(),
            "Expiration": self.expiration,
        }


@dataclass(frozen=True, slots=True)
class AssumedRole:
    credentials: Credentials
    assumed_role_id: str
    arn: str
    packed_policy_size: int
    source_identity: str | None = None

    def to_aws(self) -> dict[str, Any]:
        return _drop_none({
            "Credentials": self.credentials.to_aws(),
            "AssumedRoleUser": {"AssumedRoleId": self.assumed_role_id, "Arn": self.arn},
            "PackedPolicySize": self.packed_policy_size,
            "SourceIdentity": self.source_identity,
        })


@dataclass(frozen=True, slots=True)
class CallerIdentity:
    user_id: str
    account: str
    arn: str

    def to_aws(self) -> dict[str, Any]:
        return {"UserId": self.user_id, "Account": self.account, "Arn": self.arn}


@dataclass(frozen=True, slots=True)
class AuditEvent:
    at: datetime
    account_id: str | None
    request_id: str
    caller_arn: str
    operation: str
    target_arn: str | None
    outcome: str
    message: str | None


@dataclass(frozen=True, slots=True)
class EntitiesForPolicy:
    groups: tuple[tuple[str, str], ...]  # (name, id)
    users: tuple[tuple[str, str], ...]
    roles: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a list operation (IAM's ``IsTruncated`` / ``Marker``)."""

    items: tuple[T, ...]
    is_truncated: bool = False
    marker: str | None = None


@dataclass(frozen=True, slots=True)
class CallContext:
    """Who asks, in which account, under which request id (for the audit trail).

    ``caller`` is the resolved principal when the request came with credentials (see
    ``principal.resolve``); STS operations need it. Without it the caller is the account's root
    (for setup and tests).
    """

    account_id: str
    caller_arn: str
    request_id: str
    caller: ResolvedCaller | None = field(default=None, compare=False)
