"""Generated least-privilege policies, one persona at a time.

General-purpose, Jenkins and Azure DevOps: the sections the choices need (``sections.py``),
rendered with real ARNs and sorted actions, split into several managed policies when one would
exceed the managed-policy size quota (6,144 characters without white space).

Deploy: the seed recommends the AWS managed policy ``AdministratorAccess`` for the deployment
user and warns that it grants full access. A :class:`GeneratedPolicy` for it has
``managed_arn`` set and an *empty* ``document`` (``{}``): there is nothing to create, only a
policy to attach. :data:`ADMINISTRATOR_ACCESS_DOCUMENT` is that managed policy's document, for
checking commands against it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Final

from ..policy.kinds import DEFAULT_QUOTA, PolicyKind
from ..policy.validate import policy_size
from .choices import Choices, Pipeline
from .errors import ChoiceError
from .personas import Persona
from .sections import sections_for

__all__ = [
    "ADMINISTRATOR_ACCESS_DOCUMENT",
    "ADMINISTRATOR_WARNING",
    "GeneratedPolicy",
    "Persona",
    "administrator_access_arn",
    "generate_policies",
]

VERSION: Final = "2012-10-17"
MANAGED_POLICY_QUOTA: Final = DEFAULT_QUOTA[PolicyKind.IDENTITY]

#: AWS's ``AdministratorAccess`` managed policy.
ADMINISTRATOR_ACCESS_DOCUMENT: Final[dict[str, Any]] = {
    "Version": VERSION,
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}

#: The seed's words on the deployment persona.
ADMINISTRATOR_WARNING: Final = (
    "The AdministratorAccess policy grants an IAM user full access to AWS. Use it only for a "
    "separate deployment user (or role) that runs the commands with --deploy; the general-purpose "
    "group runs every other command with the generated policy."
)

#: With both, the holder can create a role and attach any policy to it; the seed's sections that
#: hold both are needed by App2Container (lint reports them as PRIVILEGE_ESCALATION).
_ESCALATION_ACTIONS: Final = frozenset({"iam:CreateRole", "iam:AttachRolePolicy"})
_ESCALATION_NOTE: Final = (
    "{sid} grants iam:CreateRole with iam:AttachRolePolicy, as the seed requires: the holder can "
    "create a role of that name and attach any managed policy to it. Consider a permissions "
    "boundary on the general-purpose group."
)

_NAMES: Final = {
    Persona.GENERAL: "App2ContainerGeneral",
    Persona.JENKINS: "App2ContainerJenkins",
    Persona.AZURE_DEVOPS: "App2ContainerAzureDevOps",
}


@dataclass(frozen=True, slots=True)
class GeneratedPolicy:
    """One managed policy to create (``document``) or attach (``managed_arn``, empty document)."""

    name: str
    document: dict[str, Any]
    notes: tuple[str, ...] = ()
    managed_arn: str | None = None


def administrator_access_arn(partition: str) -> str:
    return f"arn:{partition}:iam::aws:policy/AdministratorAccess"


def generate_policies(
    choices: Choices, persona: Persona | str = Persona.GENERAL
) -> list[GeneratedPolicy]:
    """The policies the persona needs for ``choices``; more than one only when split."""
    persona = Persona(persona)
    if persona is Persona.DEPLOY:
        return [GeneratedPolicy(
            name="AdministratorAccess",
            document={},
            notes=(ADMINISTRATOR_WARNING,),
            managed_arn=administrator_access_arn(choices.partition),
        )]
    if persona is Persona.JENKINS and Pipeline.JENKINS not in choices.pipelines:
        raise ChoiceError("pipelines", "the jenkins persona needs a Jenkins pipeline "
                          "(--pipelines jenkins, or pipelines = [\"jenkins\"] in the choices file)")
    if persona is Persona.AZURE_DEVOPS and Pipeline.AZURE_DEVOPS not in choices.pipelines:
        raise ChoiceError("pipelines", "the azure-devops persona needs an Azure DevOps pipeline "
                          "(--pipelines azure-devops, or pipelines = [\"azure-devops\"] in the "
                          "choices file)")
    sections = sections_for(choices, persona)
    chunks = [section.statements(choices) for section in sections]
    notes = tuple(_ESCALATION_NOTE.format(sid=s.sid) for s in sections
                  if set(s.actions) >= _ESCALATION_ACTIONS)
    return [GeneratedPolicy(p.name, p.document, notes + p.notes, p.managed_arn)
            for p in _split(_NAMES[persona], chunks)]


def _document(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": VERSION, "Statement": statements}


def _size(statements: list[dict[str, Any]]) -> int:
    return policy_size(json.dumps(_document(statements)))


def _split(name: str, chunks: list[list[dict[str, Any]]]) -> list[GeneratedPolicy]:
    """Sections packed in order into as few documents under the quota as possible.

    A section's statements stay in one document, so that each document reads section by section.
    """
    groups: list[list[dict[str, Any]]] = []
    for chunk in chunks:
        if groups and _size([*groups[-1], *chunk]) <= MANAGED_POLICY_QUOTA:
            groups[-1].extend(chunk)
        else:
            groups.append(list(chunk))
    if len(groups) <= 1:
        return [GeneratedPolicy(name=name, document=_document(groups[0] if groups else []))]
    count = len(groups)
    out = []
    for n, group in enumerate(groups, 1):
        note = (f"split: the statements do not fit one managed policy ({MANAGED_POLICY_QUOTA} "
                f"characters without white space); this is part {n} of {count}, attach all "
                f"{count}")
        out.append(GeneratedPolicy(name=name if n == 1 else f"{name}-{n}",
                                   document=_document(group), notes=(note,)))
    return out
