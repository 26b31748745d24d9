"""Validation of policy documents with IAM's own error texts, in IAM's own order.

IAM reports only the first error it finds, and which one is "first" is part of the contract: two
tools that disagree on it disagree on the error a user sees. IAM runs its checks in passes over
the whole document, not statement by statement, so a syntax error in the last statement wins over
a bad Sid in the first. The order below was worked out from IAM's documented messages and from
documents whose response from IAM is on record; ``tests/policy/cases/validation/order.json``
pins the boundary between each two passes, ``resources.json`` the interplay inside pass 5.
The passes, in order (each stops at its first finding):

0. Characters: the API accepts tab, LF, CR and U+0020 to U+00FF only (``ValidationError``).
1. Size: the document without white space against the kind's quota (``LimitExceeded``,
   ``Cannot exceed quota for PolicySize: N``).
2. Syntax (``Syntax errors in policy.``): JSON that does not parse, duplicate keys, a top level
   that is not an object or holds an element other than Version/Id/Statement, an unknown Version,
   a missing or empty Statement, a statement that is not an object or holds an unknown element or
   both X and NotX, a missing or unknown Effect (case-insensitive here), an element of the wrong
   JSON type (``null``, a number, an object where strings belong), an unknown condition operator
   with a non-empty block, a malformed Principal.
3. Principal presence by kind: an identity, boundary, session or SCP document must not name one
   (``Policy document should not specify a principal.``); a trust policy must
   (``Invalid principal in policy: …The passed in policy has a statement with no principals!``);
   a resource policy must (``Missing required field Principal``).
4. Version: managed policies, boundaries, SCPs and RCPs need 2012-10-17
   (``Policy document must be version 2012-10-17 or greater.``).
5. Legacy parsing (``The policy failed legacy parsing``), in two steps. First, over every
   statement: an Effect not spelled exactly ``Allow``/``Deny``, a Date condition value that is not
   a date (``dates.py``). Then the resources: every ``Resource`` element in statement order, then
   every ``NotResource`` element; each element's values are checked for their format in
   ascending lexical order and the first malformed one is remembered (it is reported in pass 8).
   Only while none has been found, an element whose values are all well formed is also read the
   legacy way: a value with ``::`` but fewer than five colons, or an empty service, fails here.
6. Sids: unique in the document (``Statement IDs (SID) in a single policy must be unique.``) and,
   outside resource policies, alphanumeric.
7. Actions present (``Policy statement must contain actions.``): an Action or NotAction element
   that is missing or an empty list. An empty string is an action (and fails pass 9).
8. Resource formats: the malformed resource remembered in pass 5 (``Resource X must be in ARN
   format or "*".``, ``Partition "p" is not valid for resource "…".``, …).
9. Action prefixes, every ``Action`` then every ``NotAction`` (``Actions/Conditions must be
   prefaced by a vendor…``, ``Actions/Condition can contain only one colon.``,
   ``Vendor X is not valid``). Condition keys are not checked: IAM stores ``{"a": "b"}``.
10. Resources: required by every kind but trust (``Policy statement must contain resources.``),
    prohibited in a trust policy (``Has prohibited field Resource``, without a full stop).
11. Kind rules: trust-policy actions, trust principals, RCP restrictions. SCPs take the full
    policy language (AWS Organizations, September 2025) except Principal.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .arn import PARTITIONS
from .dates import parse_date as parse_date  # re-exported: validate.parse_date is public
from .errors import MalformedPolicyDocument, PolicyCharacterError, PolicyLimitExceeded
from .grammar import PRINCIPAL_TYPES, STATEMENT_ELEMENTS, TOP_ELEMENTS, VERSIONS, split_operator
from .kinds import (
    DEFAULT_QUOTA,
    NEEDS_2012,
    NO_PRINCIPAL,
    RCP_SERVICES,
    TRUST_ACTIONS,
    PolicyKind,
)

SYNTAX = "Syntax errors in policy."
LEGACY = "The policy failed legacy parsing"
VERSION_2012 = "Policy document must be version 2012-10-17 or greater."
SID_UNIQUE = "Statement IDs (SID) in a single policy must be unique."
SID_ALNUM = (
    "Statement IDs (SID) must be alpha-numeric. "
    "Check that your input satisfies the regular expression [0-9A-Za-z]*"
)
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
ONE_COLON = "Actions/Condition can contain only one colon."
PRINCIPAL_FORBIDDEN = "Policy document should not specify a principal."
TRUST_NO_PRINCIPAL = (
    "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
    "The passed in policy has a statement with no principals!"
)
RESOURCE_NO_PRINCIPAL = "Missing required field Principal"
TRUST_RESOURCE = "Has prohibited field Resource"  # no full stop: IAM's text, as its API returns it
TRUST_ACTION = (
    "Trust Policy statement actions can only be sts:AssumeRole, "
    "sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity"
)
ORGANIZATIONS_TYPE = (
    "The provided policy document does not meet the requirements of the specified policy type."
)
IAM_PATH_PREFIXES = (
    "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
    "server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/",
    "access-report/",
)
IAM_PATH = 'IAM resource path must either be "*" or start with ' + ", ".join(IAM_PATH_PREFIXES) + "."
VENDOR_MISSING = "Resource vendor must be fully qualified and cannot contain regexes."

#: Deeper than any real policy; deeper JSON is refused before it can exhaust the stack.
MAX_DEPTH = 64

_SID = re.compile(r"^[0-9A-Za-z]*$")
_VENDOR = re.compile(r"^[a-zA-Z0-9\-.]+$")
_ACCOUNT = re.compile(r"^\d{12}$")
_AWS_PRINCIPAL_ARN = re.compile(
    r"^arn:[a-z\-]+:(iam::(\d{12}|aws):(root|user/.+|role/.+|federated-user/.+|assumed-role/.+)"
    r"|sts::\d{12}:(assumed-role/.+|federated-user/.+))$"
)
_SERVICE_PRINCIPAL = re.compile(r"^[a-z0-9][a-z0-9\-.]*\.(amazonaws\.com(\.cn)?|amazon\.com)$")
_WS = re.compile(r"\s")
#: The characters IAM's API accepts in a policy document (botocore: policyDocumentType).
_CHARSET = re.compile("^[\u0009\u000A\u000D\u0020-\u00FF]+$")
EMPTY_MESSAGE = (
    "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: "
    "Member must have length greater than or equal to 1"
)
CHARSET_MESSAGE = (
    "1 validation error detected: Value at 'policyDocument' failed to satisfy constraint: "
    "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
)


class _Duplicate(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def policy_size(text: str) -> int:
    """The size IAM counts against a quota: characters other than white space."""
    return len(_WS.sub("", text))


def load_document(document: str | bytes | Mapping[str, Any]) -> tuple[Any, str]:
    """The JSON value of a document and its text; malformed JSON is IAM's syntax error."""
    if isinstance(document, Mapping):
        try:
            text = json.dumps(document, separators=(",", ":"), allow_nan=False)
            return json.loads(text, object_pairs_hook=_pairs), text
        except (TypeError, ValueError, RecursionError) as exc:
            raise MalformedPolicyDocument(SYNTAX) from exc
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedPolicyDocument(SYNTAX) from exc
    text = document
    try:
        value = json.loads(text, object_pairs_hook=_pairs, parse_constant=_reject_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedPolicyDocument(SYNTAX) from exc
    if _depth(value) > MAX_DEPTH:
        raise MalformedPolicyDocument(SYNTAX)
    return value, text


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, level = stack.pop()
        deepest = max(deepest, level)
        if deepest > MAX_DEPTH:
            return deepest
        if isinstance(node, dict):
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, level + 1) for v in node)
    return deepest


def statements_of(doc: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """``(path, statement)`` pairs; a single statement object counts as a list of one."""
    raw = doc["Statement"]
    if isinstance(raw, dict):
        return [("Statement", raw)]
    return [(f"Statement[{i}]", s) for i, s in enumerate(raw)]


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


# -- pass 2: syntax -----------------------------------------------------------------------------

def check_syntax(doc: Any) -> None:
    """Raise IAM's syntax error unless the document has the shape of the policy grammar."""
    if not isinstance(doc, dict):
        raise MalformedPolicyDocument(SYNTAX)
    for key in doc:
        if key not in TOP_ELEMENTS:
            raise MalformedPolicyDocument(SYNTAX, key)
    if "Version" in doc and doc["Version"] not in VERSIONS:
        raise MalformedPolicyDocument(SYNTAX, "Version")
    if "Id" in doc and not isinstance(doc["Id"], str):
        raise MalformedPolicyDocument(SYNTAX, "Id")
    raw = doc.get("Statement")
    if not isinstance(raw, (dict, list)) or (isinstance(raw, list) and not raw):
        raise MalformedPolicyDocument(SYNTAX, "Statement")
    for i, stmt in enumerate(as_list(raw)):
        path = "Statement" if isinstance(raw, dict) else f"Statement[{i}]"
        if not isinstance(stmt, dict):
            raise MalformedPolicyDocument(SYNTAX, path)
        _check_statement_syntax(stmt, path)


def _check_statement_syntax(stmt: dict[str, Any], path: str) -> None:
    for key in stmt:
        if key not in STATEMENT_ELEMENTS:
            raise MalformedPolicyDocument(SYNTAX, f"{path}.{key}")
    for a, b in (("Action", "NotAction"), ("Resource", "NotResource"), ("Principal", "NotPrincipal")):
        if a in stmt and b in stmt:
            raise MalformedPolicyDocument(SYNTAX, f"{path}.{b}")
    effect = stmt.get("Effect")
    if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
        raise MalformedPolicyDocument(SYNTAX, f"{path}.Effect")
    if "Sid" in stmt and not isinstance(stmt["Sid"], str):
        raise MalformedPolicyDocument(SYNTAX, f"{path}.Sid")
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in stmt and not _is_strings(stmt[key]):
            raise MalformedPolicyDocument(SYNTAX, f"{path}.{key}")
    for key in ("Principal", "NotPrincipal"):
        if key in stmt:
            _check_principal_syntax(stmt[key], f"{path}.{key}")
    if "Condition" in stmt:
        _check_condition_syntax(stmt["Condition"], f"{path}.Condition")


def _is_strings(value: Any) -> bool:
    if isinstance(value, str):
        return True
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _check_principal_syntax(value: Any, path: str) -> None:
    if value == "*":
        return
    if not isinstance(value, dict) or not value:
        raise MalformedPolicyDocument(SYNTAX, path)
    for kind, ids in value.items():
        if kind not in PRINCIPAL_TYPES or not _is_strings(ids) or ids == []:
            raise MalformedPolicyDocument(SYNTAX, f"{path}.{kind}")


def _check_condition_syntax(block: Any, path: str) -> None:
    if not isinstance(block, dict):
        raise MalformedPolicyDocument(SYNTAX, path)
    for operator, pairs in block.items():
        where = f"{path}.{operator}"
        if not isinstance(pairs, dict):
            raise MalformedPolicyDocument(SYNTAX, where)
        if pairs and split_operator(operator) is None:
            raise MalformedPolicyDocument(SYNTAX, where)
        for key, values in pairs.items():
            if not _is_condition_values(values):
                raise MalformedPolicyDocument(SYNTAX, f"{where}.{key}")


def _is_scalar(value: Any) -> bool:
    return isinstance(value, (str, bool, int, float))


def _is_condition_values(value: Any) -> bool:
    if _is_scalar(value):
        return True
    return isinstance(value, list) and all(_is_scalar(v) for v in value)


# -- passes 3 to 11 -----------------------------------------------------------------------------

def check_document(doc: dict[str, Any], kind: PolicyKind) -> None:
    """Passes 3 to 11 on a document that passed the syntax pass."""
    stmts = statements_of(doc)
    _check_principal_presence(stmts, kind)
    if kind in NEEDS_2012 and doc.get("Version") != "2012-10-17":
        raise MalformedPolicyDocument(VERSION_2012, "Version")
    _check_legacy(stmts)
    malformed = _check_resources(stmts)
    _check_sids(stmts, kind)
    for path, stmt in stmts:
        if not _present(stmt, "Action", "NotAction"):
            raise MalformedPolicyDocument(NO_ACTIONS, path)
    if malformed is not None:
        raise malformed
    _check_prefixes(stmts)
    _check_resource_presence(stmts, kind)
    if kind is PolicyKind.TRUST:
        _check_trust(stmts)
    elif kind is PolicyKind.RCP:
        _check_rcp(stmts)
    if kind is PolicyKind.TRUST or kind is PolicyKind.RESOURCE:
        _check_principal_values(stmts)


def _check_principal_presence(stmts: list[tuple[str, dict[str, Any]]], kind: PolicyKind) -> None:
    for path, stmt in stmts:
        named = "Principal" in stmt or "NotPrincipal" in stmt
        if kind in NO_PRINCIPAL and named:
            raise MalformedPolicyDocument(PRINCIPAL_FORBIDDEN, f"{path}.Principal")
        if kind is PolicyKind.TRUST and not named:
            raise MalformedPolicyDocument(TRUST_NO_PRINCIPAL, path)
        if kind in (PolicyKind.RESOURCE, PolicyKind.RCP) and not named:
            message = RESOURCE_NO_PRINCIPAL if kind is PolicyKind.RESOURCE else ORGANIZATIONS_TYPE
            raise MalformedPolicyDocument(message, path)


def _present(stmt: Mapping[str, Any], key: str, not_key: str) -> bool:
    """Whether the statement has the element or its Not form, with at least one value."""
    value = stmt[key] if key in stmt else stmt.get(not_key)
    return value is not None and value != []


def _check_legacy(stmts: list[tuple[str, dict[str, Any]]]) -> None:
    """Pass 5, first step: the Effect's spelling and the Date values of every statement."""
    for path, stmt in stmts:
        if stmt["Effect"] not in ("Allow", "Deny"):
            raise MalformedPolicyDocument(LEGACY, f"{path}.Effect")
        for operator, pairs in stmt.get("Condition", {}).items():
            parts = split_operator(operator)
            if parts is None or not parts[1].startswith("Date"):
                continue
            for key, values in pairs.items():
                if not all(parse_date(v) is not None for v in as_list(values)):
                    raise MalformedPolicyDocument(LEGACY, f"{path}.Condition.{operator}.{key}")


def _legacy_resource(resource: str) -> bool:
    """Whether a well-formed resource still fails IAM's legacy reading of it."""
    if resource == "*":
        return False
    if "::" in resource and resource.count(":") < 5:
        return True
    parts = resource.split(":")
    return len(parts) > 2 and parts[2] == ""


def _check_resources(stmts: list[tuple[str, dict[str, Any]]]) -> MalformedPolicyDocument | None:
    """Pass 5, second step: the legacy reading of the resources, and their formats for pass 8.

    Raises the legacy error; returns the first malformed resource's error (reported after the
    Sid and action passes), or None.
    """
    found: MalformedPolicyDocument | None = None
    for key in ("Resource", "NotResource"):
        for path, stmt in stmts:
            if key not in stmt:
                continue
            values = as_list(stmt[key])
            for resource in sorted(values):
                message = resource_format_error(resource)
                if message is not None:
                    found = found or MalformedPolicyDocument(message, f"{path}.{key}")
                    break
            if found is None and any(_legacy_resource(r) for r in values):
                raise MalformedPolicyDocument(LEGACY, f"{path}.{key}")
    return found


def _check_sids(stmts: list[tuple[str, dict[str, Any]]], kind: PolicyKind) -> None:
    seen: set[str] = set()
    for path, stmt in stmts:
        sid = stmt.get("Sid")
        if not sid:
            continue
        if sid in seen:
            raise MalformedPolicyDocument(SID_UNIQUE, f"{path}.Sid")
        seen.add(sid)
    if kind is PolicyKind.RESOURCE:
        return
    for path, stmt in stmts:
        if not _SID.match(stmt.get("Sid", "")):
            raise MalformedPolicyDocument(SID_ALNUM, f"{path}.Sid")


def resource_format_error(resource: str) -> str | None:
    """IAM's message for a resource that is not a well-formed ARN (or ``*``), else None."""
    if resource == "*":
        return None
    parts = resource.split(":")
    if len(parts) < 2:  # IAM reads whatever precedes the first colon as "arn"
        return f'Resource {resource} must be in ARN format or "*".'
    partition = parts[1]
    if partition != "*" and partition not in PARTITIONS:
        rest = parts[2:]
        fill = [rest[0] if rest and (rest[0] or len(rest) > 1) else "*"]
        fill.append(rest[1] if len(rest) > 1 else "*")
        fill.append(rest[2] if len(rest) > 2 else "*")
        fill.append(":".join(rest[3:]) if len(rest) > 3 else "*")
        return f'Partition "{partition}" is not valid for resource "arn:{partition}:{":".join(fill)}".'
    if len(parts) < 3:
        return VENDOR_MISSING
    service = parts[2]
    if "*" in service or "?" in service:  # "You can't use a wildcard in the service segment."
        return VENDOR_MISSING
    region = parts[3] if len(parts) > 3 else ""
    resource_id = ":".join(parts[5:]) if len(parts) > 5 else ""
    if service == "iam":
        if region:
            return f"IAM resource {resource} cannot contain region information."
        if len(parts) > 5 and resource_id not in ("*", "root") and not resource_id.startswith(
            IAM_PATH_PREFIXES
        ):
            return IAM_PATH
    if service == "s3" and region and not resource_id.startswith("accesspoint/"):
        return f"Resource {resource} can not contain region information."
    return None


def action_prefix_error(action: str) -> str | None:
    """IAM's message for an action without a proper ``vendor:`` prefix, else None."""
    if action == "*":
        return None
    parts = action.split(":")
    if len(parts) == 1:
        return NO_VENDOR
    if len(parts) > 2:
        return ONE_COLON
    if parts[0] != "*" and not _VENDOR.match(parts[0]):
        return f"Vendor {parts[0]} is not valid"
    return None


def _check_prefixes(stmts: list[tuple[str, dict[str, Any]]]) -> None:
    for key in ("Action", "NotAction"):
        for path, stmt in stmts:
            for action in as_list(stmt.get(key, [])):
                message = action_prefix_error(action)
                if message:
                    raise MalformedPolicyDocument(message, f"{path}.{key}")


def _check_resource_presence(stmts: list[tuple[str, dict[str, Any]]], kind: PolicyKind) -> None:
    for path, stmt in stmts:
        present = "Resource" in stmt or "NotResource" in stmt
        if kind is PolicyKind.TRUST:
            if present:
                raise MalformedPolicyDocument(TRUST_RESOURCE, f"{path}.Resource")
        elif not _present(stmt, "Resource", "NotResource"):
            raise MalformedPolicyDocument(NO_RESOURCES, path)


def _check_trust(stmts: list[tuple[str, dict[str, Any]]]) -> None:
    for path, stmt in stmts:
        if "NotAction" in stmt:
            raise MalformedPolicyDocument(TRUST_ACTION, f"{path}.NotAction")
        for action in as_list(stmt["Action"]):
            if action.lower() not in TRUST_ACTIONS:
                raise MalformedPolicyDocument(TRUST_ACTION, f"{path}.Action")


def _check_rcp(stmts: list[tuple[str, dict[str, Any]]]) -> None:
    """RCPs: Principal ``*`` only; custom statements deny; only the services RCPs govern."""
    for path, stmt in stmts:
        full_access = stmt.get("Action") == "*" and stmt.get("Resource") == "*"
        if stmt.get("Principal") != "*" or "NotPrincipal" in stmt:
            raise MalformedPolicyDocument(ORGANIZATIONS_TYPE, f"{path}.Principal")
        if stmt["Effect"] == "Allow" and not full_access:
            raise MalformedPolicyDocument(ORGANIZATIONS_TYPE, f"{path}.Effect")
        for action in as_list(stmt.get("Action", stmt.get("NotAction", []))):
            vendor = action.split(":", 1)[0].lower()
            if action != "*" and vendor not in RCP_SERVICES:
                raise MalformedPolicyDocument(ORGANIZATIONS_TYPE, f"{path}.Action")


def _check_principal_values(stmts: list[tuple[str, dict[str, Any]]]) -> None:
    for path, stmt in stmts:
        for key in ("Principal", "NotPrincipal"):
            value = stmt.get(key)
            if value is None or value == "*":
                continue
            for kind, ids in value.items():
                for ident in as_list(ids):
                    if not _valid_principal(kind, ident):
                        label = "AWS" if kind == "AWS" else kind.upper()
                        raise MalformedPolicyDocument(
                            f'Invalid principal in policy: "{label}":"{ident}"', f"{path}.{key}"
                        )


def _valid_principal(kind: str, ident: str) -> bool:
    if kind == "AWS":
        if ident == "*":
            return True
        # No wildcard may stand for part of a name or ARN (all users, all sessions…).
        if "*" in ident or "?" in ident:
            return False
        return bool(_ACCOUNT.match(ident) or _AWS_PRINCIPAL_ARN.match(ident))
    if kind == "Service":
        return ident == "*" or bool(_SERVICE_PRINCIPAL.match(ident))
    if kind == "Federated":
        return bool(ident) and (ident.startswith("arn:") or "." in ident)
    return bool(ident)


# -- the whole --------------------------------------------------------------------------------

def validate_document(
    document: str | bytes | Mapping[str, Any],
    kind: PolicyKind = PolicyKind.IDENTITY,
    *,
    quota: int | None = None,
) -> dict[str, Any]:
    """The document's JSON if IAM would accept it as ``kind``; else raise IAM's first error."""
    limit = DEFAULT_QUOTA[kind] if quota is None else quota
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedPolicyDocument(SYNTAX) from exc
    if isinstance(document, str):
        if not document:
            raise PolicyCharacterError(EMPTY_MESSAGE)
        if not _CHARSET.match(document):
            raise PolicyCharacterError(CHARSET_MESSAGE)
        if policy_size(document) > limit:
            raise PolicyLimitExceeded(f"Cannot exceed quota for PolicySize: {limit}")
    value, text = load_document(document)
    if policy_size(text) > limit:
        raise PolicyLimitExceeded(f"Cannot exceed quota for PolicySize: {limit}")
    check_syntax(value)
    check_document(value, kind)
    return value  # type: ignore[no-any-return]
