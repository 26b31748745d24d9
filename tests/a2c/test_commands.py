"""The command map: which commands apply to which choices, and the shape of their needs."""

from __future__ import annotations

import pytest
from a2c_profiles import ACCOUNT, all_on

from a2c_iam.a2c.choices import Choices
from a2c_iam.a2c.commands import COMMANDS, command_map, find_command
from a2c_iam.a2c.errors import ChoiceError
from a2c_iam.a2c.personas import Persona
from a2c_iam.a2c.sections import SECTIONS


def test_every_command_applies_when_every_choice_is_on() -> None:
    entries = command_map(all_on("ecs"))
    assert [(e.command, e.persona) for e in entries] == list(COMMANDS)


def test_only_the_unconditional_commands_with_no_choices() -> None:
    bare = Choices(target="apprunner", account=ACCOUNT, region="us-east-1")
    entries = command_map(bare)
    assert [e.command for e in entries] == [
        "init", "inventory", "analyze", "extract", "containerize", "generate app-deployment",
        "generate app-deployment --deploy", "upgrade"]
    needless = {e.command for e in entries if not e.needs}
    assert needless == {"init", "inventory", "analyze", "extract", "containerize", "upgrade"}


@pytest.mark.parametrize("persona", list(Persona))
def test_persona_filter(persona: Persona) -> None:
    entries = command_map(all_on("eks"), persona)
    assert entries and all(e.persona is persona for e in entries)


def test_needs_are_concrete_and_attributed(target: str) -> None:
    choices = all_on(target, bucket="example-a2c-artifacts")
    for entry in command_map(choices):
        assert len(entry.need_sections) == len(entry.needs)
        assert len(set(entry.needs)) == len(entry.needs)
        assert set(entry.sections) == {s for s in entry.need_sections if s}
        assert all(s in SECTIONS for s in entry.sections)
        for (action, resource), sid in zip(entry.needs, entry.need_sections, strict=True):
            assert ":" in action and "*" not in action
            assert resource == "*" or (resource.startswith("arn:aws:") and "*" not in resource)
            if not sid:
                assert entry.persona is Persona.DEPLOY, (entry.command, action)


def test_metrics_and_support_bundle_go_out_from_every_command() -> None:
    for entry in command_map(all_on("ecs"), Persona.GENERAL):
        assert ("application-transformation:PutMetricData", "*") in entry.needs
        assert ("application-transformation:PutLogData", "*") in entry.needs


def test_app_id_names_the_sample_resources() -> None:
    entry = find_command(all_on("ecs", ecr_repository="apps/*"), "generate app-deployment")
    assert ("ecr:PutImage", f"arn:aws:ecr:eu-west-1:{ACCOUNT}:repository/apps/java-tomcat-9e8e4799") \
        in entry.needs
    (other,) = [e for e in command_map(all_on("ecs"), app_id="dotnet-web-1a2b3c")
                if e.command == "generate app-deployment"]
    assert any("dotnet-web-1a2b3c" in r for _, r in other.needs)
    with pytest.raises(ChoiceError):
        command_map(all_on("ecs"), app_id="no spaces")
