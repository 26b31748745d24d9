"""IAM roles: trust policy, description, maximum session duration, permissions boundary.

A role's trust policy is validated as a trust policy (it must name a principal and may grant only
the STS actions a trust policy can grant) within the ``ACLSizePerRole`` quota (2,048 characters).
A role still in an instance profile, or with policies, cannot be deleted.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from a2c_iam.policy import PolicyKind
from a2c_iam.store import schema as s

from . import ids
from .common import (
    ROLES_PER_ACCOUNT,
    TRUST_POLICY_SIZE,
    check_new,
    document,
    page,
    rows_under,
    set_target,
)
from .entities import policy_row, role_row, to_role
from .ids import Prefix
from .model import Role
from .tags import as_tags, put_tags
from .tx import Tx
from .updates import delete_boundary, delete_principal, put_boundary

DEFAULT_MAX_SESSION = 3600
#: What must go before a role can be deleted, in the order IAM looks (its DeleteConflict texts).
_DEPENDENTS = (
    (s.instance_profiles, "Cannot delete entity, must remove roles from instance profile first."),
    (s.inline_policies, "Cannot delete entity, must delete policies first."),
    (s.attachments, "Cannot delete entity, must detach all policies first."),
)


def trust_document(text: Any) -> str:
    return document(text, PolicyKind.TRUST, TRUST_POLICY_SIZE, "ACLSizePerRole")


def create_role(tx: Tx, role_name: str, assume_role_policy_document: str,
                path: str | None = None, description: str | None = None,
                max_session_duration: int | None = None, permissions_boundary: str | None = None,
                tags: Any = None) -> dict[str, Any]:
    conn = tx.conn
    path = path or "/"
    trust = trust_document(assume_role_policy_document)
    check_new(conn, s.roles, tx.account_id, role_name,
              f"Role with name {role_name} already exists.", ROLES_PER_ACCOUNT, "RolesPerAccount")
    boundary_id = None
    if permissions_boundary is not None:
        boundary_id = policy_row(conn, tx.account_id, permissions_boundary, attaching=True).id
    role_id = ids.unique_id(Prefix.ROLE)
    conn.execute(s.roles.insert().values(
        id=role_id, account_id=tx.account_id, name=role_name, name_lower=role_name.lower(),
        path=path, created_at=tx.now, trust_policy=trust, description=description,
        max_session_duration=max_session_duration or DEFAULT_MAX_SESSION,
        boundary_policy_id=boundary_id,
    ))
    put_tags(tx, role_id, as_tags(tags), "Role")
    role = to_role(conn, role_row(conn, tx.account_id, role_name))
    set_target(tx, role.arn)
    return {"Role": role}


def get_role(tx: Tx, role_name: str) -> dict[str, Any]:
    return {"Role": to_role(tx.conn, role_row(tx.conn, tx.account_id, role_name))}


def list_roles(tx: Tx, path_prefix: str | None = None, marker: str | None = None,
               max_items: int | None = None) -> dict[str, Any]:
    # ListRoles leaves out tags, boundaries and last use (GetRole has them).
    roles = [Role(r.id, r.account_id, r.name, r.path, ids.arn(r.account_id, "role", r.path,
                                                              r.name),
                  r.created_at, r.trust_policy, r.description, r.max_session_duration)
             for r in rows_under(tx, s.roles, path_prefix)]
    return page(roles, "Roles", marker, max_items)


def update_role(tx: Tx, role_name: str, description: str | None = None,
                max_session_duration: int | None = None) -> dict[str, Any]:
    row = role_row(tx.conn, tx.account_id, role_name)
    set_target(tx, ids.arn(tx.account_id, "role", row.path, row.name))
    values: dict[str, Any] = {}
    if description is not None:
        values["description"] = description
    if max_session_duration is not None:
        values["max_session_duration"] = max_session_duration
    if values:
        tx.conn.execute(update(s.roles).where(s.roles.c.id == row.id).values(**values))
    return {}


def update_role_description(tx: Tx, role_name: str, description: str) -> dict[str, Any]:
    update_role(tx, role_name, description=description)
    return {"Role": to_role(tx.conn, role_row(tx.conn, tx.account_id, role_name))}


def update_assume_role_policy(tx: Tx, role_name: str, policy_document: str) -> dict[str, Any]:
    row = role_row(tx.conn, tx.account_id, role_name)
    set_target(tx, ids.arn(tx.account_id, "role", row.path, row.name))
    trust = trust_document(policy_document)
    tx.conn.execute(update(s.roles).where(s.roles.c.id == row.id).values(trust_policy=trust))
    return {}


def delete_role(tx: Tx, role_name: str) -> dict[str, Any]:
    return delete_principal(tx, "role", role_name, _DEPENDENTS)


def put_role_permissions_boundary(tx: Tx, role_name: str, permissions_boundary: str,
                                  ) -> dict[str, Any]:
    return put_boundary(tx, "role", role_name, permissions_boundary)


def delete_role_permissions_boundary(tx: Tx, role_name: str) -> dict[str, Any]:
    return delete_boundary(tx, "role", role_name)
