"""Credential data that GAAD lacks: AWS's credential report, and the per-user key APIs.

The credential report (``aws iam generate-credential-report`` then ``aws iam get-credential-report
--query Content --output text | base64 -d``) is a CSV file whose first line names the columns:
``user,arn,user_creation_time,password_enabled,password_last_used,…,mfa_active,
access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,
access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_…``. The root user's row
is named ``<root_account>``. Dates are ISO 8601; ``N/A``, ``no_information`` and ``not_supported``
mean no value. Only the columns read here are required, so older and newer reports both work.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Mapping
from typing import Any

from .errors import AuditInputError
from .model import AccessKey, Credentials, parse_time

__all__ = ["ROOT_ROW", "credentials_from_api", "parse_credential_report"]

ROOT_ROW = "<root_account>"
_REQUIRED = ("user", "password_enabled", "access_key_1_active", "access_key_2_active")


def _flag(value: str | None) -> bool | None:
    if value is None:
        return None
    v = value.strip().lower()
    if v == "true":
        return True
    if v == "false":
        return False
    return None


def _text(value: str | None) -> str | None:
    if value is None:
        return None
    v = value.strip()
    return None if v in ("", "N/A", "no_information", "not_supported") else v


def parse_credential_report(text: str) -> dict[str, Credentials]:
    """Credentials per user name (``<root_account>`` for root) from a credential report CSV."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    missing = [c for c in _REQUIRED if c not in columns]
    if missing:
        raise AuditInputError(
            f"not an IAM credential report: missing column(s) {', '.join(missing)} (expected the "
            "CSV of 'aws iam get-credential-report', first line user,arn,user_creation_time,…)"
        )
    out: dict[str, Credentials] = {}
    try:
        for row in reader:
            user = (row.get("user") or "").strip()
            if not user:
                continue
            keys = []
            for n in (1, 2):
                active = _flag(row.get(f"access_key_{n}_active"))
                rotated = parse_time(row.get(f"access_key_{n}_last_rotated"))
                if not active and rotated is None:
                    continue  # no such key
                keys.append(AccessKey(
                    n, None, bool(active), rotated,
                    parse_time(row.get(f"access_key_{n}_last_used_date")),
                    _text(row.get(f"access_key_{n}_last_used_service")),
                    _text(row.get(f"access_key_{n}_last_used_region")),
                ))
            out[user] = Credentials(
                user, _flag(row.get("password_enabled")),
                parse_time(row.get("password_last_used")), _flag(row.get("mfa_active")),
                tuple(keys),
            )
    except csv.Error as exc:
        raise AuditInputError(f"the credential report is not valid CSV: {exc}") from exc
    return out


#: Calls an IAM operation by its AWS name with AWS member names; returns the output shape.
#: Raises ``LookupError`` for "no such entity" (a user without a login profile) and
#: ``NotImplementedError`` when the endpoint does not implement the operation.
Caller = Callable[[str, Mapping[str, Any]], Mapping[str, Any]]


def credentials_from_api(call: Caller, user_names: list[str]) -> dict[str, Credentials]:
    """Credentials per user from ``ListAccessKeys``, ``GetAccessKeyLastUsed``,
    ``GetLoginProfile`` and ``ListMFADevices``, for a live endpoint without a credential report
    (no root row: the caller asks ``GetAccountSummary`` for root keys). Passwords / MFA are
    unknown (None) once the endpoint says it lacks ``GetLoginProfile`` / ``ListMFADevices``."""
    login_profiles = mfa_devices = True
    out: dict[str, Credentials] = {}
    for name in user_names:
        keys = []
        listed = call("ListAccessKeys", {"UserName": name}).get("AccessKeyMetadata") or []
        for n, meta in enumerate(listed, 1):
            key_id = str(meta.get("AccessKeyId"))
            used = call("GetAccessKeyLastUsed", {"AccessKeyId": key_id}).get(
                "AccessKeyLastUsed") or {}
            keys.append(AccessKey(
                n, key_id, meta.get("Status") == "Active", parse_time(meta.get("CreateDate")),
                parse_time(used.get("LastUsedDate")), _text(used.get("ServiceName")),
                _text(used.get("Region")),
            ))
        password: bool | None = None
        if login_profiles:
            try:
                call("GetLoginProfile", {"UserName": name})
                password = True
            except LookupError:
                password = False
            except NotImplementedError:
                login_profiles = False  # the endpoint has no login profiles: passwords unknown
        mfa: bool | None = None
        if mfa_devices:
            try:
                mfa = bool(call("ListMFADevices", {"UserName": name}).get("MFADevices"))
            except NotImplementedError:
                mfa_devices = False
        out[name] = Credentials(name, password, None, mfa, tuple(keys))
    return out
