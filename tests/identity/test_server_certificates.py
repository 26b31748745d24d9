"""Server certificates: uploaded (body, chain, private key), read, listed, renamed, moved, tagged,
deleted, refused, authorised; the private key only encrypted at rest; on SQLite and PostgreSQL.

Certificates are made here with ``cryptography``: self-signed or issued by a small CA, RSA 2048
and EC P-256, valid from an hour ago for a day. A refused upload changes nothing (no row, no new
generation of the account) and never repeats what it was given.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from callers import new_user, refused
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID
from policy_docs import allow, deny
from raw_store import raw_database
from sqlalchemy import func, select

from a2c_iam.identity import IdentityService
from a2c_iam.identity.errors import ConfigurationError
from a2c_iam.identity.server_certificates import private_key_context
from a2c_iam.identity.tx import generation
from a2c_iam.store import schema as s

CERT_ID = re.compile(r"ASCA[A-Z2-7]{17}")
UNPARSABLE = "Unable to parse certificate. Please ensure the certificate is in PEM format."
KEY_TYPE = ("The certificate's public key must be RSA of 1024 to 4096 bits or EC on P-256, P-384 "
            "or P-521.")
BAD_KEY = ("Unable to parse the private key. Please ensure it is one unencrypted PEM RSA or EC "
           "private key.")
MISMATCH = ("The request was rejected because the public key certificate and the private key do "
            "not match.")


# -- certificates ------------------------------------------------------------------------------


@cache
def rsa_key(n: int = 0) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def ec_key(n: int = 0) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@dataclass(frozen=True)
class Made:
    cert: x509.Certificate
    key: Any  # the private key of the certificate's public key (None: made up)

    @property
    def pem(self) -> str:
        return self.cert.public_bytes(Encoding.PEM).decode()

    def key_pem(self, fmt: PrivateFormat = PrivateFormat.PKCS8) -> str:
        return self.key.private_bytes(Encoding.PEM, fmt, NoEncryption()).decode()


def make_cert(key: Any, subject: str = "www.example.test", *, issuer: Made | None = None,
              ca: bool = False, start: timedelta = timedelta(hours=-1),
              lifetime: timedelta = timedelta(days=1), public_key: Any = None,
              signer: Any = None) -> Made:
    """A certificate of ``key`` (or of ``public_key``), self-signed unless ``issuer`` (or
    ``signer``, a bare key) signs it, valid from ``start`` from now for ``lifetime``."""
    now = datetime.now(UTC)
    public = public_key if public_key is not None else key.public_key()
    builder = (x509.CertificateBuilder()
               .subject_name(_name(subject))
               .issuer_name(issuer.cert.subject if issuer else _name(subject))
               .public_key(public)
               .serial_number(x509.random_serial_number())
               .not_valid_before(now + start)
               .not_valid_after(now + start + lifetime)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    sign_with = issuer.key if issuer else (signer or key)
    algorithm = None if isinstance(sign_with, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return Made(builder.sign(sign_with, algorithm), key)


@cache
def leaf_and_chain() -> tuple[Made, Made, Made]:
    """A leaf (RSA 2048) issued by an intermediate (EC P-256) issued by a root (EC P-256)."""
    root = make_cert(ec_key(10), "Test Root", ca=True)
    intermediate = make_cert(ec_key(11), "Test Intermediate", issuer=root, ca=True)
    leaf = make_cert(rsa_key(0), "www.example.test", issuer=intermediate)
    return leaf, intermediate, root


def self_signed(n: int = 0) -> Made:
    return make_cert(ec_key(n), f"host{n}.example.test")


# -- the store -------------------------------------------------------------------------------------


def cert_rows(svc: IdentityService, account: Any) -> int:
    with svc.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(s.server_certificates).where(
            s.server_certificates.c.account_id == account.account_id)).scalar_one())


def gen(svc: IdentityService, account: Any) -> int:
    with svc.db.read() as conn:
        return generation(conn, account.account_id)


def upload(call: Any, name: str, made: Made, **extra: Any) -> dict[str, Any]:
    return call("UploadServerCertificate", ServerCertificateName=name, CertificateBody=made.pem,
                PrivateKey=made.key_pem(), **extra)


# -- the operations --------------------------------------------------------------------------------


def test_upload_get_list_update_delete(call: Any, account: Any, svc: IdentityService) -> None:
    leaf, intermediate, _ = leaf_and_chain()
    chain = intermediate.pem
    before = gen(svc, account)
    up = call("UploadServerCertificate", ServerCertificateName="web", Path="/lb/",
              CertificateBody=leaf.pem, PrivateKey=leaf.key_pem(), CertificateChain=chain)
    assert gen(svc, account) > before
    meta = up["ServerCertificateMetadata"]
    assert CERT_ID.fullmatch(meta["ServerCertificateId"])
    assert meta["Arn"] == f"arn:aws:iam::{account.account_id}:server-certificate/lb/web"
    assert (meta["Path"], meta["ServerCertificateName"]) == ("/lb/", "web")
    assert meta["Expiration"] == leaf.cert.not_valid_after_utc
    assert abs((datetime.now(UTC) - meta["UploadDate"]).total_seconds()) < 60
    assert "Tags" not in up
    got = call("GetServerCertificate", ServerCertificateName="WEB")["ServerCertificate"]
    assert got == {"ServerCertificateMetadata": meta, "CertificateBody": leaf.pem,
                   "CertificateChain": chain}
    assert "PRIVATE" not in repr(got) and "PRIVATE" not in repr(up)
    listed = call("ListServerCertificates")
    assert listed == {"ServerCertificateMetadataList": [meta], "IsTruncated": False}
    assert call("ListServerCertificates", PathPrefix="/lb/")["ServerCertificateMetadataList"] == [
        meta]
    assert call("ListServerCertificates", PathPrefix="/other/")[
        "ServerCertificateMetadataList"] == []
    call("UpdateServerCertificate", ServerCertificateName="web", NewServerCertificateName="www",
         NewPath="/cdn/")
    err = refused(call, "GetServerCertificate", ServerCertificateName="web")
    assert (err.code, err.status, err.message) == (
        "NoSuchEntity", 404, "The Server Certificate with name web cannot be found.")
    moved = call("GetServerCertificate", ServerCertificateName="www")["ServerCertificate"]
    assert moved["ServerCertificateMetadata"] == {
        **meta, "Path": "/cdn/", "ServerCertificateName": "www",
        "Arn": f"arn:aws:iam::{account.account_id}:server-certificate/cdn/www"}
    summary = call("GetAccountSummary")["SummaryMap"]
    assert (summary["ServerCertificates"], summary["ServerCertificatesQuota"]) == (1, 20)
    call("DeleteServerCertificate", ServerCertificateName="www")
    err = refused(call, "DeleteServerCertificate", ServerCertificateName="www")
    assert err.code == "NoSuchEntity"
    assert cert_rows(svc, account) == 0
    assert call("GetAccountSummary")["SummaryMap"]["ServerCertificates"] == 0


def test_ec_and_rsa_keys_in_each_pem_form(call: Any) -> None:
    ec_made = self_signed(1)
    for n, fmt in enumerate((PrivateFormat.PKCS8, PrivateFormat.TraditionalOpenSSL)):
        call("UploadServerCertificate", ServerCertificateName=f"ec{n}", CertificateBody=ec_made.pem,
             PrivateKey=ec_made.key_pem(fmt))
    rsa_made = make_cert(rsa_key(1), "rsa.example.test")
    for n, fmt in enumerate((PrivateFormat.PKCS8, PrivateFormat.TraditionalOpenSSL)):
        key = rsa_made.key_pem(fmt)
        assert key.startswith("-----BEGIN RSA PRIVATE KEY-----") == (n == 1)
        call("UploadServerCertificate", ServerCertificateName=f"rsa{n}",
             CertificateBody=rsa_made.pem, PrivateKey=key)
    names = [m["ServerCertificateName"] for m in call("ListServerCertificates")[
        "ServerCertificateMetadataList"]]
    assert names == ["ec0", "ec1", "rsa0", "rsa1"]  # by name


def test_a_chain_of_several_certificates(call: Any) -> None:
    leaf, intermediate, root = leaf_and_chain()
    chain = intermediate.pem + "\n" + root.pem
    up = upload(call, "full", leaf, CertificateChain=chain)
    got = call("GetServerCertificate", ServerCertificateName="full")["ServerCertificate"]
    assert got["CertificateChain"] == chain
    assert got["ServerCertificateMetadata"] == up["ServerCertificateMetadata"]


def test_names_are_unique_in_any_case(call: Any, account: Any, svc: IdentityService) -> None:
    upload(call, "web", self_signed())
    before = gen(svc, account)
    err = refused(upload, call, "WEB", self_signed(1))
    assert (err.code, err.status, err.message) == (
        "EntityAlreadyExists", 409, "The Server Certificate with name WEB already exists.")
    assert (cert_rows(svc, account), gen(svc, account)) == (1, before)
    upload(call, "api", self_signed(1))
    err = refused(call, "UpdateServerCertificate", ServerCertificateName="api",
                  NewServerCertificateName="Web")
    assert (err.code, err.message) == (
        "EntityAlreadyExists", "The Server Certificate with name Web already exists.")
    assert gen(svc, account) == before + 1
    call("UpdateServerCertificate", ServerCertificateName="web", NewServerCertificateName="WEB")
    assert call("GetServerCertificate", ServerCertificateName="web")["ServerCertificate"][
        "ServerCertificateMetadata"]["ServerCertificateName"] == "WEB"
    err = refused(call, "UpdateServerCertificate", ServerCertificateName="ghost", NewPath="/x/")
    assert (err.code, err.message) == (
        "NoSuchEntity", "The Server Certificate with name ghost cannot be found.")
    # Another account has names of its own.
    other = svc.create_account()
    svc.run("iam", "UploadServerCertificate", svc.context(other.account_id),
            ServerCertificateName="web", CertificateBody=self_signed().pem,
            PrivateKey=self_signed().key_pem())
    err = refused(svc.run, "iam", "GetServerCertificate", svc.context(other.account_id),
                  ServerCertificateName="api")
    assert err.code == "NoSuchEntity"


def test_at_most_twenty_per_account(call: Any, account: Any, svc: IdentityService) -> None:
    made = self_signed()
    for i in range(20):
        upload(call, f"c{i:02}", made)
    before = gen(svc, account)
    err = refused(upload, call, "c20", made)
    assert (err.code, err.status, err.message) == (
        "LimitExceeded", 409, "Cannot exceed quota for ServerCertificatesPerAccount: 20")
    assert (cert_rows(svc, account), gen(svc, account)) == (20, before)
    first = call("ListServerCertificates", MaxItems=15)
    assert first["IsTruncated"] is True
    rest = call("ListServerCertificates", Marker=first["Marker"])
    names = [m["ServerCertificateName"] for m in
             first["ServerCertificateMetadataList"] + rest["ServerCertificateMetadataList"]]
    assert names == [f"c{i:02}" for i in range(20)]


def test_tags(call: Any, account: Any, svc: IdentityService) -> None:
    up = upload(call, "web", self_signed(), Tags=[{"Key": "env", "Value": "prod"}])
    assert up["Tags"] == [{"Key": "env", "Value": "prod"}]
    call("TagServerCertificate", ServerCertificateName="web",
         Tags=[{"Key": "team", "Value": "edge"}, {"Key": "ENV", "Value": "test"}])
    assert call("ListServerCertificateTags", ServerCertificateName="web")["Tags"] == [
        {"Key": "team", "Value": "edge"}, {"Key": "ENV", "Value": "test"}]
    before = gen(svc, account)
    err = refused(call, "TagServerCertificate", ServerCertificateName="web",
                  Tags=[{"Key": "a", "Value": "1"}, {"Key": "A", "Value": "2"}])
    assert (err.code, err.status) == ("InvalidInput", 400)
    assert gen(svc, account) == before
    err = refused(call, "TagServerCertificate", ServerCertificateName="web",
                  Tags=[{"Key": f"k{i}", "Value": ""} for i in range(49)])
    assert (err.code, err.message) == ("LimitExceeded",
                                       "Cannot exceed quota for TagsPerServerCertificate: 50")
    call("UntagServerCertificate", ServerCertificateName="web", TagKeys=["team"])
    call("UpdateServerCertificate", ServerCertificateName="web", NewServerCertificateName="www")
    got = call("GetServerCertificate", ServerCertificateName="www")["ServerCertificate"]
    assert got["Tags"] == [{"Key": "ENV", "Value": "test"}]  # kept under the id through a rename
    err = refused(call, "ListServerCertificateTags", ServerCertificateName="web")
    assert err.code == "NoSuchEntity"
    # A tag refused on upload: nothing is stored.
    err = refused(upload, call, "dup", self_signed(1),
                  Tags=[{"Key": "x", "Value": "1"}, {"Key": "X", "Value": "2"}])
    assert err.code == "InvalidInput"
    assert cert_rows(svc, account) == 1
    call("DeleteServerCertificate", ServerCertificateName="www")
    with svc.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(s.tags).where(
            s.tags.c.resource_id == up["ServerCertificateMetadata"]["ServerCertificateId"])
        ).scalar_one() == 0


# -- refusals ----------------------------------------------------------------------------------------


def _huge_modulus_cert() -> Made:
    """A certificate of a made-up 16,401-bit RSA key, signed by a small one (only the size of the
    subject key matters)."""
    public = rsa.RSAPublicNumbers(65537, (1 << 16400) + 1).public_key()
    return make_cert(None, "huge.example.test", public_key=public, signer=ec_key(20))


def _huge_exponent_cert() -> Made:
    """A certificate of an RSA key with a 41-bit public exponent (made up: only the exponent
    matters), signed by a small EC key."""
    n = rsa_key(21).public_key().public_numbers().n
    public = rsa.RSAPublicNumbers(2**40 + 15, n).public_key()
    return make_cert(None, "exponent.example.test", public_key=public, signer=ec_key(21))


def _refusals() -> list[tuple[str, dict[str, str], str, str]]:
    good = self_signed(2)
    key = good.key_pem()
    leaf, intermediate, root = leaf_and_chain()
    body_b64 = "".join(good.pem.splitlines()[1:-1])
    encrypted = good.key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                       BestAvailableEncryption(b"secret")).decode()
    edwards = ed25519.Ed25519PrivateKey.generate()
    ed_cert = make_cert(edwards, "ed.example.test")
    huge = _huge_modulus_cert()
    chain_error = ("Unable to validate certificate chain. The certificate chain must start with "
                   "the immediate signing certificate, followed by any intermediaries in order. "
                   "The index within the chain of the invalid certificate is: {}")
    leaf_key = leaf.key_pem()
    return [
        ("garbage-base64", {"CertificateBody": "-----BEGIN CERTIFICATE-----\n!!!notbase64\n"
                            "-----END CERTIFICATE-----\n", "PrivateKey": key},
         "MalformedCertificate", UNPARSABLE),
        ("bad-der", {"CertificateBody": "-----BEGIN CERTIFICATE-----\nAAAA\n"
                     "-----END CERTIFICATE-----\n", "PrivateKey": key},
         "MalformedCertificate", UNPARSABLE),
        ("bare-base64", {"CertificateBody": body_b64, "PrivateKey": key},
         "MalformedCertificate", UNPARSABLE),
        ("private-key-as-body", {"CertificateBody": key, "PrivateKey": key},
         "MalformedCertificate", UNPARSABLE),
        ("body-then-private-key", {"CertificateBody": good.pem + key, "PrivateKey": key},
         "MalformedCertificate", UNPARSABLE),
        ("two-bodies", {"CertificateBody": good.pem + good.pem, "PrivateKey": key},
         "MalformedCertificate", UNPARSABLE),
        ("body-and-text", {"CertificateBody": good.pem + "trailing words", "PrivateKey": key},
         "MalformedCertificate", UNPARSABLE),
        ("expired", {"CertificateBody": make_cert(ec_key(2), start=timedelta(days=-2)).pem,
                     "PrivateKey": key},
         "MalformedCertificate", "The certificate is expired: its notAfter date has passed."),
        ("not-yet-valid", {"CertificateBody": make_cert(ec_key(2), start=timedelta(hours=2)).pem,
                           "PrivateKey": key}, "MalformedCertificate",
         "The certificate is not yet valid: its notBefore date has not come."),
        ("rsa-16401-bits", {"CertificateBody": huge.pem, "PrivateKey": key},
         "MalformedCertificate", KEY_TYPE),
        ("ed25519", {"CertificateBody": ed_cert.pem, "PrivateKey": ed_cert.key_pem()},
         "MalformedCertificate", KEY_TYPE),
        ("other-key", {"CertificateBody": good.pem, "PrivateKey": self_signed(3).key_pem()},
         "KeyPairMismatch", MISMATCH),
        ("rsa-key-for-ec-cert", {"CertificateBody": good.pem, "PrivateKey": leaf_key},
         "KeyPairMismatch", MISMATCH),
        ("encrypted-key", {"CertificateBody": good.pem, "PrivateKey": encrypted},
         "MalformedCertificate", BAD_KEY),
        ("garbage-key", {"CertificateBody": good.pem, "PrivateKey": "-----BEGIN PRIVATE KEY-----"
                         "\nAAAA\n-----END PRIVATE KEY-----\n"}, "MalformedCertificate", BAD_KEY),
        ("key-and-text", {"CertificateBody": good.pem, "PrivateKey": key + "more"},
         "MalformedCertificate", BAD_KEY),
        ("certificate-as-key", {"CertificateBody": good.pem, "PrivateKey": good.pem},
         "MalformedCertificate", BAD_KEY),
        ("private-key-in-chain", {"CertificateBody": leaf.pem, "PrivateKey": leaf_key,
                                  "CertificateChain": intermediate.pem + key},
         "MalformedCertificate", UNPARSABLE),
        ("chain-not-the-issuer", {"CertificateBody": leaf.pem, "PrivateKey": leaf_key,
                                  "CertificateChain": root.pem},
         "MalformedCertificate", chain_error.format(1)),
        ("chain-out-of-order", {"CertificateBody": leaf.pem, "PrivateKey": leaf_key,
                                "CertificateChain": intermediate.pem + good.pem},
         "MalformedCertificate", chain_error.format(2)),
        ("leaf-in-chain", {"CertificateBody": leaf.pem, "PrivateKey": leaf_key,
                           "CertificateChain": leaf.pem + intermediate.pem},
         "MalformedCertificate", chain_error.format(1)),
        ("huge-key-in-chain", {"CertificateBody": leaf.pem, "PrivateKey": leaf_key,
                               "CertificateChain": intermediate.pem + huge.pem},
         "MalformedCertificate", KEY_TYPE),
        ("huge-body", {"CertificateBody": good.pem + key * 80, "PrivateKey": key},
         "ValidationError", ""),
        # Each link costs a signature check inside the write transaction: at most 10, no RSA
        # exponent that makes a check slow, and a key of no use refused before any link.
        ("eleven-in-chain", {"CertificateBody": leaf.pem, "PrivateKey": leaf_key,
                             "CertificateChain": intermediate.pem * 11},
         "MalformedCertificate", "The certificate chain may hold at most 10 certificates."),
        ("huge-exponent", {"CertificateBody": _huge_exponent_cert().pem, "PrivateKey": key},
         "MalformedCertificate", KEY_TYPE),
        ("huge-exponent-in-chain", {"CertificateBody": leaf.pem, "PrivateKey": leaf_key,
                                    "CertificateChain": _huge_exponent_cert().pem},
         "MalformedCertificate", KEY_TYPE),
        ("other-key-and-a-bad-chain", {"CertificateBody": leaf.pem, "PrivateKey": key,
                                       "CertificateChain": root.pem},
         "KeyPairMismatch", MISMATCH),
        ("not-latin-1", {"CertificateBody": good.pem + "\u0100", "PrivateKey": key},
         "ValidationError", ""),
        ("huge-key", {"CertificateBody": good.pem, "PrivateKey": key * 80},
         "ValidationError", ""),
    ]


@pytest.mark.parametrize(("label", "params", "code", "message"), _refusals(),
                         ids=[r[0] for r in _refusals()])
def test_refused_uploads_change_nothing(call: Any, account: Any, svc: IdentityService,
                                        label: str, params: dict[str, str], code: str,
                                        message: str) -> None:
    before = gen(svc, account)
    err = refused(call, "UploadServerCertificate", ServerCertificateName="web", **params)
    assert err.code == code
    assert err.status == 400
    if message:
        assert err.message == message
    else:  # the model's length or pattern check, naming the member but not its value
        assert re.search(r"Value at '\w+' failed to satisfy constraint: Member must (have length "
                         r"less than or equal to|satisfy regular expression pattern)", err.message)
    for value in params.values():
        assert value not in err.message and value[:60] not in err.message
    assert "PRIVATE" not in err.message and "CERTIFICATE-----" not in err.message
    assert cert_rows(svc, account) == 0
    assert gen(svc, account) == before


# -- authorisation -------------------------------------------------------------------------------------


def test_a_tag_based_deny_protects_a_certificate(call: Any, account: Any,
                                                 svc: IdentityService) -> None:
    prod = {"StringEquals": {"aws:ResourceTag/env": "prod"}}
    user = new_user(call, svc, "ops", allow("iam:*ServerCertificate*"),
                    deny("iam:DeleteServerCertificate", "iam:UpdateServerCertificate",
                         "iam:UntagServerCertificate", Condition=prod))
    upload(call, "prod", self_signed(), Path="/edge/", Tags=[{"Key": "env", "Value": "prod"}])
    upload(call, "test", self_signed(1), Tags=[{"Key": "env", "Value": "test"}])
    arn = f"arn:aws:iam::{account.account_id}:server-certificate/edge/prod"
    for operation, extra in (("DeleteServerCertificate", {}),
                             ("UpdateServerCertificate", {"NewPath": "/x/"}),
                             ("UntagServerCertificate", {"TagKeys": ["env"]})):
        err = refused(svc.run, "iam", operation, user, ServerCertificateName="prod", **extra)
        assert (err.code, err.status) == ("AccessDenied", 403)
        assert err.message == (
            f"User: arn:aws:iam::{account.account_id}:user/ops is not authorized to perform: "
            f"iam:{operation} on resource: {arn} with an explicit deny in an identity-based policy")
    assert call("ListServerCertificateTags", ServerCertificateName="prod")["Tags"] == [
        {"Key": "env", "Value": "prod"}]
    # Reading is allowed; the other certificate is not protected.
    assert svc.run("iam", "GetServerCertificate", user, ServerCertificateName="prod")
    svc.run("iam", "DeleteServerCertificate", user, ServerCertificateName="test")
    assert cert_rows(svc, account) == 1


def test_rename_needs_the_permission_on_both_arns(call: Any, account: Any,
                                                  svc: IdentityService) -> None:
    team = f"arn:aws:iam::{account.account_id}:server-certificate/team/*"
    user = new_user(call, svc, "ops",
                    allow("iam:UploadServerCertificate", "iam:UpdateServerCertificate",
                          "iam:GetServerCertificate", resource=team))
    svc.run("iam", "UploadServerCertificate", user, ServerCertificateName="web", Path="/team/",
            CertificateBody=self_signed().pem, PrivateKey=self_signed().key_pem())
    err = refused(svc.run, "iam", "UploadServerCertificate", user, ServerCertificateName="api",
                  CertificateBody=self_signed().pem, PrivateKey=self_signed().key_pem())
    assert err.code == "AccessDenied"
    assert "server-certificate/api because no identity-based policy" in err.message
    svc.run("iam", "UpdateServerCertificate", user, ServerCertificateName="web",
            NewServerCertificateName="www")
    err = refused(svc.run, "iam", "UpdateServerCertificate", user, ServerCertificateName="www",
                  NewPath="/other/")
    assert err.code == "AccessDenied"
    assert (f"on resource: arn:aws:iam::{account.account_id}:server-certificate/other/www"
            in err.message)
    assert call("GetServerCertificate", ServerCertificateName="www")["ServerCertificate"][
        "ServerCertificateMetadata"]["Path"] == "/team/"
    err = refused(svc.run, "iam", "ListServerCertificates", user)
    assert err.code == "AccessDenied"
    assert f"on resource: arn:aws:iam::{account.account_id}:server-certificate/ " in err.message


# -- secrets at rest -------------------------------------------------------------------------------


def test_the_private_key_is_only_stored_encrypted(backend: Any, svc: IdentityService,
                                                  account: Any, call: Any) -> None:
    leaf, intermediate, _ = leaf_and_chain()
    made = [leaf, make_cert(ec_key(30), "keeper.example.test")]
    forms: list[bytes] = []
    for n, m in enumerate(made):
        key_pem = m.key_pem(PrivateFormat.TraditionalOpenSSL if n else PrivateFormat.PKCS8)
        chain = {} if n else {"CertificateChain": intermediate.pem}
        call("UploadServerCertificate", ServerCertificateName=f"keeper{n}", CertificateBody=m.pem,
             PrivateKey=key_pem, **chain)
        der = base64.b64decode("".join(key_pem.splitlines()[1:-1]))
        pkcs8_der = m.key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        lines = key_pem.splitlines()[1:-1]
        forms += [key_pem.encode(), lines[1].encode(), lines[-2].encode(), der, der[16:48],
                  der.hex().encode(), pkcs8_der, pkcs8_der.hex().encode()]
    raw = raw_database(backend, svc)
    assert b"keeper0" in raw and leaf.pem.splitlines()[2].encode() in raw  # the data is there
    for form in forms:
        assert form not in raw
    # What is stored is the upload, encrypted and bound to its certificate's id.
    with svc.db.read() as conn:
        stored = {r.name: r for r in conn.execute(
            select(s.server_certificates.c.name, s.server_certificates.c.id,
                   s.server_certificates.c.private_key)
            .where(s.server_certificates.c.account_id == account.account_id))}
    for n, m in enumerate(made):
        row = stored[f"keeper{n}"]
        key_pem = m.key_pem(PrivateFormat.TraditionalOpenSSL if n else PrivateFormat.PKCS8)
        plain = svc.cipher.decrypt(row.private_key, private_key_context(row.id))
        assert plain.get_secret_value() == key_pem
        other = stored[f"keeper{1 - n}"].id
        with pytest.raises(ConfigurationError):
            svc.cipher.decrypt(row.private_key, private_key_context(other))


def test_without_a_chain_or_tags(call: Any) -> None:
    made = self_signed()
    upload(call, "bare", made)
    got = call("GetServerCertificate", ServerCertificateName="bare")["ServerCertificate"]
    assert "CertificateChain" not in got and "Tags" not in got
