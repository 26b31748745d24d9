"""X.509 signing certificates of IAM users and of the root user (the SOAP-era services' request
signing; here stored and listed — nothing verifies a signature with them).

IAM API Reference: "Uploads an X.509 signing certificate and associates it with the specified
IAM user … When you upload the certificate, its default status is Active"; "If the UserName is
not specified, the IAM user name is determined implicitly based on the AWS access key ID used to
sign the request. This operation works for access keys under the AWS account. Consequently, you
can use this operation to manage AWS account root user credentials even if the AWS account has
no associated users." So without ``UserName`` every operation is about the caller — the root
user's certificates are kept with no user, as its access keys are, and ``GetAccountSummary``'s
``AccountSigningCertificatesPresent`` counts them; a role session must name a user.

The body is parsed as the server certificates' (``server_certificates.parse_certificate``):
exactly one PEM ``CERTIFICATE`` block, valid now, else ``MalformedCertificate`` ("The request
was rejected because the certificate was malformed or expired"); a public key that is not RSA of
1,024 to 4,096 bits or EC on P-256, P-384 or P-521 is ``InvalidCertificate`` ("The request was
rejected because the certificate is invalid" — which certificates IAM calls invalid is not
documented; this split is ours). A private key, a second block or any text around the
certificate is refused, so nothing but the certificate is stored and listed. The same
certificate (the same DER bytes) twice in one account, for the same user or another, is
``DuplicateCertificate`` ("the same certificate is associated with an IAM user in the account").
At most 2 per user, and 2 for the root user (IAM User Guide quotas: "Signing certificates
assigned to an IAM user: 2").

``CertificateId`` is 32 upper-case base-32 characters (the form of the ids AWS answers; the
model asks 24 to 128 word characters and the API Reference's example, ``ID123456789012345EXAMPLE``,
has 24 — IAM's exact form is not documented). ``UserName`` of a root certificate is the account
id (as ``ListAccessKeys`` answers for the root user's keys; IAM's value is not confirmed).
``UpdateSigningCertificate`` accepts ``Active`` and ``Inactive`` (the model also lists
``Expired``), else ``InvalidInput``. Listed in order of upload.

Wordings. The text of ``DuplicateCertificate`` is the description botocore's model gives the
error; "Unable to parse certificate. Please ensure the certificate
is in PEM format." is the one users quote from ``UploadServerCertificate`` (its use here is not
confirmed). Our own: "The Signing Certificate with id ID cannot be found." (NoSuchEntity, in the
form of the access keys' text), the expiry and key-type texts, the ``Expired`` refusal, and the
quota in ``common.quota``'s form (``SigningCertificatesPerUser: 2``). ``DeleteUser`` is refused
while a user has one with "Cannot delete entity, must delete certificates first." (the text
users report from IAM: rebuy-de/aws-nuke#671, hashicorp/terraform-provider-aws#10322).
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import delete, select, update

from a2c_iam.store import schema as s

from . import ids
from .common import check_count, check_status, page, set_target
from .errors import IdentityError, NoSuchEntity
from .server_certificates import MalformedCertificate, parse_certificate
from .tx import Tx
from .users import credential_owner

SIGNING_CERTIFICATES_PER_USER = 2

_DUPLICATE = ("The request was rejected because the same certificate is associated with an IAM "
              "user in the account.")


class InvalidCertificate(IdentityError):
    model = ("iam", "InvalidCertificateException")


class DuplicateCertificate(IdentityError):
    model = ("iam", "DuplicateCertificateException")


def _owner_filter(tx: Tx, user_id: str | None) -> Any:
    c = s.signing_certificates.c
    if user_id is None:
        return (c.account_id == tx.account_id) & c.user_id.is_(None)
    return (c.account_id == tx.account_id) & (c.user_id == user_id)


def _no_certificate(certificate_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Signing Certificate with id {certificate_id} cannot be found.")


def _certificate_row(tx: Tx, user_id: str | None, certificate_id: str) -> Any:
    row = tx.conn.execute(select(s.signing_certificates).where(
        s.signing_certificates.c.id == certificate_id, _owner_filter(tx, user_id))).first()
    if row is None:
        raise _no_certificate(certificate_id)
    return row


def _item(user_name: str, row: Any) -> dict[str, Any]:
    return {"UserName": user_name, "CertificateId": row.id, "CertificateBody": row.body,
            "Status": row.status, "UploadDate": row.uploaded_at}


def upload_signing_certificate(tx: Tx, certificate_body: str, user_name: str | None = None,
                               ) -> dict[str, Any]:
    user_id, name, arn = credential_owner(tx, user_name)
    set_target(tx, arn)
    cert = parse_certificate(certificate_body, tx.now, MalformedCertificate, InvalidCertificate)
    fingerprint = hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest()
    c = s.signing_certificates.c
    taken = tx.conn.execute(select(c.id).where(
        c.account_id == tx.account_id, c.fingerprint == fingerprint).limit(1)).first()
    if taken is not None:
        raise DuplicateCertificate(_DUPLICATE)
    check_count(tx.conn, s.signing_certificates, SIGNING_CERTIFICATES_PER_USER,
                "SigningCertificatesPerUser", _owner_filter(tx, user_id))
    certificate_id = ids.random_id(32)
    tx.conn.execute(s.signing_certificates.insert().values(
        id=certificate_id, account_id=tx.account_id, user_id=user_id, body=certificate_body,
        fingerprint=fingerprint, status="Active", uploaded_at=tx.now))
    return {"Certificate": _item(name, _certificate_row(tx, user_id, certificate_id))}


def list_signing_certificates(tx: Tx, user_name: str | None = None, marker: str | None = None,
                              max_items: int | None = None) -> dict[str, Any]:
    user_id, name, _ = credential_owner(tx, user_name)
    c = s.signing_certificates.c
    rows = tx.conn.execute(select(s.signing_certificates).where(_owner_filter(tx, user_id))
                           .order_by(c.uploaded_at, c.id)).all()
    return page([_item(name, r) for r in rows], "Certificates", marker, max_items)


def update_signing_certificate(tx: Tx, certificate_id: str, status: str,
                               user_name: str | None = None) -> dict[str, Any]:
    user_id, _, arn = credential_owner(tx, user_name)
    set_target(tx, arn)
    _certificate_row(tx, user_id, certificate_id)
    check_status(status, "a signing certificate")
    tx.conn.execute(update(s.signing_certificates)
                    .where(s.signing_certificates.c.id == certificate_id).values(status=status))
    return {}


def delete_signing_certificate(tx: Tx, certificate_id: str, user_name: str | None = None,
                               ) -> dict[str, Any]:
    user_id, _, arn = credential_owner(tx, user_name)
    set_target(tx, arn)
    _certificate_row(tx, user_id, certificate_id)
    tx.conn.execute(delete(s.signing_certificates)
                    .where(s.signing_certificates.c.id == certificate_id))
    return {}
