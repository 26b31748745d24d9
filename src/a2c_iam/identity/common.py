"""Rules every operation module shares: quotas, documents, uniqueness, list pages.

The quota values are IAM's defaults (IAM User Guide, "IAM and AWS STS quotas"); the messages are
the texts IAM returns for them (``Cannot exceed quota for UsersPerAccount: 5000``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, func, select
from sqlalchemy.engine import Connection

from a2c_iam.policy import PolicyKind, PolicyValidationError, validate_document
from a2c_iam.policy.validate import policy_size

from .errors import (
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    from_policy_error,
)
from .tx import Tx, paginate, path_filter

# Account quotas.
USERS_PER_ACCOUNT = 5000
GROUPS_PER_ACCOUNT = 300
ROLES_PER_ACCOUNT = 1000
POLICIES_PER_ACCOUNT = 1500
INSTANCE_PROFILES_PER_ACCOUNT = 1000
# Per-entity quotas.
GROUPS_PER_USER = 10
ACCESS_KEYS_PER_USER = 2
POLICIES_PER_USER = 10
POLICIES_PER_GROUP = 10
POLICIES_PER_ROLE = 10
VERSIONS_PER_POLICY = 5
ROLES_PER_INSTANCE_PROFILE = 1
# Document sizes (characters other than white space).
MANAGED_POLICY_SIZE = 6144
TRUST_POLICY_SIZE = 2048
USER_POLICY_SIZE = 2048  # all inline policies of a user together
GROUP_POLICY_SIZE = 5120
ROLE_POLICY_SIZE = 10240


def quota(name: str, limit: int) -> LimitExceeded:
    return LimitExceeded(f"Cannot exceed quota for {name}: {limit}")


#: The statuses a credential can be given (``UpdateAccessKey`` and the like). The model's
#: ``statusType`` also lists ``Expired``; IAM documents only these two as settable.
CREDENTIAL_STATUSES = ("Active", "Inactive")


def check_status(status: str, what: str) -> None:
    """Refuse a status a credential (``what``: "an access key", "an SSH public key") cannot be
    given."""
    if status not in CREDENTIAL_STATUSES:
        raise InvalidInput(f"Status {status} is not valid for {what}: use Active or Inactive.")


def count(conn: Connection, table: Table, *where: ColumnElement[bool]) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def check_count(conn: Connection, table: Table, limit: int, name: str,
                *where: ColumnElement[bool]) -> None:
    """Refuse one more row in ``table`` if ``where`` already selects ``limit`` rows."""
    if count(conn, table, *where) >= limit:
        raise quota(name, limit)


def document(text: Any, kind: PolicyKind, limit: int | None = None,
             quota_name: str | None = None) -> str:
    """The document as stored (the caller's text) if IAM accepts it as ``kind``."""
    if not isinstance(text, str):
        raise InvalidInput("The policy document must be a string.")
    try:
        validate_document(text, kind, quota=limit)
    except PolicyValidationError as exc:
        error = from_policy_error(exc)
        if quota_name is not None and isinstance(error, LimitExceeded) and limit is not None:
            raise quota(quota_name, limit) from None
        raise error from None
    return text


def size(text: str) -> int:
    return policy_size(text)


def name_taken(conn: Connection, table: Table, account_id: str | None, name: str) -> bool:
    where = [table.c.name_lower == name.lower()]
    if account_id is not None:
        where.append(table.c.account_id == account_id)
    return conn.execute(select(table.c.id).where(*where).limit(1)).first() is not None


def check_new(conn: Connection, table: Table, account_id: str, name: str, exists: str,
              limit: int, quota_name: str) -> None:
    """Refuse a new entity whose name the account has already (in any case), then one over the
    account's quota: IAM checks in this order, so the name error wins when both apply."""
    if name_taken(conn, table, account_id, name):
        raise EntityAlreadyExists(exists)
    check_count(conn, table, limit, quota_name, table.c.account_id == account_id)


def check_unused(conn: Connection, column: str, entity_id: str,
                 dependents: Sequence[tuple[Table, str]]) -> None:
    """Refuse to delete an entity while a row of a ``dependents`` table names it in ``column``.

    IAM's ``DeleteConflict`` names the first kind of dependent it finds, so each entity lists its
    dependents in IAM's order, each with IAM's message.
    """
    for table, message in dependents:
        if count(conn, table, table.c[column] == entity_id):
            raise DeleteConflict(message)


def rows_under(tx: Tx, table: Table, path_prefix: str | None,
               columns: Sequence[Any] | None = None) -> list[Any]:
    """The account's rows of ``table`` under ``path_prefix``, in IAM's list order (by name);
    only ``columns`` (with ``path``) when given, for tables with large columns a list omits."""
    prefix = path_filter(path_prefix)
    chosen = select(*columns, table.c.path) if columns is not None else select(table)
    rows = tx.conn.execute(chosen.where(table.c.account_id == tx.account_id)
                           .order_by(table.c.name_lower)).all()
    return [r for r in rows if r.path.startswith(prefix)]


def page(items: Sequence[Any], key: str, marker: str | None, max_items: int | None,
         ) -> dict[str, Any]:
    """A list operation's output: ``{key: [...], "IsTruncated": …, "Marker": …}``."""
    found = paginate(items, marker, max_items)
    out: dict[str, Any] = {key: list(found.items), "IsTruncated": found.is_truncated}
    if found.marker is not None:
        out["Marker"] = found.marker
    return out


def set_target(tx: Tx, arn: str) -> None:
    tx.target = arn
