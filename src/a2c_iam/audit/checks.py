"""The audit: every check over one account model, into one report.

Checks that look at documents (wildcard resources, ``iam:PassRole`` on every role) read the
statements of customer managed and inline policies; checks about who can do what (trust
policies, escalation, the App2Container matrix, the general-purpose group) ask the engine.
AWS managed policies are AWS's to write: they are evaluated wherever attached but not reported
statement by statement.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..a2c.choices import Choices
from ..policy import Policy, PolicySet, Request, compile_policy_set, parse_policy
from ..policy.arn import parse_arn
from ..policy.catalog import get_catalog
from ..policy.match import resource_regex
from .access import AccessModel, Principal
from .credentials import ROOT_ROW
from .errors import AuditInputError
from .escalation import EscalationFinder, names_action
from .findings import Finding, Severity, finding
from .model import Account

__all__ = ["AuditOptions", "AuditReport", "run_audit"]

_GENERAL = re.compile(r"(a2c|app2container)", re.IGNORECASE)
_ACCOUNT_ID = re.compile(r"\d{12}")
_DEPLOY = re.compile(r"deploy", re.IGNORECASE)


@dataclass(slots=True)
class AuditOptions:
    choices: Choices | None = None
    general_group: str | None = None
    deploy_identities: tuple[str, ...] = ()
    unused_days: int = 90
    now: datetime | None = None
    region: str = "us-east-1"
    #: Whether to build the App2Container matrix and least-privilege gap (needs ``choices``).
    matrix: bool = True


@dataclass(slots=True)
class AuditReport:
    account: Account
    findings: list[Finding]
    matrix: Any = None  # CommandMatrix | None
    general_group: str | None = None
    deploy_identities: tuple[str, ...] = ()
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = {s.value: 0 for s in Severity}
        for f in self.findings:
            out[f.severity.value] += 1
        return out


def run_audit(account: Account, options: AuditOptions | None = None,
              model: AccessModel | None = None) -> AuditReport:
    opts = options or AuditOptions()
    now = opts.now or datetime.now(UTC)
    model = model or AccessModel(account)
    esc = EscalationFinder(model, opts.region)
    report = AuditReport(account, [])
    timings = report.timings

    def timed(name: str, results: Iterable[Finding]) -> None:
        start = time.perf_counter()
        report.findings.extend(results)
        timings[name] = time.perf_counter() - start

    timed("input", (finding("INPUT_PROBLEM", p) for p in account.problems))
    timed("credentials", _credential_checks(account, now, opts.unused_days))
    unknown = [c.user for c in (account.credentials or {}).values()
               if c.user != ROOT_ROW and c.password_enabled is None]
    if unknown:
        report.notes.append(f"console passwords are unknown for {len(unknown)} user(s): the "
                            "source has no login-profile data (DEPLOY_IDENTITY_CONSOLE not run "
                            "for them)")
    timed("direct policies", _direct_policies(account))
    timed("documents", _document_checks(account))
    timed("trust", _trust_checks(model))
    timed("escalation", _escalation(model, esc))
    general, deploy = _personas(account, opts)
    report.general_group, report.deploy_identities = general, deploy
    timed("personas", _persona_checks(model, esc, general, deploy, opts))
    if opts.matrix and opts.choices is not None:
        start = time.perf_counter()
        report.findings.extend(_a2c_checks(model, report, opts.choices, general, deploy))
        timings["a2c matrix"] = time.perf_counter() - start
    report.findings.sort(key=lambda f: (f.severity.rank, f.code, f.principals, f.policies))
    return report


# -- credentials ------------------------------------------------------------------------------


def _credential_checks(account: Account, now: datetime, days: int) -> Iterator[Finding]:
    creds = account.credentials
    if creds is None:
        if account.root_keys_present:
            yield finding("ROOT_ACCESS_KEY", "The account summary says the root user has an "
                          "access key (AccountAccessKeysPresent = 1).",
                          (f"arn:{account.partition}:iam::{account.account_id}:root",))
        yield finding("CREDENTIAL_DATA_MISSING", "The input has no credential data, so root "
                      "keys, key age and use, shared users and console passwords were not "
                      "checked.")
        return
    window = now - timedelta(days=days)
    root = creds.get(ROOT_ROW)
    root_arn = f"arn:{account.partition}:iam::{account.account_id}:root"
    if root is not None:
        active = root.active_keys
        if active or account.root_keys_present:
            yield finding("ROOT_ACCESS_KEY", f"The root user has {len(active) or 'an'} active "
                          "access key(s).", (root_arn,),
                          details=tuple(_key_text(k) for k in active))
        used = [k for k in root.keys if k.last_used is not None]
        if used:
            yield finding("ROOT_ACCESS_KEY_USED", "The root user's access key was last used "
                          f"{max(k.last_used for k in used if k.last_used):%Y-%m-%d}.",
                          (root_arn,), details=tuple(_key_text(k) for k in used))
        if root.mfa_active is False:
            yield finding("ROOT_MFA_DISABLED", "The root user has no MFA device (credential "
                          "report: mfa_active false).", (root_arn,))
    elif account.root_keys_present:
        yield finding("ROOT_ACCESS_KEY", "The root user has an access key.", (root_arn,))
    for name, c in sorted(creds.items()):
        user = account.users.get(name)
        if name == ROOT_ROW or user is None:
            continue
        if c.password_enabled and c.mfa_active is False:
            yield finding("CONSOLE_USER_WITHOUT_MFA", f"User {name} has a console password and "
                          "no MFA device.", (user.arn,))
        active = c.active_keys
        if len(active) == 2:
            yield finding("USER_TWO_ACTIVE_KEYS", f"User {name} has two active access keys.",
                          (user.arn,), details=tuple(_key_text(k) for k in active))
            recent = [k for k in active if k.last_used is not None and k.last_used >= window]
            if len(recent) == 2:
                where = {(k.last_region, k.last_service) for k in recent}
                yield finding(
                    "SHARED_USER", f"Both access keys of user {name} are in use (last used "
                    + " and ".join(f"{k.last_used:%Y-%m-%d}" for k in recent if k.last_used)
                    + "): two clients, people or programs, hold this one identity"
                    + (" from different regions or services." if len(where) > 1 else "."),
                    (user.arn,), details=tuple(_key_text(k) for k in recent))
        for k in active:
            if k.last_used is None:
                yield finding("ACCESS_KEY_NEVER_USED", f"Access key {k.number} of user {name} "
                              "is active and has never been used.", (user.arn,),
                              details=(_key_text(k),))
            elif k.last_used < window:
                yield finding("ACCESS_KEY_UNUSED", f"Access key {k.number} of user {name} was "
                              f"last used {k.last_used:%Y-%m-%d}, more than {days} days ago.",
                              (user.arn,), details=(_key_text(k),))


def _key_text(k: Any) -> str:
    parts = [f"key {k.number}" + (f" {k.key_id[:4]}…{k.key_id[-4:]}" if k.key_id else "")]
    parts.append("active" if k.active else "inactive")
    if k.created:
        parts.append(f"created {k.created:%Y-%m-%d}")
    parts.append(f"last used {k.last_used:%Y-%m-%d}" if k.last_used else "never used")
    if k.last_service:
        parts.append(f"service {k.last_service}")
    if k.last_region:
        parts.append(f"region {k.last_region}")
    return ", ".join(parts)


# -- documents --------------------------------------------------------------------------------


def _direct_policies(account: Account) -> Iterator[Finding]:
    for user in sorted(account.users.values(), key=lambda u: u.name):
        names = [f"inline {p.name}" for p in user.inline]
        names += [account.policy_label(a) for a in user.attached]
        if names:
            yield finding("USER_DIRECT_POLICY", f"User {user.name} has {len(names)} policy(ies) "
                          "of its own: " + ", ".join(names) + ".", (user.arn,),
                          tuple([*user.attached, *(f"{user.arn} inline {p.name}"
                                                   for p in user.inline)]))


def _documents(account: Account) -> Iterator[tuple[str, Policy, tuple[str, ...]]]:
    """(policy label, policy, ARNs of the principals it applies to) for customer and inline."""
    users_of: dict[str, list[str]] = {}
    for u in account.users.values():
        for arn in u.attached:
            users_of.setdefault(arn, []).append(u.arn)
        for g in u.groups:
            group = account.groups.get(g)
            for arn in group.attached if group else ():
                users_of.setdefault(arn, []).append(u.arn)
    for r in account.roles.values():
        for arn in r.attached:
            users_of.setdefault(arn, []).append(r.arn)
    for pol in account.policies.values():
        if not pol.aws_managed and pol.policy is not None:
            yield pol.arn, pol.policy, tuple(dict.fromkeys(users_of.get(pol.arn, ())))
    for u in account.users.values():
        for ip in u.inline:
            if ip.policy is not None:
                yield f"{u.arn} inline {ip.name}", ip.policy, (u.arn,)
    for grp in account.groups.values():
        for ip in grp.inline:
            if ip.policy is not None:
                members = tuple(account.users[m].arn for m in grp.members if m in account.users)
                yield f"{grp.arn} inline {ip.name}", ip.policy, members
    for r in account.roles.values():
        for ip in r.inline:
            if ip.policy is not None:
                yield f"{r.arn} inline {ip.name}", ip.policy, (r.arn,)


def _document_checks(account: Account) -> Iterator[Finding]:
    catalog = get_catalog()
    any_role = (f"arn:{account.partition}:iam::{account.account_id}:role/a2c-iam-audit-any",
                f"arn:{account.partition}:iam::{account.account_id}:role/a/b/a2c-iam-audit-any")
    expanded: dict[str, frozenset[str]] = {}

    def expand(patterns: tuple[str, ...]) -> frozenset[str]:
        out: set[str] = set()
        for pattern in patterns:
            if pattern not in expanded:
                expanded[pattern] = frozenset(catalog.expand(pattern))
            out |= expanded[pattern]
        return frozenset(out)

    for label, policy, principals in _documents(account):
        for st in policy.statements:
            if st.effect.value != "Allow" or (st.action is None and st.not_action is None):
                continue
            where = f"statement {st.sid or st.index}"
            # NotAction grants every action but those it names; NotResource every resource but
            # those it names: both as broad as "*" for these checks
            granted = expand(st.action) if st.action is not None else (
                expand(("*",)) - expand(st.not_action or ()))
            every = st.not_resource is not None or (st.resource is not None and "*" in st.resource)
            scope = ("every resource" if st.resource is not None else
                     "every resource but " + ", ".join(st.not_resource or ()))
            if every and not st.conditions:
                perms: list[str] = []
                writes: list[str] = []
                for action in granted:
                    info = catalog.action(action)
                    if info is None or not info.resource_types:
                        continue  # only "*" can grant it
                    if info.access_level == "Permissions management":
                        perms.append(action)
                    elif info.access_level in ("Write", "Tagging"):
                        writes.append(action)
                if perms:
                    yield finding("WILDCARD_RESOURCE_PERMISSIONS", f"{label} {where} allows "
                                  f"{len(perms)} permissions-management action(s) on {scope}: "
                                  + _sample(perms) + ".", principals, (label,))
                if writes:
                    yield finding("WILDCARD_RESOURCE_WRITE", f"{label} {where} allows "
                                  f"{len(writes)} write action(s) on {scope}: "
                                  + _sample(writes) + ".", principals, (label,))
            passes = "iam:PassRole" in granted if st.action is None else names_action(
                st.action, "iam:PassRole")
            if passes and (st.not_resource is not None and not any(
                    resource_regex(r).fullmatch(arn) for r in st.not_resource for arn in any_role)
                    or st.resource is not None and all(
                        any(resource_regex(r).fullmatch(arn) for r in st.resource)
                        for arn in any_role)):
                cond = " (only " + ", ".join(c.key for c in st.conditions) + " conditions limit " \
                    "it)" if st.conditions else ""
                roles = "every role" if st.resource is not None else (
                    "every role but " + ", ".join(st.not_resource or ()))
                yield finding("PASSROLE_ANY_ROLE", f"{label} {where} allows iam:PassRole on "
                              f"{roles}{cond}.", principals, (label,))


def _sample(actions: list[str], n: int = 6, presorted: bool = False) -> str:
    shown = ", ".join((actions if presorted else sorted(actions))[:n])
    return shown + (f" and {len(actions) - n} more" if len(actions) > n else "")


# -- trust --------------------------------------------------------------------------------------


_ALLOW_ALL = parse_policy({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "*", "Resource": "*"}]})


def _outsider(account: Account, foreign: str) -> str:
    return f"arn:{account.partition}:iam::{foreign}:user/a2c-iam-audit-outsider"


def _trust_checks(model: AccessModel) -> Iterator[Finding]:
    account = model.account
    stranger = "999999999999" if account.account_id != "999999999999" else "888888888888"
    for role in sorted(account.roles.values(), key=lambda r: r.name):
        if role.trust is None:
            continue
        cps = compile_policy_set(PolicySet(identity_policies=(_ALLOW_ALL,),
                                           resource_policy=role.trust))
        outsider = _outsider(account, stranger)
        ctx = {"aws:SecureTransport": "true"}
        if cps.authorize(Request(outsider, "sts:AssumeRole", role.arn, {
                **ctx, "aws:PrincipalAccount": stranger, "aws:PrincipalArn": outsider})).allowed:
            yield finding("ROLE_TRUSTS_ANYONE", f"Role {role.name} can be assumed by a principal "
                          f"of any account (tried {stranger}) with no further condition.",
                          (role.arn,), (f"{role.arn} trust policy",))
            continue
        for provider, action in _federated(role.trust):
            if cps.authorize(Request(provider, action, role.arn, ctx)).allowed:
                yield finding("ROLE_TRUSTS_ANYONE", f"Role {role.name} can be assumed with "
                              f"{action} by any identity of {provider}: no condition on the "
                              "token's audience or subject.", (role.arn,),
                              (f"{role.arn} trust policy",))
        yield from _cross_account(account, role.name, role.arn, role.trust, stranger)


#: Condition keys that say *which* principal may ask (its account, ARN, organisation, or a
#: service acting for one), and the external ID itself: the only keys the cross-account check
#: keeps. Every other key (MFA, source IP, time, tags, principal type…) narrows how or when a
#: principal of the trusted account may ask, not which account it is in.
_WHO_KEYS = frozenset({
    "sts:externalid", "aws:principalaccount", "aws:principalarn", "aws:principalorgid",
    "aws:principalorgpaths", "aws:principalisawsservice", "aws:principalservicename",
    "aws:principalservicenameslist", "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid",
    "aws:sourceorgpaths", "aws:sourceowner"})

def _cross_account(account: Account, name: str, arn: str, trust: Policy,
                   stranger: str) -> Iterator[Finding]:
    """``ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID``: some principal of another account may assume the
    role without sending an ``sts:ExternalId``.

    AWS's confused-deputy guidance asks for an external ID on every role a third party assumes,
    and conditions that narrow *who* of that account may (MFA, source IP, the caller's ARN or
    tags) do not stand in for it: so the engine is asked with a reduced copy of the trust
    policy, by each caller of another account it could let in (:func:`_foreign`). What is kept,
    who is asked and what is not reported: docs/audit.md, "Cross-account trust".
    """
    callers = _foreign(trust, account, stranger)
    if not callers:
        return
    statements = []
    narrowing: list[str] = []
    for st in trust.statements:
        kept = tuple(c for c in st.conditions if c.key.lower() in _WHO_KEYS)
        if st.effect.value == "Deny" and len(kept) != len(st.conditions):
            continue
        if st.effect.value == "Allow":
            narrowing += [c.key for c in st.conditions if c.key.lower() != "sts:externalid"]
        statements.append(replace(st, conditions=kept))
    cps = compile_policy_set(PolicySet(identity_policies=(_ALLOW_ALL,),
                                       resource_policy=replace(trust, statements=tuple(
                                           statements))))
    others = ""
    if narrowing:
        others = (" (its " + ", ".join(sorted(set(narrowing), key=str.lower)) + " conditions "
                  "narrow who may, but do not replace an external ID)")
    reported: set[str] = set()
    for foreign, who, principal_arn in callers:
        if foreign in reported:
            continue
        ctx = {"aws:SecureTransport": "true", "aws:PrincipalAccount": foreign,
               "aws:PrincipalArn": principal_arn}
        if cps.authorize(Request(who, "sts:AssumeRole", arn, ctx)).allowed:
            reported.add(foreign)
            whom = (f"a principal of any other account (tried {foreign}, as {principal_arn})"
                    if foreign == stranger else f"account {foreign} ({principal_arn})")
            yield finding("ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID", f"Role {name} trusts {whom} "
                          f"with no sts:ExternalId condition{others}.", (arn,),
                          (f"{arn} trust policy",))


def _foreign(trust: Policy, account: Account,
             stranger: str) -> list[tuple[str, str, str]]:
    """(account, request principal, its ``aws:PrincipalArn``) for each caller of another
    account that an Allow statement for ``sts:AssumeRole`` may name (docs/audit.md,
    "Cross-account trust")."""
    own, part = account.account_id, account.partition
    out: dict[tuple[str, str], str] = {}

    def add(value: str, wild_account: str | None = None) -> None:
        if _ACCOUNT_ID.fullmatch(value):
            value = f"arn:{part}:iam::{value}:root"
        arn = parse_arn(value)
        if arn is None or arn.service not in ("iam", "sts", "*"):
            return
        acct = arn.account
        if acct in ("*", "?" * 12) and wild_account is not None:
            acct = wild_account
        if not _ACCOUNT_ID.fullmatch(acct) or acct == own:
            return
        rest = arn.resource.replace("*", "a2c-iam-audit-outsider").replace("?", "a")
        service = "sts" if rest.startswith(("assumed-role/", "federated-user/")) else "iam"
        principal_arn = f"arn:{part}:{service}::{acct}:{rest}"
        who = principal_arn
        if rest == "root":
            who = principal_arn = _outsider(account, acct)
        elif rest.startswith("role/"):
            who = (f"arn:{part}:sts::{acct}:assumed-role/{rest.rsplit('/', 1)[-1]}/"
                   "a2c-iam-audit")
        elif service == "sts" and rest.startswith("assumed-role/"):
            principal_arn = f"arn:{part}:iam::{acct}:role/{rest.split('/')[1]}"
        out.setdefault((acct, who), principal_arn)

    for st in trust.statements:
        if st.effect.value != "Allow" or not _names_assume_role(st.action, st.not_action):
            continue
        anyone = st.not_principal is not None or st.principal is not None and (
            st.principal.wildcard or ("AWS", "*") in st.principal.entries)
        if anyone:
            add(stranger)
        if st.principal is not None:
            for kind, value in st.principal.entries:
                if kind == "AWS" and value != "*":
                    add(value)
        for c in st.conditions:
            key = c.key.lower()
            for v in c.values:
                if not isinstance(v, str):
                    continue
                if key == "aws:principalaccount" and _ACCOUNT_ID.fullmatch(v):
                    add(v)
                elif key == "aws:principalarn":
                    add(v, stranger)
    return [(acct, who, principal_arn) for (acct, who), principal_arn in out.items()]


def _names_assume_role(action: tuple[str, ...] | None, not_action: tuple[str, ...] | None) -> bool:
    if action is not None:
        return names_action(action, "sts:AssumeRole")
    return not_action is not None and not names_action(not_action, "sts:AssumeRole")


_FEDERATED_ACTIONS = {"sts:assumerolewithwebidentity": "sts:AssumeRoleWithWebIdentity",
                      "sts:assumerolewithsaml": "sts:AssumeRoleWithSAML"}


def _federated(trust: Policy) -> list[tuple[str, str]]:
    """(identity provider, action) pairs a trust policy's Allow statements name."""
    out: dict[str, str] = {}
    for st in trust.statements:
        if st.effect.value != "Allow" or st.principal is None or st.action is None:
            continue
        actions = [_FEDERATED_ACTIONS[a.lower()] for a in st.action
                   if a.lower() in _FEDERATED_ACTIONS]
        for kind, value in st.principal.entries:
            if kind == "Federated" and actions:
                out.setdefault(value, actions[0])
    return sorted(out.items())


# -- escalation ---------------------------------------------------------------------------------


def _escalation(model: AccessModel, esc: EscalationFinder) -> Iterator[Finding]:
    for p in sorted(model.principals(), key=lambda p: (p.kind, p.name)):
        found = esc.find(p)
        if found is None:
            continue
        hops = [model.get(a).label for a in found.chain]
        path = " → ".join(
            [hops[0]] + [f"[{how}] {hop}" for how, hop in zip(found.steps, hops[1:], strict=True)])
        if found.reaches == "any permission":
            text = f"{p.label} can give itself any permission: {path}, then {found.final}."
            sev = Severity.CRITICAL
        elif found.reaches == "more permissions":
            text = f"{p.label} can give itself more permissions: {path}, then {found.final}."
            sev = Severity.HIGH
        elif found.reaches == "administrator":
            text = f"{p.label} can act as administrator {found.final}: {path}."
            sev = Severity.CRITICAL
        else:
            text = f"{p.label} can act as the more privileged {found.final}: {path}."
            sev = Severity.HIGH
        yield finding("PRIVILEGE_ESCALATION", text, found.chain, details=found.steps,
                      severity=sev)


# -- personas -----------------------------------------------------------------------------------


def _personas(account: Account, opts: AuditOptions) -> tuple[str | None, tuple[str, ...]]:
    general = opts.general_group
    if general is None:
        named = sorted(g for g in account.groups if _GENERAL.search(g) and not _DEPLOY.search(g))
        general = named[0] if len(named) == 1 else None
    deploy = opts.deploy_identities
    if not deploy:
        deploy = tuple(sorted(
            [u.arn for u in account.users.values() if _GENERAL.search(u.name)
             and _DEPLOY.search(u.name)]
            + [r.arn for r in account.roles.values() if _GENERAL.search(r.name)
               and _DEPLOY.search(r.name)]))
    return general, deploy


def _group_member(model: AccessModel, group: str) -> Principal:
    """A hypothetical member of ``group`` with only the group's policies."""
    account = model.account
    g = account.groups[group]
    policies = [(f"group {group} inline {p.name}", p.policy) for p in g.inline
                if p.policy is not None]
    for arn in g.attached:
        pol = account.policies.get(arn)
        if pol is not None and pol.policy is not None:
            policies.append((f"group {group} {pol.name}", pol.policy))
    arn = f"arn:{account.partition}:iam::{account.account_id}:user/a2c-iam-audit-member-of-{group}"
    ctx = {"aws:username": f"a2c-iam-audit-member-of-{group}", "aws:PrincipalArn": arn,
           "aws:PrincipalType": "User", "aws:SecureTransport": "true",
           "aws:MultiFactorAuthPresent": "true"}
    return Principal("user", f"(member of {group})", arn, arn, tuple(policies), None, ctx,
                     (group,), tuple(g.attached))


def _persona_checks(model: AccessModel, esc: EscalationFinder, general: str | None,
                    deploy: tuple[str, ...], opts: AuditOptions) -> Iterator[Finding]:
    account = model.account
    if general is not None and general not in account.groups:
        yield finding("A2C_PERSONA_NOT_FOUND", f"There is no group {general} in the account.")
        general = None
    missing = []
    if general is None:
        missing.append("general-purpose group")
    if not deploy:
        missing.append("deployment identity")
    if missing:
        yield finding("A2C_PERSONA_NOT_FOUND", "No " + " and no ".join(missing) + " was found "
                      "(looked for names containing a2c or app2container; deployment ones also "
                      "contain deploy).")
    deploy_users = []
    for text in deploy:
        try:
            deploy_users.append(model.find(text))
        except AuditInputError:  # an unknown name is reported, not fatal
            yield finding("A2C_PERSONA_NOT_FOUND", f"The deployment identity {text} is not in "
                          "the account.")
    if general is not None:
        group = account.groups[general]
        member = _group_member(model, general)
        if esc.is_admin(member):
            yield finding("GENERAL_GROUP_ADMIN", f"The general-purpose group {general} itself "
                          "grants administrator access.", (group.arn,), group.attached)
        for name in sorted(group.members):
            p = model.get(account.users[name].arn)
            if esc.is_admin(p):
                yield finding("GENERAL_GROUP_ADMIN", f"Administrator {p.label} is a member of "
                              f"the general-purpose group {general}.", (p.arn, group.arn))
    creds = account.credentials or {}
    for p in deploy_users:
        if p.kind == "user":
            c = creds.get(p.name)
            if c is not None and c.password_enabled:
                yield finding("DEPLOY_IDENTITY_CONSOLE", f"Deployment user {p.name} has a "
                              "console password" + (
                                  f" (last used {c.password_last_used:%Y-%m-%d})"
                                  if c.password_last_used else "") + ".", (p.arn,))
            if general is not None and general in p.groups:
                yield finding("DEPLOY_IDENTITY_GENERAL_USE", f"Deployment user {p.name} is a "
                              f"member of the general-purpose group {general}.", (p.arn,))
            for k in c.keys if c is not None else ():
                if k.last_service and k.last_service not in _DEPLOY_SERVICES:
                    yield finding("DEPLOY_IDENTITY_GENERAL_USE", f"Deployment user {p.name}'s "
                                  f"key {k.number} was last used with {k.last_service}, which "
                                  "deployment does not use.", (p.arn,), details=(_key_text(k),))


#: Services App2Container's deployment touches (its --deploy stacks and pipelines).
_DEPLOY_SERVICES = frozenset({
    "cloudformation", "ecr", "ecs", "eks", "apprunner", "iam", "sts", "ec2", "s3", "codecommit",
    "codebuild", "codepipeline", "codestar", "logs", "elasticloadbalancing", "secretsmanager",
    "firehose", "kinesis", "ssm", "application-autoscaling", "autoscaling", "cloudwatch", "kms",
})


# -- App2Container ------------------------------------------------------------------------------


def _a2c_checks(model: AccessModel, report: AuditReport, choices: Choices,
                general: str | None, deploy: tuple[str, ...]) -> Iterator[Finding]:
    from .a2c_matrix import account_trust, build_matrix, evaluate_row, held_actions

    include = []
    for text in deploy:
        try:
            include.append(model.find(text).arn)
        except AuditInputError:  # reported by the persona checks
            continue
    matrix = build_matrix(model, choices, include)
    report.matrix = matrix
    if general is not None:
        member = _group_member(model, general)
        row = evaluate_row(model, member, matrix.commands, account_trust(choices))
        row.label = f"group/{general}"
        row.principal = model.account.groups[general].arn
        matrix.rows.insert(0, row)
        can = [c.command for c in matrix.commands if c.deploy and row.allowed.get(c.command)]
        if can:
            yield finding("GENERAL_GROUP_CAN_DEPLOY", f"Members of the general-purpose group "
                          f"{general} can run " + ", ".join(can) + ".",
                          (row.principal,), model.account.groups[general].attached)
    catalog_size = None
    gaps: dict[tuple[frozenset[str], tuple[str, ...]], list[str]] = {}
    for row in matrix.rows:
        if row.label.startswith("group/"):
            continue
        p = model.get(row.principal)
        runs = [c for c, ok in row.allowed.items() if ok]
        held = held_actions(model, p)
        key = (held, tuple(runs))
        extra = gaps.get(key)
        if extra is None:
            needed = matrix.needed_actions(runs)
            extra = gaps[key] = sorted(a for a in held if a.lower() not in needed)
        if not extra:
            continue
        if catalog_size is None:
            catalog_size = len(get_catalog().expand("*"))
        share = f"{len(extra)} of the catalog's {catalog_size} actions"
        yield finding("LEAST_PRIVILEGE_GAP", f"{p.label} runs {len(runs)} App2Container "
                      f"command(s) and holds {share} that none of them needs: "
                      + _sample(extra, presorted=True) + ".", (p.arn,),
                      details=tuple(extra[:50]))
