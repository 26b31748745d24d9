"""The seed's five example policies, exactly as the App2Container guide publishes them
(``lint_cases/seed-*.json``, extracted from the seed's code blocks), get the findings a reviewer
expects, one by one, and nothing else.

What a reviewer sees in them (DESIGN.md, "Known defects of the published policies"):
placeholder resources (``resource-ARNs``, ``amzn-s3-demo-bucket-ARN``, ``your account ID``,
``your region``, ``target Region``, ``ARN for ecsTaskExecutionRole``), action strings with a
documentation URL inside, a region hard-coded to ``us-east-1`` in the App Runner secrets section;
and, from the Service Authorization Reference, actions that only work with ``"Resource": "*"``
listed with specific resources, role-creation grants that let the holder make itself
administrator (each statement that allows it on its own), ``sts:AssumeRole`` on every role, and
write actions on ``*`` or on every repository (``arn:aws:codecommit:*:*:*``).

Nothing else is expected, and the test says so: a finding that is not listed fails it. In
particular these are *not* findings: ``s3:ListBucket`` and ``s3:GetBucketAcl`` on
``arn:aws:s3:::*`` (reads), ``ecr:GetAuthorizationToken`` and the App2Container metrics and
support-bundle actions on ``*`` (actions that take only ``*``), ``eks:DescribeCluster`` on ``*``
(a read).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from a2c_iam.policy.lint import Finding, Severity, lint_policy

CASES = Path(__file__).parent / "lint_cases"

E, S, W, G = Severity.ERROR, Severity.SECURITY_WARNING, Severity.WARNING, Severity.SUGGESTION

# (code, severity, JSON path, words the message must hold)
Expected = tuple[str, Severity, str, tuple[str, ...]]

_RESOURCE_ARNS = ("resource-ARNs", 'must be in ARN format or "*"')
_ACCOUNT = ("your account ID",)
#: CreateRepository, CreateCommit and TagResource on every repository of every account.
_CODECOMMIT = ("codecommit:CreateRepository", "codecommit:CreateCommit", "codecommit:TagResource",
               '"arn:aws:codecommit:*:*:*", every resource of codecommit')

ECS: list[Expected] = [
    ("ACTION_REQUIRES_STAR", W, "Statement[0].Action[5]", ("s3:ListAllMyBuckets",)),
    ("PLACEHOLDER", E, "Statement[0].Resource", ("amzn-s3-demo-bucket-ARN",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[2].Action[8]", ("ecr:GetAuthorizationToken",)),
    ("PLACEHOLDER", E, "Statement[2].Resource", _RESOURCE_ARNS),
    ("ACTION_REQUIRES_STAR", W, "Statement[4].Action[6]", ("ecs:DeregisterTaskDefinition",)),
    ("PLACEHOLDER", E, "Statement[4].Resource", _RESOURCE_ARNS),
    ("PLACEHOLDER", E, "Statement[5].Resource", ("ARN for ecsTaskExecutionRole",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[6].Action[3]", ("ecs:DescribeTaskDefinition",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[6].Action[6]", ("ecs:ListClusters",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[6].Action[8]", ("ecs:ListServices",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[6].Action[9]", ("ecs:ListTaskDefinitionFamilies",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[6].Action[10]", ("ecs:ListTaskDefinitions",)),
    ("PLACEHOLDER", E, "Statement[6].Resource", _RESOURCE_ARNS),
    ("PRIVILEGE_ESCALATION", S, "Statement[7].Action[2]",
     ("iam:CreateRole", "iam:AttachRolePolicy", "SectionForFirelensIAMRoleAccess")),
    ("PLACEHOLDER", E, "Statement[7].Resource", _ACCOUNT),
    ("PLACEHOLDER", E, "Statement[8].Resource", _ACCOUNT),
    ("PLACEHOLDER", E, "Statement[9].Resource", _ACCOUNT),
    ("PRIVILEGE_ESCALATION", S, "Statement[10].Action[2]",
     ("iam:CreateRole", "iam:AttachRolePolicy", "SectionForFirelensFirehoseIAMRoleAccess")),
    ("PLACEHOLDER", E, "Statement[10].Resource", _ACCOUNT),
    ("PLACEHOLDER", E, "Statement[11].Resource", _ACCOUNT),
    ("PLACEHOLDER", E, "Statement[12].Resource", _ACCOUNT),
    ("RESOURCE_STAR_WRITE", G, "Statement[13].Resource", _CODECOMMIT),
    ("ACTION_REQUIRES_STAR", W, "Statement[14].Action[0]", ("ec2:DescribeInternetGateways",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[14].Action[1]", ("ec2:DescribeRouteTables",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[14].Action[2]", ("ec2:DescribeSubnets",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[14].Action[3]", ("ec2:DescribeVpcs",)),
    ("PLACEHOLDER", E, "Statement[14].Resource", _RESOURCE_ARNS),
    ("ACTION_REQUIRES_STAR", W, "Statement[15].Action[0]", ("ec2:DescribeKeyPairs",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[15].Action[2]", ("ec2:DescribeAvailabilityZones",)),
    ("PLACEHOLDER", E, "Statement[15].Resource", _RESOURCE_ARNS),
    ("PLACEHOLDER", E, "Statement[18].Resource", ("your region", "your account ID")),
    ("PLACEHOLDER", E, "Statement[19].Resource", _ACCOUNT),
]

EKS: list[Expected] = [
    ("ACTION_REQUIRES_STAR", W, "Statement[0].Action[5]", ("s3:ListAllMyBuckets",)),
    ("PLACEHOLDER", E, "Statement[0].Resource", ("amzn-s3-demo-bucket-ARN",)),
    ("PLACEHOLDER", E, "Statement[2].Resource", _RESOURCE_ARNS),
    ("PLACEHOLDER", E, "Statement[4].Resource[1]", ("target Region",)),
    ("RESOURCE_STAR_WRITE", G, "Statement[5].Resource", _CODECOMMIT),
    ("ACTION_REQUIRES_STAR", W, "Statement[6].Action[0]", ("ec2:DescribeInternetGateways",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[6].Action[1]", ("ec2:DescribeRouteTables",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[6].Action[2]", ("ec2:DescribeSubnets",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[6].Action[3]", ("ec2:DescribeVpcs",)),
    ("PLACEHOLDER", E, "Statement[6].Resource", _RESOURCE_ARNS),
    ("ACTION_REQUIRES_STAR", W, "Statement[7].Action[0]", ("ec2:DescribeKeyPairs",)),
    ("ACTION_REQUIRES_STAR", W, "Statement[7].Action[2]", ("ec2:DescribeAvailabilityZones",)),
    ("PLACEHOLDER", E, "Statement[7].Resource", _RESOURCE_ARNS),
    ("PLACEHOLDER", E, "Statement[10].Resource", ("your region", "your account ID")),
    ("PRIVILEGE_ESCALATION", S, "Statement[11].Action[0]",
     ("iam:CreateRole", "iam:AttachRolePolicy", "SectionForIAMAccess")),
    ("INVALID_PREFIX", E, "Statement[11].Action[3]",
     ("Actions/Condition can contain only one colon", "with a URL inside", "Did you mean iam:ListRoles?")),
    ("INVALID_PREFIX", E, "Statement[11].Action[4]",
     ("Actions/Condition can contain only one colon", "with a URL inside",
      "Did you mean iam:ListRoleTags?")),
    ("PLACEHOLDER", E, "Statement[11].Resource", _RESOURCE_ARNS),
    ("PLACEHOLDER", E, "Statement[12].Resource", _ACCOUNT),
]

APP_RUNNER: list[Expected] = [
    ("ACTION_REQUIRES_STAR", W, "Statement[0].Action[0]", ("apprunner:List*", "apprunner:ListServices")),
    ("PLACEHOLDER", E, "Statement[0].Resource", _RESOURCE_ARNS),
    ("PLACEHOLDER", E, "Statement[1].Resource", _RESOURCE_ARNS),
    ("RESOURCE_STAR_WRITE", G, "Statement[3].Resource", _CODECOMMIT),
    ("INCONSISTENT_REGION", G, "Statement[6].Resource", ("us-east-1",)),
    ("PLACEHOLDER", E, "Statement[7].Resource", _ACCOUNT),
]

AZURE_DEVOPS: list[Expected] = [
    ("RESOURCE_STAR_WRITE", G, "Statement[0].Resource",
     ("ecr:UploadLayerPart", "ecr:PutImage", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload",
      "ecs:UpdateService")),
]

JENKINS: list[Expected] = [
    ("ASSUME_ROLE_STAR", S, "Statement[0].Action[6]", ("sts:AssumeRole",)),
    ("RESOURCE_STAR_WRITE", G, "Statement[0].Resource",
     ("ecr:UploadLayerPart", "ecr:PutImage", "ecr:CompleteLayerUpload", "ecr:InitiateLayerUpload",
      "ecs:UpdateService")),
]

SEEDS = {
    "seed-ecs.json": ECS,
    "seed-eks.json": EKS,
    "seed-apprunner.json": APP_RUNNER,
    "seed-azure-devops.json": AZURE_DEVOPS,
    "seed-jenkins.json": JENKINS,
}


def _lint(name: str) -> tuple[Finding, ...]:
    return lint_policy((CASES / name).read_text(encoding="utf-8"), file=name)


@pytest.mark.parametrize("name", SEEDS)
def test_seed_policy_gets_exactly_the_expected_findings(name: str) -> None:
    found = _lint(name)
    assert [(f.code, f.path) for f in found] == [(code, path) for code, _, path, _ in SEEDS[name]]
    for finding, (code, severity, path, words) in zip(found, SEEDS[name], strict=True):
        assert finding.severity is severity, (code, path)
        for word in words:
            assert word in finding.message, (code, path, word)


@pytest.mark.parametrize("name", SEEDS)
def test_seed_findings_are_located_on_their_element(name: str) -> None:
    lines = (CASES / name).read_text(encoding="utf-8").splitlines()
    sids = [line.split('"Sid":')[1].split('"')[1] for line in lines if '"Sid":' in line]
    for f in _lint(name):
        assert f.file == name and f.line is not None and f.column is not None
        text = lines[f.line - 1][f.column - 1:]
        # An element of a list is located at its value, a member at its key.
        last = f.path.rsplit(".", 1)[-1]
        if last.endswith("]"):
            index = int(last.split("[")[1][:-1])
            key = last.split("[")[0]
            statement = json.loads((CASES / name).read_text(encoding="utf-8"))["Statement"]
            value = statement[f.statement][key][index]
            assert text.startswith(json.dumps(value)), (f.path, text)
        else:
            assert text.startswith(f'"{last}"'), (f.path, text)
        assert f.statement is not None and f.sid == sids[f.statement]


def test_the_seed_files_are_the_published_text() -> None:
    seed = Path(__file__).resolve().parents[3] / "shared" / "seed" / "app2container-iam.md"
    if not seed.exists():
        pytest.skip(f"{seed} is not beside the repository")
    blocks = seed.read_text(encoding="utf-8").split("```\n")[1::2]
    ours = ["seed-ecs.json", "seed-eks.json", "seed-apprunner.json", "seed-azure-devops.json",
            "seed-jenkins.json"]
    assert [(CASES / n).read_text(encoding="utf-8") for n in ours] == blocks
