"""Where an account comes from: an export file, a live IAM endpoint, or the local store.

All three produce the same GAAD document and credential data, so every check runs the same way
on each. A live endpoint is read with boto3's ``get_account_authorization_details`` paginator;
key data comes from the credential report when the endpoint has one, else from
``ListAccessKeys``/``GetAccessKeyLastUsed``/``GetLoginProfile``/``ListMFADevices`` per user, and
the root user's keys from ``GetAccountSummary`` (``AccountAccessKeysPresent``).

The local store makes the same credential report as its ``GetCredentialReport`` (root row
included), parsed by the same ``parse_credential_report``, but inside one read transaction
(``identity.reports.read_report``): ``GenerateCredentialReport`` would record an audit event,
and an audit of the store writes nothing to it. The store also hands over the key ids, which the
CSV leaves out, so findings name keys as they did when the key APIs were called per user.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from .credentials import ROOT_ROW, credentials_from_api, parse_credential_report
from .errors import AuditInputError
from .model import Account, account_from_gaad

__all__ = ["from_endpoint", "from_file", "from_store"]

#: Error codes with which an endpoint says it does not implement an operation.
_UNSUPPORTED = frozenset({"InvalidAction", "NotImplemented", "UnsupportedOperation"})


def from_file(text: str, name: str, credential_report: str | None = None) -> Account:
    """An account from the JSON text of a GAAD export (and a credential report's CSV text)."""
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise AuditInputError(f"{name} is not JSON: {exc}") from exc
    account = account_from_gaad(data, source=name)
    if credential_report is not None:
        account.credentials = parse_credential_report(credential_report)
    return account


def from_endpoint(endpoint_url: str | None, profile: str | None, region: str | None) -> Account:
    """An account read from a live IAM endpoint (AWS itself, or ``a2c-iam serve``)."""
    import boto3
    import botocore.exceptions

    try:
        session = boto3.Session(profile_name=profile, region_name=region or "us-east-1")
        try:
            iam = session.client("iam", endpoint_url=endpoint_url)
            sts = session.client("sts", endpoint_url=endpoint_url)
        except ValueError as exc:  # botocore's "Invalid endpoint: …"
            raise AuditInputError(f"{exc} (expected a URL such as http://127.0.0.1:8080)") from exc
        pages = list(iam.get_paginator("get_account_authorization_details").paginate())
        try:
            account_id = str(sts.get_caller_identity()["Account"])
        except botocore.exceptions.ClientError:
            account_id = None
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        raise AuditInputError(str(error.get("Message", exc)), str(error.get("Code"))) from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise AuditInputError(str(exc)) from exc
    account = account_from_gaad(pages, account_id, source=endpoint_url or "AWS")

    def call(operation: str, params: Mapping[str, Any]) -> Mapping[str, Any]:
        from botocore import xform_name

        try:
            result: Mapping[str, Any] = getattr(iam, xform_name(operation))(**params)
            return result
        except botocore.exceptions.ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "NoSuchEntity":
                raise LookupError(operation) from exc
            if code in _UNSUPPORTED:
                raise NotImplementedError(operation) from exc
            raise AuditInputError(str(exc.response.get("Error", {}).get("Message", exc)),
                                  str(code)) from exc
        except botocore.exceptions.BotoCoreError as exc:
            raise AuditInputError(f"{operation}: {exc}") from exc

    account.credentials = _credential_report(call) or _safe_keys(call, account)
    account.root_keys_present = _root_keys(call)
    return account


def _root_keys(call: Any) -> bool | None:
    """``AccountAccessKeysPresent`` of ``GetAccountSummary``; None where the endpoint lacks it."""
    try:
        summary = call("GetAccountSummary", {}).get("SummaryMap") or {}
    except (AuditInputError, LookupError, NotImplementedError):
        return None
    present = summary.get("AccountAccessKeysPresent")
    return None if present is None else bool(present)


def _credential_report(call: Any) -> Any:
    """The parsed credential report, or None where the endpoint does not make one."""
    try:
        for _ in range(10):
            state = call("GenerateCredentialReport", {}).get("State")
            if state == "COMPLETE":
                break
            time.sleep(1)
        content = call("GetCredentialReport", {}).get("Content")
    except (AuditInputError, LookupError, NotImplementedError):
        return None
    if not content:
        return None
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    return parse_credential_report(text)


def _safe_keys(call: Any, account: Account) -> Any:
    try:
        return credentials_from_api(call, sorted(account.users))
    except (AuditInputError, NotImplementedError):
        return None


def from_store(url: str, account_id: str | None = None) -> Account:
    """An account from the local store (``a2c-iam serve``'s database)."""
    from ..identity import IdentityService
    from ..identity.errors import IdentityError
    from ..identity.reports import read_report
    from ..store import StoreError

    _existing_store(url)
    try:
        svc = IdentityService.open(url)
    except StoreError as exc:
        raise AuditInputError(f"cannot open the store at {url}: {exc}") from exc
    try:
        accounts = svc.accounts()
        if account_id is None:
            if len(accounts) != 1:
                raise AuditInputError(
                    f"the store at {url} holds {len(accounts)} accounts; name one with --account"
                    + (f" ({', '.join(accounts)})" if accounts else ""))
            account_id = accounts[0]
        elif account_id not in accounts:
            raise AuditInputError(f"the store at {url} has no account {account_id}",
                                  "NoSuchEntity")
        details = svc.authorization_details(account_id)
        account = account_from_gaad(details, account_id, source=url)
        report = read_report(svc, account_id)
        account.credentials = parse_credential_report(report.csv)
        for name, creds in account.credentials.items():  # the key ids AWS's CSV leaves out
            key_ids = report.key_ids.get(name, ())
            creds.keys = tuple(replace(key, key_id=key_ids[key.number - 1])
                               if key.number <= len(key_ids) else key for key in creds.keys)
        root = account.credentials.get(ROOT_ROW)
        # AccountAccessKeysPresent, as GetAccountSummary counts it: any root key, active or not.
        account.root_keys_present = None if root is None else bool(root.keys)
        return account
    except IdentityError as exc:
        raise AuditInputError(getattr(exc, "message", str(exc)),
                              getattr(exc, "code", None)) from exc
    except StoreError as exc:
        raise AuditInputError(f"cannot read the store at {url}: {exc}") from exc
    finally:
        svc.close()


def _existing_store(url: str) -> None:
    """Refuse a URL that is not a database URL, or a SQLite file that does not exist: an audit
    reads a store, it must not create one (with a master key beside it) by mistake."""
    from pathlib import Path

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise AuditInputError(f"'{url}' is not a database URL (e.g. sqlite:///a2c-iam.db or "
                              "postgresql+psycopg://user@host/db)") from exc
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            raise AuditInputError(f"no store at {url}: {parsed.database} does not exist")
