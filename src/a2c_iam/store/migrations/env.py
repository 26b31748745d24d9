"""Alembic's entry point: run the migrations on the connection that ``store.migrate`` hands over.

The store always passes an open connection (``config.attributes["connection"]``), so that the
engine's settings (SQLite pragmas and ``BEGIN IMMEDIATE``, the PostgreSQL ``search_path``) apply to
the migration as to everything else. Several processes may open a new database at once: on SQLite
``BEGIN IMMEDIATE`` serialises them, on PostgreSQL a transaction-scoped advisory lock does; the
loser then finds the schema at head and does nothing. All migrations run in one transaction that
also reads the current revision, so the lock covers the read: on SQLite that needs
``transactional_ddl=True`` (Alembic assumes SQLite cannot, and would otherwise run each
migration in a transaction of its own and read the revision before any lock — two processes
then both ran the same migration, "table … already exists"). SQLite's DDL is transactional.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from a2c_iam.store.schema import metadata

#: Arbitrary but fixed: the advisory lock that serialises migrations on one PostgreSQL database.
MIGRATION_LOCK = 0x0A2C1A30


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only for the alembic command line
    raise RuntimeError("a2c-iam migrations run through a2c_iam.store.migrate, with a connection")
_run(connection)
