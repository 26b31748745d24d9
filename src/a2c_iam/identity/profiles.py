"""Instance profiles: containers for one role each, handed to EC2 instances."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select, update

from a2c_iam.store import schema as s

from . import ids
from .common import (
    INSTANCE_PROFILES_PER_ACCOUNT,
    ROLES_PER_INSTANCE_PROFILE,
    check_new,
    page,
    quota,
    rows_under,
    set_target,
)
from .entities import profile_row, role_row, to_profile
from .errors import DeleteConflict, NoSuchEntity
from .ids import Prefix
from .tags import as_tags, put_tags
from .tx import Tx


def create_instance_profile(tx: Tx, instance_profile_name: str, path: str | None = None,
                            tags: Any = None) -> dict[str, Any]:
    check_new(tx.conn, s.instance_profiles, tx.account_id, instance_profile_name,
              f"Instance Profile {instance_profile_name} already exists.",
              INSTANCE_PROFILES_PER_ACCOUNT, "InstanceProfilesPerAccount")
    profile_id = ids.unique_id(Prefix.INSTANCE_PROFILE)
    tx.conn.execute(s.instance_profiles.insert().values(
        id=profile_id, account_id=tx.account_id, name=instance_profile_name,
        name_lower=instance_profile_name.lower(), path=path or "/", created_at=tx.now))
    put_tags(tx, profile_id, as_tags(tags), "InstanceProfile")
    profile = to_profile(tx.conn, profile_row(tx.conn, tx.account_id, instance_profile_name))
    set_target(tx, profile.arn)
    return {"InstanceProfile": profile}


def get_instance_profile(tx: Tx, instance_profile_name: str) -> dict[str, Any]:
    row = profile_row(tx.conn, tx.account_id, instance_profile_name)
    return {"InstanceProfile": to_profile(tx.conn, row)}


def delete_instance_profile(tx: Tx, instance_profile_name: str) -> dict[str, Any]:
    row = profile_row(tx.conn, tx.account_id, instance_profile_name)
    set_target(tx, ids.arn(tx.account_id, "instance-profile", row.path, row.name))
    if row.role_id is not None:
        raise DeleteConflict("Cannot delete entity, must remove roles from instance profile "
                             "first.")
    tx.conn.execute(delete(s.tags).where(s.tags.c.resource_id == row.id))
    tx.conn.execute(delete(s.instance_profiles).where(s.instance_profiles.c.id == row.id))
    return {}


def _profile_and_role(tx: Tx, profile_name: str, role_name: str) -> tuple[Any, Any]:
    """Both rows of {Add,Remove}RoleToInstanceProfile, the profile named as the target."""
    row = profile_row(tx.conn, tx.account_id, profile_name)
    role = role_row(tx.conn, tx.account_id, role_name)
    set_target(tx, ids.arn(tx.account_id, "instance-profile", row.path, row.name))
    return row, role


def _set_role(tx: Tx, profile_id: str, role_id: str | None) -> None:
    tx.conn.execute(update(s.instance_profiles).where(s.instance_profiles.c.id == profile_id)
                    .values(role_id=role_id))


def add_role_to_instance_profile(tx: Tx, instance_profile_name: str, role_name: str,
                                 ) -> dict[str, Any]:
    row, role = _profile_and_role(tx, instance_profile_name, role_name)
    if row.role_id is not None:
        raise quota("InstanceSessionsPerInstanceProfile", ROLES_PER_INSTANCE_PROFILE)
    _set_role(tx, row.id, role.id)
    return {}


def remove_role_from_instance_profile(tx: Tx, instance_profile_name: str, role_name: str,
                                      ) -> dict[str, Any]:
    row, role = _profile_and_role(tx, instance_profile_name, role_name)
    if row.role_id != role.id:
        raise NoSuchEntity(f"The role with name {role_name} cannot be found.")
    _set_role(tx, row.id, None)
    return {}


def list_instance_profiles(tx: Tx, path_prefix: str | None = None, marker: str | None = None,
                           max_items: int | None = None) -> dict[str, Any]:
    rows = rows_under(tx, s.instance_profiles, path_prefix)
    items = [to_profile(tx.conn, r, with_tags=False) for r in rows]
    return page(items, "InstanceProfiles", marker, max_items)


def profiles_of_role(tx: Tx, role_id: str) -> list[Any]:
    rows = tx.conn.execute(select(s.instance_profiles)
                           .where(s.instance_profiles.c.role_id == role_id)
                           .order_by(s.instance_profiles.c.name_lower)).all()
    return [to_profile(tx.conn, r, with_tags=False) for r in rows]


def list_instance_profiles_for_role(tx: Tx, role_name: str, marker: str | None = None,
                                    max_items: int | None = None) -> dict[str, Any]:
    role = role_row(tx.conn, tx.account_id, role_name)
    return page(profiles_of_role(tx, role.id), "InstanceProfiles", marker, max_items)
