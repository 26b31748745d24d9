"""Privilege escalation as paths through the account, each step decided by the engine.

Two kinds of step:

- *act as* (``P → Q``: P gets Q's permissions): assume role Q (P's identity policy and Q's trust
  policy, as the engine decides them together); create an access key or a console password for
  user Q; rewrite role Q's trust policy; pass role Q to a compute service that Q trusts, with
  the create (and run) actions that service needs.
- *give* (``P ⇒ X``: P can give principal X any permission): attach a managed policy
  (``AdministratorAccess``, or, where a condition on ``iam:PolicyARN`` allows only some, any
  policy of the account that gives X more) or write an inline policy to X or to one of X's
  groups; create a new default version of (or switch the default version of) a customer
  managed policy that applies to X; add X to a more privileged group; remove X's permissions
  boundary when X can do more without it. An attachment may also be of a policy Y makes for
  it: a new customer managed policy (``iam:CreatePolicy`` on an unused name of the account,
  then the attach action with ``iam:PolicyARN`` set to the new ARN), or an existing customer
  policy it may attach and rewrite (``iam:CreatePolicyVersion``). And one step that makes a new
  principal: create a role that trusts P and attach or write a policy to it.

Principal P can escalate when, following act-as steps from P, it reaches a principal that is
more privileged than P (it can do one of the probe requests below that P cannot; an
*administrator* can do them all), or when any principal on the way (P included) can give any
principal on the way (P included) any permission: P acting as Q and able to write a policy of
Q, or of one of Q's groups, gets what it writes, so P's own give steps count on every role it
can assume and every user it can get credentials for, as well as on itself. The worst path
found is reported: an administrator or any permission (critical) ends the search, a more
privileged principal or a policy short of administrator (high) is kept while the search goes
on. Every step is a request asked of the engine with the real ARNs of
the account (the policy to attach is ``AdministratorAccess`` first; ``iam:PassedToService`` and
the target's tags are set), so conditions and resource scoping count; an action that merely
appears in a policy does not.

Not followed (the export does not show what they need): code of existing Lambda functions, SSM
documents on running instances, resources outside IAM that hold credentials.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, replace

from ..policy import CompiledPolicySet
from ..policy.arn import parse_arn
from ..policy.match import matches_action
from .access import AccessModel, Principal

__all__ = ["Escalation", "EscalationFinder", "PROBES"]

ADMIN_POLICY = "arn:{partition}:iam::aws:policy/AdministratorAccess"

#: What "more privileged" is measured by: requests across services and kinds of access.
PROBES: tuple[tuple[str, str], ...] = (
    ("iam:CreateUser", "arn:{p}:iam::{a}:user/a2c-iam-audit-probe"),
    ("iam:AttachRolePolicy", "arn:{p}:iam::{a}:role/a2c-iam-audit-probe"),
    ("iam:PutUserPolicy", "arn:{p}:iam::{a}:user/a2c-iam-audit-probe"),
    ("iam:CreateAccessKey", "arn:{p}:iam::{a}:user/a2c-iam-audit-probe"),
    ("iam:PassRole", "arn:{p}:iam::{a}:role/a2c-iam-audit-probe"),
    ("iam:CreatePolicyVersion", "arn:{p}:iam::{a}:policy/a2c-iam-audit-probe"),
    ("s3:GetObject", "arn:{p}:s3:::a2c-iam-audit-probe/key"),
    ("s3:PutObject", "arn:{p}:s3:::a2c-iam-audit-probe/key"),
    ("s3:DeleteBucket", "arn:{p}:s3:::a2c-iam-audit-probe"),
    ("ec2:RunInstances", "arn:{p}:ec2:{r}:{a}:instance/*"),
    ("ec2:TerminateInstances", "arn:{p}:ec2:{r}:{a}:instance/i-0123456789abcdef0"),
    ("lambda:CreateFunction", "arn:{p}:lambda:{r}:{a}:function:a2c-iam-audit-probe"),
    ("lambda:UpdateFunctionCode", "arn:{p}:lambda:{r}:{a}:function:a2c-iam-audit-probe"),
    ("dynamodb:Scan", "arn:{p}:dynamodb:{r}:{a}:table/a2c-iam-audit-probe"),
    ("kms:Decrypt", "arn:{p}:kms:{r}:{a}:key/00000000-0000-0000-0000-000000000000"),
    ("secretsmanager:GetSecretValue", "arn:{p}:secretsmanager:{r}:{a}:secret:a2c-probe-AbCdEf"),
    ("ssm:SendCommand", "arn:{p}:ec2:{r}:{a}:instance/i-0123456789abcdef0"),
    ("ecs:RunTask", "arn:{p}:ecs:{r}:{a}:task-definition/a2c-iam-audit-probe:1"),
    ("ecr:PutImage", "arn:{p}:ecr:{r}:{a}:repository/a2c-iam-audit-probe"),
    ("cloudformation:CreateStack",
     "arn:{p}:cloudformation:{r}:{a}:stack/a2c-iam-audit-probe/00000000-0000-0000-0000-000000000000"),
    ("rds:DeleteDBInstance", "arn:{p}:rds:{r}:{a}:db:a2c-iam-audit-probe"),
    ("cloudtrail:StopLogging", "arn:{p}:cloudtrail:{r}:{a}:trail/a2c-iam-audit-probe"),
    ("organizations:LeaveOrganization", "*"),
    ("logs:DeleteLogGroup", "arn:{p}:logs:{r}:{a}:log-group:a2c-iam-audit-probe"),
    ("sqs:SendMessage", "arn:{p}:sqs:{r}:{a}:a2c-iam-audit-probe"),
)

#: Compute services a role can be passed to, and what the caller must be able to do there.
COMPUTE: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("ec2.amazonaws.com", (("ec2:RunInstances", "arn:{p}:ec2:{r}:{a}:instance/*"),)),
    ("lambda.amazonaws.com", (
        ("lambda:CreateFunction", "arn:{p}:lambda:{r}:{a}:function:a2c-iam-audit-probe"),
        ("lambda:InvokeFunction", "arn:{p}:lambda:{r}:{a}:function:a2c-iam-audit-probe"))),
    ("ecs-tasks.amazonaws.com", (
        ("ecs:RegisterTaskDefinition", "*"),
        ("ecs:RunTask", "arn:{p}:ecs:{r}:{a}:task-definition/a2c-iam-audit-probe:1"))),
    ("cloudformation.amazonaws.com", (
        ("cloudformation:CreateStack", "arn:{p}:cloudformation:{r}:{a}:stack/a2c-iam-audit-probe/"
         "00000000-0000-0000-0000-000000000000"),)),
    ("glue.amazonaws.com", (
        ("glue:CreateDevEndpoint", "arn:{p}:glue:{r}:{a}:devEndpoint/a2c-iam-audit-probe"),)),
    ("codebuild.amazonaws.com", (
        ("codebuild:CreateProject", "arn:{p}:codebuild:{r}:{a}:project/a2c-iam-audit-probe"),
        ("codebuild:StartBuild", "arn:{p}:codebuild:{r}:{a}:project/a2c-iam-audit-probe"))),
    ("sagemaker.amazonaws.com", (
        ("sagemaker:CreateNotebookInstance",
         "arn:{p}:sagemaker:{r}:{a}:notebook-instance/a2c-iam-audit-probe"),)),
)

#: Every action a give step is decided by (:meth:`EscalationFinder.gives`): a principal whose
#: policies name none of them gives no one anything. ``iam:CreatePolicy`` is not among them:
#: it only counts together with an attach action.
GIVE_ACTIONS: tuple[str, ...] = (
    "iam:AttachUserPolicy", "iam:AttachRolePolicy", "iam:AttachGroupPolicy",
    "iam:PutUserPolicy", "iam:PutRolePolicy", "iam:PutGroupPolicy",
    "iam:CreatePolicyVersion", "iam:SetDefaultPolicyVersion", "iam:AddUserToGroup",
    "iam:DeleteUserPermissionsBoundary", "iam:DeleteRolePermissionsBoundary",
)


@dataclass(frozen=True, slots=True)
class Escalation:
    principal: str
    #: The act-as chain, P first; then what the last principal does (``steps`` parallel to hops).
    chain: tuple[str, ...]
    steps: tuple[str, ...]
    #: What is reached: "administrator", "more privileged", "any permission" or "more
    #: permissions" (a policy short of administrator that it may attach).
    reaches: str
    final: str


class EscalationFinder:
    """Privilege levels and escalation paths, computed lazily and cached per principal."""

    def __init__(self, model: AccessModel, region: str = "us-east-1") -> None:
        self.model = model
        acct = model.account
        self._fmt = {"p": acct.partition, "a": acct.account_id, "r": region}
        self._probes = tuple((a, r.format(**self._fmt)) for a, r in PROBES)
        self._privilege: dict[str, frozenset[int]] = {}
        self._edges: dict[str, list[tuple[str, str]]] = {}
        self._admin_policy = ADMIN_POLICY.format(partition=acct.partition)
        self._users = {u.arn: u for u in acct.users.values()}
        self._roles = {r.arn: r for r in acct.roles.values()}
        self._attachable: dict[tuple[str, str, str], list[str]] = {}
        self._limited: set[str] = set()
        self._gifts: dict[tuple[str, str], str | None] = {}
        self._givers: dict[str, bool] = {}
        self._creates: dict[str, tuple[str, ...]] = {}
        taken = {pol.name for pol in acct.policies.values() if not pol.aws_managed}
        name, n = "a2c-iam-audit-new-policy", 1
        while name in taken:
            n += 1
            name = f"a2c-iam-audit-new-policy-{n}"
        #: The ARN of a customer managed policy the account does not have yet (path ``/``).
        self._new_policy = f"arn:{acct.partition}:iam::{acct.account_id}:policy/{name}"

    def _arn(self, template: str) -> str:
        return template.format(**self._fmt)

    def privilege(self, p: Principal) -> frozenset[int]:
        found = self._privilege.get(p.arn)
        if found is None:
            cps = self.model.compiled(p)
            found = frozenset(i for i, (action, res) in enumerate(self._probes)
                              if self.model.allows(p, action, res, compiled=cps))
            self._privilege[p.arn] = found
        return found

    def is_admin(self, p: Principal) -> bool:
        return len(self.privilege(p)) == len(self._probes)

    def _more(self, q: Principal, p: Principal) -> bool:
        return not self.privilege(q) <= self.privilege(p)

    # -- act-as edges

    def edges(self, p: Principal) -> list[tuple[str, str]]:
        """(target ARN, how) for every principal whose permissions ``p`` can get in one step."""
        found = self._edges.get(p.arn)
        if found is not None:
            return found
        m = self.model
        acct = m.account
        cps = m.compiled(p)
        out = [(arn, "sts:AssumeRole") for arn in m.assumers().get(p.arn, ())]
        creds = acct.credentials or {}
        users = self._users
        for action in ("iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"):
            for arn in m.narrow(p, action, users, cps):
                if arn == p.arn:
                    continue
                user = users[arn]
                keys = creds.get(user.name)
                if action == "iam:CreateAccessKey" and keys is not None and len(keys.keys) >= 2:
                    continue  # IAM allows two keys per user
                password = keys.password_enabled if keys is not None else None
                if (action == "iam:CreateLoginProfile" and password is True) or (
                        action == "iam:UpdateLoginProfile" and password is False):
                    continue
                if arn not in {t for t, _ in out} and m.allows(p, action, arn, compiled=cps):
                    out.append((arn, action))
        taken = {arn for arn, _ in out}
        roles = self._roles
        for arn in m.narrow(p, "iam:UpdateAssumeRolePolicy", roles, cps):
            if arn not in taken and arn != p.arn and m.allows(
                    p, "iam:UpdateAssumeRolePolicy", arn, compiled=cps):
                out.append((arn, "iam:UpdateAssumeRolePolicy + sts:AssumeRole"))
                taken.add(arn)
        services = [svc for svc, needs in COMPUTE if m.mentions(cps, "iam:PassRole") and all(
            m.allows(p, a, self._arn(r), compiled=cps) for a, r in needs)]
        if services:
            for arn in m.narrow(p, "iam:PassRole", roles, cps):
                if arn in taken or arn == p.arn:
                    continue
                for svc in services:
                    if m.trusts_service(roles[arn].name, svc) and m.allows(
                            p, "iam:PassRole", arn, {"iam:PassedToService": svc}, compiled=cps):
                        needs = dict(COMPUTE)[svc]
                        out.append((arn, "iam:PassRole to " + svc + " + "
                                    + " + ".join(a for a, _ in needs)))
                        break
        self._edges[p.arn] = out
        return out

    # -- give edges

    def can_give(self, y: Principal) -> bool:
        """Whether ``y``'s identity policies name any action a give step needs (asked once per
        principal): when not, :meth:`gives` is None for every ``x`` and need not be asked."""
        found = self._givers.get(y.arn)
        if found is None:
            cps = self.model.compiled(y)
            found = any(self.model.mentions(cps, a) for a in GIVE_ACTIONS)
            self._givers[y.arn] = found
        return found

    def gives(self, y: Principal, x: Principal) -> str | None:
        """How ``y`` can give ``x`` any permission, or None (asked once per pair)."""
        key = (y.arn, x.arn)
        if key not in self._gifts:
            self._gifts[key] = self._gives(y, x)
        return self._gifts[key]

    def _gives(self, y: Principal, x: Principal) -> str | None:
        m = self.model
        acct = m.account
        if not self.can_give(y):
            return None
        cps = m.compiled(y)
        kind = "User" if x.kind == "user" else "Role"
        if x.boundary is not None and m.allows(
                y, f"iam:Delete{kind}PermissionsBoundary", x.arn, compiled=cps):
            if self._gains(x, replace(x, boundary=None)):
                return f"iam:Delete{kind}PermissionsBoundary on {x.label}"
        if x.boundary is not None and not self._gains(
                x, replace(x, policies=(("permissions boundary", x.boundary),), boundary=None)):
            return None  # whatever is given, the boundary caps it at what x already has
        attached = self._attach(y, cps, f"iam:Attach{kind}Policy", x.arn, x)
        if attached is not None:
            return f"iam:Attach{kind}Policy {attached} on {x.label}"
        if m.allows(y, f"iam:Put{kind}Policy", x.arn, compiled=cps):
            return f"iam:Put{kind}Policy on {x.label}"
        for g in x.groups:
            group = acct.groups.get(g)
            if group is None:
                continue
            attached = self._attach(y, cps, "iam:AttachGroupPolicy", group.arn, x)
            if attached is not None:
                return f"iam:AttachGroupPolicy {attached} on group/{g} of {x.label}"
            if m.allows(y, "iam:PutGroupPolicy", group.arn, compiled=cps):
                return f"iam:PutGroupPolicy on group/{g} of {x.label}"
        for arn in x.managed:
            pol = acct.policies.get(arn)
            if pol is None or pol.aws_managed:
                continue
            if m.allows(y, "iam:CreatePolicyVersion", arn, compiled=cps):
                return f"iam:CreatePolicyVersion on {arn} (applies to {x.label})"
            if len(pol.version_ids) > 1 and m.allows(y, "iam:SetDefaultPolicyVersion", arn,
                                                     compiled=cps):
                return f"iam:SetDefaultPolicyVersion on {arn} (applies to {x.label})"
        if x.kind == "user":
            groups = {g.arn: g for g in acct.groups.values() if g.name not in x.groups}
            mine = self.privilege(x)
            for arn in m.narrow(y, "iam:AddUserToGroup", groups, cps):
                if m.allows(y, "iam:AddUserToGroup", arn, compiled=cps) and not \
                        self._group_privilege(x, groups[arn].name) <= mine:
                    return f"iam:AddUserToGroup {x.label} to more privileged group/{groups[arn].name}"
        return None

    def _attach(self, y: Principal, cps: CompiledPolicySet, action: str, target: str,
                x: Principal) -> str | None:
        """The ARN of a managed policy ``y`` may attach to ``target`` (``x`` or one of its
        groups) that gives ``x`` more: ``AdministratorAccess`` first; else, when a condition on
        ``iam:PolicyARN`` (or a Deny) rules that out, each managed policy of the account that
        ``x`` does not have yet, asked with its own ARN."""
        m = self.model
        if not m.mentions(cps, action):
            return None
        if m.allows(y, action, target, {"iam:PolicyARN": self._admin_policy}, compiled=cps):
            return self._admin_policy
        for new in self._can_create(y, cps):
            if m.allows(y, action, target, {"iam:PolicyARN": new}, compiled=cps):
                return f"{new} (created with iam:CreatePolicy)"
        key = (y.arn, action, target)
        allowed = self._attachable.get(key)
        if allowed is None:
            allowed = [arn for arn, pol in m.account.policies.items()
                       if pol.policy is not None and arn != self._admin_policy
                       and m.allows(y, action, target, {"iam:PolicyARN": arn}, compiled=cps)]
            self._attachable[key] = allowed
        for arn in allowed:
            if arn in x.managed:
                continue
            pol = m.account.policies[arn]
            assert pol.policy is not None
            if not pol.aws_managed and m.allows(y, "iam:CreatePolicyVersion", arn,
                                                compiled=cps):
                return f"{arn} (given a new default version with iam:CreatePolicyVersion)"
            given = replace(x, policies=x.policies + ((f"attached {pol.name}", pol.policy),))
            if self._gains(x, given):
                if not self._probe_all(given):
                    self._limited.add(arn)
                return arn
        return None

    def _can_create(self, y: Principal, cps: CompiledPolicySet) -> tuple[str, ...]:
        """The ARNs of new customer managed policies ``y`` may create (``iam:CreatePolicy``
        asked of the engine), asked once per principal: a name the account does not use, at
        path ``/``, and one instance of each policy ARN pattern its grants of the action name
        (``policy/team-*`` becomes ``policy/team-a2c-iam-audit-new``; a name not yet taken
        as it is), so that a grant limited to a prefix or a name is followed too."""
        found = self._creates.get(y.arn)
        if found is None:
            m = self.model
            found = ()
            if m.mentions(cps, "iam:CreatePolicy"):
                found = tuple(arn for arn in self._new_policy_arns(y)
                              if m.allows(y, "iam:CreatePolicy", arn, compiled=cps))
            self._creates[y.arn] = found
        return found

    def _new_policy_arns(self, y: Principal) -> list[str]:
        acct = self.model.account
        out = [self._new_policy]
        for _, pol in y.policies:
            for st in pol.statements:
                if st.effect.value != "Allow" or not st.resource or st.action is None or \
                        not names_action(st.action, "iam:CreatePolicy"):
                    continue
                for pattern in st.resource:
                    arn = parse_arn(pattern)
                    if arn is None or "${" in pattern or arn.service not in ("iam", "*") \
                            or not arn.resource.startswith("policy/"):
                        continue
                    if arn.account not in (acct.account_id, "*"):
                        continue
                    name = arn.resource.replace("*", "a2c-iam-audit-new").replace("?", "a")
                    new = f"arn:{acct.partition}:iam::{acct.account_id}:{name}"
                    if new not in acct.policies and new not in out:
                        out.append(new)
        return out

    def _probe_all(self, x: Principal) -> bool:
        """Whether ``x`` (a changed principal, not cached) is allowed every probe request."""
        m = self.model
        cps = m.compiled(x)
        return all(m.allows(x, a, r, compiled=cps) for a, r in self._probes)

    def reaches(self, gift: str) -> str:
        """"any permission", or "more permissions" for a gift of one policy short of
        administrator (an attachment a condition on ``iam:PolicyARN`` limits)."""
        return "more permissions" if any(f" {arn} " in gift for arn in self._limited) \
            else "any permission"

    def _gains(self, x: Principal, other: Principal) -> bool:
        """Whether ``other`` (``x`` changed) can do a probe request that ``x`` cannot."""
        m = self.model
        cps = m.compiled(other)
        mine = self.privilege(x)
        return any(m.allows(other, a, r, compiled=cps)
                   for i, (a, r) in enumerate(self._probes) if i not in mine)

    def _new_role(self, p: Principal) -> str | None:
        """Whether ``p`` can create a role that trusts it and give that role any permission
        (within one account a trust policy naming ``p`` suffices to assume the role)."""
        m = self.model
        cps = m.compiled(p)
        if not m.mentions(cps, "iam:CreateRole"):
            return None
        acct = m.account
        new = f"arn:{acct.partition}:iam::{acct.account_id}:role/a2c-iam-audit-new-role"
        if not m.allows(p, "iam:CreateRole", new, compiled=cps):
            return None
        if m.allows(p, "iam:AttachRolePolicy", new, {"iam:PolicyARN": self._admin_policy},
                    compiled=cps):
            return (f"iam:CreateRole (trusting {p.label}) + iam:AttachRolePolicy "
                    f"{self._admin_policy}, then sts:AssumeRole")
        for policy in self._can_create(p, cps):
            if m.allows(p, "iam:AttachRolePolicy", new, {"iam:PolicyARN": policy},
                        compiled=cps):
                return (f"iam:CreateRole (trusting {p.label}) + iam:CreatePolicy {policy} + "
                        "iam:AttachRolePolicy, then sts:AssumeRole")
        if m.allows(p, "iam:PutRolePolicy", new, compiled=cps):
            return f"iam:CreateRole (trusting {p.label}) + iam:PutRolePolicy, then sts:AssumeRole"
        return None

    def _group_privilege(self, x: Principal, group_name: str) -> frozenset[int]:
        m = self.model
        group = m.account.groups[group_name]
        extra = [(f"group {group_name} inline {p.name}", p.policy) for p in group.inline
                 if p.policy is not None]
        for arn in group.attached:
            pol = m.account.policies.get(arn)
            if pol is not None and pol.policy is not None:
                extra.append((f"group {group_name} {pol.name}", pol.policy))
        cps = m.compiled(x, extra)
        return frozenset(i for i, (action, res) in enumerate(self._probes)
                         if m.allows(x, action, res, compiled=cps))

    # -- search

    def find(self, p: Principal, max_nodes: int = 2000) -> Escalation | None:
        """The worst escalation found breadth-first from ``p``: the first path to an
        administrator or to any permission (shortest act-as chain first), else the first to a
        more privileged principal or to more permissions."""
        if self.is_admin(p):
            return None
        m = self.model
        best: Escalation | None = None

        def critical(found: Escalation) -> bool:
            nonlocal best
            if found.reaches in ("administrator", "any permission"):
                return True
            best = best or found
            return False

        for own in (self.gives(p, p), self._new_role(p)):
            if own is not None and critical(found := Escalation(p.arn, (p.arn,), (),
                                                                self.reaches(own), own)):
                return found
        visited: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {p.arn: ((p.arn,), ())}
        #: The principals on the way (in the order visited) that can give anything at all:
        #: only they are asked whether they give a principal found later.
        givers = [p.arn] if self.can_give(p) else []
        queue = deque([p.arn])
        while queue and len(visited) <= max_nodes:
            here = queue.popleft()
            chain, steps = visited[here]
            for target, how in self.edges(m.get(here)):
                if target in visited:
                    continue
                nchain, nsteps = chain + (target,), steps + (how,)
                visited[target] = (nchain, nsteps)
                q = m.get(target)
                if self.is_admin(q):
                    return Escalation(p.arn, nchain, nsteps, "administrator", q.label)
                if best is None and self._more(q, p):
                    best = Escalation(p.arn, nchain, nsteps, "more privileged", q.label)
                # q may give any principal on the way (itself included) ...
                if self.can_give(q):
                    givers.append(target)
                    for arn in visited:
                        gift = self.gives(q, m.get(arn))
                        if gift is not None and critical(found := Escalation(
                                p.arn, nchain, nsteps, self.reaches(gift), gift)):
                            return found
                # ... and any principal on the way (p first) may give q: p acts as q after
                for arn in givers:
                    if arn == target:
                        continue
                    gift = self.gives(m.get(arn), q)
                    if gift is not None and critical(found := Escalation(
                            p.arn, nchain, nsteps, self.reaches(gift),
                            gift if arn == p.arn else f"{m.get(arn).label}: {gift}")):
                        return found
                queue.append(target)
        return best


def names_action(patterns: Iterable[str], action: str) -> bool:
    """Whether any of an Action element's ``patterns`` matches ``action`` (IAM's wildcards)."""
    return any(matches_action(a, action) for a in patterns)
