"""The tables, as SQLAlchemy Core metadata: the one description of the schema.

The Alembic migrations in ``migrations/versions`` build exactly this schema (a test compares the
migrated database with this metadata on SQLite and PostgreSQL), so ``metadata`` is the reference
for what the database holds, and the migrations are the history of how it got there.

Design rules the identity layer relies on:

- Every entity of an account carries ``account_id``; an account row is the parent that every
  mutation locks first (it holds the ``generation`` counter), which serialises the writers of an
  account on both databases.
- Names that IAM compares case-insensitively are stored twice, as given and lower-cased, and the
  lower-cased copy carries the unique constraint (``name_lower``), so a race that slips past a
  check still ends in a constraint violation, never in two "Alice"s.
- Links that may hang off a user, a group or a role (inline policies, attachments) have one
  nullable foreign key per owner and a check that exactly one is set, so the database itself
  refuses an orphan or a dangling reference.
- Secrets (``access_keys.secret``, ``sessions.secret``/``token``) are AES-GCM ciphertexts.
- Times are stored as UTC without a zone (SQLite has none) and come back zone-aware.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)

#: Deterministic constraint names, so that later migrations can name what they alter.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[datetime]):
    """A UTC instant: stored without a zone, always returned zone-aware (UTC).

    Refuses naive datetimes on the way in, so that no local time can slip into the database.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite hands back text for expressions over the column
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: Integer primary keys: 64-bit on PostgreSQL, the rowid alias on SQLite.
BigId = BigInteger().with_variant(Integer(), "sqlite")

ID = 32  # IAM unique ids are 21 characters (20 for key ids); room to spare
NAME = 128
PATH = 512
ARN = 2048

_ONE_OWNER = (
    "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN group_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN role_id IS NULL THEN 0 ELSE 1 END) = 1"
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", String(12), primary_key=True),
    Column("alias", String(63), nullable=True, unique=True),
    Column("generation", BigInteger, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
)

policies = Table(
    "policies",
    metadata,
    Column("id", String(ID), primary_key=True),
    # NULL for AWS managed policies, which every account sees.
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=True),
    Column("name", String(NAME), nullable=False),
    Column("name_lower", String(NAME), nullable=False),
    Column("path", String(PATH), nullable=False),
    Column("arn", String(ARN), nullable=False, unique=True),
    Column("description", Text, nullable=True),
    Column("default_version", String(32), nullable=False),
    Column("next_version", Integer, nullable=False),
    Column("is_attachable", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "name_lower"),
)

policy_versions = Table(
    "policy_versions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("policy_id", String(ID), ForeignKey("policies.id"), nullable=False),
    Column("version_id", String(32), nullable=False),
    Column("document", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("policy_id", "version_id"),
)

users = Table(
    "users",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("name_lower", String(NAME), nullable=False),
    Column("path", String(PATH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("boundary_policy_id", String(ID), ForeignKey("policies.id"), nullable=True),
    UniqueConstraint("account_id", "name_lower"),
)

groups = Table(
    "groups",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("name_lower", String(NAME), nullable=False),
    Column("path", String(PATH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "name_lower"),
)

group_members = Table(
    "group_members",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("group_id", String(ID), ForeignKey("groups.id"), nullable=False),
    Column("user_id", String(ID), ForeignKey("users.id"), nullable=False),
    UniqueConstraint("group_id", "user_id"),
    Index(None, "user_id"),
)

roles = Table(
    "roles",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("name_lower", String(NAME), nullable=False),
    Column("path", String(PATH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("trust_policy", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("max_session_duration", Integer, nullable=False),
    Column("boundary_policy_id", String(ID), ForeignKey("policies.id"), nullable=True),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("last_used_region", String(64), nullable=True),
    UniqueConstraint("account_id", "name_lower"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("policy_id", String(ID), ForeignKey("policies.id"), nullable=False),
    Column("user_id", String(ID), ForeignKey("users.id"), nullable=True),
    Column("group_id", String(ID), ForeignKey("groups.id"), nullable=True),
    Column("role_id", String(ID), ForeignKey("roles.id"), nullable=True),
    CheckConstraint(_ONE_OWNER, name="one_owner"),
    UniqueConstraint("policy_id", "user_id"),
    UniqueConstraint("policy_id", "group_id"),
    UniqueConstraint("policy_id", "role_id"),
    Index(None, "user_id"),
    Index(None, "group_id"),
    Index(None, "role_id"),
)

inline_policies = Table(
    "inline_policies",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("user_id", String(ID), ForeignKey("users.id"), nullable=True),
    Column("group_id", String(ID), ForeignKey("groups.id"), nullable=True),
    Column("role_id", String(ID), ForeignKey("roles.id"), nullable=True),
    Column("name", String(NAME), nullable=False),
    Column("name_lower", String(NAME), nullable=False),
    Column("document", Text, nullable=False),
    Column("size", Integer, nullable=False),  # characters without white space
    CheckConstraint(_ONE_OWNER, name="one_owner"),
    UniqueConstraint("user_id", "name_lower"),
    UniqueConstraint("group_id", "name_lower"),
    UniqueConstraint("role_id", "name_lower"),
)

instance_profiles = Table(
    "instance_profiles",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("name", String(NAME), nullable=False),
    Column("name_lower", String(NAME), nullable=False),
    Column("path", String(PATH), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("role_id", String(ID), ForeignKey("roles.id"), nullable=True),
    UniqueConstraint("account_id", "name_lower"),
    Index(None, "role_id"),
)

tags = Table(
    "tags",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    # The tagged entity's IAM id (AIDA…, AROA…, ANPA…, AIPA…); its prefix names the kind.
    Column("resource_id", String(ID), nullable=False),
    Column("key", String(NAME), nullable=False),
    Column("key_lower", String(NAME), nullable=False),
    Column("value", String(256), nullable=False),
    UniqueConstraint("resource_id", "key_lower"),
)

access_keys = Table(
    "access_keys",
    metadata,
    Column("id", String(ID), primary_key=True),
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    # NULL: a key of the account's root user.
    Column("user_id", String(ID), ForeignKey("users.id"), nullable=True),
    Column("status", String(16), nullable=False),
    Column("secret", LargeBinary, nullable=False),  # AES-GCM ciphertext
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("last_used_service", String(64), nullable=True),
    Column("last_used_region", String(64), nullable=True),
    Index(None, "account_id"),
    Index(None, "user_id"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(ID), primary_key=True),  # the ASIA… access key id
    Column("account_id", String(12), ForeignKey("accounts.id"), nullable=False),
    Column("kind", String(16), nullable=False),  # role | user | root
    Column("user_id", String(ID), ForeignKey("users.id", ondelete="CASCADE"), nullable=True),
    Column("role_id", String(ID), ForeignKey("roles.id", ondelete="CASCADE"), nullable=True),
    Column("session_name", String(64), nullable=True),
    Column("secret", LargeBinary, nullable=False),  # AES-GCM ciphertext
    Column("token", LargeBinary, nullable=False),  # AES-GCM ciphertext
    Column("session_policy", Text, nullable=True),
    Column("policy_arns", Text, nullable=True),  # JSON list of managed session policy ARNs
    Column("chained", Boolean, nullable=False, default=False),
    Column("source_identity", String(64), nullable=True),
    Column("parent_arn", String(ARN), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index(None, "expires_at"),
    Index(None, "user_id"),
    Index(None, "role_id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    # No foreign key: the trail outlives what it describes.
    Column("account_id", String(12), nullable=True),
    Column("request_id", String(64), nullable=False),
    Column("caller_arn", String(ARN), nullable=False),
    Column("operation", String(64), nullable=False),
    Column("target_arn", String(ARN), nullable=True),
    Column("outcome", String(64), nullable=False),
    Column("message", Text, nullable=True),
    Index(None, "account_id", "id"),
)
