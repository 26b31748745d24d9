"""IAM's and STS's service models, read from the installed botocore: the wire contract.

Error codes and HTTP statuses, name patterns, lengths and ranges are read from
``botocore/data/{iam,sts}/…/service-2.json`` when first needed, never copied by hand, so that they
stay what AWS publishes. ``check_input`` applies an operation's input constraints the way AWS's
front end does, with its ``ValidationError`` wording::

    1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint:
    Member must satisfy regular expression pattern: [\\w+=,.@-]+

The models' patterns are Java regular expressions. Two differences from Python matter and are
handled here: Java's ``\\w`` is ASCII-only (Python's is Unicode unless ``re.ASCII``), and Java's
``\\p{L}``-style Unicode classes (tag keys and values) have no ``re`` equivalent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

Shape = Mapping[str, Any]

#: Shapes whose values are never echoed in an error message and whose pattern is checked
#: elsewhere (by the policy layer, the MFA and provider modules), with their own errors.
_NOT_ECHOED = frozenset({"policyDocumentType", "authenticationCodeType", "tokenCodeType",
                         "SAMLMetadataDocumentType"})
#: Shapes checked here, pattern included, but never echoed: a private key pasted into a
#: certificate body or chain must not come back in a ValidationError (``privateKeyType`` is
#: ``sensitive`` in the model already).
_HIDDEN = frozenset({"certificateBodyType", "certificateChainType"})


@cache
def service_model(service: str) -> Mapping[str, Any]:
    """The raw service model of ``iam`` or ``sts`` (loaded once per process)."""
    import botocore.loaders

    loaded: Mapping[str, Any] = botocore.loaders.create_loader().load_service_model(
        service, "service-2"
    )
    return loaded


def shape(service: str, name: str) -> Shape:
    found: Shape = service_model(service)["shapes"][name]
    return found


def error_wire(service: str, shape_name: str) -> tuple[str, int]:
    """The AWS error code and HTTP status of an exception shape."""
    error = shape(service, shape_name)["error"]
    return str(error["code"]), int(error["httpStatusCode"])


def operation_input(service: str, operation: str) -> Shape:
    """The input structure of an operation (empty for operations without input)."""
    op = service_model(service)["operations"][operation]
    if "input" not in op:
        return {"type": "structure", "members": {}}
    return shape(service, op["input"]["shape"])


def enum_values(service: str, shape_name: str) -> tuple[str, ...]:
    return tuple(shape(service, shape_name)["enum"])


# -- Java patterns ------------------------------------------------------------------------------

_CATEGORY_CLASS = re.compile(r"^\[((?:\\p\{[A-Z]\}|\\.|[^\]\\])+)\]([+*])$")


@cache
def matcher(pattern: str) -> Callable[[str], bool]:
    """A full-match predicate with the semantics of the Java pattern ``pattern``."""
    m = _CATEGORY_CLASS.match(pattern)
    if m is not None and "\\p{" in pattern:
        return _category_matcher(m.group(1), m.group(2))
    rx = re.compile(pattern, re.ASCII | re.DOTALL)
    return lambda value: rx.fullmatch(value) is not None


def _category_matcher(body: str, quantifier: str) -> Callable[[str], bool]:
    categories: set[str] = set()
    literals: set[str] = set()
    i = 0
    while i < len(body):
        if body.startswith("\\p{", i):
            categories.add(body[i + 3])
            i = body.index("}", i) + 1
        elif body[i] == "\\":
            literals.add(body[i + 1])
            i += 2
        else:
            literals.add(body[i])
            i += 1

    def ok(value: str) -> bool:
        if not value and quantifier == "+":
            return False
        return all(c in literals or unicodedata.category(c)[0] in categories for c in value)

    return ok


# -- input constraints ---------------------------------------------------------------------------


def _label(member: str) -> str:
    return member[:1].lower() + member[1:]


def _violations(service: str, shape_name: str, value: Any, label: str) -> list[str]:
    sh = shape(service, shape_name)
    kind = sh["type"]
    hidden = sh.get("sensitive") or shape_name in _NOT_ECHOED or shape_name in _HIDDEN
    shown = "" if hidden else f" '{value}'"
    out: list[str] = []

    def fail(constraint: str, echo: bool = True) -> None:
        where = f"Value{shown if echo else ''} at '{label}'"
        out.append(f"{where} failed to satisfy constraint: Member must {constraint}")

    if kind == "string":
        if not isinstance(value, str):
            fail("be a string")
            return out
        if "min" in sh and len(value) < sh["min"]:
            fail(f"have length greater than or equal to {sh['min']}")
        if "max" in sh and len(value) > sh["max"]:
            fail(f"have length less than or equal to {sh['max']}")
        if "enum" in sh and value not in sh["enum"]:
            fail(f"satisfy enum value set: [{', '.join(sh['enum'])}]")
        if "pattern" in sh and shape_name not in _NOT_ECHOED and not matcher(sh["pattern"])(value):
            fail(f"satisfy regular expression pattern: {sh['pattern']}")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            fail("be an integer")
            return out
        if "min" in sh and value < sh["min"]:
            fail(f"have value greater than or equal to {sh['min']}")
        if "max" in sh and value > sh["max"]:
            fail(f"have value less than or equal to {sh['max']}")
    elif kind == "list":
        items = list(value)
        if "min" in sh and len(items) < sh["min"]:
            fail(f"have length greater than or equal to {sh['min']}", echo=False)
        if "max" in sh and len(items) > sh["max"]:
            fail(f"have length less than or equal to {sh['max']}", echo=False)
        member = sh["member"]["shape"]
        for i, item in enumerate(items, start=1):
            out.extend(_violations(service, member, item, f"{label}.{i}.member"))
    elif kind == "structure":
        for name, ref in sh["members"].items():
            member_value = value.get(name) if isinstance(value, Mapping) else None
            if member_value is not None:
                out.extend(
                    _violations(service, ref["shape"], member_value, f"{label}.{_label(name)}")
                )
    return out


def violations(service: str, operation: str, params: Mapping[str, Any]) -> list[str]:
    """Every constraint of ``operation``'s input that ``params`` (AWS member names) breaks."""
    members = operation_input(service, operation)["members"]
    out: list[str] = []
    for name, value in params.items():
        if value is None:
            continue
        out.extend(_violations(service, members[name]["shape"], value, _label(name)))
    return out


def validation_message(found: list[str]) -> str:
    """AWS's text for a list of violations."""
    noun = "error" if len(found) == 1 else "errors"
    return f"{len(found)} validation {noun} detected: " + "; ".join(found)
