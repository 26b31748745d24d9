"""``audit --db`` reads the store's own credential report (root row included), parsed as a report
file is, inside one read transaction: no per-user API calls, and nothing written to the store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from audit_helpers import DATA
from sqlalchemy import create_engine, select

from a2c_iam.audit import parse_credential_report, run_audit
from a2c_iam.audit.credentials import ROOT_ROW
from a2c_iam.audit.sources import from_store
from a2c_iam.cli.main import main
from a2c_iam.identity import CallContext, IdentityService
from a2c_iam.store import schema as s

ACCOUNT = "111122223333"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def _store(tmp_path: Path) -> tuple[str, str]:
    """The risky account in a SQLite store, bob with a key; the url and the root key's id."""
    url = f"sqlite:///{tmp_path / 'iam.db'}"
    svc = IdentityService.open(url)
    try:
        new = svc.create_account(ACCOUNT)
        svc.import_details(ACCOUNT, json.loads((DATA / "risky-account.json").read_text()))
        svc.invoke("iam", "CreateAccessKey", {"UserName": "bob"}, svc.context(ACCOUNT))
    finally:
        svc.close()
    return url, new.access_key_id


def _dump(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: sorted((tuple(r) for r in conn.execute(select(t))), key=repr)
                    for t in s.metadata.sorted_tables}
    finally:
        engine.dispose()


def test_the_store_report_has_a_root_row_and_the_key_ids(tmp_path: Path) -> None:
    url, root_key = _store(tmp_path)
    acct = from_store(url)
    assert acct.credentials is not None
    root = acct.credentials[ROOT_ROW]
    assert [k.key_id for k in root.active_keys] == [root_key]
    assert root.mfa_active is None  # not_supported: the store gives root no MFA device
    assert acct.root_keys_present is True
    bob = acct.credentials["bob"]
    assert bob.password_enabled is False and bob.mfa_active is False
    assert len(bob.active_keys) == 1 and str(bob.active_keys[0].key_id).startswith("AKIA")
    findings = run_audit(acct).findings
    [found] = [f for f in findings if f.code == "ROOT_ACCESS_KEY"]
    assert found.principals == (ROOT,)
    assert found.message == "The root user has 1 active access key(s)."
    assert found.details == (f"key 1 {root_key[:4]}…{root_key[-4:]}, active, created "
                             f"{root.keys[0].created:%Y-%m-%d}, never used",)
    # the store cannot give root an MFA device, so it is not reported as missing
    assert "ROOT_MFA_DISABLED" not in {f.code for f in findings}


def test_the_same_report_as_get_credential_report(tmp_path: Path) -> None:
    """The store's report, parsed by the reader of report files, is what --db sees (but for the
    key ids, which only the store hands over)."""
    url, _ = _store(tmp_path)
    svc = IdentityService.open(url)
    try:
        ctx = svc.context(ACCOUNT)
        svc.invoke("iam", "CreateLoginProfile", {"UserName": "bob", "Password": "B0b-console!"},
                   ctx)
        svc.invoke("iam", "GenerateCredentialReport", {}, ctx)
        content = svc.invoke("iam", "GetCredentialReport", {}, ctx)["Content"]
    finally:
        svc.close()
    text = content.decode() if isinstance(content, bytes) else str(content)
    wire = parse_credential_report(text)
    acct = from_store(url)
    assert acct.credentials is not None and set(acct.credentials) == set(wire)
    for name, creds in acct.credentials.items():
        expected = wire[name]
        assert (creds.password_enabled, creds.password_last_used, creds.mfa_active) == (
            expected.password_enabled, expected.password_last_used, expected.mfa_active)
        assert [k.key_id is not None for k in creds.keys] == [True] * len(expected.keys)
        assert [(k.number, k.active, k.created, k.last_used) for k in creds.keys] == [
            (k.number, k.active, k.created, k.last_used) for k in expected.keys]
    assert acct.credentials["bob"].password_enabled is True


def test_no_operation_is_called_per_user(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url, _ = _store(tmp_path)

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"audit --db called an operation: {args[1:3]}")

    monkeypatch.setattr(IdentityService, "invoke", refuse)
    acct = from_store(url)
    assert acct.credentials is not None and "bob" in acct.credentials


def test_a_used_root_key_is_found_with_db(tmp_path: Path) -> None:
    """The root row carries the root key's last use: ROOT_ACCESS_KEY_USED, which the per-user
    key APIs (no root row) never raised for a store."""
    url, root_key = _store(tmp_path)
    svc = IdentityService.open(url)
    try:
        record = svc.lookup_key(root_key)
        assert record is not None
        ctx = CallContext(ACCOUNT, ROOT, "audit-test", caller=svc.resolve(record))
        svc.invoke("iam", "ListUsers", {}, ctx, {"aws:RequestedRegion": "eu-west-1"})
    finally:
        svc.close()
    [used] = [f for f in run_audit(from_store(url)).findings if f.code == "ROOT_ACCESS_KEY_USED"]
    assert used.principals == (ROOT,)
    assert "service iam" in used.details[0] and "region eu-west-1" in used.details[0]


def test_audit_db_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No GenerateCredentialReport event, no generation bump, not a row changed anywhere."""
    url, _ = _store(tmp_path)
    before = _dump(url)
    assert main(["audit", "--db", url, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert "ROOT_ACCESS_KEY" in {f["code"] for f in data["findings"]}
    after = _dump(url)
    assert [r for r in after["audit_events"] if "GenerateCredentialReport" in r] == []
    assert after["accounts"] == before["accounts"]  # the generation among them
    assert after == before
