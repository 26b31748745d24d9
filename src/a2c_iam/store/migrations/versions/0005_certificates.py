"""Server certificates of an account and X.509 signing certificates of its users (and root).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

Additive only (two new tables), so a database at 0004 upgrades in place and keeps every row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from a2c_iam.store.schema import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _account() -> sa.Column[str]:
    return sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "server_certificates",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("chain", sa.Text, nullable=True),
        sa.Column("private_key", sa.LargeBinary, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("account_id", "name_lower"),
    )
    op.create_table(
        "signing_certificates",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("uploaded_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("account_id", "fingerprint"),
    )
    op.create_index("ix_signing_certificates_user_id", "signing_certificates", ["user_id"])


def downgrade() -> None:
    for table in ("signing_certificates", "server_certificates"):
        op.drop_table(table)
