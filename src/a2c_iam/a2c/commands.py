"""Which ``app2container`` command needs which permissions, for a choice profile.

The seed says which *choice* needs which section; the App2Container command reference says
which command acts on which choice (``init`` checks the artifacts bucket, ``extract --output
s3`` writes the archive to it, the ``remote`` commands read the connection secrets, ``generate
app-deployment`` pushes the image to Amazon ECR and writes the deployment artifacts, ``generate
pipeline`` sets up the CodeCommit repository, ``--deploy`` creates the CloudFormation stacks,
``upload-support-bundle`` sends logs to App2Container support). Usage metrics (when consented at
``init``) go out from every command, and so does the automatic support-bundle upload of a
failed command (when chosen at ``init``).

Each need is an ``(action, resource ARN)`` pair on a sample resource named after the application
id (``java-tomcat-9e8e4799`` by default) and the first name prefix, attributed to the section
that grants it. Needs no section grants are the deployment persona's (``--deploy``): the seed
gives that persona ``AdministratorAccess``. ``COMMANDS`` lists every command the map knows, with
the persona that runs it; rows for the Jenkins and Azure DevOps pipeline identities close it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .choices import DEFAULT_APP_ID, Choices, LogDestination, Pipeline, Target, check_app_id
from .errors import CommandError
from .personas import Persona

__all__ = [
    "COMMANDS",
    "CommandNeed",
    "command_map",
    "find_command",
]


@dataclass(frozen=True, slots=True)
class CommandNeed:
    """What one command needs: ``needs`` are ``(action, resource ARN)`` pairs, ``sections``
    the Sids that grant them (empty for needs only the deployment persona has)."""

    command: str
    persona: Persona
    needs: tuple[tuple[str, str], ...]
    sections: tuple[str, ...]
    #: The Sid that grants each need, parallel to ``needs`` ("" for the deployment persona's).
    need_sections: tuple[str, ...] = ()

    @property
    def deploy(self) -> bool:
        return self.persona is Persona.DEPLOY


#: ``(command, persona)``, in the order App2Container's workflow runs them.
COMMANDS: Final[tuple[tuple[str, Persona], ...]] = (
    ("init", Persona.GENERAL),
    ("remote configure", Persona.GENERAL),
    ("inventory", Persona.GENERAL),
    ("remote inventory", Persona.GENERAL),
    ("analyze", Persona.GENERAL),
    ("remote analyze", Persona.GENERAL),
    ("extract", Persona.GENERAL),
    ("extract --output s3", Persona.GENERAL),
    ("remote extract", Persona.GENERAL),
    ("containerize", Persona.GENERAL),
    ("generate app-deployment", Persona.GENERAL),
    ("generate app-deployment --deploy", Persona.DEPLOY),
    ("generate pipeline", Persona.GENERAL),
    ("generate pipeline --deploy", Persona.DEPLOY),
    ("upload-support-bundle", Persona.GENERAL),
    ("upgrade", Persona.GENERAL),
    ("jenkins pipeline", Persona.JENKINS),
    ("azure-devops pipeline", Persona.AZURE_DEVOPS),
)

#: A need: (section Sid or "" for the deployment persona, action, resource ARN).
_Need = tuple[str, str, str]

_STACK_ID: Final = "3f1c2a9e-0b7d-11ef-9a51-0a1b2c3d4e5f"
_SECRET_SUFFIX: Final = "app-server-1-Xy12Ab"


class _Resources:
    """Sample ARNs of one application for one choice profile."""

    def __init__(self, c: Choices, app_id: str) -> None:
        p, r, a = c.partition, c.region, c.account
        prefix = c.name_prefixes[0]
        self.app = app_id
        self.stack_name = f"{prefix}{app_id}-{c.target.label}"
        self.stack = f"arn:{p}:cloudformation:{r}:{a}:stack/{self.stack_name}/{_STACK_ID}"
        self.pipeline_stack = (
            f"arn:{p}:cloudformation:{r}:{a}:stack/{prefix}{app_id}-pipeline/{_STACK_ID}"
        )
        self.bucket = f"arn:{p}:s3:::{c.bucket}"
        self.object = f"arn:{p}:s3:::{c.bucket}/{app_id}/{app_id}.tar.gz"
        repo = c.ecr_repository.replace("*", app_id) if "*" in c.ecr_repository else c.ecr_repository
        self.repository = f"arn:{p}:ecr:{r}:{a}:repository/{repo}"
        self.secret = f"arn:{p}:secretsmanager:{r}:{a}:secret:{c.secret_prefix}{_SECRET_SUFFIX}"
        ecs = f"arn:{p}:ecs:{r}:{a}"
        self.cluster = f"{ecs}:cluster/{self.stack_name}"
        self.service = f"{ecs}:service/{self.stack_name}/{self.stack_name}-svc"
        self.task_definition = f"{ecs}:task-definition/{self.stack_name}:1"
        self.execution_role = f"arn:{p}:iam::{a}:role/{c.task_execution_role}"
        self.eks_cluster = f"arn:{p}:eks:{r}:{a}:cluster/{self.stack_name}"
        self.eks_role = f"arn:{p}:iam::{a}:role/{self.stack_name}-EksServiceRole"
        self.reader_role = f"arn:{p}:iam::{a}:role/eks-quickstart-ResourceReader"
        self.reader_function = f"arn:{p}:lambda:{r}:{a}:function:eks-quickstart-ResourceReader"
        self.apprunner = f"arn:{p}:apprunner:{r}:{a}:service/{self.stack_name}/0a1b2c3d4e5f"
        self.key_pair = f"arn:{p}:ec2:{r}:{a}:key-pair/{self.stack_name}"
        self.firelens_role = f"arn:{p}:iam::{a}:role/A2CEcsFirelensRole"
        self.firelens_policy = f"arn:{p}:iam::{a}:policy/service-role/A2CEcsFirelensPolicy"
        self.firehose_policy = f"arn:{p}:iam::{a}:policy/{self.stack_name}-a2c-KinesisFirehosePolicy-1"
        self.firehose_role = f"arn:{p}:iam::{a}:role/{self.stack_name}-a2c-FirehoseRole-1"
        self.delivery_stream = f"arn:{p}:firehose:{r}:{a}:deliverystream/{self.stack_name}-logs"
        self.stream = f"arn:{p}:kinesis:{r}:{a}:stream/{self.stack_name}-logs"
        self.codecommit = f"arn:{p}:codecommit:{r}:{a}:{prefix}{app_id}"
        self.pipeline_role = f"arn:{p}:iam::{a}:role/{prefix}{app_id}-pipeline-role"


def _every_command(c: Choices) -> list[_Need]:
    out: list[_Need] = []
    if c.metrics:
        out.append(("SectionForMetricsService", "application-transformation:PutMetricData", "*"))
    if c.support_bundle:
        out.append(("SectionForUploadSupportBundleService", "application-transformation:PutLogData",
                    "*"))
    return out


def _init(c: Choices, x: _Resources) -> list[_Need]:
    if c.bucket is None:
        return []
    return [
        ("SectionForS3Access", "s3:ListAllMyBuckets", "*"),
        ("SectionForS3Access", "s3:GetBucketLocation", x.bucket),
        ("SectionForS3ReadAccess", "s3:GetBucketAcl", x.bucket),
        ("SectionForS3ReadAccess", "s3:ListBucket", x.bucket),
    ]


def _secret_read(c: Choices, x: _Resources) -> list[_Need]:
    return [("SectionForSecretManagerAccess", "secretsmanager:GetSecretValue", x.secret)]


def _remote_configure(c: Choices, x: _Resources) -> list[_Need]:
    return [
        ("SectionForSecretManagerAccess", "secretsmanager:DescribeSecret", x.secret),
        ("SectionForSecretManagerAccess", "secretsmanager:GetSecretValue", x.secret),
    ]


def _nothing(c: Choices, x: _Resources) -> list[_Need]:
    return []


def _extract_s3(c: Choices, x: _Resources) -> list[_Need]:
    return [
        ("SectionForS3Access", "s3:PutObject", x.object),
        ("SectionForS3Access", "s3:GetObject", x.object),
    ]


def _image_push(x: _Resources) -> list[_Need]:
    push = ("DescribeRepositories", "CreateRepository", "BatchCheckLayerAvailability",
            "InitiateLayerUpload", "UploadLayerPart", "CompleteLayerUpload", "PutImage",
            "DescribeImages", "TagResource")
    return [("SectionForECRAccess2", "ecr:GetAuthorizationToken", "*")] + [
        ("SectionForECRAccess", f"ecr:{name}", x.repository) for name in push
    ]


def _app_deployment(c: Choices, x: _Resources) -> list[_Need]:
    out = _image_push(x)
    out.append(("SectionForCloudFormation", "cloudformation:DescribeStacks", x.stack))
    if c.bucket is not None:
        out.append(("SectionForS3Access", "s3:PutObject", x.object))
    if c.target is Target.ECS:
        out += [
            ("SectionForECSReadAccess", "ecs:DescribeClusters", x.cluster),
            ("SectionForECSReadAccess", "ecs:ListTaskDefinitions", "*"),
            ("SectionForECSWriteAccess", "ecs:RegisterTaskDefinition", x.task_definition),
            ("SectionForPassRoleToECS", "iam:PassRole", x.execution_role),
        ]
    elif c.target is Target.EKS:
        out += [
            ("SectionForEKS", "iam:GetRole", x.reader_role),
            ("SectionForEKS", "lambda:GetFunction", x.reader_function),
            ("SectionForIAMAccess", "iam:ListRoles", "*"),
            ("SectionForIAMAccess", "iam:GetRole", x.eks_role),
            ("SectionForIAMAccess", "iam:ListRoleTags", x.eks_role),
        ]
    else:
        out += [
            ("SectionForAppRunnerAccess", "apprunner:ListServices", "*"),
            ("SectionForAppRunnerAccess", "apprunner:DescribeService", x.apprunner),
        ]
    if c.target is not Target.APPRUNNER:
        out += [
            ("SectionForEC2", "ec2:DescribeAvailabilityZones", "*"),
            ("SectionForEC2", "ec2:DescribeKeyPairs", "*"),
            ("SectionForEC2", "ec2:CreateKeyPair", x.key_pair),
        ]
    if c.byo_vpc:
        out += [("SectionForByoVPC", f"ec2:{name}", "*") for name in
                ("DescribeVpcs", "DescribeSubnets", "DescribeRouteTables",
                 "DescribeInternetGateways")]
    if c.firelens:
        out += [
            ("SectionForFirelensIAMRoleAccess", "iam:GetRole", x.firelens_role),
            ("SectionForFirelensIAMRoleAccess", "iam:CreateRole", x.firelens_role),
            ("SectionForFirelensIAMRoleAccess", "iam:AttachRolePolicy", x.firelens_role),
            ("SectionForFirelensIAMPolicyAccess", "iam:CreatePolicy", x.firelens_policy),
        ]
    if LogDestination.FIREHOSE in c.firelens:
        out += [
            ("SectionForFirelensFirehoseIAMPolicyAccess", "iam:GetPolicy", x.firehose_policy),
            ("SectionForFirelensFirehoseIAMPolicyAccess", "iam:CreatePolicy", x.firehose_policy),
            ("SectionForFirelensFirehoseIAMRoleAccess", "iam:GetRole", x.firehose_role),
            ("SectionForFirelensFirehoseIAMRoleAccess", "iam:CreateRole", x.firehose_role),
            ("SectionForFirelensFirehoseIAMRoleAccess", "iam:AttachRolePolicy", x.firehose_role),
            ("SectionForFirelensFirehoseStreamsAccess", "firehose:DescribeDeliveryStream",
             x.delivery_stream),
            ("SectionForFirelensFirehoseStreamsAccess", "firehose:CreateDeliveryStream",
             x.delivery_stream),
        ]
    if LogDestination.KINESIS in c.firelens:
        out.append(("SectionForFirelensKinesisStreamsAccess", "kinesis:CreateStream", x.stream))
    return out


def _app_deployment_deploy(c: Choices, x: _Resources) -> list[_Need]:
    out = _app_deployment(c, x) + [
        ("", "cloudformation:CreateStack", x.stack),
        ("", "cloudformation:DescribeStackEvents", x.stack),
        ("", "iam:CreateRole", f"arn:{c.partition}:iam::{c.account}:role/{x.stack_name}-TaskRole"),
    ]
    if not c.byo_vpc:
        out.append(("", "ec2:CreateVpc",
                    f"arn:{c.partition}:ec2:{c.region}:{c.account}:vpc/vpc-0a1b2c3d4e5f67890"))
    if c.target is Target.ECS:
        out.append(("", "ecs:CreateService", x.service))
    elif c.target is Target.EKS:
        out.append(("", "eks:CreateCluster", x.eks_cluster))
    else:
        out.append(("", "apprunner:CreateService", x.apprunner))
    return out


def _pipeline(c: Choices, x: _Resources) -> list[_Need]:
    out: list[_Need] = [("SectionForCloudFormation", "cloudformation:DescribeStacks", x.stack)]
    if Pipeline.CODECOMMIT in c.pipelines:
        out += [("SectionForCodeCommitAccess", f"codecommit:{name}", x.codecommit) for name in
                ("GetRepository", "CreateRepository", "GetBranch", "CreateCommit", "TagResource")]
    if c.bucket is not None:
        out.append(("SectionForS3Access", "s3:PutObject", x.object))
    return out


def _pipeline_deploy(c: Choices, x: _Resources) -> list[_Need]:
    return _pipeline(c, x) + [
        ("", "cloudformation:CreateStack", x.pipeline_stack),
        ("", "iam:CreateRole", x.pipeline_role),
        ("", "codepipeline:CreatePipeline",
         f"arn:{c.partition}:codepipeline:{c.region}:{c.account}:{x.stack_name}-pipeline"),
        ("", "codebuild:CreateProject",
         f"arn:{c.partition}:codebuild:{c.region}:{c.account}:project/{x.stack_name}-build"),
    ]


def _support_bundle(c: Choices, x: _Resources) -> list[_Need]:
    return [("SectionForUploadSupportBundleService", "application-transformation:PutLogData", "*")]


def _pipeline_identity(sid: str, c: Choices, x: _Resources) -> list[_Need]:
    pull_push = ("BatchCheckLayerAvailability", "BatchGetImage", "CompleteLayerUpload",
                 "GetDownloadUrlForLayer", "InitiateLayerUpload", "PutImage", "UploadLayerPart")
    out: list[_Need] = [(sid, "ecr:GetAuthorizationToken", "*")]
    out += [(sid, f"ecr:{name}", x.repository) for name in pull_push]
    if c.target is Target.ECS:
        out.append((sid, "ecs:UpdateService", x.service))
    elif c.target is Target.EKS:
        out.append((sid, "eks:DescribeCluster", x.eks_cluster))
        if sid == "JenkinsAWS":
            out.append((sid, "sts:AssumeRole", x.eks_role))
    return out


def _jenkins(c: Choices, x: _Resources) -> list[_Need]:
    return _pipeline_identity("JenkinsAWS", c, x)


def _azure(c: Choices, x: _Resources) -> list[_Need]:
    return _pipeline_identity("AzureDevOpsAWS", c, x)


_Builder = Callable[[Choices, _Resources], list[_Need]]

#: command → (applies to these choices?, needs).
_TABLE: Final[dict[str, tuple[Callable[[Choices], bool], _Builder]]] = {
    "init": (lambda c: True, _init),
    "remote configure": (lambda c: c.remote, _remote_configure),
    "inventory": (lambda c: True, _nothing),
    "remote inventory": (lambda c: c.remote, _secret_read),
    "analyze": (lambda c: True, _nothing),
    "remote analyze": (lambda c: c.remote, _secret_read),
    "extract": (lambda c: True, _nothing),
    "extract --output s3": (lambda c: c.bucket is not None, _extract_s3),
    "remote extract": (lambda c: c.remote, _secret_read),
    "containerize": (lambda c: True, _nothing),
    "generate app-deployment": (lambda c: True, _app_deployment),
    "generate app-deployment --deploy": (lambda c: True, _app_deployment_deploy),
    "generate pipeline": (lambda c: bool(c.pipelines), _pipeline),
    "generate pipeline --deploy": (lambda c: bool(c.pipelines), _pipeline_deploy),
    "upload-support-bundle": (lambda c: c.support_bundle, _support_bundle),
    "upgrade": (lambda c: True, _nothing),
    "jenkins pipeline": (lambda c: Pipeline.JENKINS in c.pipelines, _jenkins),
    "azure-devops pipeline": (lambda c: Pipeline.AZURE_DEVOPS in c.pipelines, _azure),
}

#: Why a known command is not in the map for some choices.
_NO_REMOTE: Final = "remote workflows are not chosen (--remote, or remote = true)"
_NO_PIPELINE: Final = "no pipeline is chosen (--pipelines codecommit,…, or pipelines = [\"codecommit\", …])"
_NOT_APPLICABLE: Final = {
    "remote configure": _NO_REMOTE,
    "remote inventory": _NO_REMOTE,
    "remote analyze": _NO_REMOTE,
    "remote extract": _NO_REMOTE,
    "extract --output s3": "no artifacts bucket is chosen (--bucket NAME, or bucket = \"…\")",
    "generate pipeline": _NO_PIPELINE,
    "generate pipeline --deploy": _NO_PIPELINE,
    "upload-support-bundle": "support-bundle upload is not chosen (--support-bundle, or "
                             "support_bundle = true)",
    "jenkins pipeline": "no Jenkins pipeline is chosen (--pipelines jenkins)",
    "azure-devops pipeline": "no Azure DevOps pipeline is chosen (--pipelines azure-devops)",
}


def _entry(command: str, persona: Persona, needs: list[_Need]) -> CommandNeed:
    by_pair: dict[tuple[str, str], str] = {}
    for sid, action, resource in needs:
        by_pair.setdefault((action, resource), sid)
    sids = tuple(dict.fromkeys(sid for sid in by_pair.values() if sid))
    return CommandNeed(command, persona, tuple(by_pair), sids, tuple(by_pair.values()))


def command_map(
    choices: Choices,
    persona: Persona | str | None = None,
    *,
    app_id: str = DEFAULT_APP_ID,
) -> list[CommandNeed]:
    """The commands that apply to ``choices`` (all personas, or one), each with its needs."""
    wanted = Persona(persona) if persona is not None else None
    resources = _Resources(choices, check_app_id(app_id))
    out = []
    for command, runner in COMMANDS:
        applies, build = _TABLE[command]
        if (wanted is not None and runner is not wanted) or not applies(choices):
            continue
        needs = build(choices, resources)
        if runner in (Persona.GENERAL, Persona.DEPLOY):
            needs = needs + _every_command(choices)
        out.append(_entry(command, runner, needs))
    return out


def find_command(choices: Choices, command: str, *, app_id: str = DEFAULT_APP_ID) -> CommandNeed:
    """The map's entry for one command (spaces normalised, leading ``app2container`` dropped)."""
    name = " ".join(command.split())
    if name.startswith("app2container "):
        name = name[len("app2container "):]
    for entry in command_map(choices, app_id=app_id):
        if entry.command == name:
            return entry
    if name in _NOT_APPLICABLE:
        raise CommandError(f"'{name}' does not apply to these choices: {_NOT_APPLICABLE[name]}")
    known = ", ".join(c for c, _ in COMMANDS)
    raise CommandError(f"unknown command '{command}' (known: {known})")
