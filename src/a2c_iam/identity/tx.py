"""The transaction an operation runs in, and what every operation module shares.

A ``Tx`` is handed to each operation function: the open connection, the account, the caller, the
clock reading for the whole operation (one ``now`` per operation, so every row it writes carries
the same time), the cipher and the service's count of failed guesses (``attempts``).
``Tx.target`` is the ARN the audit event names.

``lock_account`` is the first statement of every mutation: it bumps the account's generation
(which invalidates cached caller resolutions) and, by updating the row, serialises the writers of
the account (see ``store.database``). Checks that follow — quotas, uniqueness — therefore see
every committed write and hold until this transaction commits.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from a2c_iam.store import schema as s

from .attempts import AttemptLimiter
from .errors import InvalidInput, NoSuchEntity
from .model import CallContext, Page
from .secrets import Cipher

T = TypeVar("T")

#: IAM's default page size.
DEFAULT_MAX_ITEMS = 100


@dataclass
class Tx:
    conn: Connection
    ctx: CallContext
    now: datetime
    cipher: Cipher
    target: str | None = None
    #: Failed guesses of MFA codes and passwords: the service's own, shared by all its calls,
    #: and so required (a fresh limiter per transaction would never lock anyone out).
    attempts: AttemptLimiter = field(kw_only=True)

    @property
    def account_id(self) -> str:
        return self.ctx.account_id


def lock_account(conn: Connection, account_id: str) -> int:
    """Bump the account's generation (taking its row lock); the new generation."""
    row = conn.execute(
        update(s.accounts)
        .where(s.accounts.c.id == account_id)
        .values(generation=s.accounts.c.generation + 1)
        .returning(s.accounts.c.generation)
    ).first()
    if row is None:
        raise NoSuchEntity(f"The account {account_id} cannot be found.")
    return int(row[0])


def generation(conn: Connection, account_id: str) -> int:
    value = conn.execute(
        select(s.accounts.c.generation).where(s.accounts.c.id == account_id)
    ).scalar()
    if value is None:
        raise NoSuchEntity(f"The account {account_id} cannot be found.")
    return int(value)


def paginate(items: Sequence[T], marker: str | None, max_items: int | None) -> Page[T]:
    """IAM's paging over a list already in its order: ``Marker`` is where the next page starts."""
    start = 0
    if marker is not None:
        try:
            start = int(base64.urlsafe_b64decode(marker.encode("ascii")).decode("ascii"))
        except (ValueError, binascii.Error, UnicodeError):
            raise InvalidInput("Invalid Marker.") from None
        if start < 0 or start > len(items):
            raise InvalidInput("Invalid Marker.")
    size = DEFAULT_MAX_ITEMS if max_items is None else max_items
    end = start + size
    if end >= len(items):
        return Page(tuple(items[start:]))
    next_marker = base64.urlsafe_b64encode(str(end).encode("ascii")).decode("ascii")
    return Page(tuple(items[start:end]), True, next_marker)


def path_filter(path_prefix: str | None) -> str:
    """The path prefix a list operation filters on (IAM's default: ``/``, everything)."""
    return path_prefix or "/"
