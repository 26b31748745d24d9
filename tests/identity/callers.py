"""Callers for the identity tests: a user with policies and a key, signed in; a refusal caught;
MFA codes for a virtual device.

Shared by the tests of authorisation, STS, federation, console passwords, MFA and the credential
report, so that "a user allowed X" is made the same way in each of them.
"""

from __future__ import annotations

import base64
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP
from policy_docs import doc

from a2c_iam.identity import CallContext, IdentityError, IdentityService


def login(svc: IdentityService, key_id: str) -> CallContext:
    """The call context of whoever holds ``key_id`` (long-term or temporary)."""
    record = svc.lookup_key(key_id)
    assert record is not None
    caller = svc.resolve(record)
    return CallContext(caller.account_id, caller.arn, "req", caller)


def new_user(call: Any, svc: IdentityService, name: str, *statements: dict[str, Any],
             path: str = "/") -> CallContext:
    """A user with ``statements`` as its one inline policy, signed in with a new access key."""
    call("CreateUser", UserName=name, Path=path)
    if statements:
        call("PutUserPolicy", UserName=name, PolicyName="p", PolicyDocument=doc(*statements))
    return login(svc, call("CreateAccessKey", UserName=name)["AccessKey"]["AccessKeyId"])


def refused(fn: Any, *args: Any, **kwargs: Any) -> IdentityError:
    """The error ``fn(*args, **kwargs)`` raises (it must raise one)."""
    with pytest.raises(IdentityError) as info:
        fn(*args, **kwargs)
    return info.value


def step_now() -> int:
    """The current TOTP time step (30 seconds)."""
    return int(time.time()) // 30


def code(seed: bytes, step: int) -> str:
    """The code of ``step`` for a device whose ``Base32StringSeed`` is ``seed``."""
    return TOTP(base64.b32decode(seed), 6, SHA1(), 30).generate(step * 30).decode()
