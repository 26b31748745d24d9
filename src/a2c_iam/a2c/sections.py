"""The seed's policy sections as data: Sid, actions, resource templates, and the choice that
turns each on.

Every section of the seed's five example policies is here under its own Sid, with the seed's
actions (repaired where the seed is wrong, each repair named in ``repairs``) and resource
*templates* in place of the seed's placeholders. A template names its parameters in braces:

===================== ===================================================================
``{partition}``       ``aws``, ``aws-cn``, ``aws-us-gov``, … (from the region)
``{account}``         the 12-digit account id
``{region}``          the Region App2Container works in
``{bucket}``          the artifacts bucket chosen at ``init``
``{secret_prefix}``   the Secrets Manager name prefix of the remote-workflow secrets (``a2c/``)
``{prefix}``          each stack / repository / role name prefix (``a2c-`` and ``app2container-``)
``{task_execution_role}`` the ECS task execution role's name
``{ecr_repository}``  the ECR repository name or pattern the image push may touch
===================== ===================================================================

A template holding ``{prefix}`` yields one ARN per prefix. ``star_actions`` are the section's
actions that have no resource-level permissions (the Service Authorization Reference lists no
resource type for them): only ``"Resource": "*"`` grants them, so the generator puts them in a
companion statement ``<Sid>AnyResource`` instead of granting the whole section on ``*`` (the
seed's ``resource-ARNs`` placeholder hides this). ``tests/a2c`` checks this data against the
action catalog.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from .choices import Choices, LogDestination, Pipeline, Target
from .personas import Persona

__all__ = [
    "ANY_RESOURCE_SUFFIX",
    "PARAMETERS",
    "SECTIONS",
    "Section",
    "base_sid",
    "sections_for",
    "template_parameters",
]

#: The Sid suffix of a section's companion statement for actions that only accept ``*``.
ANY_RESOURCE_SUFFIX: Final = "AnyResource"

#: Every parameter a resource template may name.
PARAMETERS: Final = frozenset(
    {
        "partition", "account", "region", "bucket", "secret_prefix", "prefix",
        "task_execution_role", "ecr_repository",
    }
)


def template_parameters(template: str) -> frozenset[str]:
    """The parameters a template names (``{account}`` …)."""
    return frozenset(name for _, name, _, _ in string.Formatter().parse(template) if name)


def base_sid(sid: str) -> str:
    """The section Sid a generated statement belongs to (companions carry a suffix)."""
    if sid.endswith(ANY_RESOURCE_SUFFIX):
        return sid[: -len(ANY_RESOURCE_SUFFIX)]
    return sid


@dataclass(frozen=True, slots=True)
class Section:
    """One seed section. ``resources`` are templates; ``("*",)`` means the seed's ``*``."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    star_actions: tuple[str, ...] = ()
    #: The seed's defects in this section that the data repairs, in words (for notes and docs).
    repairs: tuple[str, ...] = ()
    #: Which persona's policy holds the section.
    persona: Persona = Persona.GENERAL

    @property
    def parameters(self) -> frozenset[str]:
        """The parameters the section's templates need."""
        out: frozenset[str] = frozenset()
        for template in self.resources:
            out |= template_parameters(template)
        return out

    def resource_arns(self, choices: Choices) -> tuple[str, ...]:
        """The section's resources for ``choices``: templates filled in, one per prefix."""
        values = _values(choices)
        out: list[str] = []
        for template in self.resources:
            names = template_parameters(template)
            prefixes = choices.name_prefixes if "prefix" in names else ("",)
            for prefix in prefixes:
                arn = template.format(**values, prefix=prefix)
                if arn not in out:
                    out.append(arn)
        return tuple(out)

    def statements(self, choices: Choices) -> list[dict[str, object]]:
        """The section as policy statements: actions sorted, real ARNs, no placeholders."""
        scoped = sorted(a for a in self.actions if a not in self.star_actions)
        star = sorted(self.star_actions)
        if self.resources == ("*",):
            return [_statement(self.sid, sorted(self.actions), ["*"])]
        out = []
        if scoped:
            out.append(_statement(self.sid, scoped, list(self.resource_arns(choices))))
        if star:
            out.append(_statement(self.sid + ANY_RESOURCE_SUFFIX, star, ["*"]))
        return out


def _statement(sid: str, actions: list[str], resources: list[str]) -> dict[str, object]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions[0] if len(actions) == 1 else actions,
        "Resource": resources[0] if len(resources) == 1 else resources,
    }


def _values(choices: Choices) -> dict[str, str]:
    return {
        "partition": choices.partition,
        "account": choices.account,
        "region": choices.region,
        "bucket": choices.bucket or "",
        "secret_prefix": choices.secret_prefix,
        "task_execution_role": choices.task_execution_role,
        "ecr_repository": choices.ecr_repository,
    }


_ARN = "arn:{partition}"
_ECR_REPOSITORY = _ARN + ":ecr:{region}:{account}:repository/{ecr_repository}"
_ECS_ANY = _ARN + ":ecs:{region}:{account}:*"
_URL_REPAIR = "the seed's action string holds a documentation URL ('iam:ListRoles (https://…)')"


def _section(*args: object, **kwargs: object) -> tuple[str, Section]:
    section = Section(*args, **kwargs)  # type: ignore[arg-type]
    return section.sid, section


#: Every section, by Sid, in the order of the seed's Amazon ECS policy (EKS, App Runner and the
#: pipeline identities' sections where those policies place them).
SECTIONS: Final[Mapping[str, Section]] = MappingProxyType(dict([
    _section(
        "SectionForS3Access",
        ("s3:DeleteObject", "s3:GetBucketLocation", "s3:GetObject", "s3:GetObjectAcl",
         "s3:ListAllMyBuckets", "s3:PutObject", "s3:PutObjectAcl"),
        (_ARN + ":s3:::{bucket}", _ARN + ":s3:::{bucket}/*"),
        star_actions=("s3:ListAllMyBuckets",),
        repairs=(
            "placeholder resource 'amzn-s3-demo-bucket-ARN' replaced by the bucket and its objects",
            "s3:ListAllMyBuckets takes no resource ARN: granted on * in SectionForS3AccessAnyResource",
            "s3:GetBucketAcl and s3:ListBucket left to SectionForS3ReadAccess, which grants them "
            "on every bucket already",
        ),
    ),
    _section(
        "SectionForS3ReadAccess",
        ("s3:GetBucketAcl", "s3:ListBucket"),
        (_ARN + ":s3:::*",),
    ),
    _section(
        "SectionForECRAccess",
        ("ecr:BatchCheckLayerAvailability", "ecr:BatchDeleteImage", "ecr:BatchGetImage",
         "ecr:CompleteLayerUpload", "ecr:CreateRepository", "ecr:DeleteRepository",
         "ecr:DescribeImages", "ecr:DescribeRepositories", "ecr:GetDownloadUrlForLayer",
         "ecr:GetRepositoryPolicy", "ecr:InitiateLayerUpload", "ecr:ListImages", "ecr:PutImage",
         "ecr:TagResource", "ecr:UntagResource", "ecr:UploadLayerPart"),
        (_ECR_REPOSITORY,),
        repairs=(
            "placeholder resource 'resource-ARNs' replaced by the account's repositories",
            "ecr:GetAuthorizationToken (in the seed's ECS variant only) left to "
            "SectionForECRAccess2, the only statement where it can work (it needs *)",
        ),
    ),
    _section("SectionForECRAccess2", ("ecr:GetAuthorizationToken",), ("*",)),
    _section(
        "SectionForECSWriteAccess",
        ("ecs:CreateCluster", "ecs:CreateService", "ecs:CreateTaskSet", "ecs:DeleteCluster",
         "ecs:DeleteService", "ecs:DeleteTaskSet", "ecs:DeregisterTaskDefinition", "ecs:Poll",
         "ecs:RegisterContainerInstance", "ecs:RegisterTaskDefinition", "ecs:RunTask",
         "ecs:StartTask", "ecs:StopTask", "ecs:SubmitContainerStateChange",
         "ecs:SubmitTaskStateChange", "ecs:UpdateContainerInstancesState", "ecs:UpdateService",
         "ecs:UpdateServicePrimaryTaskSet", "ecs:UpdateTaskSet"),
        (_ECS_ANY,),
        star_actions=("ecs:DeregisterTaskDefinition",),
        repairs=("placeholder resource 'resource-ARNs' replaced by the account's ECS resources "
                 "in the Region",),
    ),
    _section(
        "SectionForPassRoleToECS",
        ("iam:PassRole",),
        (_ARN + ":iam::{account}:role/{task_execution_role}",),
        repairs=("placeholder resource 'ARN for ecsTaskExecutionRole' replaced by the role's ARN",),
    ),
    _section(
        "SectionForECSReadAccess",
        ("ecs:DescribeClusters", "ecs:DescribeContainerInstances", "ecs:DescribeServices",
         "ecs:DescribeTaskDefinition", "ecs:DescribeTaskSets", "ecs:DescribeTasks",
         "ecs:ListClusters", "ecs:ListContainerInstances", "ecs:ListServices",
         "ecs:ListTaskDefinitionFamilies", "ecs:ListTaskDefinitions", "ecs:ListTasks"),
        (_ECS_ANY,),
        star_actions=("ecs:DescribeTaskDefinition", "ecs:ListClusters", "ecs:ListServices",
                      "ecs:ListTaskDefinitionFamilies", "ecs:ListTaskDefinitions"),
        repairs=("placeholder resource 'resource-ARNs' replaced by the account's ECS resources "
                 "in the Region",),
    ),
    _section(
        "SectionForEKS",
        ("iam:GetRole", "lambda:GetFunction"),
        (_ARN + ":iam::{account}:role/eks-quickstart-ResourceReader",
         _ARN + ":lambda:{region}:{account}:function:eks-quickstart-ResourceReader"),
        repairs=("placeholder 'target Region' and the any-account '*' replaced by the Region and "
                 "the account",),
    ),
    _section(
        "SectionForAppRunnerAccess",
        ("apprunner:Describe*", "apprunner:List*"),
        (_ARN + ":apprunner:{region}:{account}:*",),
        star_actions=("apprunner:List*",),
        repairs=("placeholder resource 'resource-ARNs' replaced by the account's App Runner "
                 "resources in the Region; the List actions without resource ARNs on *",),
    ),
    _section(
        "SectionForFirelensIAMRoleAccess",
        ("iam:AttachRolePolicy", "iam:CreateRole", "iam:GetRole"),
        (_ARN + ":iam::{account}:role/A2CEcsFirelensRole",),
        repairs=("placeholder 'your account ID' replaced by the account",),
    ),
    _section(
        "SectionForFirelensIAMPolicyAccess",
        ("iam:CreatePolicy",),
        (_ARN + ":iam::{account}:policy/service-role/A2CEcsFirelensPolicy",),
        repairs=("placeholder 'your account ID' replaced by the account",),
    ),
    _section(
        "SectionForFirelensFirehoseIAMPolicyAccess",
        ("iam:CreatePolicy", "iam:GetPolicy"),
        (_ARN + ":iam::{account}:policy/*a2c-KinesisFirehosePolicy-*",),
        repairs=("placeholder 'your account ID' replaced by the account",),
    ),
    _section(
        "SectionForFirelensFirehoseIAMRoleAccess",
        ("iam:AttachRolePolicy", "iam:CreateRole", "iam:GetRole"),
        (_ARN + ":iam::{account}:role/*a2c-FirehoseRole-*",),
        repairs=("placeholder 'your account ID' replaced by the account",),
    ),
    _section(
        "SectionForFirelensFirehoseStreamsAccess",
        ("firehose:CreateDeliveryStream", "firehose:DescribeDeliveryStream"),
        (_ARN + ":firehose:{region}:{account}:deliverystream/*",),
        repairs=("placeholder 'your account ID' replaced by the account; any Region narrowed to "
                 "the chosen one",),
    ),
    _section(
        "SectionForFirelensKinesisStreamsAccess",
        ("kinesis:CreateStream",),
        (_ARN + ":kinesis:{region}:{account}:stream/*",),
        repairs=("placeholder 'your account ID' replaced by the account; any Region narrowed to "
                 "the chosen one",),
    ),
    _section(
        "SectionForCodeCommitAccess",
        ("codecommit:CreateCommit", "codecommit:CreateRepository", "codecommit:GetBranch",
         "codecommit:GetRepository", "codecommit:TagResource"),
        (_ARN + ":codecommit:{region}:{account}:{prefix}*",),
        repairs=("every repository of every account ('arn:aws:codecommit:*:*:*') narrowed to the "
                 "account's repositories named with App2Container's prefixes",),
    ),
    _section(
        "SectionForByoVPC",
        ("ec2:DescribeInternetGateways", "ec2:DescribeRouteTables", "ec2:DescribeSubnets",
         "ec2:DescribeVpcs"),
        ("*",),
        repairs=("placeholder resource 'resource-ARNs': these Describe actions only accept *",),
    ),
    _section(
        "SectionForEC2",
        ("ec2:CreateKeyPair", "ec2:DescribeAvailabilityZones", "ec2:DescribeKeyPairs"),
        (_ARN + ":ec2:{region}:{account}:key-pair/*",),
        star_actions=("ec2:DescribeAvailabilityZones", "ec2:DescribeKeyPairs"),
        repairs=("placeholder resource 'resource-ARNs' replaced by the account's key pairs; the "
                 "Describe actions on *",),
    ),
    _section("SectionForMetricsService", ("application-transformation:PutMetricData",), ("*",)),
    _section("SectionForUploadSupportBundleService", ("application-transformation:PutLogData",),
             ("*",)),
    _section(
        "SectionForSecretManagerAccess",
        ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"),
        (_ARN + ":secretsmanager:{region}:{account}:secret:{secret_prefix}*",),
        repairs=("placeholders 'your region' / 'your account ID' replaced, and the App Runner "
                 "variant's hard-coded us-east-1 and any account replaced by the chosen ones",),
    ),
    _section(
        "SectionForIAMAccess",
        ("iam:AttachRolePolicy", "iam:CreateRole", "iam:GetRole", "iam:ListRoleTags",
         "iam:ListRoles"),
        (_ARN + ":iam::{account}:role/{prefix}*",),
        star_actions=("iam:ListRoles",),
        repairs=(
            _URL_REPAIR + " in iam:ListRoles and iam:ListRoleTags",
            "placeholder resource 'resource-ARNs' replaced by the account's roles named with "
            "App2Container's prefixes; iam:ListRoles on *",
        ),
    ),
    _section(
        "SectionForCloudFormation",
        ("cloudformation:DescribeStacks",),
        (_ARN + ":cloudformation:{region}:{account}:stack/{prefix}*",),
        repairs=("placeholder 'your account ID' replaced; stacks named with both prefixes the "
                 "User Guide uses (a2c- and app2container-)",),
    ),
    _section(
        "JenkinsAWS",
        ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
         "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer", "ecr:InitiateLayerUpload",
         "ecr:PutImage", "ecr:UploadLayerPart", "ecs:UpdateService", "eks:DescribeCluster",
         "iam:ListRoles", "sts:AssumeRole"),
        (_ECR_REPOSITORY, _ARN + ":ecs:{region}:{account}:service/*",
         _ARN + ":eks:{region}:{account}:cluster/*", _ARN + ":iam::{account}:role/{prefix}*"),
        star_actions=("ecr:GetAuthorizationToken", "iam:ListRoles"),
        repairs=("every resource ('*') narrowed to the account's repositories, services, "
                 "clusters and App2Container's roles (sts:AssumeRole on every role is a "
                 "privilege the pipeline does not need)",),
        persona=Persona.JENKINS,
    ),
    _section(
        "AzureDevOpsAWS",
        ("ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
         "ecr:DescribeRepositories", "ecr:GetAuthorizationToken", "ecr:GetDownloadUrlForLayer",
         "ecr:InitiateLayerUpload", "ecr:PutImage", "ecr:UploadLayerPart", "ecs:UpdateService",
         "eks:DescribeCluster"),
        (_ECR_REPOSITORY, _ARN + ":ecs:{region}:{account}:service/*",
         _ARN + ":eks:{region}:{account}:cluster/*"),
        star_actions=("ecr:GetAuthorizationToken",),
        repairs=("every resource ('*') narrowed to the account's repositories, services and "
                 "clusters",),
        persona=Persona.AZURE_DEVOPS,
    ),
]))


def _general_sids(choices: Choices) -> list[str]:
    """The seed's "which choice needs which section", in SECTIONS order."""
    on: set[str] = {"SectionForECRAccess", "SectionForECRAccess2", "SectionForCloudFormation"}
    if choices.bucket is not None:
        on |= {"SectionForS3Access", "SectionForS3ReadAccess"}
    if choices.target is Target.ECS:
        on |= {"SectionForECSWriteAccess", "SectionForPassRoleToECS", "SectionForECSReadAccess",
               "SectionForEC2"}
    elif choices.target is Target.EKS:
        on |= {"SectionForEKS", "SectionForIAMAccess", "SectionForEC2"}
    else:
        on.add("SectionForAppRunnerAccess")
    if choices.firelens:
        on |= {"SectionForFirelensIAMRoleAccess", "SectionForFirelensIAMPolicyAccess"}
    if LogDestination.FIREHOSE in choices.firelens:
        on |= {"SectionForFirelensFirehoseIAMPolicyAccess",
               "SectionForFirelensFirehoseIAMRoleAccess", "SectionForFirelensFirehoseStreamsAccess"}
    if LogDestination.KINESIS in choices.firelens:
        on.add("SectionForFirelensKinesisStreamsAccess")
    if Pipeline.CODECOMMIT in choices.pipelines:
        on.add("SectionForCodeCommitAccess")
    if choices.byo_vpc:
        on.add("SectionForByoVPC")
    if choices.metrics:
        on.add("SectionForMetricsService")
    if choices.support_bundle:
        on.add("SectionForUploadSupportBundleService")
    if choices.remote:
        on.add("SectionForSecretManagerAccess")
    return [sid for sid in SECTIONS if sid in on]


def sections_for(choices: Choices, persona: Persona | str = Persona.GENERAL) -> tuple[Section, ...]:
    """The sections the persona's policy needs for ``choices`` (none for ``deploy``: the seed
    gives that persona ``AdministratorAccess``)."""
    persona = Persona(persona)
    if persona is Persona.GENERAL:
        return tuple(SECTIONS[sid] for sid in _general_sids(choices))
    if persona is Persona.JENKINS and Pipeline.JENKINS in choices.pipelines:
        return (SECTIONS["JenkinsAWS"],)
    if persona is Persona.AZURE_DEVOPS and Pipeline.AZURE_DEVOPS in choices.pipelines:
        return (SECTIONS["AzureDevOpsAWS"],)
    return ()
