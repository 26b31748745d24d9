"""Console passwords (login profiles) and the account password policy.

A user has at most one console password (its login profile). The password is never stored: the
row holds a salted scrypt hash (``scrypt$N$r$p$SALT$HASH``, base64 salt and hash, a fresh
16-byte salt each time), compared in constant time; no message, log line or audit event carries
a password (the model marks the password members ``sensitive``, so even a ``ValidationError``
does not echo them).

Password rules:

- With an account password policy (``UpdateAccountPasswordPolicy``), a new password needs
  ``MinimumPasswordLength`` characters and, for each ``Require…`` flag, one character of that
  kind: an uppercase or lowercase letter of the ISO basic Latin alphabet, a digit 0-9, or one of
  IAM's symbols ``! @ # $ % ^ & * ( ) _ + - = [ ] { } | '`` (the model's documentation of
  ``RequireSymbols``).
- Without one, IAM's default policy (IAM User Guide, "Set an account password policy for IAM
  users": at least 8 characters, at least three of the four kinds above, not identical to the
  account's name or email address). This store knows no account name or e-mail address, so a
  password may not be the account's ID or alias instead.
- ``PasswordReusePrevention``: the schema keeps one hash per user (no password history), so a
  user's ``ChangePassword`` is refused only when the new password is the current one (which
  every value 1-24 forbids); older passwords are not remembered and can be reused.
- ``MaxPasswordAge`` and ``HardExpiry`` govern console sign-in, which this service does not
  offer: they are stored and reported, not enforced.
- ``AllowUsersToChangePassword`` is stored and reported. In IAM it *grants* every user
  ``iam:ChangePassword`` on itself and ``iam:GetAccountPasswordPolicy`` at the account level;
  it never refuses a user whose own policies allow ``ChangePassword`` (that is what AWS's
  ``IAMUserChangePassword`` managed policy is for). The grant is applied where calls are
  authorised (``authz``, through ``users_may_change_passwords``).

Wrong old passwords are counted per user (``attempts``): after five within five minutes,
``ChangePassword`` answers ``LimitExceeded`` until five minutes have passed, so a stolen access
key cannot be used to guess the console password. A wrong old password costs one scrypt run
and a right one two (the old one checked, the new one hashed), inside the write transaction.

IAM texts used here, and how sure they are:

- confirmed by IAM's own answers as quoted in public material: ``Login Profile for user NAME
  already exists.``, ``Login Profile for User NAME cannot be found.``, ``The Password Policy
  with domain name ACCOUNT cannot be found.``, ``Password does not conform to the account
  password policy.`` (``PasswordPolicyViolation``; IAM's answer does not say which rule failed,
  and so neither does this one);
- not confirmed (chosen here): that the default policy's refusal uses that same text; that a
  caller other than an IAM user (the root user, a role session) gets ``InvalidUserType`` with
  ``Only IAM users can change their own password.`` (the code is documented for root callers in
  the AWS CLI's examples, the text is not); that a wrong ``OldPassword`` is ``InvalidUserType``
  with ``The old password is incorrect.`` (IAM's model lists no better-fitting error for
  ChangePassword; other IAM emulators answer the same code); that ``ChangePassword`` by a user
  without a console password is ``NoSuchEntity`` with GetLoginProfile's text; that
  ``CreateLoginProfile`` without ``Password`` (optional in the model only for AssumeRoot
  sessions, which this service does not issue) is a ``ValidationError`` for a null member; and
  that ``UpdateLoginProfile`` does not apply ``PasswordReusePrevention`` (an administrator's
  reset), while it does apply the rest of the policy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from a2c_iam.store import insert_ignore
from a2c_iam.store import schema as s

from .common import set_target
from .errors import (
    EntityAlreadyExists,
    InvalidUserType,
    LimitExceeded,
    NoSuchEntity,
    PasswordPolicyViolation,
    ValidationError,
)
from .tx import Tx
from .users import credential_owner_row

#: scrypt's cost parameters for new hashes (stored with each hash, so they can change later).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
SALT_BYTES, HASH_BYTES = 16, 32
#: The characters ``RequireSymbols`` asks for (the model's documentation of the member).
SYMBOLS = frozenset("!@#$%^&*()_+-=[]{}|'")
#: IAM's default password policy, when the account has none.
DEFAULT_MINIMUM_LENGTH = 8
DEFAULT_KINDS_REQUIRED = 3
#: What UpdateAccountPasswordPolicy's omitted members mean (the model's documentation).
POLICY_DEFAULTS: Mapping[str, Any] = {
    "MinimumPasswordLength": 6,
    "RequireSymbols": False,
    "RequireNumbers": False,
    "RequireUppercaseCharacters": False,
    "RequireLowercaseCharacters": False,
    "AllowUsersToChangePassword": False,
    "MaxPasswordAge": 0,
    "PasswordReusePrevention": 0,
    "HardExpiry": False,
}

VIOLATION = "Password does not conform to the account password policy."
#: ``ChangePassword`` after too many wrong old passwords (``attempts``); the text is ours.
TOO_MANY_ATTEMPTS = ("Too many failed attempts to change the password of this user; try again "
                     "later.")


# -- hashing ---------------------------------------------------------------------------------------


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    """A new salted scrypt hash of ``password``, self-describing (``scrypt$N$r$p$salt$hash``)."""
    salt = os.urandom(SALT_BYTES)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R,
                            p=SCRYPT_P, dklen=HASH_BYTES, maxmem=_maxmem(SCRYPT_N, SCRYPT_R))
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def _maxmem(n: int, r: int) -> int:
    return 256 * n * r + (1 << 20)  # scrypt needs 128·n·r bytes; OpenSSL's default cap is 32 MiB


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` hashes (constant-time comparison)."""
    try:
        kind, n_text, r_text, p_text, salt_text, digest_text = stored.split("$")
        n, r, p = int(n_text), int(r_text), int(p_text)
        salt = base64.b64decode(salt_text, validate=True)
        expected = base64.b64decode(digest_text, validate=True)
    except (ValueError, binascii.Error):
        return False
    # Only costs near the one issued (a tampered row must not make a check slow or raise).
    if (kind != "scrypt" or not expected or len(expected) > 64 or not 2 <= n <= 2**16
            or n & (n - 1) or not 1 <= r <= 16 or not 1 <= p <= 4):
        return False
    try:
        got = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p,
                             dklen=len(expected), maxmem=_maxmem(n, r))
    except (ValueError, MemoryError):
        return False
    return hmac.compare_digest(got, expected)


# -- the password policy ---------------------------------------------------------------------------


def read_password_policy(conn: Connection, account_id: str) -> dict[str, Any] | None:
    """The account's password policy as stored (the values set, without IAM's defaults), or
    None when it has none."""
    text = conn.execute(select(s.password_policies.c.policy).where(
        s.password_policies.c.account_id == account_id)).scalar()
    if text is None:
        return None
    found: dict[str, Any] = json.loads(text)
    return found


def users_may_change_passwords(conn: Connection, account_id: str) -> bool:
    """``AllowUsersToChangePassword`` of the account's password policy (no policy: false); the
    grant it makes is applied where calls are authorised (``authz``)."""
    return bool((read_password_policy(conn, account_id) or {}).get("AllowUsersToChangePassword"))


def _effective(stored: Mapping[str, Any]) -> dict[str, Any]:
    return {**POLICY_DEFAULTS, **stored}


def _kinds(password: str) -> dict[str, bool]:
    return {
        "RequireUppercaseCharacters": any("A" <= c <= "Z" for c in password),
        "RequireLowercaseCharacters": any("a" <= c <= "z" for c in password),
        "RequireNumbers": any("0" <= c <= "9" for c in password),
        "RequireSymbols": any(c in SYMBOLS for c in password),
    }


def _account_names(tx: Tx) -> set[str]:
    alias = tx.conn.execute(select(s.accounts.c.alias).where(
        s.accounts.c.id == tx.account_id)).scalar()
    return {tx.account_id, *([alias.lower()] if alias else [])}


def check_password(tx: Tx, password: str) -> dict[str, Any] | None:
    """Refuse ``password`` if the account's policy (or IAM's default) does not allow it; the
    account's effective policy, or None when it has none."""
    stored = read_password_policy(tx.conn, tx.account_id)
    kinds = _kinds(password)
    if stored is None:
        if (len(password) < DEFAULT_MINIMUM_LENGTH
                or sum(kinds.values()) < DEFAULT_KINDS_REQUIRED
                or password.lower() in _account_names(tx)):
            raise PasswordPolicyViolation(VIOLATION)
        return None
    policy = _effective(stored)
    if len(password) < int(policy["MinimumPasswordLength"]):
        raise PasswordPolicyViolation(VIOLATION)
    for rule, present in kinds.items():
        if policy[rule] and not present:
            raise PasswordPolicyViolation(VIOLATION)
    return policy


def get_account_password_policy(tx: Tx) -> dict[str, Any]:
    set_target(tx, "*")
    stored = read_password_policy(tx.conn, tx.account_id)
    if stored is None:
        raise NoSuchEntity(
            f"The Password Policy with domain name {tx.account_id} cannot be found.")
    policy = _effective(stored)
    out: dict[str, Any] = {
        "MinimumPasswordLength": policy["MinimumPasswordLength"],
        "RequireSymbols": policy["RequireSymbols"],
        "RequireNumbers": policy["RequireNumbers"],
        "RequireUppercaseCharacters": policy["RequireUppercaseCharacters"],
        "RequireLowercaseCharacters": policy["RequireLowercaseCharacters"],
        "AllowUsersToChangePassword": policy["AllowUsersToChangePassword"],
        "ExpirePasswords": policy["MaxPasswordAge"] > 0,
    }
    # The model's ranges start at 1: "never" and "no prevention" are shown by leaving them out.
    if policy["MaxPasswordAge"] > 0:
        out["MaxPasswordAge"] = policy["MaxPasswordAge"]
    if policy["PasswordReusePrevention"] > 0:
        out["PasswordReusePrevention"] = policy["PasswordReusePrevention"]
    out["HardExpiry"] = policy["HardExpiry"]
    return {"PasswordPolicy": out}


def update_account_password_policy(
        tx: Tx, minimum_password_length: int | None = None, require_symbols: bool | None = None,
        require_numbers: bool | None = None, require_uppercase_characters: bool | None = None,
        require_lowercase_characters: bool | None = None,
        allow_users_to_change_password: bool | None = None, max_password_age: int | None = None,
        password_reuse_prevention: int | None = None, hard_expiry: bool | None = None,
) -> dict[str, Any]:
    """Replace the policy: every member not given takes its default (no partial updates)."""
    set_target(tx, "*")
    given = {
        "MinimumPasswordLength": minimum_password_length,
        "RequireSymbols": require_symbols,
        "RequireNumbers": require_numbers,
        "RequireUppercaseCharacters": require_uppercase_characters,
        "RequireLowercaseCharacters": require_lowercase_characters,
        "AllowUsersToChangePassword": allow_users_to_change_password,
        "MaxPasswordAge": max_password_age,
        "PasswordReusePrevention": password_reuse_prevention,
        "HardExpiry": hard_expiry,
    }
    text = json.dumps({k: v for k, v in given.items() if v is not None}, sort_keys=True)
    table = s.password_policies
    if not insert_ignore(tx.conn, table, {"account_id": tx.account_id, "policy": text}):
        tx.conn.execute(update(table).where(table.c.account_id == tx.account_id)
                        .values(policy=text))
    return {}


def delete_account_password_policy(tx: Tx) -> dict[str, Any]:
    set_target(tx, "*")
    done = tx.conn.execute(delete(s.password_policies).where(
        s.password_policies.c.account_id == tx.account_id))
    if not done.rowcount:
        raise NoSuchEntity(
            f"The Password Policy with domain name {tx.account_id} cannot be found.")
    return {}


# -- login profiles --------------------------------------------------------------------------------


def _user(tx: Tx, user_name: str | None) -> Any:
    """The user the operation is about (the caller when no name is given), as the target."""
    row, arn = credential_owner_row(tx, user_name)
    if row is None:
        # The root user names no user; IAM lets it do so only from an AssumeRoot session,
        # which this service does not issue.
        raise ValidationError("Must specify userName when calling with non-User credentials")
    set_target(tx, arn)
    return row


def _profile(tx: Tx, user: Any) -> Any:
    row = tx.conn.execute(select(s.login_profiles).where(
        s.login_profiles.c.user_id == user.id)).first()
    if row is None:
        raise NoSuchEntity(f"Login Profile for User {user.name} cannot be found.")
    return row


def _login_profile(user: Any, row: Any) -> dict[str, Any]:
    return {"UserName": user.name, "CreateDate": row.created_at,
            "PasswordResetRequired": bool(row.password_reset_required)}


def create_login_profile(tx: Tx, user_name: str | None = None, password: str | None = None,
                         password_reset_required: bool | None = None) -> dict[str, Any]:
    user = _user(tx, user_name)
    exists = tx.conn.execute(select(s.login_profiles.c.user_id).where(
        s.login_profiles.c.user_id == user.id)).first()
    if exists is not None:
        raise EntityAlreadyExists(f"Login Profile for user {user.name} already exists.")
    if password is None:
        raise ValidationError("1 validation error detected: Value null at 'password' failed to "
                              "satisfy constraint: Member must not be null")
    check_password(tx, password)
    values = {"user_id": user.id, "account_id": tx.account_id,
              "password_hash": hash_password(password),
              "password_reset_required": bool(password_reset_required),
              "created_at": tx.now, "password_changed_at": tx.now}
    tx.conn.execute(s.login_profiles.insert().values(**values))
    return {"LoginProfile": _login_profile(user, _profile(tx, user))}


def get_login_profile(tx: Tx, user_name: str | None = None) -> dict[str, Any]:
    user = _user(tx, user_name)
    return {"LoginProfile": _login_profile(user, _profile(tx, user))}


def update_login_profile(tx: Tx, user_name: str, password: str | None = None,
                         password_reset_required: bool | None = None) -> dict[str, Any]:
    """A new password and/or reset flag; what is not given stays as it is."""
    user = _user(tx, user_name)
    _profile(tx, user)
    values: dict[str, Any] = {}
    if password is not None:
        check_password(tx, password)
        values["password_hash"] = hash_password(password)
        values["password_changed_at"] = tx.now
    if password_reset_required is not None:
        values["password_reset_required"] = password_reset_required
    if values:
        tx.conn.execute(update(s.login_profiles).where(
            s.login_profiles.c.user_id == user.id).values(**values))
    return {}


def delete_login_profile(tx: Tx, user_name: str | None = None) -> dict[str, Any]:
    user = _user(tx, user_name)
    _profile(tx, user)
    tx.conn.execute(delete(s.login_profiles).where(s.login_profiles.c.user_id == user.id))
    return {}


def change_password(tx: Tx, old_password: str, new_password: str) -> dict[str, Any]:
    """The calling IAM user's own password (long-term or session credentials of that user)."""
    caller = tx.ctx.caller
    if caller is None or caller.kind != "user":
        set_target(tx, caller.arn if caller is not None else tx.ctx.caller_arn)
        raise InvalidUserType("Only IAM users can change their own password.")
    user = _user(tx, caller.name)
    row = _profile(tx, user)
    subject = f"password:{user.id}"
    if tx.attempts.locked(subject):
        raise LimitExceeded(TOO_MANY_ATTEMPTS)
    if not verify_password(old_password, row.password_hash):
        tx.attempts.failed(subject)
        raise InvalidUserType("The old password is incorrect.")
    tx.attempts.succeeded(subject)
    policy = check_password(tx, new_password)
    # The old password is the current one (just verified): reuse of it needs no second hash.
    if policy is not None and policy["PasswordReusePrevention"] > 0 and (
            hmac.compare_digest(new_password.encode("utf-8"), old_password.encode("utf-8"))):
        raise PasswordPolicyViolation(VIOLATION)
    tx.conn.execute(update(s.login_profiles).where(s.login_profiles.c.user_id == user.id).values(
        password_hash=hash_password(new_password), password_reset_required=False,
        password_changed_at=tx.now))
    return {}
