"""Which URLs name an in-memory SQLite database: ``serve`` refuses them, and such a database has
no file (no key file beside it either)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine

from a2c_iam.store import Database, in_memory


@pytest.mark.parametrize("url, memory", [
    ("sqlite://", True),
    ("sqlite:///:memory:", True),
    ("sqlite:///file:shared?mode=memory&cache=shared&uri=true", True),
    ("sqlite:///a2c-iam.db", False),
    ("sqlite:///file:a2c-iam.db?uri=true", False),
    ("postgresql+psycopg://postgres@127.0.0.1:5432/test", False),
])
def test_in_memory(url: str, memory: bool) -> None:
    assert in_memory(url) is memory


def test_a_database_in_memory_has_no_file(tmp_path: Path) -> None:
    assert Database(create_engine("sqlite://")).sqlite_path is None
    on_disk = Database(create_engine(f"sqlite:///{tmp_path / 'iam.db'}"))
    assert on_disk.sqlite_path == tmp_path / "iam.db"
