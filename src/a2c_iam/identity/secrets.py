"""Secrets at rest and in memory: AES-GCM under a master key, and a value that will not print.

- ``SecretStr`` holds a secret access key or a session token in memory. Its ``repr`` and ``str``
  are redacted, it refuses to be pickled (so it cannot leak into another process or a cache
  file), and compares in constant time. ``get_secret_value()`` is the one way to the text.
- ``Cipher`` encrypts each secret with AES-256-GCM and a fresh 96-bit nonce. The associated data
  names what the ciphertext is (``access-key:AKIA…:secret``), so a ciphertext copied into another
  row does not decrypt. Stored form: ``b"\\x01" + nonce + ciphertext_and_tag``.
- The master key is 32 bytes, from ``A2C_IAM_MASTER_KEY`` (base 64) or else from a key file,
  created with mode 0600 on first start (atomically: two processes starting together end with
  the same key). A key file readable by others is refused, not used.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import ConfigurationError

MASTER_KEY_ENV = "A2C_IAM_MASTER_KEY"
KEY_BYTES = 32
_VERSION = b"\x01"
_NONCE = 12
_REDACTED = "**********"


class SecretStr:
    """A secret string whose representation never shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"SecretStr('{_REDACTED}')"

    def __str__(self) -> str:
        return _REDACTED

    def __format__(self, spec: str) -> str:
        return _REDACTED

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SecretStr):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(("SecretStr", len(self._value)))

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SecretStr is not picklable")

    def __len__(self) -> int:
        return len(self._value)


class Cipher:
    """AES-256-GCM with associated data naming the secret's place."""

    def __init__(self, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise ConfigurationError(f"the master key must be {KEY_BYTES} bytes")
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "Cipher(key=<redacted>)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Cipher is not picklable")

    def encrypt(self, plaintext: str, context: str) -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), context.encode("utf-8"))
        return _VERSION + nonce + sealed

    def decrypt(self, blob: bytes, context: str) -> SecretStr:
        """The plaintext, or ``ConfigurationError`` if the key or the context is not the one used."""
        data = bytes(blob)
        if data[:1] != _VERSION or len(data) < 1 + _NONCE + 16:
            raise ConfigurationError("a stored secret is not in a known format")
        try:
            plain = self._aead.decrypt(data[1 : 1 + _NONCE], data[1 + _NONCE :], context.encode())
        except InvalidTag:
            raise ConfigurationError(
                "a stored secret does not decrypt: the master key is not the one it was "
                "encrypted with"
            ) from None
        return SecretStr(plain.decode("utf-8"))


def _decode_key(text: str, origin: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"{origin} is not base 64") from None
    if len(key) != KEY_BYTES:
        raise ConfigurationError(f"{origin} must decode to {KEY_BYTES} bytes, not {len(key)}")
    return key


def load_master_key(key_file: Path | None, environ: Mapping[str, str] | None = None) -> bytes:
    """The master key: from ``A2C_IAM_MASTER_KEY``, else from ``key_file`` (created if missing)."""
    env = os.environ if environ is None else environ
    if env.get(MASTER_KEY_ENV):
        return _decode_key(env[MASTER_KEY_ENV], MASTER_KEY_ENV)
    if key_file is None:
        raise ConfigurationError(
            f"no master key: set {MASTER_KEY_ENV} (base 64 of 32 bytes) or give a key file"
        )
    if not key_file.exists():
        _create_key_file(key_file)
    mode = stat.S_IMODE(key_file.stat().st_mode)
    if mode & 0o077:
        raise ConfigurationError(
            f"key file {key_file} is readable by others (mode {mode:o}); chmod 600 it"
        )
    return _decode_key(key_file.read_text(encoding="ascii"), f"key file {key_file}")


def _create_key_file(key_file: Path) -> None:
    """Write a new random key to ``key_file`` with mode 0600, unless another process won."""
    key_file.parent.mkdir(parents=True, exist_ok=True)
    temp = key_file.with_name(f".{key_file.name}.{os.getpid()}.{os.urandom(4).hex()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii") + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        # Atomic; fails if another process created it first, whose key then wins.
        with contextlib.suppress(FileExistsError):
            os.link(temp, key_file)
    finally:
        temp.unlink(missing_ok=True)
