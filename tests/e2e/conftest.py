"""The real server (app + IdentityService on a SQLite file) on loopback, for boto3 and the CLI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from e2e_server import ACCOUNT, Served

from a2c_iam.api.app import Clock, create_app
from a2c_iam.api.server import ServerThread
from a2c_iam.identity.service import IdentityService


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    home = tmp_path_factory.mktemp("served")
    svc = IdentityService.open(f"sqlite:///{home / 'iam.db'}")
    new = svc.create_account(ACCOUNT)
    clock = Clock()
    with ServerThread(create_app(svc, clock=clock)) as server:
        yield Served(server.url, new.account_id,
                     (new.access_key_id, new.secret.get_secret_value()), svc, clock, home)
    svc.close()
