"""Would these policies let each App2Container command run? Asked of the engine, need by need.

The identity policies (and an optional permissions boundary) are compiled once; every
``(action, resource)`` need of every command is then one ``authorize`` call. A command is
allowed when every need is; otherwise the result lists exactly the needs that are not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..policy import PolicySet, Request, authorize, compile_policy_set, parse_policy
from ..policy.errors import PolicyValidationError
from ..policy.kinds import PolicyKind
from .choices import DEFAULT_APP_ID, Choices
from .commands import CommandNeed, command_map, find_command
from .errors import A2CError
from .personas import Persona

__all__ = ["CommandResult", "PolicyInputError", "check_policies", "default_principal"]


class PolicyInputError(A2CError):
    """A policy given to ``check`` that IAM would not accept; the message is IAM's."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    command: str
    allowed: bool
    missing: tuple[tuple[str, str], ...]
    persona: Persona = Persona.GENERAL


def default_principal(choices: Choices) -> str:
    """The caller the checks name when none is given: a user of the choices' account."""
    return f"arn:{choices.partition}:iam::{choices.account}:user/app2container"


_TRUST_ACTIONS = frozenset({"sts:assumerole"})


def _account_trust(choices: Choices) -> Any:
    return parse_policy({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:{choices.partition}:iam::{choices.account}:root"},
            "Action": "sts:AssumeRole",
        }],
    }, PolicyKind.TRUST)


def _parse(document: Mapping[str, Any] | str, kind: PolicyKind, what: str) -> Any:
    try:
        return parse_policy(document, kind)
    except PolicyValidationError as exc:
        raise PolicyInputError(f"{what}: {exc}") from exc


def check_policies(
    choices: Choices,
    identity_policies: Sequence[Mapping[str, Any] | str],
    *,
    principal_arn: str | None = None,
    permission_boundary: Mapping[str, Any] | str | None = None,
    command: str | None = None,
    personas: Sequence[Persona | str] | None = (Persona.GENERAL, Persona.DEPLOY),
    app_id: str = DEFAULT_APP_ID,
) -> list[CommandResult]:
    """One result per command of the map (only ``command`` when named; by default the
    ``app2container`` commands, i.e. the general and deployment personas; ``personas=None``
    for every row, pipeline identities included)."""
    policies = tuple(
        _parse(doc, PolicyKind.IDENTITY, f"identity policy {n}")
        for n, doc in enumerate(identity_policies, 1)
    )
    boundary = (
        _parse(permission_boundary, PolicyKind.PERMISSIONS_BOUNDARY, "permissions boundary")
        if permission_boundary is not None else None
    )
    compiled = compile_policy_set(PolicySet(identity_policies=policies,
                                            permission_boundary=boundary))
    # sts:AssumeRole also needs the role's trust policy to allow; the roles App2Container's
    # pipelines assume trust their own account, so the check supplies that trust policy and
    # asks only whether the identity's own policies allow the call.
    trusted = compile_policy_set(PolicySet(identity_policies=policies,
                                           permission_boundary=boundary,
                                           resource_policy=_account_trust(choices)))
    principal = principal_arn or default_principal(choices)
    entries: list[CommandNeed]
    if command is not None:
        entries = [find_command(choices, command, app_id=app_id)]
    else:
        wanted = None if personas is None else {Persona(p) for p in personas}
        entries = [e for e in command_map(choices, app_id=app_id)
                   if wanted is None or e.persona in wanted]
    out = []
    for entry in entries:
        missing = tuple(
            (action, resource) for action, resource in entry.needs
            if not authorize(Request(principal, action, resource),
                             trusted if action.lower() in _TRUST_ACTIONS else compiled).allowed
        )
        out.append(CommandResult(entry.command, not missing, missing, entry.persona))
    return out
