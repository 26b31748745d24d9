"""CodeCommit credentials over the wire with boto3: a pipeline user's SSH public key and its Git
credentials (service-specific credentials) are uploaded, read, listed, rotated and removed against
the real server, signed in as root and as the user itself; the user cannot be deleted while it
still has them."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
)
from e2e_server import Served

CODECOMMIT = "codecommit.amazonaws.com"


def error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str]:
    response: Any = exc.value.response
    return (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"]["Message"])


def test_ssh_public_keys(served: Served) -> None:
    iam = served.client()
    iam.create_user(UserName="wire-pipeline", Path="/a2c/")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    body = key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode() + " a2c@build"
    up = iam.upload_ssh_public_key(UserName="wire-pipeline", SSHPublicKeyBody=body)["SSHPublicKey"]
    blob = base64.b64decode(body.split()[1])
    digest = hashlib.md5(blob).hexdigest()
    assert up["Fingerprint"] == ":".join(digest[i:i + 2] for i in range(0, 32, 2))
    assert up["SSHPublicKeyId"].startswith("APKA") and up["Status"] == "Active"
    assert abs((datetime.now(UTC) - up["UploadDate"]).total_seconds()) < 300
    key_id = up["SSHPublicKeyId"]
    pem = iam.get_ssh_public_key(UserName="wire-pipeline", SSHPublicKeyId=key_id,
                                 Encoding="PEM")["SSHPublicKey"]["SSHPublicKeyBody"]
    loaded = load_pem_public_key(pem.encode())
    assert isinstance(loaded, rsa.RSAPublicKey) and loaded.public_numbers() == key.public_numbers()
    assert iam.get_ssh_public_key(UserName="wire-pipeline", SSHPublicKeyId=key_id,
                                  Encoding="SSH")["SSHPublicKey"]["SSHPublicKeyBody"] == body
    listed = iam.list_ssh_public_keys(UserName="wire-pipeline")["SSHPublicKeys"]
    assert [(k["SSHPublicKeyId"], k["Status"]) for k in listed] == [(key_id, "Active")]
    with pytest.raises(ClientError) as exc:
        iam.upload_ssh_public_key(UserName="wire-pipeline", SSHPublicKeyBody=pem)
    assert error(exc)[:2] == (400, "DuplicateSSHPublicKey")
    edwards = ed25519.Ed25519PrivateKey.generate().public_key().public_bytes(
        Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    with pytest.raises(ClientError) as exc:
        iam.upload_ssh_public_key(UserName="wire-pipeline", SSHPublicKeyBody=edwards)
    assert error(exc)[:2] == (400, "InvalidPublicKey")
    with pytest.raises(ClientError) as exc:
        iam.upload_ssh_public_key(UserName="wire-pipeline", SSHPublicKeyBody="not a key")
    assert error(exc)[:2] == (400, "UnrecognizedPublicKeyEncoding")
    iam.update_ssh_public_key(UserName="wire-pipeline", SSHPublicKeyId=key_id, Status="Inactive")
    assert iam.list_ssh_public_keys(UserName="wire-pipeline")["SSHPublicKeys"][0][
        "Status"] == "Inactive"
    with pytest.raises(ClientError) as exc:
        iam.delete_user(UserName="wire-pipeline")
    assert error(exc) == (409, "DeleteConflict",
                          "Cannot delete entity, must remove referenced objects first.")
    iam.delete_ssh_public_key(UserName="wire-pipeline", SSHPublicKeyId=key_id)
    with pytest.raises(ClientError) as exc:
        iam.get_ssh_public_key(UserName="wire-pipeline", SSHPublicKeyId=key_id, Encoding="SSH")
    assert error(exc) == (404, "NoSuchEntity",
                          f"The SSH Public Key with id {key_id} cannot be found.")
    iam.delete_user(UserName="wire-pipeline")


def test_git_credentials(served: Served) -> None:
    iam = served.client()
    iam.create_user(UserName="wire-git")
    iam.put_user_policy(UserName="wire-git", PolicyName="self", PolicyDocument=(
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":['
        '"iam:CreateServiceSpecificCredential","iam:ListServiceSpecificCredentials",'
        '"iam:ResetServiceSpecificCredential","iam:UpdateServiceSpecificCredential",'
        '"iam:DeleteServiceSpecificCredential"],'
        '"Resource":"arn:aws:iam::*:user/${aws:username}"}]}'))
    access = iam.create_access_key(UserName="wire-git")["AccessKey"]
    me = served.client(key=(access["AccessKeyId"], access["SecretAccessKey"]))
    made = me.create_service_specific_credential(
        UserName="wire-git", ServiceName=CODECOMMIT)["ServiceSpecificCredential"]
    assert made["ServiceUserName"] == f"wire-git-at-{served.account}"
    assert made["ServiceSpecificCredentialId"].startswith("ACCA")
    assert len(made["ServicePassword"]) == 44 and made["Status"] == "Active"
    cred_id = made["ServiceSpecificCredentialId"]
    listed = me.list_service_specific_credentials()["ServiceSpecificCredentials"]
    assert [c["ServiceSpecificCredentialId"] for c in listed] == [cred_id]
    assert "ServicePassword" not in listed[0]
    reset = me.reset_service_specific_credential(
        ServiceSpecificCredentialId=cred_id)["ServiceSpecificCredential"]
    assert reset["ServicePassword"] != made["ServicePassword"]
    me.update_service_specific_credential(ServiceSpecificCredentialId=cred_id, Status="Inactive")
    assert iam.list_service_specific_credentials(UserName="wire-git", ServiceName=CODECOMMIT)[
        "ServiceSpecificCredentials"][0]["Status"] == "Inactive"
    with pytest.raises(ClientError) as exc:
        me.create_service_specific_credential(UserName="wire-git", ServiceName="s3.amazonaws.com")
    assert error(exc) == (404, "NotSupportedService",
                          "Service s3.amazonaws.com is not supported for service-specific "
                          "credentials.")
    with pytest.raises(ClientError) as exc:
        me.list_service_specific_credentials(AllUsers=True)
    assert error(exc)[:2] == (403, "AccessDenied")
    iam.create_service_specific_credential(UserName="wire-git", ServiceName=CODECOMMIT)
    with pytest.raises(ClientError) as exc:
        iam.create_service_specific_credential(UserName="wire-git", ServiceName=CODECOMMIT)
    assert error(exc) == (409, "LimitExceeded",
                          "Cannot exceed quota for ServiceSpecificCredentialsPerUserPerService: 2")
    everyone = iam.list_service_specific_credentials(AllUsers=True)["ServiceSpecificCredentials"]
    assert {c["UserName"] for c in everyone} >= {"wire-git"}
    for cred in iam.list_service_specific_credentials(UserName="wire-git")[
            "ServiceSpecificCredentials"]:
        with pytest.raises(ClientError) as exc:
            iam.delete_user(UserName="wire-git")
        assert error(exc)[1] == "DeleteConflict"
        iam.delete_service_specific_credential(
            UserName="wire-git", ServiceSpecificCredentialId=cred["ServiceSpecificCredentialId"])
    with pytest.raises(ClientError) as exc:
        me.delete_service_specific_credential(ServiceSpecificCredentialId=cred_id)
    assert error(exc) == (404, "NoSuchEntity",
                          f"The Service Specific Credential with id {cred_id} cannot be found.")
