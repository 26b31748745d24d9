"""Console passwords, the account password policy, MFA devices, and MFA-proved sessions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04

Additive only (new tables, one nullable column), so a database at 0001 upgrades in place and
keeps every row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from a2c_iam.store.schema import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _account() -> sa.Column[str]:
    return sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False)


def upgrade() -> None:
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("mfa_at", UTCDateTime, nullable=True))
    op.create_table(
        "login_profiles",
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), primary_key=True),
        _account(),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("password_reset_required", sa.Boolean, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("password_changed_at", UTCDateTime, nullable=True),
    )
    op.create_index("ix_login_profiles_account_id", "login_profiles", ["account_id"])
    op.create_table(
        "password_policies",
        sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), primary_key=True),
        sa.Column("policy", sa.Text, nullable=False),
    )
    op.create_table(
        "mfa_devices",
        sa.Column("serial", sa.String(2048), primary_key=True),
        _account(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("path", sa.String(512), nullable=False),
        sa.Column("user_id", sa.String(32), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("seed", sa.LargeBinary, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("enabled_at", UTCDateTime, nullable=True),
        sa.Column("last_step", sa.BigInteger, nullable=True),
        sa.UniqueConstraint("account_id", "path", "name_lower"),
    )
    op.create_index("ix_mfa_devices_user_id", "mfa_devices", ["user_id"])


def downgrade() -> None:
    for table in ("mfa_devices", "password_policies", "login_profiles"):
        op.drop_table(table)
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("mfa_at")
