"""One account in memory, read from a GetAccountAuthorizationDetails (GAAD) document.

The shape is botocore's ``GetAccountAuthorizationDetailsResponse``: ``UserDetailList``,
``GroupDetailList``, ``RoleDetailList`` and ``Policies`` (each managed policy with its
``PolicyVersionList``). On the wire the policy documents are URL-encoded JSON strings; the AWS
CLI and boto3 decode them into objects. Both are accepted, so a raw API response, ``aws iam
get-account-authorization-details`` output, several pages of either, and our own store's export
all read the same.

GAAD carries no credential data (passwords, access keys): :class:`Credentials` holds that, from a
credential report or from ``ListAccessKeys``/``GetAccessKeyLastUsed``/``GetLoginProfile``, and is
absent (``None``) when no source gave it, so that the key checks can say so instead of passing.

A document that is not JSON, or does not parse as a policy, is kept out of evaluation and listed
in ``Account.problems``: one unreadable policy must not hide the rest of the account. A document
whose *shape* is wrong (a list where GAAD has an object…) is refused with a precise message.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from ..policy import Policy, PolicyKind, PolicyValidationError, parse_policy
from .errors import AuditInputError

__all__ = [
    "AccessKey",
    "Account",
    "Credentials",
    "Group",
    "InlinePolicy",
    "ManagedPolicy",
    "Role",
    "User",
    "account_from_gaad",
    "load_document",
    "parse_time",
]

_ARN = re.compile(r"^arn:([^:]+):iam::(\d{12}|aws):")


def parse_time(value: Any) -> datetime | None:
    """A timestamp as boto3 gives it (datetime) or as JSON holds it (ISO 8601, ``Z`` allowed)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str):
        text = value.strip()
        if text in ("N/A", "no_information", "not_supported"):
            return None
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def load_document(value: Any, where: str) -> dict[str, Any]:
    """A policy document as a mapping, from an object, a JSON string or a URL-encoded one."""
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str):
        raise AuditInputError(f"{where}: the policy document is neither an object nor a string")
    text = value.strip()
    if not text.startswith("{"):
        text = unquote(text)
    try:
        doc = json.loads(text)
    except ValueError as exc:
        raise AuditInputError(f"{where}: the policy document is not JSON ({exc})") from exc
    if not isinstance(doc, dict):
        raise AuditInputError(f"{where}: the policy document is not a JSON object")
    return doc


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    name: str
    document: dict[str, Any]
    policy: Policy | None


@dataclass(slots=True)
class ManagedPolicy:
    arn: str
    name: str
    path: str
    default_version_id: str
    document: dict[str, Any]
    policy: Policy | None
    version_ids: tuple[str, ...]
    attachment_count: int | None = None

    @property
    def aws_managed(self) -> bool:
        return ":iam::aws:policy/" in self.arn


@dataclass(slots=True)
class User:
    name: str
    arn: str
    user_id: str
    path: str
    inline: tuple[InlinePolicy, ...]
    attached: tuple[str, ...]
    groups: tuple[str, ...]
    boundary: str | None
    tags: dict[str, str]
    created: datetime | None


@dataclass(slots=True)
class Group:
    name: str
    arn: str
    group_id: str
    path: str
    inline: tuple[InlinePolicy, ...]
    attached: tuple[str, ...]
    members: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Role:
    name: str
    arn: str
    role_id: str
    path: str
    inline: tuple[InlinePolicy, ...]
    attached: tuple[str, ...]
    boundary: str | None
    trust_document: dict[str, Any]
    trust: Policy | None
    tags: dict[str, str]
    last_used: datetime | None
    instance_profiles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AccessKey:
    """One access key's metadata: never the secret. ``key_id`` may be None (credential report)."""

    number: int
    key_id: str | None
    active: bool
    created: datetime | None
    last_used: datetime | None
    last_service: str | None = None
    last_region: str | None = None


@dataclass(slots=True)
class Credentials:
    """What a credential report (or the key APIs) says of one user, or of the root user."""

    user: str
    password_enabled: bool | None
    password_last_used: datetime | None
    mfa_active: bool | None
    keys: tuple[AccessKey, ...]

    @property
    def active_keys(self) -> tuple[AccessKey, ...]:
        return tuple(k for k in self.keys if k.active)


@dataclass(slots=True)
class Account:
    """An account's users, groups, roles and managed policies, indexed by name and ARN."""

    account_id: str
    partition: str
    users: dict[str, User]
    groups: dict[str, Group]
    roles: dict[str, Role]
    policies: dict[str, ManagedPolicy]
    #: Per user name (``<root_account>`` for root); None when no source had credential data.
    credentials: dict[str, Credentials] | None = None
    #: True/False when known that the root user has (active) access keys; None when unknown.
    root_keys_present: bool | None = None
    problems: list[str] = field(default_factory=list)
    source: str = ""

    def policy_label(self, arn: str) -> str:
        pol = self.policies.get(arn)
        return pol.name if pol is not None else arn.rsplit("/", 1)[-1]


def _seq(item: Mapping[str, Any], key: str, owner: str, objects: bool = True) -> list[Any]:
    """``item[key]`` as a list (absent or null: empty); a precise error for any other shape."""
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise AuditInputError(f"{owner}: {key} must be a list, not {type(value).__name__}")
    for entry in value:
        if objects and not isinstance(entry, Mapping):
            raise AuditInputError(f"{owner}: every entry of {key} must be an object")
        if not objects and not isinstance(entry, str):
            raise AuditInputError(f"{owner}: every entry of {key} must be a string")
    return value


def _tags(item: Mapping[str, Any], owner: str) -> dict[str, str]:
    return {str(t.get("Key")): str(t.get("Value", "")) for t in _seq(item, "Tags", owner)}


def _document(value: Any, where: str, problems: list[str]) -> dict[str, Any] | None:
    """The document, or None (and a problem) when it is not a JSON object in any form."""
    try:
        return load_document(value, where)
    except AuditInputError as exc:
        problems.append(str(exc))
        return None


def _parse(doc: dict[str, Any] | None, kind: PolicyKind, where: str,
           problems: list[str]) -> Policy | None:
    if doc is None:
        return None
    try:
        return parse_policy(doc, kind, validate=False)
    except PolicyValidationError as exc:
        problems.append(f"{where}: {exc}")
        return None


def _inline(items: list[Any], owner: str, problems: list[str]) -> tuple[InlinePolicy, ...]:
    out = []
    for item in items:
        name = str(item.get("PolicyName", ""))
        where = f"inline policy {name} of {owner}"
        doc = _document(item.get("PolicyDocument"), where, problems)
        out.append(InlinePolicy(name, doc or {}, _parse(doc, PolicyKind.IDENTITY, where,
                                                        problems)))
    return tuple(out)


def _attached(item: Mapping[str, Any], owner: str) -> tuple[str, ...]:
    return tuple(str(a["PolicyArn"]) for a in _seq(item, "AttachedManagedPolicies", owner)
                 if "PolicyArn" in a)


def _principal_fields(item: Mapping[str, Any], kind: str, owner: str, problems: list[str]
                     ) -> tuple[str, str, tuple[InlinePolicy, ...], tuple[str, ...]]:
    """The id, path, inline and attached policies: the members ``GroupDetail``, ``UserDetail``
    and ``RoleDetail`` share (``<Kind>Id``, ``<Kind>PolicyList``), read the same for all three."""
    return (str(item.get(f"{kind}Id", "")), str(item.get("Path", "/")),
            _inline(_seq(item, f"{kind}PolicyList", owner), owner, problems),
            _attached(item, owner))


def _boundary(item: Mapping[str, Any]) -> str | None:
    b = item.get("PermissionsBoundary")
    return str(b["PermissionsBoundaryArn"]) if isinstance(b, dict) and b.get(
        "PermissionsBoundaryArn") else None


def _pages(data: Any) -> list[Mapping[str, Any]]:
    if isinstance(data, Mapping):
        return [data]
    if isinstance(data, list) and all(isinstance(p, Mapping) for p in data):
        return list(data)
    raise AuditInputError(
        "not a GetAccountAuthorizationDetails document: expected an object with "
        "UserDetailList, GroupDetailList, RoleDetailList and Policies (or a list of such pages)"
    )


def _require(item: Mapping[str, Any], key: str, what: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise AuditInputError(f"a {what} entry has no {key}")
    return value


def account_from_gaad(data: Any, account_id: str | None = None, source: str = "") -> Account:
    """The account model of a GAAD response (one page, or a list of pages of one account)."""
    pages = _pages(data)
    keys = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")
    if not any(k in p for p in pages for k in keys):
        raise AuditInputError(
            "not a GetAccountAuthorizationDetails document: none of UserDetailList, "
            "GroupDetailList, RoleDetailList, Policies is present"
        )
    problems: list[str] = []
    accounts: set[str] = set()
    partitions: set[str] = set()

    def note(arn: str) -> None:
        m = _ARN.match(arn)
        if m is None:
            raise AuditInputError(f"'{arn}' is not an IAM ARN")
        partitions.add(m.group(1))
        if m.group(2) != "aws":
            accounts.add(m.group(2))

    policies: dict[str, ManagedPolicy] = {}
    for page in pages:
        for item in _items(page, "Policies"):
            arn = _require(item, "Arn", "Policies")
            note(arn)
            default = str(item.get("DefaultVersionId", ""))
            versions = _seq(item, "PolicyVersionList", f"managed policy {arn}")
            chosen = next((v for v in versions if v.get("IsDefaultVersion")), None)
            if chosen is None:
                chosen = next((v for v in versions if v.get("VersionId") == default), None)
            where = f"managed policy {arn}"
            if chosen is None:
                problems.append(f"{where}: no default version in PolicyVersionList")
                doc: dict[str, Any] = {}
                pol = None
            else:
                found = _document(chosen.get("Document"), where, problems)
                doc = found or {}
                pol = _parse(found, PolicyKind.IDENTITY, where, problems)
                default = str(chosen.get("VersionId", default))
            count = item.get("AttachmentCount")
            policies[arn] = ManagedPolicy(
                arn, str(item.get("PolicyName", arn.rsplit("/", 1)[-1])),
                str(item.get("Path", "/")), default, doc, pol,
                tuple(str(v.get("VersionId")) for v in versions),
                int(count) if isinstance(count, int) else None,
            )

    def entries(kind: str) -> Iterator[tuple[Mapping[str, Any], str, str, str]]:
        """``(item, name, arn, owner)`` for every entry of ``<Kind>DetailList`` over the pages,
        its ``<Kind>Name`` and ``Arn`` required and the ARN noted."""
        key = f"{kind}DetailList"
        for page in pages:
            for item in _items(page, key):
                name = _require(item, f"{kind}Name", key)
                arn = _require(item, "Arn", key)
                note(arn)
                yield item, name, arn, f"{kind.lower()} {name}"

    groups: dict[str, Group] = {}
    for item, name, arn, owner in entries("Group"):
        groups[name] = Group(name, arn, *_principal_fields(item, "Group", owner, problems))

    users: dict[str, User] = {}
    for item, name, arn, owner in entries("User"):
        member_of = tuple(_seq(item, "GroupList", owner, objects=False))
        users[name] = User(
            name, arn, *_principal_fields(item, "User", owner, problems), member_of,
            _boundary(item), _tags(item, owner), parse_time(item.get("CreateDate")),
        )
        for g in member_of:
            if g in groups:
                groups[g].members.append(name)
            else:
                problems.append(f"user {name}: member of group {g}, which the export lacks")

    roles: dict[str, Role] = {}
    for item, name, arn, owner in entries("Role"):
        where = f"trust policy of role {name}"
        raw_trust = item.get("AssumeRolePolicyDocument")
        found = _document(raw_trust, where, problems) if raw_trust is not None else None
        trust = _parse(found, PolicyKind.TRUST, where, problems) if found else None
        last = item.get("RoleLastUsed")
        roles[name] = Role(
            name, arn, *_principal_fields(item, "Role", owner, problems), _boundary(item),
            found or {}, trust, _tags(item, owner),
            parse_time(last.get("LastUsedDate")) if isinstance(last, dict) else None,
            tuple(str(p.get("InstanceProfileName"))
                  for p in _seq(item, "InstanceProfileList", owner)),
        )

    for owner, attached in _attachments(users, groups, roles):
        for arn in attached:
            if arn not in policies and not _known_aws_managed(arn, policies, problems):
                problems.append(f"{owner}: attached policy {arn} is not in the export's Policies")
    if account_id is None:
        if len(accounts) > 1:
            raise AuditInputError(
                f"the document mixes accounts {', '.join(sorted(accounts))}; audit one at a time"
            )
        account_id = next(iter(accounts), "000000000000")
    partition = next(iter(sorted(partitions)), "aws")
    return Account(account_id, partition, users, groups, roles, policies,
                   problems=problems, source=source)


def _known_aws_managed(arn: str, policies: dict[str, ManagedPolicy], problems: list[str]) -> bool:
    """Fill in an AWS managed policy the export left out (``--filter`` without
    ``AWSManagedPolicy``) from the documents the identity layer ships, when it has this one."""
    if ":iam::aws:policy/" not in arn:
        return False
    from ..identity.managed import BY_ARN

    known = BY_ARN.get(arn)
    if known is None:
        return False
    doc = dict(known.document)
    policies[arn] = ManagedPolicy(arn, known.name, "/", known.version, doc,
                                  _parse(doc, PolicyKind.IDENTITY, arn, problems), (known.version,))
    problems.append(f"{arn} is not in the export's Policies: used AWS's published document")
    return True


def _items(page: Mapping[str, Any], key: str) -> Iterable[Mapping[str, Any]]:
    value = page.get(key)
    if value is None:
        return ()
    if not isinstance(value, list):
        raise AuditInputError(f"{key} must be a list")
    for item in value:
        if not isinstance(item, Mapping):
            raise AuditInputError(f"every entry of {key} must be an object")
    return value


def _attachments(
    users: Mapping[str, User], groups: Mapping[str, Group], roles: Mapping[str, Role]
) -> Iterable[tuple[str, tuple[str, ...]]]:
    for u in users.values():
        yield f"user {u.name}", u.attached + ((u.boundary,) if u.boundary else ())
    for g in groups.values():
        yield f"group {g.name}", g.attached
    for r in roles.values():
        yield f"role {r.name}", r.attached + ((r.boundary,) if r.boundary else ())
