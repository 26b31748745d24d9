"""SSH public keys and service-specific credentials of IAM users (CodeCommit, Keyspaces).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04

Additive only (two new tables), so a database at 0003 upgrades in place and keeps every row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from a2c_iam.store.schema import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _account() -> sa.Column[str]:
    return sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False)


def _user() -> sa.Column[str]:
    return sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "ssh_public_keys",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        _user(),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("uploaded_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("user_id", "fingerprint"),
    )
    op.create_table(
        "service_specific_credentials",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        _user(),
        sa.Column("service_name", sa.String(64), nullable=False),
        sa.Column("service_user_name", sa.String(96), nullable=False),
        sa.Column("password", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
    )
    op.create_index("ix_service_specific_credentials_user_id", "service_specific_credentials",
                    ["user_id"])


def downgrade() -> None:
    for table in ("service_specific_credentials", "ssh_public_keys"):
        op.drop_table(table)
