"""Access keys: at most two per user (and two for the root user), active or inactive.

The secret is generated here, encrypted under the master key (``secrets.Cipher``, associated data
``access-key:ID:secret``) and handed out once, in ``CreateAccessKey``'s answer; it is never
readable again. A key without a user is the account root's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from a2c_iam.store import schema as s

from . import ids
from .common import ACCESS_KEYS_PER_USER, check_count, check_status, page, set_target
from .errors import NoSuchEntity
from .model import AccessKey, AccessKeyMetadata
from .secrets import Cipher, SecretStr
from .tx import Tx
from .users import credential_owner


def secret_context(access_key_id: str) -> str:
    """The associated data of a key's encrypted secret (binds the ciphertext to its row)."""
    return f"access-key:{access_key_id}:secret"


def insert_key(tx: Tx, user_id: str | None, key: tuple[str, str] | None = None,
               now: datetime | None = None) -> tuple[str, SecretStr]:
    """Store a new active key (a given ``(id, secret)`` pair or a fresh one); its id and secret."""
    key_id, secret = key if key is not None else (ids.access_key_id(), ids.secret_access_key())
    tx.conn.execute(s.access_keys.insert().values(
        id=key_id, account_id=tx.account_id, user_id=user_id, status="Active",
        secret=tx.cipher.encrypt(secret, secret_context(key_id)), created_at=now or tx.now,
    ))
    return key_id, SecretStr(secret)


def decrypt_secret(cipher: Cipher, access_key_id: str, blob: bytes) -> SecretStr:
    return cipher.decrypt(blob, secret_context(access_key_id))


def _owner_filter(tx: Tx, user_id: str | None) -> Any:
    if user_id is None:
        return (s.access_keys.c.account_id == tx.account_id) & s.access_keys.c.user_id.is_(None)
    return s.access_keys.c.user_id == user_id


def create_access_key(tx: Tx, user_name: str | None = None) -> dict[str, Any]:
    user_id, name, arn = credential_owner(tx, user_name)
    set_target(tx, arn)
    check_count(tx.conn, s.access_keys, ACCESS_KEYS_PER_USER, "AccessKeysPerUser",
                _owner_filter(tx, user_id))
    key_id, secret = insert_key(tx, user_id)
    return {"AccessKey": AccessKey(name, key_id, "Active", tx.now, secret)}


def _key_row(tx: Tx, user_id: str | None, access_key_id: str) -> Any:
    row = tx.conn.execute(select(s.access_keys).where(
        s.access_keys.c.id == access_key_id, _owner_filter(tx, user_id))).first()
    if row is None:
        raise NoSuchEntity(f"The Access Key with id {access_key_id} cannot be found.")
    return row


def delete_access_key(tx: Tx, access_key_id: str, user_name: str | None = None,
                      ) -> dict[str, Any]:
    user_id, _, arn = credential_owner(tx, user_name)
    set_target(tx, arn)
    _key_row(tx, user_id, access_key_id)
    tx.conn.execute(delete(s.access_keys).where(s.access_keys.c.id == access_key_id))
    return {}


def update_access_key(tx: Tx, access_key_id: str, status: str, user_name: str | None = None,
                      ) -> dict[str, Any]:
    user_id, _, arn = credential_owner(tx, user_name)
    set_target(tx, arn)
    _key_row(tx, user_id, access_key_id)
    check_status(status, "an access key")
    tx.conn.execute(update(s.access_keys).where(s.access_keys.c.id == access_key_id)
                    .values(status=status))
    return {}


def list_access_keys(tx: Tx, user_name: str | None = None, marker: str | None = None,
                     max_items: int | None = None) -> dict[str, Any]:
    user_id, name, _ = credential_owner(tx, user_name)
    rows = tx.conn.execute(select(s.access_keys).where(_owner_filter(tx, user_id))
                           .order_by(s.access_keys.c.created_at, s.access_keys.c.id)).all()
    items = [AccessKeyMetadata(name, r.id, r.status, r.created_at) for r in rows]
    return page(items, "AccessKeyMetadata", marker, max_items)


def get_access_key_last_used(tx: Tx, access_key_id: str) -> dict[str, Any]:
    row = tx.conn.execute(select(s.access_keys).where(
        s.access_keys.c.id == access_key_id, s.access_keys.c.account_id == tx.account_id)).first()
    if row is None:
        raise NoSuchEntity(f"The Access Key with id {access_key_id} cannot be found.")
    name = tx.account_id
    if row.user_id is not None:
        name = tx.conn.execute(select(s.users.c.name).where(s.users.c.id == row.user_id)
                               ).scalar_one()
    used: dict[str, Any] = {"ServiceName": row.last_used_service or "N/A",
                            "Region": row.last_used_region or "N/A"}
    if row.last_used_at is not None:
        used["LastUsedDate"] = row.last_used_at
    return {"UserName": name, "AccessKeyLastUsed": used}
