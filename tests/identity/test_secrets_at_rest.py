"""No secret access key or session token can be found in the raw database.

SQLite: the bytes of the database file and its WAL. PostgreSQL: a ``pg_dump`` of the test schema
(or, without ``pg_dump``, every row of every table): ``conftest.raw_database``. The secrets are
first checked to work (the key resolves, the session exists), so that the search is not vacuous.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from raw_store import raw_database, secret_forms
from sqlalchemy import select

from a2c_iam.identity import CallContext
from a2c_iam.store import schema as s


def _secrets(svc: Any, account: Any, call: Any) -> list[str]:
    call("CreateUser", UserName="keeper")
    key = call("CreateAccessKey", UserName="keeper")["AccessKey"]
    found = [key["SecretAccessKey"], account.secret.get_secret_value()]
    record = svc.lookup_key(key["AccessKeyId"])
    assert record is not None and record.secret == key["SecretAccessKey"]
    if svc.implements("sts", "GetSessionToken"):
        caller = svc.resolve(record)
        ctx = CallContext(account.account_id, caller.arn, "req-secrets", caller)
        creds = svc.run("sts", "GetSessionToken", ctx)["Credentials"]
        found += [creds["SecretAccessKey"], creds["SessionToken"]]
    return found


def test_no_secret_in_the_raw_database(backend: Any, svc: Any, account: Any, call: Any) -> None:
    secrets = _secrets(svc, account, call)
    assert len(secrets) == 4  # a user's key, the root key, a session's secret and token
    raw = raw_database(backend, svc)
    assert b"keeper" in raw  # the dump does contain the account's data
    for secret in secrets:
        for form in secret_forms(secret):
            assert form not in raw


def test_secret_values_do_not_print(svc: Any, account: Any) -> None:
    assert account.secret.get_secret_value() not in repr(account)
    assert account.secret.get_secret_value() not in f"{account.secret}"
    record = svc.lookup_key(account.access_key_id)
    assert record is not None and record.secret not in repr(record)


def test_a_wrong_master_key_is_refused_not_used(backend: Any, svc: Any, account: Any,
                                                tmp_path: Path) -> None:
    from a2c_iam.identity.errors import ConfigurationError
    from a2c_iam.identity.keys import decrypt_secret
    from a2c_iam.identity.secrets import Cipher

    with svc.db.read() as conn:
        blob = conn.execute(select(s.access_keys.c.secret).where(
            s.access_keys.c.id == account.access_key_id)).scalar_one()
    other = Cipher(b"\x07" * 32)
    with pytest.raises(ConfigurationError):
        decrypt_secret(other, account.access_key_id, blob)
    assert decrypt_secret(svc.cipher, account.access_key_id, blob) == account.secret


def test_master_key_file_is_created_private_beside_the_database(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from a2c_iam.identity import IdentityService
    from a2c_iam.identity.errors import ConfigurationError
    from a2c_iam.identity.secrets import MASTER_KEY_ENV

    monkeypatch.delenv(MASTER_KEY_ENV, raising=False)
    url = f"sqlite:///{tmp_path / 'iam.db'}"
    svc = IdentityService.open(url)
    try:
        new = svc.create_account()
    finally:
        svc.close()
    key_file = tmp_path / "iam.db.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    again = IdentityService.open(url)  # same key: the stored secret still decrypts
    try:
        record = again.lookup_key(new.access_key_id)
        assert record is not None and record.secret == new.secret.get_secret_value()
    finally:
        again.close()
    key_file.chmod(0o644)
    with pytest.raises(ConfigurationError):
        IdentityService.open(url)
