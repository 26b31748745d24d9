"""Every IAM and STS call authorised by the engine, as IAM authorises it.

For one call this module works out what IAM would ask its policy engine:

- the action, ``iam:<Operation>`` or ``sts:<Operation>``;
- the resource: the ARN of the entity the operation acts on, path included
  (``arn:aws:iam::111122223333:user/division/alice``), read from the store when the request names
  the entity only by name; for list operations the listed path, ``arn:aws:iam::ACCOUNT:role/``
  or ``…:role/PATH/PREFIX/``, as IAM's own denial messages show it (``…:role/`` is matched by a
  policy's ``…:role/*``); ``*`` for operations on no resource;
- the request context: the principal's keys (``aws:username``, ``aws:userid``,
  ``aws:PrincipalArn``, ``aws:PrincipalAccount``, ``aws:PrincipalType``, ``aws:PrincipalTag/*``),
  the request's tags (``aws:RequestTag/*``, ``aws:TagKeys``), the clock (``aws:CurrentTime``,
  ``aws:EpochTime``), what the wire layer knows (``aws:SourceIp``, ``aws:SecureTransport``,
  ``aws:RequestedRegion``…, passed in as ``context``), and the IAM keys of the operation
  (``iam:PolicyARN``, ``iam:PermissionsBoundary``, ``iam:ResourceTag/*``).

An operation that hands a role to a service (``AddRoleToInstanceProfile``) also needs
``iam:PassRole`` on that role, asked with ``iam:PassedToService`` and ``iam:AssociatedResourceArn``.
An operation that moves or renames an entity (``UpdateUser``, ``UpdateGroup``,
``UpdateServerCertificate``) needs its action on the new ARN as well as on the current one.

The root user may do anything in its own account. STS operations are decided by the STS module
itself: ``GetCallerIdentity`` and ``GetSessionToken`` need no permission, ``AssumeRole``
needs the role's trust policy (and, across accounts, the caller's policies), and
``GetFederationToken`` needs ``sts:GetFederationToken`` on the federated user's ARN — see
``sts``. Other STS operations (``GetAccessKeyInfo``) need their action on ``*`` in the caller's
policies, as IAM operations do.

What temporary credentials may call at all comes first (``_session_limits``): no session may
ask for ``GetFederationToken`` ("Cannot call GetFederationToken with session credentials"); a
federated user session (``GetFederationToken``) may call no IAM operation (answered as AWS
answers, ``InvalidClientTokenId``) and no STS operation but ``GetCallerIdentity`` ("You cannot
call any STS operations except GetCallerIdentity", STS API Reference; answered ``AccessDenied``
with the plain "not authorized" text, not confirmed against AWS).

A refusal is ``AccessDenied`` with IAM's text, naming one policy type that refused.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from a2c_iam.policy import Decision, Outcome, PolicyType, Request
from a2c_iam.store import schema as s

from . import ids
from .errors import AccessDenied, InvalidClientTokenId
from .logins import users_may_change_passwords
from .mfa import tag_resource_id
from .principal import ROOT, USER, ResolvedCaller
from .providers import oidc_arn, provider_id
from .tx import generation

ALLOWED = Decision(Outcome.ALLOWED)

#: How IAM's denial messages name each policy type (with its article).
_TYPE_TEXT: dict[PolicyType, tuple[str, str]] = {
    PolicyType.SCP: ("a", "service control policy"),
    PolicyType.RCP: ("a", "resource control policy"),
    PolicyType.IDENTITY: ("an", "identity-based policy"),
    PolicyType.RESOURCE: ("a", "resource-based policy"),
    PolicyType.PERMISSION_BOUNDARY: ("a", "permissions boundary"),
    PolicyType.SESSION: ("a", "session policy"),
    PolicyType.VPC_ENDPOINT: ("a", "VPC endpoint policy"),
}

#: STS operations whose permission the STS module decides (trust policies, no permission needed).
_STS_SELF_DECIDED = frozenset({"GetCallerIdentity", "GetSessionToken", "AssumeRole",
                               "GetFederationToken"})

#: List operations on no resource type whose denial names the listed type (IAM's messages).
_LISTED = {
    "ListUsers": "user", "ListGroups": "group", "ListRoles": "role", "ListPolicies": "policy",
    "ListInstanceProfiles": "instance-profile", "ListServerCertificates": "server-certificate",
}

#: Entity tables by IAM resource type, for reading a path, a boundary, tags.
#: (Server certificates are named entities with a path too: their ARN is read from the store and
#: their tags reach ``aws:ResourceTag``, as a user's do.)
_TABLES = {"user": s.users, "group": s.groups, "role": s.roles,
           "instance-profile": s.instance_profiles, "server-certificate": s.server_certificates}
_NAME_PARAMS = {"user": "UserName", "group": "GroupName", "role": "RoleName",
                "instance-profile": "InstanceProfileName",
                "server-certificate": "ServerCertificateName"}
_CREATES = frozenset({"CreateUser", "CreateGroup", "CreateRole", "CreateInstanceProfile",
                      "CreatePolicy", "UploadServerCertificate"})
_BY_ARN = {"SimulatePrincipalPolicy": "PolicySourceArn",
           "GetContextKeysForPrincipalPolicy": "PolicySourceArn",
           "GenerateServiceLastAccessedDetails": "Arn",
           "ListPoliciesGrantingServiceAccess": "Arn"}


def denied_message(caller_arn: str, action: str, resource: str, decision: Decision | None,
                   ) -> str:
    """IAM's ``AccessDenied`` text; without a decision (or a reason) the plain form."""
    head = f"User: {caller_arn} is not authorized to perform: {action} on resource: {resource}"
    if decision is None or not decision.denied_by:
        return head
    kind = decision.denied_by[0]
    article, text = _TYPE_TEXT[kind]
    if decision.decision is Outcome.EXPLICIT_DENY:
        return f"{head} with an explicit deny in {article} {text}"
    return f"{head} because no {text} allows the {action} action"


# -- what the operation acts on --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """The resource of one call, and what the store says about it."""

    arn: str
    boundary_arn: str | None = None
    tags: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class _Plan:
    """What an operation needs, worked out once per operation from the action catalog."""

    resource_type: str | None
    policy_arn_key: bool
    boundary_key: bool


_PLANS: dict[tuple[str, str], _Plan] = {}
_PLANS_LOCK = threading.Lock()


def _plan(service: str, operation: str) -> _Plan:
    key = (service, operation)
    found = _PLANS.get(key)
    if found is not None:
        return found
    from a2c_iam.policy.catalog import get_catalog

    info = get_catalog().action(f"{service}:{operation}")
    keys = {k.lower() for k in info.condition_keys} if info is not None else set()
    resource_type = info.resource_types[0][0] if info is not None and info.resource_types else None
    plan = _Plan(resource_type, "iam:policyarn" in keys, "iam:permissionsboundary" in keys)
    with _PLANS_LOCK:
        _PLANS[key] = plan
    return plan


_SNAKE: dict[str, str] = {}


def _param(params: Mapping[str, Any], name: str) -> Any:
    """A parameter by its AWS member name (or its snake_case spelling)."""
    if not params:
        return None
    value = params.get(name)
    if value is None:
        snake = _SNAKE.get(name)
        if snake is None:
            from botocore import xform_name

            snake = _SNAKE[name] = xform_name(name)
        value = params.get(snake)
    return value


def _entity_query(kind: str) -> Any:
    """One prepared statement per entity kind: id, name, path and boundary ARN by name."""
    table = _TABLES[kind]
    cols: list[Any] = [table.c.id, table.c.name, table.c.path]
    source: Any = table
    if kind in ("user", "role"):
        source = table.outerjoin(s.policies, table.c.boundary_policy_id == s.policies.c.id)
        cols.append(s.policies.c.arn.label("boundary"))
    return select(*cols).select_from(source).where(
        table.c.account_id == bindparam("account"), table.c.name_lower == bindparam("name"))


_ENTITY_QUERIES = {kind: _entity_query(kind) for kind in _TABLES}
_TAGS_QUERY = select(s.tags.c.key, s.tags.c.value).where(s.tags.c.resource_id == bindparam("rid"))


class TargetCache:
    """Targets of named entities, valid while their account's generation is the one read with
    them (every write bumps it): repeated calls on one entity need not read the store."""

    MAX = 4096

    def __init__(self, generation: Callable[[str], int]) -> None:
        self._generation = generation  # the account's generation as the caller last saw it
        self._found: dict[tuple[str, str, str, bool], tuple[int, Target]] = {}

    def get(self, key: tuple[str, str, str, bool]) -> Target | None:
        hit = self._found.get(key)
        return hit[1] if hit is not None and hit[0] == self._generation(key[0]) else None

    def put(self, key: tuple[str, str, str, bool], gen: int, target: Target) -> None:
        if len(self._found) >= self.MAX:
            self._found.clear()
        self._found[key] = (gen, target)


def _entity(conn: Connection, account: str, kind: str, name: str, tags: bool,
            cache: TargetCache | None = None) -> Target:
    """The ARN of a named entity with its stored path (``/`` when it does not exist)."""
    return _cached_target(conn, cache, (account, kind, name.lower(), tags),
                          lambda: _read_entity(conn, account, kind, name, tags))


def _cached_target(conn: Connection, cache: TargetCache | None,
                   key: tuple[str, str, str, bool], read: Callable[[], Target]) -> Target:
    """``read()``, kept in ``cache`` for the account's current generation."""
    if cache is None:
        return read()
    hit = cache.get(key)
    if hit is not None:
        return hit
    # The generation is read first: data newer than it only makes the entry expire sooner.
    gen = generation(conn, key[0])
    target = read()
    cache.put(key, gen, target)
    return target


def _read_entity(conn: Connection, account: str, kind: str, name: str, tags: bool) -> Target:
    row = conn.execute(_ENTITY_QUERIES[kind], {"account": account, "name": name.lower()}).first()
    if row is None:
        return Target(ids.arn(account, kind, "/", name))
    boundary = row.boundary if kind in ("user", "role") else None
    found_tags = dict(conn.execute(_TAGS_QUERY, {"rid": row.id}).all()) if tags else None
    return Target(ids.arn(account, kind, row.path, row.name), boundary, found_tags)


_POLICY_ID_QUERY = select(s.policies.c.id).where(
    s.policies.c.arn == bindparam("arn"), s.policies.c.account_id == bindparam("account"))
_ACCOUNT_TAGS_QUERY = select(s.tags.c.key, s.tags.c.value).where(
    s.tags.c.resource_id == bindparam("rid"), s.tags.c.account_id == bindparam("account"))


def _by_arn(conn: Connection, account: str, kind: str, arn: str, tags: bool,
            cache: TargetCache | None) -> Target:
    """An entity the request names by its ARN (a managed policy, an MFA device, an identity
    provider), with its tags when the caller's policies read ``aws:ResourceTag`` or
    ``iam:ResourceTag``: a tag-based deny must see them as it does on users and roles."""
    if not tags or arn == "*":
        return Target(arn)
    return _cached_target(conn, cache, (account, f"{kind}-arn", arn, True),
                          lambda: Target(arn, None, _tags_by_arn(conn, account, kind, arn)))


def _tags_by_arn(conn: Connection, account: str, kind: str, arn: str) -> dict[str, str]:
    if kind == "policy":
        rid = conn.execute(_POLICY_ID_QUERY, {"arn": arn, "account": account}).scalar()
    elif kind == "mfa":  # a device has no IAM id; its tags are kept under a digest of its serial
        rid = tag_resource_id(arn)
    else:  # an OIDC or SAML provider: its own row id
        rid = provider_id(conn, account, arn)
    if rid is None:
        return {}
    return dict(conn.execute(_ACCOUNT_TAGS_QUERY, {"rid": rid, "account": account}).all())


def _caller_target(caller: ResolvedCaller) -> Target:
    """The caller itself, for user operations that name no user."""
    if caller.kind == "user":
        return Target(caller.arn, caller.boundary.label if caller.boundary else None,
                      caller.principal_tags)
    return Target(caller.arn)


_KEY_OWNER_QUERY = select(s.access_keys.c.user_id, s.users.c.name).select_from(
    s.access_keys.outerjoin(s.users, s.access_keys.c.user_id == s.users.c.id)
).where(s.access_keys.c.id == bindparam("kid"), s.access_keys.c.account_id == bindparam("account"))


def _key_owner(conn: Connection, caller: ResolvedCaller, key_id: str, tags: bool,
               cache: TargetCache | None) -> Target:
    """The owner of an access key of the caller's account: its user, or the root user for a key
    with no user (``keys``: "A key without a user is the account root's"). A key the account
    does not have is asked about as the caller's own (the operation then finds no such key)."""
    account = caller.account_id
    row = conn.execute(_KEY_OWNER_QUERY, {"kid": key_id, "account": account}).first()
    if row is None:
        return _caller_target(caller)
    if row.user_id is None:
        return Target(ids.root_arn(account))
    return _entity(conn, account, "user", row.name, tags, cache)


def _sts_target(operation: str, params: Mapping[str, Any]) -> Target:
    """The resource of an STS operation: the role to assume, else ``*``."""
    role_arn = _param(params, "RoleArn") if operation == "AssumeRole" else None
    return Target(str(role_arn) if role_arn else "*")


def target_of(conn: Connection, caller: ResolvedCaller, service: str, operation: str,
              params: Mapping[str, Any], *, tags: bool = False,
              cache: TargetCache | None = None) -> Target:
    """The resource IAM authorises ``operation`` on (``tags``: read the entity's tags too)."""
    account = caller.account_id
    if service == "sts":
        return _sts_target(operation, params)
    by_arn = _BY_ARN.get(operation)
    if by_arn is not None:
        return Target(str(_param(params, by_arn) or "*"))
    plan = _plan(service, operation)
    kind = plan.resource_type
    if kind is None:
        listed = _LISTED.get(operation)
        if listed is None:
            return Target("*")
        prefix = _param(params, "PathPrefix") or "/"
        return Target(f"arn:aws:iam::{account}:{listed}{prefix}")
    if kind == "policy":
        arn = _param(params, "PolicyArn")
        if arn is None and operation == "CreatePolicy":
            arn = ids.arn(account, "policy", _param(params, "Path") or "/",
                          str(_param(params, "PolicyName")))
            return Target(arn)
        return _by_arn(conn, account, kind, str(arn or "*"), tags, cache)
    if kind in _TABLES:
        name = _param(params, _NAME_PARAMS[kind])
        if name is None:
            if kind == "user":
                key_id = _param(params, "AccessKeyId")
                if operation == "GetAccessKeyLastUsed" and key_id is not None:
                    return _key_owner(conn, caller, str(key_id), tags, cache)
                if operation == "ListServiceSpecificCredentials" and _param(params, "AllUsers"):
                    return Target(f"arn:aws:iam::{account}:user/*")  # every user's
                return _caller_target(caller)
            return Target("*")
        if operation in _CREATES:
            return Target(ids.arn(account, kind, _param(params, "Path") or "/", str(name)))
        return _entity(conn, account, kind, str(name), tags, cache)
    if kind == "mfa":
        if operation == "CreateVirtualMFADevice":
            return Target(ids.arn(account, "mfa", _param(params, "Path") or "/",
                                  str(_param(params, "VirtualMFADeviceName"))))
        return _by_arn(conn, account, kind, str(_param(params, "SerialNumber") or "*"), tags,
                       cache)
    if kind == "oidc-provider":
        if operation == "CreateOpenIDConnectProvider":
            return Target(oidc_arn(account, str(_param(params, "Url"))))
        return _by_arn(conn, account, kind, str(_param(params, "OpenIDConnectProviderArn") or "*"),
                       tags, cache)
    if kind == "saml-provider":
        if operation == "CreateSAMLProvider":
            return Target(ids.arn(account, "saml-provider", "/", str(_param(params, "Name"))))
        return _by_arn(conn, account, kind, str(_param(params, "SAMLProviderArn") or "*"), tags,
                       cache)
    return Target("*")


# -- the request context -----------------------------------------------------------------------------


#: (second, its time keys): replaced as one value, so threads never see half an update.
_clock: tuple[int, dict[str, Any]] = (-1, {})


def _time_keys(now: datetime | None) -> dict[str, Any]:
    """``aws:CurrentTime`` and ``aws:EpochTime`` (formatted once per second of the clock)."""
    global _clock
    if now is not None:
        return {"aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "aws:EpochTime": str(int(now.timestamp()))}
    second = int(time.time())
    cached = _clock
    if cached[0] != second:
        moment = datetime.fromtimestamp(second, UTC)
        cached = _clock = (second, {"aws:CurrentTime": moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                    "aws:EpochTime": str(second)})
    return cached[1]


def tag_keys(params: Mapping[str, Any]) -> dict[str, Any]:
    """``aws:RequestTag/*`` and ``aws:TagKeys`` from a ``Tags`` (or ``TagKeys``) parameter."""
    out: dict[str, Any] = {}
    tags = _param(params, "Tags")
    if tags:
        keys = []
        for tag in tags:
            if not isinstance(tag, Mapping) or tag.get("Key") is None:
                continue  # the model check refuses it; nothing to put in the context
            key, value = str(tag["Key"]), str(tag.get("Value", ""))
            out[f"aws:RequestTag/{key}"] = value
            keys.append(key)
        out["aws:TagKeys"] = keys
    untag = _param(params, "TagKeys")
    if untag:
        out["aws:TagKeys"] = [str(k) for k in untag]
    return out


def request_context(caller: ResolvedCaller, service: str, operation: str,
                    params: Mapping[str, Any], context: Mapping[str, Any] | None,
                    target: Target, now: datetime | None = None) -> dict[str, Any]:
    """Every context key IAM would put in this request."""
    ctx = dict(caller.base_context)
    ctx.update(_time_keys(now))
    if context:
        ctx.update(context)
    if params:
        ctx.update(tag_keys(params))
        if service == "iam":
            plan = _plan(service, operation)
            if plan.policy_arn_key:
                arn = _param(params, "PolicyArn")
                if arn is not None:
                    ctx["iam:PolicyARN"] = arn
            if plan.boundary_key:
                boundary = _param(params, "PermissionsBoundary") or target.boundary_arn
                if boundary is not None:
                    ctx["iam:PermissionsBoundary"] = boundary
    if target.tags:
        for key, value in target.tags.items():
            ctx[f"aws:ResourceTag/{key}"] = value
            ctx[f"iam:ResourceTag/{key}"] = value
    return ctx


# -- the decision ---------------------------------------------------------------------------------


def _session_limits(caller: ResolvedCaller, service: str, operation: str,
                    params: Mapping[str, Any]) -> None:
    """What temporary credentials cannot do. No session may call ``GetFederationToken``. A
    federated user session may call no IAM operation and no STS operation but
    ``GetCallerIdentity`` (STS API Reference, GetFederationToken). Credentials from
    ``GetSessionToken`` cannot call IAM unless the session was made with an MFA code, and in
    STS only ``AssumeRole`` and ``GetCallerIdentity`` (STS API Reference, GetSessionToken)."""
    session = caller.session
    if session is None:
        return
    if service == "sts" and operation == "GetFederationToken":
        raise AccessDenied("Cannot call GetFederationToken with session credentials")
    if session.kind == "federated":
        if service == "iam":
            raise InvalidClientTokenId("The security token included in the request is invalid.")
        if service == "sts" and operation == "GetSessionToken":
            raise AccessDenied("Cannot call GetSessionToken with session credentials")
        if service == "sts" and operation != "GetCallerIdentity":
            raise AccessDenied(denied_message(caller.arn, f"sts:{operation}",
                                              _sts_target(operation, params).arn, None))
        return
    if session.kind == "role":
        return
    if service == "iam" and session.mfa_at is None:
        raise InvalidClientTokenId("The security token included in the request is invalid.")
    if operation == "GetSessionToken":
        raise AccessDenied("Cannot call GetSessionToken with session credentials")
    if service == "sts" and operation not in ("AssumeRole", "GetCallerIdentity"):
        raise AccessDenied(denied_message(caller.arn, f"sts:{operation}",
                                          _sts_target(operation, params).arn, None))


def authorize(conn: Connection, caller: ResolvedCaller, service: str, operation: str,
              params: Mapping[str, Any], context: Mapping[str, Any] | None = None,
              cache: TargetCache | None = None) -> Decision:
    """The engine's decision for this call; ``AccessDenied`` with IAM's text when it is no."""
    _session_limits(caller, service, operation, params)
    if service == "sts" and operation in _STS_SELF_DECIDED:
        return ALLOWED
    if caller.kind == ROOT:
        return ALLOWED  # the root user, in its own account (IAM calls stay in the caller's account)
    target = target_of(conn, caller, service, operation, params,
                       tags=caller.wants_resource_tags, cache=cache)
    action = f"{service}:{operation}"
    ctx = request_context(caller, service, operation, params, context, target)
    if service == "iam" and operation in _CREDENTIAL_SERVICE_KEYED:
        ctx.update(_credential_service_keys(conn, caller, operation, params))
    decision = caller.policy_set.authorize(
        Request(caller.arn, action, target.arn, ctx, resource_account=caller.account_id))
    if not decision.allowed and _password_self_service(conn, caller, service, operation,
                                                       decision):
        decision = ALLOWED
    if not decision.allowed:
        raise AccessDenied(denied_message(caller.arn, action, target.arn, decision))
    moved = _MOVES.get(operation) if service == "iam" else None
    if moved is not None:
        _authorize_new_arn(caller, action, params, moved, target, ctx)
    passed = _PASSES_ROLE.get(operation) if service == "iam" else None
    if passed is not None:
        _authorize_pass_role(conn, caller, params, context, passed, cache)
    return decision


#: The operations the action catalog gives ``iam:ServiceSpecificCredentialServiceName``.
_CREDENTIAL_SERVICE_KEYED = frozenset({
    "CreateServiceSpecificCredential", "ResetServiceSpecificCredential",
    "UpdateServiceSpecificCredential", "DeleteServiceSpecificCredential"})


def _credential_service_keys(conn: Connection, caller: ResolvedCaller, operation: str,
                             params: Mapping[str, Any]) -> dict[str, Any]:
    """``iam:ServiceSpecificCredentialServiceName`` (and, on create, ``…AgeDays``): the service
    named in the request, or for an existing credential the one it was made for (an unknown id
    sets none, and the operation answers NoSuchEntity if allowed)."""
    keys: dict[str, Any] = {}
    if operation == "CreateServiceSpecificCredential":
        name = _param(params, "ServiceName")
        if name is not None:
            keys["iam:ServiceSpecificCredentialServiceName"] = str(name)
        age = _param(params, "CredentialAgeDays")
        if age is not None:
            keys["iam:ServiceSpecificCredentialAgeDays"] = int(age)
        return keys
    cred_id = _param(params, "ServiceSpecificCredentialId")
    if cred_id is not None:
        c = s.service_specific_credentials.c
        stored = conn.execute(select(c.service_name).where(
            c.account_id == caller.account_id, c.id == str(cred_id))).scalar()
        if stored is not None:
            keys["iam:ServiceSpecificCredentialServiceName"] = stored
    return keys


#: What an account password policy with ``AllowUsersToChangePassword`` gives every IAM user
#: (``ChangePassword`` acts on the caller's own user only): "permissions to iam:ChangePassword
#: for only their user and to the iam:GetAccountPasswordPolicy action. This option does not
#: attach a permissions policy to each user, rather the permissions are applied at the
#: account-level for all users by IAM" (IAM API Reference, UpdateAccountPasswordPolicy).
_PASSWORD_SELF_SERVICE = frozenset({"ChangePassword", "GetAccountPasswordPolicy"})


def _password_self_service(conn: Connection, caller: ResolvedCaller, service: str,
                           operation: str, decision: Decision) -> bool:
    """Whether the account's password policy grants what no identity policy did. Only an
    implicit deny for want of an identity policy is lifted: an explicit deny, a boundary or a
    session policy still refuses, as they would refuse an attached policy's grant."""
    if (service != "iam" or operation not in _PASSWORD_SELF_SERVICE or caller.kind != USER
            or decision.decision is not Outcome.IMPLICIT_DENY
            or tuple(decision.denied_by) != (PolicyType.IDENTITY,)):
        return False
    return users_may_change_passwords(conn, caller.account_id)


#: Operations that rename or move an entity, with the parameter of its new name: the caller needs
#: the permission on the new ARN too (IAM API Reference, UpdateUser and UpdateGroup: "the
#: requester must have appropriate permissions on both the source object and the target object").
_MOVES: dict[str, str] = {"UpdateUser": "NewUserName", "UpdateGroup": "NewGroupName",
                          "UpdateServerCertificate": "NewServerCertificateName"}
def _authorize_new_arn(caller: ResolvedCaller, action: str, params: Mapping[str, Any],
                       new_name_param: str, target: Target, ctx: Mapping[str, Any]) -> None:
    """The same action on the entity's ARN after the change (new path and/or name, the current
    ones otherwise), in the same request context; ``AccessDenied`` naming that ARN when it is
    no."""
    current = ids.parse_arn(target.arn)
    if current is None:
        return  # not an entity ARN: nothing is moved (the operation finds no such entity)
    new_path = _param(params, "NewPath")
    new_name = _param(params, new_name_param)
    new_arn = ids.arn(current.account, current.kind,
                      current.path if new_path is None else str(new_path),
                      current.name if new_name is None else str(new_name))
    if new_arn == target.arn:
        return
    decision = caller.policy_set.authorize(
        Request(caller.arn, action, new_arn, dict(ctx), resource_account=caller.account_id))
    if not decision.allowed:
        raise AccessDenied(denied_message(caller.arn, action, new_arn, decision))


#: Operations that hand a role to a service, so that the caller also needs ``iam:PassRole`` on
#: it (IAM API Reference: "The caller of this operation must be granted the PassRole permission
#: on the IAM role"), with the service and the resources it is associated with.
_PASSES_ROLE: dict[str, tuple[str, str]] = {
    # An instance profile's role goes to EC2 instances; IAM names no instance, so the ARN is
    # the one the API Reference gives for this operation: arn:aws:ec2:*:ACCOUNT:instance/*.
    "AddRoleToInstanceProfile": ("ec2.amazonaws.com", "arn:aws:ec2:*:{account}:instance/*"),
}


def _authorize_pass_role(conn: Connection, caller: ResolvedCaller, params: Mapping[str, Any],
                         context: Mapping[str, Any] | None, passed: tuple[str, str],
                         cache: TargetCache | None = None) -> None:
    """``iam:PassRole`` on the role the operation passes, with ``iam:PassedToService`` and
    ``iam:AssociatedResourceArn``; ``AccessDenied`` naming ``iam:PassRole`` when it is no."""
    name = _param(params, "RoleName")
    if name is None:
        return  # the model check refuses the call before it runs
    service, associated = passed
    target = _entity(conn, caller.account_id, "role", str(name), caller.wants_resource_tags,
                     cache)
    ctx = request_context(caller, "iam", "PassRole", {}, context, target)
    ctx["iam:PassedToService"] = service
    ctx["iam:AssociatedResourceArn"] = associated.format(account=caller.account_id)
    decision = caller.policy_set.authorize(
        Request(caller.arn, "iam:PassRole", target.arn, ctx, resource_account=caller.account_id))
    if not decision.allowed:
        raise AccessDenied(denied_message(caller.arn, "iam:PassRole", target.arn, decision))
