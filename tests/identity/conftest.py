"""One identity service per database kind for the whole session; one fresh account per test.

Every test that takes ``svc`` runs twice: on a SQLite file and on the PostgreSQL server named by
``A2C_IAM_TEST_POSTGRES_URL`` (in a schema of its own, dropped at the end). Accounts isolate
tests from each other, so the service (and its migrated database) is shared.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from a2c_iam.identity import CallContext, IdentityService, NewAccount

PG_ENV = "A2C_IAM_TEST_POSTGRES_URL"
PG_HOWTO = (
    f"PostgreSQL tests need {PG_ENV}, e.g. "
    f"{PG_ENV}=postgresql+psycopg://postgres@127.0.0.1:5432/test python -m pytest tests/identity"
)


@dataclass(frozen=True)
class Backend:
    """Where a service lives, so that other processes can open the same store."""

    kind: str
    url: str
    schema: str | None
    key_file: Path

    def open(self) -> IdentityService:
        return IdentityService.open(self.url, schema=self.schema, key_file=self.key_file)


@pytest.fixture(scope="session")
def _pg_schema() -> Iterator[str]:
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(PG_HOWTO)
    schema = f"t_identity_{os.getpid()}_{secrets.token_hex(4)}"
    yield schema
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Backend:
    home = tmp_path_factory.mktemp(f"identity-{request.param}")
    key_file = home / "master.key"
    if request.param == "sqlite":
        return Backend("sqlite", f"sqlite:///{home / 'iam.db'}", None, key_file)
    schema = request.getfixturevalue("_pg_schema")
    return Backend("postgresql", os.environ[PG_ENV], schema, key_file)


@pytest.fixture(scope="session")
def svc(backend: Backend) -> Iterator[IdentityService]:
    service = backend.open()
    yield service
    service.close()


@pytest.fixture
def account(svc: IdentityService) -> NewAccount:
    return svc.create_account()


@pytest.fixture
def ctx(svc: IdentityService, account: NewAccount) -> CallContext:
    return svc.context(account.account_id)


Call = Callable[..., dict[str, Any]]


@pytest.fixture
def call(svc: IdentityService, ctx: CallContext) -> Call:
    """``call("CreateUser", UserName="alice")``: an IAM operation as root of the test's account."""

    def run(operation: str, **params: Any) -> dict[str, Any]:
        return svc.run("iam", operation, ctx, **params)

    return run


def policy(*actions: str, resource: str = "*", effect: str = "Allow") -> str:
    import json

    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": effect, "Action": list(actions), "Resource": resource}]})


TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":'
         '{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}')
