"""Must show: ``check`` with the engine. The general policy runs every command but those with
--deploy; AdministratorAccess runs everything; removing any one section makes exactly the
commands that need it fail, for every section."""

from __future__ import annotations

from typing import Any

import pytest
from a2c_profiles import ACCOUNT, all_on

from a2c_iam.a2c.check import CommandResult, PolicyInputError, check_policies
from a2c_iam.a2c.commands import command_map
from a2c_iam.a2c.errors import CommandError
from a2c_iam.a2c.generate import ADMINISTRATOR_ACCESS_DOCUMENT, generate_policies
from a2c_iam.a2c.personas import Persona
from a2c_iam.a2c.sections import base_sid, sections_for

ALL = None  # every persona's rows


def _profile(target: str, **overrides: Any) -> Any:
    """Every choice on, an artifacts bucket for App Runner too (the seed's App Runner policy has
    no S3 sections, but the choice exists for every target)."""
    overrides.setdefault("bucket", "example-a2c-artifacts")
    return all_on(target, **overrides)


def _documents(choices: Any, persona: Persona = Persona.GENERAL) -> list[dict[str, Any]]:
    return [p.document for p in generate_policies(choices, persona)]


def _without(documents: list[dict[str, Any]], sid: str) -> list[dict[str, Any]]:
    out = []
    for doc in documents:
        kept = [s for s in doc["Statement"] if base_sid(s["Sid"]) != sid]
        if kept:
            out.append({"Version": doc["Version"], "Statement": kept})
    return out


def test_general_policy_allows_every_command_but_deploy(target: str) -> None:
    choices = _profile(target)
    results = check_policies(choices, _documents(choices))
    commands = {r.command for r in results}
    assert {"init", "remote inventory", "extract --output s3", "generate app-deployment",
            "generate pipeline", "upload-support-bundle", "upgrade"} <= commands
    for r in results:
        if r.command.endswith("--deploy"):
            assert not r.allowed and r.missing, r.command
        else:
            assert r.allowed and not r.missing, (r.command, r.missing)
    assert {r.command for r in results if not r.allowed} == {
        "generate app-deployment --deploy", "generate pipeline --deploy"}


def test_administrator_access_allows_everything(target: str) -> None:
    choices = _profile(target)
    results = check_policies(choices, [ADMINISTRATOR_ACCESS_DOCUMENT], personas=ALL)
    assert len(results) == len(command_map(choices))
    assert all(r.allowed for r in results)


def _removal_cases() -> list[tuple[str, str, Persona]]:
    cases = []
    for target in ("ecs", "eks", "apprunner"):
        choices = _profile(target)
        for persona in (Persona.GENERAL, Persona.JENKINS, Persona.AZURE_DEVOPS):
            cases += [(target, s.sid, persona) for s in sections_for(choices, persona)]
    return cases


@pytest.mark.parametrize(("target", "sid", "persona"), _removal_cases())
def test_removing_a_section_fails_exactly_the_commands_needing_it(
    target: str, sid: str, persona: Persona
) -> None:
    choices = _profile(target)
    documents = _without(_documents(choices, persona), sid)
    personas = [persona] if persona is not Persona.GENERAL else [Persona.GENERAL]
    results = check_policies(choices, documents, personas=personas)
    needing = {e.command for e in command_map(choices, persona) if sid in e.sections}
    assert needing, f"{sid} is in the {persona} policy but no command needs it"
    assert {r.command for r in results if not r.allowed} == needing
    for r in results:
        if not r.allowed:
            entry = next(e for e in command_map(choices, persona) if e.command == r.command)
            granted_by = dict(zip(entry.needs, entry.need_sections, strict=True))
            assert {granted_by[pair] for pair in r.missing} == {sid}


def test_a_named_command() -> None:
    choices = _profile("ecs")
    (result,) = check_policies(choices, _documents(choices), command="app2container  init")
    assert result == CommandResult("init", True, ())
    (result,) = check_policies(choices, _documents(choices),
                               command="generate app-deployment --deploy")
    assert not result.allowed
    assert ("cloudformation:CreateStack",
            f"arn:aws:cloudformation:eu-west-1:{ACCOUNT}:stack/a2c-java-tomcat-9e8e4799-ECS/"
            "3f1c2a9e-0b7d-11ef-9a51-0a1b2c3d4e5f") in result.missing


def test_unknown_or_inapplicable_command() -> None:
    with pytest.raises(CommandError, match="unknown command 'deploy'"):
        check_policies(_profile("ecs"), [ADMINISTRATOR_ACCESS_DOCUMENT], command="deploy")
    with pytest.raises(CommandError, match="remote workflows are not chosen"):
        check_policies(_profile("ecs", remote=False), [ADMINISTRATOR_ACCESS_DOCUMENT],
                       command="remote inventory")


def test_permission_boundary_limits_the_policies() -> None:
    choices = _profile("eks")
    boundary = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": ["ecr:*", "cloudformation:*",
                                                              "application-transformation:*"],
                               "Resource": "*"}]}
    results = {r.command: r for r in check_policies(choices, [ADMINISTRATOR_ACCESS_DOCUMENT],
                                                    permission_boundary=boundary)}
    assert results["inventory"].allowed
    assert not results["remote inventory"].allowed
    assert {a for a, _ in results["generate app-deployment"].missing} == {
        "iam:GetRole", "lambda:GetFunction", "iam:ListRoles", "iam:ListRoleTags", "s3:PutObject",
        "ec2:DescribeAvailabilityZones", "ec2:DescribeKeyPairs", "ec2:CreateKeyPair",
        "ec2:DescribeVpcs", "ec2:DescribeSubnets", "ec2:DescribeRouteTables",
        "ec2:DescribeInternetGateways"}


def test_explicit_deny_in_a_policy_wins() -> None:
    choices = _profile("apprunner")
    deny = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}]}
    results = {r.command: r for r in check_policies(choices, [*_documents(choices), deny])}
    assert not results["remote configure"].allowed
    assert results["generate app-deployment"].allowed


def test_a_policy_iam_would_refuse_is_an_input_error() -> None:
    with pytest.raises(PolicyInputError, match="identity policy 1: MalformedPolicyDocument"):
        check_policies(_profile("ecs"), ['{"Version": "2012-10-17", "Statement": ['])
