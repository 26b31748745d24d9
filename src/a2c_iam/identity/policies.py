"""Managed policies: customer managed policies with versions, AWS managed ones, attachments.

A customer managed policy keeps at most five versions; version ids count up and are never
reused (``v1``, ``v2``…); the default version cannot be deleted. AWS managed policies
(``arn:aws:iam::aws:policy/…``) can be attached but not changed. A policy still attached, or
still used as a permissions boundary, cannot be deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, delete, func, select, update

from a2c_iam.policy import PolicyKind
from a2c_iam.store import schema as s

from . import ids
from .common import (
    MANAGED_POLICY_SIZE,
    POLICIES_PER_ACCOUNT,
    POLICIES_PER_GROUP,
    POLICIES_PER_ROLE,
    POLICIES_PER_USER,
    VERSIONS_PER_POLICY,
    check_count,
    check_new,
    count,
    document,
    page,
    set_target,
)
from .entities import owner_row, policy_row, to_policy
from .errors import (
    DeleteConflict,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
    PolicyNotAttachable,
)
from .ids import Prefix
from .model import AttachedPolicy, PolicyText, PolicyVersion
from .tags import as_tags, put_tags
from .tx import Tx, path_filter


def _customer(tx: Tx, policy_arn: str) -> Any:
    """A policy the account may change: its own (AWS managed policies are read-only)."""
    row = policy_row(tx.conn, tx.account_id, policy_arn)
    if row.account_id is None:
        raise InvalidInput(f"Policy {policy_arn} is an AWS managed policy and cannot be modified.")
    return row


def _document(text: Any) -> str:
    return document(text, PolicyKind.IDENTITY, MANAGED_POLICY_SIZE, "PolicySize")


def create_policy(tx: Tx, policy_name: str, policy_document: str, path: str | None = None,
                  description: str | None = None, tags: Any = None) -> dict[str, Any]:
    conn = tx.conn
    path = path or "/"
    text = _document(policy_document)
    check_new(conn, s.policies, tx.account_id, policy_name,
              f"A policy called {policy_name} already exists. Duplicate names are not allowed.",
              POLICIES_PER_ACCOUNT, "PoliciesPerAccount")
    policy_id = ids.unique_id(Prefix.POLICY)
    arn = ids.arn(tx.account_id, "policy", path, policy_name)
    conn.execute(s.policies.insert().values(
        id=policy_id, account_id=tx.account_id, name=policy_name, name_lower=policy_name.lower(),
        path=path, arn=arn, description=description, default_version="v1", next_version=2,
        is_attachable=True, created_at=tx.now, updated_at=tx.now,
    ))
    conn.execute(s.policy_versions.insert().values(
        policy_id=policy_id, version_id="v1", document=text, created_at=tx.now))
    put_tags(tx, policy_id, as_tags(tags), "Policy")
    set_target(tx, arn)
    row = policy_row(conn, tx.account_id, arn)
    return {"Policy": to_policy(conn, tx.account_id, row)}


def get_policy(tx: Tx, policy_arn: str) -> dict[str, Any]:
    return {"Policy": to_policy(tx.conn, tx.account_id,
                                policy_row(tx.conn, tx.account_id, policy_arn))}


def delete_policy(tx: Tx, policy_arn: str) -> dict[str, Any]:
    row = _customer(tx, policy_arn)
    set_target(tx, row.arn)
    attached, bounded = _usage(tx, row.id)
    if attached or bounded:
        raise DeleteConflict("Cannot delete a policy attached to entities.")
    versions = count(tx.conn, s.policy_versions, s.policy_versions.c.policy_id == row.id)
    if versions > 1:
        raise DeleteConflict("This policy has more than one version. Before you delete a "
                             "policy, you must delete the policy's versions. The default "
                             "version is deleted with the policy.")
    tx.conn.execute(delete(s.policy_versions).where(s.policy_versions.c.policy_id == row.id))
    tx.conn.execute(delete(s.tags).where(s.tags.c.resource_id == row.id))
    tx.conn.execute(delete(s.policies).where(s.policies.c.id == row.id))
    return {}


def _usage(tx: Tx, policy_id: str) -> tuple[int, int]:
    attached = count(tx.conn, s.attachments, s.attachments.c.policy_id == policy_id)
    bounded = sum(count(tx.conn, t, t.c.boundary_policy_id == policy_id)
                  for t in (s.users, s.roles))
    return attached, bounded


def list_policies(tx: Tx, scope: str | None = None, only_attached: bool | None = None,
                  path_prefix: str | None = None, policy_usage_filter: str | None = None,
                  marker: str | None = None, max_items: int | None = None) -> dict[str, Any]:
    scope = scope or "All"
    where: list[ColumnElement[bool]] = []
    if scope == "AWS":
        where.append(s.policies.c.account_id.is_(None))
    elif scope == "Local":
        where.append(s.policies.c.account_id == tx.account_id)
    else:
        where.append((s.policies.c.account_id == tx.account_id)
                     | s.policies.c.account_id.is_(None))
    rows = tx.conn.execute(select(s.policies).where(*where)
                           .order_by(s.policies.c.name_lower, s.policies.c.arn)).all()
    prefix = path_filter(path_prefix)
    out = []
    for row in rows:
        if not row.path.startswith(prefix):
            continue
        policy = to_policy(tx.conn, tx.account_id, row, with_tags=False)
        if only_attached and policy.attachment_count == 0:
            continue
        if policy_usage_filter == "PermissionsPolicy" and policy.attachment_count == 0:
            continue
        if policy_usage_filter == "PermissionsBoundary" and \
                policy.permissions_boundary_usage_count == 0:
            continue
        out.append(policy)
    return page(out, "Policies", marker, max_items)


# -- versions ------------------------------------------------------------------------------------

def _version_row(tx: Tx, policy: Any, version_id: str) -> Any:
    row = tx.conn.execute(select(s.policy_versions).where(
        s.policy_versions.c.policy_id == policy.id,
        s.policy_versions.c.version_id == version_id)).first()
    if row is None:
        raise NoSuchEntity(f"Policy {policy.arn} version {version_id} does not exist or is not "
                           "attachable.")
    return row


def create_policy_version(tx: Tx, policy_arn: str, policy_document: str,
                          set_as_default: bool | None = None) -> dict[str, Any]:
    row = _customer(tx, policy_arn)
    set_target(tx, row.arn)
    text = _document(policy_document)
    versions = count(tx.conn, s.policy_versions, s.policy_versions.c.policy_id == row.id)
    if versions >= VERSIONS_PER_POLICY:
        raise LimitExceeded(f"A managed policy can have up to {VERSIONS_PER_POLICY} versions. "
                            "Before you create a new version, you must delete an existing "
                            "version.")
    version_id = f"v{row.next_version}"
    tx.conn.execute(s.policy_versions.insert().values(
        policy_id=row.id, version_id=version_id, document=text, created_at=tx.now))
    values: dict[str, Any] = {"next_version": row.next_version + 1, "updated_at": tx.now}
    if set_as_default:
        values["default_version"] = version_id
    tx.conn.execute(update(s.policies).where(s.policies.c.id == row.id).values(**values))
    return {"PolicyVersion": PolicyVersion(text, version_id, bool(set_as_default), tx.now)}


def get_policy_version(tx: Tx, policy_arn: str, version_id: str) -> dict[str, Any]:
    policy = policy_row(tx.conn, tx.account_id, policy_arn)
    v = _version_row(tx, policy, version_id)
    return {"PolicyVersion": PolicyVersion(v.document, v.version_id,
                                           v.version_id == policy.default_version, v.created_at)}


def list_policy_versions(tx: Tx, policy_arn: str, marker: str | None = None,
                         max_items: int | None = None) -> dict[str, Any]:
    policy = policy_row(tx.conn, tx.account_id, policy_arn)
    rows = tx.conn.execute(select(s.policy_versions)
                           .where(s.policy_versions.c.policy_id == policy.id)
                           .order_by(s.policy_versions.c.id.desc())).all()
    # ListPolicyVersions returns no documents.
    items = [{"VersionId": r.version_id, "IsDefaultVersion": r.version_id ==
              policy.default_version, "CreateDate": r.created_at} for r in rows]
    return page(items, "Versions", marker, max_items)


def versions_of(tx: Tx, policy: Any) -> list[dict[str, Any]]:
    """Every version with its document (for GetAccountAuthorizationDetails)."""
    rows = tx.conn.execute(select(s.policy_versions)
                           .where(s.policy_versions.c.policy_id == policy.id)
                           .order_by(s.policy_versions.c.id.desc())).all()
    return [{"Document": PolicyText(r.document), "VersionId": r.version_id,
             "IsDefaultVersion": r.version_id == policy.default_version,
             "CreateDate": r.created_at} for r in rows]


def delete_policy_version(tx: Tx, policy_arn: str, version_id: str) -> dict[str, Any]:
    policy = _customer(tx, policy_arn)
    set_target(tx, policy.arn)
    _version_row(tx, policy, version_id)
    if version_id == policy.default_version:
        raise DeleteConflict("Cannot delete the default version of a policy.")
    tx.conn.execute(delete(s.policy_versions).where(
        s.policy_versions.c.policy_id == policy.id,
        s.policy_versions.c.version_id == version_id))
    return {}


def set_default_policy_version(tx: Tx, policy_arn: str, version_id: str) -> dict[str, Any]:
    policy = _customer(tx, policy_arn)
    set_target(tx, policy.arn)
    _version_row(tx, policy, version_id)
    tx.conn.execute(update(s.policies).where(s.policies.c.id == policy.id)
                    .values(default_version=version_id, updated_at=tx.now))
    return {}


# -- attachments ---------------------------------------------------------------------------------

_OWNERS: dict[str, tuple[str, int, str]] = {
    "user": ("user_id", POLICIES_PER_USER, "PoliciesPerUser"),
    "group": ("group_id", POLICIES_PER_GROUP, "PoliciesPerGroup"),
    "role": ("role_id", POLICIES_PER_ROLE, "PoliciesPerRole"),
}


def _attach(tx: Tx, kind: str, name: str, policy_arn: str) -> dict[str, Any]:
    column, limit, quota_name = _OWNERS[kind]
    owner = owner_row(tx.conn, tx.account_id, kind, name)
    set_target(tx, ids.arn(tx.account_id, kind, owner.path, owner.name))
    policy = policy_row(tx.conn, tx.account_id, policy_arn, attaching=True)
    if not policy.is_attachable:
        raise PolicyNotAttachable(f"Policy {policy_arn} is not attachable.")
    col = s.attachments.c[column]
    if tx.conn.execute(select(s.attachments.c.id).where(
            col == owner.id, s.attachments.c.policy_id == policy.id)).first() is not None:
        return {}
    check_count(tx.conn, s.attachments, limit, quota_name, col == owner.id)
    tx.conn.execute(s.attachments.insert().values(
        account_id=tx.account_id, policy_id=policy.id, **{column: owner.id}))
    return {}


def _detach(tx: Tx, kind: str, name: str, policy_arn: str) -> dict[str, Any]:
    column, _, _ = _OWNERS[kind]
    owner = owner_row(tx.conn, tx.account_id, kind, name)
    set_target(tx, ids.arn(tx.account_id, kind, owner.path, owner.name))
    policy = policy_row(tx.conn, tx.account_id, policy_arn)
    gone = tx.conn.execute(delete(s.attachments).where(
        s.attachments.c[column] == owner.id, s.attachments.c.policy_id == policy.id)).rowcount
    if not gone:
        raise NoSuchEntity(f"Policy {policy_arn} was not found.")
    return {}


def _attached(tx: Tx, column: str, owner_id: str, order: Any) -> list[Any]:
    """Name, ARN and path of the managed policies attached to an owner, in ``order``."""
    return list(tx.conn.execute(
        select(s.policies.c.name, s.policies.c.arn, s.policies.c.path)
        .join(s.attachments, s.attachments.c.policy_id == s.policies.c.id)
        .where(s.attachments.c[column] == owner_id).order_by(order)
    ).all())


def attached_policies(tx: Tx, column: str, owner_id: str) -> list[AttachedPolicy]:
    """In the order of attachment, as GetAccountAuthorizationDetails lists them."""
    rows = _attached(tx, column, owner_id, s.attachments.c.id)
    return [AttachedPolicy(r.name, r.arn) for r in rows]


def _list_attached(tx: Tx, kind: str, name: str, path_prefix: str | None, marker: str | None,
                   max_items: int | None) -> dict[str, Any]:
    column, _, _ = _OWNERS[kind]
    owner = owner_row(tx.conn, tx.account_id, kind, name)
    prefix = path_filter(path_prefix)
    rows = _attached(tx, column, owner.id, func.lower(s.policies.c.name))
    items = [AttachedPolicy(r.name, r.arn) for r in rows if r.path.startswith(prefix)]
    return page(items, "AttachedPolicies", marker, max_items)


def attach_user_policy(tx: Tx, user_name: str, policy_arn: str) -> dict[str, Any]:
    return _attach(tx, "user", user_name, policy_arn)


def attach_group_policy(tx: Tx, group_name: str, policy_arn: str) -> dict[str, Any]:
    return _attach(tx, "group", group_name, policy_arn)


def attach_role_policy(tx: Tx, role_name: str, policy_arn: str) -> dict[str, Any]:
    return _attach(tx, "role", role_name, policy_arn)


def detach_user_policy(tx: Tx, user_name: str, policy_arn: str) -> dict[str, Any]:
    return _detach(tx, "user", user_name, policy_arn)


def detach_group_policy(tx: Tx, group_name: str, policy_arn: str) -> dict[str, Any]:
    return _detach(tx, "group", group_name, policy_arn)


def detach_role_policy(tx: Tx, role_name: str, policy_arn: str) -> dict[str, Any]:
    return _detach(tx, "role", role_name, policy_arn)


def list_attached_user_policies(tx: Tx, user_name: str, path_prefix: str | None = None,
                                marker: str | None = None, max_items: int | None = None,
                                ) -> dict[str, Any]:
    return _list_attached(tx, "user", user_name, path_prefix, marker, max_items)


def list_attached_group_policies(tx: Tx, group_name: str, path_prefix: str | None = None,
                                 marker: str | None = None, max_items: int | None = None,
                                 ) -> dict[str, Any]:
    return _list_attached(tx, "group", group_name, path_prefix, marker, max_items)


def list_attached_role_policies(tx: Tx, role_name: str, path_prefix: str | None = None,
                                marker: str | None = None, max_items: int | None = None,
                                ) -> dict[str, Any]:
    return _list_attached(tx, "role", role_name, path_prefix, marker, max_items)


def list_entities_for_policy(tx: Tx, policy_arn: str, entity_filter: str | None = None,
                             path_prefix: str | None = None,
                             policy_usage_filter: str | None = None, marker: str | None = None,
                             max_items: int | None = None) -> dict[str, Any]:
    policy = policy_row(tx.conn, tx.account_id, policy_arn)
    prefix = path_filter(path_prefix)
    entities: list[tuple[str, dict[str, str]]] = []
    for kind, table, key in (("Group", s.groups, "Group"), ("User", s.users, "User"),
                             ("Role", s.roles, "Role")):
        if entity_filter not in (None, kind):
            continue
        column = s.attachments.c[f"{kind.lower()}_id"]
        found: list[Any] = []
        if policy_usage_filter in (None, "PermissionsPolicy"):
            found += tx.conn.execute(select(table).join(s.attachments, column == table.c.id)
                                     .where(s.attachments.c.policy_id == policy.id,
                                            table.c.account_id == tx.account_id)).all()
        if policy_usage_filter in (None, "PermissionsBoundary") and kind != "Group":
            found += tx.conn.execute(select(table).where(
                table.c.boundary_policy_id == policy.id,
                table.c.account_id == tx.account_id)).all()
        seen: set[str] = set()
        for row in sorted(found, key=lambda r: r.name_lower):
            if row.id in seen or not row.path.startswith(prefix):
                continue
            seen.add(row.id)
            entities.append((kind, {f"{key}Name": row.name, f"{key}Id": row.id}))
    found_page = page(entities, "_", marker, max_items)
    out: dict[str, Any] = {"PolicyGroups": [], "PolicyUsers": [], "PolicyRoles": []}
    for kind, item in found_page.pop("_"):
        out[f"Policy{kind}s"].append(item)
    return {**out, **found_page}
