"""Finding entities by name or ARN, and turning rows into the values of ``model``.

Names of users, groups, roles, instance profiles and policies are looked up case-insensitively
(``name_lower``), the way IAM compares them; the value returned carries the name as created.
The "not found" messages are IAM's.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection, Row

from a2c_iam.store import schema as s

from . import ids
from .errors import NoSuchEntity
from .model import Group, InstanceProfile, ManagedPolicy, Role, User
from .tags import get_tags

RowT = Row[Any]


def _named_row(conn: Connection, table: Table, account_id: str, name: str, missing: str) -> RowT:
    """The row of ``table`` in the account whose name is ``name`` in any case, else ``missing``."""
    row = conn.execute(
        select(table).where(table.c.account_id == account_id, table.c.name_lower == name.lower())
    ).first()
    if row is None:
        raise NoSuchEntity(missing)
    return row


def user_row(conn: Connection, account_id: str, name: str) -> RowT:
    return _named_row(conn, s.users, account_id, name, f"The user with name {name} cannot be found.")


def group_row(conn: Connection, account_id: str, name: str) -> RowT:
    return _named_row(conn, s.groups, account_id, name,
                      f"The group with name {name} cannot be found.")


def role_row(conn: Connection, account_id: str, name: str) -> RowT:
    return _named_row(conn, s.roles, account_id, name, f"The role with name {name} cannot be found.")


def profile_row(conn: Connection, account_id: str, name: str) -> RowT:
    return _named_row(conn, s.instance_profiles, account_id, name,
                      f"Instance Profile {name} cannot be found.")


_OWNER_ROWS = {"user": user_row, "group": group_row, "role": role_row}


def owner_row(conn: Connection, account_id: str, kind: str, name: str) -> RowT:
    """The user, group or role (``kind``, as in its ARN) that policies hang off."""
    return _OWNER_ROWS[kind](conn, account_id, name)


def find_policy(conn: Connection, account_id: str, arn: str) -> RowT | None:
    """The managed policy ``arn`` names, if this account can see it (its own, or AWS's)."""
    row = conn.execute(select(s.policies).where(s.policies.c.arn == arn)).first()
    if row is None or (row.account_id is not None and row.account_id != account_id):
        return None
    return row


def policy_row(conn: Connection, account_id: str, arn: str, *, attaching: bool = False) -> RowT:
    row = find_policy(conn, account_id, arn)
    if row is None:
        if attaching:
            raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
        raise NoSuchEntity(f"Policy {arn} was not found.")
    return row


def boundary_arn(conn: Connection, policy_id: str | None) -> str | None:
    if policy_id is None:
        return None
    found: str | None = conn.execute(
        select(s.policies.c.arn).where(s.policies.c.id == policy_id)
    ).scalar()
    return found


def listed_user(row: RowT) -> User:
    """A user as list calls show it: ListUsers and GetGroup return no tags and no boundary."""
    return User(row.id, row.account_id, row.name, row.path,
                ids.arn(row.account_id, "user", row.path, row.name), row.created_at)


def to_user(conn: Connection, row: RowT, *, with_tags: bool = True) -> User:
    return User(
        user_id=row.id, account_id=row.account_id, name=row.name, path=row.path,
        arn=ids.arn(row.account_id, "user", row.path, row.name), create_date=row.created_at,
        permissions_boundary_arn=boundary_arn(conn, row.boundary_policy_id),
        tags=get_tags(conn, row.id) if with_tags else (),
    )


def to_group(row: RowT) -> Group:
    return Group(
        group_id=row.id, account_id=row.account_id, name=row.name, path=row.path,
        arn=ids.arn(row.account_id, "group", row.path, row.name), create_date=row.created_at,
    )


def to_role(conn: Connection, row: RowT, *, with_tags: bool = True) -> Role:
    return Role(
        role_id=row.id, account_id=row.account_id, name=row.name, path=row.path,
        arn=ids.arn(row.account_id, "role", row.path, row.name), create_date=row.created_at,
        assume_role_policy_document=row.trust_policy, description=row.description,
        max_session_duration=row.max_session_duration,
        permissions_boundary_arn=boundary_arn(conn, row.boundary_policy_id),
        tags=get_tags(conn, row.id) if with_tags else (),
        last_used_date=row.last_used_at, last_used_region=row.last_used_region,
    )


def attachment_counts(conn: Connection, account_id: str, policy_id: str) -> tuple[int, int]:
    """How many entities of the account the policy is attached to, and bounds."""
    attached = conn.execute(
        select(func.count()).select_from(s.attachments).where(
            s.attachments.c.policy_id == policy_id, s.attachments.c.account_id == account_id
        )
    ).scalar_one()
    bounded = 0
    for table in (s.users, s.roles):
        bounded += conn.execute(
            select(func.count()).select_from(table).where(
                table.c.boundary_policy_id == policy_id, table.c.account_id == account_id
            )
        ).scalar_one()
    return int(attached), int(bounded)


def to_policy(conn: Connection, account_id: str, row: RowT, *, with_tags: bool = True) -> ManagedPolicy:
    attached, bounded = attachment_counts(conn, account_id, row.id)
    return ManagedPolicy(
        policy_id=row.id, name=row.name, path=row.path, arn=row.arn,
        default_version_id=row.default_version, attachment_count=attached,
        permissions_boundary_usage_count=bounded, is_attachable=row.is_attachable,
        description=row.description, create_date=row.created_at, update_date=row.updated_at,
        aws_managed=row.account_id is None,
        tags=get_tags(conn, row.id) if with_tags and row.account_id is not None else (),
    )


def roles_of_profile(conn: Connection, row: RowT) -> tuple[Role, ...]:
    if row.role_id is None:
        return ()
    role = conn.execute(select(s.roles).where(s.roles.c.id == row.role_id)).first()
    return () if role is None else (to_role(conn, role),)


def to_profile(conn: Connection, row: RowT, *, with_tags: bool = True) -> InstanceProfile:
    return InstanceProfile(
        profile_id=row.id, account_id=row.account_id, name=row.name, path=row.path,
        arn=ids.arn(row.account_id, "instance-profile", row.path, row.name),
        create_date=row.created_at, roles=roles_of_profile(conn, row),
        tags=get_tags(conn, row.id) if with_tags else (),
    )
