"""Splitting over the managed-policy quota, personas, and the deploy persona's shape."""

from __future__ import annotations

import json

import pytest
from a2c_profiles import all_on

from a2c_iam.a2c import generate
from a2c_iam.a2c.errors import ChoiceError
from a2c_iam.a2c.generate import ADMINISTRATOR_WARNING, Persona, generate_policies
from a2c_iam.a2c.sections import base_sid
from a2c_iam.policy.validate import policy_size


def test_one_policy_when_it_fits() -> None:
    (policy,) = generate_policies(all_on("ecs"))
    assert policy.name == "App2ContainerGeneral"
    assert policy.managed_arn is None
    assert [n.split()[0] for n in policy.notes] == [
        "SectionForFirelensIAMRoleAccess", "SectionForFirelensFirehoseIAMRoleAccess"]
    (apprunner,) = generate_policies(all_on("apprunner"))
    assert apprunner.notes == ()
    assert policy_size(json.dumps(policy.document)) <= generate.MANAGED_POLICY_QUOTA


def test_split_when_over_the_quota(monkeypatch: pytest.MonkeyPatch) -> None:
    (whole,) = generate_policies(all_on("ecs"))
    monkeypatch.setattr(generate, "MANAGED_POLICY_QUOTA", 1500)
    parts = generate_policies(all_on("ecs"))
    assert len(parts) > 2
    assert [p.name for p in parts] == ["App2ContainerGeneral"] + [
        f"App2ContainerGeneral-{n}" for n in range(2, len(parts) + 1)]
    statements = []
    seen_sections: set[str] = set()
    for part in parts:
        assert policy_size(json.dumps(part.document)) <= 1500
        assert part.notes and f"of {len(parts)}" in part.notes[-1]
        sections = {base_sid(s["Sid"]) for s in part.document["Statement"]}
        assert not sections & seen_sections, "a section was split across policies"
        seen_sections |= sections
        statements += part.document["Statement"]
    assert statements == whole.document["Statement"]


def test_deploy_persona_attaches_administrator_access() -> None:
    (policy,) = generate_policies(all_on("eks", region="us-gov-east-1"), Persona.DEPLOY)
    assert policy.managed_arn == "arn:aws-us-gov:iam::aws:policy/AdministratorAccess"
    assert policy.document == {}
    assert policy.notes == (ADMINISTRATOR_WARNING,)


def test_pipeline_personas_need_their_pipeline() -> None:
    (jenkins,) = generate_policies(all_on("ecs"), "jenkins")
    assert jenkins.name == "App2ContainerJenkins"
    with pytest.raises(ChoiceError, match="Azure DevOps"):
        generate_policies(all_on("ecs", pipelines=["jenkins"]), "azure-devops")


def test_a_real_profile_over_the_quota_is_split_and_still_runs_every_command() -> None:
    """Many name prefixes multiply the ARNs until one document no longer fits: the parts each
    fit, validate, and together allow what the whole would."""
    from a2c_iam.a2c.check import check_policies
    from a2c_iam.policy import validate_document

    prefixes = tuple(f"team{n}-a2c-" for n in range(12))
    choices = all_on("ecs", name_prefixes=prefixes)
    parts = generate_policies(choices)
    assert len(parts) >= 2
    for part in parts:
        text = json.dumps(part.document)
        validate_document(text)
        assert policy_size(text) <= generate.MANAGED_POLICY_QUOTA
        assert any(note.startswith("split: ") for note in part.notes)
    results = check_policies(choices, [p.document for p in parts])
    assert {r.command for r in results if not r.allowed} == {
        "generate app-deployment --deploy", "generate pipeline --deploy"}
