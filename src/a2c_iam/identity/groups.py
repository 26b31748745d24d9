"""IAM groups and their members.

A user belongs to at most ten groups; a group with members, attached or inline policies cannot be
deleted (``DeleteConflict``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from a2c_iam.store import schema as s

from . import ids
from .common import (
    GROUPS_PER_ACCOUNT,
    GROUPS_PER_USER,
    check_count,
    check_new,
    check_unused,
    page,
    rows_under,
    set_target,
)
from .entities import group_row, listed_user, to_group, user_row
from .errors import NoSuchEntity
from .ids import Prefix
from .tx import Tx
from .updates import rename

#: What must go before a group can be deleted, in the order IAM looks (its DeleteConflict texts).
_DEPENDENTS = (
    (s.group_members, "Cannot delete entity, must remove users from group first."),
    (s.inline_policies, "Cannot delete entity, must delete policies first."),
    (s.attachments, "Cannot delete entity, must detach all policies first."),
)


def create_group(tx: Tx, group_name: str, path: str | None = None) -> dict[str, Any]:
    check_new(tx.conn, s.groups, tx.account_id, group_name,
              f"Group with name {group_name} already exists.", GROUPS_PER_ACCOUNT,
              "GroupsPerAccount")
    tx.conn.execute(s.groups.insert().values(
        id=ids.unique_id(Prefix.GROUP), account_id=tx.account_id, name=group_name,
        name_lower=group_name.lower(), path=path or "/", created_at=tx.now,
    ))
    group = to_group(group_row(tx.conn, tx.account_id, group_name))
    set_target(tx, group.arn)
    return {"Group": group}


def get_group(tx: Tx, group_name: str, marker: str | None = None,
              max_items: int | None = None) -> dict[str, Any]:
    row = group_row(tx.conn, tx.account_id, group_name)
    members = tx.conn.execute(
        select(s.users).join(s.group_members, s.group_members.c.user_id == s.users.c.id)
        .where(s.group_members.c.group_id == row.id).order_by(s.users.c.name_lower)
    ).all()
    out = page([listed_user(r) for r in members], "Users", marker, max_items)
    return {"Group": to_group(row), **out}


def list_groups(tx: Tx, path_prefix: str | None = None, marker: str | None = None,
                max_items: int | None = None) -> dict[str, Any]:
    rows = rows_under(tx, s.groups, path_prefix)
    return page([to_group(r) for r in rows], "Groups", marker, max_items)


def list_groups_for_user(tx: Tx, user_name: str, marker: str | None = None,
                         max_items: int | None = None) -> dict[str, Any]:
    user = user_row(tx.conn, tx.account_id, user_name)
    rows = tx.conn.execute(
        select(s.groups).join(s.group_members, s.group_members.c.group_id == s.groups.c.id)
        .where(s.group_members.c.user_id == user.id).order_by(s.groups.c.name_lower)
    ).all()
    return page([to_group(r) for r in rows], "Groups", marker, max_items)


def update_group(tx: Tx, group_name: str, new_path: str | None = None,
                 new_group_name: str | None = None) -> dict[str, Any]:
    return rename(tx, "group", group_name, new_path, new_group_name)


def delete_group(tx: Tx, group_name: str) -> dict[str, Any]:
    conn = tx.conn
    row = group_row(conn, tx.account_id, group_name)
    set_target(tx, ids.arn(tx.account_id, "group", row.path, row.name))
    check_unused(conn, "group_id", row.id, _DEPENDENTS)
    conn.execute(delete(s.groups).where(s.groups.c.id == row.id))
    return {}


def add_user_to_group(tx: Tx, group_name: str, user_name: str) -> dict[str, Any]:
    group = group_row(tx.conn, tx.account_id, group_name)
    user = user_row(tx.conn, tx.account_id, user_name)
    set_target(tx, ids.arn(tx.account_id, "group", group.path, group.name))
    already = tx.conn.execute(select(s.group_members.c.id).where(
        s.group_members.c.group_id == group.id, s.group_members.c.user_id == user.id)).first()
    if already is not None:
        return {}
    check_count(tx.conn, s.group_members, GROUPS_PER_USER, "GroupsPerUser",
                s.group_members.c.user_id == user.id)
    tx.conn.execute(s.group_members.insert().values(group_id=group.id, user_id=user.id))
    return {}


def remove_user_from_group(tx: Tx, group_name: str, user_name: str) -> dict[str, Any]:
    group = group_row(tx.conn, tx.account_id, group_name)
    user = user_row(tx.conn, tx.account_id, user_name)
    set_target(tx, ids.arn(tx.account_id, "group", group.path, group.name))
    gone = tx.conn.execute(delete(s.group_members).where(
        s.group_members.c.group_id == group.id, s.group_members.c.user_id == user.id)).rowcount
    if not gone:
        raise NoSuchEntity(f"User {user_name} is not in group {group_name}.")
    return {}
