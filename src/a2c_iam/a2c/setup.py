"""``a2c-iam a2c setup``: the seed's IAM resources, made and kept right by one repeatable command.

The seed asks a person to create, by hand, a customer managed policy, a general-purpose group
with that policy attached, a user per person in the group with an access key saved somewhere
safe, and a separate deployment user with ``AdministratorAccess`` — or, instead of users, a role
with an EC2 instance profile. This module does it against any IAM endpoint through boto3.

It works in two steps so that ``--dry-run`` and a real run can never disagree: :func:`plan_setup`
only reads the endpoint and returns a :class:`Plan` — a list of :class:`Change`, each with the
call that makes it — and :func:`apply_plan` runs those calls in order. Reading everything first
also means a refusal (a name taken by an entity this tool did not create, the wrong account) is
found before anything is written. A second run plans nothing; whatever differs from the
specification (a changed policy document, a missing attachment, an extra policy on the group,
the deployment user in the general group) is a change marked as drift, and applying fixes it.
One kind of drift is reported and never repaired: a policy on a general user itself (see
:class:`Finding`).

Ownership: every user, role, policy and instance profile created here carries the tag
``a2c-iam:managed=true`` and the path ``/a2c-iam/``; IAM groups cannot be tagged, so a group is
ours when its path is ``/a2c-iam/``. An entity of the same name without the mark is never
touched: planning stops with ``EntityAlreadyExists`` naming it.

Besides the kit's general-purpose policies, the group (and the role) get a small "self-check"
policy by default: read and simulate one's own permissions only (the IAM User Guide's pattern
with ``${aws:username}``), so that ``a2c check --profile alice`` can answer for alice. It grants
nothing App2Container itself uses.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ._setup_aws import MANAGED_PATH, MANAGED_TAG, Aws, LiveError, decode_document
from .errors import A2CError

__all__ = [
    "DEFAULT_GROUP",
    "MAX_POLICY_VERSIONS",
    "Change",
    "Finding",
    "ManagedPolicy",
    "NewKey",
    "Plan",
    "SetupIncomplete",
    "SetupSpec",
    "apply_plan",
    "format_plan",
    "plan_setup",
    "save_keys",
    "self_check_policy",
    "spec_from_choices",
]

DEFAULT_GROUP: Final = "a2c-general"
#: IAM keeps at most five versions of a managed policy ("Versioning IAM policies").
MAX_POLICY_VERSIONS: Final = 5
_EC2_TRUST: Final = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
_NAME_CHARS: Final = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+=,.@_-")


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """A customer managed policy ``setup`` keeps: its name and the document it must hold."""

    name: str
    document: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class SetupSpec:
    """What the account must hold after ``setup``.

    ``policies`` are the general-purpose policies (the kit's, plus the self-check policy);
    ``deploy_policy_arns`` are attached to the deployment user (``AdministratorAccess`` by the
    seed's recommendation). The group is made when there are users, or when there is no
    instance profile (the seed's default persona).
    """

    account: str
    partition: str
    region: str
    policies: tuple[ManagedPolicy, ...]
    group: str = DEFAULT_GROUP
    users: tuple[str, ...] = ()
    deploy_user: str | None = None
    deploy_policy_arns: tuple[str, ...] = ()
    instance_profile: str | None = None

    def __post_init__(self) -> None:
        names = [self.group, *self.users]
        names += [self.deploy_user] if self.deploy_user else []
        names += [self.instance_profile] if self.instance_profile else []
        for name in names:
            if not name or len(name) > 64 or not set(name) <= _NAME_CHARS:
                raise A2CError(f"'{name}' is not an IAM name (1 to 64 of A-Z a-z 0-9 + = , . @ _ -)")
        if len(set(self.users)) != len(self.users):
            raise A2CError("--users names a user twice")
        if self.deploy_user and self.deploy_user in self.users:
            raise A2CError(
                f"the deployment user '{self.deploy_user}' must not be one of --users: the seed "
                "keeps the deployment persona out of the general-purpose group"
            )
        if not self.policies:
            raise A2CError("no general-purpose policy to set up")

    @property
    def wants_group(self) -> bool:
        return bool(self.users) or not self.instance_profile

    def arn(self, kind: str, name: str) -> str:
        return f"arn:{self.partition}:iam::{self.account}:{kind}{MANAGED_PATH}{name}"


@dataclass(frozen=True, slots=True)
class NewKey:
    """An access key made by ``setup``; the secret exists only here, in memory, until shown or
    saved once."""

    user: str
    access_key_id: str
    secret_access_key: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Change:
    """One write: ``entity`` (``user alice``), what is done, why when it is drift, and the call."""

    entity: str
    action: str
    drift: str = ""
    run: Callable[[], NewKey | None] = field(default=lambda: None, repr=False, compare=False)

    def describe(self) -> str:
        return f"{self.entity}: {self.action}" + (f" (drift: {self.drift})" if self.drift else "")


@dataclass(frozen=True, slots=True)
class Finding:
    """Drift that ``setup`` reports on every run but does not repair: ``remedy`` says how to.

    The one kind is a policy attached to a general user itself, managed or inline. The seed
    gives general users their permissions through the group only, so such a policy is drift —
    and a dangerous one: ``AdministratorAccess`` on alice makes her a deployment persona, and
    ``a2c check --profile alice`` rightly says she may ``--deploy``. Yet unlike an extra policy
    on the group (which only this tool manages) a user's own policy is the likeliest place for a
    person's deliberate grant, made after setup and without it, and deleting a grant is not
    undone by running setup again. So setup does not remove it, with or without a flag: it names
    the policy and the exact command that removes it, and says so until it is gone (the account
    is never reported as matching while it is there).
    """

    entity: str
    problem: str
    drift: str
    remedy: str

    def describe(self) -> str:
        return f"{self.entity}: {self.problem} (drift: {self.drift}; {self.remedy})"


@dataclass(slots=True)
class Plan:
    caller_arn: str
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def drift(self) -> list[Change]:
        return [c for c in self.changes if c.drift]


def self_check_policy(partition: str, account: str, group: str,
                      policy_arns: Sequence[str]) -> dict[str, Any]:
    """Read and simulate one's own permissions only: what ``a2c check --profile`` needs.

    A role cannot be named by a policy variable, so the roles statement covers the roles
    ``setup`` makes (path ``/a2c-iam/``); it is the same document whether or not an instance
    profile is set up, so adding one later is not drift. It grants reads and simulation only.
    """
    base = f"arn:{partition}:iam::{account}:"
    statements: list[dict[str, Any]] = [
        {"Sid": "InspectOwnUser", "Effect": "Allow",
         "Action": sorted(["iam:GetContextKeysForPrincipalPolicy", "iam:GetUser",
                           "iam:GetUserPolicy", "iam:ListAttachedUserPolicies",
                           "iam:ListGroupsForUser", "iam:ListUserPolicies",
                           "iam:SimulatePrincipalPolicy"]),
         "Resource": [f"{base}user{MANAGED_PATH}${{aws:username}}"]},
        {"Sid": "InspectGeneralGroup", "Effect": "Allow",
         "Action": ["iam:GetGroupPolicy", "iam:ListAttachedGroupPolicies", "iam:ListGroupPolicies"],
         "Resource": [f"{base}group{MANAGED_PATH}{group}"]},
        {"Sid": "ReadGeneralPolicies", "Effect": "Allow",
         "Action": ["iam:GetPolicy", "iam:GetPolicyVersion"], "Resource": sorted(policy_arns)},
    ]
    statements.append(
        {"Sid": "InspectKitRoles", "Effect": "Allow",
         "Action": sorted(["iam:GetContextKeysForPrincipalPolicy", "iam:GetRole",
                           "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
                           "iam:ListRolePolicies", "iam:SimulatePrincipalPolicy"]),
         "Resource": [f"{base}role{MANAGED_PATH}*"]}
    )
    return {"Version": "2012-10-17", "Statement": statements}


def spec_from_choices(choices: Any, *, users: Sequence[str] = (), deploy_user: str | None = None,
                      instance_profile: str | None = None, group: str = DEFAULT_GROUP,
                      self_check: bool = True) -> SetupSpec:
    """The specification for a choice profile: the kit's general-purpose policies (split as the
    kit splits them), the self-check policy, and the kit's deployment-persona policy ARNs."""
    from .generate import generate_policies
    from .personas import Persona

    general = [
        ManagedPolicy(p.name, _as_document(p.document))
        for p in generate_policies(choices, Persona.GENERAL) if p.document and not p.managed_arn
    ]
    deploy_arns = tuple(
        p.managed_arn for p in generate_policies(choices, Persona.DEPLOY) if p.managed_arn
    )
    if self_check:
        arns = [f"arn:{choices.partition}:iam::{choices.account}:policy{MANAGED_PATH}{p.name}"
                for p in general]
        name = f"{group}-self-check"
        arns.append(f"arn:{choices.partition}:iam::{choices.account}:policy{MANAGED_PATH}{name}")
        general.append(ManagedPolicy(name, self_check_policy(
            choices.partition, choices.account, group, arns)))
    return SetupSpec(
        account=choices.account, partition=choices.partition, region=choices.region,
        policies=tuple(general), group=group, users=tuple(users), deploy_user=deploy_user,
        deploy_policy_arns=deploy_arns, instance_profile=instance_profile,
    )


def _as_document(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        loaded = json.loads(value)
        if isinstance(loaded, dict):
            return loaded
    if isinstance(value, Mapping):
        return dict(value)
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return _as_document(to_json())
    raise A2CError(f"the kit returned a policy document of type {type(value).__name__}")


def _tags() -> list[dict[str, str]]:
    return [{"Key": MANAGED_TAG[0], "Value": MANAGED_TAG[1]}]


def _is_ours(tags: Sequence[Mapping[str, str]]) -> bool:
    return any(t.get("Key") == MANAGED_TAG[0] and t.get("Value") == MANAGED_TAG[1] for t in tags)


def _foreign(kind: str, name: str, mark: str) -> LiveError:
    return LiveError(
        "EntityAlreadyExists", f"the {kind} '{name}' exists but was not created by a2c-iam "
        f"({mark}); setup never changes an entity it did not create: choose another name or "
        "remove it"
    )


class _Planner:
    """Reads the account and appends the changes that make it match the specification."""

    def __init__(self, aws: Aws, spec: SetupSpec, plan: Plan) -> None:
        self.aws = aws
        self.iam = aws.iam
        self.spec = spec
        self.plan = plan
        self.policy_arns: dict[str, str] = {}

    def _get(self, operation: str, **params: Any) -> dict[str, Any] | None:
        try:
            return self.aws.call(self.iam, operation, **params)
        except LiveError as exc:
            if exc.code == "NoSuchEntity":
                return None
            raise

    def _tags(self, entity: Mapping[str, Any], operation: str, **params: Any) -> list[dict[str, str]]:
        """The entity's tags: from its Get* answer when that holds them (AWS's does), else by the
        List*Tags call (an answer without tags may have left them out)."""
        if entity.get("Tags"):
            return list(entity["Tags"])
        tags: list[dict[str, str]] = []
        for page in self.aws.pages(self.iam, operation, **params):
            tags.extend(page.get("Tags", []))
        return tags

    def _change(self, entity: str, action: str, run: Callable[[], Any], drift: str = "") -> None:
        self.plan.changes.append(Change(entity, action, drift, run))

    def _call(self, operation: str, **params: Any) -> Callable[[], None]:
        def run() -> None:
            self.aws.call(self.iam, operation, **params)
        return run

    # policies --------------------------------------------------------------------------------

    def policies(self) -> None:
        existing: dict[str, str] = {}
        for page in self.aws.pages(self.iam, "list_policies", Scope="Local"):
            for found in page.get("Policies", []):
                existing[found["PolicyName"]] = found["Arn"]
        for policy in self.spec.policies:
            arn = existing.get(policy.name)
            document = json.dumps(policy.document, separators=(",", ":"))
            entity = f"policy {policy.name}"
            if arn is None:
                self.policy_arns[policy.name] = self.spec.arn("policy", policy.name)
                self._change(entity, "create", self._call(
                    "create_policy", PolicyName=policy.name, Path=MANAGED_PATH,
                    PolicyDocument=document, Tags=_tags(),
                    Description="App2Container general-purpose permissions (a2c-iam)"))
                continue
            meta = self.aws.call(self.iam, "get_policy", PolicyArn=arn)["Policy"]
            if not _is_ours(self._tags(meta, "list_policy_tags", PolicyArn=arn)):
                raise _foreign("managed policy", policy.name, f"{arn} has no tag "
                               f"{MANAGED_TAG[0]}={MANAGED_TAG[1]}")
            self.policy_arns[policy.name] = arn
            current = self.aws.call(self.iam, "get_policy_version", PolicyArn=arn,
                                    VersionId=meta["DefaultVersionId"])["PolicyVersion"]
            if decode_document(current["Document"]) != dict(policy.document):
                self._change(entity, "set a new default version with the kit's document",
                             self._new_version(arn, document),
                             drift=f"default version {meta['DefaultVersionId']} differs")

    def _new_version(self, arn: str, document: str) -> Callable[[], None]:
        def run() -> None:
            versions = self.aws.call(self.iam, "list_policy_versions", PolicyArn=arn)["Versions"]
            if len(versions) >= MAX_POLICY_VERSIONS:
                old = min((v for v in versions if not v["IsDefaultVersion"]),
                          key=lambda v: v["CreateDate"])
                self.aws.call(self.iam, "delete_policy_version", PolicyArn=arn,
                              VersionId=old["VersionId"])
            self.aws.call(self.iam, "create_policy_version", PolicyArn=arn,
                          PolicyDocument=document, SetAsDefault=True)
        return run

    def _sync_attachments(self, kind: str, name: str, wanted: Sequence[str], exists: bool) -> None:
        """Attach ``wanted`` managed policies to the group or role; detach and delete the rest."""
        entity = f"{kind} {name}"
        key = "GroupName" if kind == "group" else "RoleName"
        attached: set[str] = set()
        inline: list[str] = []
        if exists:
            for page in self.aws.pages(self.iam, f"list_attached_{kind}_policies", **{key: name}):
                attached.update(p["PolicyArn"] for p in page.get("AttachedPolicies", []))
            for page in self.aws.pages(self.iam, f"list_{kind}_policies", **{key: name}):
                inline.extend(page.get("PolicyNames", []))
        for arn in wanted:
            if arn not in attached:
                self._change(entity, f"attach {arn}", self._call(
                    f"attach_{kind}_policy", **{key: name, "PolicyArn": arn}),
                    drift="policy not attached" if exists else "")
        for arn in sorted(attached - set(wanted)):
            self._change(entity, f"detach {arn}", self._call(
                f"detach_{kind}_policy", **{key: name, "PolicyArn": arn}),
                drift=f"extra managed policy on the {kind}")
        for policy_name in sorted(inline):
            self._change(entity, f"delete inline policy {policy_name}", self._call(
                f"delete_{kind}_policy", **{key: name, "PolicyName": policy_name}),
                drift=f"extra inline policy on the {kind}")

    # group and users -------------------------------------------------------------------------

    def group(self) -> set[str]:
        """Plan the group; its current members."""
        name = self.spec.group
        members: set[str] = set()
        found = self._get("get_group", GroupName=name)
        if found is None:
            self._change(f"group {name}", "create", self._call(
                "create_group", GroupName=name, Path=MANAGED_PATH))
        else:
            if found["Group"]["Path"] != MANAGED_PATH:
                raise _foreign("group", name, f"its path is {found['Group']['Path']}, not "
                               f"{MANAGED_PATH}")
            for page in self.aws.pages(self.iam, "get_group", GroupName=name):
                members.update(u["UserName"] for u in page.get("Users", []))
        self._sync_attachments("group", name, [self.policy_arns[p.name] for p in self.spec.policies],
                               exists=found is not None)
        return members

    def user(self, name: str, *, role: str) -> bool:
        """Plan the user (create, or check it is ours); whether it exists now."""
        found = self._get("get_user", UserName=name)
        if found is None:
            self._change(f"user {name}", f"create ({role})", self._call(
                "create_user", UserName=name, Path=MANAGED_PATH, Tags=_tags()))
            self._change(f"user {name}", "create an access key", self._new_key(name))
            return False
        if not _is_ours(self._tags(found["User"], "list_user_tags", UserName=name)):
            raise _foreign("user", name, f"no tag {MANAGED_TAG[0]}={MANAGED_TAG[1]}")
        keys = [k for page in self.aws.pages(self.iam, "list_access_keys", UserName=name)
                for k in page.get("AccessKeyMetadata", [])]
        if not keys:
            self._change(f"user {name}", "create an access key", self._new_key(name),
                         drift="the user has no access key")
        return True

    def _new_key(self, user: str) -> Callable[[], NewKey]:
        def run() -> NewKey:
            made = self.aws.call(self.iam, "create_access_key", UserName=user)["AccessKey"]
            return NewKey(user, made["AccessKeyId"], made["SecretAccessKey"])
        return run

    def group_members(self) -> set[str]:
        """The group's members when the group is not planned (no --users, an instance profile):
        read only, so that a deployment user in it is found; a group that is missing, or not
        ours, has none."""
        members: set[str] = set()
        try:
            for page in self.aws.pages(self.iam, "get_group", GroupName=self.spec.group):
                if page["Group"]["Path"] != MANAGED_PATH:
                    return set()
                members.update(u["UserName"] for u in page.get("Users", []))
        except LiveError as exc:
            if exc.code == "NoSuchEntity":
                return set()
            raise
        return members

    def _own_policies(self, name: str) -> None:
        """Report (never remove) the policies on the general user ``name`` itself: see
        :class:`Finding` for why."""
        cli = "aws iam {} --user-name " + name + " {}"
        if self.aws.profile:
            cli += f" --profile {shlex.quote(self.aws.profile)}"
        if self.aws.endpoint_url:
            cli += f" --endpoint-url {shlex.quote(self.aws.endpoint_url)}"
        drift = f"general users get their permissions only through the group {self.spec.group}"
        for page in self.aws.pages(self.iam, "list_attached_user_policies", UserName=name):
            for attached in page.get("AttachedPolicies", []):
                arn = attached["PolicyArn"]
                self.plan.findings.append(Finding(
                    f"user {name}", f"{arn} is attached to the user itself", drift,
                    "remove it with: " + cli.format("detach-user-policy", f"--policy-arn {arn}")))
        for page in self.aws.pages(self.iam, "list_user_policies", UserName=name):
            for policy_name in page.get("PolicyNames", []):
                self.plan.findings.append(Finding(
                    f"user {name}", f"inline policy {policy_name} is on the user itself", drift,
                    "remove it with: " + cli.format("delete-user-policy",
                                                    f"--policy-name {policy_name}")))

    def users(self, members: set[str]) -> None:
        group = self.spec.group
        for name in self.spec.users:
            existed = self.user(name, role="general purpose")
            if existed:
                self._own_policies(name)
            if name not in members:
                self._change(f"user {name}", f"add to group {group}", self._call(
                    "add_user_to_group", GroupName=group, UserName=name),
                    drift="not in the group" if existed else "")
        others = sorted(members - set(self.spec.users) - {self.spec.deploy_user or ""})
        if others:
            self.plan.notes.append(
                f"group {group} also holds {', '.join(others)} (not in --users; kept)")

    def deploy_user(self, members: set[str]) -> None:
        name = self.spec.deploy_user
        if not name:
            return
        existed = self.user(name, role="deployment")
        if name in members:
            self._change(f"user {name}", f"remove from group {self.spec.group}", self._call(
                "remove_user_from_group", GroupName=self.spec.group, UserName=name),
                drift="the deployment user is in the general-purpose group")
        attached: set[str] = set()
        if existed:
            for page in self.aws.pages(self.iam, "list_attached_user_policies", UserName=name):
                attached.update(p["PolicyArn"] for p in page.get("AttachedPolicies", []))
        for arn in self.spec.deploy_policy_arns:
            if arn not in attached:
                self._change(f"user {name}", f"attach {arn}", self._call(
                    "attach_user_policy", UserName=name, PolicyArn=arn),
                    drift="policy not attached" if existed else "")

    # role and instance profile ---------------------------------------------------------------

    def instance_profile(self) -> None:
        name = self.spec.instance_profile
        if not name:
            return
        trust = json.dumps(_EC2_TRUST, separators=(",", ":"))
        role = self._get("get_role", RoleName=name)
        if role is None:
            self._change(f"role {name}", "create (trusted by ec2.amazonaws.com)", self._call(
                "create_role", RoleName=name, Path=MANAGED_PATH, AssumeRolePolicyDocument=trust,
                Tags=_tags(), Description="App2Container general-purpose role for EC2 (a2c-iam)"))
        else:
            if not _is_ours(self._tags(role["Role"], "list_role_tags", RoleName=name)):
                raise _foreign("role", name, f"no tag {MANAGED_TAG[0]}={MANAGED_TAG[1]}")
            if decode_document(role["Role"]["AssumeRolePolicyDocument"]) != _EC2_TRUST:
                self._change(f"role {name}", "set the trust policy to ec2.amazonaws.com", self._call(
                    "update_assume_role_policy", RoleName=name, PolicyDocument=trust),
                    drift="the trust policy differs")
        self._sync_attachments("role", name, [self.policy_arns[p.name] for p in self.spec.policies],
                               exists=role is not None)
        profile = self._get("get_instance_profile", InstanceProfileName=name)
        roles: list[str] = []
        if profile is None:
            self._change(f"instance profile {name}", "create", self._call(
                "create_instance_profile", InstanceProfileName=name, Path=MANAGED_PATH,
                Tags=_tags()))
        else:
            if not _is_ours(self._tags(profile["InstanceProfile"], "list_instance_profile_tags",
                                       InstanceProfileName=name)):
                raise _foreign("instance profile", name,
                               f"no tag {MANAGED_TAG[0]}={MANAGED_TAG[1]}")
            roles = [r["RoleName"] for r in profile["InstanceProfile"].get("Roles", [])]
        for other in roles:
            if other != name:
                self._change(f"instance profile {name}", f"remove role {other}", self._call(
                    "remove_role_from_instance_profile", InstanceProfileName=name,
                    RoleName=other), drift="holds another role")
        if name not in roles:
            self._change(f"instance profile {name}", f"add role {name}", self._call(
                "add_role_to_instance_profile", InstanceProfileName=name, RoleName=name),
                drift="the role is missing" if profile is not None else "")


def plan_setup(aws: Aws, spec: SetupSpec) -> Plan:
    """Read the account and return what must change; writes nothing.

    Raises :class:`LiveError` when the credentials are for another account than the policies'
    ARNs name, or when a name is taken by an entity this tool did not create.
    """
    caller = aws.caller_in(spec.account, "the policies' ARNs would not match", "other credentials")
    plan = Plan(caller_arn=caller.arn)
    planner = _Planner(aws, spec, plan)
    planner.policies()
    if spec.wants_group:
        members = planner.group()
    elif spec.deploy_user:
        members = planner.group_members()
    else:
        members = set()
    planner.users(members)
    planner.deploy_user(members)
    planner.instance_profile()
    return plan


def apply_plan(plan: Plan) -> list[NewKey]:
    """Make the changes in order; the new access keys (their secrets to be shown or saved once)."""
    keys: list[NewKey] = []
    for done, change in enumerate(plan.changes):
        try:
            made = change.run()
        except LiveError as exc:
            # Reads cannot show that a write will be denied; say how far it got, since a rerun
            # (idempotent) finishes the job once the cause is fixed. Keys made so far are lost
            # to their users only if not shown, so they go with the error.
            raise SetupIncomplete(exc, done, len(plan.changes), keys) from None
        if made is not None:
            keys.append(made)
    return keys


class SetupIncomplete(LiveError):
    """A write failed part-way; ``keys`` are the access keys made before it (to show once)."""

    def __init__(self, cause: LiveError, done: int, total: int, keys: list[NewKey]) -> None:
        super().__init__(cause.code, f"{cause.message} — {done} of {total} change(s) were made "
                         "before this one; fix the cause and run setup again to finish",
                         action=cause.action)
        self.keys = keys


def format_plan(plan: Plan, *, dry_run: bool) -> list[str]:
    lines = [f"as {plan.caller_arn}"]
    if not plan.changes and not plan.findings:
        lines.append("no changes: the account already matches the specification")
    elif not plan.changes:
        lines.append("nothing for setup to change")
    else:
        verb = "would" if dry_run else "will"
        drift = len(plan.drift)
        lines.append(f"{len(plan.changes)} change(s) {verb} be made"
                     + (f", {drift} of them to repair drift" if drift else "") + ":")
        lines.extend(f"  {'~' if c.drift else '+'} {c.describe()}" for c in plan.changes)
    if plan.findings:
        lines.append(f"{len(plan.findings)} drift(s) setup leaves to you (it never removes a "
                     "general user's own policies):")
        lines.extend(f"  ! {f.describe()}" for f in plan.findings)
    lines.extend(f"note: {n}" for n in plan.notes)
    return lines


def save_keys(keys: Sequence[NewKey], *, region: str, endpoint_url: str | None,
              write_profiles: bool, force: bool) -> list[str]:
    """Save each new key as a profile named after its user, or show its secret once.

    A key whose profile exists already (and no ``force``) is shown instead, so it is never lost.
    """
    from ._setup_files import config_path, credentials_path, write_profile

    lines: list[str] = []
    for key in keys:
        if write_profiles:
            settings = {"region": region}
            if endpoint_url:
                settings["endpoint_url"] = endpoint_url
            written = write_profile(
                key.user, {"aws_access_key_id": key.access_key_id,
                           "aws_secret_access_key": key.secret_access_key},
                settings, force=force)
            if written:
                lines.append(f"{key.user}: access key {key.access_key_id} saved as profile "
                             f"'{key.user}' in {credentials_path()} (settings in {config_path()})")
                continue
            lines.append(f"{key.user}: profile '{key.user}' exists already and was left as it "
                         "is (--force replaces it); the new key is shown below instead")
        lines.append(f"{key.user}: access key {key.access_key_id} secret {key.secret_access_key} "
                     "(shown once: store it safely now)")
    return lines
