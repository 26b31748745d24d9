"""Server certificates: an account's TLS certificates with their private keys (for load balancers
and CloudFront in AWS; here stored, listed and tagged — nothing serves them).

IAM API Reference: "The server certificate entity includes a public key certificate, a private
key, and an optional certificate chain, which should all be PEM-encoded." The body must be
exactly one PEM ``CERTIFICATE`` block (white space around it aside) that ``cryptography``
parses as X.509; the chain, when given, one or more such blocks and nothing else — so that
neither can carry a private key or any other text into what ``GetServerCertificate`` returns.
Anything else is ``MalformedCertificate``. The certificate must be valid now: one whose
``notAfter`` has passed or whose ``notBefore`` has not come is ``MalformedCertificate`` (IAM:
"The request was rejected because the certificate was malformed or expired"; for a certificate
not yet valid, AWS's service team confirmed the error in aws/aws-sdk-go#2586). Each chain
certificate must have issued the certificate before it (issuer name and signature, checked with
``cryptography``): "The certificate chain must start with the immediate signing certificate,
followed by any intermediaries in order". Public keys (of the body and of the chain) must be RSA
of 1,024 to 4,096 bits or EC on P-256, P-384 or P-521 (the key types AWS Certificate Manager
imports; IAM's own limits are not confirmed here), with an RSA public exponent of at most 32
bits, else ``MalformedCertificate``: a 16,384-bit key, a huge exponent, or a DSA or Ed25519 key
is refused before any signature is checked. A chain holds at most 10 certificates (ours: each
link is a signature check made inside the account's write transaction), and the private key is
checked before the chain, so that a key of no use costs no link.

The private key is an unencrypted PEM key — one ``PRIVATE KEY``, ``RSA PRIVATE KEY`` or ``EC
PRIVATE KEY`` block — whose public key must be the certificate's, else ``KeyPairMismatch``. It is
stored only encrypted under the master key (``secrets.Cipher``, associated data
``server-certificate:ID:private-key``), never decrypted by this service, never returned (IAM's
``ServerCertificate`` has no private key member), and never part of an error message (the model
marks ``privateKeyType`` sensitive; ``certificateBodyType`` and ``certificateChainType`` are not
echoed either: see ``awsmodel``).

``ServerCertificateId`` is ``ASCA`` and 17 base-32 characters (21, as ``ASCA1111111111EXAMPLE``
and the ids AWS answers); ``Expiration`` is the certificate's ``notAfter``; ``UploadDate`` the
upload's time. Names compare without case (one per account); paths follow the users' rules (the
model's pattern). At most 20 per account (IAM User Guide quotas: "Server certificates stored in
an AWS account: 20"). ``UpdateServerCertificate`` renames and/or moves (the caller needs the
permission on both ARNs — IAM: "must have permission to change the server certificate with the
old name and the new name"; see ``authz``); tags are IAM's (``tags``), kept under the id, so a
rename keeps them. Listed by name.

Wordings. Quoted by users from IAM's answers (blog posts and issues; not confirmed against AWS
here): "Unable to parse certificate. Please ensure the certificate is in PEM format."
(MalformedCertificate) and "Unable to validate certificate chain. The certificate chain must
start with the immediate signing certificate, followed by any intermediaries in order. The index
within the chain of the invalid certificate is: N" (N here: the failing certificate's place,
the body being 0 and the chain's first 1). The text of ``KeyPairMismatch`` is the description
botocore's model gives the error. Taken from IAM emulators and client tests that quote IAM (not
confirmed): "The Server Certificate with name NAME cannot be found." (NoSuchEntity) and "The
Server Certificate with name NAME already exists." (EntityAlreadyExists). Our own: the expiry,
not-yet-valid, key-type and private-key texts, and the quota in ``common.quota``'s form
(``ServerCertificatesPerAccount: 20``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)
from cryptography.x509 import Certificate, load_pem_x509_certificate
from sqlalchemy import delete, select, update

from a2c_iam.store import schema as s

from . import ids
from .common import check_new, name_taken, page, rows_under, set_target
from .errors import EntityAlreadyExists, IdentityError, NoSuchEntity
from .ids import Prefix
from .tags import as_tags, drop_all, get_tags, put_tags, remove_tags
from .tx import Tx

SERVER_CERTIFICATES_PER_ACCOUNT = 20
MIN_RSA_BITS = 1024
MAX_RSA_BITS = 4096
#: An RSA public exponent above this makes each signature check slow (65537 is the norm).
MAX_RSA_EXPONENT = 2**32 - 1
#: Certificates in one chain (ours: verifying each link costs a signature check inside the
#: account's write transaction; real chains hold two or three).
MAX_CHAIN = 10
EC_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})

#: One PEM certificate block (its base 64 in lines), nothing in it but base 64.
_CERT_BLOCK = (r"-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+"
               r"-----END CERTIFICATE-----")
_ONE_CERT = re.compile(_CERT_BLOCK)
_CERTS = re.compile(rf"\s*(?:{_CERT_BLOCK}\s*)+")
#: One unencrypted PEM private key (PKCS #8, PKCS #1 or SEC 1) and nothing else.
_ONE_KEY = re.compile(r"-----BEGIN ((?:RSA |EC |)PRIVATE KEY)-----\r?\n[A-Za-z0-9+/=\r\n]+"
                      r"-----END \1-----")

UNPARSABLE = "Unable to parse certificate. Please ensure the certificate is in PEM format."
_EXPIRED = "The certificate is expired: its notAfter date has passed."
_NOT_YET_VALID = "The certificate is not yet valid: its notBefore date has not come."
_KEY_TYPE = (f"The certificate's public key must be RSA of {MIN_RSA_BITS} to {MAX_RSA_BITS} bits "
             "or EC on P-256, P-384 or P-521.")
_BAD_PRIVATE_KEY = ("Unable to parse the private key. Please ensure it is one unencrypted PEM "
                    "RSA or EC private key.")
_MISMATCH = ("The request was rejected because the public key certificate and the private key do "
             "not match.")
_LONG_CHAIN = f"The certificate chain may hold at most {MAX_CHAIN} certificates."
_CHAIN = ("Unable to validate certificate chain. The certificate chain must start with the "
          "immediate signing certificate, followed by any intermediaries in order. The index "
          "within the chain of the invalid certificate is: {index}")


class MalformedCertificate(IdentityError):
    model = ("iam", "MalformedCertificateException")


class KeyPairMismatch(IdentityError):
    model = ("iam", "KeyPairMismatchException")


def private_key_context(certificate_id: str) -> str:
    """The associated data of a certificate's encrypted private key (binds it to its row)."""
    return f"server-certificate:{certificate_id}:private-key"


def _load(block: str, error: type[IdentityError]) -> Certificate:
    try:
        return load_pem_x509_certificate(block.encode("ascii"))
    except (ValueError, TypeError, UnsupportedAlgorithm, UnicodeError):
        raise error(UNPARSABLE) from None


def check_public_key(cert: Certificate, error: type[IdentityError],
                     message: str = _KEY_TYPE) -> None:
    """Refuse a certificate whose public key is not RSA of 1,024–4,096 bits or EC on an
    accepted curve (``error`` with ``message``)."""
    try:
        key = cert.public_key()
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise error(message) from None
    if isinstance(key, rsa.RSAPublicKey):
        if (not MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS
                or key.public_numbers().e > MAX_RSA_EXPONENT):
            raise error(message)
    elif not (isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name in EC_CURVES):
        raise error(message)


def check_validity(cert: Certificate, now: datetime, error: type[IdentityError]) -> None:
    if now > cert.not_valid_after_utc:
        raise error(_EXPIRED)
    if now < cert.not_valid_before_utc:
        raise error(_NOT_YET_VALID)


def parse_certificate(body: str, now: datetime,
                      error: type[IdentityError] = MalformedCertificate,
                      key_error: type[IdentityError] | None = None) -> Certificate:
    """The one X.509 certificate of a PEM body, if it is one, valid now, with an accepted key
    (``key_error``, default ``error``, for a key that is not)."""
    text = body.strip()
    if _ONE_CERT.fullmatch(text) is None:
        raise error(UNPARSABLE)
    cert = _load(text, error)
    check_public_key(cert, key_error or error)
    check_validity(cert, now, error)
    return cert


def _parse_chain(chain: str, cert: Certificate) -> None:
    """Each certificate of ``chain`` parses, has an accepted key, and issued the one before it."""
    if _CERTS.fullmatch(chain) is None:
        raise MalformedCertificate(UNPARSABLE)
    if len(_ONE_CERT.findall(chain)) > MAX_CHAIN:
        raise MalformedCertificate(_LONG_CHAIN)
    issued = cert
    for index, match in enumerate(_ONE_CERT.finditer(chain), start=1):
        issuer = _load(match.group(0), MalformedCertificate)
        check_public_key(issuer, MalformedCertificate)
        try:
            issued.verify_directly_issued_by(issuer)
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            raise MalformedCertificate(_CHAIN.format(index=index)) from None
        issued = issuer


def _check_private_key(private_key: str, cert: Certificate) -> None:
    """The private key is one unencrypted PEM key whose public key is the certificate's."""
    text = private_key.strip()
    if _ONE_KEY.fullmatch(text) is None:
        raise MalformedCertificate(_BAD_PRIVATE_KEY)
    try:
        # Compared before the (costly) RSA consistency check: a key that is not the certificate's
        # is refused without it, whatever its size.
        key = load_pem_private_key(text.encode("ascii"), password=None,
                                   unsafe_skip_rsa_key_validation=True)
    except (ValueError, TypeError, UnsupportedAlgorithm, UnicodeError):
        raise MalformedCertificate(_BAD_PRIVATE_KEY) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyPairMismatch(_MISMATCH)
    mine = key.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    theirs = cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    if mine != theirs:
        raise KeyPairMismatch(_MISMATCH)
    if isinstance(key, rsa.RSAPrivateKey):
        try:  # the key's size is the certificate's (at most 4,096 bits): now checked in full
            load_pem_private_key(text.encode("ascii"), password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise MalformedCertificate(_BAD_PRIVATE_KEY) from None


def server_certificate_arn(account: str, path: str, name: str) -> str:
    return ids.arn(account, "server-certificate", path, name)


def _no_certificate(name: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Server Certificate with name {name} cannot be found.")


def _exists(name: str) -> str:
    return f"The Server Certificate with name {name} already exists."


def _row(tx: Tx, name: str) -> Any:
    c = s.server_certificates.c
    row = tx.conn.execute(select(s.server_certificates).where(
        c.account_id == tx.account_id, c.name_lower == name.lower())).first()
    if row is None:
        raise _no_certificate(name)
    return row


def _metadata(row: Any) -> dict[str, Any]:
    return {"Path": row.path, "ServerCertificateName": row.name, "ServerCertificateId": row.id,
            "Arn": server_certificate_arn(row.account_id, row.path, row.name),
            "UploadDate": row.created_at, "Expiration": row.expires_at}


def upload_server_certificate(tx: Tx, server_certificate_name: str, certificate_body: str,
                              private_key: str, path: str | None = None,
                              certificate_chain: str | None = None, tags: Any = None,
                              ) -> dict[str, Any]:
    path = path or "/"
    set_target(tx, server_certificate_arn(tx.account_id, path, server_certificate_name))
    cert = parse_certificate(certificate_body, tx.now)
    _check_private_key(private_key, cert)  # before the chain: a key of no use costs no links
    if certificate_chain is not None:
        _parse_chain(certificate_chain, cert)
    given = as_tags(tags)
    check_new(tx.conn, s.server_certificates, tx.account_id, server_certificate_name,
              _exists(server_certificate_name), SERVER_CERTIFICATES_PER_ACCOUNT,
              "ServerCertificatesPerAccount")
    certificate_id = ids.unique_id(Prefix.SERVER_CERTIFICATE)
    tx.conn.execute(s.server_certificates.insert().values(
        id=certificate_id, account_id=tx.account_id, name=server_certificate_name,
        name_lower=server_certificate_name.lower(), path=path, created_at=tx.now,
        body=certificate_body, chain=certificate_chain,
        private_key=tx.cipher.encrypt(private_key, private_key_context(certificate_id)),
        expires_at=cert.not_valid_after_utc))
    put_tags(tx, certificate_id, given, "ServerCertificate")
    out: dict[str, Any] = {"ServerCertificateMetadata": _metadata(_row(tx, server_certificate_name))}
    if given:
        out["Tags"] = [t.to_aws() for t in get_tags(tx.conn, certificate_id)]
    return out


def get_server_certificate(tx: Tx, server_certificate_name: str) -> dict[str, Any]:
    row = _row(tx, server_certificate_name)
    out: dict[str, Any] = {"ServerCertificateMetadata": _metadata(row),
                           "CertificateBody": row.body}
    if row.chain is not None:
        out["CertificateChain"] = row.chain
    tags = get_tags(tx.conn, row.id)
    if tags:
        out["Tags"] = [t.to_aws() for t in tags]
    return {"ServerCertificate": out}


def list_server_certificates(tx: Tx, path_prefix: str | None = None, marker: str | None = None,
                             max_items: int | None = None) -> dict[str, Any]:
    c = s.server_certificates.c  # the metadata only: bodies, chains and keys stay unread
    rows = rows_under(tx, s.server_certificates, path_prefix,
                      (c.account_id, c.name, c.id, c.created_at, c.expires_at))
    return page([_metadata(r) for r in rows], "ServerCertificateMetadataList", marker, max_items)


def update_server_certificate(tx: Tx, server_certificate_name: str, new_path: str | None = None,
                              new_server_certificate_name: str | None = None) -> dict[str, Any]:
    row = _row(tx, server_certificate_name)
    set_target(tx, server_certificate_arn(tx.account_id, row.path, row.name))
    values: dict[str, Any] = {}
    new_name = new_server_certificate_name
    if new_name is not None and new_name != row.name:
        if new_name.lower() != row.name_lower and name_taken(
                tx.conn, s.server_certificates, tx.account_id, new_name):
            raise EntityAlreadyExists(_exists(new_name))
        values.update(name=new_name, name_lower=new_name.lower())
    if new_path is not None:
        values["path"] = new_path
    if values:
        tx.conn.execute(update(s.server_certificates)
                        .where(s.server_certificates.c.id == row.id).values(**values))
    return {}


def delete_server_certificate(tx: Tx, server_certificate_name: str) -> dict[str, Any]:
    row = _row(tx, server_certificate_name)
    set_target(tx, server_certificate_arn(tx.account_id, row.path, row.name))
    drop_all(tx, row.id)
    tx.conn.execute(delete(s.server_certificates).where(s.server_certificates.c.id == row.id))
    return {}


def tag_server_certificate(tx: Tx, server_certificate_name: str, tags: Any) -> dict[str, Any]:
    row = _row(tx, server_certificate_name)
    set_target(tx, server_certificate_arn(tx.account_id, row.path, row.name))
    put_tags(tx, row.id, as_tags(tags), "ServerCertificate")
    return {}


def untag_server_certificate(tx: Tx, server_certificate_name: str, tag_keys: Sequence[str],
                             ) -> dict[str, Any]:
    row = _row(tx, server_certificate_name)
    set_target(tx, server_certificate_arn(tx.account_id, row.path, row.name))
    remove_tags(tx, row.id, list(tag_keys))
    return {}


def list_server_certificate_tags(tx: Tx, server_certificate_name: str,
                                 marker: str | None = None, max_items: int | None = None,
                                 ) -> dict[str, Any]:
    row = _row(tx, server_certificate_name)
    return page(list(get_tags(tx.conn, row.id)), "Tags", marker, max_items)
