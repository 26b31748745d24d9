"""The fixed vocabulary of the policy grammar: element names, versions, condition operators."""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

VERSIONS = ("2008-10-17", "2012-10-17")
TOP_ELEMENTS = frozenset({"Version", "Id", "Statement"})
STATEMENT_ELEMENTS = frozenset(
    {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
     "Condition"}
)
PRINCIPAL_TYPES = ("AWS", "Federated", "Service", "CanonicalUser")

#: Condition operators by family. Any may take a set prefix and an ``IfExists`` suffix.
OPERATOR_FAMILIES: dict[str, tuple[str, ...]] = {
    "String": ("StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
               "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike"),
    "Numeric": ("NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals",
                "NumericGreaterThan", "NumericGreaterThanEquals"),
    "Date": ("DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals",
             "DateGreaterThan", "DateGreaterThanEquals"),
    "Bool": ("Bool",),
    "Binary": ("BinaryEquals",),
    "IpAddress": ("IpAddress", "NotIpAddress"),
    "Arn": ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"),
    "Null": ("Null",),
}
BASE_OPERATORS = frozenset(op for ops in OPERATOR_FAMILIES.values() for op in ops)
FAMILY_OF = {op: family for family, ops in OPERATOR_FAMILIES.items() for op in ops}

#: The positive operator each negated operator negates.
POSITIVE_OF: Final[Mapping[str, str]] = MappingProxyType({
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
})

#: Operators whose result is negated: on a missing key they are true, over several values NOR.
NEGATED_OPERATORS = frozenset(POSITIVE_OF)

SET_OPERATORS = ("ForAnyValue", "ForAllValues")

#: The operator families whose values may hold policy variables (IAM User Guide, "Condition
#: operators": String, Boolean and ARN; not Numeric, Date, Binary, IpAddress or Null). In the
#: others ``${...}`` is plain text, so such a value never matches.
VARIABLE_FAMILIES = frozenset({"String", "Bool", "Arn"})

_OPERATOR = re.compile(r"^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$")


def split_operator(text: str) -> tuple[str, str, bool] | None:
    """``(set_operator, base, if_exists)`` for a condition operator, or None if IAM has no such one."""
    m = _OPERATOR.match(text)
    if m is None:
        return None
    set_op, base, if_exists = m.group(1) or "", m.group(2), m.group(3) is not None
    if base not in BASE_OPERATORS:
        return None
    return set_op, base, if_exists
