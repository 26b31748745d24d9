"""From an access key id to the caller and every policy that governs it.

``lookup_key`` finds a long-term key (``access_keys``) or temporary credentials (``sessions``)
and decrypts the secret (and session token) in memory; ``resolve`` turns the key into a
``ResolvedCaller``: who it is (ARN, ``aws:userid``, kind), its principal tags, its base request
context, and its policy set compiled for the engine:

- a user: its inline and attached policies and those of each of its groups, its boundary;
- a role session: the role's inline and attached policies, the role's boundary, and the session
  policies (inline ``Policy`` and ``PolicyArns`` together) as one session policy;
- a federated user session (``GetFederationToken``, ``sessions.kind`` ``federated``): the calling
  user's policies and boundary, intersected with the session policies; a session made without
  any session policy gets an empty one, so that it may do nothing ("if you do not pass a policy,
  then the resulting federated user session has no permissions", STS API Reference). A session
  federated by the root user has one allow-everything identity policy in place of root's
  implicit permissions, so that only its session policies limit it. Its ARN is
  ``arn:aws:sts::ACCOUNT:federated-user/NAME`` (also ``aws:PrincipalArn``), ``aws:userid`` is
  ``ACCOUNT:NAME``, it has no ``aws:username``, and its principal tags are the user's tags with
  the session tags over them (a session tag replaces a user tag of the same key, whatever its
  case);
- the root user: no policies (the engine lets root do everything in its own account).

Temporary credentials carry ``aws:MultiFactorAuthPresent`` (``"true"`` when the session was
created with an MFA code, or assumed from such a session; ``"false"`` otherwise) and, with MFA,
``aws:MultiFactorAuthAge``: the seconds since the code was proved, worked out each time the
context is read (a cached resolution does not freeze it). Long-term keys carry neither key, as
in AWS.

The facade (``service.IdentityService``) caches resolutions by account generation. Compiling is
the expensive part, so compiled sets are also shared here by the exact documents they were built
from: a generation bump for an unrelated change re-reads the rows but does not recompile.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from sqlalchemy import and_, bindparam, delete, select
from sqlalchemy.engine import Connection

from a2c_iam.policy import (
    CompiledPolicySet,
    Policy,
    PolicySet,
    PolicyValidationError,
    compile_policy_set,
    parse_policy,
)
from a2c_iam.store import schema as s

from . import ids
from .errors import InvalidClientTokenId
from .secrets import Cipher

#: The kinds a caller can be (``ResolvedCaller.kind``).
ROOT, USER, ASSUMED_ROLE, FEDERATED_USER = "root", "user", "assumed-role", "federated-user"

#: ``aws:PrincipalType`` per kind.
PRINCIPAL_TYPE = {ROOT: "Account", USER: "User", ASSUMED_ROLE: "AssumedRole",
                  FEDERATED_USER: "FederatedUser"}


def session_secret_context(session_id: str) -> str:
    """Associated data of a session's encrypted secret (binds the ciphertext to its row)."""
    return f"session:{session_id}:secret"


def session_token_context(session_id: str) -> str:
    return f"session:{session_id}:token"


def key_secret_context(access_key_id: str) -> str:
    """Same associated data as ``keys.secret_context`` (the writer of ``access_keys``)."""
    return f"access-key:{access_key_id}:secret"


@dataclass(frozen=True)
class KeyRecord:
    """An access key as the signature verifier needs it (``api.sigv4.SigningKey``)."""

    access_key_id: str
    secret: str = field(repr=False)
    session_token: str | None = field(repr=False)
    active: bool
    expires_at: datetime | None
    account_id: str
    #: The owning user's id (None: the root user's key, or a role session).
    user_id: str | None = None
    #: For temporary credentials: ``role``, ``user``, ``root`` or ``federated`` (None for a
    #: long-term key).
    session_kind: str | None = None


@dataclass(frozen=True)
class SessionInfo:
    """What a set of temporary credentials carries beyond its policies."""

    session_id: str
    kind: str  # role | user | root | federated
    role_id: str | None
    role_arn: str | None
    session_name: str | None
    source_identity: str | None
    chained: bool
    created_at: datetime
    expires_at: datetime
    #: Session tags (role and federated sessions), and which of them pass on to a chained
    #: session.
    tags: Mapping[str, str] = field(default_factory=dict)
    transitive_keys: tuple[str, ...] = ()
    #: When the session's caller proved an MFA code (None: the session has no MFA).
    mfa_at: datetime | None = None


@dataclass(frozen=True)
class SourcePolicy:
    """One policy of a principal, with where it came from (for explanations and simulation)."""

    label: str  # the name decisions carry (``StatementRef.policy``)
    source_type: str  # IAM's PolicySourceType: user, group, role, aws-managed, user-managed
    source_id: str  # the policy's name (inline) or ARN (managed)
    text: str
    policy: Policy


@dataclass(frozen=True)
class ResolvedCaller:
    arn: str
    account_id: str
    user_id: str
    kind: str
    name: str
    principal_tags: Mapping[str, str]
    policy_set: CompiledPolicySet
    access_key_id: str
    session: SessionInfo | None = None
    #: The uncompiled set (identity, boundary, session): STS adds a trust policy to it.
    policies: PolicySet = field(default_factory=PolicySet, repr=False)
    #: The policies of ``policies.identity_policies`` with their sources (parallel).
    sources: tuple[SourcePolicy, ...] = field(default=(), repr=False)
    boundary: SourcePolicy | None = field(default=None, repr=False)
    #: Context keys that come from the principal (``aws:username``, ``aws:PrincipalTag/…``…).
    base_context: Mapping[str, Any] = field(default_factory=dict, repr=False)
    #: The ARN that ``aws:PrincipalArn`` names (the role's ARN for a role session).
    principal_arn: str = ""
    path: str = "/"
    #: Whether any of its policies reads a resource's tags (only then are they fetched).
    wants_resource_tags: bool = False


# -- keys ----------------------------------------------------------------------------------------

# Each reads the account's generation in the same statement: one statement is one snapshot,
# even under PostgreSQL's READ COMMITTED, so the key is never cached as newer than it is.
_SESSION_KEY = select(
    s.sessions.c.account_id, s.sessions.c.user_id, s.sessions.c.kind, s.sessions.c.secret,
    s.sessions.c.token, s.sessions.c.expires_at, s.accounts.c.generation,
).join(s.accounts, s.accounts.c.id == s.sessions.c.account_id).where(
    s.sessions.c.id == bindparam("kid"))
_LONG_TERM_KEY = select(
    s.access_keys.c.account_id, s.access_keys.c.user_id, s.access_keys.c.status,
    s.access_keys.c.secret, s.accounts.c.generation,
).join(s.accounts, s.accounts.c.id == s.access_keys.c.account_id).where(
    s.access_keys.c.id == bindparam("kid"))


def lookup_key(conn: Connection, cipher: Cipher, access_key_id: str) -> KeyRecord | None:
    """The key ``access_key_id`` names (long-term ``AKIA…`` or temporary ``ASIA…``), or None.

    Expired temporary credentials are returned (with their ``expires_at``) so that the verifier
    answers ``ExpiredToken`` rather than "unknown key".
    """
    found = lookup_key_at(conn, cipher, access_key_id)
    return found[0] if found is not None else None


def lookup_key_at(conn: Connection, cipher: Cipher,
                  access_key_id: str) -> tuple[KeyRecord, int] | None:
    """The key, with its account's generation as of the same read (for a cache of keys)."""
    if access_key_id.startswith(ids.Prefix.TEMPORARY_KEY.value):
        row = conn.execute(_SESSION_KEY, {"kid": access_key_id}).first()
        if row is None:
            return None
        secret = cipher.decrypt(row.secret, session_secret_context(access_key_id))
        token = cipher.decrypt(row.token, session_token_context(access_key_id))
        return KeyRecord(access_key_id, secret.get_secret_value(), token.get_secret_value(),
                         True, row.expires_at, row.account_id, row.user_id,
                         row.kind), row.generation
    found = conn.execute(_LONG_TERM_KEY, {"kid": access_key_id}).first()
    if found is None:
        return None
    secret = cipher.decrypt(found.secret, key_secret_context(access_key_id))
    return KeyRecord(access_key_id, secret.get_secret_value(), None, found.status == "Active",
                     None, found.account_id, found.user_id, None), found.generation


# -- policies of entities --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _parse(text: str) -> Policy:
    """A stored document as the engine needs it (stored documents were validated on the way in).

    Parsed policies are immutable, so one parse serves every principal with the same document.
    """
    try:
        return parse_policy(text, validate=False)
    except PolicyValidationError:
        # A document that no longer parses grants nothing (fail closed).
        return Policy(version="2012-10-17", id=None, statements=())


def _inline(conn: Connection, column: Any, owner_ids: Sequence[str], source_type: str,
            owner_names: Mapping[str, str]) -> list[SourcePolicy]:
    if not owner_ids:
        return []
    t = s.inline_policies
    rows = conn.execute(
        select(column, t.c.name, t.c.document).where(column.in_(owner_ids)).order_by(t.c.id)
    ).all()
    out = []
    for owner, name, text in rows:
        label = f"{source_type}/{owner_names.get(owner, owner)}/{name}"
        out.append(SourcePolicy(label, source_type, name, text, _parse(text)))
    return out


def _attached(conn: Connection, column: Any, owner_ids: Sequence[str]) -> list[SourcePolicy]:
    if not owner_ids:
        return []
    p, v, a = s.policies, s.policy_versions, s.attachments
    rows = conn.execute(
        select(p.c.arn, p.c.name, p.c.account_id, v.c.document)
        .select_from(a.join(p, a.c.policy_id == p.c.id).join(
            v, and_(v.c.policy_id == p.c.id, v.c.version_id == p.c.default_version)))
        .where(column.in_(owner_ids)).order_by(a.c.id)
    ).all()
    seen: set[str] = set()
    out = []
    for arn, name, account, text in rows:
        if arn in seen:  # a policy attached to the user and to one of its groups counts once
            continue
        seen.add(arn)
        kind = "aws-managed" if account is None else "user-managed"
        out.append(SourcePolicy(arn, kind, name, text, _parse(text)))
    return out


def _managed(conn: Connection, policy_id: str | None = None,
             arn: str | None = None) -> SourcePolicy | None:
    p, v = s.policies, s.policy_versions
    where = p.c.id == policy_id if policy_id is not None else p.c.arn == arn
    row = conn.execute(
        select(p.c.arn, p.c.name, p.c.account_id, v.c.document)
        .select_from(p.join(v, and_(v.c.policy_id == p.c.id,
                                    v.c.version_id == p.c.default_version)))
        .where(where)
    ).first()
    if row is None:
        return None
    kind = "aws-managed" if row.account_id is None else "user-managed"
    return SourcePolicy(row.arn, kind, row.name, row.document, _parse(row.document))


def _tags(conn: Connection, resource_id: str) -> dict[str, str]:
    rows = conn.execute(
        select(s.tags.c.key, s.tags.c.value).where(s.tags.c.resource_id == resource_id)
        .order_by(s.tags.c.id)
    ).all()
    return {k: v for k, v in rows}


def user_sources(conn: Connection, user_id: str, user_name: str) -> list[SourcePolicy]:
    """A user's identity policies: its own inline and attached, then each group's."""
    groups = conn.execute(
        select(s.groups.c.id, s.groups.c.name)
        .select_from(s.group_members.join(s.groups, s.group_members.c.group_id == s.groups.c.id))
        .where(s.group_members.c.user_id == user_id).order_by(s.groups.c.name_lower)
    ).all()
    group_ids = [g.id for g in groups]
    group_names = {g.id: g.name for g in groups}
    out = _inline(conn, s.inline_policies.c.user_id, [user_id], "user", {user_id: user_name})
    out += _inline(conn, s.inline_policies.c.group_id, group_ids, "group", group_names)
    managed = _attached(conn, s.attachments.c.user_id, [user_id])
    managed += [m for m in _attached(conn, s.attachments.c.group_id, group_ids)
                if m.label not in {x.label for x in managed}]
    return out + managed


def group_sources(conn: Connection, group_id: str, group_name: str) -> list[SourcePolicy]:
    out = _inline(conn, s.inline_policies.c.group_id, [group_id], "group", {group_id: group_name})
    return out + _attached(conn, s.attachments.c.group_id, [group_id])


def role_sources(conn: Connection, role_id: str, role_name: str) -> list[SourcePolicy]:
    out = _inline(conn, s.inline_policies.c.role_id, [role_id], "role", {role_id: role_name})
    return out + _attached(conn, s.attachments.c.role_id, [role_id])


def boundary_source(conn: Connection, policy_id: str | None) -> SourcePolicy | None:
    return None if policy_id is None else _managed(conn, policy_id=policy_id)


_TAG_KEY_PREFIXES = ("aws:resourcetag/", "iam:resourcetag/")
_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _names_resource_tag(text: str) -> bool:
    """Whether a value refers to a resource tag through a variable (``${aws:ResourceTag/k}``,
    with or without a default)."""
    return "${" in text and any(
        m.group(1).split(",", 1)[0].strip().lower().startswith(_TAG_KEY_PREFIXES)
        for m in _VARIABLE.finditer(text))


def reads_resource_tags(policy: Policy) -> bool:
    """Whether evaluating ``policy`` may need the target's tags: a condition on
    ``aws:ResourceTag/…`` or ``iam:ResourceTag/…`` (keys are case-insensitive), or such a
    variable in a resource or condition value. Decided on the parsed document, so that a key
    written with JSON escapes (``iam:Resource\\u0054ag/k``) counts as the key it is."""
    for st in policy.statements:
        for c in st.conditions:
            if c.key.lower().startswith(_TAG_KEY_PREFIXES):
                return True
            if any(isinstance(v, str) and _names_resource_tag(v) for v in c.values):
                return True
        if any(_names_resource_tag(r) for r in (*(st.resource or ()), *(st.not_resource or ()))):
            return True
    return False


def merge_policies(policies: Sequence[Policy]) -> Policy | None:
    """Several session policies as one: the session may do what any of them allows."""
    if not policies:
        return None
    if len(policies) == 1:
        return policies[0]
    statements = tuple(st for p in policies for st in p.statements)
    version = "2012-10-17" if all(p.supports_variables for p in policies) else policies[0].version
    return Policy(version=version, id=None, statements=statements)


# -- compiled sets, shared by content -------------------------------------------------------------

_COMPILED: dict[tuple[Any, ...], CompiledPolicySet] = {}
_COMPILED_LOCK = threading.Lock()
_COMPILED_MAX = 2048


def _compiled(policies: PolicySet, key: tuple[Any, ...]) -> CompiledPolicySet:
    found = _COMPILED.get(key)
    if found is not None:
        return found
    compiled = compile_policy_set(policies)
    with _COMPILED_LOCK:
        if len(_COMPILED) >= _COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[key] = compiled
    return compiled


def build_policy_set(sources: Sequence[SourcePolicy], boundary: SourcePolicy | None,
                     session: Sequence[SourcePolicy] = ()) -> tuple[PolicySet, CompiledPolicySet]:
    session_policy = merge_policies([p.policy for p in session])
    policies = PolicySet(
        identity_policies=tuple(p.policy for p in sources),
        identity_names=tuple(p.label for p in sources),
        permission_boundary=boundary.policy if boundary is not None else None,
        session_policy=session_policy,
    )
    key = (
        tuple((p.label, p.text) for p in sources),
        None if boundary is None else (boundary.label, boundary.text),
        tuple(p.text for p in session),
    )
    return policies, _compiled(policies, key)


# -- resolution ------------------------------------------------------------------------------------

MFA_PRESENT = "aws:MultiFactorAuthPresent"
MFA_AGE = "aws:MultiFactorAuthAge"


def _now() -> datetime:
    """The clock ``aws:MultiFactorAuthAge`` is measured on (a function, so tests can move it)."""
    return datetime.now(UTC)


class _MfaContext(Mapping[str, Any]):
    """A session's base context whose ``aws:MultiFactorAuthAge`` is worked out when read.

    Resolutions are cached for as long as the account does not change, so a fixed age would
    stop growing; this mapping reads the clock instead (``authz.request_context`` copies it
    once per request).
    """

    __slots__ = ("_fixed", "_mfa_at")

    def __init__(self, fixed: Mapping[str, Any], mfa_at: datetime) -> None:
        self._fixed = dict(fixed)
        self._mfa_at = mfa_at

    def __getitem__(self, key: str) -> Any:
        if key == MFA_AGE:
            return str(max(0, int((_now() - self._mfa_at).total_seconds())))
        return self._fixed[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._fixed
        yield MFA_AGE

    def __len__(self) -> int:
        return len(self._fixed) + 1

    def __repr__(self) -> str:
        return f"_MfaContext({self._fixed!r}, mfa_at={self._mfa_at.isoformat()})"


def _base_context(arn: str, principal_arn: str, account_id: str, user_id: str, kind: str,
                  name: str, tags: Mapping[str, str],
                  session: SessionInfo | None) -> dict[str, Any]:
    ctx: dict[str, Any] = {
        "aws:PrincipalArn": principal_arn,
        "aws:PrincipalAccount": account_id,
        "aws:PrincipalType": PRINCIPAL_TYPE[kind],
        "aws:userid": user_id,
        "aws:PrincipalIsAWSService": "false",
    }
    if kind == USER:
        ctx["aws:username"] = name
    for key, value in tags.items():
        ctx[f"aws:PrincipalTag/{key}"] = value
    if session is not None:
        ctx[MFA_PRESENT] = "true" if session.mfa_at is not None else "false"
        ctx["aws:TokenIssueTime"] = session.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
        if session.source_identity is not None:
            ctx["aws:SourceIdentity"] = session.source_identity
    return ctx


def _caller(arn: str, account_id: str, user_id: str, kind: str, name: str,
            tags: Mapping[str, str], access_key_id: str, sources: Sequence[SourcePolicy],
            boundary: SourcePolicy | None, session_sources: Sequence[SourcePolicy] = (),
            session: SessionInfo | None = None, principal_arn: str | None = None,
            path: str = "/") -> ResolvedCaller:
    policies, compiled = build_policy_set(sources, boundary, session_sources)
    p_arn = principal_arn or arn
    base = _base_context(arn, p_arn, account_id, user_id, kind, name, tags, session)
    context: Mapping[str, Any] = MappingProxyType(base)
    if session is not None and session.mfa_at is not None:
        context = _MfaContext(base, session.mfa_at)
    return ResolvedCaller(
        arn=arn, account_id=account_id, user_id=user_id, kind=kind, name=name,
        principal_tags=MappingProxyType(dict(tags)), policy_set=compiled,
        access_key_id=access_key_id, session=session, policies=policies,
        sources=tuple(sources), boundary=boundary,
        base_context=context,
        principal_arn=p_arn, path=path,
        wants_resource_tags=any(
            reads_resource_tags(p.policy)
            for p in (*sources, *session_sources, *([boundary] if boundary else []))),
    )


def root_caller(account_id: str, access_key_id: str = "",
                session: SessionInfo | None = None) -> ResolvedCaller:
    arn = ids.root_arn(account_id)
    return _caller(arn, account_id, account_id, ROOT, account_id, {}, access_key_id, (), None,
                   session=session)


def user_caller(conn: Connection, user_id: str, access_key_id: str = "",
                session: SessionInfo | None = None) -> ResolvedCaller | None:
    row = conn.execute(select(s.users).where(s.users.c.id == user_id)).first()
    if row is None:
        return None
    arn = ids.arn(row.account_id, "user", row.path, row.name)
    return _caller(arn, row.account_id, row.id, USER, row.name, _tags(conn, row.id),
                   access_key_id, user_sources(conn, row.id, row.name),
                   boundary_source(conn, row.boundary_policy_id), session=session, path=row.path)


def session_tags(conn: Connection, session_id: str) -> tuple[dict[str, str], tuple[str, ...]]:
    """A role session's tags and its transitive keys (kept in ``tags`` under the session id)."""
    tags = _tags(conn, session_id)
    transitive = tuple(_tags(conn, transitive_resource_id(session_id)))
    return tags, transitive


def transitive_resource_id(session_id: str) -> str:
    """Where a session's transitive tag keys are kept in ``tags`` (see ``sts``)."""
    return f"{session_id}/t"


def delete_sessions(conn: Connection, session_ids: Sequence[str]) -> None:
    """Temporary credentials gone, and their session tags with them (``tags`` rows have no
    foreign key to a session)."""
    if not session_ids:
        return
    ids_ = list(session_ids)
    conn.execute(delete(s.tags).where(
        s.tags.c.resource_id.in_(ids_ + [transitive_resource_id(i) for i in ids_])))
    conn.execute(delete(s.sessions).where(s.sessions.c.id.in_(ids_)))


#: What a session may do when it has a session policy that allows nothing.
_NOTHING = SourcePolicy("session_policy", "none", "Policy", "{}",
                        Policy(version="2012-10-17", id=None, statements=()))


def _session_sources(conn: Connection, row: Any, required: bool = False) -> list[SourcePolicy]:
    """A session's policies (inline ``Policy``, then the managed ``PolicyArns`` that still
    exist). Given ones of which none can be found any more, or none at all where the session
    needs one (``required``: federated users), leave a session policy that allows nothing."""
    found: list[SourcePolicy] = []
    if row.session_policy:
        found.append(SourcePolicy("session_policy", "none", "Policy", row.session_policy,
                                  _parse(row.session_policy)))
    for arn in json.loads(row.policy_arns or "[]"):
        managed = _managed(conn, arn=arn)
        if managed is not None:
            found.append(managed)
    if not found and (required or row.session_policy or row.policy_arns):
        found.append(_NOTHING)
    return found


#: The identity policy of a session federated by the root user: root may do everything in its
#: account, so the session policies alone decide.
_ROOT_POLICY_TEXT = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*",'
                     '"Resource":"*"}]}')


def _merged_tags(base: Mapping[str, str], over: Mapping[str, str]) -> dict[str, str]:
    """``base`` with ``over`` on top, keys compared without case (tag keys are not case
    sensitive: the session tag ``department`` replaces the user tag ``Department``)."""
    lowered = {k.lower() for k in over}
    return {**{k: v for k, v in base.items() if k.lower() not in lowered}, **over}


def federated_caller(conn: Connection, row: Any, access_key_id: str) -> ResolvedCaller | None:
    """The caller of a federated user session (a ``sessions`` row of kind ``federated``);
    None when the user that federated it is gone."""
    account, name = row.account_id, row.session_name
    tags, _ = session_tags(conn, row.id)
    session = SessionInfo(
        session_id=row.id, kind="federated", role_id=None, role_arn=None, session_name=name,
        source_identity=row.source_identity, chained=False, created_at=row.created_at,
        expires_at=row.expires_at, tags=MappingProxyType(tags), mfa_at=row.mfa_at,
    )
    boundary: SourcePolicy | None = None
    if row.user_id is None:
        sources = [SourcePolicy("root", "none", "root", _ROOT_POLICY_TEXT,
                                _parse(_ROOT_POLICY_TEXT))]
        user_tags: dict[str, str] = {}
    else:
        user = conn.execute(select(s.users).where(s.users.c.id == row.user_id)).first()
        if user is None:
            return None
        sources = user_sources(conn, user.id, user.name)
        boundary = boundary_source(conn, user.boundary_policy_id)
        user_tags = _tags(conn, user.id)
    arn = ids.federated_user_arn(account, name)
    return _caller(
        arn, account, f"{account}:{name}", FEDERATED_USER, name, _merged_tags(user_tags, tags),
        access_key_id, sources, boundary, _session_sources(conn, row, required=True), session,
        principal_arn=arn,
    )


def role_session_caller(conn: Connection, row: Any, access_key_id: str) -> ResolvedCaller | None:
    """The caller of a role session (a ``sessions`` row of kind ``role``)."""
    role = conn.execute(select(s.roles).where(s.roles.c.id == row.role_id)).first()
    if role is None:
        return None
    role_arn = ids.arn(role.account_id, "role", role.path, role.name)
    tags, transitive = session_tags(conn, row.id)
    session = SessionInfo(
        session_id=row.id, kind="role", role_id=role.id, role_arn=role_arn,
        session_name=row.session_name, source_identity=row.source_identity,
        chained=bool(row.chained), created_at=row.created_at, expires_at=row.expires_at,
        tags=MappingProxyType(tags), transitive_keys=transitive, mfa_at=row.mfa_at,
    )
    principal_tags = {**_tags(conn, role.id), **tags}
    session_sources = _session_sources(conn, row)
    arn = ids.assumed_role_arn(role.account_id, role.name, row.session_name)
    return _caller(
        arn, role.account_id, f"{role.id}:{row.session_name}", ASSUMED_ROLE, role.name,
        principal_tags, access_key_id, role_sources(conn, role.id, role.name),
        boundary_source(conn, role.boundary_policy_id), session_sources, session,
        principal_arn=role_arn, path=role.path,
    )


def _gone() -> InvalidClientTokenId:
    """The key's principal was deleted between lookup and resolution: the key is invalid."""
    return InvalidClientTokenId("The security token included in the request is invalid.")


def resolve(conn: Connection, key: KeyRecord) -> ResolvedCaller:
    """The caller behind ``key`` with its compiled policy set."""
    if key.session_kind is None:
        if key.user_id is None:
            return root_caller(key.account_id, key.access_key_id)
        found = user_caller(conn, key.user_id, key.access_key_id)
    else:
        row = conn.execute(select(s.sessions).where(s.sessions.c.id == key.access_key_id)).first()
        if row is None:
            raise _gone()
        if row.kind == "role":
            found = role_session_caller(conn, row, key.access_key_id)
        elif row.kind == "federated":
            found = federated_caller(conn, row, key.access_key_id)
        else:
            session = SessionInfo(
                session_id=row.id, kind=row.kind, role_id=None, role_arn=None, session_name=None,
                source_identity=row.source_identity, chained=False, created_at=row.created_at,
                expires_at=row.expires_at, mfa_at=row.mfa_at,
            )
            if row.kind == "root" or row.user_id is None:
                return root_caller(row.account_id, key.access_key_id, session)
            found = user_caller(conn, row.user_id, key.access_key_id, session)
    if found is None:
        raise _gone()
    return found


def caller_for_arn(conn: Connection, arn: str) -> ResolvedCaller | None:
    """The stored principal an ARN names: a user, a role (as if assumed), a role session, root.

    A role session ARN (``assumed-role/ROLE/SESSION``) resolves to the newest unexpired session
    of that name, with its session policies; without one, to the role's own policies. A
    federated user ARN (``federated-user/NAME``) resolves to the newest federated session of
    that name in the account (None without one).
    """
    if arn.startswith(f"arn:{ids.PARTITION}:sts::"):
        parts = arn.split(":", 5)
        if len(parts) == 6 and parts[5].startswith("federated-user/"):
            found = conn.execute(
                select(s.sessions).where(s.sessions.c.account_id == parts[4],
                                         s.sessions.c.kind == "federated",
                                         s.sessions.c.session_name == parts[5][15:])
                .order_by(s.sessions.c.created_at.desc()).limit(1)
            ).first()
            return None if found is None else federated_caller(conn, found, "")
        if len(parts) != 6 or not parts[5].startswith("assumed-role/"):
            return None
        pieces = parts[5].split("/")
        if len(pieces) != 3:
            return None
        account, role_name, session_name = parts[4], pieces[1], pieces[2]
        role = conn.execute(select(s.roles).where(
            s.roles.c.account_id == account, s.roles.c.name_lower == role_name.lower())).first()
        if role is None:
            return None
        row = conn.execute(
            select(s.sessions).where(s.sessions.c.role_id == role.id,
                                     s.sessions.c.session_name == session_name)
            .order_by(s.sessions.c.created_at.desc()).limit(1)
        ).first()
        if row is not None:
            return role_session_caller(conn, row, "")
        return _caller(
            ids.assumed_role_arn(account, role.name, session_name), account,
            f"{role.id}:{session_name}", ASSUMED_ROLE, role.name, _tags(conn, role.id), "",
            role_sources(conn, role.id, role.name), boundary_source(conn, role.boundary_policy_id),
            principal_arn=ids.arn(account, "role", role.path, role.name), path=role.path,
        )
    if arn.endswith(":root") and arn.startswith(f"arn:{ids.PARTITION}:iam::"):
        account = arn.split(":")[4]
        exists = conn.execute(select(s.accounts.c.id).where(s.accounts.c.id == account)).first()
        return root_caller(account) if exists is not None else None
    parsed = ids.parse_arn(arn)
    if parsed is None:
        return None
    if parsed.kind == "user":
        row = conn.execute(select(s.users.c.id, s.users.c.path).where(
            s.users.c.account_id == parsed.account,
            s.users.c.name_lower == parsed.name.lower())).first()
        if row is None or row.path != parsed.path:
            return None
        return user_caller(conn, row.id)
    if parsed.kind == "role":
        role = conn.execute(select(s.roles).where(
            s.roles.c.account_id == parsed.account,
            s.roles.c.name_lower == parsed.name.lower())).first()
        if role is None or role.path != parsed.path:
            return None
        # A role itself never calls; it is evaluated as the role ARN with the role's policies.
        return _caller(
            arn, role.account_id, role.id, ASSUMED_ROLE, role.name, _tags(conn, role.id), "",
            role_sources(conn, role.id, role.name), boundary_source(conn, role.boundary_policy_id),
            principal_arn=arn, path=role.path,
        )
    return None


def policy_set_for_arn(conn: Connection, arn: str) -> CompiledPolicySet:
    """The compiled policy set of any stored principal ARN (empty for an unknown one)."""
    caller = caller_for_arn(conn, arn)
    if caller is None:
        return compile_policy_set(PolicySet())
    return caller.policy_set
