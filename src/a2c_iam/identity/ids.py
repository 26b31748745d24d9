"""Identifiers and ARNs, in IAM's formats.

Unique ids are 21 characters: a four-letter prefix that names the kind (IAM User Guide, "Unique
identifiers") and 17 characters of the base-32 alphabet AWS uses (``A``–``Z``, ``2``–``7``).
Access key ids are 20 characters (``AKIA`` long-term, ``ASIA`` temporary), and so are SSH public
key ids (``APKA``); service-specific credential ids (``ACCA``) and server certificate ids
(``ASCA``) are unique ids of 21; signing certificate ids are 32 characters of the same alphabet
without a prefix. Secret access keys are 40 characters of base 64. Everything comes from
``secrets`` (a CSPRNG).

ARNs: ``arn:aws:iam::ACCOUNT:user/PATH/NAME`` and so on; the path sits between the type and the
name and always starts and ends with ``/``. Sessions are ``arn:aws:sts::ACCOUNT:assumed-role/
ROLE/SESSION`` (the role's name without its path), federated users ``arn:aws:sts::ACCOUNT:
federated-user/NAME``.
"""

from __future__ import annotations

import base64
import re
import secrets
from dataclasses import dataclass
from enum import StrEnum

PARTITION = "aws"
#: The "account" of AWS managed policies: ``arn:aws:iam::aws:policy/…``.
AWS_MANAGED = "aws"

_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


class Prefix(StrEnum):
    USER = "AIDA"
    GROUP = "AGPA"
    ROLE = "AROA"
    POLICY = "ANPA"
    INSTANCE_PROFILE = "AIPA"
    ACCESS_KEY = "AKIA"
    TEMPORARY_KEY = "ASIA"
    SSH_PUBLIC_KEY = "APKA"
    SERVICE_CREDENTIAL = "ACCA"
    SERVER_CERTIFICATE = "ASCA"


def random_id(n: int) -> str:
    """``n`` random characters of AWS's base-32 alphabet (ids without a prefix)."""
    return "".join(secrets.choice(_BASE32) for _ in range(n))


def unique_id(prefix: Prefix) -> str:
    """A 21-character IAM unique id (``AIDA…``, ``AROA…``, ``ACCA…``, ``ASCA…``)."""
    return prefix.value + random_id(17)


def access_key_id(temporary: bool = False) -> str:
    """A 20-character access key id: ``AKIA…`` long-term, ``ASIA…`` temporary."""
    return (Prefix.TEMPORARY_KEY if temporary else Prefix.ACCESS_KEY).value + random_id(16)


def ssh_public_key_id() -> str:
    """A 20-character SSH public key id (``APKA…``, like an access key id)."""
    return Prefix.SSH_PUBLIC_KEY.value + random_id(16)


def secret_access_key() -> str:
    """40 characters of base 64, as AWS's secret access keys."""
    return base64.b64encode(secrets.token_bytes(30)).decode("ascii")


def session_token() -> str:
    """An opaque session token (AWS's are a few hundred characters of base 64)."""
    return base64.b64encode(secrets.token_bytes(240)).decode("ascii")


def account_id() -> str:
    """A 12-digit AWS account id."""
    return str(secrets.randbelow(9 * 10**11) + 10**11)


def arn(account: str, kind: str, path: str, name: str, service: str = "iam") -> str:
    """``arn:aws:iam::ACCOUNT:KIND/PATH/NAME`` (``path`` starts and ends with ``/``)."""
    return f"arn:{PARTITION}:{service}::{account}:{kind}{path}{name}"


def root_arn(account: str) -> str:
    return f"arn:{PARTITION}:iam::{account}:root"


def assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    return f"arn:{PARTITION}:sts::{account}:assumed-role/{role_name}/{session_name}"


def federated_user_arn(account: str, name: str) -> str:
    return f"arn:{PARTITION}:sts::{account}:federated-user/{name}"


_IAM_ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):iam::(?P<account>\d{12}|aws):"
    r"(?P<kind>user|group|role|policy|instance-profile|server-certificate)"
    r"(?P<path>/(?:.*/)?)(?P<name>[^/]+)$"
)


@dataclass(frozen=True, slots=True)
class IamArn:
    """The parts of an IAM entity ARN."""

    account: str
    kind: str
    path: str
    name: str


def parse_arn(text: str) -> IamArn | None:
    """The parts of ``arn:aws:iam::ACCOUNT:KIND/PATH/NAME``, or None if it is not one."""
    m = _IAM_ARN.match(text)
    if m is None or m.group("partition") != PARTITION:
        return None
    return IamArn(m.group("account"), m.group("kind"), m.group("path"), m.group("name"))
