"""Which App2Container commands each principal can run, and what it holds beyond them.

The commands and their ``(action, resource)`` needs come from :func:`a2c_iam.a2c.commands.command_map`
for the team's choice profile; each need is asked of the engine with the principal's own policy
set (as ``a2c check`` does for a policy file, here for every user and role of the account, with
their groups and boundaries). ``sts:AssumeRole`` needs are asked with a trust policy that trusts
the account, as ``a2c check`` does: the roles the pipelines assume live in the team's account.

The least-privilege gap is the set of actions a principal's Allow statements grant (patterns
expanded with the action catalog; ``NotAction`` as everything but what it names) less the actions
of the commands it can run. Only principals in App2Container's scope get one: those that can run
a command with needs, and the named personas.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from ..a2c.choices import Choices
from ..a2c.commands import CommandNeed, command_map
from ..policy import CompiledPolicySet, Policy, PolicyKind, PolicySet, compile_policy_set, parse_policy
from ..policy.catalog import get_catalog
from ..policy.evaluate import PolicyGroup
from .access import AccessModel, Principal

__all__ = ["CommandMatrix", "Row", "account_trust", "build_matrix", "evaluate_row", "held_actions"]


@dataclass(slots=True)
class Row:
    principal: str
    label: str
    allowed: dict[str, bool]
    missing: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)


@dataclass(slots=True)
class CommandMatrix:
    commands: tuple[CommandNeed, ...]
    rows: list[Row]

    def needed_actions(self, commands: Iterable[str]) -> set[str]:
        """The actions the named commands need, lower case."""
        wanted = set(commands)
        return {a.lower() for c in self.commands if c.command in wanted for a, _ in c.needs}


def account_trust(choices: Choices) -> PolicyGroup | None:
    """A trust policy that trusts the choices' account, as ``a2c check`` assumes for roles."""
    trust = parse_policy({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {
            "AWS": f"arn:{choices.partition}:iam::{choices.account}:root"}}],
    }, PolicyKind.TRUST)
    return compile_policy_set(PolicySet(resource_policy=trust)).resource


def evaluate_row(model: AccessModel, p: Principal, commands: tuple[CommandNeed, ...],
                 trust: PolicyGroup | None, compiled: CompiledPolicySet | None = None,
                 quick: bool = False) -> Row:
    """The principal's row; ``quick`` stops at the first missing need of a command (for rows
    that may be dropped), else every missing need is listed."""
    cps = compiled if compiled is not None else model.compiled(p)
    row = Row(p.arn, p.label, {})
    for entry in commands:
        if quick and not all(model.mentions(cps, action) for action, _ in entry.needs):
            row.allowed[entry.command] = False
            continue
        missing = []
        for action, resource in entry.needs:
            group = trust if action.lower() == "sts:assumerole" else None
            if not model.mentions(cps, action) or not model.decide(
                    p, action, resource, resource_policy=group, compiled=cps).allowed:
                missing.append((action, resource))
                if quick:
                    break
        row.allowed[entry.command] = not missing
        if missing:
            row.missing[entry.command] = tuple(missing)
    return row


def build_matrix(model: AccessModel, choices: Choices,
                 include: Iterable[str] = ()) -> CommandMatrix:
    """Rows for the principals that can run a command with needs, and for ``include`` ARNs."""
    commands = tuple(command_map(choices))
    trust = account_trust(choices)
    forced = set(include)
    rows = []
    with_needs = [c.command for c in commands if c.needs]
    for p in model.principals():
        row = evaluate_row(model, p, commands, trust, quick=True)
        if p.arn in forced or any(row.allowed[c] for c in with_needs):
            rows.append(evaluate_row(model, p, commands, trust))
    return CommandMatrix(commands, rows)


def held_actions(model: AccessModel, p: Principal) -> frozenset[str]:
    """Every catalog action some Allow statement of ``p``'s identity policies names."""
    cps = model.compiled(p)
    found = model.memo.get(("held", id(cps)))
    if isinstance(found, frozenset):
        return found
    out: set[str] = set()
    for _, policy in p.policies:
        out |= _policy_actions(model, policy)
    result = frozenset(out)
    model.memo[("held", id(cps))] = result
    return result


def _expand(model: AccessModel, pattern: str) -> frozenset[str]:
    found = model.expanded.get(pattern.lower())
    if found is None:
        found = model.expanded[pattern.lower()] = frozenset(get_catalog().expand(pattern))
    return found


def _policy_actions(model: AccessModel, policy: Policy) -> frozenset[str]:
    key = ("policy-actions", id(policy))
    found = model.memo.get(key)
    if isinstance(found, frozenset):
        return found
    out: set[str] = set()
    for st in policy.statements:
        if st.effect.value != "Allow":
            continue
        if st.action is not None:
            for pattern in st.action:
                out |= _expand(model, pattern)
        elif st.not_action is not None:
            excluded: set[str] = set()
            for pattern in st.not_action:
                excluded |= _expand(model, pattern)
            out |= _expand(model, "*") - excluded
    result = frozenset(out)
    model.memo[key] = result
    return result
