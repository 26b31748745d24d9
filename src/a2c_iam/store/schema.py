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
- Secrets (``access_keys.secret``, ``sessions.secret``/``token``,
  ``service_specific_credentials.password``, ``server_certificates.private_key``) are AES-GCM
  ciphertexts.
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


# Column builders for what most tables share, so that a rule (an account's foreign key, the
# case-insensitive name pair, the one-owner link) is written once and cannot drift between tables.

def _seq() -> Column[int]:
    """A surrogate key for rows that IAM gives no id of their own (links, versions, tags)."""
    return Column("id", BigId, primary_key=True, autoincrement=True)


def _account(nullable: bool = False) -> Column[str]:
    return Column("account_id", String(12), ForeignKey("accounts.id"), nullable=nullable)


def _ref(table: str, column: str, *, nullable: bool = True, ondelete: str | None = None,
         ) -> Column[str]:
    """A reference to the IAM id of a row of ``table``."""
    return Column(column, String(ID), ForeignKey(f"{table}.id", ondelete=ondelete),
                  nullable=nullable)


def _names() -> tuple[Column[str], Column[str]]:
    """The name as given and its lower-cased copy, the one that unique constraints name."""
    return (Column("name", String(NAME), nullable=False),
            Column("name_lower", String(NAME), nullable=False))


def _owners() -> tuple[Column[str], Column[str], Column[str], CheckConstraint]:
    """The user, group or role a link hangs off: three nullable references, exactly one set."""
    return (_ref("users", "user_id"), _ref("groups", "group_id"), _ref("roles", "role_id"),
            CheckConstraint(_ONE_OWNER, name="one_owner"))


def _entity(name: str, *extra: Any) -> Table:
    """An IAM entity of an account with a path and a name unique in the account (any case)."""
    return Table(
        name,
        metadata,
        Column("id", String(ID), primary_key=True),
        _account(),
        *_names(),
        Column("path", String(PATH), nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        *extra,
        UniqueConstraint("account_id", "name_lower"),
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
    _account(nullable=True),  # NULL for AWS managed policies, which every account sees
    *_names(),
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
    _seq(),
    _ref("policies", "policy_id", nullable=False),
    Column("version_id", String(32), nullable=False),
    Column("document", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("policy_id", "version_id"),
)

users = _entity("users", _ref("policies", "boundary_policy_id"))

groups = _entity("groups")

group_members = Table(
    "group_members",
    metadata,
    _seq(),
    _ref("groups", "group_id", nullable=False),
    _ref("users", "user_id", nullable=False),
    UniqueConstraint("group_id", "user_id"),
    Index(None, "user_id"),
)

roles = _entity(
    "roles",
    Column("trust_policy", Text, nullable=False),
    Column("description", Text, nullable=True),
    Column("max_session_duration", Integer, nullable=False),
    _ref("policies", "boundary_policy_id"),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("last_used_region", String(64), nullable=True),
)

attachments = Table(
    "attachments",
    metadata,
    _seq(),
    _account(),
    _ref("policies", "policy_id", nullable=False),
    *_owners(),
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
    _seq(),
    _account(),
    *_owners(),
    *_names(),
    Column("document", Text, nullable=False),
    Column("size", Integer, nullable=False),  # characters without white space
    UniqueConstraint("user_id", "name_lower"),
    UniqueConstraint("group_id", "name_lower"),
    UniqueConstraint("role_id", "name_lower"),
)

instance_profiles = _entity(
    "instance_profiles",
    _ref("roles", "role_id"),
    Index(None, "role_id"),
)

tags = Table(
    "tags",
    metadata,
    _seq(),
    _account(),
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
    _account(),
    # NULL: a key of the account's root user.
    _ref("users", "user_id"),
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
    _account(),
    Column("kind", String(16), nullable=False),  # role | user | root
    _ref("users", "user_id", ondelete="CASCADE"),
    _ref("roles", "role_id", ondelete="CASCADE"),
    Column("session_name", String(64), nullable=True),
    Column("secret", LargeBinary, nullable=False),  # AES-GCM ciphertext
    Column("token", LargeBinary, nullable=False),  # AES-GCM ciphertext
    Column("session_policy", Text, nullable=True),
    Column("policy_arns", Text, nullable=True),  # JSON list of managed session policy ARNs
    Column("chained", Boolean, nullable=False, default=False),
    Column("source_identity", String(64), nullable=True),
    # When the session's caller proved an MFA code (aws:MultiFactorAuthAge); NULL: no MFA.
    Column("mfa_at", UTCDateTime, nullable=True),
    Column("parent_arn", String(ARN), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index(None, "expires_at"),
    Index(None, "user_id"),
    Index(None, "role_id"),
)

login_profiles = Table(
    "login_profiles",
    metadata,
    # A user's console password: at most one per user, so the user's id is the key.
    Column("user_id", String(ID), ForeignKey("users.id"), primary_key=True),
    _account(),
    Column("password_hash", String(256), nullable=False),  # scrypt, salted (never the password)
    Column("password_reset_required", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    # The credential report's password_last_changed (set by every Create/Update/ChangePassword).
    Column("password_changed_at", UTCDateTime, nullable=True),
    Index(None, "account_id"),
)

password_policies = Table(
    "password_policies",
    metadata,
    Column("account_id", String(12), ForeignKey("accounts.id"), primary_key=True),
    Column("policy", Text, nullable=False),  # JSON object of UpdateAccountPasswordPolicy's members
)

mfa_devices = Table(
    "mfa_devices",
    metadata,
    Column("serial", String(ARN), primary_key=True),  # arn:…:iam::ACCOUNT:mfa/PATH/NAME
    _account(),
    *_names(),
    Column("path", String(PATH), nullable=False),
    # NULL: a virtual device not yet enabled for a user (ListVirtualMFADevices' "Unassigned").
    _ref("users", "user_id"),
    Column("seed", LargeBinary, nullable=False),  # AES-GCM ciphertext of the TOTP secret
    Column("created_at", UTCDateTime, nullable=False),
    Column("enabled_at", UTCDateTime, nullable=True),
    # The last TOTP time step accepted, so a code cannot be replayed.
    Column("last_step", BigInteger, nullable=True),
    UniqueConstraint("account_id", "path", "name_lower"),
    Index(None, "user_id"),
)

oidc_providers = Table(
    "oidc_providers",
    metadata,
    # Its own id (``OIDC…``, the tags' ``resource_id``): a provider has no IAM id, and its ARN is
    # too long for the tags' column.
    Column("id", String(ID), primary_key=True),
    _account(),
    Column("url", String(255), nullable=False),  # as given, without https://: the ARN's name
    # The URL as IAM compares it (host lower-cased, path as given): one provider per URL.
    Column("url_key", String(255), nullable=False),
    Column("client_ids", Text, nullable=False),  # JSON list, in the order added
    Column("thumbprints", Text, nullable=False),  # JSON list of lower-case hex SHA-1 digests
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "url_key"),
)

saml_providers = Table(
    "saml_providers",
    metadata,
    # Its own id (``SAML…``): the tags' ``resource_id`` and GetSAMLProvider's SAMLProviderUUID.
    Column("id", String(ID), primary_key=True),
    _account(),
    *_names(),
    Column("metadata_document", Text, nullable=False),
    # The metadata's validUntil, when it has one.
    Column("valid_until", UTCDateTime, nullable=True),
    Column("assertion_encryption_mode", String(16), nullable=True),  # Required | Allowed
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "name_lower"),
)

ssh_public_keys = Table(
    "ssh_public_keys",
    metadata,
    Column("id", String(ID), primary_key=True),  # the APKA… SSHPublicKeyId
    _account(),
    _ref("users", "user_id", nullable=False),
    Column("body", Text, nullable=False),  # as uploaded: OpenSSH ssh-rsa or PEM
    # Lower-case hexadecimal MD5 of the key (colon-separated): one upload of a key per user.
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    UniqueConstraint("user_id", "fingerprint"),
)

service_specific_credentials = Table(
    "service_specific_credentials",
    metadata,
    Column("id", String(ID), primary_key=True),  # the ACCA… ServiceSpecificCredentialId
    _account(),
    _ref("users", "user_id", nullable=False),
    Column("service_name", String(64), nullable=False),  # codecommit.amazonaws.com, …
    Column("service_user_name", String(96), nullable=False),  # USER-at-ACCOUNT, as made
    Column("password", LargeBinary, nullable=False),  # AES-GCM ciphertext
    Column("status", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "user_id"),
)

server_certificates = _entity(
    "server_certificates",  # the ASCA… ServerCertificateId; created_at is the UploadDate
    Column("body", Text, nullable=False),  # one PEM certificate, as uploaded
    Column("chain", Text, nullable=True),  # PEM certificates, as uploaded
    Column("private_key", LargeBinary, nullable=False),  # AES-GCM ciphertext of the PEM key
    Column("expires_at", UTCDateTime, nullable=False),  # the certificate's notAfter
)

signing_certificates = Table(
    "signing_certificates",
    metadata,
    Column("id", String(ID), primary_key=True),  # the CertificateId (32 base-32 characters)
    _account(),
    # NULL: a certificate of the account's root user.
    _ref("users", "user_id"),
    Column("body", Text, nullable=False),  # one PEM certificate, as uploaded
    # Lower-case hexadecimal SHA-256 of the certificate's DER: one upload per account.
    Column("fingerprint", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("uploaded_at", UTCDateTime, nullable=False),
    UniqueConstraint("account_id", "fingerprint"),
    Index(None, "user_id"),
)

audit_events = Table(
    "audit_events",
    metadata,
    _seq(),
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
