"""Tags on users, roles, customer managed policies and instance profiles.

IAM's rules: at most 50 tags per entity; keys are unique case-insensitively, and a tag whose key
differs only in case from an existing one replaces it ("you cannot have separate Department and
department tag keys"); a request naming the same key twice is refused. Key and value patterns
and lengths come from botocore's model (``tagKeyType``, ``tagValueType``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.engine import Connection

from a2c_iam.store import schema as s

from .errors import InvalidInput, LimitExceeded
from .model import Tag
from .tx import Tx

MAX_TAGS = 50


def as_tags(tags: Iterable[Tag | Mapping[str, str] | tuple[str, str]] | None) -> tuple[Tag, ...]:
    """Tags from ``Tag`` values, ``{"Key": …, "Value": …}`` mappings or ``(key, value)`` pairs."""
    out: list[Tag] = []
    for t in tags or ():
        if isinstance(t, Tag):
            out.append(t)
        elif isinstance(t, Mapping):
            out.append(Tag(str(t["Key"]), str(t.get("Value", ""))))
        else:
            out.append(Tag(str(t[0]), str(t[1])))
    return tuple(out)


def aws_tags(tags: Sequence[Tag]) -> list[dict[str, str]] | None:
    """The ``Tags`` parameter as the model describes it (for ``check_input``)."""
    return [{"Key": t.key, "Value": t.value} for t in tags] if tags else None


def get_tags(conn: Connection, resource_id: str) -> tuple[Tag, ...]:
    rows = conn.execute(
        select(s.tags.c.key, s.tags.c.value)
        .where(s.tags.c.resource_id == resource_id)
        .order_by(s.tags.c.id)
    )
    return tuple(Tag(r.key, r.value) for r in rows)


def _no_duplicates(keys: Iterable[str]) -> None:
    seen: set[str] = set()
    for key in keys:
        if key.lower() in seen:
            raise InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        seen.add(key.lower())


def put_tags(tx: Tx, resource_id: str, tags: Sequence[Tag], kind: str) -> None:
    """Add or replace ``tags`` on an entity; ``kind`` names it in the quota message."""
    if not tags:
        return
    _no_duplicates(t.key for t in tags)
    lowered = [t.key.lower() for t in tags]
    tx.conn.execute(
        delete(s.tags).where(s.tags.c.resource_id == resource_id, s.tags.c.key_lower.in_(lowered))
    )
    count = tx.conn.execute(
        select(func.count()).select_from(s.tags).where(s.tags.c.resource_id == resource_id)
    ).scalar_one()
    if count + len(tags) > MAX_TAGS:
        raise LimitExceeded(f"Cannot exceed quota for TagsPer{kind}: {MAX_TAGS}")
    tx.conn.execute(
        s.tags.insert(),
        [
            {"account_id": tx.account_id, "resource_id": resource_id, "key": t.key,
             "key_lower": t.key.lower(), "value": t.value}
            for t in tags
        ],
    )


def remove_tags(tx: Tx, resource_id: str, keys: Sequence[str]) -> None:
    lowered = [k.lower() for k in keys]
    tx.conn.execute(
        delete(s.tags).where(s.tags.c.resource_id == resource_id, s.tags.c.key_lower.in_(lowered))
    )


def drop_all(tx: Tx, resource_id: str) -> None:
    tx.conn.execute(delete(s.tags).where(s.tags.c.resource_id == resource_id))
