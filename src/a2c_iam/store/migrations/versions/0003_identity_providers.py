"""IAM identity providers: OpenID Connect and SAML providers, as stored entities.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04

Additive only (two new tables), so a database at 0002 upgrades in place and keeps every row.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from a2c_iam.store.schema import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _account() -> sa.Column[str]:
    return sa.Column("account_id", sa.String(12), sa.ForeignKey("accounts.id"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "oidc_providers",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("url", sa.String(255), nullable=False),
        sa.Column("url_key", sa.String(255), nullable=False),
        sa.Column("client_ids", sa.Text, nullable=False),
        sa.Column("thumbprints", sa.Text, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("account_id", "url_key"),
    )
    op.create_table(
        "saml_providers",
        sa.Column("id", sa.String(32), primary_key=True),
        _account(),
        sa.Column("name", sa.String(128), nullable=False),
        sa.Column("name_lower", sa.String(128), nullable=False),
        sa.Column("metadata_document", sa.Text, nullable=False),
        sa.Column("valid_until", UTCDateTime, nullable=True),
        sa.Column("assertion_encryption_mode", sa.String(16), nullable=True),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.UniqueConstraint("account_id", "name_lower"),
    )


def downgrade() -> None:
    for table in ("saml_providers", "oidc_providers"):
        op.drop_table(table)
