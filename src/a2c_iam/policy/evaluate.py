"""The decision procedure of AWS, compiled: a policy set is compiled once and asked many times.

Per policy the compiler builds an index from service prefix to the statements that can match an
action of that service (statements with a wildcard service, or with ``NotAction``, are candidates
for every action), and compiles every pattern and condition. Per request the engine lower-cases
the context once, asks each policy for the statements that apply, and assembles the decision:

1. A matching ``Deny`` in any policy type: ``explicitDeny`` (every type that denied is named).
2. Resource control policies, if any: every organisation level must allow (service principals
   are not subject to RCPs).
3. Service control policies, if any: every level must allow (only principals of an account are
   subject to SCPs).
4. Identity and resource policies. Same account: either may allow (a resource policy that names
   only the account delegates to it and so needs the identity policy). Cross-account: both must
   allow. A role trust policy (``sts:AssumeRole*`` on a role) must always allow.
5. The permissions boundary and the session policy, if any, must allow — except for what a
   same-account resource policy grants directly to the user or role-session ARN.
6. The VPC endpoint policy, if any, must allow.

Anything else is ``implicitDeny``, naming every policy type that was required and did not allow.
The root user's own identity allows everything in principle (it has no identity policies);
anonymous callers and service principals have no identity policies either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .arn import account_of
from .conditions import CompiledCondition
from .match import action_regex, is_wild, resource_regex, resource_regex_pieces
from .model import Effect, Policy, Statement
from .principals import Caller, Grant, excluded_by, grant_of, parse_caller
from .request import ContextValue, Decision, Outcome, PolicySet, PolicyType, Request, StatementRef
from .variables import has_variables, substitute

ASSUME_ROLE_ACTIONS = frozenset(
    {"sts:assumerole", "sts:assumerolewithsaml", "sts:assumerolewithwebidentity"}
)
ORDER = tuple(PolicyType)


class _Patterns:
    """A list of action or resource patterns, split into what can be tested fastest."""

    __slots__ = ("any", "exact", "regexes", "variable")

    def __init__(self, patterns: tuple[str, ...], *, actions: bool, variables: bool) -> None:
        self.any = "*" in patterns
        exact: set[str] = set()
        regexes = []
        variable: list[str] = []
        for p in patterns:
            if p == "*":
                continue
            if variables and not actions and has_variables(p):
                variable.append(p)
            elif not is_wild(p):
                exact.add(p.lower() if actions else p)
            else:
                regexes.append(action_regex(p) if actions else resource_regex(p))
        self.exact = frozenset(exact)
        self.regexes = tuple(regexes)
        self.variable = tuple(variable)

    def match(self, text: str, key: str, context: Mapping[str, ContextValue]) -> bool:
        if self.any or key in self.exact:
            return True
        for rx in self.regexes:
            if rx.fullmatch(text) is not None:
                return True
        for p in self.variable:
            pieces = substitute(p, context)
            if pieces is not None and resource_regex_pieces(pieces).fullmatch(text) is not None:
                return True
        return False


class CompiledStatement:
    __slots__ = ("actions", "allow", "conditions", "not_actions", "not_resources", "ref_index",
                 "resources", "sid", "statement")

    def __init__(self, statement: Statement, variables: bool) -> None:
        self.statement = statement
        self.sid = statement.sid
        self.ref_index = statement.index
        self.allow = statement.effect is Effect.ALLOW
        self.not_actions = statement.not_action is not None
        self.actions = _Patterns(
            statement.action or statement.not_action or (), actions=True, variables=False
        )
        self.not_resources = statement.not_resource is not None
        raw = statement.resource if statement.resource is not None else statement.not_resource
        self.resources = (
            None if raw is None else _Patterns(raw, actions=False, variables=variables)
        )
        self.conditions = tuple(CompiledCondition(c, variables) for c in statement.conditions)

    def applies(
        self, action: str, action_key: str, resource: str, caller: Caller,
        context: Mapping[str, ContextValue],
    ) -> Grant:
        """How this statement applies to the request (``Grant.NONE`` when it does not)."""
        if self.actions.match(action, action_key, context) == self.not_actions:
            return Grant.NONE
        if self.resources is not None and (
            self.resources.match(resource, resource, context) == self.not_resources
        ):
            return Grant.NONE
        st = self.statement
        grant = Grant.DIRECT
        if st.principal is not None:
            grant = grant_of(st.principal, caller)
            if grant is Grant.NONE:
                return Grant.NONE
        elif st.not_principal is not None and excluded_by(st.not_principal, caller):
            return Grant.NONE
        for cond in self.conditions:
            if not cond.evaluate(context):
                return Grant.NONE
        return grant


class CompiledPolicy:
    """A policy's statements compiled, with an index from service prefix to candidates."""

    __slots__ = ("_by_service", "_candidates", "_generic", "label", "statements")

    def __init__(self, policy: Policy, label: str) -> None:
        self.label = label
        variables = policy.supports_variables
        self.statements = tuple(CompiledStatement(s, variables) for s in policy.statements)
        by_service: dict[str, set[int]] = {}
        generic: set[int] = set()
        for i, st in enumerate(policy.statements):
            patterns = st.action if st.action is not None else None
            if patterns is None:
                generic.add(i)
                continue
            for p in patterns:
                service = p.split(":", 1)[0].lower() if ":" in p else "*"
                if is_wild(service):
                    generic.add(i)
                else:
                    by_service.setdefault(service, set()).add(i)
        self._by_service = by_service
        self._generic = generic
        self._candidates: dict[str, tuple[CompiledStatement, ...]] = {}

    def candidates(self, service: str) -> tuple[CompiledStatement, ...]:
        found = self._candidates.get(service)
        if found is None:
            idx = sorted(self._by_service.get(service, set()) | self._generic)
            found = tuple(self.statements[i] for i in idx)
            if len(self._candidates) < 4096:
                self._candidates[service] = found
        return found

    def evaluate(
        self, action: str, action_key: str, service: str, resource: str, caller: Caller,
        context: Mapping[str, ContextValue],
    ) -> tuple[list[tuple[CompiledStatement, Grant]], list[CompiledStatement]]:
        allows: list[tuple[CompiledStatement, Grant]] = []
        denies: list[CompiledStatement] = []
        for st in self.candidates(service):
            grant = st.applies(action, action_key, resource, caller, context)
            if grant is Grant.NONE:
                continue
            if st.allow:
                allows.append((st, grant))
            else:
                denies.append(st)
        return allows, denies


def _compiled(policy: Policy, label: str) -> CompiledPolicy:
    return CompiledPolicy(policy, label)


class _Tally:
    """What one policy type said about a request."""

    __slots__ = ("allows", "denies", "grant")

    def __init__(self) -> None:
        self.allows: list[StatementRef] = []
        self.denies: list[StatementRef] = []
        self.grant = Grant.NONE

    def add(self, policy: CompiledPolicy, result: tuple[list[tuple[CompiledStatement, Grant]],
                                                         list[CompiledStatement]]) -> bool:
        allows, denies = result
        for st, grant in allows:
            self.allows.append(_ref(policy, st, "Allow"))
            self.grant = max(self.grant, grant)
        for st in denies:
            self.denies.append(_ref(policy, st, "Deny"))
        return bool(allows)


def _ref(policy: CompiledPolicy, st: CompiledStatement, effect: str) -> StatementRef:
    return StatementRef(policy.label, st.sid, effect, st.ref_index)


class CompiledPolicySet:
    """A ``PolicySet`` compiled for many requests. Immutable once built; safe to share."""

    def __init__(self, policy_set: PolicySet) -> None:
        ps = policy_set
        names = ps.identity_names
        self.identity = tuple(
            _compiled(p, names[i] if i < len(names) else f"identity_policies[{i}]")
            for i, p in enumerate(ps.identity_policies)
        )
        self.resource = _opt(ps.resource_policy, "resource_policy")
        self.boundary = _opt(ps.permission_boundary, "permission_boundary")
        self.session = _opt(ps.session_policy, "session_policy")
        self.vpc = _opt(ps.vpc_endpoint_policy, "vpc_endpoint_policy")
        self.scps = _levels(ps.service_control_policies, "service_control_policies")
        self.rcps = _levels(ps.resource_control_policies, "resource_control_policies")

    def authorize(self, request: Request) -> Decision:
        caller = parse_caller(request.principal)
        context = {k.lower(): v for k, v in request.context.items()}
        action = request.action
        action_key = action.lower()
        service = action_key.split(":", 1)[0]
        resource = request.resource
        resource_account = (
            request.resource_account or account_of(resource) or caller.account
        )
        tallies: dict[PolicyType, _Tally] = {}

        def ask(kind: PolicyType, policy: CompiledPolicy) -> bool:
            tally = tallies.setdefault(kind, _Tally())
            return tally.add(
                policy, policy.evaluate(action, action_key, service, resource, caller, context)
            )

        def every_level(kind: PolicyType, levels: tuple[tuple[CompiledPolicy, ...], ...]) -> bool:
            ok = bool(levels)  # fail closed: an organisation with no level allows nothing
            for level in levels:
                ok = any([ask(kind, p) for p in level]) and ok
            return ok

        failing: list[PolicyType] = []
        if self.rcps is not None and caller.kind != "service":
            if not every_level(PolicyType.RCP, self.rcps):
                failing.append(PolicyType.RCP)
        if self.scps is not None and caller.is_iam:
            if not every_level(PolicyType.SCP, self.scps):
                failing.append(PolicyType.SCP)

        has_identity = caller.is_iam and caller.kind != "root"
        identity_allows = caller.kind == "root"
        if has_identity:
            for p in self.identity:
                identity_allows = ask(PolicyType.IDENTITY, p) or identity_allows
        if self.resource is not None:
            ask(PolicyType.RESOURCE, self.resource)
        grant = tallies[PolicyType.RESOURCE].grant if self.resource is not None else Grant.NONE
        same_account = caller.account is not None and caller.account == resource_account
        trust = action_key in ASSUME_ROLE_ACTIONS and ":role/" in resource

        if caller.account is None:
            if grant is Grant.NONE:
                failing.append(PolicyType.RESOURCE if self.resource is not None
                               else PolicyType.IDENTITY)
        elif trust:
            if grant is Grant.NONE:
                failing.append(PolicyType.RESOURCE)
            if (grant is Grant.ACCOUNT or not same_account) and not identity_allows:
                failing.append(PolicyType.IDENTITY)
        elif same_account:
            if not identity_allows and grant < Grant.ROLE:
                failing.append(PolicyType.IDENTITY)
                if self.resource is not None:
                    failing.append(PolicyType.RESOURCE)
        else:
            if not identity_allows:
                failing.append(PolicyType.IDENTITY)
            if grant is Grant.NONE:
                failing.append(PolicyType.RESOURCE)

        direct = same_account and grant is Grant.DIRECT
        if self.boundary is not None and has_identity:
            ok = ask(PolicyType.PERMISSION_BOUNDARY, self.boundary)
            if not ok and not (direct and caller.kind in ("user", "session")):
                failing.append(PolicyType.PERMISSION_BOUNDARY)
        if self.session is not None and caller.kind != "anonymous":
            ok = ask(PolicyType.SESSION, self.session)
            if not ok and not (direct and caller.kind in ("session", "federated-user")):
                failing.append(PolicyType.SESSION)
        if self.vpc is not None and not ask(PolicyType.VPC_ENDPOINT, self.vpc):
            failing.append(PolicyType.VPC_ENDPOINT)

        denied = [t for t in ORDER if t in tallies and tallies[t].denies]
        if denied:
            refs = tuple(r for t in denied for r in tallies[t].denies)
            return Decision(Outcome.EXPLICIT_DENY, tuple(denied), refs)
        if failing:
            return Decision(Outcome.IMPLICIT_DENY, tuple(t for t in ORDER if t in failing), ())
        refs = tuple(r for t in ORDER if t in tallies for r in tallies[t].allows)
        return Decision(Outcome.ALLOWED, (), refs)


def _opt(policy: Policy | None, label: str) -> CompiledPolicy | None:
    return None if policy is None else _compiled(policy, label)


def _levels(
    levels: tuple[tuple[Policy, ...], ...] | None, label: str
) -> tuple[tuple[CompiledPolicy, ...], ...] | None:
    if levels is None:
        return None
    return tuple(
        tuple(_compiled(p, f"{label}[{i}][{j}]") for j, p in enumerate(level))
        for i, level in enumerate(levels)
    )


def compile_policy_set(policy_set: PolicySet) -> CompiledPolicySet:
    """Compile once; then call ``.authorize(request)`` as often as needed."""
    return CompiledPolicySet(policy_set)


def authorize(request: Request, policy_set: PolicySet | CompiledPolicySet) -> Decision:
    """AWS's decision for ``request`` under ``policy_set``, with its reasons."""
    compiled = (
        policy_set if isinstance(policy_set, CompiledPolicySet) else CompiledPolicySet(policy_set)
    )
    return compiled.authorize(request)


def as_json(decision: Decision) -> dict[str, Any]:
    return decision.as_json()
