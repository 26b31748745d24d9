"""What the engine is asked and what it answers.

A ``Request`` is one call: who, what action, on which resource, with which context. A
``PolicySet`` holds every policy that applies to it, by type. A ``Decision`` is the answer with its
reasons: the statements that decided and the policy types that denied (Cedar's "a decision is a
value that carries why").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from .model import Policy

#: A request context value: a string, a list of strings, a boolean or a number.
ContextValue = str | bool | int | float | Sequence[str]


class Outcome(StrEnum):
    """The words of IAM's own ``SimulatePrincipalPolicy``."""

    ALLOWED = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


class PolicyType(StrEnum):
    """The policy types, as ``denied_by`` names them."""

    SCP = "scp"
    RCP = "rcp"
    IDENTITY = "identity"
    RESOURCE = "resource"
    PERMISSION_BOUNDARY = "permission_boundary"
    SESSION = "session"
    VPC_ENDPOINT = "vpc_endpoint"


def _frozen_context(context: Mapping[str, ContextValue] | None) -> Mapping[str, ContextValue]:
    return MappingProxyType(dict(context or {}))


@dataclass(frozen=True, slots=True)
class Request:
    principal: str
    action: str
    resource: str
    context: Mapping[str, ContextValue] = field(default_factory=lambda: MappingProxyType({}))
    resource_account: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "context", _frozen_context(self.context))


@dataclass(frozen=True, slots=True)
class PolicySet:
    """Every policy that applies to one request.

    ``service_control_policies`` and ``resource_control_policies`` are organisation levels (root,
    OUs…, account), each a tuple of policies; every level must allow. None means "no
    organisation" (for RCPs: only the default ``RCPFullAWSAccess``).
    """

    identity_policies: tuple[Policy, ...] = ()
    resource_policy: Policy | None = None
    permission_boundary: Policy | None = None
    session_policy: Policy | None = None
    service_control_policies: tuple[tuple[Policy, ...], ...] | None = None
    resource_control_policies: tuple[tuple[Policy, ...], ...] | None = None
    vpc_endpoint_policy: Policy | None = None
    #: Names for explanations, parallel to ``identity_policies`` (default ``identity_policies[i]``).
    identity_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class StatementRef:
    """A statement that took part in a decision."""

    policy: str
    sid: str | None
    effect: str
    index: int

    def as_json(self) -> dict[str, Any]:
        return {"policy": self.policy, "sid": self.sid, "effect": self.effect}


@dataclass(frozen=True, slots=True)
class Decision:
    decision: Outcome
    denied_by: tuple[PolicyType, ...] = ()
    statements: tuple[StatementRef, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision is Outcome.ALLOWED

    def as_json(self) -> dict[str, Any]:
        return {
            "decision": self.decision.value,
            "denied_by": [t.value for t in self.denied_by],
            "statements": [s.as_json() for s in self.statements],
        }
