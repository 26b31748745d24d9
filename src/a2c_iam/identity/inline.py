"""Inline policies of users, groups and roles.

IAM's size quota for inline policies is per principal, over all its inline policies together
(characters other than white space): 2,048 for a user, 5,120 for a group, 10,240 for a role.
Putting a policy under an existing name (case-insensitively) replaces it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select

from a2c_iam.policy import PolicyKind
from a2c_iam.store import schema as s

from . import ids
from .common import (
    GROUP_POLICY_SIZE,
    ROLE_POLICY_SIZE,
    USER_POLICY_SIZE,
    document,
    page,
    set_target,
    size,
)
from .entities import owner_row
from .errors import LimitExceeded, NoSuchEntity
from .model import PolicyText
from .tx import Tx

_KINDS: dict[str, tuple[str, int]] = {
    "user": ("user_id", USER_POLICY_SIZE),
    "group": ("group_id", GROUP_POLICY_SIZE),
    "role": ("role_id", ROLE_POLICY_SIZE),
}


def _put(tx: Tx, kind: str, owner_name: str, policy_name: str, policy_document: Any) -> None:
    column, limit = _KINDS[kind]
    owner = owner_row(tx.conn, tx.account_id, kind, owner_name)
    set_target(tx, ids.arn(tx.account_id, kind, owner.path, owner.name))
    # The quota is on the principal's inline policies together, checked below with its text.
    text = document(policy_document, PolicyKind.IDENTITY, ROLE_POLICY_SIZE * 100)
    col = s.inline_policies.c[column]
    others = tx.conn.execute(
        select(func.coalesce(func.sum(s.inline_policies.c.size), 0)).where(
            col == owner.id, s.inline_policies.c.name_lower != policy_name.lower())
    ).scalar_one()
    if int(others) + size(text) > limit:
        raise LimitExceeded(f"Maximum policy size of {limit} bytes exceeded for {kind} "
                            f"{owner.name}")
    tx.conn.execute(delete(s.inline_policies).where(
        col == owner.id, s.inline_policies.c.name_lower == policy_name.lower()))
    tx.conn.execute(s.inline_policies.insert().values(
        account_id=tx.account_id, name=policy_name, name_lower=policy_name.lower(),
        document=text, size=size(text), **{column: owner.id}))


def _row(tx: Tx, kind: str, owner: Any, policy_name: str) -> Any:
    column, _ = _KINDS[kind]
    row = tx.conn.execute(select(s.inline_policies).where(
        s.inline_policies.c[column] == owner.id,
        s.inline_policies.c.name_lower == policy_name.lower())).first()
    if row is None:
        raise NoSuchEntity(f"The {kind} policy with name {policy_name} cannot be found.")
    return row


def _get(tx: Tx, kind: str, owner_name: str, policy_name: str) -> dict[str, Any]:
    owner = owner_row(tx.conn, tx.account_id, kind, owner_name)
    row = _row(tx, kind, owner, policy_name)
    key = kind.capitalize()
    return {f"{key}Name": owner.name, "PolicyName": row.name,
            "PolicyDocument": PolicyText(row.document)}


def _delete(tx: Tx, kind: str, owner_name: str, policy_name: str) -> dict[str, Any]:
    owner = owner_row(tx.conn, tx.account_id, kind, owner_name)
    set_target(tx, ids.arn(tx.account_id, kind, owner.path, owner.name))
    row = _row(tx, kind, owner, policy_name)
    tx.conn.execute(delete(s.inline_policies).where(s.inline_policies.c.id == row.id))
    return {}


def inline_of(tx: Tx, kind: str, owner_id: str) -> list[tuple[str, str]]:
    """(name, document) of every inline policy of an owner, in name order."""
    column, _ = _KINDS[kind]
    rows = tx.conn.execute(select(s.inline_policies.c.name, s.inline_policies.c.document)
                           .where(s.inline_policies.c[column] == owner_id)
                           .order_by(s.inline_policies.c.name_lower)).all()
    return [(r.name, r.document) for r in rows]


def _list(tx: Tx, kind: str, owner_name: str, marker: str | None, max_items: int | None,
          ) -> dict[str, Any]:
    owner = owner_row(tx.conn, tx.account_id, kind, owner_name)
    names = [name for name, _ in inline_of(tx, kind, owner.id)]
    return page(names, "PolicyNames", marker, max_items)


def put_user_policy(tx: Tx, user_name: str, policy_name: str, policy_document: str,
                    ) -> dict[str, Any]:
    _put(tx, "user", user_name, policy_name, policy_document)
    return {}


def put_group_policy(tx: Tx, group_name: str, policy_name: str, policy_document: str,
                     ) -> dict[str, Any]:
    _put(tx, "group", group_name, policy_name, policy_document)
    return {}


def put_role_policy(tx: Tx, role_name: str, policy_name: str, policy_document: str,
                    ) -> dict[str, Any]:
    _put(tx, "role", role_name, policy_name, policy_document)
    return {}


def get_user_policy(tx: Tx, user_name: str, policy_name: str) -> dict[str, Any]:
    return _get(tx, "user", user_name, policy_name)


def get_group_policy(tx: Tx, group_name: str, policy_name: str) -> dict[str, Any]:
    return _get(tx, "group", group_name, policy_name)


def get_role_policy(tx: Tx, role_name: str, policy_name: str) -> dict[str, Any]:
    return _get(tx, "role", role_name, policy_name)


def delete_user_policy(tx: Tx, user_name: str, policy_name: str) -> dict[str, Any]:
    return _delete(tx, "user", user_name, policy_name)


def delete_group_policy(tx: Tx, group_name: str, policy_name: str) -> dict[str, Any]:
    return _delete(tx, "group", group_name, policy_name)


def delete_role_policy(tx: Tx, role_name: str, policy_name: str) -> dict[str, Any]:
    return _delete(tx, "role", role_name, policy_name)


def list_user_policies(tx: Tx, user_name: str, marker: str | None = None,
                       max_items: int | None = None) -> dict[str, Any]:
    return _list(tx, "user", user_name, marker, max_items)


def list_group_policies(tx: Tx, group_name: str, marker: str | None = None,
                        max_items: int | None = None) -> dict[str, Any]:
    return _list(tx, "group", group_name, marker, max_items)


def list_role_policies(tx: Tx, role_name: str, marker: str | None = None,
                       max_items: int | None = None) -> dict[str, Any]:
    return _list(tx, "role", role_name, marker, max_items)
