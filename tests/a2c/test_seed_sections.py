"""Must show: with every section on, the generated ECS, EKS, App Runner, Jenkins and Azure DevOps
policies hold exactly the seed's actions under each Sid, repairs included; no placeholder left."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from a2c_profiles import ACCOUNT, DATA, REGION, all_on, seed_policy

from a2c_iam.a2c.generate import generate_policies
from a2c_iam.a2c.sections import base_sid
from a2c_iam.policy.lint import lint_policy

#: The repairs that change a Sid's action set, each argued in sections.py:
#: (seed policy, Sid) -> (actions removed, actions added).
ACTION_REPAIRS: dict[tuple[str, str], tuple[set[str], set[str]]] = {
    # GetAuthorizationToken only works on "*": SectionForECRAccess2 grants it (and the seed's EKS
    # and App Runner variants of SectionForECRAccess do not repeat it).
    ("ecs", "SectionForECRAccess"): ({"ecr:GetAuthorizationToken"}, set()),
    # SectionForS3ReadAccess grants these two on every bucket already.
    ("ecs", "SectionForS3Access"): ({"s3:GetBucketAcl", "s3:ListBucket"}, set()),
    ("eks", "SectionForS3Access"): ({"s3:GetBucketAcl", "s3:ListBucket"}, set()),
}

#: (seed file, persona, target of the profile).
CASES = [
    ("ecs", "general", "ecs"),
    ("eks", "general", "eks"),
    ("apprunner", "general", "apprunner"),
    ("jenkins", "jenkins", "ecs"),
    ("azure-devops", "azure-devops", "eks"),
]


def _actions(stmt: dict[str, Any]) -> list[str]:
    value = stmt["Action"]
    return [value] if isinstance(value, str) else list(value)


def _seed_actions(name: str) -> dict[str, set[str]]:
    """Actions by Sid, the documentation URL the seed puts inside some action strings cut off."""
    out: dict[str, set[str]] = {}
    for stmt in seed_policy(name)["Statement"]:
        out[stmt["Sid"]] = {a.split(" (")[0].strip() for a in _actions(stmt)}
    return out


def _generated(persona: str, target: str) -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
    policies = generate_policies(all_on(target), persona)
    statements = [s for p in policies for s in p.document["Statement"]]
    by_sid: dict[str, set[str]] = defaultdict(set)
    for stmt in statements:
        by_sid[base_sid(stmt["Sid"])].update(_actions(stmt))
    return statements, dict(by_sid)


@pytest.mark.parametrize(("seed", "persona", "target"), CASES)
def test_same_sids_as_the_seed(seed: str, persona: str, target: str) -> None:
    _, generated = _generated(persona, target)
    assert sorted(generated) == sorted(_seed_actions(seed))


def _sid_cases() -> list[tuple[str, str, str, str]]:
    return [(seed, persona, target, sid) for seed, persona, target in CASES
            for sid in _seed_actions(seed)]


@pytest.mark.parametrize(("seed", "persona", "target", "sid"), _sid_cases())
def test_exact_actions_under_each_sid(seed: str, persona: str, target: str, sid: str) -> None:
    expected = set(_seed_actions(seed)[sid])
    removed, added = ACTION_REPAIRS.get((seed, sid), (set(), set()))
    assert removed <= expected, "a repair removes an action the seed does not have"
    expected = (expected - removed) | added
    _, generated = _generated(persona, target)
    assert generated[sid] == expected


@pytest.mark.parametrize(("seed", "persona", "target"), CASES)
def test_real_arns_sorted_actions_no_placeholders(seed: str, persona: str, target: str) -> None:
    statements, _ = _generated(persona, target)
    for stmt in statements:
        actions = _actions(stmt)
        assert actions == sorted(actions)
        assert all(" " not in a and "(" not in a for a in actions)
        resources = [stmt["Resource"]] if isinstance(stmt["Resource"], str) else stmt["Resource"]
        for arn in resources:
            assert arn == "*" or arn.startswith("arn:aws:"), arn
            assert "your" not in arn and "resource-ARNs" not in arn and "Region" not in arn
            if arn.startswith("arn:aws:") and not arn.startswith("arn:aws:s3:"):
                assert f":{ACCOUNT}:" in arn, arn
    text = json.dumps(statements)
    assert "us-east-1" not in text  # the seed's App Runner secrets section hard-codes it
    document = {"Version": "2012-10-17", "Statement": statements}
    assert not [f for f in lint_policy(document) if f.code in ("PLACEHOLDER", "UNKNOWN_ACTION",
                                                               "INVALID_PREFIX", "INVALID_RESOURCE")]


def test_the_seed_policies_are_flagged_by_lint() -> None:
    """The defects the generator repairs are real: lint finds them in the published text."""
    codes = {f.code for name in ("ecs", "eks", "apprunner") for f in lint_policy(seed_policy(name))}
    assert "PLACEHOLDER" in codes


def test_secrets_follow_the_chosen_region_and_prefix() -> None:
    choices = all_on("apprunner", region="ap-southeast-2", secret_prefix="team/a2c/")
    (policy,) = generate_policies(choices)
    (stmt,) = [s for s in policy.document["Statement"] if s["Sid"] == "SectionForSecretManagerAccess"]
    assert stmt["Resource"] == f"arn:aws:secretsmanager:ap-southeast-2:{ACCOUNT}:secret:team/a2c/*"


def test_both_stack_prefixes_by_default_and_one_when_chosen() -> None:
    def stacks(**kw: Any) -> list[str]:
        (policy,) = generate_policies(all_on("eks", **kw))
        (stmt,) = [s for s in policy.document["Statement"] if s["Sid"] == "SectionForCloudFormation"]
        return [stmt["Resource"]] if isinstance(stmt["Resource"], str) else stmt["Resource"]

    assert stacks() == [f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/a2c-*",
                        f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/app2container-*"]
    assert stacks(name_prefixes=["a2c-"]) == [f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/a2c-*"]


def _seed_markdown() -> Path | None:
    for root in (Path(__file__).resolve().parents[3], Path("/work")):
        path = root / "shared" / "seed" / "app2container-iam.md"
        if path.is_file():
            return path
    return None


def test_the_test_data_is_the_seed_text() -> None:
    """tests/a2c/data holds the seed's five example policies byte for byte, in its order."""
    path = _seed_markdown()
    if path is None:
        pytest.skip("shared/seed/app2container-iam.md is not beside the repository")
    blocks = re.findall(r"```\n(.*?)```", path.read_text(encoding="utf-8"), re.S)
    names = ["ecs", "eks", "apprunner", "azure-devops", "jenkins"]
    assert len(blocks) == len(names)
    for name, block in zip(names, blocks, strict=True):
        assert (DATA / f"seed-{name}.json").read_text(encoding="utf-8") == block, name
