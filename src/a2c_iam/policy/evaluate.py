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
from dataclasses import replace
from functools import lru_cache

from .arn import account_of
from .conditions import CompiledCondition
from .kinds import TRUST_ACTIONS
from .match import action_regex, is_wild, resource_regex, resource_regex_pieces
from .model import Effect, Policy, Statement
from .principals import Caller, Grant, excluded_by, grant_of, parse_caller, with_principal_keys
from .request import ContextValue, Decision, Outcome, PolicySet, PolicyType, Request, StatementRef
from .variables import has_variables, substitute

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


class CompiledStatementRef:
    """A compiled statement with the label of its policy (the explanation is built lazily)."""

    __slots__ = ("label", "statement")

    def __init__(self, label: str, statement: CompiledStatement) -> None:
        self.label = label
        self.statement = statement

    def ref(self) -> StatementRef:
        st = self.statement
        return StatementRef(self.label, st.sid, "Allow" if st.allow else "Deny", st.ref_index)


class PolicyGroup:
    """Policies that are asked together (one type, or one organisation level), one index for all.

    The index maps a service prefix to the statements that can match an action of that service,
    in document order; statements with a wildcard service or a ``NotAction`` are candidates for
    every service.
    """

    __slots__ = ("_by_service", "_candidates", "_generic", "statements")

    def __init__(self, policies: tuple[tuple[Policy, str], ...]) -> None:
        entries: list[CompiledStatementRef] = []
        by_service: dict[str, list[int]] = {}
        generic: list[int] = []
        for policy, label in policies:
            variables = policy.supports_variables
            for st in policy.statements:
                i = len(entries)
                entries.append(CompiledStatementRef(label, CompiledStatement(st, variables)))
                if st.action is None:
                    generic.append(i)
                    continue
                services = {p.split(":", 1)[0].lower() if ":" in p else "*" for p in st.action}
                if any(is_wild(svc) for svc in services):
                    generic.append(i)
                else:
                    for svc in services:
                        by_service.setdefault(svc, []).append(i)
        self.statements = tuple(entries)
        self._by_service = by_service
        self._generic = generic
        self._candidates: dict[str, tuple[CompiledStatementRef, ...]] = {}

    def candidates(self, service: str) -> tuple[CompiledStatementRef, ...]:
        found = self._candidates.get(service)
        if found is None:
            idx = sorted(set(self._by_service.get(service, ())) | set(self._generic))
            found = tuple(self.statements[i] for i in idx)
            if len(self._candidates) < 4096:
                self._candidates[service] = found
        return found


class _Asked:
    """What one group said: the statements that allow (with the strongest grant) and deny."""

    __slots__ = ("allows", "denies", "grant")

    def __init__(self) -> None:
        self.allows: list[CompiledStatementRef] = []
        self.denies: list[CompiledStatementRef] = []
        self.grant = Grant.NONE


def _ask(
    group: PolicyGroup, action: str, action_key: str, service: str, resource: str,
    caller: Caller, context: Mapping[str, ContextValue], into: _Asked,
) -> bool:
    """Add the group's applicable statements to ``into``; True when one of them allows."""
    allowed = False
    for entry in group.candidates(service):
        st = entry.statement
        grant = st.applies(action, action_key, resource, caller, context)
        if grant is Grant.NONE:
            continue
        if st.allow:
            into.allows.append(entry)
            if grant > into.grant:
                into.grant = grant
            allowed = True
        else:
            into.denies.append(entry)
    return allowed


def _group(*policies: tuple[Policy | None, str]) -> PolicyGroup | None:
    present = tuple((p, label) for p, label in policies if p is not None)
    return PolicyGroup(present) if present else None


@lru_cache(maxsize=4096)
def _caller(text: str) -> Caller:
    return parse_caller(text)


class CompiledPolicySet:
    """A ``PolicySet`` compiled for many requests. Immutable once built; safe to share."""

    def __init__(self, policy_set: PolicySet) -> None:
        ps = policy_set
        names = ps.identity_names
        self.identity = _group(*(
            (p, names[i] if i < len(names) else f"identity_policies[{i}]")
            for i, p in enumerate(ps.identity_policies)
        ))
        self.resource = _group((ps.resource_policy, "resource_policy"))
        self.boundary = _group((ps.permission_boundary, "permission_boundary"))
        self.session = _group((ps.session_policy, "session_policy"))
        self.vpc = _group((ps.vpc_endpoint_policy, "vpc_endpoint_policy"))
        self.scps = _levels(ps.service_control_policies, "service_control_policies")
        self.rcps = _levels(ps.resource_control_policies, "resource_control_policies")

    def authorize(self, request: Request) -> Decision:
        caller = _caller(request.principal)
        context = {k.lower(): v for k, v in request.context.items()} if request.context else {}
        action = request.action
        action_key = action.lower()
        service = action_key.split(":", 1)[0]
        resource = request.resource
        resource_account = (
            request.resource_account or account_of(resource) or caller.account
        )
        asked: dict[PolicyType, _Asked] = {}

        def ask(kind: PolicyType, group: PolicyGroup | None) -> bool:
            into = asked.get(kind)
            if into is None:
                into = asked[kind] = _Asked()
            if group is None:
                return False
            return _ask(group, action, action_key, service, resource, caller, context, into)

        def every_level(kind: PolicyType, levels: tuple[PolicyGroup | None, ...]) -> bool:
            ok = bool(levels)  # fail closed: an organisation with no level allows nothing
            for level in levels:
                ok = ask(kind, level) and ok
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
        if has_identity and self.identity is not None:
            identity_allows = ask(PolicyType.IDENTITY, self.identity)
        grant = Grant.NONE
        if self.resource is not None:
            ask(PolicyType.RESOURCE, self.resource)
            grant = asked[PolicyType.RESOURCE].grant
        same_account = caller.account is not None and caller.account == resource_account
        # On a role, what a trust policy can grant needs its explicit allow: assuming it, and
        # tagging the session or setting its source identity (IAM User Guide, session tags).
        trust = action_key in TRUST_ACTIONS and ":role/" in resource

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

        denied = [t for t in ORDER if t in asked and asked[t].denies]
        if denied:
            refs = tuple(e.ref() for t in denied for e in asked[t].denies)
            return Decision(Outcome.EXPLICIT_DENY, tuple(denied), refs)
        if failing:
            return Decision(Outcome.IMPLICIT_DENY, tuple(t for t in ORDER if t in failing), ())
        refs = tuple(e.ref() for t in ORDER if t in asked for e in asked[t].allows)
        return Decision(Outcome.ALLOWED, (), refs)


def _levels(
    levels: tuple[tuple[Policy, ...], ...] | None, label: str
) -> tuple[PolicyGroup | None, ...] | None:
    if levels is None:
        return None
    return tuple(
        _group(*((p, f"{label}[{i}][{j}]") for j, p in enumerate(level)))
        for i, level in enumerate(levels)
    )


def compile_policy_set(policy_set: PolicySet) -> CompiledPolicySet:
    """Compile once; then call ``.authorize(request)`` as often as needed."""
    return CompiledPolicySet(policy_set)


def authorize(request: Request, policy_set: PolicySet | CompiledPolicySet) -> Decision:
    """AWS's decision for ``request`` under ``policy_set``, with its reasons.

    As ``a2c-iam simulate`` decides it: the keys AWS derives from the principal
    (:func:`~a2c_iam.policy.principals.with_principal_keys`) are filled in where the context
    lacks them. ``CompiledPolicySet.authorize`` takes the context as given, for callers that
    build the whole request context themselves (the server, the audit)."""
    compiled = (
        policy_set if isinstance(policy_set, CompiledPolicySet) else CompiledPolicySet(policy_set)
    )
    keyed = with_principal_keys(request.principal, request.context)
    if len(keyed) != len(request.context):
        request = replace(request, context=keyed)
    return compiled.authorize(request)
