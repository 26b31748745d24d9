"""Changes that users, groups and roles share, written once over the entity's table.

UpdateUser and UpdateGroup rename and move an entity the same way; users and roles take and lose
a permissions boundary, and are deleted with their sessions and tags, the same way. The operations
themselves stay in ``users``, ``groups`` and ``roles`` (the service finds them there by name);
they hand the work to these functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, delete, select, update

from a2c_iam.store import schema as s

from . import ids
from .common import check_unused, name_taken, set_target
from .entities import owner_row, policy_row
from .errors import EntityAlreadyExists, NoSuchEntity
from .principal import delete_sessions
from .tx import Tx

_TABLES = {"user": s.users, "group": s.groups, "role": s.roles}


def rename(tx: Tx, kind: str, name: str, new_path: str | None, new_name: str | None,
           ) -> dict[str, Any]:
    """Update{User,Group}: a new name (unique in the account, in any case) and/or a new path."""
    table = _TABLES[kind]
    row = owner_row(tx.conn, tx.account_id, kind, name)
    values: dict[str, Any] = {}
    if new_name is not None and new_name != row.name:
        if new_name.lower() != row.name_lower and name_taken(
            tx.conn, table, tx.account_id, new_name
        ):
            raise EntityAlreadyExists(f"{kind.capitalize()} with name {new_name} already exists.")
        values.update(name=new_name, name_lower=new_name.lower())
    if new_path is not None:
        values["path"] = new_path
    if values:
        tx.conn.execute(update(table).where(table.c.id == row.id).values(**values))
    set_target(tx, ids.arn(tx.account_id, kind, row.path, row.name))
    return {}


def put_boundary(tx: Tx, kind: str, name: str, policy_arn: str) -> dict[str, Any]:
    """Put{User,Role}PermissionsBoundary: any managed policy the account can attach."""
    table = _TABLES[kind]
    row = owner_row(tx.conn, tx.account_id, kind, name)
    policy = policy_row(tx.conn, tx.account_id, policy_arn, attaching=True)
    tx.conn.execute(update(table).where(table.c.id == row.id).values(boundary_policy_id=policy.id))
    set_target(tx, ids.arn(tx.account_id, kind, row.path, row.name))
    return {}


def delete_boundary(tx: Tx, kind: str, name: str) -> dict[str, Any]:
    """Delete{User,Role}PermissionsBoundary: refused when there is none."""
    table = _TABLES[kind]
    row = owner_row(tx.conn, tx.account_id, kind, name)
    if row.boundary_policy_id is None:
        raise NoSuchEntity(f"The {kind} with name {name} does not have a permissions boundary.")
    tx.conn.execute(update(table).where(table.c.id == row.id).values(boundary_policy_id=None))
    set_target(tx, ids.arn(tx.account_id, kind, row.path, row.name))
    return {}


def delete_principal(tx: Tx, kind: str, name: str, dependents: Sequence[tuple[Table, str]],
                     ) -> dict[str, Any]:
    """Delete{User,Role}: refused while a ``dependents`` row names it (IAM's order and texts);
    its temporary credentials and tags go with it."""
    table, column = _TABLES[kind], f"{kind}_id"
    row = owner_row(tx.conn, tx.account_id, kind, name)
    set_target(tx, ids.arn(tx.account_id, kind, row.path, row.name))
    check_unused(tx.conn, column, row.id, dependents)
    delete_sessions(tx.conn, [sid for (sid,) in tx.conn.execute(
        select(s.sessions.c.id).where(s.sessions.c[column] == row.id))])
    tx.conn.execute(delete(s.tags).where(s.tags.c.resource_id == row.id))
    tx.conn.execute(delete(table).where(table.c.id == row.id))
    return {}
