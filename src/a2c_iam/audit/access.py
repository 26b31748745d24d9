"""Who can do what in one account: the engine asked over every user and role, and role paths.

Each principal's policy set (its own inline and managed policies, its groups', its permissions
boundary) is compiled once with :func:`a2c_iam.policy.compile_policy_set` and shared by every
principal with the same policies; then it is asked as often as the checks need. A principal is
asked as itself: a user by its user ARN, a role as a session of the role
(``arn:aws:sts::ACCOUNT:assumed-role/NAME/a2c-iam-audit``), with the request context AWS would
add (``aws:username``, ``aws:userid``, ``aws:PrincipalArn``, ``aws:PrincipalTag/…``, MFA present
and TLS), so that policy variables and conditions on them are evaluated and not guessed.

Role assumption is asked the same way, with the role's trust policy as the resource policy: the
engine applies AWS's rule that within one account a trust policy naming the principal itself
suffices, while one naming the account needs the principal's identity policy as well. A cheap
pre-filter (does any Allow statement of the set name the action at all?) keeps the number of
full evaluations small in accounts of thousands of principals.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..policy import (
    CompiledPolicySet,
    ContextValue,
    Decision,
    Policy,
    PolicySet,
    Request,
    compile_policy_set,
)
from ..policy.evaluate import PolicyGroup
from ..policy.match import Matcher, is_wild, resource_regex_pieces
from ..policy.variables import substitute
from .errors import AuditInputError
from .model import Account

__all__ = ["AccessModel", "Path", "Principal", "SESSION_NAME"]

SESSION_NAME = "a2c-iam-audit"


@dataclass(frozen=True, slots=True)
class Principal:
    """A user or role of the account, as the engine is asked about it."""

    kind: str  # "user" | "role"
    name: str
    arn: str
    request_arn: str
    policies: tuple[tuple[str, Policy], ...]
    boundary: Policy | None
    context: Mapping[str, ContextValue]
    groups: tuple[str, ...] = ()
    #: Customer and AWS managed policies that apply (directly or through a group).
    managed: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.kind}/{self.name}"


@dataclass(frozen=True, slots=True)
class Path:
    """How a principal gets to act as another: the chain of ARNs, first the principal itself."""

    arns: tuple[str, ...]
    steps: tuple[str, ...] = field(default=())

    @property
    def direct(self) -> bool:
        return len(self.arns) == 1


def _base_context(account: Account) -> dict[str, ContextValue]:
    now = datetime.now(UTC)
    return {
        "aws:PrincipalAccount": account.account_id,
        "aws:MultiFactorAuthPresent": "true",
        "aws:SecureTransport": "true",
        "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "aws:EpochTime": str(int(now.timestamp())),
        "aws:ViaAWSService": "false",
    }


class AccessModel:
    """The account's principals with compiled policy sets, and the role-assumption graph."""

    def __init__(self, account: Account, context: Mapping[str, ContextValue] | None = None) -> None:
        self.account = account
        self._extra = dict(context or {})
        self._compiled: dict[tuple[tuple[str, int], ...], CompiledPolicySet] = {}
        self._mentions: dict[tuple[int, str], bool] = {}
        self._trust: dict[str, CompiledPolicySet | None] = {}
        self._assumers: dict[str, list[str]] | None = None
        self._services: dict[tuple[str, str], bool] = {}
        self._by_arn: dict[str, Principal] = {}
        #: Results other modules cache per compiled set (keyed by ``id``: the sets live here).
        self.memo: dict[tuple[str, int], object] = {}
        #: Catalog expansions of action patterns (lower case), shared by every policy.
        self.expanded: dict[str, frozenset[str]] = {}
        #: The tags of the account's users and roles as the request context of a request on
        #: them (``aws:ResourceTag/…`` and IAM's own ``iam:ResourceTag/…``).
        self._resource_tags: dict[str, dict[str, ContextValue]] = {}
        tagged = [(u.arn, u.tags) for u in account.users.values()]
        tagged += [(r.arn, r.tags) for r in account.roles.values()]
        for arn, tags in tagged:
            if tags:
                self._resource_tags[arn] = {f"{prefix}:ResourceTag/{k}": v
                                            for k, v in tags.items() for prefix in ("aws", "iam")}
        base = _base_context(account)
        for user in account.users.values():
            self._by_arn[user.arn] = self._user(user.name, base)
        for role in account.roles.values():
            self._by_arn[role.arn] = self._role(role.name, base)

    # -- principals

    def _policy(self, arn: str) -> Policy | None:
        pol = self.account.policies.get(arn)
        return pol.policy if pol is not None else None

    def _managed(self, arns: Iterable[str], owner: str) -> list[tuple[str, Policy]]:
        out = []
        for arn in arns:
            pol = self._policy(arn)
            if pol is not None:
                out.append((f"{owner} {self.account.policy_label(arn)}", pol))
        return out

    def _user(self, name: str, base: Mapping[str, ContextValue]) -> Principal:
        user = self.account.users[name]
        policies = [(f"user {name} inline {p.name}", p.policy) for p in user.inline
                    if p.policy is not None]
        policies += self._managed(user.attached, f"user {name}")
        managed = list(user.attached)
        for g in user.groups:
            group = self.account.groups.get(g)
            if group is None:
                continue
            policies += [(f"group {g} inline {p.name}", p.policy) for p in group.inline
                         if p.policy is not None]
            policies += self._managed(group.attached, f"group {g}")
            managed += group.attached
        ctx: dict[str, ContextValue] = dict(base)
        ctx.update({"aws:username": name, "aws:userid": user.user_id or name,
                    "aws:PrincipalArn": user.arn, "aws:PrincipalType": "User"})
        for k, v in user.tags.items():
            ctx[f"aws:PrincipalTag/{k}"] = v
        ctx.update(self._extra)
        return Principal("user", name, user.arn, user.arn, tuple(policies),
                         self._policy(user.boundary) if user.boundary else None, ctx,
                         user.groups, tuple(dict.fromkeys(managed)))

    def _role(self, name: str, base: Mapping[str, ContextValue]) -> Principal:
        role = self.account.roles[name]
        policies = [(f"role {name} inline {p.name}", p.policy) for p in role.inline
                    if p.policy is not None]
        policies += self._managed(role.attached, f"role {name}")
        session = (f"arn:{self.account.partition}:sts::{self.account.account_id}:assumed-role/"
                   f"{name}/{SESSION_NAME}")
        ctx: dict[str, ContextValue] = dict(base)
        ctx.update({"aws:userid": f"{role.role_id or name}:{SESSION_NAME}",
                    "aws:PrincipalArn": role.arn, "aws:PrincipalType": "AssumedRole"})
        for k, v in role.tags.items():
            ctx[f"aws:PrincipalTag/{k}"] = v
        ctx.update(self._extra)
        return Principal("role", name, role.arn, session, tuple(policies),
                         self._policy(role.boundary) if role.boundary else None, ctx,
                         (), tuple(dict.fromkeys(role.attached)))

    def principals(self) -> list[Principal]:
        return list(self._by_arn.values())

    def get(self, arn: str) -> Principal:
        return self._by_arn[arn]

    def find(self, text: str) -> Principal:
        """A principal by ARN, ``user/NAME``, ``role/NAME``, or a bare name (user, then role)."""
        if text in self._by_arn:
            return self._by_arn[text]
        kind, sep, name = text.partition("/")
        if sep and kind in ("user", "role"):
            table = self.account.users if kind == "user" else self.account.roles
            entity = table.get(name)
            if entity is not None:
                return self._by_arn[entity.arn]
        if text.startswith("arn:") and ":assumed-role/" in text:
            role = self.account.roles.get(text.split(":assumed-role/", 1)[1].split("/", 1)[0])
            if role is not None:
                return self._by_arn[role.arn]
        user = self.account.users.get(text)
        role = self.account.roles.get(text)
        if user is not None and role is not None:
            raise AuditInputError(f"'{text}' names both a user and a role: say user/{text} or "
                                  f"role/{text}")
        if user is not None:
            return self._by_arn[user.arn]
        if role is not None:
            return self._by_arn[role.arn]
        raise AuditInputError(f"no user or role '{text}' in account {self.account.account_id}",
                              "NoSuchEntity")

    # -- compiled sets

    def compiled(self, p: Principal, extra: Iterable[tuple[str, Policy]] = ()) -> CompiledPolicySet:
        extra = tuple(extra)
        policies = p.policies + extra
        key = tuple((label, id(pol)) for label, pol in policies) + (("", id(p.boundary)),)
        found = self._compiled.get(key)
        if found is None:
            found = compile_policy_set(PolicySet(
                identity_policies=tuple(pol for _, pol in policies),
                permission_boundary=p.boundary,
                identity_names=tuple(label for label, _ in policies),
            ))
            self._compiled[key] = found
        return found

    def mentions(self, compiled: CompiledPolicySet, action: str) -> bool:
        """Whether an Allow statement of the identity policies names ``action`` at all (its
        resources and conditions aside): when not, the engine cannot allow it."""
        key = (id(compiled), action.lower())
        found = self._mentions.get(key)
        if found is None:
            found = False
            group = compiled.identity
            if group is not None:
                lower = action.lower()
                for entry in group.candidates(lower.split(":", 1)[0]):
                    st = entry.statement
                    if st.allow and st.actions.match(action, lower, {}) != st.not_actions:
                        found = True
                        break
            self._mentions[key] = found
        return found

    def narrow(self, p: Principal, action: str, arns: Iterable[str],
               compiled: CompiledPolicySet | None = None) -> list[str]:
        """The ARNs among ``arns`` that some Allow statement naming ``action`` could cover by
        its Resource element (variables substituted): the only ones worth asking the engine."""
        cps = compiled if compiled is not None else self.compiled(p)
        group = cps.identity
        if group is None:
            return []
        lower = action.lower()
        exact: set[str] = set()
        regexes: list[Matcher] = []
        matched = False
        ctx = {k.lower(): v for k, v in p.context.items()}
        for entry in group.candidates(lower.split(":", 1)[0]):
            st = entry.statement
            if not st.allow or st.actions.match(action, lower, {}) == st.not_actions:
                continue
            matched = True
            res = st.resources
            if res is None or st.not_resources or res.any:
                return list(arns)
            exact |= res.exact
            regexes += res.regexes
            for pattern in res.variable:
                pieces = substitute(pattern, ctx)
                if pieces is None:
                    continue
                if any(is_pat and is_wild(text) for text, is_pat in pieces):
                    regexes.append(resource_regex_pieces(pieces))
                else:
                    exact.add("".join(text for text, _ in pieces))
        if not matched:
            return []
        if not regexes:
            return [a for a in arns if a in exact]
        return [a for a in arns if a in exact or any(rx.fullmatch(a) for rx in regexes)]

    def decide(
        self, p: Principal, action: str, resource: str,
        context: Mapping[str, ContextValue] | None = None,
        resource_policy: PolicyGroup | None = None,
        compiled: CompiledPolicySet | None = None,
    ) -> Decision:
        cps = compiled if compiled is not None else self.compiled(p)
        if resource_policy is not None:
            cps = copy.copy(cps)
            cps.resource = resource_policy
        tags = self._resource_tags.get(resource)
        ctx = p.context if not context and not tags else {**p.context, **(tags or {}),
                                                          **(context or {})}
        return cps.authorize(Request(p.request_arn, action, resource, ctx))

    def allows(self, p: Principal, action: str, resource: str,
               context: Mapping[str, ContextValue] | None = None,
               compiled: CompiledPolicySet | None = None) -> bool:
        cps = compiled if compiled is not None else self.compiled(p)
        if not self.mentions(cps, action):
            return False
        return self.decide(p, action, resource, context, compiled=cps).allowed

    # -- role assumption

    def trust_group(self, role_name: str) -> PolicyGroup | None:
        role = self.account.roles[role_name]
        if role.name not in self._trust:
            self._trust[role.name] = (
                compile_policy_set(PolicySet(resource_policy=role.trust))
                if role.trust is not None else None
            )
        cps = self._trust[role.name]
        return cps.resource if cps is not None else None

    def trusts_service(self, role_name: str, service: str) -> bool:
        """Whether the role's trust policy lets ``service`` (``ec2.amazonaws.com``) assume it."""
        key = (role_name, service)
        found = self._services.get(key)
        if found is None:
            self.trust_group(role_name)
            cps = self._trust[role_name]
            arn = self.account.roles[role_name].arn
            found = cps is not None and cps.authorize(
                Request(service, "sts:AssumeRole", arn)).allowed
            self._services[key] = found
        return found

    def can_assume(self, p: Principal, role_name: str) -> bool:
        group = self.trust_group(role_name)
        if group is None:
            return False
        role = self.account.roles[role_name]
        if role.arn == p.arn:
            return False
        return self.decide(p, "sts:AssumeRole", role.arn, resource_policy=group).allowed

    def assumers(self) -> dict[str, list[str]]:
        """For each principal ARN, the ARNs of the roles it can assume directly."""
        if self._assumers is not None:
            return self._assumers
        out: dict[str, list[str]] = {arn: [] for arn in self._by_arn}
        broad_roles: dict[str, str] = {}
        for role in self.account.roles.values():
            if role.trust is None:
                continue
            named, broad = _trusted(role.trust, self.account.account_id)
            if broad:
                broad_roles[role.arn] = role.name
            for arn in named:
                p = self._by_arn.get(arn)
                if p is not None and not broad and self.can_assume(p, role.name):
                    out[p.arn].append(role.arn)
        if broad_roles:
            for p in self._by_arn.values():
                cps = self.compiled(p)
                if not self.mentions(cps, "sts:AssumeRole"):
                    continue
                for arn in self.narrow(p, "sts:AssumeRole", broad_roles, cps):
                    if self.can_assume(p, broad_roles[arn]):
                        out[p.arn].append(arn)
        self._assumers = out
        return out

    def role_paths(self, p: Principal) -> dict[str, Path]:
        """Every role ``p`` can reach by assuming roles (chains included), with its shortest path."""
        edges = self.assumers()
        paths: dict[str, Path] = {}
        queue: deque[tuple[str, tuple[str, ...]]] = deque([(p.arn, (p.arn,))])
        while queue:
            arn, chain = queue.popleft()
            for nxt in edges.get(arn, ()):
                if nxt in paths or nxt == p.arn:
                    continue
                path = chain + (nxt,)
                paths[nxt] = Path(path, tuple("sts:AssumeRole" for _ in path[1:]))
                queue.append((nxt, path))
        return paths

    # -- questions

    def who_can(
        self, action: str, resource: str, context: Mapping[str, ContextValue] | None = None,
        resource_policy: PolicyGroup | None = None,
    ) -> list[tuple[Principal, Path, Decision]]:
        """Every principal that can do it, directly or through a chain of assumed roles."""
        direct: dict[str, Decision] = {}
        for p in self._by_arn.values():
            cps = self.compiled(p)
            if resource_policy is None and not self.mentions(cps, action):
                continue
            decision = self.decide(p, action, resource, context, resource_policy, cps)
            if decision.allowed:
                direct[p.arn] = decision
        out: list[tuple[Principal, Path, Decision]] = []
        for p in self._by_arn.values():
            if p.arn in direct:
                out.append((p, Path((p.arn,)), direct[p.arn]))
                continue
            best: tuple[Path, Decision] | None = None
            for arn, path in self.role_paths(p).items():
                if arn in direct and (best is None or len(path.arns) < len(best[0].arns)):
                    best = (path, direct[arn])
            if best is not None:
                out.append((p, best[0], best[1]))
        return out

    def can(
        self, p: Principal, action: str, resource: str,
        context: Mapping[str, ContextValue] | None = None,
        resource_policy: PolicyGroup | None = None,
    ) -> tuple[Decision, Path | None]:
        """The principal's own decision, and if that denies, a role path that allows."""
        decision = self.decide(p, action, resource, context, resource_policy)
        if decision.allowed:
            return decision, Path((p.arn,))
        for arn, path in sorted(self.role_paths(p).items(), key=lambda kv: len(kv[1].arns)):
            via = self.decide(self._by_arn[arn], action, resource, context, resource_policy)
            if via.allowed:
                return via, path
        return decision, None


def _trusted(trust: Policy, account_id: str) -> tuple[set[str], bool]:
    """The principal ARNs a trust policy names for sts:AssumeRole, and whether it names the
    account (or anyone), so that any principal with an identity grant may be able to assume."""
    named: set[str] = set()
    broad = False
    own_root = f":iam::{account_id}:root"
    for st in trust.statements:
        if st.effect.value != "Allow":
            continue
        if st.not_principal is not None or (st.principal is not None and st.principal.wildcard):
            broad = True
            continue
        if st.principal is None:
            continue
        for kind, value in st.principal.entries:
            if kind != "AWS":
                continue
            if value == "*" or value == account_id or value.endswith(own_root):
                broad = True
            else:
                named.add(value)
    return named, broad
