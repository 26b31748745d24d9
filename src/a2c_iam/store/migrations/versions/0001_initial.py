"""The initial schema: accounts, IAM entities, credentials, audit trail.

Revision ID: 0001
Revises:
Create Date: 2026-12-04

Written out in full (not derived from ``schema.metadata``) so that the revision stays what it was
when later revisions change the metadata; ``tests/store/test_migrations.py`` checks that the
migrated database equals the metadata.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from a2c_iam.store.schema import BigId, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_ONE_OWNER = (
    "(CASE WHEN user_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN group_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN role_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def _seq() -> sa.Column[int]:
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def _account(nullable: bool = False) -> sa.Column[str]:
    return sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=nullable)


def _owner(table: str, column: str) -> sa.Column[str]:
    return sa.Column(column, sa.String(32), sa.ForeignKey(f"{table}.id"), nullable=True)


def upgrade() -> None:
    op.create_table(
        "meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.String(12), primary_key=True),
        sa.Column("alias", sa.String(63), nullable=True),
        sa.Column("generation", sa.BigInteger, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("alias", name="uq_accounts_alias"),
    )
    op.create_table(
        "policies",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(nullable=True),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("default_version", sa.String(32), nullable=False),
        sa.Column("next_version", sa.Integer, nullable=False),
        sa.Column("is_attachable", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("account_id", "name_lower"),
        sa.UniqueConstraint("arn", name="uq_policies_arn"),
    )
    op.create_table(
        "policy_versions",
        _seq(),
        sa.Column("policy_id", sa.String(32), sa.ForeignKey("policies.id"), nullable=False),
        sa.Column("version_id", sa.String(32), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("policy_id", "version_id"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        _owner("policies", "boundary_policy_id"),
        sa.UniqueConstraint("account_id", "name_lower"),
    )
    op.create_table(
        "groups",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("account_id", "name_lower"),
    )
    op.create_table(
        "group_members",
        _seq(),
        sa.Column("group_id", sa.String(32), sa.ForeignKey("groups.id"), nullable=False),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), nullable=False),
        sa.UniqueConstraint("group_id", "user_id"),
    )
    op.create_index("ix_group_members_user_id", "group_members", ["user_id"])
    op.create_table(
        "roles",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("trust_policy", sa.Text, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("max_session_duration", sa.Integer, nullable=False),
        _owner("policies", "boundary_policy_id"),
        sa.Column("last_used_at", UTCDateTime, nullable=True),
        sa.Column("last_used_region", sa.String(64), nullable=True),
        sa.UniqueConstraint("account_id", "name_lower"),
    )
    op.create_table(
        "attachments",
        _seq(),
        _account(),
        sa.Column("policy_id", sa.String(32), sa.ForeignKey("policies.id"), nullable=False),
        _owner("users", "user_id"),
        _owner("groups", "group_id"),
        _owner("roles", "role_id"),
        sa.CheckConstraint(_ONE_OWNER, name="one_owner"),
        sa.UniqueConstraint("policy_id", "user_id"),
        sa.UniqueConstraint("policy_id", "group_id"),
        sa.UniqueConstraint("policy_id", "role_id"),
    )
    for column in ("user_id", "group_id", "role_id"):
        op.create_index(f"ix_attachments_{column}", "attachments", [column])
    op.create_table(
        "inline_policies",
        _seq(),
        _account(),
        _owner("users", "user_id"),
        _owner("groups", "group_id"),
        _owner("roles", "role_id"),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("document", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.CheckConstraint(_ONE_OWNER, name="one_owner"),
        sa.UniqueConstraint("user_id", "name_lower"),
        sa.UniqueConstraint("group_id", "name_lower"),
        sa.UniqueConstraint("role_id", "name_lower"),
    )
    op.create_table(
        "instance_profiles",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        _owner("roles", "role_id"),
        sa.UniqueConstraint("account_id", "name_lower"),
    )
    op.create_index("ix_instance_profiles_role_id", "instance_profiles", ["role_id"])
    op.create_table(
        "tags",
        _seq(),
        _account(),
        sa.Column("resource_id", sa.String(32), nullable=False),
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("key_lower", sa.String(128), nullable=False),
        sa.Column("value", sa.String(256), nullable=False),
        sa.UniqueConstraint("resource_id", "key_lower"),
    )
    op.create_table(
        "access_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        _owner("users", "user_id"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("secret", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("last_used_at", UTCDateTime, nullable=True),
        sa.Column("last_used_service", sa.String(64), nullable=True),
        sa.Column("last_used_region", sa.String(64), nullable=True),
    )
    op.create_index("ix_access_keys_account_id", "access_keys", ["account_id"])
    op.create_index("ix_access_keys_user_id", "access_keys", ["user_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column(
            "user_id", sa.String(32), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column(
            "role_id", sa.String(32), sa.ForeignKey("roles.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("session_name", sa.String(64), nullable=True),
        sa.Column("secret", sa.LargeBinary, nullable=False),
        sa.Column("token", sa.LargeBinary, nullable=False),
        sa.Column("session_policy", sa.Text, nullable=True),
        sa.Column("policy_arns", sa.Text, nullable=True),
        sa.Column("chained", sa.Boolean, nullable=False),
        sa.Column("source_identity", sa.String(64), nullable=True),
        sa.Column("parent_arn", sa.String(2048), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
    )
    for column in ("expires_at", "user_id", "role_id"):
        op.create_index(f"ix_sessions_{column}", "sessions", [column])
    op.create_table(
        "audit_events",
        _seq(),
        sa.Column("at", UTCDateTime, nullable=False),
        sa.Column("account_id", sa.String(12), nullable=True),
        sa.Column("request_id", sa.String(64), nullable=False),
        sa.Column("caller_arn", sa.String(2048), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("target_arn", sa.String(2048), nullable=True),
        sa.Column("outcome", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=True),
    )
    op.create_index("ix_audit_events_account_id_id", "audit_events", ["account_id", "id"])


def downgrade() -> None:
    for table in (
        "audit_events", "sessions", "access_keys", "tags", "instance_profiles", "inline_policies",
        "attachments", "roles", "group_members", "groups", "users", "policy_versions", "policies",
        "accounts", "meta",
    ):
        op.drop_table(table)
