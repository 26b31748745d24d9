"""Condition operators: compiled once per policy, evaluated per request.

The rules (IAM User Guide, "Condition operators" and "Multivalued context keys"):

- Keys are case-insensitive; the context handed to ``evaluate`` has lower-cased keys.
- Several values for one key are ORed; for a negated operator (``StringNotEquals``…) the result
  is the negation of that OR (the request value must equal *none* of them).
- A missing key: ``…IfExists`` is true; ``ForAllValues`` is true; ``ForAnyValue`` is false; a
  negated operator is true; any other operator is false. ``Null`` tests presence itself.
- A request value that does not parse as the operator's type (a number, a date, an IP address,
  a boolean) never equals a policy value.
- With no set operator, a multi-valued request key matches when any of its values matches.
- Policy variables are substituted in the values of String, Bool and ARN operators only (and only
  under Version 2012-10-17); elsewhere ``${...}`` is literal text.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from .dates import parse_date
from .grammar import FAMILY_OF, NEGATED_OPERATORS, POSITIVE_OF, VARIABLE_FAMILIES
from .match import resource_regex_pieces, string_like_regex
from .model import Condition, ConditionValue
from .request import ContextValue
from .variables import Piece, has_variables, literal, substitute

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def as_text(value: Any) -> str:
    """The string form IAM compares: booleans as ``true``/``false``, numbers as written."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def request_values(context: Mapping[str, ContextValue], key: str) -> list[Any] | None:
    """The request's values for ``key`` as a list, or None when the key is missing."""
    value = context.get(key.lower())
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def as_number(value: Any) -> Decimal | None:
    """The number IAM reads in a Numeric value; booleans, NaN and infinities are none."""
    if isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _ip(value: Any) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(str(value).strip())
    except ValueError:
        return None


def _network(value: Any) -> IpNetwork | None:
    try:
        return ipaddress.ip_network(str(value).strip(), strict=False)
    except ValueError:
        return None


def _binary(value: Any) -> bytes | None:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return None


def _bool(value: Any) -> bool | None:
    text = as_text(value).lower()
    if text in ("true", "false"):
        return text == "true"
    return None


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}

#: One policy value compiled: a predicate over one request value.
ValueTest = Callable[[Any], bool]


def value_test(base: str, policy_value: ConditionValue | Sequence[Piece]) -> ValueTest:
    """The predicate "request value matches this policy value" for a positive operator.

    ``policy_value`` is the raw value, or pieces when policy variables were substituted.
    """
    if isinstance(policy_value, (list, tuple)):
        pieces: tuple[Piece, ...] = tuple(policy_value)
        text = literal(pieces)
    else:
        text = as_text(policy_value)
        pieces = ((text, True),)
    family = FAMILY_OF[base]
    if base == "StringEquals":
        return lambda v: as_text(v) == text
    if base == "StringEqualsIgnoreCase":
        folded = text.casefold()
        return lambda v: as_text(v).casefold() == folded
    if base == "StringLike":
        rx = string_like_regex(pieces)
        return lambda v: rx.fullmatch(as_text(v)) is not None
    if family == "Numeric":
        number = as_number(text)
        op = _COMPARE[base[len("Numeric"):]]
        if number is None:
            return lambda v: False
        return lambda v: (n := as_number(v)) is not None and op(n, number)
    if family == "Date":
        moment = parse_date(text)
        op = _COMPARE[base[len("Date"):]]
        if moment is None:
            return lambda v: False
        return lambda v: (d := parse_date(v)) is not None and op(d, moment)
    if base == "Bool":
        want = _bool(text)
        return lambda v: want is not None and _bool(v) is want
    if base == "BinaryEquals":
        data = _binary(text)
        return lambda v: data is not None and _binary(v) == data
    if base == "IpAddress":
        net = _network(text)
        if net is None:
            return lambda v: False
        return lambda v: (ip := _ip(v)) is not None and ip.version == net.version and ip in net
    if base in ("ArnEquals", "ArnLike"):
        arn = resource_regex_pieces(pieces, span=False)
        return lambda v: arn.fullmatch(as_text(v)) is not None
    raise ValueError(base)  # pragma: no cover - the grammar admits no other operator


class CompiledCondition:
    """One condition (operator, key, values) ready to evaluate against many requests."""

    __slots__ = ("condition", "negated", "positive", "tests", "variables")

    def __init__(self, condition: Condition, variables: bool) -> None:
        self.condition = condition
        self.negated = condition.base in NEGATED_OPERATORS
        self.positive = POSITIVE_OF.get(condition.base, condition.base)
        self.variables = (
            variables
            and FAMILY_OF[condition.base] in VARIABLE_FAMILIES
            and any(isinstance(v, str) and has_variables(v) for v in condition.values)
        )
        self.tests: tuple[ValueTest, ...] = ()
        if not self.variables and condition.base != "Null":
            self.tests = tuple(value_test(self.positive, v) for v in condition.values)

    def _tests_for(self, context: Mapping[str, ContextValue]) -> tuple[ValueTest, ...]:
        if not self.variables:
            return self.tests
        tests: list[ValueTest] = []
        for value in self.condition.values:
            if isinstance(value, str) and has_variables(value):
                pieces = substitute(value, context)
                if pieces is None:  # an unresolved variable matches nothing
                    continue
                tests.append(value_test(self.positive, pieces))
            else:
                tests.append(value_test(self.positive, value))
        return tuple(tests)

    def evaluate(self, context: Mapping[str, ContextValue]) -> bool:
        cond = self.condition
        values = request_values(context, cond.key)
        if cond.base == "Null":
            present = values is not None
            return any(_bool(v) is (not present) for v in cond.values)
        if values is None:
            if cond.if_exists or cond.set_operator == "ForAllValues":
                return True
            if cond.set_operator == "ForAnyValue":
                return False
            return self.negated
        tests = self._tests_for(context)

        def hit(v: Any) -> bool:
            return any(t(v) for t in tests)

        if cond.set_operator == "ForAllValues":
            if self.negated:
                return all(not hit(v) for v in values)
            return all(hit(v) for v in values)
        if cond.set_operator == "ForAnyValue":
            if self.negated:
                return any(not hit(v) for v in values)
            return any(hit(v) for v in values)
        if self.negated:
            return not any(hit(v) for v in values)
        return any(hit(v) for v in values)
