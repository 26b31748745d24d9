"""IAM's credential report: ``GenerateCredentialReport`` and ``GetCredentialReport``.

The report is AWS's CSV (IAM User Guide, "Getting credential reports"): a header line naming the
22 columns of ``COLUMNS``, then one row for the root user (``<root_account>``) and one per IAM
user, in name order. Values are ``true``/``false``, times in ISO 8601 at whole seconds with an
explicit UTC offset (``2026-12-04T07:30:00+00:00``, the form AWS's reports use), ``N/A`` where
there is nothing to report (no password, no second key, a key never used) and, as in AWS:

- ``password_enabled``, ``password_last_changed`` and ``password_next_rotation`` are
  ``not_supported`` for the root user;
- ``password_last_used`` is ``no_information`` when a password exists but no sign-in with it is
  known. This service offers no console sign-in, so that is every password here, and the root
  user's too (its sign-ins are not tracked either);
- ``password_last_changed`` is when the password was last set (created, reset or changed);
  ``password_next_rotation`` that time plus the password policy's ``MaxPasswordAge`` days, or
  ``N/A`` without a policy that expires passwords;
- ``mfa_active`` is whether an MFA device is enabled for the user; ``not_supported`` for the
  root user, which cannot have an MFA device in this service (AWS says ``true``/``false``): an
  audit of this server should not report a root user without MFA that nobody could fix;
- keys 1 and 2 are the user's access keys by creation time (then id); ``last_rotated`` is a key's
  creation time, for an inactive key too (``active`` says whether it is Active); the last-used
  date, region and service are the key's last-use record (``GetAccessKeyLastUsed``);
- ``cert_N_last_rotated`` is the certificate's upload time (AWS: "created or last changed";
  a status change is not dated here); certificates are numbered by upload time, as keys are.

The report never carries a secret: no key secret, password hash or MFA seed is read for it.

How this differs from AWS, and why:

- Generation is synchronous, and nothing is stored for it but the audit event every mutation
  records: a report *is* the account's last successful ``GenerateCredentialReport`` event
  (``audit_events``), and ``GeneratedTime`` is that event's time. So ``GenerateCredentialReport``
  answers ``State: COMPLETE`` at once (AWS first answers ``STARTED`` with "No report exists.
  Starting a new report generation task" and ``COMPLETE`` once the report is made; clients poll
  until ``COMPLETE``, and a ``COMPLETE`` answer carries no ``Description`` in AWS either), and
  every call makes a new report (AWS hands out the same report for four hours).
- The rows are computed when the report is read, so they show the account as it is then, not as
  it was at ``GeneratedTime``: never older than AWS's snapshot, possibly newer.
  ``GetCredentialReport`` therefore bypasses the service's read cache (keys' last-use records
  change without a write, and reports expire with time).
- A report older than four hours (``REPORT_LIFETIME``) is expired (``ReportExpired``), as AWS's
  documentation of the error describes; without any report the answer is ``ReportNotPresent``.

The error texts are not confirmed against AWS: the answers of AWS quoted in public issue threads
show ``ReportNotPresent`` with no message at all. ``Credential report not present`` is the text of
moto, an emulator many tests run against; the ``ReportExpired`` text is chosen here. The CSV is
joined with ``\\n`` and has no line break after its last row (as AWS's reports appear in public
material; not confirmed either).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from a2c_iam.store import schema as s

from . import ids
from .common import set_target
from .errors import IdentityError
from .logins import read_password_policy
from .tx import Tx

if TYPE_CHECKING:
    from .service import IdentityService

#: The columns of AWS's credential report, in AWS's order.
COLUMNS = (
    "user", "arn", "user_creation_time", "password_enabled", "password_last_used",
    "password_last_changed", "password_next_rotation", "mfa_active",
    "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
    "access_key_1_last_used_region", "access_key_1_last_used_service",
    "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
    "access_key_2_last_used_region", "access_key_2_last_used_service",
    "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
)
ROOT_ROW = "<root_account>"
REPORT_FORMAT = "text/csv"
#: How long a report can be read after it was generated.
REPORT_LIFETIME = timedelta(hours=4)
#: The operation whose successful audit events are the account's reports.
GENERATE = "GenerateCredentialReport"

NA = "N/A"
NO_INFORMATION = "no_information"
NOT_SUPPORTED = "not_supported"

NOT_PRESENT = "Credential report not present"
EXPIRED = "Credential report expired. Use GenerateCredentialReport to generate a new one."


class CredentialReportNotPresent(IdentityError):
    model = ("iam", "CredentialReportNotPresentException")


class CredentialReportExpired(IdentityError):
    model = ("iam", "CredentialReportExpiredException")


# -- operations ------------------------------------------------------------------------------------


def generate_credential_report(tx: Tx) -> dict[str, Any]:
    """A new report, complete at once: the audit event this call records is the report."""
    set_target(tx, "*")
    return {"State": "COMPLETE"}


def get_credential_report(tx: Tx) -> dict[str, Any]:
    set_target(tx, "*")
    generated = last_generated(tx)
    if generated is None:
        raise CredentialReportNotPresent(NOT_PRESENT)
    if tx.now - generated > REPORT_LIFETIME:
        raise CredentialReportExpired(EXPIRED)
    return {"Content": report_csv(tx).encode("utf-8"), "ReportFormat": REPORT_FORMAT,
            "GeneratedTime": generated}


def last_generated(tx: Tx) -> datetime | None:
    """When the account's last report was generated (its last successful generate event)."""
    e = s.audit_events.c
    at: datetime | None = tx.conn.execute(
        select(e.at).where(e.account_id == tx.account_id, e.operation == GENERATE,
                           e.outcome == "Success")
        .order_by(e.id.desc()).limit(1)).scalar()
    return at


@dataclass(frozen=True, slots=True)
class StoreReport:
    """What ``read_report`` reads: the report, and the key ids the CSV leaves out."""

    csv: str
    #: The access key ids of each row (user name, ``<root_account>``), numbered as in the report.
    key_ids: dict[str, tuple[str, ...]]


def read_report(service: IdentityService, account_id: str) -> StoreReport:
    """The account's credential report (``report_csv``) made in one read transaction, for a
    reader of the store itself (``a2c-iam audit --db``): unlike ``GenerateCredentialReport``
    it records no audit event, and nothing is written."""
    with service.db.read() as conn:
        tx = Tx(conn, service.context(account_id), datetime.now(UTC), service.cipher,
                attempts=service.attempts)
        text = report_csv(tx)
        k, u = s.access_keys.c, s.users.c
        key_ids: dict[str, list[str]] = {}
        for row in conn.execute(
                select(k.id.label("key_id"), u.name.label("user_name"))
                .select_from(s.access_keys.outerjoin(s.users, k.user_id == u.id))
                .where(k.account_id == account_id).order_by(k.created_at, k.id)):
            key_ids.setdefault(row.user_name or ROOT_ROW, []).append(row.key_id)
    return StoreReport(text, {name: tuple(found) for name, found in key_ids.items()})


# -- the report ------------------------------------------------------------------------------------


def report_csv(tx: Tx) -> str:
    """The account's credential report as AWS's CSV text (header line first)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(report_rows(tx))
    return out.getvalue().removesuffix("\n")


def report_rows(tx: Tx) -> Iterable[Sequence[str]]:
    account = tx.account_id
    conn = tx.conn
    keys: dict[str | None, list[Any]] = {}
    k = s.access_keys.c
    for key in conn.execute(select(k.user_id, k.status, k.created_at, k.last_used_at,
                                   k.last_used_region, k.last_used_service)
                            .where(k.account_id == account).order_by(k.created_at, k.id)):
        keys.setdefault(key.user_id, []).append(key)
    certificates: dict[str | None, list[Any]] = {}
    c = s.signing_certificates.c
    for cert in conn.execute(select(c.user_id, c.status, c.uploaded_at)
                             .where(c.account_id == account).order_by(c.uploaded_at, c.id)):
        certificates.setdefault(cert.user_id, []).append(cert)
    lp = s.login_profiles.c
    passwords = {r.user_id: r for r in conn.execute(
        select(lp.user_id, lp.created_at, lp.password_changed_at).where(lp.account_id == account))}
    d = s.mfa_devices.c
    with_mfa = {r.user_id for r in conn.execute(
        select(d.user_id).where(d.account_id == account, d.user_id.is_not(None)))}
    max_age = _max_password_age(tx)

    created = conn.execute(select(s.accounts.c.created_at).where(
        s.accounts.c.id == account)).scalar_one()
    yield [ROOT_ROW, ids.root_arn(account), _time(created), NOT_SUPPORTED, NO_INFORMATION,
           NOT_SUPPORTED, NOT_SUPPORTED, NOT_SUPPORTED, *_key_columns(keys.get(None, [])),
           *_certificate_columns(certificates.get(None, []))]

    u = s.users.c
    for user in conn.execute(select(u.id, u.name, u.path, u.created_at)
                             .where(u.account_id == account).order_by(u.name_lower)):
        profile = passwords.get(user.id)
        if profile is None:
            password = ["false", NA, NA, NA]
        else:
            changed = profile.password_changed_at or profile.created_at
            rotation = _time(changed + timedelta(days=max_age)) if max_age > 0 else NA
            password = ["true", NO_INFORMATION, _time(changed), rotation]
        yield [user.name, ids.arn(account, "user", user.path, user.name), _time(user.created_at),
               *password, _flag(user.id in with_mfa), *_key_columns(keys.get(user.id, [])),
               *_certificate_columns(certificates.get(user.id, []))]


def _key_columns(keys: Sequence[Any]) -> list[str]:
    """The five columns of key 1, then of key 2 (a key that does not exist: ``false``, N/A…)."""
    out: list[str] = []
    for n in range(2):
        if n >= len(keys):
            out += ["false", NA, NA, NA, NA]
            continue
        key = keys[n]
        used = key.last_used_at
        out += [_flag(key.status == "Active"), _time(key.created_at),
                NA if used is None else _time(used),
                (key.last_used_region or NA) if used is not None else NA,
                (key.last_used_service or NA) if used is not None else NA]
    return out


def _certificate_columns(certificates: Sequence[Any]) -> list[str]:
    """``cert_1_active``, ``cert_1_last_rotated``, then the same of certificate 2."""
    out: list[str] = []
    for n in range(2):
        if n >= len(certificates):
            out += ["false", NA]
            continue
        out += [_flag(certificates[n].status == "Active"), _time(certificates[n].uploaded_at)]
    return out


def _max_password_age(tx: Tx) -> int:
    """The password policy's ``MaxPasswordAge`` in days (0: passwords do not expire)."""
    value = (read_password_policy(tx.conn, tx.account_id) or {}).get("MaxPasswordAge")
    return int(value) if isinstance(value, int) and value > 0 else 0


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _time(value: datetime) -> str:
    """AWS's form of a time in the report: ``2026-12-04T07:30:00+00:00``."""
    return value.replace(microsecond=0).isoformat()
