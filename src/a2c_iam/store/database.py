"""Connections and transactions, with the same guarantees on SQLite and PostgreSQL.

The identity layer runs every operation in one transaction from ``Database.write()`` (or
``Database.read()`` for reads) and relies on these properties:

- **Writers of an account are serialised.** Each write transaction starts by updating the
  account's row (its generation counter). On PostgreSQL (READ COMMITTED) that row lock makes
  concurrent writers of the same account wait, and every statement after it sees what they
  committed; on SQLite ``BEGIN IMMEDIATE`` takes the database's write lock at the start, so a
  check made inside the transaction still holds at commit. Quotas checked by counting rows inside
  the transaction therefore hold under concurrency, and unique constraints catch anything else.
- **An acknowledged write is durable.** SQLite runs in WAL mode with ``synchronous=FULL``
  (the commit is on disk before ``write()`` returns); PostgreSQL commits synchronously by default.
- **A failed operation leaves nothing behind.** Any exception inside ``write()`` rolls the whole
  transaction back.
- SQLite enforces foreign keys (``PRAGMA foreign_keys=ON``) and waits for a lock up to the busy
  timeout instead of failing at once.

Driver errors are converted at this boundary: constraint violations to ``Conflict``, lost or
locked databases to ``Unavailable``.

``no_io()`` marks a block that must not wait on the database — the server's event loop, trying
a request before handing it to a thread: inside it, opening a transaction raises ``WouldBlock``
before anything reaches the database; not even the pool's pre-ping or a reconnect runs. Every
statement of the service runs in a transaction from ``read()`` or ``write()``. Work answered
from the service's caches opens none, so it completes there.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.pool import ConnectionPoolEntry

from .errors import Conflict, StoreError, Unavailable, WouldBlock

#: A SQLite file in the working directory (DESIGN.md, ``a2c-iam serve``).
DEFAULT_URL = "sqlite:///a2c-iam.db"
#: How long a writer waits for another writer's lock before giving up.
BUSY_TIMEOUT_MS = 30_000

#: Arbitrary but fixed: the advisory lock that serialises schema creation on one database.
SCHEMA_LOCK = 0x0A2C5C4E
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
_READ = "a2c_read_only"
#: Set inside ``Database.no_io()``: statements raise ``WouldBlock`` instead of running.
def in_memory(url: str | URL) -> bool:
    """Whether ``url`` is an in-memory SQLite database (``sqlite://``, ``:memory:``, or a URI
    with ``mode=memory``): one that lives and dies with its connection."""
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return False
    return parsed.database in (None, "", ":memory:") or parsed.query.get("mode") == "memory" \
        or "mode=memory" in (parsed.database or "")


_NO_IO: ContextVar[bool] = ContextVar("a2c_iam_store_no_io", default=False)


class Database:
    """An engine with the project's settings, and the two kinds of transaction."""

    def __init__(self, engine: Engine, schema: str | None = None) -> None:
        self.engine = engine
        self.schema = schema

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, for SQLite (None in memory or on PostgreSQL)."""
        if self.dialect != "sqlite" or in_memory(self.url):
            return None
        return Path(str(self.url.database))

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """One read-write transaction: committed when the block ends, rolled back on any error."""
        self._may_check_out()
        with _translated(), self.engine.begin() as conn:
            yield conn

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """One read transaction (a consistent snapshot on SQLite; READ COMMITTED on PostgreSQL)."""
        self._may_check_out()
        with _translated(), self.engine.connect() as conn:
            conn.execution_options(**{_READ: True})
            with conn.begin():
                yield conn

    @contextmanager
    def no_io(self) -> Iterator[None]:
        """A block in which reaching the database raises ``WouldBlock`` (see the module doc)."""
        token = _NO_IO.set(True)
        try:
            yield
        finally:
            _NO_IO.reset(token)

    @staticmethod
    def _may_check_out() -> None:
        """Under ``no_io``, refuse before the pool is touched (a checkout may ping or connect)."""
        if _NO_IO.get():
            raise WouldBlock

    def dispose(self) -> None:
        """Close every pooled connection (call before a process exits or forks)."""
        self.engine.dispose()


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(_reason(exc)) from None
    except OperationalError as exc:
        raise Unavailable(_reason(exc)) from None


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return f"{type(orig).__name__ if orig is not None else type(exc).__name__}: {orig or exc}"


def connect(
    url: str | URL | None = None,
    *,
    schema: str | None = None,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    create_schema: bool = True,
) -> Database:
    """A ``Database`` for ``url`` (a SQLite file by default, or ``postgresql+psycopg://…``).

    ``schema`` (PostgreSQL only) keeps every table in that schema, created if missing: separate
    schemas let several stores, or several test sessions, share one database.
    ``create_schema=False`` connects without creating anything (for read-only checks).
    """
    parsed = make_url(url or DEFAULT_URL)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if schema is not None:
            raise StoreError("a schema applies to PostgreSQL only")
        return Database(_sqlite_engine(parsed, busy_timeout_ms))
    if backend == "postgresql":
        return Database(_postgresql_engine(parsed, schema, create_schema), schema)
    raise StoreError(f"unsupported database {backend!r}: use sqlite:/// or postgresql+psycopg://")


def _sqlite_engine(url: URL, busy_timeout_ms: int) -> Engine:
    if url.database and url.database != ":memory:":
        path = Path(url.database)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A new database file is the owner's alone (SQLite gives its -wal and -shm files the
        # same mode): it holds only ciphertexts of secrets, but names and policies too.
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    engine = create_engine(
        url,
        hide_parameters=True,
        connect_args={"timeout": busy_timeout_ms / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the driver: ``_on_begin`` says how to begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            _wal(cur, busy_timeout_ms)
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if conn.get_execution_options().get(_READ):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _wal(cur: Any, busy_timeout_ms: int) -> None:
    """Put the database in WAL mode (persistent: a no-op once the file is in it).

    Switching needs a lock that SQLite does not wait for through the busy handler, so several
    processes opening a new file at once retry here instead of failing with "database is locked".
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cur.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _postgresql_engine(url: URL, schema: str | None, create_schema: bool) -> Engine:
    connect_args: dict[str, Any] = {}
    if schema is not None:
        if not _SCHEMA_NAME.match(schema):
            raise StoreError(f"invalid schema name {schema!r}")
    if schema is not None and create_schema:
        bootstrap = create_engine(url, hide_parameters=True, isolation_level="AUTOCOMMIT")
        try:
            with _translated(), bootstrap.connect() as conn:
                # CREATE SCHEMA IF NOT EXISTS is not race-free in PostgreSQL (two sessions can
                # both pass the check and one fails on pg_namespace's unique index): serialise.
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": SCHEMA_LOCK})
                try:
                    conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEMA_LOCK})
        finally:
            bootstrap.dispose()
    if schema is not None:
        connect_args["options"] = f"-csearch_path={schema}"
    return create_engine(
        url,
        hide_parameters=True,
        isolation_level="READ COMMITTED",
        pool_pre_ping=True,
        connect_args=connect_args,
    )


def insert_ignore(conn: Connection, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert a row unless it would violate a unique constraint; whether it was inserted.

    For rows that several processes may try to create at once (the shared AWS managed
    policies): the loser neither fails nor aborts its transaction.
    """
    dialect = conn.dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - connect() accepts only the two
        raise StoreError(f"unsupported dialect {dialect}")
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT.
    key = next(iter(table.primary_key.columns))
    return conn.execute(stmt.returning(key)).first() is not None
