"""Lint: every problem of a policy document, each graded and located, as a security reviewer
would list them.

Validation (``validate.py``) answers IAM's question — would IAM store this document, and if not,
which error does it report first. A reviewer wants more: *all* the errors, and the problems IAM
accepts silently — an action that does not exist, a resource that no action of the statement can
act on, placeholder text copied from documentation, an ``iam:PassRole`` on every role, a set of
actions that lets the holder make itself administrator. Lint answers that.

Each :class:`Finding` has a stable ``code`` (what tooling suppresses or counts), a severity
graded as IAM Access Analyzer grades its policy checks (``ERROR`` a policy that does not work or
that IAM refuses; ``SECURITY_WARNING`` access broader than it looks; ``WARNING`` likely a
mistake; ``SUGGESTION`` tidiness), IAM's or our message, and a location: file, line and column,
statement index and Sid, and the element's JSON path. :data:`RULES` describes every code; the
documentation (``docs/lint.md``) lists them with examples.

The checks themselves live in ``lint_checks`` (actions, resources, placeholders, wildcards,
redundancy), ``lint_conditions`` (condition keys and operators) and ``lint_escalation``
(privilege escalation). This module runs validation element by element, drives the checks and
turns paths into positions. Pure: the caller reads files; the catalog is read through
``catalog.get_catalog`` unless one is passed in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

from . import lint_checks, lint_conditions, lint_escalation
from . import validate as v
from .catalog import Catalog, get_catalog
from .errors import PolicyCharacterError, PolicyLimitExceeded, PolicyValidationError
from .kinds import DEFAULT_QUOTA, PolicyKind
from .match import matches_action
from .model import Policy, Statement
from .parse import build_policy
from .positions import PositionIndex, index_positions

__all__ = [
    "RULES",
    "Finding",
    "Rule",
    "Severity",
    "lint_policy",
    "severity_at_least",
]


class Severity(StrEnum):
    """Access Analyzer's grades, most severe first."""

    ERROR = "ERROR"
    SECURITY_WARNING = "SECURITY_WARNING"
    WARNING = "WARNING"
    SUGGESTION = "SUGGESTION"

    @property
    def rank(self) -> int:
        """0 for ERROR … 3 for SUGGESTION."""
        return _RANK[self]


_RANK: Final = {s: i for i, s in enumerate(Severity)}


def severity_at_least(severity: Severity, threshold: Severity) -> bool:
    """Whether ``severity`` is ``threshold`` or more severe (``--fail-on``)."""
    return severity.rank <= threshold.rank


@dataclass(frozen=True, slots=True)
class Rule:
    """What a finding code means; the SARIF rule and the documentation are made from it."""

    code: str
    severity: Severity
    title: str
    help: str


def _rules(*rows: tuple[str, Severity, str, str]) -> dict[str, Rule]:
    return {code: Rule(code, sev, title, text) for code, sev, title, text in rows}


E, S, W, G = Severity.ERROR, Severity.SECURITY_WARNING, Severity.WARNING, Severity.SUGGESTION

#: Every finding code. The codes are stable: add new ones, never rename or regrade one.
RULES: Final[dict[str, Rule]] = _rules(
    # -- IAM would refuse the document (validate.py's checks, each element reported)
    ("SYNTAX_ERROR", E, "Syntax error",
     "The document is not JSON of the policy grammar, or fails IAM's legacy parsing; IAM refuses "
     "it with 'Syntax errors in policy.' or 'The policy failed legacy parsing'."),
    ("INVALID_CHARACTERS", E, "Character IAM refuses",
     "The document holds a character outside tab, LF, CR and U+0020 to U+00FF, or is empty."),
    ("POLICY_SIZE_EXCEEDED", E, "Policy over its size quota",
     "Without white space, the document is longer than the quota of its kind (6,144 characters "
     "for a managed policy, 2,048 for a trust policy, …); IAM answers LimitExceeded."),
    ("UNSUPPORTED_VERSION", E, "Version required",
     "Managed policies, permissions boundaries, SCPs and RCPs need \"Version\": \"2012-10-17\"."),
    ("DUPLICATE_SID", E, "Duplicate Sid", "Two statements of one policy have the same Sid."),
    ("INVALID_SID", E, "Invalid Sid",
     "Outside resource policies a Sid may hold only the letters A-Z, a-z and the digits 0-9."),
    ("MISSING_ACTION", E, "Statement without actions",
     "A statement needs an Action or NotAction element that is not empty."),
    ("MISSING_RESOURCE", E, "Statement without resources",
     "Every kind of policy but a trust policy needs a Resource or NotResource in each statement."),
    ("INVALID_RESOURCE", E, "Malformed resource",
     "A resource is neither \"*\" nor a well-formed ARN (IAM's message says which rule it breaks)."),
    ("INVALID_PREFIX", E, "Malformed action prefix",
     "An action lacks a 'vendor:' prefix, has more than one colon, or names a vendor with "
     "characters IAM refuses."),
    ("PRINCIPAL_NOT_ALLOWED", E, "Principal in a policy that must not name one",
     "Identity policies, permissions boundaries, session policies and SCPs apply to whoever holds "
     "them and must not have a Principal or NotPrincipal."),
    ("MISSING_PRINCIPAL", E, "Principal missing",
     "Trust policies and resource policies must name a Principal in every statement."),
    ("INVALID_PRINCIPAL", E, "Invalid principal", "A principal that IAM does not accept."),
    ("TRUST_POLICY_VIOLATION", E, "Not allowed in a trust policy",
     "A trust policy may only grant the STS actions that assume a role, and has no Resource."),
    ("POLICY_TYPE_VIOLATION", E, "Not allowed in this policy type",
     "The document breaks a rule of AWS Organizations for its policy type (RCPs: Principal \"*\", "
     "deny statements, supported services only)."),
    ("INVALID_POLICY", E, "Invalid policy", "IAM refuses the document; the message says why."),
    # -- the catalog of services and actions
    ("UNKNOWN_SERVICE", E, "Unknown service prefix",
     "The service prefix of an action names no AWS service, so the action grants or denies nothing."),
    ("UNKNOWN_ACTION", E, "Unknown action",
     "The action does not exist in its service; lint suggests the closest real action."),
    ("NO_MATCHING_ACTION", W, "Action pattern matches no action",
     "A wildcard pattern matches no action that exists today, so it grants or denies nothing."),
    ("RESOURCE_MISMATCH", W, "Resource matches no resource type of the statement's actions",
     "No action of the statement acts on a resource of this ARN's form (for example a bucket ARN "
     "with s3:GetObject, which acts on objects), so the resource grants or denies nothing. A "
     "qualified ARN counts as its base type where the service tables list only the base: a "
     "Lambda version or alias (function:f:1, function:f:*) for an action on function."),
    ("ACTION_REQUIRES_STAR", W, "Action supports only \"Resource\": \"*\"",
     "The action has no resource-level permissions: only a statement with \"Resource\": \"*\" "
     "grants or denies it, and this statement names specific resources."),
    ("UNKNOWN_CONDITION_KEY", E, "Unknown service condition key",
     "The condition key does not exist in its service, so the condition never sees a value."),
    ("INVALID_CONDITION_KEY", E, "Condition key without a vendor prefix",
     "A condition key without 'vendor:' (IAM accepts the document, but no request carries such a "
     "key), so the condition never sees a value."),
    ("UNKNOWN_GLOBAL_CONDITION_KEY", W, "Unknown global condition key",
     "An aws: condition key that is not a documented global condition key (nor one a service lists)."),
    ("UNSUPPORTED_CONDITION_KEY", W, "Condition key supported by none of the statement's actions",
     "The key belongs to the service of the statement's actions, but none of them supports it: the "
     "key is absent from their requests, so an Allow never applies and a Deny never denies."),
    ("CONDITION_TYPE_MISMATCH", W, "Operator does not suit the key's type",
     "The condition operator compares a type other than the condition key's (NumericEquals on a "
     "string key, IpAddress on a key that is not an address, a Date operator on a key that is not "
     "a date)."),
    ("CONDITION_VALUE_MISMATCH", W, "Condition value does not suit the operator",
     "A value that the operator cannot read (a number, an IP range, true or false), so it never "
     "matches."),
    ("FOR_ALL_VALUES_SINGLE_VALUED", S, "ForAllValues with a single-valued key",
     "ForAllValues is true when the key is absent from the request; on a single-valued key it is "
     "overly permissive. Use the operator without the qualifier."),
    ("FOR_ANY_VALUE_SINGLE_VALUED", W, "ForAnyValue with a single-valued key",
     "Set operators are meant for multivalued keys; on a single-valued key drop the qualifier."),
    ("STATEMENT_NEVER_MATCHES", W, "Statement can never apply",
     "The statement matches no request: NotAction or NotResource \"*\", or conditions that "
     "contradict each other. As an Allow it grants nothing; as a Deny it protects nothing."),
    # -- placeholders
    ("PLACEHOLDER", E, "Placeholder text",
     "Text from a documentation template (resource-ARNs, your account ID, amzn-s3-demo-bucket, "
     "<name>, ${Name}, an account that is not a number) where a real value belongs: the policy "
     "does not name what it was meant to."),
    # -- security
    ("PASS_ROLE_STAR", S, "iam:PassRole on every role",
     "The principal may pass any role to any service that takes one, and so act with that role's "
     "permissions. Name the roles, or restrict the services with iam:PassedToService."),
    ("ASSUME_ROLE_STAR", S, "sts:AssumeRole on every role",
     "The principal may assume every role whose trust policy trusts its account. Name the roles."),
    ("ALLOW_WITH_NOT_ACTION", S, "Allow with NotAction",
     "Allows every action except those listed, including actions AWS adds later."),
    ("ALLOW_WITH_NOT_RESOURCE", S, "Allow with NotResource",
     "Allows the actions on every resource except those listed, including resources created later."),
    ("ALLOW_WITH_NOT_PRINCIPAL", S, "Allow with NotPrincipal",
     "Allows everyone but the listed principals, anonymous callers included. Use Principal."),
    ("ACTION_WILDCARD_ALL", S, "Every action allowed",
     "\"Action\": \"*\" (or \"*:*\") in an Allow grants every action of every service."),
    ("ACTION_WILDCARD_SERVICE", W, "Every action of a service allowed",
     "\"service:*\" in an Allow grants every action of the service, including its permissions "
     "management and those added later."),
    ("PRIVILEGE_ESCALATION", S, "Privilege escalation",
     "The policy allows a set of actions with which the principal can give itself more permissions "
     "(Rhino Security Labs, 'AWS IAM Privilege Escalation - Methods and Mitigation', 2018)."),
    ("RESOURCE_STAR_WRITE", G, "Write actions on every resource",
     "Write or permissions-management actions that support resource ARNs are granted on \"*\" "
     "(or on an ARN of wildcards only, such as arn:aws:codecommit:*:*:*, every resource of its "
     "service); name the resources they need."),
    # -- tidiness
    ("WILDCARD_IN_SERVICE_NAME", G, "Wildcard as the service prefix",
     "\"*:Name\" names the action Name of every service, including services AWS adds later; "
     "name the services."),
    ("REDUNDANT_ACTION", G, "Redundant action",
     "The action is listed twice, or a wildcard of the same statement already covers it."),
    ("REDUNDANT_RESOURCE", G, "Redundant resource",
     "The resource is listed twice, or a wildcard of the same statement already covers it."),
    ("REDUNDANT_STATEMENT", G, "Redundant statement",
     "Another statement with the same effect already covers this statement's actions and resources."),
    ("INCONSISTENT_REGION", G, "Region hard-coded in one place",
     "The ARN names a region while other ARNs of the policy leave the region open (\"*\"): the "
     "grant does not follow the workload to another region."),
    ("MISSING_VERSION", W, "Missing Version",
     "Without \"Version\": \"2012-10-17\" the policy uses the 2008 language: policy variables "
     "such as ${aws:username} are plain text."),
    ("OLD_VERSION", W, "Version 2008-10-17",
     "The 2008 policy language does not substitute policy variables; use \"2012-10-17\"."),
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem found in one document."""

    code: str
    severity: Severity
    message: str
    #: The file the caller named ("-" for standard input), or "" when there is none.
    file: str
    #: 1-based position of the element in the source text; None when there is no text.
    line: int | None
    column: int | None
    #: The statement's index (0 for a lone statement object) and Sid, when the finding is in one.
    statement: int | None
    sid: str | None
    #: The element's JSON path, e.g. ``Statement[2].Action[1]``; "" for the whole document.
    path: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON form ``a2c-iam lint --format json`` prints."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "statement": self.statement,
            "sid": self.sid,
            "path": self.path,
        }


#: ``sink(code, message, path)``: how a check reports a finding.
Sink = Callable[[str, str, str], None]


@dataclass(frozen=True, slots=True)
class StatementContext:
    """A statement's model together with its source object (which knows list from string), and
    its Action or NotAction patterns indexed for "does this statement name that action"."""

    stmt: Statement
    raw: Mapping[str, Any]
    #: Lower-cased patterns without wildcards → index of their first occurrence.
    literal_actions: Mapping[str, int]
    #: ``(index, pattern)`` of the patterns with wildcards, ``*`` and ``*:*`` excepted.
    wild_actions: tuple[tuple[int, str], ...]
    #: Whether the patterns include ``*`` or ``*:*``.
    full_action: bool

    @classmethod
    def of(cls, stmt: Statement, raw: Mapping[str, Any]) -> StatementContext:
        patterns = stmt.action if stmt.action is not None else stmt.not_action or ()
        literal: dict[str, int] = {}
        wild: list[tuple[int, str]] = []
        full = False
        for i, pattern in enumerate(patterns):
            if pattern in ("*", "*:*"):
                full = True
            elif "*" in pattern or "?" in pattern:
                wild.append((i, pattern))
            else:
                literal.setdefault(pattern.lower(), i)
        return cls(stmt, raw, literal, tuple(wild), full)

    def first_match(self, action: str) -> int | None:
        """The index of the first Action/NotAction pattern other than ``*`` that names ``action``."""
        found = self.literal_actions.get(action.lower())
        for i, pattern in self.wild_actions:
            if found is not None and i > found:
                break
            if matches_action(pattern, action):
                return i
        return found

    def element_path(self, key: str, index: int) -> str:
        """The path of the ``index``-th value of element ``key`` (``Action[1]`` or ``Action``)."""
        if isinstance(self.raw.get(key), list):
            return f"{self.stmt.path}.{key}[{index}]"
        return f"{self.stmt.path}.{key}"


@dataclass(frozen=True, slots=True)
class PolicyContext:
    """What every check receives: the parsed policy and where it came from."""

    policy: Policy
    statements: tuple[StatementContext, ...]
    kind: PolicyKind
    catalog: Catalog
    raw: Mapping[str, Any]


# ------------------------------------------------------------------------------ validation


_RESOURCE_MESSAGE = re.compile(r"^(Resource |Partition |IAM resource )")


def validation_code(error: PolicyValidationError) -> str:
    """The finding code for one of IAM's validation errors (by its AWS code and message)."""
    message = error.message
    if error.code == "LimitExceeded":
        return "POLICY_SIZE_EXCEEDED"
    if error.code == "ValidationError":
        return "INVALID_CHARACTERS"
    exact = _CODE_OF_MESSAGE.get(message)
    if exact is not None:
        return exact
    if message.startswith("Vendor "):
        return "INVALID_PREFIX"
    if message.startswith('Invalid principal in policy: "'):
        return "INVALID_PRINCIPAL"
    if _RESOURCE_MESSAGE.match(message):
        return "INVALID_RESOURCE"
    return "INVALID_POLICY"


_CODE_OF_MESSAGE: Final = {
    v.SYNTAX: "SYNTAX_ERROR",
    v.LEGACY: "SYNTAX_ERROR",
    v.VERSION_2012: "UNSUPPORTED_VERSION",
    v.SID_UNIQUE: "DUPLICATE_SID",
    v.SID_ALNUM: "INVALID_SID",
    v.NO_ACTIONS: "MISSING_ACTION",
    v.NO_RESOURCES: "MISSING_RESOURCE",
    v.NO_VENDOR: "INVALID_PREFIX",
    v.ONE_COLON: "INVALID_PREFIX",
    v.PRINCIPAL_FORBIDDEN: "PRINCIPAL_NOT_ALLOWED",
    v.TRUST_NO_PRINCIPAL: "MISSING_PRINCIPAL",
    v.RESOURCE_NO_PRINCIPAL: "MISSING_PRINCIPAL",
    v.TRUST_ACTION: "TRUST_POLICY_VIOLATION",
    v.TRUST_RESOURCE: "TRUST_POLICY_VIOLATION",
    v.ORGANIZATIONS_TYPE: "POLICY_TYPE_VIOLATION",
    v.IAM_PATH: "INVALID_RESOURCE",
    v.VENDOR_MISSING: "INVALID_RESOURCE",
}


class _Findings:
    """Collects ``(code, message, path)``; a validation error already reported for the same
    statement with the same message is not reported again."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str]] = []
        self._seen: set[tuple[str, str]] = set()
        self.offsets: dict[int, int] = {}  # item number → exact offset, when a check knows it

    def add(self, code: str, message: str, path: str) -> None:
        self.items.append((code, message, path))

    def add_error(
        self,
        error: PolicyValidationError,
        path: str | None = None,
        *,
        element: bool = False,
        code: str | None = None,
        message: str | None = None,
    ) -> None:
        """Add IAM's error; ``element`` errors are all kept, the others only when no error with
        the same message was reported for the same statement. ``code`` and ``message`` replace
        the finding's own when a more precise diagnosis explains IAM's error (a placeholder)."""
        where = error.path if path is None else path
        key = (error.message, _statement_path(where))
        if key in self._seen and not element:
            return
        self._seen.add(key)
        self.items.append((code or validation_code(error), message or error.message, where))


_STATEMENT_PATH = re.compile(r"^Statement(\[\d+\])?")


def _statement_path(path: str) -> str:
    m = _STATEMENT_PATH.match(path)
    return m.group() if m is not None else ""


def _element_errors(
    statements: Sequence[StatementContext], catalog: Catalog, out: _Findings
) -> None:
    """Every malformed action, condition-key prefix and resource, each at its own path.

    One mistake makes one finding: a resource IAM refuses because it is placeholder text is
    reported as ``PLACEHOLDER`` (with IAM's message), and an action IAM refuses for its colons
    (``"iam:ListRoles (https://…)"``) carries its "did you mean" in the same finding.
    """
    for ctx in statements:
        raw = ctx.raw
        for key in ("Action", "NotAction"):
            for i, action in enumerate(v.as_list(raw.get(key, []))):
                message = v.action_prefix_error(action)
                if message:
                    suggestion = catalog.suggest(action) if ":" in action else None
                    hint = f" Did you mean {suggestion}?" if suggestion else ""
                    url = ", with a URL inside" if "://" in action else ""
                    stop = "" if message.endswith(".") else "."
                    out.add_error(
                        PolicyValidationError(message), ctx.element_path(key, i), element=True,
                        message=f'{message}{stop} The action is "{action}"{url}.{hint}',
                    )
        for key in ("Resource", "NotResource"):
            for i, resource in enumerate(v.as_list(raw.get(key, []))):
                message = v.resource_format_error(resource)
                if message:
                    found = lint_checks.find_placeholders(resource)
                    out.add_error(
                        PolicyValidationError(message), ctx.element_path(key, i), element=True,
                        code="PLACEHOLDER" if found else None,
                        message=lint_checks.placeholder_message(resource, found, f"{key} ")
                        + f" IAM refuses it: {message}" if found else None,
                    )


def _statement_errors(
    statements: Sequence[StatementContext], kind: PolicyKind, out: _Findings
) -> None:
    """IAM's first error of each statement on its own (passes 3 to 11 of ``validate.py``).

    A one-statement document with a good Version is checked for each statement, so that an
    error in one statement does not hide the errors of the others; the document-wide checks
    (Version, Sid uniqueness) are reported once by the whole-document validation.
    """
    for ctx in statements:
        single = {"Version": "2012-10-17", "Statement": [dict(ctx.raw)]}
        try:
            v.check_document(single, kind)
        except PolicyValidationError as exc:
            path = ctx.stmt.path + exc.path[len("Statement[0]"):]
            out.add_error(exc, path)


# ---------------------------------------------------------------------------------- driver


def lint_policy(
    document: str | bytes | Mapping[str, Any],
    kind: PolicyKind | str = PolicyKind.IDENTITY,
    *,
    file: str = "",
    catalog: Catalog | None = None,
    quota: int | None = None,
) -> tuple[Finding, ...]:
    """Every finding for ``document`` used as a policy of ``kind``, in the order of the text.

    ``file`` is only copied into the findings. A mapping is linted as its JSON text (indented);
    its positions are those of that text.
    """
    policy_kind = PolicyKind(kind)
    if isinstance(document, bytes):
        try:
            document = document.decode("utf-8")
        except UnicodeDecodeError:
            return (_finding("SYNTAX_ERROR", v.SYNTAX, "", file, None, None, None),)
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    limit = DEFAULT_QUOTA[policy_kind] if quota is None else quota
    out = _Findings()
    positions = _Positions(text)
    first, raw, syntax_error = _validate(text, policy_kind, limit)
    if not text and first is not None:
        out.add_error(first)  # IAM's answer to an empty document is its length constraint
        return _resolve(out, positions, file, None)
    if syntax_error is not None:
        out.add_error(syntax_error)
        if first is not None and first is not syntax_error:
            out.add_error(first)
        return _resolve(out, positions, file, None)
    if first is not None and first.code != "MalformedPolicyDocument":
        out.add_error(first)
    if first is None or first.code != "LimitExceeded":
        if len(text) > limit and v.policy_size(text) > limit:
            out.add_error(PolicyLimitExceeded(f"Cannot exceed quota for PolicySize: {limit}"))
    policy = build_policy(raw)
    statements = tuple(
        StatementContext.of(stmt, raw_stmt)
        for stmt, (_, raw_stmt) in zip(policy.statements, v.statements_of(raw), strict=True)
    )
    catalog = catalog or get_catalog()
    _element_errors(statements, catalog, out)
    _statement_errors(statements, policy_kind, out)
    if first is not None and first.code == "MalformedPolicyDocument":
        out.add_error(first)

    ctx = PolicyContext(policy, statements, policy_kind, catalog, raw)
    sink = out.add
    lint_checks.check_version(ctx, sink, version_error=first is not None
                              and first.message == v.VERSION_2012)
    lint_checks.check_statements(ctx, sink)
    lint_conditions.check_conditions(ctx, sink)
    lint_escalation.check_escalation(ctx, sink)
    return _resolve(out, positions, file, statements)


def _validate(
    text: str, kind: PolicyKind, limit: int
) -> tuple[PolicyValidationError | None, Any, PolicyValidationError | None]:
    """IAM's first error (None for a valid document), the document's JSON value, and the error
    that stops the JSON or the grammar (None when the syntax pass passes).

    The same passes in the same order as ``validate.validate_document``, which does not give
    back the JSON it parsed when it fails: parsing once here keeps lint fast.
    """
    first: PolicyValidationError | None = None
    if not text:
        first = PolicyCharacterError(v.EMPTY_MESSAGE)
    elif not v._CHARSET.match(text):
        first = PolicyCharacterError(v.CHARSET_MESSAGE)
    elif len(text) > limit and v.policy_size(text) > limit:
        first = PolicyLimitExceeded(f"Cannot exceed quota for PolicySize: {limit}")
    try:
        raw, _ = v.load_document(text)
        v.check_syntax(raw)
    except PolicyValidationError as exc:
        return first or exc, None, exc
    if first is None:
        try:
            v.check_document(raw, kind)
        except PolicyValidationError as exc:
            first = exc
    return first, raw, None


class _Positions:
    """The position index of a text, built the first time a finding needs a position."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._index: PositionIndex | None = None

    @property
    def index(self) -> PositionIndex:
        if self._index is None:
            self._index = index_positions(self.text)
        return self._index


def _finding(
    code: str, message: str, path: str, file: str, line: int | None, column: int | None,
    statements: Sequence[StatementContext] | None,
) -> Finding:
    number: int | None = None
    sid: str | None = None
    m = _STATEMENT_PATH.match(path)
    if m is not None:
        number = int(m.group(1)[1:-1]) if m.group(1) else 0
        if statements is not None and number < len(statements):
            sid = statements[number].stmt.sid
    rule = RULES[code]
    return Finding(code, rule.severity, message, file, line, column, number, sid, path)


def _resolve(
    out: _Findings, positions: _Positions, file: str,
    statements: Sequence[StatementContext] | None,
) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    syntax_at: tuple[int, int] | None = None
    for code, message, path in out.items:
        if code == "SYNTAX_ERROR" and not path:
            if syntax_at is None:
                syntax_at = _syntax_location(positions)
            line, column = syntax_at
        else:
            line, column = positions.index.locate(path)
        findings.append(_finding(code, message, path, file, line, column, statements))
    findings.sort(key=lambda f: (f.line or 0, f.column or 0))
    return tuple(findings)


def _syntax_location(positions: _Positions) -> tuple[int, int]:
    """Where the JSON stops parsing (or where a key repeats); the start when neither is known."""
    try:
        json.loads(positions.text)
    except json.JSONDecodeError as exc:
        return exc.lineno, exc.colno
    except (ValueError, RecursionError):
        pass
    if positions.index.duplicates:
        return positions.index.line_column(positions.index.duplicates[0][1])
    return 1, 1
