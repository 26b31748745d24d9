"""Privilege escalation: sets of actions with which a principal can raise its own permissions.

The methods are those of Rhino Security Labs' research, "AWS IAM Privilege Escalation – Methods
and Mitigation" (Spencer Gietzen, 2018,
https://rhinosecuritylabs.com/aws/aws-privilege-escalation-methods-mitigation/; the 21 methods,
numbered there 1 to 21, in the same order below), restated here as data: each method is a list of
required permissions, each requirement met by any one of its actions. Two methods are added and
marked as ours: creating a role (whose trust policy can name the caller) and attaching or writing
a policy to it, which needs no ``sts:AssumeRole`` grant because, within one account, a role's trust
policy that names a principal suffices for that principal to assume it.

A policy is flagged when every requirement of a method is allowed by some statement: an Allow
statement matches the action (through Action, or NotAction that does not exclude it), on some
resource, and no unconditional Deny on every resource denies it. Conditions on an Allow are not
credited as mitigations (which condition mitigates which method is the reviewer's call), except
that the methods that act on *another* user (new access key, new or updated console password)
are not flagged when the statement only names the caller's own user (``${aws:username}``) — the
self-service grant the IAM User Guide recommends.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from .lint_checks import granting_path
from .model import Effect

if TYPE_CHECKING:
    from .lint import PolicyContext, Sink, StatementContext

__all__ = ["METHODS", "Method", "check_escalation"]


@dataclass(frozen=True, slots=True)
class Method:
    """One escalation method: ``requires`` lists alternatives for each permission needed."""

    name: str
    requires: tuple[tuple[str, ...], ...]
    how: str
    #: Acts on another user, so a grant limited to ``${aws:username}`` does not enable it.
    other_users: bool = False
    source: str = "Rhino Security Labs 2018"


#: The method table (restated from the research cited in the module docstring).
METHODS: Final[tuple[Method, ...]] = (
    Method("CreatePolicyVersion", (("iam:CreatePolicyVersion",),),
       "write a new default version of a managed policy attached to the principal"),
    Method("SetDefaultPolicyVersion", (("iam:SetDefaultPolicyVersion",),),
       "make an older, broader version of an attached managed policy the default"),
    Method("PassRole+RunInstances", (("iam:PassRole",), ("ec2:RunInstances",)),
       "start an EC2 instance with a more privileged role and use its credentials"),
    Method("CreateAccessKey", (("iam:CreateAccessKey",),),
       "create an access key for another, more privileged user", other_users=True),
    Method("CreateLoginProfile", (("iam:CreateLoginProfile",),),
       "set a console password for another user that has none", other_users=True),
    Method("UpdateLoginProfile", (("iam:UpdateLoginProfile",),),
       "change another user's console password", other_users=True),
    Method("AttachUserPolicy", (("iam:AttachUserPolicy",),),
       "attach a managed policy such as AdministratorAccess to a user, itself included"),
    Method("AttachGroupPolicy", (("iam:AttachGroupPolicy",),),
       "attach a managed policy such as AdministratorAccess to a group it belongs to"),
    Method("AttachRolePolicy+AssumeRole", (("iam:AttachRolePolicy",), ("sts:AssumeRole",)),
       "attach AdministratorAccess to a role it can assume"),
    Method("PutUserPolicy", (("iam:PutUserPolicy",),),
       "write an inline policy that allows everything into a user, itself included"),
    Method("PutGroupPolicy", (("iam:PutGroupPolicy",),),
       "write an inline policy that allows everything into a group it belongs to"),
    Method("PutRolePolicy+AssumeRole", (("iam:PutRolePolicy",), ("sts:AssumeRole",)),
       "write an inline policy that allows everything into a role it can assume"),
    Method("AddUserToGroup", (("iam:AddUserToGroup",),),
       "add itself to a more privileged group"),
    Method("UpdateAssumeRolePolicy+AssumeRole", (("iam:UpdateAssumeRolePolicy",), ("sts:AssumeRole",)),
       "rewrite a privileged role's trust policy to trust itself, then assume the role"),
    Method("PassRole+Lambda+InvokeFunction",
       (("iam:PassRole",), ("lambda:CreateFunction",), ("lambda:InvokeFunction",)),
       "create a Lambda function with a more privileged role and invoke it"),
    Method("PassRole+Lambda+EventSourceMapping",
       (("iam:PassRole",), ("lambda:CreateFunction",), ("lambda:CreateEventSourceMapping",)),
       "create a Lambda function with a more privileged role, triggered by an event source"),
    Method("UpdateFunctionCode", (("lambda:UpdateFunctionCode",),),
       "replace the code of a Lambda function that runs with a more privileged role"),
    Method("PassRole+GlueDevEndpoint", (("iam:PassRole",), ("glue:CreateDevEndpoint",)),
       "create a Glue development endpoint with a more privileged role and log in to it"),
    Method("UpdateDevEndpoint", (("glue:UpdateDevEndpoint",),),
       "add its SSH key to a Glue development endpoint that has a more privileged role"),
    Method("PassRole+CloudFormation", (("iam:PassRole",), ("cloudformation:CreateStack",)),
       "create a CloudFormation stack that runs with a more privileged role"),
    Method("PassRole+DataPipeline",
       (("iam:PassRole",), ("datapipeline:CreatePipeline",), ("datapipeline:PutPipelineDefinition",)),
       "create a Data Pipeline that runs commands with a more privileged role"),
    Method("CreateRole+AttachRolePolicy", (("iam:CreateRole",), ("iam:AttachRolePolicy",)),
       "create a role that trusts itself, attach AdministratorAccess and assume it",
       source="a2c-iam"),
    Method("CreateRole+PutRolePolicy", (("iam:CreateRole",), ("iam:PutRolePolicy",)),
       "create a role that trusts itself, write an allow-everything policy into it and assume it",
       source="a2c-iam"),
)

_FULL: Final = frozenset({"*", "*:*"})
_SELF: Final = "${aws:username}"


class _Grants:
    """Which statement of a policy grants an action, asked once per action."""

    def __init__(self, ctx: PolicyContext) -> None:
        self._allows = [sc for sc in ctx.statements if sc.stmt.effect is Effect.ALLOW]
        self._denies = [
            sc for sc in ctx.statements
            if sc.stmt.effect is Effect.DENY and not sc.stmt.conditions
            and sc.stmt.resource is not None and "*" in sc.stmt.resource
        ]
        self._cache: dict[tuple[str, bool], tuple[tuple[StatementContext, str], ...]] = {}

    def _denied(self, action: str) -> bool:
        """Whether an unconditional Deny on every resource denies ``action``."""
        for sc in self._denies:
            index = sc.first_match(action)
            if sc.stmt.action is not None and (sc.full_action or index is not None):
                return True
            if sc.stmt.not_action is not None and not sc.full_action and index is None:
                return True
        return False

    def grants(self, action: str, other_users: bool) -> tuple[tuple[StatementContext, str], ...]:
        """Every Allow statement (with its element) that grants ``action``, in policy order;
        none when an unconditional Deny on every resource denies it."""
        key = (action, other_users)
        found = self._cache.get(key)
        if found is None:
            found = () if self._denied(action) else tuple(self._find(action, other_users))
            self._cache[key] = found
        return found

    def _find(self, action: str, other_users: bool) -> Iterator[tuple[StatementContext, str]]:
        for sc in self._allows:
            path = granting_path(sc, action)
            if path is None:
                continue
            resources = sc.stmt.resource
            if other_users and resources and all(_SELF in r for r in resources):
                continue
            yield sc, path


def _administrator(ctx: PolicyContext) -> bool:
    """Whether some unconditional statement allows every action on every resource (nothing left
    to escalate to; ``ACTION_WILDCARD_ALL`` says so)."""
    return any(
        sc.stmt.effect is Effect.ALLOW and not sc.stmt.conditions
        and sc.stmt.action is not None and any(a in _FULL for a in sc.stmt.action)
        and sc.stmt.resource is not None and "*" in sc.stmt.resource
        for sc in ctx.statements
    )


def check_escalation(ctx: PolicyContext, sink: Sink) -> None:
    """PRIVILEGE_ESCALATION findings, one per element that completes a method: ``iam:*`` on
    ``*`` enables a dozen methods and is one mistake, so its finding names them all.

    Every statement that allows a whole method by itself is reported (two statements that each
    let the holder create a role and attach a policy to it are two findings: fixing one leaves
    the other). A method that only several statements together allow is reported once, at the
    element that completes it.
    """
    if ctx.policy.statements and _administrator(ctx):
        return
    index = _Grants(ctx)
    by_path: dict[str, list[tuple[Method, list[_Grant]]]] = {}
    for method in METHODS:
        for grants in _completions(method, index):
            by_path.setdefault(grants[-1][1], []).append((method, grants))
    for path, methods in by_path.items():
        if len(methods) == 1:
            method, grants = methods[0]
            sink("PRIVILEGE_ESCALATION", f"{_describe(method, grants)}.", path)
            continue
        listed = ", ".join(method.name for method, _ in methods)
        where = _statements(grant for _, grants in methods for grant in grants)
        sink("PRIVILEGE_ESCALATION", f"Statement {where} allows {len(methods)} ways for the "
             f"principal to give itself more permissions: {listed} (Rhino Security Labs, 2018; "
             "CreateRole+…: a role's trust policy suffices within its account).", path)


#: ``(statement, element path, action)``: where one requirement of a method is allowed.
_Grant = tuple["StatementContext", str, str]


def _completions(method: Method, index: _Grants) -> list[list[_Grant]]:
    """The ways the policy allows ``method``: one per statement that allows all of it alone,
    else (when only statements together allow it) the first grant of each requirement."""
    options: list[list[_Grant]] = []
    for alternatives in method.requires:
        found = [
            (sc, path, action)
            for action in alternatives
            for sc, path in index.grants(action, method.other_users)
        ]
        if not found:
            return []
        options.append(found)
    alone: list[list[_Grant]] = []
    for sc, _, _ in options[0]:
        own = [next((g for g in found if g[0] is sc), None) for found in options]
        if all(g is not None for g in own) and not any(a[0][0] is sc for a in alone):
            alone.append([g for g in own if g is not None])
    if alone:
        return alone
    return [[found[0] for found in options]]


def _statements(grants: Iterable[_Grant]) -> str:
    return ", ".join(sorted({f'"{sc.stmt.sid}"' if sc.stmt.sid else f"number {sc.stmt.index}"
                             for sc, _, _ in grants}))


def _describe(method: Method, grants: list[_Grant]) -> str:
    actions = " + ".join(action for _, _, action in grants)
    where = _statements(grants)
    source = (
        "Rhino Security Labs, 2018" if method.source == "Rhino Security Labs 2018"
        else "a role's trust policy suffices within its account"
    )
    return (f"{actions} (statement {where}) lets the principal {method.how} "
            f"({method.name}; {source})")
