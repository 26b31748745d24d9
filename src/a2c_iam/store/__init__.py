"""Persistence: SQLAlchemy Core tables, Alembic migrations, SQLite or PostgreSQL.

Imports nothing from the layers above it. Public surface::

    from a2c_iam.store import open_database, check, Database, schema
    db = open_database("sqlite:///iam.db")          # migrated to head on open
    with db.write() as conn: ...                    # one transaction
"""

from . import schema
from .database import DEFAULT_URL, Database, connect, in_memory, insert_ignore
from .errors import Conflict, SchemaMismatch, StoreError, Unavailable, WouldBlock
from .migrate import SchemaStatus, check, head_revision, open_database, status, upgrade

__all__ = [
    "DEFAULT_URL",
    "Conflict",
    "Database",
    "SchemaMismatch",
    "SchemaStatus",
    "StoreError",
    "Unavailable",
    "check",
    "connect",
    "head_revision",
    "insert_ignore",
    "in_memory",
    "open_database",
    "schema",
    "status",
    "upgrade",
    "WouldBlock",
]
