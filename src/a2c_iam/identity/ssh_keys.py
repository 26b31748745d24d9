"""SSH public keys of IAM users, the keys CodeCommit authenticates ``git`` over SSH with.

A key is uploaded for a named user (``UploadSSHPublicKey`` has no caller default; the other
operations take ``UserName`` as the model requires, and ``ListSSHPublicKeys`` without it lists
the calling user's keys — the root user has none). IAM API Reference: "The public key must be
encoded in ssh-rsa format or PEM format. The minimum bit-length of the public key is 2048 bits."
The body is parsed with ``cryptography``: an OpenSSH ``ssh-rsa`` line (a comment may follow) or
a PEM public key (``PUBLIC KEY`` or ``RSA PUBLIC KEY``); anything else that is not even one of
those encodings is ``UnrecognizedPublicKeyEncoding``; a body that is one of them but does not
parse, is not RSA (``ssh-ed25519``, ECDSA, DSA) or has fewer than 2,048 bits is
``InvalidPublicKey``, and so is one of more than 16,384 bits (OpenSSH's own limit: no SSH client
could use it). A PEM body must be exactly one ``PUBLIC KEY`` or ``RSA PUBLIC KEY`` block with
nothing around it: anything else (a private key, a second block, trailing text) would be stored
and echoed by ``GetSSHPublicKey``. A private key is refused the same way and never echoed.

``SSHPublicKeyId`` is ``APKA`` and 16 base-32 characters, 20 in all, as the IAM examples show
(``APKA123456789EXAMPLE``, ``APKAEIBAERJR2EXAMPLE``). ``Fingerprint`` is "The MD5 message digest
of the SSH public key", shown as 16 colon-separated lower-case hexadecimal pairs as in the AWS
CLI's example (``12:34:56:…:ef``); which bytes IAM hashes is not documented: here the key's SSH
wire form (RFC 4716 §4, what ``ssh-keygen -l -E md5`` prints), for either encoding, so that a
key uploaded once in SSH and once in PEM is the same key. The same key twice for one user is
``DuplicateSSHPublicKey``. At most 5 keys per user (IAM User Guide quotas: "SSH public keys per
IAM user: 5"). ``GetSSHPublicKey`` answers the body as uploaded when ``Encoding`` is the upload's
encoding, else the key converted (``ssh-rsa BASE64``, or a PEM ``SubjectPublicKeyInfo``) — IAM's
exact text for a converted key is not confirmed. Keys are listed by key id (CodeCommit User
Guide: "the keys are listed alphabetically by key ID, not by upload date"). ``UpdateSSHPublicKey``
accepts ``Active`` and ``Inactive`` only (the model also lists ``Expired``; IAM documents the
two), else ``InvalidInput``.

Wordings. The texts of ``InvalidPublicKey``, ``UnrecognizedPublicKeyEncoding`` and
``DuplicateSSHPublicKey`` are the descriptions botocore's model gives those errors (IAM's own
messages are not confirmed here). Taken from IAM emulators (moto), not confirmed against AWS:
"The SSH Public Key with id ID cannot be found." (NoSuchEntity; moto has no final period, this
service's access-key text has one). Our own: the quota text in ``common.quota``'s form
(``SSHPublicKeysPerUser: 5``), the too-short and not-RSA refusals, and the ``Expired`` refusal.
"""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_public_key,
    load_ssh_public_key,
)
from sqlalchemy import delete, select, update

from a2c_iam.store import schema as s

from . import ids
from .common import check_count, check_status, page, set_target
from .errors import IdentityError, NoSuchEntity
from .tx import Tx
from .users import credential_owner_row, named_user

SSH_PUBLIC_KEYS_PER_USER = 5
MIN_BITS = 2048
#: OpenSSH refuses RSA keys above this size (``SSH_RSA_MAXIMUM_MODULUS_SIZE``).
MAX_BITS = 16384
#: One PEM public key and nothing else (the label's two spellings).
_ONE_PEM = re.compile(r"-----BEGIN (RSA |)PUBLIC KEY-----\r?\n[A-Za-z0-9+/=\r\n]+"
                      r"-----END \1PUBLIC KEY-----")

_INVALID = "The request was rejected because the public key is malformed or otherwise invalid."
_NOT_RSA = (f"The public key must be an RSA key (ssh-rsa or PEM) of {MIN_BITS} to {MAX_BITS} "
            "bits.")
_UNRECOGNIZED = ("The request was rejected because the public key encoding format is "
                 "unsupported or unrecognized.")
_DUPLICATE = ("The request was rejected because the SSH public key is already associated with "
              "the specified IAM user.")


class InvalidPublicKey(IdentityError):
    model = ("iam", "InvalidPublicKeyException")


class UnrecognizedPublicKeyEncoding(IdentityError):
    model = ("iam", "UnrecognizedPublicKeyEncodingException")


class DuplicateSSHPublicKey(IdentityError):
    model = ("iam", "DuplicateSSHPublicKeyException")


def _is_pem(body: str) -> bool:
    return body.lstrip().startswith("-----BEGIN ")


def parse_public_key(body: str) -> RSAPublicKey:
    """The RSA public key of an upload, if IAM would accept it."""
    text = body.strip()
    try:
        if _is_pem(text):
            if _ONE_PEM.fullmatch(text) is None:
                raise InvalidPublicKey(_INVALID)
            key: Any = load_pem_public_key(text.encode("latin-1"))
        else:
            fields = text.split()
            if len(fields) < 2 or not fields[0].startswith(("ssh-", "ecdsa-", "sk-")):
                raise UnrecognizedPublicKeyEncoding(_UNRECOGNIZED)
            if fields[0] != "ssh-rsa":
                raise InvalidPublicKey(_NOT_RSA)
            key = load_ssh_public_key(f"{fields[0]} {fields[1]}".encode("latin-1"))
    except IdentityError:
        raise
    except (ValueError, TypeError, UnsupportedAlgorithm, UnicodeError):
        raise InvalidPublicKey(_INVALID) from None
    if not isinstance(key, RSAPublicKey) or not MIN_BITS <= key.key_size <= MAX_BITS:
        raise InvalidPublicKey(_NOT_RSA)
    return key


def ssh_text(key: RSAPublicKey) -> str:
    """``ssh-rsa BASE64`` (no comment)."""
    return key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode("ascii")


def pem_text(key: RSAPublicKey) -> str:
    """A PEM ``SubjectPublicKeyInfo`` (``-----BEGIN PUBLIC KEY-----``)."""
    return key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def fingerprint(key: RSAPublicKey) -> str:
    """MD5 of the key's SSH wire form, as ``aa:bb:…`` (16 pairs)."""
    blob = base64.b64decode(ssh_text(key).split()[1], validate=True)
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _no_key(key_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"The SSH Public Key with id {key_id} cannot be found.")


def _key_row(tx: Tx, user_id: str, key_id: str) -> Any:
    k = s.ssh_public_keys.c
    row = tx.conn.execute(select(s.ssh_public_keys).where(
        k.id == key_id, k.user_id == user_id, k.account_id == tx.account_id)).first()
    if row is None:
        raise _no_key(key_id)
    return row


def _full(user_name: str, row: Any, body: str) -> dict[str, Any]:
    return {"UserName": user_name, "SSHPublicKeyId": row.id, "Fingerprint": row.fingerprint,
            "SSHPublicKeyBody": body, "Status": row.status, "UploadDate": row.uploaded_at}


def upload_ssh_public_key(tx: Tx, user_name: str, ssh_public_key_body: str) -> dict[str, Any]:
    user, arn = named_user(tx, user_name)
    set_target(tx, arn)
    key = parse_public_key(ssh_public_key_body)
    print_ = fingerprint(key)
    k = s.ssh_public_keys.c
    taken = tx.conn.execute(select(k.id).where(
        k.user_id == user.id, k.fingerprint == print_).limit(1)).first()
    if taken is not None:
        raise DuplicateSSHPublicKey(_DUPLICATE)
    check_count(tx.conn, s.ssh_public_keys, SSH_PUBLIC_KEYS_PER_USER, "SSHPublicKeysPerUser",
                k.user_id == user.id)
    key_id = ids.ssh_public_key_id()
    tx.conn.execute(s.ssh_public_keys.insert().values(
        id=key_id, account_id=tx.account_id, user_id=user.id, body=ssh_public_key_body,
        fingerprint=print_, status="Active", uploaded_at=tx.now))
    row = _key_row(tx, user.id, key_id)
    return {"SSHPublicKey": _full(user.name, row, ssh_public_key_body)}


def get_ssh_public_key(tx: Tx, user_name: str, ssh_public_key_id: str, encoding: str,
                       ) -> dict[str, Any]:
    user, _ = named_user(tx, user_name)
    row = _key_row(tx, user.id, ssh_public_key_id)
    # ``encoding`` is SSH or PEM: the model's enum refuses anything else before this runs.
    uploaded = "PEM" if _is_pem(row.body) else "SSH"
    if encoding == uploaded:
        body = row.body
    else:
        key = parse_public_key(row.body)
        body = pem_text(key) if encoding == "PEM" else ssh_text(key)
    return {"SSHPublicKey": _full(user.name, row, body)}


def list_ssh_public_keys(tx: Tx, user_name: str | None = None, marker: str | None = None,
                         max_items: int | None = None) -> dict[str, Any]:
    user, _ = credential_owner_row(tx, user_name)
    if user is None:  # the root user has no SSH keys
        return page([], "SSHPublicKeys", marker, max_items)
    k = s.ssh_public_keys.c
    rows = tx.conn.execute(select(s.ssh_public_keys).where(k.user_id == user.id)
                           .order_by(k.id)).all()
    items = [{"UserName": user.name, "SSHPublicKeyId": r.id, "Status": r.status,
              "UploadDate": r.uploaded_at} for r in rows]
    return page(items, "SSHPublicKeys", marker, max_items)


def update_ssh_public_key(tx: Tx, user_name: str, ssh_public_key_id: str, status: str,
                          ) -> dict[str, Any]:
    user, arn = named_user(tx, user_name)
    set_target(tx, arn)
    _key_row(tx, user.id, ssh_public_key_id)
    check_status(status, "an SSH public key")
    tx.conn.execute(update(s.ssh_public_keys).where(s.ssh_public_keys.c.id == ssh_public_key_id)
                    .values(status=status))
    return {}


def delete_ssh_public_key(tx: Tx, user_name: str, ssh_public_key_id: str) -> dict[str, Any]:
    user, arn = named_user(tx, user_name)
    set_target(tx, arn)
    _key_row(tx, user.id, ssh_public_key_id)
    tx.conn.execute(delete(s.ssh_public_keys).where(s.ssh_public_keys.c.id == ssh_public_key_id))
    return {}
