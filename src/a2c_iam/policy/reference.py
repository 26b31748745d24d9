"""A small, straightforward evaluator: the specification the compiled engine is tested against.

Nothing here is compiled or indexed: every statement of every policy is looked at for every
request, wildcards are matched by backtracking over characters, conditions are read from the
model each time, and the decision follows the documented flow step by step. It shares only the
parsing of principals and policy variables with the compiled engine. ``tests/policy`` checks that
both give the same decision, reasons included, on generated policies and requests.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from .arn import account_of
from .dates import parse_date
from .grammar import NEGATED_OPERATORS, POSITIVE_OF
from .model import Condition, Effect, Policy, Statement
from .principals import Caller, Grant, excluded_by, grant_of, parse_caller
from .request import ContextValue, Decision, Outcome, PolicySet, PolicyType, Request, StatementRef
from .variables import Piece, has_variables, substitute


def _match(
    pattern: list[tuple[str, bool]], text: str, fold: bool, arn: bool, span: bool = True
) -> bool:
    """Backtracking wildcard match.

    With ``arn``, a wildcard in the first five segments of the pattern stays inside its segment,
    except a ``*`` that ends its segment; in the resource part anything goes.
    """
    segment = []
    colons = 0
    for ch, _ in pattern:
        segment.append(colons)
        if ch == ":":
            colons += 1

    def go(p: int, t: int) -> bool:
        if p == len(pattern):
            return t == len(text)
        ch, live = pattern[p]
        confined = arn and segment[p] < 5
        if live and ch == "*":
            last_of_segment = span and (p + 1 == len(pattern) or pattern[p + 1][0] == ":")
            limit = len(text)
            if confined and not last_of_segment:
                cut = text.find(":", t)
                limit = len(text) if cut < 0 else cut
            return any(go(p + 1, end) for end in range(t, limit + 1))
        if t == len(text):
            return False
        if live and ch == "?":
            if confined and text[t] == ":":
                return False
            return go(p + 1, t + 1)
        a, b = (ch.lower(), text[t].lower()) if fold else (ch, text[t])
        return a == b and go(p + 1, t + 1)

    return go(0, 0)


def _chars(pieces: list[Piece]) -> list[tuple[str, bool]]:
    return [(c, live) for text, live in pieces for c in text]


def _pieces(text: str, policy: Policy, context: Mapping[str, ContextValue]) -> list[Piece] | None:
    if policy.supports_variables and has_variables(text):
        return substitute(text, context)
    return [(text, True)]


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _one(base: str, req: Any, pol: list[Piece]) -> bool:
    """Does one request value match one policy value under a positive operator?"""
    ptext = "".join(t for t, _ in pol)
    r = _text(req)
    if base == "StringEquals":
        return r == ptext
    if base == "StringEqualsIgnoreCase":
        return r.casefold() == ptext.casefold()
    if base == "StringLike":
        return _match(_chars(pol), r, False, False)
    if base in ("ArnEquals", "ArnLike"):
        return _match(_chars(pol), r, False, True, span=False)
    if base == "Bool":
        return ptext.lower() in ("true", "false") and r.lower() == ptext.lower()
    if base == "BinaryEquals":
        try:
            return base64.b64decode(r, validate=True) == base64.b64decode(ptext, validate=True)
        except (binascii.Error, ValueError):
            return False
    if base in ("IpAddress",):
        try:
            net = ipaddress.ip_network(ptext.strip(), strict=False)
            ip = ipaddress.ip_address(r.strip())
        except ValueError:
            return False
        return ip.version == net.version and ip in net
    if base.startswith("Numeric") or base.startswith("Date"):
        family = "Numeric" if base.startswith("Numeric") else "Date"
        a: Any
        b: Any
        if family == "Numeric":
            if isinstance(req, bool):
                return False
            try:
                a, b = Decimal(r.strip()), Decimal(ptext.strip())
            except InvalidOperation:
                return False
            if not (a.is_finite() and b.is_finite()):
                return False
        else:
            a, b = parse_date(req), parse_date(ptext)
            if a is None or b is None:
                return False
        op = base[len(family):]
        return bool({"Equals": a == b, "LessThan": a < b, "LessThanEquals": a <= b,
                     "GreaterThan": a > b, "GreaterThanEquals": a >= b}[op])
    raise ValueError(base)


def _condition(c: Condition, policy: Policy, context: Mapping[str, ContextValue]) -> bool:
    raw = context.get(c.key.lower())
    values = None if raw is None else (list(raw) if isinstance(raw, (list, tuple)) else [raw])
    if c.base == "Null":
        return any(_text(v).lower() == ("false" if values is not None else "true") for v in c.values)
    negated = c.base in NEGATED_OPERATORS
    if values is None:
        if c.if_exists:
            return True
        if c.set_operator == "ForAllValues":
            return True
        if c.set_operator == "ForAnyValue":
            return False
        return negated
    positive = POSITIVE_OF.get(c.base, c.base)
    substitutes = positive.startswith(("String", "Bool", "Arn"))
    policy_values = []
    for v in c.values:
        if isinstance(v, str) and substitutes:
            pieces = _pieces(v, policy, context)
        else:
            pieces = [(_text(v), True)]
        if pieces is not None:
            policy_values.append(pieces)

    def hit(v: Any) -> bool:
        return any(_one(positive, v, p) for p in policy_values)

    if c.set_operator == "ForAllValues":
        return all((not hit(v)) if negated else hit(v) for v in values)
    if c.set_operator == "ForAnyValue":
        return any((not hit(v)) if negated else hit(v) for v in values)
    found = any(hit(v) for v in values)
    return not found if negated else found


def _statement(
    st: Statement, policy: Policy, request: Request, caller: Caller,
    context: Mapping[str, ContextValue],
) -> Grant:
    actions = st.action if st.action is not None else st.not_action or ()
    hit = any(_match([(c, True) for c in a], request.action, True, False) for a in actions)
    if hit == (st.not_action is not None):
        return Grant.NONE
    resources = st.resource if st.resource is not None else st.not_resource
    if resources is not None:
        hit = False
        for r in resources:
            pieces = _pieces(r, policy, context)
            if pieces is not None and _match(_chars(pieces), request.resource, False, True):
                hit = True
        if hit == (st.not_resource is not None):
            return Grant.NONE
    grant = Grant.DIRECT
    if st.principal is not None:
        grant = grant_of(st.principal, caller)
    elif st.not_principal is not None and excluded_by(st.not_principal, caller):
        grant = Grant.NONE
    if grant is Grant.NONE:
        return grant
    if all(_condition(c, policy, context) for c in st.conditions):
        return grant
    return Grant.NONE


def reference_authorize(request: Request, ps: PolicySet) -> Decision:
    caller = parse_caller(request.principal)
    context = {k.lower(): v for k, v in request.context.items()}
    allows: dict[PolicyType, list[StatementRef]] = {}
    denies: dict[PolicyType, list[StatementRef]] = {}
    grants: dict[PolicyType, Grant] = {}

    def ask(kind: PolicyType, policy: Policy, label: str) -> bool:
        allowed = False
        for st in policy.statements:
            g = _statement(st, policy, request, caller, context)
            if g is Grant.NONE:
                continue
            ref = StatementRef(label, st.sid, st.effect.value, st.index)
            if st.effect is Effect.DENY:
                denies.setdefault(kind, []).append(ref)
            else:
                allows.setdefault(kind, []).append(ref)
                grants[kind] = max(grants.get(kind, Grant.NONE), g)
                allowed = True
        return allowed

    failing: set[PolicyType] = set()
    for kind, levels, label, applies in (
        (PolicyType.RCP, ps.resource_control_policies, "resource_control_policies",
         caller.kind != "service"),
        (PolicyType.SCP, ps.service_control_policies, "service_control_policies", caller.is_iam),
    ):
        if levels is None or not applies:
            continue
        for i, level in enumerate(levels):
            results = [ask(kind, p, f"{label}[{i}][{j}]") for j, p in enumerate(level)]
            if not any(results):
                failing.add(kind)
        if not levels:
            failing.add(kind)

    has_identity = caller.is_iam and caller.kind != "root"
    identity_ok = caller.kind == "root"
    if has_identity:
        for i, p in enumerate(ps.identity_policies):
            label = ps.identity_names[i] if i < len(ps.identity_names) else f"identity_policies[{i}]"
            if ask(PolicyType.IDENTITY, p, label):
                identity_ok = True
    if ps.resource_policy is not None:
        ask(PolicyType.RESOURCE, ps.resource_policy, "resource_policy")
    grant = grants.get(PolicyType.RESOURCE, Grant.NONE)
    resource_account = request.resource_account or account_of(request.resource) or caller.account
    same = caller.account is not None and caller.account == resource_account
    trust = request.action.lower() in (
        "sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity",
        "sts:tagsession", "sts:setsourceidentity", "sts:setcontext",
    ) and ":role/" in request.resource
    has_resource = ps.resource_policy is not None

    if caller.account is None:
        if grant is Grant.NONE:
            failing.add(PolicyType.RESOURCE if has_resource else PolicyType.IDENTITY)
    elif trust:
        if grant is Grant.NONE:
            failing.add(PolicyType.RESOURCE)
        if (grant is Grant.ACCOUNT or not same) and not identity_ok:
            failing.add(PolicyType.IDENTITY)
    elif same:
        if not identity_ok and grant not in (Grant.ROLE, Grant.DIRECT):
            failing.add(PolicyType.IDENTITY)
            if has_resource:
                failing.add(PolicyType.RESOURCE)
    else:
        if not identity_ok:
            failing.add(PolicyType.IDENTITY)
        if grant is Grant.NONE:
            failing.add(PolicyType.RESOURCE)

    direct = same and grant is Grant.DIRECT
    if ps.permission_boundary is not None and has_identity:
        ok = ask(PolicyType.PERMISSION_BOUNDARY, ps.permission_boundary, "permission_boundary")
        if not ok and not (direct and caller.kind in ("user", "session")):
            failing.add(PolicyType.PERMISSION_BOUNDARY)
    if ps.session_policy is not None and caller.kind != "anonymous":
        ok = ask(PolicyType.SESSION, ps.session_policy, "session_policy")
        if not ok and not (direct and caller.kind in ("session", "federated-user")):
            failing.add(PolicyType.SESSION)
    if ps.vpc_endpoint_policy is not None:
        if not ask(PolicyType.VPC_ENDPOINT, ps.vpc_endpoint_policy, "vpc_endpoint_policy"):
            failing.add(PolicyType.VPC_ENDPOINT)

    order = list(PolicyType)
    if denies:
        kinds = tuple(t for t in order if t in denies)
        return Decision(Outcome.EXPLICIT_DENY, kinds, tuple(r for t in kinds for r in denies[t]))
    if failing:
        return Decision(Outcome.IMPLICIT_DENY, tuple(t for t in order if t in failing), ())
    return Decision(Outcome.ALLOWED, (), tuple(r for t in order if t in allows for r in allows[t]))
