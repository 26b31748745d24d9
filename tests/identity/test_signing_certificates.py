"""X.509 signing certificates of users and of the root user: uploaded, listed, updated, deleted,
refused, authorised; on SQLite and PostgreSQL. A refused call changes nothing (no row, no new
generation of the account) and never repeats the body it was given.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from callers import new_user, refused
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from policy_docs import allow
from sqlalchemy import func, select
from test_server_certificates import (
    KEY_TYPE,
    UNPARSABLE,
    ec_key,
    gen,
    make_cert,
    rsa_key,
    self_signed,
)

from a2c_iam.identity import IdentityService
from a2c_iam.store import schema as s

CERT_ID = re.compile(r"[A-Z2-7]{32}")
DUPLICATE = ("The request was rejected because the same certificate is associated with an IAM "
             "user in the account.")


def signing_rows(svc: IdentityService, account: Any) -> int:
    with svc.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(s.signing_certificates).where(
            s.signing_certificates.c.account_id == account.account_id)).scalar_one())


def test_upload_list_update_delete(call: Any, account: Any, svc: IdentityService) -> None:
    call("CreateUser", UserName="soap", Path="/legacy/")
    made = make_cert(rsa_key(0), "soap-client")
    before = gen(svc, account)
    up = call("UploadSigningCertificate", UserName="SOAP", CertificateBody=made.pem)["Certificate"]
    assert gen(svc, account) > before
    assert CERT_ID.fullmatch(up["CertificateId"])
    assert (up["UserName"], up["CertificateBody"], up["Status"]) == ("soap", made.pem, "Active")
    assert abs((datetime.now(UTC) - up["UploadDate"]).total_seconds()) < 60
    second = call("UploadSigningCertificate", UserName="soap",
                  CertificateBody=self_signed(5).pem)["Certificate"]
    listed = call("ListSigningCertificates", UserName="soap")
    assert listed == {"Certificates": [up, second], "IsTruncated": False}  # in upload order
    call("UpdateSigningCertificate", UserName="soap", CertificateId=up["CertificateId"],
         Status="Inactive")
    assert call("ListSigningCertificates", UserName="soap")["Certificates"][0]["Status"] == (
        "Inactive")
    err = refused(call, "DeleteUser", UserName="soap")
    assert (err.code, err.status, err.message) == (
        "DeleteConflict", 409, "Cannot delete entity, must delete certificates first.")
    for cert in (up, second):
        call("DeleteSigningCertificate", UserName="soap", CertificateId=cert["CertificateId"])
    err = refused(call, "DeleteSigningCertificate", UserName="soap",
                  CertificateId=up["CertificateId"])
    assert (err.code, err.status, err.message) == (
        "NoSuchEntity", 404, f"The Signing Certificate with id {up['CertificateId']} cannot be "
        "found.")
    assert call("ListSigningCertificates", UserName="soap")["Certificates"] == []
    call("DeleteUser", UserName="soap")


def test_two_per_user_and_one_upload_per_account(call: Any, account: Any,
                                                 svc: IdentityService) -> None:
    call("CreateUser", UserName="a")
    call("CreateUser", UserName="b")
    first = self_signed(6)
    call("UploadSigningCertificate", UserName="a", CertificateBody=first.pem)
    call("UploadSigningCertificate", UserName="a", CertificateBody=self_signed(7).pem)
    before = gen(svc, account)
    err = refused(call, "UploadSigningCertificate", UserName="a",
                  CertificateBody=self_signed(8).pem)
    assert (err.code, err.status, err.message) == (
        "LimitExceeded", 409, "Cannot exceed quota for SigningCertificatesPerUser: 2")
    for user in ("a", "b"):  # the same certificate again, for its user or another
        err = refused(call, "UploadSigningCertificate", UserName=user, CertificateBody=first.pem)
        assert (err.code, err.status, err.message) == ("DuplicateCertificate", 409, DUPLICATE)
    # The same certificate with other white space is still the same certificate.
    err = refused(call, "UploadSigningCertificate", UserName="b",
                  CertificateBody="\n" + first.pem.replace("\n", "\r\n"))
    assert err.code == "DuplicateCertificate"
    assert (signing_rows(svc, account), gen(svc, account)) == (2, before)
    call("UploadSigningCertificate", UserName="b", CertificateBody=self_signed(8).pem)
    # Another account may hold the same certificate.
    other = svc.create_account()
    svc.run("iam", "UploadSigningCertificate", svc.context(other.account_id),
            CertificateBody=first.pem)
    assert call("GetAccountSummary")["SummaryMap"]["SigningCertificatesPerUserQuota"] == 2


def test_the_root_user_has_its_own(call: Any, account: Any, svc: IdentityService) -> None:
    summary = call("GetAccountSummary")["SummaryMap"]
    assert summary["AccountSigningCertificatesPresent"] == 0
    up = call("UploadSigningCertificate", CertificateBody=self_signed(9).pem)["Certificate"]
    assert up["UserName"] == account.account_id
    assert call("ListSigningCertificates")["Certificates"] == [up]
    assert call("GetAccountSummary")["SummaryMap"]["AccountSigningCertificatesPresent"] == 1
    call("CreateUser", UserName="u")
    assert call("ListSigningCertificates", UserName="u")["Certificates"] == []
    err = refused(call, "UpdateSigningCertificate", UserName="u", CertificateId=up["CertificateId"],
                  Status="Inactive")
    assert err.code == "NoSuchEntity"  # a root certificate is no user's
    call("UpdateSigningCertificate", CertificateId=up["CertificateId"], Status="Inactive")
    call("DeleteSigningCertificate", CertificateId=up["CertificateId"])
    assert call("GetAccountSummary")["SummaryMap"]["AccountSigningCertificatesPresent"] == 0


def _refusals() -> list[tuple[str, str, str, str]]:
    good = self_signed(12)
    key = good.key_pem()
    huge = make_cert(None, "huge", public_key=rsa.RSAPublicNumbers(
        65537, (1 << 16400) + 1).public_key(), signer=ec_key(20))
    return [
        ("garbage-base64", "-----BEGIN CERTIFICATE-----\n!!!notbase64\n-----END CERTIFICATE-----",
         "MalformedCertificate", UNPARSABLE),
        ("words", "hello world", "MalformedCertificate", UNPARSABLE),
        ("private-key", key, "MalformedCertificate", UNPARSABLE),
        ("certificate-then-key", good.pem + key, "MalformedCertificate", UNPARSABLE),
        ("two-certificates", good.pem + self_signed(13).pem, "MalformedCertificate", UNPARSABLE),
        ("expired", make_cert(ec_key(12), start=timedelta(days=-3)).pem, "MalformedCertificate",
         "The certificate is expired: its notAfter date has passed."),
        ("rsa-16401-bits", huge.pem, "InvalidCertificate", KEY_TYPE),
        ("ed25519", make_cert(ed25519.Ed25519PrivateKey.generate(), "ed").pem,
         "InvalidCertificate", KEY_TYPE),
        ("huge-body", good.pem + key * 80, "ValidationError", ""),
    ]


@pytest.mark.parametrize(("label", "body", "code", "message"), _refusals(),
                         ids=[r[0] for r in _refusals()])
def test_refused_uploads_change_nothing(call: Any, account: Any, svc: IdentityService,
                                        label: str, body: str, code: str, message: str) -> None:
    call("CreateUser", UserName="soap")
    before = gen(svc, account)
    err = refused(call, "UploadSigningCertificate", UserName="soap", CertificateBody=body)
    assert (err.code, err.status) == (code, 400)
    if message:
        assert err.message == message
    assert body[:60] not in err.message and "PRIVATE" not in err.message
    assert (signing_rows(svc, account), gen(svc, account)) == (0, before)


def test_bad_status_unknown_user_and_ids(call: Any, account: Any, svc: IdentityService) -> None:
    err = refused(call, "UploadSigningCertificate", UserName="ghost",
                  CertificateBody=self_signed().pem)
    assert (err.code, err.message) == ("NoSuchEntity", "The user with name ghost cannot be found.")
    call("CreateUser", UserName="soap")
    cert_id = call("UploadSigningCertificate", UserName="soap",
                   CertificateBody=self_signed().pem)["Certificate"]["CertificateId"]
    before = gen(svc, account)
    err = refused(call, "UpdateSigningCertificate", UserName="soap", CertificateId=cert_id,
                  Status="Expired")
    assert (err.code, err.status) == ("InvalidInput", 400)
    err = refused(call, "UpdateSigningCertificate", UserName="soap", CertificateId="short",
                  Status="Active")
    assert err.code == "ValidationError"  # the model's 24 characters at least
    err = refused(call, "DeleteSigningCertificate", UserName="soap", CertificateId="X" * 32)
    assert err.code == "NoSuchEntity"
    assert gen(svc, account) == before
    assert call("ListSigningCertificates", UserName="soap")["Certificates"][0]["Status"] == "Active"


def test_a_user_manages_its_own_certificates_only(call: Any, account: Any,
                                                  svc: IdentityService) -> None:
    own = f"arn:aws:iam::{account.account_id}:user/" + "${aws:username}"
    user = new_user(call, svc, "coder",
                    allow("iam:UploadSigningCertificate", "iam:ListSigningCertificates",
                          "iam:UpdateSigningCertificate", "iam:DeleteSigningCertificate",
                          resource=own))
    call("CreateUser", UserName="victim", Path="/team/")
    mine = svc.run("iam", "UploadSigningCertificate", user,
                   CertificateBody=self_signed(14).pem)["Certificate"]  # without UserName: its own
    assert mine["UserName"] == "coder"
    assert svc.run("iam", "ListSigningCertificates", user)["Certificates"] == [mine]
    theirs = call("UploadSigningCertificate", UserName="victim",
                  CertificateBody=self_signed(15).pem)["Certificate"]
    named = {"UserName": "victim", "CertificateId": theirs["CertificateId"]}
    for operation, params in (
            ("UploadSigningCertificate", {"UserName": "victim",
                                          "CertificateBody": self_signed(16).pem}),
            ("ListSigningCertificates", {"UserName": "victim"}),
            ("UpdateSigningCertificate", {**named, "Status": "Inactive"}),
            ("DeleteSigningCertificate", named)):
        err = refused(svc.run, "iam", operation, user, **params)
        assert (err.code, err.status) == ("AccessDenied", 403), operation
        assert err.message == (
            f"User: arn:aws:iam::{account.account_id}:user/coder is not authorized to perform: "
            f"iam:{operation} on resource: arn:aws:iam::{account.account_id}:user/team/victim "
            f"because no identity-based policy allows the iam:{operation} action")
    # Without a user name the victim's certificate is not the caller's: no such certificate.
    err = refused(svc.run, "iam", "DeleteSigningCertificate", user,
                  CertificateId=theirs["CertificateId"])
    assert err.code == "NoSuchEntity"
    assert call("ListSigningCertificates", UserName="victim")["Certificates"] == [theirs]
    svc.run("iam", "DeleteSigningCertificate", user, CertificateId=mine["CertificateId"])


def test_the_credential_report_shows_signing_certificates(call: Any) -> None:
    import csv
    import io

    call("CreateUser", UserName="soap")
    first = call("UploadSigningCertificate", UserName="soap",
                 CertificateBody=make_cert(rsa_key(0), "report-1").pem)["Certificate"]
    call("UploadSigningCertificate", UserName="soap",
         CertificateBody=self_signed(7).pem)["Certificate"]
    call("UpdateSigningCertificate", UserName="soap", CertificateId=first["CertificateId"],
         Status="Inactive")
    call("UploadSigningCertificate", CertificateBody=self_signed(8).pem)  # the root user's
    call("GenerateCredentialReport")
    text = call("GetCredentialReport")["Content"].decode()
    rows = {r["user"]: r for r in csv.DictReader(io.StringIO(text))}
    uploaded = first["UploadDate"].astimezone(UTC).replace(microsecond=0).isoformat()
    assert rows["soap"]["cert_1_active"] == "false"
    assert rows["soap"]["cert_1_last_rotated"] == uploaded
    assert rows["soap"]["cert_2_active"] == "true"
    assert rows["<root_account>"]["cert_1_active"] == "true"
    assert (rows["<root_account>"]["cert_2_active"], rows["<root_account>"]["cert_2_last_rotated"]
            ) == ("false", "N/A")
