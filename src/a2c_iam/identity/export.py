"""GetAccountAuthorizationDetails, and its inverse: load such a document into an account.

The export has exactly the members of botocore's ``GetAccountAuthorizationDetailsResponse``.
``Policies`` holds the account's customer managed policies and the AWS managed policies that are
attached to something in the account (what IAM returns). Pages run over users, then groups, then
roles, then policies.

``import_details`` recreates every entity of an export in another account, with new ids but the
same names, paths, creation dates, documents, version ids, memberships, attachments, boundaries,
tags and instance profiles, so that exporting it again gives the same document (ids aside).
Policy ARNs of the source account are mapped to the target account. The document is checked
first, all of it, against the documented shape (``GetAccountAuthorizationDetailsResponse`` in
botocore's model: member names, types, required members), names and paths against the model's
constraints, and names against what the account already holds (``EntityAlreadyExists``), so that
a bad document is refused with a precise error and, the import being one transaction, changes
nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import unquote

from sqlalchemy import select

from a2c_iam.policy import PolicyKind
from a2c_iam.store import schema as s

from . import ids
from .common import MANAGED_POLICY_SIZE, VERSIONS_PER_POLICY, document, name_taken, page, size
from .entities import boundary_arn, to_policy
from .errors import EntityAlreadyExists, InvalidInput, NoSuchEntity, check_input
from .ids import Prefix
from .inline import inline_of
from .model import PolicyText
from .policies import attached_policies, versions_of
from .profiles import profiles_of_role
from .tags import get_tags
from .tx import Tx

Shape = Any  # botocore.model.Shape (botocore has no type hints)
FILTERS = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")


def _boundary(conn: Any, policy_id: str | None) -> dict[str, str] | None:
    arn = boundary_arn(conn, policy_id)
    if arn is None:
        return None
    return {"PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": arn}


def _inline(tx: Tx, kind: str, owner_id: str) -> list[dict[str, Any]]:
    return [{"PolicyName": n, "PolicyDocument": PolicyText(d)}
            for n, d in inline_of(tx, kind, owner_id)]


def _user(tx: Tx, row: Any) -> dict[str, Any]:
    groups = tx.conn.execute(
        select(s.groups.c.name).join(s.group_members, s.group_members.c.group_id == s.groups.c.id)
        .where(s.group_members.c.user_id == row.id).order_by(s.groups.c.name_lower)).scalars()
    out: dict[str, Any] = {
        "Path": row.path, "UserName": row.name, "UserId": row.id,
        "Arn": ids.arn(row.account_id, "user", row.path, row.name), "CreateDate": row.created_at,
    }
    inline = _inline(tx, "user", row.id)
    if inline:
        out["UserPolicyList"] = inline
    out["GroupList"] = list(groups)
    out["AttachedManagedPolicies"] = [p.to_aws() for p in attached_policies(tx, "user_id", row.id)]
    boundary = _boundary(tx.conn, row.boundary_policy_id)
    if boundary:
        out["PermissionsBoundary"] = boundary
    tags = get_tags(tx.conn, row.id)
    if tags:
        out["Tags"] = [t.to_aws() for t in tags]
    return out


def _group(tx: Tx, row: Any) -> dict[str, Any]:
    return {
        "Path": row.path, "GroupName": row.name, "GroupId": row.id,
        "Arn": ids.arn(row.account_id, "group", row.path, row.name), "CreateDate": row.created_at,
        "GroupPolicyList": _inline(tx, "group", row.id),
        "AttachedManagedPolicies": [p.to_aws()
                                    for p in attached_policies(tx, "group_id", row.id)],
    }


def _role(tx: Tx, row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "Path": row.path, "RoleName": row.name, "RoleId": row.id,
        "Arn": ids.arn(row.account_id, "role", row.path, row.name), "CreateDate": row.created_at,
        "AssumeRolePolicyDocument": PolicyText(row.trust_policy),
        "InstanceProfileList": [p.to_aws(documents="text") for p in profiles_of_role(tx, row.id)],
        "RolePolicyList": _inline(tx, "role", row.id),
        "AttachedManagedPolicies": [p.to_aws() for p in attached_policies(tx, "role_id", row.id)],
    }
    boundary = _boundary(tx.conn, row.boundary_policy_id)
    if boundary:
        out["PermissionsBoundary"] = boundary
    out["Tags"] = [t.to_aws() for t in get_tags(tx.conn, row.id)]
    last_used: dict[str, Any] = {}
    if row.last_used_at is not None:
        last_used["LastUsedDate"] = row.last_used_at
    if row.last_used_region is not None:
        last_used["Region"] = row.last_used_region
    out["RoleLastUsed"] = last_used
    return out


def _policy(tx: Tx, row: Any) -> dict[str, Any]:
    p = to_policy(tx.conn, tx.account_id, row, with_tags=False).to_aws()
    p.pop("Tags", None)
    p["PolicyVersionList"] = versions_of(tx, row)
    return p


def get_account_authorization_details(tx: Tx, filter: list[str] | None = None,
                                      max_items: int | None = None, marker: str | None = None,
                                      ) -> dict[str, Any]:
    wanted = set(filter or FILTERS)
    conn, account = tx.conn, tx.account_id
    items: list[tuple[str, Any]] = []
    if "User" in wanted:
        items += [("UserDetailList", ("user", r)) for r in conn.execute(
            select(s.users).where(s.users.c.account_id == account)
            .order_by(s.users.c.name_lower))]
    if "Group" in wanted:
        items += [("GroupDetailList", ("group", r)) for r in conn.execute(
            select(s.groups).where(s.groups.c.account_id == account)
            .order_by(s.groups.c.name_lower))]
    if "Role" in wanted:
        items += [("RoleDetailList", ("role", r)) for r in conn.execute(
            select(s.roles).where(s.roles.c.account_id == account)
            .order_by(s.roles.c.name_lower))]
    policies = conn.execute(select(s.policies).where(
        (s.policies.c.account_id == account) | s.policies.c.account_id.is_(None))
        .order_by(s.policies.c.name_lower, s.policies.c.arn)).all()
    for row in policies:
        if row.account_id is None:
            if "AWSManagedPolicy" not in wanted:
                continue
            in_use = conn.execute(select(s.attachments.c.id).where(
                s.attachments.c.policy_id == row.id, s.attachments.c.account_id == account)
                .limit(1)).first()
            if in_use is None:
                continue
        elif "LocalManagedPolicy" not in wanted:
            continue
        items.append(("Policies", ("policy", row)))
    found = page(items, "_", marker, max_items)
    out: dict[str, Any] = {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [],
                           "Policies": []}
    render = {"user": _user, "group": _group, "role": _role, "policy": _policy}
    for key, (kind, row) in found.pop("_"):
        out[key].append(render[kind](tx, row))
    return {**out, **found}


def authorization_details(tx: Tx) -> dict[str, Any]:
    """Every page of GetAccountAuthorizationDetails, as one document."""
    return {k: v for k, v in get_account_authorization_details(tx, max_items=10**9).items()
            if k not in ("Marker",)}


# -- import -------------------------------------------------------------------------------------

def _text(doc: Any) -> str:
    """A document from an export: decoded JSON (boto3), URL-encoded or plain JSON text."""
    if isinstance(doc, Mapping):
        return json.dumps(doc, indent=4)
    if not isinstance(doc, str):
        raise InvalidInput("A policy document in the export is neither JSON nor text.")
    text = doc.strip()
    if text.startswith("%7B") or text.startswith("%7b"):
        text = unquote(text)
    return text


def _parse_date(value: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _role_as_shown_in_a_profile(role: Mapping[str, Any]) -> Mapping[str, Any]:
    """The role's own entry in one of its instance profiles, or {}. ``RoleDetail`` carries no
    ``Description`` or ``MaxSessionDuration``; the ``Role`` shape inside
    ``InstanceProfileList[].Roles[]`` does, so a role in a profile keeps them through a round
    trip (a role in none cannot: AWS's export does not say)."""
    for profile in role.get("InstanceProfileList") or []:
        for shown in profile.get("Roles") or []:
            if str(shown.get("RoleName", "")).lower() == str(role["RoleName"]).lower():
                return cast(Mapping[str, Any], shown)
    return {}


def _date(value: Any, default: datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        return _parse_date(value) or default
    return default


def _invalid(where: str, problem: str) -> InvalidInput:
    return InvalidInput(f"Not a GetAccountAuthorizationDetails document: {where} {problem}.")


def _check_shape(value: Any, shape: Shape, where: str) -> None:
    """``value`` against a botocore shape; documents may be decoded JSON, times ISO-8601 text."""
    kind = shape.type_name
    if shape.name == "policyDocumentType":
        if not isinstance(value, Mapping | str):
            raise _invalid(where, "must be a policy document (JSON object or text)")
        return
    if kind == "structure":
        if not isinstance(value, Mapping):
            raise _invalid(where, "must be an object")
        for key in value:
            if key not in shape.members:
                raise _invalid(where, f"has no member {key!r} in {shape.name}")
        for member in shape.required_members:
            if value.get(member) is None:
                raise _invalid(where, f"lacks the required member {member!r}")
        for key, item in value.items():
            if item is not None:
                _check_shape(item, shape.members[key], f"{where}.{key}")
    elif kind == "list":
        if not isinstance(value, list):
            raise _invalid(where, "must be a list")
        for i, item in enumerate(value):
            _check_shape(item, shape.member, f"{where}[{i}]")
    elif kind == "map":
        if not isinstance(value, Mapping):
            raise _invalid(where, "must be an object")
    elif kind == "string":
        if not isinstance(value, str):
            raise _invalid(where, "must be a string")
        if shape.enum and value not in shape.enum:
            raise _invalid(where, f"must be one of {', '.join(shape.enum)}")
    elif kind == "timestamp":
        if not isinstance(value, datetime) and not (isinstance(value, str)
                                                     and _parse_date(value) is not None):
            raise _invalid(where, "must be an ISO-8601 time")
    elif kind == "boolean":
        if not isinstance(value, bool):
            raise _invalid(where, "must be true or false")
    elif kind in ("integer", "long"):
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(where, "must be an integer")


def _version_number(version_id: Any, where: str) -> int:
    found = _VERSION_ID.fullmatch(version_id) if isinstance(version_id, str) else None
    if found is None:
        raise _invalid(where, f"has the invalid version id {version_id!r}")
    return int(found.group(1))


def check_details(tx: Tx, details: Any) -> None:
    """Refuse, with a precise error, a document ``import_details`` cannot load into this account."""
    shape = _gaad_shape()
    if not isinstance(details, Mapping):
        raise _invalid("the document", "must be a JSON object")
    _check_shape(details, shape, "the document")
    conn, account = tx.conn, tx.account_id
    seen: dict[str, set[str]] = {}

    def fresh(kind: str, table: Any, name: str, taken: str) -> None:
        names = seen.setdefault(kind, set())
        if name.lower() in names or name_taken(conn, table, account, name):
            raise EntityAlreadyExists(taken)
        names.add(name.lower())

    for i, p in enumerate(details.get("Policies") or []):
        where = f"Policies[{i}]"
        arn = p.get("Arn")
        parsed = ids.parse_arn(arn) if isinstance(arn, str) else None
        if parsed is None or parsed.kind != "policy":
            raise _invalid(f"{where}.Arn", "must be a policy ARN")
        if parsed.account == ids.AWS_MANAGED:
            continue
        name = p.get("PolicyName") or parsed.name
        check_input("iam", "CreatePolicy", PolicyName=name, Path=p.get("Path"),
                    Description=p.get("Description"))
        versions = p.get("PolicyVersionList") or []
        if not versions:
            raise _invalid(f"{where}.PolicyVersionList", "must hold the policy's versions")
        numbers = [_version_number(v.get("VersionId"), f"{where}.PolicyVersionList")
                   for v in versions]
        if any(v.get("Document") is None for v in versions):
            raise _invalid(f"{where}.PolicyVersionList", "lacks a version's Document")
        if len(set(numbers)) != len(numbers) or len(numbers) > VERSIONS_PER_POLICY:
            raise _invalid(f"{where}.PolicyVersionList",
                           f"must hold at most {VERSIONS_PER_POLICY} distinct versions")
        default = p.get("DefaultVersionId", versions[0].get("VersionId"))
        if default not in {v.get("VersionId") for v in versions}:
            raise _invalid(f"{where}.DefaultVersionId", "must name one of its versions")
        fresh("policy", s.policies, name,
              f"A policy called {name} already exists. Duplicate names are not allowed.")
    for i, g in enumerate(details.get("GroupDetailList") or []):
        _links(g, f"GroupDetailList[{i}]")
        _names(g, "GroupName", f"GroupDetailList[{i}]")
        check_input("iam", "CreateGroup", GroupName=g["GroupName"], Path=g.get("Path"))
        _inline_names(g.get("GroupPolicyList"), "PutGroupPolicy", "GroupName", g["GroupName"])
        fresh("group", s.groups, g["GroupName"],
              f"Group with name {g['GroupName']} already exists.")
    for i, u in enumerate(details.get("UserDetailList") or []):
        _links(u, f"UserDetailList[{i}]")
        _names(u, "UserName", f"UserDetailList[{i}]")
        check_input("iam", "CreateUser", UserName=u["UserName"], Path=u.get("Path"),
                    Tags=u.get("Tags") or None)
        _inline_names(u.get("UserPolicyList"), "PutUserPolicy", "UserName", u["UserName"])
        fresh("user", s.users, u["UserName"], f"User with name {u['UserName']} already exists.")
    for i, r in enumerate(details.get("RoleDetailList") or []):
        _links(r, f"RoleDetailList[{i}]")
        _names(r, "RoleName", f"RoleDetailList[{i}]")
        if r.get("AssumeRolePolicyDocument") is None:
            raise _invalid(f"RoleDetailList[{i}]", "lacks its AssumeRolePolicyDocument")
        check_input("iam", "CreateRole", RoleName=r["RoleName"], Path=r.get("Path"),
                    Tags=r.get("Tags") or None)
        _inline_names(r.get("RolePolicyList"), "PutRolePolicy", "RoleName", r["RoleName"])
        fresh("role", s.roles, r["RoleName"], f"Role with name {r['RoleName']} already exists.")
        for ip in r.get("InstanceProfileList") or []:
            name = ip["InstanceProfileName"]
            check_input("iam", "CreateInstanceProfile", InstanceProfileName=name,
                        Path=ip.get("Path"))
            if name.lower() not in seen.get("profile", set()):
                fresh("profile", s.instance_profiles, name,
                      f"Instance Profile {name} already exists.")


def _links(entity: Mapping[str, Any], where: str) -> None:
    """Attachments and a boundary must name their policy (the model makes neither required)."""
    for j, a in enumerate(entity.get("AttachedManagedPolicies") or []):
        if not a.get("PolicyArn"):
            raise _invalid(f"{where}.AttachedManagedPolicies[{j}]", "lacks its PolicyArn")
    bound = entity.get("PermissionsBoundary")
    if bound is not None and not bound.get("PermissionsBoundaryArn"):
        raise _invalid(f"{where}.PermissionsBoundary", "lacks its PermissionsBoundaryArn")


def _names(entity: Mapping[str, Any], key: str, where: str) -> None:
    if not isinstance(entity.get(key), str):
        raise _invalid(where, f"lacks its {key}")


def _inline_names(policies: Any, operation: str, owner_key: str, owner: str) -> None:
    for p in policies or []:
        if p.get("PolicyName") is None or p.get("PolicyDocument") is None:
            raise _invalid(f"the inline policies of {owner}", "need PolicyName and PolicyDocument")
        check_input("iam", operation, **{owner_key: owner, "PolicyName": p["PolicyName"]})


_VERSION_ID = re.compile(r"v([1-9][0-9]*)(?:\.[A-Za-z0-9-]*)?")


def _gaad_shape() -> Shape:
    from botocore.model import ServiceModel

    from .awsmodel import service_model

    global _GAAD
    if _GAAD is None:
        model = ServiceModel(dict(service_model("iam")), service_name="iam")
        _GAAD = model.operation_model("GetAccountAuthorizationDetails").output_shape
    return _GAAD


_GAAD: Shape | None = None


def import_details(tx: Tx, details: Mapping[str, Any]) -> None:
    check_details(tx, details)
    conn, account = tx.conn, tx.account_id
    policy_ids: dict[str, str] = {}  # source ARN → policy id here

    for p in details.get("Policies") or []:
        parsed = ids.parse_arn(p["Arn"])
        if parsed is None:
            raise InvalidInput(f"Invalid policy ARN {p['Arn']}.")
        if parsed.account == ids.AWS_MANAGED:
            continue
        pid = ids.unique_id(Prefix.POLICY)
        name, path = p.get("PolicyName") or parsed.name, p.get("Path") or "/"
        versions = p.get("PolicyVersionList") or []
        numbers = [_version_number(v["VersionId"], "PolicyVersionList") for v in versions]
        conn.execute(s.policies.insert().values(
            id=pid, account_id=account, name=name, name_lower=name.lower(), path=path,
            arn=ids.arn(account, "policy", path, name), description=p.get("Description"),
            default_version=p.get("DefaultVersionId") or versions[0]["VersionId"],
            next_version=max(numbers) + 1, is_attachable=p.get("IsAttachable", True) is not False,
            created_at=_date(p.get("CreateDate"), tx.now),
            updated_at=_date(p.get("UpdateDate"), tx.now)))
        for v in sorted(versions, key=lambda v: _version_number(v["VersionId"], "")):
            text = document(_text(v["Document"]), PolicyKind.IDENTITY, MANAGED_POLICY_SIZE)
            conn.execute(s.policy_versions.insert().values(
                policy_id=pid, version_id=v["VersionId"], document=text,
                created_at=_date(v.get("CreateDate"), tx.now)))
        policy_ids[p["Arn"]] = pid

    def policy_id(arn: str) -> str:
        if arn in policy_ids:
            return policy_ids[arn]
        found = conn.execute(select(s.policies.c.id).where(
            s.policies.c.arn == arn, s.policies.c.account_id.is_(None))).scalar()
        if found is None:
            raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
        return str(found)

    def attach(column: str, owner_id: str, attached: Any) -> None:
        for a in attached or []:
            conn.execute(s.attachments.insert().values(
                account_id=account, policy_id=policy_id(a["PolicyArn"]), **{column: owner_id}))

    def inline(column: str, owner_id: str, policies: Any) -> None:
        for p in policies or []:
            text = document(_text(p["PolicyDocument"]), PolicyKind.IDENTITY)
            conn.execute(s.inline_policies.insert().values(
                account_id=account, name=p["PolicyName"], name_lower=p["PolicyName"].lower(),
                document=text, size=size(text), **{column: owner_id}))

    def tags(resource_id: str, given: Any) -> None:
        for t in given or []:
            conn.execute(s.tags.insert().values(
                account_id=account, resource_id=resource_id, key=t["Key"],
                key_lower=t["Key"].lower(), value=t.get("Value", "")))

    def boundary(given: Any) -> str | None:
        return policy_id(given["PermissionsBoundaryArn"]) if given else None

    group_ids: dict[str, str] = {}
    for g in details.get("GroupDetailList") or []:
        gid = ids.unique_id(Prefix.GROUP)
        conn.execute(s.groups.insert().values(
            id=gid, account_id=account, name=g["GroupName"], name_lower=g["GroupName"].lower(),
            path=g.get("Path") or "/", created_at=_date(g.get("CreateDate"), tx.now)))
        group_ids[g["GroupName"].lower()] = gid
        inline("group_id", gid, g.get("GroupPolicyList"))
        attach("group_id", gid, g.get("AttachedManagedPolicies"))

    for u in details.get("UserDetailList") or []:
        uid = ids.unique_id(Prefix.USER)
        conn.execute(s.users.insert().values(
            id=uid, account_id=account, name=u["UserName"], name_lower=u["UserName"].lower(),
            path=u.get("Path") or "/", created_at=_date(u.get("CreateDate"), tx.now),
            boundary_policy_id=boundary(u.get("PermissionsBoundary"))))
        for name in u.get("GroupList") or []:
            if name.lower() not in group_ids:
                raise NoSuchEntity(f"The group with name {name} cannot be found.")
            conn.execute(s.group_members.insert().values(group_id=group_ids[name.lower()],
                                                         user_id=uid))
        inline("user_id", uid, u.get("UserPolicyList"))
        attach("user_id", uid, u.get("AttachedManagedPolicies"))
        tags(uid, u.get("Tags"))

    profiles: dict[str, str] = {}
    for r in details.get("RoleDetailList") or []:
        rid = ids.unique_id(Prefix.ROLE)
        trust = document(_text(r["AssumeRolePolicyDocument"]), PolicyKind.TRUST)
        last = r.get("RoleLastUsed") or {}
        shown = _role_as_shown_in_a_profile(r)
        conn.execute(s.roles.insert().values(
            id=rid, account_id=account, name=r["RoleName"], name_lower=r["RoleName"].lower(),
            path=r.get("Path") or "/", created_at=_date(r.get("CreateDate"), tx.now),
            trust_policy=trust, description=shown.get("Description"),
            max_session_duration=int(shown.get("MaxSessionDuration") or 3600),
            boundary_policy_id=boundary(r.get("PermissionsBoundary")),
            last_used_at=_date(last["LastUsedDate"], tx.now) if last.get("LastUsedDate") else None,
            last_used_region=last.get("Region")))
        inline("role_id", rid, r.get("RolePolicyList"))
        attach("role_id", rid, r.get("AttachedManagedPolicies"))
        tags(rid, r.get("Tags"))
        for ip in r.get("InstanceProfileList") or []:
            key = ip["InstanceProfileName"].lower()
            if key in profiles:
                continue
            pid = ids.unique_id(Prefix.INSTANCE_PROFILE)
            profiles[key] = pid
            conn.execute(s.instance_profiles.insert().values(
                id=pid, account_id=account, name=ip["InstanceProfileName"], name_lower=key,
                path=ip.get("Path", "/"), created_at=_date(ip.get("CreateDate"), tx.now),
                role_id=rid))
            tags(pid, ip.get("Tags"))
