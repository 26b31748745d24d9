"""The migrations build exactly ``schema.metadata``, on SQLite and PostgreSQL; ``check`` tells.

Also: opening a new database from several processes at once migrates it once, cleanly.
"""

from __future__ import annotations

import multiprocessing
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from a2c_iam.store import check, head_revision, open_database, schema, status
from a2c_iam.store.migrate import downgrade

PG_ENV = "A2C_IAM_TEST_POSTGRES_URL"


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}", None
        return
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"set {PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test to run "
                    "the PostgreSQL store tests")
    name = f"t_store_{os.getpid()}_{secrets.token_hex(4)}"
    yield url, name
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
    engine.dispose()


def test_migrated_database_equals_the_metadata(target: tuple[str, str | None]) -> None:
    url, name = target
    assert not check(url, schema=name)
    db = open_database(url, schema=name)
    try:
        assert status(db).current == head_revision()
        with db.engine.connect() as conn:
            opts = {"compare_type": True}
            diff = compare_metadata(MigrationContext.configure(conn, opts=opts), schema.metadata)
        assert diff == []
    finally:
        db.dispose()
    assert check(url, schema=name)


def test_downgrade_to_base_and_back(target: tuple[str, str | None]) -> None:
    url, name = target
    db = open_database(url, schema=name)
    try:
        downgrade(db, "base")
        assert status(db).current is None
        assert not check(url, schema=name)
    finally:
        db.dispose()
    db = open_database(url, schema=name)
    db.dispose()
    assert check(url, schema=name)


def test_check_does_not_create_a_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.db"
    assert not check(f"sqlite:///{path}")
    assert not path.exists()


def _open(url: str, name: str | None, barrier: object, results: object) -> None:
    try:
        barrier.wait(timeout=60)  # type: ignore[attr-defined]
        open_database(url, schema=name).dispose()
        results.put("ok")  # type: ignore[attr-defined]
    except Exception as exc:  # pragma: no cover - reported to the parent
        results.put(f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]


def test_several_processes_open_a_new_database_at_once(target: tuple[str, str | None]) -> None:
    url, name = target
    mp = multiprocessing.get_context("fork")
    barrier, results = mp.Barrier(6), mp.Queue()
    procs = [mp.Process(target=_open, args=(url, name, barrier, results)) for _ in range(6)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    assert outcomes == ["ok"] * 6
    assert check(url, schema=name)


def test_a_new_sqlite_file_is_the_owners_alone(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    open_database(f"sqlite:///{path}").dispose()
    for made in [path, *tmp_path.glob("fresh.db-*")]:  # the WAL and shared-memory files too
        assert made.stat().st_mode & 0o077 == 0, (made, oct(made.stat().st_mode))
