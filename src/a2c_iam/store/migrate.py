"""The schema's version: bring a database to head, and say whether it is there.

The migrations ship inside the package (``a2c_iam/store/migrations``) and run through Alembic's
API on a connection of the store's own engine, so they need no ``alembic.ini`` and no working
directory. ``open_database`` applies them automatically; ``check`` reports without changing
anything (for a health check or a deployment step that must not migrate).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL, make_url

from .database import DEFAULT_URL, Database, connect
from .errors import SchemaMismatch

SCRIPT_LOCATION = "a2c_iam.store:migrations"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    return cfg


def head_revision() -> str:
    """The newest revision shipped with this code."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(db: Database) -> str | None:
    """The revision the database is at (None for an empty database)."""
    with db.read() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@dataclass(frozen=True, slots=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def at_head(self) -> bool:
        return self.current == self.head


def status(db: Database) -> SchemaStatus:
    return SchemaStatus(current_revision(db), head_revision())


def upgrade(db: Database, revision: str = "head") -> None:
    """Apply every migration up to ``revision``; safe when several processes do it at once."""
    cfg = _config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


def downgrade(db: Database, revision: str) -> None:
    """Revert to ``revision`` (``base`` for an empty database). For tests and emergencies."""
    cfg = _config()
    with db.engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def check(url: str | URL | None = None, *, schema: str | None = None) -> bool:
    """Whether the database at ``url`` is at the head revision; changes nothing.

    A SQLite file that does not exist is not at head (and is not created).
    """
    parsed = make_url(url or DEFAULT_URL)
    if parsed.get_backend_name() == "sqlite":
        if not parsed.database or not Path(parsed.database).exists():
            return False
    db = connect(parsed, schema=schema, create_schema=False)
    try:
        return status(db).at_head
    finally:
        db.dispose()


def open_database(url: str | URL | None = None, *, schema: str | None = None) -> Database:
    """Connect and bring the schema to head: what a server or a command does on start."""
    db = connect(url, schema=schema)
    try:
        if not status(db).at_head:
            upgrade(db)
        found = status(db)
        if not found.at_head:
            raise SchemaMismatch(f"database at {found.current}, expected {found.head}")
    except BaseException:
        db.dispose()
        raise
    return db
