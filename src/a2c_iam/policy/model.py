"""The parsed form of a policy document: immutable, and each element knows where it came from.

A parsed document keeps the source's order and values (after IAM's normalisations: a single
string becomes a one-element tuple, a single statement becomes a one-element tuple). ``path`` is
the element's JSON path in the source (``Statement[2].Condition.StringEquals.aws:username``), which
lint turns into a line and a column.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

#: A condition value as the document gives it; IAM accepts strings, numbers and booleans.
ConditionValue = str | bool | int | float


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``operator: {key: values}`` pair of a Condition block.

    ``operator`` is the text as written (``ForAnyValue:StringLikeIfExists``); ``base`` is the
    operator family member without qualifiers (``StringLike``); ``set_operator`` is ``""``,
    ``"ForAnyValue"`` or ``"ForAllValues"``.
    """

    operator: str
    base: str
    set_operator: str
    if_exists: bool
    key: str
    values: tuple[ConditionValue, ...]
    path: str


@dataclass(frozen=True, slots=True)
class Principal:
    """A Principal or NotPrincipal element.

    ``wildcard`` is the bare ``"*"``; otherwise ``entries`` holds ``(type, value)`` pairs such as
    ``("AWS", "arn:aws:iam::111122223333:root")`` or ``("Service", "ecs-tasks.amazonaws.com")``.
    """

    wildcard: bool
    entries: tuple[tuple[str, str], ...]

    def values(self, kind: str) -> tuple[str, ...]:
        return tuple(v for k, v in self.entries if k == kind)


@dataclass(frozen=True, slots=True)
class Statement:
    index: int
    sid: str | None
    effect: Effect
    action: tuple[str, ...] | None
    not_action: tuple[str, ...] | None
    resource: tuple[str, ...] | None
    not_resource: tuple[str, ...] | None
    principal: Principal | None
    not_principal: Principal | None
    conditions: tuple[Condition, ...]
    path: str


@dataclass(frozen=True, slots=True)
class Policy:
    version: str | None
    id: str | None
    statements: tuple[Statement, ...]

    @property
    def supports_variables(self) -> bool:
        """Policy variables are only substituted under version 2012-10-17."""
        return self.version == "2012-10-17"
