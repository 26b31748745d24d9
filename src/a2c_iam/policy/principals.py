"""Who is asking, and whether a Principal element names them — and how.

How a resource policy names the caller matters to the decision, not only whether it does:

- ``DIRECT``: the caller itself (its user ARN, its role-session ARN, ``*``, a service, a
  federated identity). Same-account grants of this kind are not limited by a permissions
  boundary or a session policy.
- ``ROLE``: the caller's role ARN, for a role session. Such grants are limited by the boundary and
  the session policy.
- ``ACCOUNT``: the caller's account (``111122223333`` or ``arn:aws:iam::111122223333:root``).
  This delegates to the account: an IAM user or role still needs an identity policy that allows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from .model import Principal
from .request import ContextValue


class Grant(IntEnum):
    """How a statement names the caller; a higher value is a stronger grant."""

    NONE = 0
    ACCOUNT = 1
    ROLE = 2
    DIRECT = 3


_IAM = re.compile(r"^arn:([^:]+):iam::(\d{12}):(root|user/.+|role/.+)$")
_STS = re.compile(r"^arn:([^:]+):sts::(\d{12}):(assumed-role/([^/]+)/(.+)|federated-user/.+)$")
_ACCOUNT = re.compile(r"^\d{12}$")


@dataclass(frozen=True, slots=True)
class Caller:
    """The request's principal, parsed once."""

    text: str
    kind: str  # user, role, session, root, federated-user, service, anonymous, other
    account: str | None = None
    role_name: str | None = None
    partition: str = "aws"

    def chain(self) -> tuple[str, ...]:
        """Every principal the request speaks for: the account, the role, the session.

        ``NotPrincipal`` exempts a caller only when it names each of them (IAM User Guide,
        "NotPrincipal"): naming the account alone exempts the root user, not every user.
        """
        if self.account is None:
            return (self.text,)
        root = f"arn:{self.partition}:iam::{self.account}:root"
        if self.kind == "session" and self.role_name is not None:
            role = f"arn:{self.partition}:iam::{self.account}:role/{self.role_name}"
            return (root, role, self.text)
        if self.kind == "root":
            return (root,)
        return (root, self.text)

    @property
    def is_iam(self) -> bool:
        """A principal of an AWS account (subject to SCPs; can hold identity policies)."""
        return self.account is not None


def parse_caller(text: str) -> Caller:
    if text == "*":
        return Caller(text, "anonymous")
    m = _IAM.match(text)
    if m is not None:
        rest = m.group(3)
        part = m.group(1)
        if rest == "root":
            return Caller(text, "root", m.group(2), partition=part)
        if rest.startswith("user/"):
            return Caller(text, "user", m.group(2), partition=part)
        return Caller(text, "role", m.group(2), rest.rsplit("/", 1)[-1], partition=part)
    m = _STS.match(text)
    if m is not None:
        if m.group(4) is not None:
            return Caller(text, "session", m.group(2), m.group(4), partition=m.group(1))
        return Caller(text, "federated-user", m.group(2), partition=m.group(1))
    if "." in text and ":" not in text:
        return Caller(text, "service")
    return Caller(text, "other")


def _aws_entry(value: str, caller: Caller) -> Grant:
    if value == "*":
        return Grant.DIRECT
    if _ACCOUNT.match(value):
        value = f"arn:aws:iam::{value}:root"
    m = _IAM.match(value)
    if m is not None:
        account, rest = m.group(2), m.group(3)
        if rest == "root":
            if caller.account != account:
                return Grant.NONE
            return Grant.DIRECT if caller.kind == "root" else Grant.ACCOUNT
        if rest.startswith("role/"):
            name = rest.rsplit("/", 1)[-1]
            if caller.kind == "role" and value == caller.text:
                return Grant.ROLE
            if caller.kind == "session" and caller.account == account and caller.role_name == name:
                return Grant.ROLE
            return Grant.NONE
    return Grant.DIRECT if value == caller.text else Grant.NONE


def grant_of(principal: Principal, caller: Caller) -> Grant:
    """The strongest way ``principal`` names ``caller`` (``Grant.NONE`` when it does not)."""
    if principal.wildcard:
        return Grant.DIRECT
    best = Grant.NONE
    for kind, value in principal.entries:
        if kind == "AWS":
            grant = _aws_entry(value, caller)
        elif kind == "Service":
            grant = Grant.DIRECT if value == "*" or value.lower() == caller.text.lower() else Grant.NONE
        else:
            grant = Grant.DIRECT if value == caller.text else Grant.NONE
        best = max(best, grant)
    return best


def _same_role(a: str, b: str) -> bool:
    """Two role ARNs that name one role (the chain's role ARN has no path)."""
    ma, mb = _IAM.match(a), _IAM.match(b)
    if ma is None or mb is None or ma.group(2) != mb.group(2):
        return False
    ra, rb = ma.group(3), mb.group(3)
    return (ra.startswith("role/") and rb.startswith("role/")
            and ra.rsplit("/", 1)[-1] == rb.rsplit("/", 1)[-1])


def _named(principal: Principal, identity: str, caller: Caller) -> bool:
    for kind, value in principal.entries:
        if kind != "AWS":
            if value == "*" or value.lower() == identity.lower():
                return True
            continue
        if value == "*":
            return True
        if _ACCOUNT.match(value):
            value = f"arn:{caller.partition}:iam::{value}:root"
        if value == identity or _same_role(value, identity):
            return True
    return False


def excluded_by(not_principal: Principal, caller: Caller) -> bool:
    """Whether a ``NotPrincipal`` element exempts the caller (names every link of its chain)."""
    if not_principal.wildcard:
        return True
    return all(_named(not_principal, identity, caller) for identity in caller.chain())


_TYPES = {"user": "User", "root": "Account", "session": "AssumedRole",
          "federated-user": "FederatedUser"}


def with_principal_keys(principal: str, context: Mapping[str, ContextValue]
                        ) -> dict[str, ContextValue]:
    """The context with the keys AWS puts in every signed request that the principal's ARN
    determines, where the input does not give them (in any letter case): the reference pages say
    ``aws:PrincipalArn``, ``aws:PrincipalAccount`` and ``aws:PrincipalType`` are always present,
    ``aws:username`` for IAM users. A session's ``aws:PrincipalArn`` is its role's ARN, whose path
    the session ARN does not show, so for sessions it is left to the input; ``aws:userid`` needs
    the unique id, and is left to the input too."""
    caller = parse_caller(principal)
    derived: dict[str, ContextValue] = {}
    if caller.kind == "service":
        derived = {"aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": principal}
    elif caller.kind in _TYPES and caller.account is not None:
        derived = {"aws:PrincipalAccount": caller.account, "aws:PrincipalType": _TYPES[caller.kind],
                   "aws:PrincipalIsAWSService": "false"}
        if caller.kind != "session":
            derived["aws:PrincipalArn"] = principal
        if caller.kind == "user":
            derived["aws:username"] = principal.rsplit("/", 1)[-1]
    given = {key.lower() for key in context}
    return {**{k: v for k, v in derived.items() if k.lower() not in given}, **context}
