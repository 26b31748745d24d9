"""STS in the domain: AssumeRole, GetSessionToken, GetFederationToken, GetCallerIdentity,
GetAccessKeyInfo.

Temporary credentials are a ``sessions`` row: an ``ASIA…`` key id, a secret and a session token,
both AES-GCM ciphertexts bound to the row (``principal.session_*_context``), and an expiry after
which the signature verifier answers ``ExpiredToken``. Expired rows are kept for a while (so the
answer stays ``ExpiredToken`` rather than "unknown key") and purged later.

``AssumeRole`` asks the engine with the caller as principal and the role's trust policy as the
resource policy, next to the caller's own policies: in the role's account the trust policy may
grant by itself (when it names the caller), across accounts both must allow (IAM User Guide,
"Cross-account policy evaluation logic"). Session tags need ``sts:TagSession`` and a source
identity ``sts:SetSourceIdentity``, in the same way. The session's permissions are then the role's
policies intersected with the session policies (inline ``Policy`` and managed ``PolicyArns``).
Role chaining (a role session assuming a role) limits the session to one hour, and passes on the
transitive session tags and the source identity.

MFA: ``GetSessionToken`` and ``AssumeRole`` accept ``SerialNumber`` and ``TokenCode`` for a
virtual device enabled for the calling IAM user (``mfa.verify_code``: a fresh code of the current
30-second step or one either side, never one already used). The new session records when
(``sessions.mfa_at``), which gives it ``aws:MultiFactorAuthPresent`` and
``aws:MultiFactorAuthAge``; in ``AssumeRole`` the trust policy already sees both. A role session
assumed from a session with MFA keeps the original ``mfa_at`` (so a chain of roles stays "with
MFA", and its age keeps counting from the code). The root user and role sessions have no device
here: an MFA code from them is refused as an invalid one. Texts: "MultiFactorAuthentication
failed with invalid MFA one time pass code." (AWS's), and, for a serial number without a code or
the reverse, "MultiFactorAuthentication failed, must provide both MFA serial number and one time
pass code." (not confirmed against AWS).

GetFederationToken (STS API Reference): only an IAM user's or the root user's long-term keys may
call it ("Cannot call GetFederationToken with session credentials", the text AWS answers, also
checked by ``authz`` before any permission); an IAM user needs ``sts:GetFederationToken`` on
``arn:aws:sts::ACCOUNT:federated-user/NAME`` (and ``sts:TagSession`` there to pass tags), asked
of its own policies. ``DurationSeconds`` is 900–129600 (the model's bounds), 43200 by default;
the root user's sessions last at most an hour ("If the specified duration is longer than one
hour, the session obtained by using root user credentials defaults to one hour"). The session is
a ``sessions`` row of kind ``federated`` (``user_id`` the calling user, NULL for root, so that
deleting the user ends it), whose permissions ``principal.federated_caller`` works out: the
user's policies intersected with the session policies, nothing without one. What the session
may call at all is ``authz``'s business (no IAM operation, no STS one but GetCallerIdentity).
Session tags are not transitive here (no role chaining from a federated user).

GetAccessKeyInfo answers the account of any key this service issued, long-term or temporary,
active or not, expired or not (until the row is purged), whoever owns it, as AWS answers for any
key; it needs ``sts:GetAccessKeyInfo`` (on ``*``) in the caller's policies (``authz``). AWS
derives the account from the key id itself; ids here are random, so a key this service does not
know is a ``ValidationError`` (text not confirmed against AWS).
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from a2c_iam.policy import (
    PolicyKind,
    PolicyLimitExceeded,
    PolicySet,
    PolicyType,
    PolicyValidationError,
    Request,
    compile_policy_set,
    parse_policy,
)
from a2c_iam.store import schema as s

from . import ids
from .authz import Target, denied_message, request_context
from .errors import (
    AccessDenied,
    MalformedPolicyDocument,
    PackedPolicyTooLarge,
    ValidationError,
    check_input,
)
from .mfa import verify_code
from .model import Credentials
from .principal import (
    ASSUMED_ROLE,
    FEDERATED_USER,
    MFA_AGE,
    MFA_PRESENT,
    ROOT,
    USER,
    ResolvedCaller,
    delete_sessions,
    root_caller,
    session_secret_context,
    session_token_context,
    transitive_resource_id,
)
from .secrets import SecretStr
from .tx import Tx

DEFAULT_ROLE_SESSION = 3600
CHAINED_MAX = 3600
DEFAULT_USER_SESSION = 43200
DEFAULT_FEDERATION = 43200
ROOT_SESSION_MAX = 3600
MIN_DURATION = 900
MAX_USER_SESSION = 129600
SESSION_POLICY_CHARS = 2048
MAX_POLICY_ARNS = 10
#: The budget the packed session policies and tags are measured against (``PackedPolicySize``).
PACKED_BUDGET = 2048
#: How long expired credentials keep answering ``ExpiredToken`` before their row is purged.
KEEP_EXPIRED = timedelta(days=7)


def _caller(tx: Tx) -> ResolvedCaller:
    caller = tx.ctx.caller
    return caller if caller is not None else root_caller(tx.account_id)


def _request_context(tx: Tx) -> Mapping[str, Any]:
    """What the wire layer knows of the request (``aws:SourceIp``…), when the facade passes it."""
    found = getattr(tx, "context", None)
    return found if isinstance(found, Mapping) else {}


def _credentials(tx: Tx, account_id: str, expires: datetime, **row: Any) -> Credentials:
    key_id = ids.access_key_id(temporary=True)
    secret, token = ids.secret_access_key(), ids.session_token()
    tx.conn.execute(s.sessions.insert().values(
        id=key_id, account_id=account_id,
        secret=tx.cipher.encrypt(secret, session_secret_context(key_id)),
        token=tx.cipher.encrypt(token, session_token_context(key_id)),
        created_at=tx.now, expires_at=expires, **row,
    ))
    return Credentials(key_id, SecretStr(secret), SecretStr(token), expires)


def _proved_mfa(tx: Tx, caller: ResolvedCaller, serial_number: str | None,
                token_code: str | None) -> bool:
    """Whether the call proves MFA (a valid code of the caller's device); False without one,
    ``AccessDenied`` for a code that is not valid."""
    if serial_number is None and token_code is None:
        return False
    if serial_number is None or token_code is None:
        raise AccessDenied("MultiFactorAuthentication failed, must provide both MFA serial "
                           "number and one time pass code.")
    user_id = caller.user_id if caller.kind == USER else None
    if not verify_code(tx, serial_number, user_id, token_code):
        raise AccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code.")
    return True


def _purge_expired(tx: Tx) -> None:
    cutoff = tx.now - KEEP_EXPIRED
    old = [r[0] for r in tx.conn.execute(
        select(s.sessions.c.id).where(s.sessions.c.expires_at < cutoff).limit(500))]
    delete_sessions(tx.conn, old)


# -- AssumeRole ------------------------------------------------------------------------------------


def _duration(caller: ResolvedCaller, requested: int | None, role_max: int) -> int:
    duration = DEFAULT_ROLE_SESSION if requested is None else requested
    if duration < MIN_DURATION:
        raise ValidationError(
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
            f"satisfy constraint: Member must have value greater than or equal to {MIN_DURATION}")
    if caller.kind == ASSUMED_ROLE and requested is not None and duration > CHAINED_MAX:
        raise ValidationError("The requested DurationSeconds exceeds the 1 hour session limit "
                              "for roles assumed by role chaining.")
    if duration > role_max:
        raise ValidationError("The requested DurationSeconds exceeds the MaxSessionDuration set "
                              "for this role.")
    return duration


def _session_policy(policy: str | None) -> str | None:
    if policy is None:
        return None
    if len(policy) > SESSION_POLICY_CHARS:
        raise ValidationError(
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: "
            f"Member must have length less than or equal to {SESSION_POLICY_CHARS}")
    try:
        parse_policy(policy, PolicyKind.SESSION)
    except PolicyLimitExceeded:
        raise PackedPolicyTooLarge(_too_large(101)) from None
    except PolicyValidationError as exc:
        raise MalformedPolicyDocument(exc.message) from None
    return policy


def _policy_arns(tx: Tx, account_id: str, policy_arns: Sequence[Any] | None) -> list[str]:
    arns = [str(p.get("arn") if isinstance(p, Mapping) else p) for p in policy_arns or ()]
    if len(arns) > MAX_POLICY_ARNS:
        raise ValidationError(
            "1 validation error detected: Value at 'policyArns' failed to satisfy constraint: "
            f"Member must have length less than or equal to {MAX_POLICY_ARNS}")
    for arn in arns:
        row = tx.conn.execute(select(s.policies.c.account_id).where(s.policies.c.arn == arn)).first()
        if row is None or (row.account_id is not None and row.account_id != account_id):
            raise MalformedPolicyDocument(f"Policy {arn} does not exist or is not attachable.")
    return arns


def _session_tags(caller: ResolvedCaller, tags: Sequence[Any] | None,
                  transitive: Sequence[str] | None) -> tuple[dict[str, str], list[str]]:
    """The new session's tags: those given plus the caller's transitive ones (role chaining)."""
    given: dict[str, str] = {}
    for tag in tags or ():
        if not isinstance(tag, Mapping) or tag.get("Key") is None:
            raise ValidationError(
                "1 validation error detected: Value null at 'tags.member.key' failed to satisfy "
                "constraint: Member must not be null")
        key = str(tag["Key"])
        if key.lower() in {k.lower() for k in given}:
            raise ValidationError(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        given[key] = str(tag.get("Value", ""))
    lowered = {k.lower() for k in given}
    keys = [str(k) for k in transitive or ()]
    for key in keys:
        if key.lower() not in lowered:
            raise ValidationError(
                f"The transitive tag key {key} is not one of the session tag keys.")
    inherited: dict[str, str] = {}
    inherited_keys: list[str] = []
    session = caller.session
    if session is not None and session.kind == "role":
        for key in session.transitive_keys:
            if key.lower() in lowered:
                raise ValidationError(
                    f"The session tag {key} is transitive in the calling session and cannot be "
                    "set again.")
            if key in session.tags:
                inherited[key] = session.tags[key]
                inherited_keys.append(key)
    return {**inherited, **given}, inherited_keys + keys


def _too_large(percent: int) -> str:
    return (f"Packed policy consumes {percent}% of allotted space, please use smaller "
            "policy for full session policy.")


def _packed_size(policy: str | None, arns: Sequence[str], tags: Mapping[str, str]) -> int:
    """How much of the session's packed budget the session policies and tags take (percent)."""
    parts = []
    if policy is not None:
        parts.append(json.dumps(json.loads(policy), separators=(",", ":")))
    parts.extend(arns)
    parts.extend(f"{k}={v}" for k, v in tags.items())
    packed = len(zlib.compress("\n".join(parts).encode("utf-8"), 9))
    return max(1, math.ceil(100 * packed / PACKED_BUDGET))


def _checked_packed_size(session_policy: str | None, arns: Sequence[str],
                         tags: Mapping[str, str]) -> int | None:
    """The packed size of what the session carries (None when it carries nothing);
    ``PackedPolicyTooLarge`` over 100 per cent."""
    if session_policy is None and not arns and not tags:
        return None
    packed = _packed_size(session_policy, arns, tags)
    if packed > 100:
        raise PackedPolicyTooLarge(_too_large(packed))
    return packed


def _evaluate(caller: ResolvedCaller, policies: PolicySet, action: str, role_arn: str,
              role_account: str, context: Mapping[str, Any]) -> None:
    decision = compile_policy_set(policies).authorize(
        Request(caller.arn, action, role_arn, context, resource_account=role_account))
    if decision.allowed:
        return
    reason = decision if decision.denied_by and decision.denied_by[0] is not PolicyType.RESOURCE else None
    raise AccessDenied(denied_message(caller.arn, action, role_arn, reason))


def assume_role(tx: Tx, role_arn: str, role_session_name: str,
                policy_arns: Sequence[Any] | None = None, policy: str | None = None,
                duration_seconds: int | None = None, tags: Sequence[Any] | None = None,
                transitive_tag_keys: Sequence[str] | None = None,
                external_id: str | None = None, serial_number: str | None = None,
                token_code: str | None = None, source_identity: str | None = None,
                provided_contexts: Sequence[Any] | None = None) -> dict[str, Any]:
    check_input("sts", "AssumeRole", RoleArn=role_arn, RoleSessionName=role_session_name,
                DurationSeconds=duration_seconds, ExternalId=external_id,
                SourceIdentity=source_identity, Tags=list(tags) if tags else None,
                TransitiveTagKeys=list(transitive_tag_keys) if transitive_tag_keys else None)
    caller = _caller(tx)
    tx.target = role_arn
    if caller.kind == ROOT:
        raise AccessDenied("Roles may not be assumed by root accounts.")
    if caller.kind == FEDERATED_USER:
        # No STS operation but GetCallerIdentity for a federated user (``authz`` refuses first).
        raise AccessDenied(denied_message(caller.arn, "sts:AssumeRole", role_arn, None))
    parsed = ids.parse_arn(role_arn)
    if parsed is None or parsed.kind != "role":
        raise ValidationError(f"{role_arn} is invalid")
    role = tx.conn.execute(select(s.roles).where(
        s.roles.c.account_id == parsed.account,
        s.roles.c.name_lower == parsed.name.lower())).first()
    if role is None or role.path != parsed.path or role.name != parsed.name:
        raise AccessDenied(denied_message(caller.arn, "sts:AssumeRole", role_arn, None))
    inherited_mfa = caller.session.mfa_at if caller.session is not None else None
    proved = _proved_mfa(tx, caller, serial_number, token_code)
    mfa_at = tx.now if proved else inherited_mfa
    session_policy = _session_policy(policy)
    arns = _policy_arns(tx, role.account_id, policy_arns)
    new_tags, transitive = _session_tags(caller, tags, transitive_tag_keys)
    inherited_identity = caller.session.source_identity if caller.session is not None else None
    if inherited_identity is not None and source_identity not in (None, inherited_identity):
        raise AccessDenied("The source identity of a role session cannot be changed.")
    duration = _duration(caller, duration_seconds, role.max_session_duration)

    trust = parse_policy(role.trust_policy, PolicyKind.TRUST, validate=False)
    policies = PolicySet(
        identity_policies=caller.policies.identity_policies,
        identity_names=caller.policies.identity_names,
        permission_boundary=caller.policies.permission_boundary,
        session_policy=caller.policies.session_policy,
        resource_policy=trust,
    )
    role_tags = {k: v for k, v in tx.conn.execute(
        select(s.tags.c.key, s.tags.c.value).where(s.tags.c.resource_id == role.id)).all()}
    params: dict[str, Any] = {"Tags": list(tags or ())} if tags else {}
    context = request_context(caller, "sts", "AssumeRole", params, _request_context(tx),
                              Target(role_arn, None, None), tx.now)
    context["sts:RoleSessionName"] = role_session_name
    if proved:
        # Proved in this call: the trust policy sees it (a session with MFA has it already).
        context[MFA_PRESENT] = "true"
        context[MFA_AGE] = "0"
    if external_id is not None:
        context["sts:ExternalId"] = external_id
    if source_identity is not None:
        context["sts:SourceIdentity"] = source_identity
    if transitive_tag_keys:
        context["sts:TransitiveTagKeys"] = list(transitive_tag_keys)
    for key, value in role_tags.items():
        context[f"iam:ResourceTag/{key}"] = value
        context[f"aws:ResourceTag/{key}"] = value
    _evaluate(caller, policies, "sts:AssumeRole", role_arn, role.account_id, context)
    if tags:
        _evaluate(caller, policies, "sts:TagSession", role_arn, role.account_id, context)
    if source_identity is not None and inherited_identity is None:
        _evaluate(caller, policies, "sts:SetSourceIdentity", role_arn, role.account_id, context)

    packed = _checked_packed_size(session_policy, arns, new_tags)
    _purge_expired(tx)
    identity = source_identity or inherited_identity
    credentials = _credentials(
        tx, role.account_id, tx.now + timedelta(seconds=duration), kind="role", role_id=role.id,
        session_name=role_session_name, session_policy=session_policy,
        policy_arns=json.dumps(arns) if arns else None, chained=caller.kind == ASSUMED_ROLE,
        source_identity=identity, parent_arn=caller.arn, mfa_at=mfa_at,
    )
    _store_tags(tx, role.account_id, credentials.access_key_id, new_tags, transitive)
    region = _request_context(tx).get("aws:RequestedRegion")
    tx.conn.execute(update(s.roles).where(s.roles.c.id == role.id).values(
        last_used_at=tx.now, **({"last_used_region": region} if region else {})))
    out: dict[str, Any] = {
        "Credentials": credentials,
        "AssumedRoleUser": {
            "AssumedRoleId": f"{role.id}:{role_session_name}",
            "Arn": ids.assumed_role_arn(role.account_id, role.name, role_session_name),
        },
    }
    if packed is not None:
        out["PackedPolicySize"] = packed
    if identity is not None:
        out["SourceIdentity"] = identity
    return out


def _store_tags(tx: Tx, account_id: str, session_id: str, tags: Mapping[str, str],
                transitive: Sequence[str]) -> None:
    rows = [{"account_id": account_id, "resource_id": session_id, "key": k,
             "key_lower": k.lower(), "value": v} for k, v in tags.items()]
    rows += [{"account_id": account_id, "resource_id": transitive_resource_id(session_id),
              "key": k, "key_lower": k.lower(), "value": ""} for k in dict.fromkeys(transitive)]
    if rows:
        tx.conn.execute(s.tags.insert(), rows)


# -- GetSessionToken, GetCallerIdentity ---------------------------------------------------------------


def get_session_token(tx: Tx, duration_seconds: int | None = None,
                      serial_number: str | None = None,
                      token_code: str | None = None) -> dict[str, Any]:
    check_input("sts", "GetSessionToken", DurationSeconds=duration_seconds,
                SerialNumber=serial_number, TokenCode=token_code)
    caller = _caller(tx)
    tx.target = caller.arn
    if caller.session is not None:
        raise AccessDenied("Cannot call GetSessionToken with session credentials")
    mfa_at = tx.now if _proved_mfa(tx, caller, serial_number, token_code) else None
    duration = DEFAULT_USER_SESSION if duration_seconds is None else duration_seconds
    if caller.kind == ROOT:
        duration = min(duration, ROOT_SESSION_MAX)  # IAM: root sessions default to one hour
    _purge_expired(tx)
    credentials = _credentials(
        tx, caller.account_id, tx.now + timedelta(seconds=duration),
        kind="root" if caller.kind == ROOT else "user",
        user_id=None if caller.kind == ROOT else caller.user_id, parent_arn=caller.arn,
        chained=False, mfa_at=mfa_at,
    )
    return {"Credentials": credentials}


# -- GetFederationToken, GetAccessKeyInfo ----------------------------------------------------------


def get_federation_token(tx: Tx, name: str, policy: str | None = None,
                         policy_arns: Sequence[Any] | None = None,
                         duration_seconds: int | None = None,
                         tags: Sequence[Any] | None = None) -> dict[str, Any]:
    check_input("sts", "GetFederationToken", Name=name, DurationSeconds=duration_seconds,
                Tags=list(tags) if tags else None)
    caller = _caller(tx)
    if caller.session is not None or caller.kind not in (USER, ROOT):
        raise AccessDenied("Cannot call GetFederationToken with session credentials")
    account = caller.account_id
    arn = ids.federated_user_arn(account, name)
    tx.target = arn
    session_policy = _session_policy(policy)
    arns = _policy_arns(tx, account, policy_arns)
    new_tags, _ = _session_tags(caller, tags, None)
    duration = DEFAULT_FEDERATION if duration_seconds is None else duration_seconds
    if caller.kind == ROOT:
        duration = min(duration, ROOT_SESSION_MAX)
    else:
        params: dict[str, Any] = {"Tags": list(tags or ())} if tags else {}
        context = request_context(caller, "sts", "GetFederationToken", params,
                                  _request_context(tx), Target(arn), tx.now)
        for action in ("sts:GetFederationToken", *(("sts:TagSession",) if tags else ())):
            decision = caller.policy_set.authorize(
                Request(caller.arn, action, arn, context, resource_account=account))
            if not decision.allowed:
                raise AccessDenied(denied_message(caller.arn, action, arn, decision))
    packed = _checked_packed_size(session_policy, arns, new_tags)
    _purge_expired(tx)
    credentials = _credentials(
        tx, account, tx.now + timedelta(seconds=duration), kind="federated",
        user_id=caller.user_id if caller.kind == USER else None, session_name=name,
        session_policy=session_policy, policy_arns=json.dumps(arns) if arns else None,
        chained=False, parent_arn=caller.arn,
    )
    _store_tags(tx, account, credentials.access_key_id, new_tags, ())
    out: dict[str, Any] = {
        "Credentials": credentials,
        "FederatedUser": {"FederatedUserId": f"{account}:{name}", "Arn": arn},
    }
    if packed is not None:
        out["PackedPolicySize"] = packed
    return out


def get_access_key_info(tx: Tx, access_key_id: str) -> dict[str, Any]:
    check_input("sts", "GetAccessKeyInfo", AccessKeyId=access_key_id)
    table = (s.sessions if access_key_id.startswith(ids.Prefix.TEMPORARY_KEY.value)
             else s.access_keys)
    account = tx.conn.execute(
        select(table.c.account_id).where(table.c.id == access_key_id)).scalar()
    if account is None:
        raise ValidationError(f"The access key ID {access_key_id} does not exist.")
    return {"Account": account}


def get_caller_identity(tx: Tx) -> dict[str, Any]:
    caller = _caller(tx)
    return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}

