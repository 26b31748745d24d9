"""IAM users: create, read, rename, delete, list, and their permissions boundary.

A user can be deleted only when nothing hangs off it any more (a console password, access keys,
MFA devices, inline and attached policies, group memberships, SSH public keys, service-specific
credentials): IAM refuses with ``DeleteConflict`` and names the first kind of dependent it finds,
so that the caller knows what to remove.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from a2c_iam.store import schema as s

from . import ids
from .common import USERS_PER_ACCOUNT, check_new, page, rows_under, set_target
from .entities import listed_user, policy_row, to_user, user_row
from .errors import ValidationError
from .ids import Prefix
from .tags import as_tags, put_tags
from .tx import Tx
from .updates import delete_boundary, delete_principal, put_boundary, rename

#: What must go before a user can be deleted, in the order IAM looks (its DeleteConflict texts).
_DEPENDENTS = (
    (s.login_profiles, "Cannot delete entity, must delete login profile first."),
    (s.access_keys, "Cannot delete entity, must delete access keys first."),
    # Signing certificates: the text users report from IAM; placed after access keys as the
    # DeleteUser reference lists them (IAM's order of checks is not known).
    (s.signing_certificates, "Cannot delete entity, must delete certificates first."),
    (s.mfa_devices, "Cannot delete entity, must delete MFA device first."),
    (s.inline_policies, "Cannot delete entity, must delete policies first."),
    (s.attachments, "Cannot delete entity, must detach all policies first."),
    (s.group_members, "Cannot delete entity, must remove users from group first."),
    # SSH public keys and service-specific credentials: IAM's generic text for them (as
    # reported by tools that delete users, e.g. aws-nuke), last as their place is not known.
    (s.ssh_public_keys, "Cannot delete entity, must remove referenced objects first."),
    (s.service_specific_credentials, "Cannot delete entity, must remove referenced objects first."),
)


def create_user(tx: Tx, user_name: str, path: str | None = None,
                permissions_boundary: str | None = None, tags: Any = None) -> dict[str, Any]:
    conn = tx.conn
    path = path or "/"
    check_new(conn, s.users, tx.account_id, user_name,
              f"User with name {user_name} already exists.", USERS_PER_ACCOUNT, "UsersPerAccount")
    boundary_id = None
    if permissions_boundary is not None:
        boundary_id = policy_row(conn, tx.account_id, permissions_boundary, attaching=True).id
    user_id = ids.unique_id(Prefix.USER)
    conn.execute(s.users.insert().values(
        id=user_id, account_id=tx.account_id, name=user_name, name_lower=user_name.lower(),
        path=path, created_at=tx.now, boundary_policy_id=boundary_id,
    ))
    put_tags(tx, user_id, as_tags(tags), "User")
    row = user_row(conn, tx.account_id, user_name)
    user = to_user(conn, row)
    set_target(tx, user.arn)
    return {"User": user}


def caller_user_name(tx: Tx, user_name: str | None) -> str | None:
    """The user an operation is about: the one named, else the calling user (None for root)."""
    if user_name is not None:
        return user_name
    caller = tx.ctx.caller
    if caller is None or caller.kind == "root":
        return None
    if caller.kind == "user":
        return caller.name
    raise ValidationError("Must specify userName when calling with non-User credentials")


def named_user(tx: Tx, user_name: str) -> tuple[Any, str]:
    """The user an operation names: (its row, its ARN, the operation's target)."""
    row = user_row(tx.conn, tx.account_id, user_name)
    return row, ids.arn(tx.account_id, "user", row.path, row.name)


def credential_owner_row(tx: Tx, user_name: str | None) -> tuple[Any | None, str]:
    """Whose credentials an operation is about (the user named, else the caller): (the user's
    row, None for the root user; the target ARN)."""
    name = caller_user_name(tx, user_name)
    if name is None:
        return None, ids.root_arn(tx.account_id)
    return named_user(tx, name)


def credential_owner(tx: Tx, user_name: str | None) -> tuple[str | None, str, str]:
    """Whose credentials (access keys, signing certificates) an operation is about: (the user's
    id, None for the root user; the name IAM reports, the account id for root; the target
    ARN)."""
    row, arn = credential_owner_row(tx, user_name)
    if row is None:
        return None, tx.account_id, arn
    return row.id, row.name, arn


def get_user(tx: Tx, user_name: str | None = None) -> dict[str, Any]:
    name = caller_user_name(tx, user_name)
    if name is None:
        account = tx.conn.execute(
            select(s.accounts.c.created_at).where(s.accounts.c.id == tx.account_id)
        ).scalar_one()
        return {"User": {"UserId": tx.account_id, "Arn": ids.root_arn(tx.account_id),
                         "CreateDate": account}}
    return {"User": to_user(tx.conn, user_row(tx.conn, tx.account_id, name))}


def list_users(tx: Tx, path_prefix: str | None = None, marker: str | None = None,
               max_items: int | None = None) -> dict[str, Any]:
    # ListUsers does not return tags or boundaries (IAM documents both as GetUser-only).
    users = [listed_user(r) for r in rows_under(tx, s.users, path_prefix)]
    return page(users, "Users", marker, max_items)


def update_user(tx: Tx, user_name: str, new_path: str | None = None,
                new_user_name: str | None = None) -> dict[str, Any]:
    return rename(tx, "user", user_name, new_path, new_user_name)


def delete_user(tx: Tx, user_name: str) -> dict[str, Any]:
    return delete_principal(tx, "user", user_name, _DEPENDENTS)


def put_user_permissions_boundary(tx: Tx, user_name: str, permissions_boundary: str,
                                  ) -> dict[str, Any]:
    return put_boundary(tx, "user", user_name, permissions_boundary)


def delete_user_permissions_boundary(tx: Tx, user_name: str) -> dict[str, Any]:
    return delete_boundary(tx, "user", user_name)
