"""``a2c-iam a2c check --profile P``: can the identity behind these credentials run each
``app2container`` command, asked of the live endpoint.

First ``sts:GetCallerIdentity`` says who the credentials are. Then, per the IAM User Guide's
advice on testing policies, the endpoint's own ``SimulatePrincipalPolicy`` answers for every
(action, resource) pair the command map lists: that is the endpoint's evaluation, with whatever
it knows (boundaries, SCPs on AWS). An identity may not be allowed to simulate; then its
policies are read — a user's inline and attached policies and its groups', or, for an
assumed-role session, the role's — and evaluated here with the kit's ``check_policies``. The
report says which of the two answered, and why the first was not used.

The account's root user has no policies to read or simulate: IAM allows it everything in its
own account, and the report says so (and that the seed advises against using it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from ._setup_aws import Aws, CallerIdentity, LiveError, decode_document
from .check import CommandResult, check_policies
from .choices import DEFAULT_APP_ID, Choices
from .commands import CommandNeed, command_map, find_command
from .personas import Persona

__all__ = [
    "METHOD_LOCAL",
    "METHOD_ROOT",
    "METHOD_SIMULATE",
    "LiveReport",
    "check_live",
    "format_report",
    "principal_arn",
]

METHOD_SIMULATE: Final = "SimulatePrincipalPolicy"
METHOD_LOCAL: Final = "local evaluation"
METHOD_ROOT: Final = "root user"
#: Actions per SimulatePrincipalPolicy call: keeps every request well under IAM's size limits.
_BATCH: Final = 50


@dataclass(slots=True)
class LiveReport:
    caller: CallerIdentity
    principal: str
    method: str
    why: str = ""
    results: list[CommandResult] = field(default_factory=list)

    @property
    def all_allowed(self) -> bool:
        return all(r.allowed for r in self.results)


def principal_arn(aws: Aws, caller: CallerIdentity) -> tuple[str, str]:
    """The IAM principal behind the caller, as (kind, ARN) with kind ``user``, ``role`` or
    ``root``: an assumed-role session's role ARN holds the role's path, which only ``GetRole``
    can tell (the session ARN leaves it out)."""
    arn = caller.arn
    parts = arn.split(":", 5)
    if len(parts) != 6:
        raise LiveError("InvalidCaller", f"GetCallerIdentity returned '{arn}', not an ARN")
    partition, service, account, resource = parts[1], parts[2], parts[4], parts[5]
    if service == "iam" and resource == "root":
        return "root", arn
    if service == "iam" and resource.startswith("user/"):
        return "user", arn
    if service == "sts" and resource.startswith("assumed-role/"):
        role = resource.split("/")[1]
        try:
            return "role", aws.call(aws.iam, "get_role", RoleName=role)["Role"]["Arn"]
        except LiveError as exc:
            if exc.code not in ("AccessDenied", "AccessDeniedException"):
                raise
        return "role", f"arn:{partition}:iam::{account}:role/{role}"
    raise LiveError(
        "UnsupportedPrincipal", f"{arn} is neither an IAM user, an assumed role nor the root "
        "user; check works for those (federated-user sessions carry their own session policy)"
    )


def _command_needs(choices: Choices, command: str | None, personas: Sequence[Persona | str],
                   app_id: str) -> list[CommandNeed]:
    """The entries ``check_policies`` would check, so that both methods answer the same rows."""
    if command is not None:
        return [find_command(choices, command, app_id=app_id)]
    wanted = {Persona(p) for p in personas}
    return [e for e in command_map(choices, app_id=app_id) if e.persona in wanted]


def _simulate(aws: Aws, principal: str, commands: Sequence[CommandNeed]) -> list[CommandResult]:
    by_resource: dict[str, set[str]] = defaultdict(set)
    for entry in commands:
        for action, resource in entry.needs:
            by_resource[resource].add(action)
    allowed: set[tuple[str, str]] = set()
    for resource, actions in sorted(by_resource.items()):
        ordered = sorted(actions)
        for start in range(0, len(ordered), _BATCH):
            for page in aws.pages(aws.iam, "simulate_principal_policy", PolicySourceArn=principal,
                                  ActionNames=ordered[start:start + _BATCH],
                                  ResourceArns=[resource]):
                for result in page.get("EvaluationResults", []):
                    decision = result.get("EvalDecision")
                    action = result.get("EvalActionName", "")
                    for detail in result.get("ResourceSpecificResults") or []:
                        if detail.get("EvalResourceName") == resource:
                            decision = detail.get("EvalResourceDecision", decision)
                    if decision == "allowed":
                        allowed.add((action, resource))
    results = []
    for entry in commands:
        missing = tuple(p for p in entry.needs if p not in allowed)
        results.append(CommandResult(entry.command, not missing, missing, entry.persona))
    return results


def _policy_document(aws: Aws, arn: str) -> dict[str, Any]:
    meta = aws.call(aws.iam, "get_policy", PolicyArn=arn)["Policy"]
    version = aws.call(aws.iam, "get_policy_version", PolicyArn=arn,
                       VersionId=meta["DefaultVersionId"])["PolicyVersion"]
    return decode_document(version["Document"])


def _entity_policies(aws: Aws, kind: str, name: str) -> list[dict[str, Any]]:
    """The inline and attached policies of one user, group or role."""
    key = f"{kind.capitalize()}Name"
    documents: list[dict[str, Any]] = []
    for page in aws.pages(aws.iam, f"list_{kind}_policies", **{key: name}):
        for policy_name in page.get("PolicyNames", []):
            found = aws.call(aws.iam, f"get_{kind}_policy", **{key: name, "PolicyName": policy_name})
            documents.append(decode_document(found["PolicyDocument"]))
    for page in aws.pages(aws.iam, f"list_attached_{kind}_policies", **{key: name}):
        for attached in page.get("AttachedPolicies", []):
            documents.append(_policy_document(aws, attached["PolicyArn"]))
    return documents


def read_identity_policies(aws: Aws, kind: str, arn: str) -> list[dict[str, Any]]:
    """Every identity-based policy of the user (its own and its groups') or the role."""
    name = arn.rsplit("/", 1)[-1]
    documents = _entity_policies(aws, kind, name)
    if kind == "user":
        for page in aws.pages(aws.iam, "list_groups_for_user", UserName=name):
            for group in page.get("Groups", []):
                documents.extend(_entity_policies(aws, "group", group["GroupName"]))
    return documents


def _boundary(aws: Aws, kind: str, arn: str) -> dict[str, Any] | None:
    name = arn.rsplit("/", 1)[-1]
    if kind == "user":
        entity = aws.call(aws.iam, "get_user", UserName=name)["User"]
    else:
        entity = aws.call(aws.iam, "get_role", RoleName=name)["Role"]
    boundary = (entity.get("PermissionsBoundary") or {}).get("PermissionsBoundaryArn")
    return _policy_document(aws, boundary) if boundary else None


def check_live(aws: Aws, choices: Choices, *, command: str | None = None,
               personas: Sequence[Persona | str] = (Persona.GENERAL, Persona.DEPLOY),
               app_id: str = DEFAULT_APP_ID) -> LiveReport:
    """Who the credentials are, and which commands that identity can run (the rows
    ``check_policies`` gives for the same arguments), with the method that answered."""
    caller = aws.caller_in(choices.account, "App2Container works in the account of its "
                           "credentials", "leave it out")
    kind, principal = principal_arn(aws, caller)
    commands = _command_needs(choices, command, personas, app_id)
    if kind == "root":
        return LiveReport(caller, principal, METHOD_ROOT,
                          "IAM allows the account's root user everything in its account; the "
                          "seed advises creating IAM users instead of using it",
                          [CommandResult(c.command, True, (), c.persona) for c in commands])
    try:
        results = _simulate(aws, principal, commands)
        return LiveReport(caller, principal, METHOD_SIMULATE, "", results)
    except LiveError as exc:
        why = f"SimulatePrincipalPolicy failed: {exc}"
    try:
        documents = read_identity_policies(aws, kind, principal)
        boundary = _boundary(aws, kind, principal)
    except LiveError as exc:
        raise LiveError(
            exc.code, f"cannot check {principal}: {why}; reading its policies failed too: "
            f"{exc.message}. The self-check policy that a2c-iam a2c setup attaches to the "
            "general-purpose group allows both for one's own user; or check policy files with "
            "--policy-file", action=exc.action
        ) from None
    results = check_policies(choices, documents, principal_arn=principal,
                             permission_boundary=boundary, command=command, personas=personas,
                             app_id=app_id)
    return LiveReport(caller, principal, METHOD_LOCAL, why, results)


def format_report(report: LiveReport) -> list[str]:
    lines = [f"identity: {report.caller.arn} (account {report.caller.account})"]
    if report.method == METHOD_SIMULATE:
        lines.append(f"method: the endpoint's SimulatePrincipalPolicy for {report.principal}")
    elif report.method == METHOD_LOCAL:
        lines.append(f"method: local evaluation of the policies of {report.principal} "
                     f"({report.why})")
    else:
        lines.append(f"method: {report.method} ({report.why})")
    width = max((len(r.command) for r in report.results), default=0)
    for result in report.results:
        verdict = "allowed" if result.allowed else f"denied: {len(result.missing)} missing"
        lines.append(f"  {result.command.ljust(width)}  {result.persona.value:<8}  {verdict}")
    for result in report.results:
        lines.extend(f"  {result.command}: missing {action} on {resource}"
                     for action, resource in result.missing)
    return lines
