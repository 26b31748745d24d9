"""The raw bytes of a store, to search for secrets (SQLite files; a PostgreSQL dump)."""

from __future__ import annotations

import base64
import contextlib
import shutil
import subprocess
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url

from a2c_iam.store import schema as s


def raw_database(backend: Any, svc: Any) -> bytes:
    """Everything the store holds, as bytes an attacker with the files would see.

    SQLite: the database file and its ``-wal``/``-shm`` files, after closing every connection.
    PostgreSQL: ``pg_dump`` of the test's schema (data and definitions), which must succeed when
    ``pg_dump`` is installed; only without it, a dump of every row of every table.
    """
    if backend.kind == "sqlite":
        svc.db.dispose()
        path = svc.db.sqlite_path
        assert path is not None
        return b"".join(p.read_bytes() for p in sorted(path.parent.glob(path.name + "*"))
                        if not p.name.endswith(".key"))
    assert backend.schema is not None
    if shutil.which("pg_dump"):
        url = make_url(backend.url).set(drivername="postgresql")
        done = subprocess.run(
            ["pg_dump", "--no-owner", "--schema", backend.schema,
             url.render_as_string(hide_password=False)],
            capture_output=True, check=False, timeout=120)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        assert b"COPY " in done.stdout  # the data, not only the definitions
        return done.stdout
    rows = []
    with svc.db.read() as conn:
        for table in s.metadata.sorted_tables:
            rows += [repr(tuple(r)).encode() for r in conn.execute(select(table))]
    return b"\n".join(rows)


def secret_forms(secret: str) -> list[bytes]:
    """How a leaked secret could look in raw storage: its text, a prefix, its decoded bytes,
    and each of those in hex (``pg_dump`` writes ``bytea`` columns as ``\\x`` and hex digits)."""
    plain = [secret.encode(), secret[:20].encode()]
    with contextlib.suppress(ValueError):
        plain.append(base64.b64decode(secret, validate=True))
    return plain + [form.hex().encode() for form in plain]
