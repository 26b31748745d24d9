"""Virtual MFA devices: create, enable for a user, resync, deactivate, delete, list, tag.

A virtual device is a TOTP secret (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps) named by its
serial number, the device ARN ``arn:aws:iam::ACCOUNT:mfa/PATH/NAME``. The secret is 20 random
bytes, handed out once (``CreateVirtualMFADevice``'s ``Base32StringSeed``) and stored only as an
AES-GCM ciphertext bound to the serial (associated data ``mfa:SERIAL:seed``), like access keys.

Codes are checked against the current step of the service's clock and the step either side of it
(clocks drift and people type slowly); ``EnableMFADevice`` and ``ResyncMFADevice`` need two
consecutive codes, the second one in that window. The last step accepted is stored, and no code
of that step or an earlier one is accepted again, so an observed code cannot be replayed — not
even in the window where it is still current. A refused code changes nothing (the transaction
rolls back).

``QRCodePNG`` is not returned: no QR encoder is among the dependencies, and one written here could
not be checked against a decoder in this project's tests. A client renders the same content
(``otpauth://totp/NAME@ACCOUNT?secret=BASE32``) from ``Base32StringSeed``.

Wordings: "MFADevice entity at the same path and name already exists." is IAM's (seen in
CloudTrail records). The others follow IAM emulators that copy IAM's answers, not IAM itself
(none confirmed against AWS here): "VirtualMFADevice with serial number … doesn't exist.",
"MFA Device is already in use.", "MFA Device invalid for user.", "MFA VirtualDevice in use.
Must deactivate first." and "Authentication code for device is not valid.". The quota texts
follow ``common.quota`` with the names ``MFADevicesPerUser`` (8, IAM's documented limit) and
``MFADevices`` (virtual devices per account: IAM's quota equals the user quota).

Wrong codes are counted per device and user (``attempts``): after five within five minutes,
every code for that pair is refused, right or wrong, with the same answer, until five minutes
have passed; a million codes cannot be tried at the speed a check runs.

``ResyncMFADevice`` checks two consecutive codes and records the step; software devices run on
the service's own clock, so there is no drift offset to store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from sqlalchemy import delete, or_, select, update

from a2c_iam.store import schema as s

from . import ids
from .common import USERS_PER_ACCOUNT, check_count, page, set_target
from .entities import listed_user
from .errors import (
    DeleteConflict,
    EntityAlreadyExists,
    InvalidAuthenticationCode,
    InvalidInput,
    NoSuchEntity,
    ValidationError,
)
from .model import Tag
from .secrets import SecretStr
from .tags import as_tags, drop_all, get_tags, put_tags, remove_tags
from .tx import Tx
from .users import credential_owner_row, named_user

SEED_BYTES = 20
DIGITS = 6
STEP_SECONDS = 30
#: Steps either side of the current one in which a code is accepted.
WINDOW = 1
MFA_DEVICES_PER_USER = 8
VIRTUAL_MFA_DEVICES_PER_ACCOUNT = USERS_PER_ACCOUNT
#: The longest device name the store holds (``schema.NAME``); the model sets no maximum.
MAX_NAME = 128
#: The longest ``SerialNumber`` the model lets any other operation name (``serialNumberType``).
MAX_SERIAL = 256

_INVALID_CODE = "Authentication code for device is not valid."
_IN_USE = "MFA Device is already in use."
_NOT_THE_USERS = "MFA Device invalid for user."


@dataclass(frozen=True, slots=True)
class VirtualMFADevice:
    """A new virtual device: the only time its seed is handed out (the seed shows only in
    ``to_aws``, as ``Base32StringSeed``'s bytes)."""

    serial_number: str
    seed: SecretStr
    tags: tuple[Tag, ...] = ()

    def to_aws(self) -> dict[str, Any]:
        out: dict[str, Any] = {"SerialNumber": self.serial_number,
                               "Base32StringSeed": self.seed.get_secret_value().encode("ascii")}
        if self.tags:
            out["Tags"] = [t.to_aws() for t in self.tags]
        return out


def seed_context(serial: str) -> str:
    """The associated data of a device's encrypted seed (binds the ciphertext to its row)."""
    return f"mfa:{serial}:seed"


def tag_resource_id(serial: str) -> str:
    """Where a device's tags are kept in ``tags`` (a device has no IAM id; its serial is too long
    for the column): a digest of the serial, which never changes."""
    return "MFA" + hashlib.sha256(serial.encode("utf-8")).hexdigest()[:29].upper()


def _no_device(serial: str) -> NoSuchEntity:
    return NoSuchEntity(f"VirtualMFADevice with serial number {serial} doesn't exist.")


def _device(tx: Tx, serial: str) -> Any:
    row = tx.conn.execute(select(s.mfa_devices).where(
        s.mfa_devices.c.serial == serial, s.mfa_devices.c.account_id == tx.account_id)).first()
    if row is None:
        raise _no_device(serial)
    return row


# -- TOTP ------------------------------------------------------------------------------------------


def _totp(tx: Tx, row: Any) -> TOTP:
    seed = tx.cipher.decrypt(row.seed, seed_context(row.serial)).get_secret_value()
    return TOTP(base64.b32decode(seed), DIGITS, SHA1(), STEP_SECONDS)


def current_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def _matches(totp: TOTP, step: int, code: str) -> bool:
    return hmac.compare_digest(totp.generate(step * STEP_SECONDS), code.encode("ascii"))


def _fresh(row: Any, step: int) -> bool:
    return row.last_step is None or step > row.last_step


def _well_formed(code: str) -> bool:
    return len(code) == DIGITS and code.isascii() and code.isdigit()


def _consecutive(tx: Tx, row: Any, user_id: str, first: str, second: str) -> int:
    """The step of ``second`` when ``first`` and ``second`` are codes of two consecutive steps,
    the second within the window around now (and both newer than the last step accepted); a
    failure counts against the device for this user (``attempts``)."""
    subject = _subject(row.serial, user_id)
    if not tx.attempts.locked(subject) and _well_formed(first) and _well_formed(second):
        totp = _totp(tx, row)
        now = current_step(tx.now)
        for step in range(now - WINDOW, now + WINDOW + 1):
            if (_fresh(row, step - 1) and _matches(totp, step - 1, first)
                    and _matches(totp, step, second)):
                tx.attempts.succeeded(subject)
                return step
        tx.attempts.failed(subject)
    raise InvalidAuthenticationCode(_INVALID_CODE)


def _accept(tx: Tx, serial: str, step: int, **values: Any) -> bool:
    """Record ``step`` as the device's last accepted one, unless a newer one already is."""
    done = tx.conn.execute(update(s.mfa_devices).where(
        s.mfa_devices.c.serial == serial,
        or_(s.mfa_devices.c.last_step.is_(None), s.mfa_devices.c.last_step < step),
    ).values(last_step=step, **values))
    return bool(done.rowcount)


def verify_code(tx: Tx, serial: str, user_id: str | None, code: str) -> bool:
    """Whether ``code`` is a fresh code of the device ``serial`` enabled for ``user_id`` (STS).

    Accepts the current step and one either side; a step at or before the last accepted one is
    refused (a replay), and the step accepted is recorded. False for an unknown device, one that
    is not enabled for this user, or a malformed code.

    Only a wrong code for a device enabled for this user counts as a failure (against that
    device and user): a serial that does not exist or is not the user's can never be right, and
    counting it would let one caller fill the limiter with made-up serials and push real locks
    out. The answer is the same False either way.
    """
    if user_id is None:
        return False
    row = tx.conn.execute(select(s.mfa_devices).where(
        s.mfa_devices.c.serial == serial, s.mfa_devices.c.account_id == tx.account_id,
        s.mfa_devices.c.user_id == user_id)).first()
    if row is None:
        return False
    subject = _subject(row.serial, user_id)
    if tx.attempts.locked(subject):
        return False
    if _well_formed(code):
        totp = _totp(tx, row)
        now = current_step(tx.now)
        for step in range(now - WINDOW, now + WINDOW + 1):
            if _fresh(row, step) and _matches(totp, step, code) and _accept(tx, serial, step):
                tx.attempts.succeeded(subject)
                return True
    tx.attempts.failed(subject)
    return False


def _subject(serial: str, user_id: str) -> str:
    """What failed guesses are counted against: one device as used by one user, so that nobody
    can lock another user's device by guessing at it with their own credentials."""
    return f"mfa:{serial}:{user_id}"


# -- operations ------------------------------------------------------------------------------------


def create_virtual_mfa_device(tx: Tx, virtual_mfa_device_name: str, path: str | None = None,
                              tags: Any = None) -> dict[str, Any]:
    path = path or "/"
    if len(virtual_mfa_device_name) > MAX_NAME:
        raise ValidationError(
            f"1 validation error detected: Value '{virtual_mfa_device_name}' at "
            "'virtualMFADeviceName' failed to satisfy constraint: Member must have length less "
            f"than or equal to {MAX_NAME}")
    serial = ids.arn(tx.account_id, "mfa", path, virtual_mfa_device_name)
    set_target(tx, serial)
    if len(serial) > MAX_SERIAL:  # every later call names the device by it, in at most 256
        raise InvalidInput(f"The serial number of the device would have {len(serial)} "
                           f"characters; at most {MAX_SERIAL} are allowed: use a shorter path "
                           "or name.")
    devices = s.mfa_devices.c
    taken = tx.conn.execute(select(devices.serial).where(
        devices.account_id == tx.account_id, devices.path == path,
        devices.name_lower == virtual_mfa_device_name.lower()).limit(1)).first()
    if taken is not None:
        raise EntityAlreadyExists("MFADevice entity at the same path and name already exists.")
    check_count(tx.conn, s.mfa_devices, VIRTUAL_MFA_DEVICES_PER_ACCOUNT, "MFADevices",
                devices.account_id == tx.account_id)
    seed = base64.b32encode(os.urandom(SEED_BYTES)).decode("ascii")
    tx.conn.execute(s.mfa_devices.insert().values(
        serial=serial, account_id=tx.account_id, name=virtual_mfa_device_name,
        name_lower=virtual_mfa_device_name.lower(), path=path, user_id=None,
        seed=tx.cipher.encrypt(seed, seed_context(serial)), created_at=tx.now,
    ))
    given = as_tags(tags)
    put_tags(tx, tag_resource_id(serial), given, "MFADevice")
    stored = get_tags(tx.conn, tag_resource_id(serial)) if given else ()
    return {"VirtualMFADevice": VirtualMFADevice(serial, SecretStr(seed), stored)}


def enable_mfa_device(tx: Tx, user_name: str, serial_number: str, authentication_code1: str,
                      authentication_code2: str) -> dict[str, Any]:
    user, arn = named_user(tx, user_name)
    set_target(tx, arn)
    row = _device(tx, serial_number)
    if row.user_id is not None:
        raise EntityAlreadyExists(_IN_USE)
    check_count(tx.conn, s.mfa_devices, MFA_DEVICES_PER_USER, "MFADevicesPerUser",
                s.mfa_devices.c.user_id == user.id)
    step = _consecutive(tx, row, user.id, authentication_code1, authentication_code2)
    if not _accept(tx, row.serial, step, user_id=user.id, enabled_at=tx.now):
        raise InvalidAuthenticationCode(_INVALID_CODE)
    return {}


def resync_mfa_device(tx: Tx, user_name: str, serial_number: str, authentication_code1: str,
                      authentication_code2: str) -> dict[str, Any]:
    user, arn = named_user(tx, user_name)
    set_target(tx, arn)
    row = _device(tx, serial_number)
    if row.user_id != user.id:
        raise NoSuchEntity(_NOT_THE_USERS)
    step = _consecutive(tx, row, user.id, authentication_code1, authentication_code2)
    if not _accept(tx, row.serial, step):
        raise InvalidAuthenticationCode(_INVALID_CODE)
    return {}


def deactivate_mfa_device(tx: Tx, serial_number: str, user_name: str | None = None,
                          ) -> dict[str, Any]:
    user, arn = credential_owner_row(tx, user_name)
    set_target(tx, arn)
    row = _device(tx, serial_number)
    if user is None or row.user_id != user.id:
        raise NoSuchEntity(_NOT_THE_USERS)
    tx.conn.execute(update(s.mfa_devices).where(s.mfa_devices.c.serial == row.serial)
                    .values(user_id=None, enabled_at=None))
    return {}


def delete_virtual_mfa_device(tx: Tx, serial_number: str) -> dict[str, Any]:
    set_target(tx, serial_number)
    row = _device(tx, serial_number)
    if row.user_id is not None:
        raise DeleteConflict("MFA VirtualDevice in use. Must deactivate first.")
    drop_all(tx, tag_resource_id(row.serial))
    tx.conn.execute(delete(s.mfa_devices).where(s.mfa_devices.c.serial == row.serial))
    return {}


def get_mfa_device(tx: Tx, serial_number: str, user_name: str | None = None) -> dict[str, Any]:
    """The device enabled for the user named, or for the calling user: IAM authorises the call
    on that user, so a device of anyone else is not found."""
    user, arn = credential_owner_row(tx, user_name)
    set_target(tx, arn)
    row = _device(tx, serial_number)
    if user is None or row.user_id != user.id:
        raise NoSuchEntity(_NOT_THE_USERS)
    return {"UserName": user.name, "SerialNumber": row.serial, "EnableDate": row.enabled_at}


def list_mfa_devices(tx: Tx, user_name: str | None = None, marker: str | None = None,
                     max_items: int | None = None) -> dict[str, Any]:
    user, _ = credential_owner_row(tx, user_name)
    items: list[dict[str, Any]] = []
    if user is not None:  # the root user has no MFA device here
        rows = tx.conn.execute(select(s.mfa_devices).where(s.mfa_devices.c.user_id == user.id)
                               .order_by(s.mfa_devices.c.enabled_at, s.mfa_devices.c.serial))
        items = [{"UserName": user.name, "SerialNumber": r.serial, "EnableDate": r.enabled_at}
                 for r in rows]
    return page(items, "MFADevices", marker, max_items)


def list_virtual_mfa_devices(tx: Tx, assignment_status: str | None = None,
                             marker: str | None = None, max_items: int | None = None,
                             ) -> dict[str, Any]:
    """The account's virtual devices by serial number (``Any`` when no status is given); never
    a seed, and no tags (IAM documents them as ``ListMFADeviceTags``-only)."""
    d, u = s.mfa_devices.c, s.users.c
    query = select(
        d.serial, d.user_id, d.enabled_at, u.id, u.account_id, u.name, u.path, u.created_at,
    ).select_from(s.mfa_devices.outerjoin(s.users, d.user_id == u.id)).where(
        d.account_id == tx.account_id).order_by(d.serial)
    if assignment_status == "Assigned":
        query = query.where(d.user_id.is_not(None))
    elif assignment_status == "Unassigned":
        query = query.where(d.user_id.is_(None))
    items: list[dict[str, Any]] = []
    row: Any
    for row in tx.conn.execute(query):
        item: dict[str, Any] = {"SerialNumber": row.serial}
        if row.user_id is not None:
            item["EnableDate"] = row.enabled_at
            item["User"] = listed_user(row)
        items.append(item)
    return page(items, "VirtualMFADevices", marker, max_items)


def tag_mfa_device(tx: Tx, serial_number: str, tags: Any) -> dict[str, Any]:
    set_target(tx, serial_number)
    row = _device(tx, serial_number)
    put_tags(tx, tag_resource_id(row.serial), as_tags(tags), "MFADevice")
    return {}


def untag_mfa_device(tx: Tx, serial_number: str, tag_keys: Sequence[str]) -> dict[str, Any]:
    set_target(tx, serial_number)
    row = _device(tx, serial_number)
    remove_tags(tx, tag_resource_id(row.serial), list(tag_keys))
    return {}


def list_mfa_device_tags(tx: Tx, serial_number: str, marker: str | None = None,
                         max_items: int | None = None) -> dict[str, Any]:
    row = _device(tx, serial_number)
    return page(list(get_tags(tx.conn, tag_resource_id(row.serial))), "Tags", marker, max_items)
