"""IAM users: create, read, rename, delete, list, and their permissions boundary.

A user can be deleted only when nothing hangs off it any more (access keys, group memberships,
attached and inline policies): IAM refuses with ``DeleteConflict`` and names the first kind of
dependent it finds, so that the caller knows what to remove.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from a2c_iam.store import schema as s

from . import ids
from .common import USERS_PER_ACCOUNT, check_count, count, name_taken, page, set_target
from .entities import policy_row, to_user, user_row
from .errors import DeleteConflict, EntityAlreadyExists, NoSuchEntity, ValidationError
from .ids import Prefix
from .model import User
from .tags import as_tags, put_tags
from .tx import Tx, path_filter


def create_user(tx: Tx, user_name: str, path: str | None = None,
                permissions_boundary: str | None = None, tags: Any = None) -> dict[str, Any]:
    conn = tx.conn
    path = path or "/"
    if name_taken(conn, s.users, tx.account_id, user_name):
        raise EntityAlreadyExists(f"User with name {user_name} already exists.")
    check_count(conn, s.users, USERS_PER_ACCOUNT, "UsersPerAccount",
                s.users.c.account_id == tx.account_id)
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
    prefix = path_filter(path_prefix)
    rows = tx.conn.execute(
        select(s.users).where(s.users.c.account_id == tx.account_id)
        .order_by(s.users.c.name_lower)
    ).all()
    # ListUsers does not return tags or boundaries (IAM documents both as GetUser-only).
    users = [User(r.id, r.account_id, r.name, r.path, ids.arn(r.account_id, "user", r.path, r.name),
                  r.created_at) for r in rows if r.path.startswith(prefix)]
    return page(users, "Users", marker, max_items)


def update_user(tx: Tx, user_name: str, new_path: str | None = None,
                new_user_name: str | None = None) -> dict[str, Any]:
    row = user_row(tx.conn, tx.account_id, user_name)
    values: dict[str, Any] = {}
    if new_user_name is not None and new_user_name != row.name:
        if new_user_name.lower() != row.name_lower and name_taken(
            tx.conn, s.users, tx.account_id, new_user_name
        ):
            raise EntityAlreadyExists(f"User with name {new_user_name} already exists.")
        values.update(name=new_user_name, name_lower=new_user_name.lower())
    if new_path is not None:
        values["path"] = new_path
    if values:
        tx.conn.execute(update(s.users).where(s.users.c.id == row.id).values(**values))
    set_target(tx, ids.arn(tx.account_id, "user", row.path, row.name))
    return {}


def delete_user(tx: Tx, user_name: str) -> dict[str, Any]:
    conn = tx.conn
    row = user_row(conn, tx.account_id, user_name)
    set_target(tx, ids.arn(tx.account_id, "user", row.path, row.name))
    if count(conn, s.access_keys, s.access_keys.c.user_id == row.id):
        raise DeleteConflict("Cannot delete entity, must delete access keys first.")
    if count(conn, s.inline_policies, s.inline_policies.c.user_id == row.id):
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    if count(conn, s.attachments, s.attachments.c.user_id == row.id):
        raise DeleteConflict("Cannot delete entity, must detach all policies first.")
    if count(conn, s.group_members, s.group_members.c.user_id == row.id):
        raise DeleteConflict("Cannot delete entity, must remove users from group first.")
    conn.execute(delete(s.sessions).where(s.sessions.c.user_id == row.id))
    conn.execute(delete(s.tags).where(s.tags.c.resource_id == row.id))
    conn.execute(delete(s.users).where(s.users.c.id == row.id))
    return {}


def put_user_permissions_boundary(tx: Tx, user_name: str, permissions_boundary: str,
                                  ) -> dict[str, Any]:
    row = user_row(tx.conn, tx.account_id, user_name)
    policy = policy_row(tx.conn, tx.account_id, permissions_boundary, attaching=True)
    tx.conn.execute(update(s.users).where(s.users.c.id == row.id)
                    .values(boundary_policy_id=policy.id))
    set_target(tx, ids.arn(tx.account_id, "user", row.path, row.name))
    return {}


def delete_user_permissions_boundary(tx: Tx, user_name: str) -> dict[str, Any]:
    row = user_row(tx.conn, tx.account_id, user_name)
    if row.boundary_policy_id is None:
        raise NoSuchEntity(f"The user with name {user_name} does not have a permissions "
                           "boundary.")
    tx.conn.execute(update(s.users).where(s.users.c.id == row.id).values(boundary_policy_id=None))
    set_target(tx, ids.arn(tx.account_id, "user", row.path, row.name))
    return {}
