"""Tag operations of users, roles, customer managed policies and instance profiles."""

from __future__ import annotations

from typing import Any

from . import ids
from .common import page, set_target
from .entities import policy_row, profile_row, role_row, user_row
from .errors import InvalidInput
from .tags import as_tags, get_tags, put_tags, remove_tags
from .tx import Tx


def _user(tx: Tx, name: str) -> tuple[str, str]:
    row = user_row(tx.conn, tx.account_id, name)
    return row.id, ids.arn(tx.account_id, "user", row.path, row.name)


def _role(tx: Tx, name: str) -> tuple[str, str]:
    row = role_row(tx.conn, tx.account_id, name)
    return row.id, ids.arn(tx.account_id, "role", row.path, row.name)


def _profile(tx: Tx, name: str) -> tuple[str, str]:
    row = profile_row(tx.conn, tx.account_id, name)
    return row.id, ids.arn(tx.account_id, "instance-profile", row.path, row.name)


def _policy(tx: Tx, arn: str) -> tuple[str, str]:
    row = policy_row(tx.conn, tx.account_id, arn)
    if row.account_id is None:
        raise InvalidInput(f"Policy {arn} is an AWS managed policy and cannot be tagged.")
    return row.id, row.arn


def _tag(tx: Tx, found: tuple[str, str], tags: Any, kind: str) -> dict[str, Any]:
    set_target(tx, found[1])
    put_tags(tx, found[0], as_tags(tags), kind)
    return {}


def _untag(tx: Tx, found: tuple[str, str], tag_keys: list[str]) -> dict[str, Any]:
    set_target(tx, found[1])
    remove_tags(tx, found[0], tag_keys)
    return {}


def _list(tx: Tx, found: tuple[str, str], marker: str | None, max_items: int | None,
          ) -> dict[str, Any]:
    return page(list(get_tags(tx.conn, found[0])), "Tags", marker, max_items)


def tag_user(tx: Tx, user_name: str, tags: Any) -> dict[str, Any]:
    return _tag(tx, _user(tx, user_name), tags, "User")


def untag_user(tx: Tx, user_name: str, tag_keys: list[str]) -> dict[str, Any]:
    return _untag(tx, _user(tx, user_name), tag_keys)


def list_user_tags(tx: Tx, user_name: str, marker: str | None = None,
                   max_items: int | None = None) -> dict[str, Any]:
    return _list(tx, _user(tx, user_name), marker, max_items)


def tag_role(tx: Tx, role_name: str, tags: Any) -> dict[str, Any]:
    return _tag(tx, _role(tx, role_name), tags, "Role")


def untag_role(tx: Tx, role_name: str, tag_keys: list[str]) -> dict[str, Any]:
    return _untag(tx, _role(tx, role_name), tag_keys)


def list_role_tags(tx: Tx, role_name: str, marker: str | None = None,
                   max_items: int | None = None) -> dict[str, Any]:
    return _list(tx, _role(tx, role_name), marker, max_items)


def tag_policy(tx: Tx, policy_arn: str, tags: Any) -> dict[str, Any]:
    return _tag(tx, _policy(tx, policy_arn), tags, "Policy")


def untag_policy(tx: Tx, policy_arn: str, tag_keys: list[str]) -> dict[str, Any]:
    return _untag(tx, _policy(tx, policy_arn), tag_keys)


def list_policy_tags(tx: Tx, policy_arn: str, marker: str | None = None,
                     max_items: int | None = None) -> dict[str, Any]:
    return _list(tx, _policy(tx, policy_arn), marker, max_items)


def tag_instance_profile(tx: Tx, instance_profile_name: str, tags: Any) -> dict[str, Any]:
    return _tag(tx, _profile(tx, instance_profile_name), tags, "InstanceProfile")


def untag_instance_profile(tx: Tx, instance_profile_name: str, tag_keys: list[str],
                           ) -> dict[str, Any]:
    return _untag(tx, _profile(tx, instance_profile_name), tag_keys)


def list_instance_profile_tags(tx: Tx, instance_profile_name: str, marker: str | None = None,
                               max_items: int | None = None) -> dict[str, Any]:
    return _list(tx, _profile(tx, instance_profile_name), marker, max_items)
