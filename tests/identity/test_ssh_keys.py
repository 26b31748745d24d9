"""SSH public keys of IAM users (CodeCommit over SSH): uploaded, converted, listed, updated,
deleted, refused, authorised; on SQLite and PostgreSQL.

Only RSA keys of at least 2,048 bits, in OpenSSH ``ssh-rsa`` or PEM form, are accepted; a refused
upload changes nothing (no row, no new generation of the account).
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from functools import cache
from typing import Any

import pytest
from callers import new_user, refused
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_public_key,
    load_ssh_public_key,
)
from policy_docs import allow
from sqlalchemy import func, select

from a2c_iam.identity import IdentityService
from a2c_iam.identity.tx import generation
from a2c_iam.store import schema as s

KEY_ID = re.compile(r"APKA[A-Z2-7]{16}")
FINGERPRINT = re.compile(r"[0-9a-f]{2}(:[0-9a-f]{2}){15}")
INVALID = "The request was rejected because the public key is malformed or otherwise invalid."
NOT_RSA = "The public key must be an RSA key (ssh-rsa or PEM) of 2048 to 16384 bits."
UNRECOGNIZED = ("The request was rejected because the public key encoding format is unsupported "
                "or unrecognized.")


@cache
def rsa_key(n: int = 0, bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ssh_body(key: Any, comment: str = " dev@laptop") -> str:
    return key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode() + comment


def pem_body(key: Any) -> str:
    return key.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def md5_fingerprint(key: Any) -> str:
    """What ``ssh-keygen -l -E md5`` prints: MD5 of the SSH wire blob, colon-separated."""
    blob = base64.b64decode(ssh_body(key, "").split()[1])
    digest = hashlib.md5(blob).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, 32, 2))


def key_rows(svc: IdentityService, account: Any) -> int:
    with svc.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(s.ssh_public_keys).where(
            s.ssh_public_keys.c.account_id == account.account_id)).scalar_one())


def gen(svc: IdentityService, account: Any) -> int:
    with svc.db.read() as conn:
        return generation(conn, account.account_id)


def test_upload_get_list_update_delete(call: Any, account: Any, svc: IdentityService) -> None:
    call("CreateUser", UserName="dev", Path="/ci/")
    key = rsa_key()
    body = ssh_body(key)
    before = gen(svc, account)
    up = call("UploadSSHPublicKey", UserName="DEV", SSHPublicKeyBody=body)["SSHPublicKey"]
    assert gen(svc, account) > before  # a mutation bumps the account's generation
    assert KEY_ID.fullmatch(up["SSHPublicKeyId"]) and len(up["SSHPublicKeyId"]) == 20
    assert FINGERPRINT.fullmatch(up["Fingerprint"])
    assert up["Fingerprint"] == md5_fingerprint(key)
    assert (up["UserName"], up["SSHPublicKeyBody"], up["Status"]) == ("dev", body, "Active")
    assert up["UploadDate"].tzinfo is not None
    assert abs((datetime.now(UTC) - up["UploadDate"]).total_seconds()) < 60
    key_id = up["SSHPublicKeyId"]
    got = call("GetSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id, Encoding="SSH")
    assert got == {"SSHPublicKey": up}  # the body as uploaded, comment included
    pem = call("GetSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id,
               Encoding="PEM")["SSHPublicKey"]
    assert pem["SSHPublicKeyBody"].startswith("-----BEGIN PUBLIC KEY-----\n")
    assert pem["SSHPublicKeyBody"] == pem_body(key)
    assert load_pem_public_key(pem["SSHPublicKeyBody"].encode()).public_numbers() == (
        key.public_key().public_numbers())
    assert pem["Fingerprint"] == up["Fingerprint"]
    listed = call("ListSSHPublicKeys", UserName="dev")
    assert listed == {"SSHPublicKeys": [{"UserName": "dev", "SSHPublicKeyId": key_id,
                                         "Status": "Active", "UploadDate": up["UploadDate"]}],
                      "IsTruncated": False}
    call("UpdateSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id, Status="Inactive")
    assert call("GetSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id,
                Encoding="SSH")["SSHPublicKey"]["Status"] == "Inactive"
    call("DeleteSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id)
    err = refused(call, "GetSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id, Encoding="SSH")
    assert (err.code, err.status, err.message) == (
        "NoSuchEntity", 404, f"The SSH Public Key with id {key_id} cannot be found.")
    err = refused(call, "DeleteSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id)
    assert err.code == "NoSuchEntity"
    assert call("ListSSHPublicKeys", UserName="dev")["SSHPublicKeys"] == []


def test_pem_upload_converts_to_ssh_and_is_the_same_key(call: Any) -> None:
    call("CreateUser", UserName="dev")
    key = rsa_key(1)
    up = call("UploadSSHPublicKey", UserName="dev", SSHPublicKeyBody=pem_body(key))["SSHPublicKey"]
    assert up["Fingerprint"] == md5_fingerprint(key)  # the same digest for either encoding
    ssh = call("GetSSHPublicKey", UserName="dev", SSHPublicKeyId=up["SSHPublicKeyId"],
               Encoding="SSH")["SSHPublicKey"]["SSHPublicKeyBody"]
    assert ssh == ssh_body(key, "")
    assert load_ssh_public_key(ssh.encode()).public_numbers() == key.public_key().public_numbers()
    err = refused(call, "UploadSSHPublicKey", UserName="dev", SSHPublicKeyBody=ssh_body(key))
    assert (err.code, err.status, err.message) == (
        "DuplicateSSHPublicKey", 400,
        "The request was rejected because the SSH public key is already associated with the "
        "specified IAM user.")
    # The same key for another user is that user's.
    call("CreateUser", UserName="other")
    call("UploadSSHPublicKey", UserName="other", SSHPublicKeyBody=ssh_body(key))


def test_an_rsa_public_key_in_pkcs1_pem_is_accepted(call: Any) -> None:
    call("CreateUser", UserName="dev")
    key = rsa_key(2)
    pkcs1 = key.public_key().public_bytes(Encoding.PEM, PublicFormat.PKCS1).decode()
    assert pkcs1.startswith("-----BEGIN RSA PUBLIC KEY-----")
    up = call("UploadSSHPublicKey", UserName="dev", SSHPublicKeyBody=pkcs1)["SSHPublicKey"]
    assert up["Fingerprint"] == md5_fingerprint(key)


def _refusals() -> list[tuple[str, str, str, str]]:
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    edwards = ed25519.Ed25519PrivateKey.generate()
    curve = ec.generate_private_key(ec.SECP256R1())
    private_pem = rsa_key(3).private_bytes(Encoding.PEM, PrivateFormat.PKCS8,
                                           NoEncryption()).decode()
    return [
        ("rsa-1024-ssh", ssh_body(small), "InvalidPublicKey", NOT_RSA),
        ("rsa-1024-pem", pem_body(small), "InvalidPublicKey", NOT_RSA),
        ("ed25519", ssh_body(edwards), "InvalidPublicKey", NOT_RSA),
        ("ecdsa-ssh", ssh_body(curve), "InvalidPublicKey", NOT_RSA),
        ("ecdsa-pem", pem_body(curve), "InvalidPublicKey", NOT_RSA),
        ("bad-base64", "ssh-rsa AAAA!!!notbase64 x", "InvalidPublicKey", INVALID),
        ("truncated", ssh_body(rsa_key())[:120], "InvalidPublicKey", INVALID),
        ("type-mismatch", "ssh-rsa " + ssh_body(edwards).split()[1], "InvalidPublicKey",
         INVALID),
        ("bad-pem", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
         "InvalidPublicKey", INVALID),
        ("private-pem", private_pem, "InvalidPublicKey", INVALID),
        # One PEM public key and nothing else: what follows it would be stored and echoed.
        ("public-then-private-pem", pem_body(rsa_key()) + private_pem, "InvalidPublicKey",
         INVALID),
        ("two-public-pems", pem_body(rsa_key()) + pem_body(rsa_key(1)), "InvalidPublicKey",
         INVALID),
        ("pem-and-text", pem_body(rsa_key()) + "trailing words", "InvalidPublicKey", INVALID),
        # Above OpenSSH's 16,384-bit limit (a modulus made up: only its size matters here).
        ("rsa-16401-ssh", rsa.RSAPublicNumbers(65537, (1 << 16400) + 1).public_key().public_bytes(
            Encoding.OpenSSH, PublicFormat.OpenSSH).decode(), "InvalidPublicKey", NOT_RSA),
        ("words", "hello world", "UnrecognizedPublicKeyEncoding", UNRECOGNIZED),
        ("bare-base64", ssh_body(rsa_key()).split()[1], "UnrecognizedPublicKeyEncoding",
         UNRECOGNIZED),
    ]


@pytest.mark.parametrize(("label", "body", "code", "message"), _refusals(),
                         ids=[r[0] for r in _refusals()])
def test_refused_keys_change_nothing(call: Any, account: Any, svc: IdentityService, label: str,
                                     body: str, code: str, message: str) -> None:
    call("CreateUser", UserName="dev")
    before = gen(svc, account)
    err = refused(call, "UploadSSHPublicKey", UserName="dev", SSHPublicKeyBody=body)
    assert (err.code, err.status, err.message) == (code, 400, message)
    assert "PRIVATE" not in err.message and body not in err.message
    assert key_rows(svc, account) == 0
    assert gen(svc, account) == before


def test_at_most_five_keys_per_user(call: Any, account: Any, svc: IdentityService) -> None:
    call("CreateUser", UserName="dev")
    made = [call("UploadSSHPublicKey", UserName="dev",
                 SSHPublicKeyBody=ssh_body(rsa_key(10 + i)))["SSHPublicKey"]["SSHPublicKeyId"]
            for i in range(5)]
    err = refused(call, "UploadSSHPublicKey", UserName="dev", SSHPublicKeyBody=ssh_body(rsa_key(15)))
    assert (err.code, err.status, err.message) == (
        "LimitExceeded", 409, "Cannot exceed quota for SSHPublicKeysPerUser: 5")
    assert key_rows(svc, account) == 5
    # Listed by key id (CodeCommit User Guide), in pages.
    first = call("ListSSHPublicKeys", UserName="dev", MaxItems=3)
    assert first["IsTruncated"] is True and len(first["SSHPublicKeys"]) == 3
    rest = call("ListSSHPublicKeys", UserName="dev", Marker=first["Marker"])
    ids = [k["SSHPublicKeyId"] for k in first["SSHPublicKeys"] + rest["SSHPublicKeys"]]
    assert ids == sorted(made)
    # Another user's quota is its own.
    call("CreateUser", UserName="other")
    call("UploadSSHPublicKey", UserName="other", SSHPublicKeyBody=ssh_body(rsa_key(15)))


def test_unknown_user_and_foreign_key_ids(call: Any, account: Any, svc: IdentityService) -> None:
    err = refused(call, "UploadSSHPublicKey", UserName="ghost", SSHPublicKeyBody=ssh_body(rsa_key()))
    assert (err.code, err.message) == ("NoSuchEntity", "The user with name ghost cannot be found.")
    err = refused(call, "ListSSHPublicKeys", UserName="ghost")
    assert err.code == "NoSuchEntity"
    call("CreateUser", UserName="a")
    call("CreateUser", UserName="b")
    key_id = call("UploadSSHPublicKey", UserName="a",
                  SSHPublicKeyBody=ssh_body(rsa_key()))["SSHPublicKey"]["SSHPublicKeyId"]
    for op, extra in (("GetSSHPublicKey", {"Encoding": "PEM"}),
                      ("UpdateSSHPublicKey", {"Status": "Inactive"}),
                      ("DeleteSSHPublicKey", {})):
        err = refused(call, op, UserName="b", SSHPublicKeyId=key_id, **extra)
        assert (err.code, err.message) == (
            "NoSuchEntity", f"The SSH Public Key with id {key_id} cannot be found.")
    assert call("GetSSHPublicKey", UserName="a", SSHPublicKeyId=key_id,
                Encoding="SSH")["SSHPublicKey"]["Status"] == "Active"
    # Another account does not see it either.
    other = svc.create_account()
    octx = svc.context(other.account_id)
    svc.run("iam", "CreateUser", octx, UserName="a")
    err = refused(svc.run, "iam", "GetSSHPublicKey", octx, UserName="a", SSHPublicKeyId=key_id,
                  Encoding="SSH")
    assert err.code == "NoSuchEntity"


def test_bad_status_and_encoding(call: Any, account: Any, svc: IdentityService) -> None:
    call("CreateUser", UserName="dev")
    key_id = call("UploadSSHPublicKey", UserName="dev",
                  SSHPublicKeyBody=ssh_body(rsa_key()))["SSHPublicKey"]["SSHPublicKeyId"]
    before = gen(svc, account)
    err = refused(call, "UpdateSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id,
                  Status="Expired")
    assert (err.code, err.status) == ("InvalidInput", 400)
    assert gen(svc, account) == before
    err = refused(call, "GetSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id, Encoding="DER")
    assert err.code == "ValidationError" and "satisfy enum value set: [SSH, PEM]" in err.message
    err = refused(call, "UpdateSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id)
    assert err.code == "ValidationError"
    assert call("GetSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id,
                Encoding="SSH")["SSHPublicKey"]["Status"] == "Active"


def test_delete_user_is_refused_while_it_has_ssh_keys(call: Any) -> None:
    call("CreateUser", UserName="dev")
    key_id = call("UploadSSHPublicKey", UserName="dev",
                  SSHPublicKeyBody=ssh_body(rsa_key()))["SSHPublicKey"]["SSHPublicKeyId"]
    err = refused(call, "DeleteUser", UserName="dev")
    assert (err.code, err.status, err.message) == (
        "DeleteConflict", 409, "Cannot delete entity, must remove referenced objects first.")
    assert call("GetUser", UserName="dev")["User"]["UserName"] == "dev"
    call("DeleteSSHPublicKey", UserName="dev", SSHPublicKeyId=key_id)
    call("DeleteUser", UserName="dev")


def test_a_user_manages_its_own_keys_only(call: Any, account: Any, svc: IdentityService) -> None:
    own = f"arn:aws:iam::{account.account_id}:user/" + "${aws:username}"
    user = new_user(call, svc, "coder",
                    allow("iam:UploadSSHPublicKey", "iam:ListSSHPublicKeys",
                          "iam:GetSSHPublicKey", "iam:DeleteSSHPublicKey", resource=own))
    call("CreateUser", UserName="victim", Path="/team/")
    up = svc.run("iam", "UploadSSHPublicKey", user, UserName="coder",
                 SSHPublicKeyBody=ssh_body(rsa_key()))["SSHPublicKey"]
    # Without UserName: the caller's own keys.
    listed = svc.run("iam", "ListSSHPublicKeys", user)["SSHPublicKeys"]
    assert [k["SSHPublicKeyId"] for k in listed] == [up["SSHPublicKeyId"]]
    err = refused(svc.run, "iam", "UploadSSHPublicKey", user, UserName="victim",
                  SSHPublicKeyBody=ssh_body(rsa_key(1)))
    assert (err.code, err.status) == ("AccessDenied", 403)
    assert err.message == (
        f"User: arn:aws:iam::{account.account_id}:user/coder is not authorized to perform: "
        f"iam:UploadSSHPublicKey on resource: arn:aws:iam::{account.account_id}:user/team/victim "
        "because no identity-based policy allows the iam:UploadSSHPublicKey action")
    assert call("ListSSHPublicKeys", UserName="victim")["SSHPublicKeys"] == []
    # The victim's own key: the coder may act on it through none of its allowed operations.
    theirs = call("UploadSSHPublicKey", UserName="victim",
                  SSHPublicKeyBody=ssh_body(rsa_key(2)))["SSHPublicKey"]["SSHPublicKeyId"]
    named = {"UserName": "victim", "SSHPublicKeyId": theirs}
    for operation, params in (("ListSSHPublicKeys", {"UserName": "victim"}),
                              ("GetSSHPublicKey", {**named, "Encoding": "SSH"}),
                              ("DeleteSSHPublicKey", named)):
        err = refused(svc.run, "iam", operation, user, **params)
        assert err.code == "AccessDenied" and "user/team/victim" in err.message, operation
    assert [k["SSHPublicKeyId"] for k in call("ListSSHPublicKeys", UserName="victim")[
        "SSHPublicKeys"]] == [theirs]
    err = refused(svc.run, "iam", "UpdateSSHPublicKey", user, UserName="coder",
                  SSHPublicKeyId=up["SSHPublicKeyId"], Status="Inactive")
    assert err.code == "AccessDenied"
    # The root user has no SSH keys of its own.
    assert call("ListSSHPublicKeys")["SSHPublicKeys"] == []
