"""Server and signing certificates over the wire with boto3: a TLS certificate with its chain and
private key is uploaded, read (never its key), listed, renamed, tagged and deleted; a user's
X.509 signing certificate is uploaded by the user itself, listed, deactivated and removed; bad
bodies and keys are refused without being repeated."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID
from e2e_server import Served


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response: Any = exc.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"]["Message"])


def certificate(key: Any, subject: str, issuer: tuple[x509.Certificate, Any] | None = None,
                ca: bool = False) -> x509.Certificate:
    now = datetime.now(UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    return (x509.CertificateBuilder().subject_name(name)
            .issuer_name(issuer[0].subject if issuer else name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1)).not_valid_after(now + timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(issuer[1] if issuer else key, hashes.SHA256()))


def pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(Encoding.PEM).decode()


def test_server_certificates(served: Served) -> None:
    iam = served.client()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = certificate(ca_key, "Wire CA", ca=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = certificate(key, "wire.example.test", issuer=(ca, ca_key))
    key_pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()).decode()
    up = iam.upload_server_certificate(ServerCertificateName="wire-tls", Path="/lb/",
                                       CertificateBody=pem(leaf), PrivateKey=key_pem,
                                       CertificateChain=pem(ca),
                                       Tags=[{"Key": "env", "Value": "prod"}])
    meta = up["ServerCertificateMetadata"]
    assert meta["ServerCertificateId"].startswith("ASCA") and len(meta["ServerCertificateId"]) == 21
    assert meta["Arn"] == f"arn:aws:iam::{served.account}:server-certificate/lb/wire-tls"
    assert meta["Expiration"] == leaf.not_valid_after_utc
    assert up["Tags"] == [{"Key": "env", "Value": "prod"}]
    got = iam.get_server_certificate(ServerCertificateName="wire-tls")
    assert got["ServerCertificate"]["CertificateBody"] == pem(leaf)
    assert got["ServerCertificate"]["CertificateChain"] == pem(ca)
    assert "PRIVATE" not in json.dumps(got, default=str)
    listed = iam.list_server_certificates(PathPrefix="/lb/")["ServerCertificateMetadataList"]
    assert [m["ServerCertificateName"] for m in listed] == ["wire-tls"]
    with pytest.raises(ClientError) as exc:
        iam.upload_server_certificate(ServerCertificateName="wire-bad", CertificateBody=pem(leaf),
                                      PrivateKey=ec.generate_private_key(ec.SECP256R1())
                                      .private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                                     NoEncryption()).decode())
    assert error(exc) == (400, "KeyPairMismatch", "The request was rejected because the public "
                          "key certificate and the private key do not match.")
    with pytest.raises(ClientError) as exc:  # a private key where the certificate belongs
        iam.upload_server_certificate(ServerCertificateName="wire-bad", CertificateBody=key_pem,
                                      PrivateKey=key_pem)
    status, code, message = error(exc)
    assert (status, code) == (400, "MalformedCertificate")
    assert "PRIVATE" not in message and key_pem[40:80] not in message
    with pytest.raises(ClientError) as exc:  # too long for the model: not echoed either
        iam.upload_server_certificate(ServerCertificateName="wire-bad",
                                      CertificateBody=pem(leaf) + key_pem * 12, PrivateKey=key_pem)
    status, code, message = error(exc)
    assert (status, code) == (400, "ValidationError")
    assert "PRIVATE" not in message and "certificateBody" in message
    iam.update_server_certificate(ServerCertificateName="wire-tls",
                                  NewServerCertificateName="wire-tls2", NewPath="/cdn/")
    assert iam.list_server_certificate_tags(ServerCertificateName="wire-tls2")["Tags"] == [
        {"Key": "env", "Value": "prod"}]
    iam.untag_server_certificate(ServerCertificateName="wire-tls2", TagKeys=["env"])
    summary = iam.get_account_summary()["SummaryMap"]
    assert summary["ServerCertificates"] == 1
    iam.delete_server_certificate(ServerCertificateName="wire-tls2")
    with pytest.raises(ClientError) as exc:
        iam.get_server_certificate(ServerCertificateName="wire-tls2")
    assert error(exc) == (404, "NoSuchEntity",
                          "The Server Certificate with name wire-tls2 cannot be found.")


def test_signing_certificates(served: Served) -> None:
    iam = served.client()
    iam.create_user(UserName="wire-soap")
    iam.put_user_policy(UserName="wire-soap", PolicyName="own", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": ["iam:*SigningCertificate*"],
            "Resource": f"arn:aws:iam::{served.account}:user/" + "${aws:username}"}]}))
    access = iam.create_access_key(UserName="wire-soap")["AccessKey"]
    me = served.client(key=(access["AccessKeyId"], access["SecretAccessKey"]))
    body = pem(certificate(ec.generate_private_key(ec.SECP256R1()), "wire-soap"))
    up = me.upload_signing_certificate(CertificateBody=body)["Certificate"]
    assert (up["UserName"], up["Status"], up["CertificateBody"]) == ("wire-soap", "Active", body)
    assert len(up["CertificateId"]) == 32
    listed = me.list_signing_certificates()["Certificates"]
    assert [c["CertificateId"] for c in listed] == [up["CertificateId"]]
    with pytest.raises(ClientError) as exc:
        me.upload_signing_certificate(CertificateBody=body)
    assert error(exc)[:2] == (409, "DuplicateCertificate")
    iam.create_user(UserName="wire-other")
    with pytest.raises(ClientError) as exc:
        me.list_signing_certificates(UserName="wire-other")
    assert error(exc)[:2] == (403, "AccessDenied")
    me.update_signing_certificate(CertificateId=up["CertificateId"], Status="Inactive")
    assert iam.list_signing_certificates(UserName="wire-soap")["Certificates"][0]["Status"] == (
        "Inactive")
    iam.delete_access_key(UserName="wire-soap", AccessKeyId=access["AccessKeyId"])
    iam.delete_user_policy(UserName="wire-soap", PolicyName="own")
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="wire-soap")
    assert error(exc) == (409, "DeleteConflict",
                          "Cannot delete entity, must delete certificates first.")
    iam.delete_signing_certificate(UserName="wire-soap", CertificateId=up["CertificateId"])
    iam.delete_user(UserName="wire-soap")
