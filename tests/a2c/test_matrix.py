"""Must show: for a matrix of choice profiles, every generated policy validates as IAM would,
fits the managed-policy quota, and lints clean of ERROR and SECURITY_WARNING findings except
those the seed itself mandates; and the general policy runs every command but the --deploy ones.
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

import pytest
from a2c_profiles import seed_policy

from a2c_iam.a2c.check import check_policies
from a2c_iam.a2c.choices import Choices
from a2c_iam.a2c.commands import command_map
from a2c_iam.a2c.generate import MANAGED_POLICY_QUOTA, generate_policies
from a2c_iam.a2c.personas import Persona
from a2c_iam.policy import validate_document
from a2c_iam.policy.lint import Severity, lint_policy
from a2c_iam.policy.validate import policy_size

#: Findings the seed mandates: these sections grant iam:CreateRole with iam:AttachRolePolicy (on
#: App2Container's own role names), which lint rightly reports as a path to more privileges.
#: App2Container creates the FireLens, Firehose and EKS roles with them; the seed lists them in
#: the general-purpose policy, so a working policy keeps them.
SEED_MANDATED = {
    ("PRIVILEGE_ESCALATION", "SectionForFirelensIAMRoleAccess"),
    ("PRIVILEGE_ESCALATION", "SectionForFirelensFirehoseIAMRoleAccess"),
    ("PRIVILEGE_ESCALATION", "SectionForIAMAccess"),
}

ACCOUNTS = ("111122223333", "444455556666", "012345678901")
REGIONS = ("us-east-1", "eu-central-1", "ap-southeast-2", "cn-north-1", "us-gov-west-1",
           "sa-east-1")


def _profiles() -> list[Choices]:
    """Every target with every FireLens set (ECS) and pipeline set, plus a seeded random spread
    of the other choices, regions and partitions, names and prefixes."""
    rng = random.Random(20261203)
    firelens_sets = [list(s) for n in range(4)
                     for s in itertools.combinations(("cloudwatch", "firehose", "kinesis"), n)]
    pipeline_sets = [list(s) for n in range(4)
                     for s in itertools.combinations(("codecommit", "jenkins", "azure-devops"), n)]
    out = []
    for target in ("ecs", "eks", "apprunner"):
        for firelens in firelens_sets if target == "ecs" else [[]]:
            for pipelines in pipeline_sets:
                out.append(Choices(
                    target=target,
                    account=rng.choice(ACCOUNTS),
                    region=rng.choice(REGIONS),
                    bucket=rng.choice([None, "a2c-artifacts-1", "team.a2c.artifacts"]),
                    firelens=firelens,
                    pipelines=pipelines,
                    remote=rng.random() < 0.5,
                    metrics=rng.random() < 0.5,
                    support_bundle=rng.random() < 0.5,
                    byo_vpc=target != "apprunner" and rng.random() < 0.5,
                    secret_prefix=rng.choice(["a2c/", "prod/a2c-", "a2c"]),
                    name_prefixes=rng.choice([("a2c-", "app2container-"), ("a2c-",), ("Team-A2C-",)]),
                    ecr_repository=rng.choice(["*", "java-*", "apps/*"]),
                    task_execution_role=rng.choice(["ecsTaskExecutionRole", "service-role/a2c-exec"]),
                ))
    return out


PROFILES = _profiles()


def test_the_matrix_is_large_enough() -> None:
    assert len(PROFILES) >= 50
    assert {c.partition for c in PROFILES} == {"aws", "aws-cn", "aws-us-gov"}


def _documents(choices: Choices) -> list[tuple[str, dict[str, Any]]]:
    out = []
    personas = [Persona.GENERAL]
    if "jenkins" in choices.pipelines:
        personas.append(Persona.JENKINS)
    if "azure-devops" in choices.pipelines:
        personas.append(Persona.AZURE_DEVOPS)
    for persona in personas:
        out += [(p.name, p.document) for p in generate_policies(choices, persona)]
    return out


@pytest.mark.parametrize("choices", PROFILES, ids=lambda c: f"{c.target}-{c.region}")
def test_generated_policies_validate_fit_and_lint_clean(choices: Choices) -> None:
    for name, document in _documents(choices):
        validate_document(json.dumps(document))
        assert policy_size(json.dumps(document)) <= MANAGED_POLICY_QUOTA, name
        serious = {
            (f.code, f.sid) for f in lint_policy(document)
            if f.severity in (Severity.ERROR, Severity.SECURITY_WARNING)
        }
        assert serious <= SEED_MANDATED, (name, serious - SEED_MANDATED)
        assert f"arn:{choices.partition}:" in json.dumps(document)


def _seed_actions(target: str) -> set[str]:
    """Every action of the seed's general-purpose policy for ``target`` (URLs cut off)."""
    actions: set[str] = set()
    for statement in seed_policy(target)["Statement"]:
        listed = statement["Action"]
        actions |= {a.split()[0] for a in ([listed] if isinstance(listed, str) else listed)}
    return actions


@pytest.mark.parametrize("choices", PROFILES, ids=lambda c: f"{c.target}-{c.region}")
def test_general_policy_runs_all_but_deploy(choices: Choices) -> None:
    """And of what only --deploy needs, the general policy grants nothing but what the seed's
    own general-purpose policy lists (ecs:CreateService in SectionForECSWriteAccess, and for
    EKS iam:CreateRole on App2Container's roles in SectionForIAMAccess)."""
    documents = [p.document for p in generate_policies(choices)]
    results = {r.command: r for r in check_policies(choices, documents)}
    assert results
    for result in results.values():
        deploy = result.command.endswith("--deploy")
        assert result.allowed is not deploy, (result.command, result.missing)
    seed = _seed_actions(choices.target.value)
    for entry in command_map(choices, Persona.DEPLOY):
        deploy_only = {need for need, sid in zip(entry.needs, entry.need_sections, strict=True)
                       if not sid}
        assert deploy_only, entry.command
        granted = deploy_only - set(results[entry.command].missing)
        assert {action for action, _ in granted} <= seed, (entry.command, granted)
