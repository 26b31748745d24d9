"""The choice profile: what a team decided about its App2Container setup.

The seed ties every policy section to a choice made at ``init`` or in ``deployment.json`` /
``pipeline.json`` (an S3 bucket for artifacts, FireLens log routing, a pipeline, remote
workflows, usage metrics, support-bundle upload, a VPC of one's own) plus the target service and
the account the policies live in. A :class:`Choices` value holds exactly those, validated when it
is built, so every later step (generation, the command map, check) may trust it.

A profile comes from keyword arguments, or from a mapping read out of a small TOML or JSON file
(:func:`parse_choices_document` then :func:`choices_from_mapping`); the CLI merges its flags over
the file. Nothing here reads a file: the CLI does.
"""

from __future__ import annotations

import ipaddress
import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any, Final

from .errors import ChoiceError

__all__ = [
    "DEFAULT_APP_ID",
    "Choices",
    "LogDestination",
    "Pipeline",
    "Target",
    "check_app_id",
    "choices_from_mapping",
    "parse_choices_document",
    "partition_of_region",
]


class Target(StrEnum):
    """The container service App2Container deploys to (``deployment.json``'s three flags)."""

    ECS = "ecs"
    EKS = "eks"
    APPRUNNER = "apprunner"

    @property
    def label(self) -> str:
        """The spelling App2Container uses in stack names: ``a2c-<app>-ECS``, ``…-AppRunner``."""
        return {"ecs": "ECS", "eks": "EKS", "apprunner": "AppRunner"}[self.value]


class LogDestination(StrEnum):
    """Where FireLens routes application logs (``fireLensParameters.logDestinations[].service``)."""

    CLOUDWATCH = "cloudwatch"
    FIREHOSE = "firehose"
    KINESIS = "kinesis"


class Pipeline(StrEnum):
    """The CI/CD pipelines ``generate pipeline`` can set up (``pipeline.json``)."""

    CODECOMMIT = "codecommit"
    JENKINS = "jenkins"
    AZURE_DEVOPS = "azure-devops"


#: The application id the command map uses for sample resources when none is given: the
#: App2Container User Guide's own example (``pipeline.json``, Azure DevOps).
DEFAULT_APP_ID: Final = "java-tomcat-9e8e4799"

_ACCOUNT = re.compile(r"^\d{12}$")
#: Commercial, China, GovCloud, ISO and European Sovereign Cloud region names, e.g. ``us-east-1``,
#: ``ap-southeast-7``, ``us-gov-west-1``, ``cn-northwest-1``, ``eusc-de-east-1``.
_REGION = re.compile(
    r"^(?P<area>us-gov|us-isob|us-isof|us-isoe|us-iso|eusc|us|eu|ap|sa|ca|me|af|il|mx|cn)-"
    r"(?:[a-z]{2}-)?(?:central|north|south|east|west|northeast|northwest|southeast|southwest)"
    r"-[1-9]\d?$"
)
_PARTITION_OF_AREA: Final = {
    "cn": "aws-cn",
    "us-gov": "aws-us-gov",
    "us-iso": "aws-iso",
    "us-isob": "aws-iso-b",
    "us-isoe": "aws-iso-e",
    "us-isof": "aws-iso-f",
    "eusc": "aws-eusc",
}
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
#: Prefixes and suffixes S3 reserves (S3 User Guide, "General purpose bucket naming rules").
_BUCKET_RESERVED_PREFIXES: Final = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES: Final = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
#: Secrets Manager secret names: ASCII letters, digits and ``/_+=.@-``.
_SECRET_PREFIX = re.compile(r"^[A-Za-z0-9/_+=.@-]{1,256}$")
#: Stack names start with a letter and hold letters, digits and hyphens; the prefix is shared by
#: stacks, CodeCommit repositories and the roles the stacks create, so it takes the narrowest rule.
_NAME_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,63}$")
_ROLE = re.compile(r"^(?:[\w+=,.@-]+/)*[\w+=,.@-]{1,64}$")
_ECR_REPOSITORY = re.compile(r"^[a-z0-9._/*-]{1,256}$")
_APP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def check_app_id(app_id: str) -> str:
    """``app_id`` if it can be an App2Container application id (``java-tomcat-9e8e4799``).

    The command map names sample resources after it (the ECR repository, the stack), so that a
    policy narrowed to one application can be checked for that application.
    """
    if not isinstance(app_id, str) or not _APP_ID.match(app_id):
        raise ChoiceError("app_id", f"'{app_id}' is not an App2Container application id")
    return app_id


def partition_of_region(region: str) -> str:
    """The partition a region belongs to: ``aws``, ``aws-cn``, ``aws-us-gov``, …"""
    found = _REGION.match(region)
    if found is None:
        raise ChoiceError("region", f"'{region}' is not an AWS Region name (e.g. us-east-1)")
    return _PARTITION_OF_AREA.get(found.group("area"), "aws")


def _enum_set(name: str, kind: type[StrEnum], value: Any) -> frozenset[Any]:
    if isinstance(value, str):
        value = [part for part in (p.strip() for p in value.split(",")) if part]
    if not isinstance(value, Iterable):
        raise ChoiceError(name, "must be a list of names")
    out = set()
    for item in value:
        try:
            out.add(kind(item))
        except ValueError:
            known = ", ".join(m.value for m in kind)
            raise ChoiceError(name, f"unknown value '{item}' (one of: {known})") from None
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Choices:
    """A validated choice profile. Strings are accepted for the enums and turned into them.

    ``partition`` defaults to the region's. ``name_prefixes`` are the prefixes of the stacks,
    CodeCommit repositories and stack-created roles App2Container names; the User Guide uses both
    ``a2c-`` and ``app2container-``, so both are the default. ``ecr_repository`` narrows the
    repositories the image push may touch (App2Container names them after the application id,
    which has no fixed prefix, so the default is every repository of the account and region).
    """

    target: Target
    account: str
    region: str
    partition: str = ""
    bucket: str | None = None
    firelens: frozenset[LogDestination] = frozenset()
    pipelines: frozenset[Pipeline] = frozenset()
    remote: bool = False
    metrics: bool = False
    support_bundle: bool = False
    byo_vpc: bool = False
    secret_prefix: str = "a2c/"
    name_prefixes: tuple[str, ...] = ("a2c-", "app2container-")
    task_execution_role: str = "ecsTaskExecutionRole"
    ecr_repository: str = "*"

    def __post_init__(self) -> None:
        put = object.__setattr__
        try:
            put(self, "target", Target(self.target))
        except ValueError:
            raise ChoiceError(
                "target", f"unknown target '{self.target}' (one of: ecs, eks, apprunner)"
            ) from None
        self._check_account_region()
        if self.bucket is not None:
            _check_bucket(self.bucket)
        put(self, "firelens", _enum_set("firelens", LogDestination, self.firelens))
        put(self, "pipelines", _enum_set("pipelines", Pipeline, self.pipelines))
        for name in ("remote", "metrics", "support_bundle", "byo_vpc"):
            if not isinstance(getattr(self, name), bool):
                raise ChoiceError(name, "must be true or false")
        if self.firelens and self.target is not Target.ECS:
            raise ChoiceError(
                "firelens", "FireLens log routing is configured for Amazon ECS tasks only "
                "(deployment.json fireLensParameters); choose --target ecs or no --firelens"
            )
        if self.byo_vpc and self.target is Target.APPRUNNER:
            raise ChoiceError(
                "byo_vpc", "bringing or reusing a VPC (reuseResources.vpcId) applies to ECS and "
                "EKS deployments, not App Runner"
            )
        self._check_names()

    def _check_account_region(self) -> None:
        if not isinstance(self.account, str) or not _ACCOUNT.match(self.account):
            raise ChoiceError("account", f"'{self.account}' is not a 12-digit AWS account id")
        if not isinstance(self.region, str):
            raise ChoiceError("region", "must be a Region name such as us-east-1")
        expected = partition_of_region(self.region)
        if not self.partition:
            object.__setattr__(self, "partition", expected)
        elif self.partition != expected:
            raise ChoiceError(
                "partition", f"region {self.region} is in partition {expected}, not "
                f"'{self.partition}'"
            )

    def _check_names(self) -> None:
        if not isinstance(self.secret_prefix, str) or not _SECRET_PREFIX.match(self.secret_prefix):
            raise ChoiceError(
                "secret_prefix", f"'{self.secret_prefix}' is not a Secrets Manager name prefix "
                "(1 to 256 of A-Z a-z 0-9 / _ + = . @ -; no wildcards: an empty or wildcard "
                "prefix would grant every secret of the account)"
            )
        prefixes = self.name_prefixes
        if isinstance(prefixes, str):
            prefixes = tuple(p.strip() for p in prefixes.split(",") if p.strip())
        prefixes = tuple(dict.fromkeys(prefixes))
        if not prefixes:
            raise ChoiceError("name_prefixes", "at least one prefix is needed (e.g. a2c-)")
        for prefix in prefixes:
            if not isinstance(prefix, str) or not _NAME_PREFIX.match(prefix):
                raise ChoiceError(
                    "name_prefixes", f"'{prefix}' is not a stack-name prefix (a letter, then "
                    "letters, digits and hyphens; no wildcards)"
                )
        object.__setattr__(self, "name_prefixes", prefixes)
        if not isinstance(self.task_execution_role, str) or not _ROLE.match(
            self.task_execution_role
        ):
            raise ChoiceError(
                "task_execution_role", f"'{self.task_execution_role}' is not an IAM role name"
            )
        if not isinstance(self.ecr_repository, str) or not _ECR_REPOSITORY.match(
            self.ecr_repository
        ):
            raise ChoiceError(
                "ecr_repository", f"'{self.ecr_repository}' is not an ECR repository name or "
                "pattern (a-z 0-9 . _ / - and *)"
            )

    def as_mapping(self) -> dict[str, Any]:
        """The profile as plain JSON values (sorted sets), the keys of a choices file."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, frozenset):
                value = sorted(v.value for v in value)
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, StrEnum):
                value = value.value
            out[f.name] = value
        return out


def _check_bucket(name: Any) -> None:
    if not isinstance(name, str):
        raise ChoiceError("bucket", "must be a bucket name")
    if not _BUCKET.match(name):
        raise ChoiceError(
            "bucket", f"'{name}' is not a valid S3 bucket name (3 to 63 characters: lower-case "
            "letters, digits, dots and hyphens, beginning and ending with a letter or digit)"
        )
    if ".." in name:
        raise ChoiceError("bucket", f"'{name}': a bucket name must not hold two adjacent dots")
    try:
        ipaddress.IPv4Address(name)
    except ValueError:
        pass
    else:
        raise ChoiceError("bucket", f"'{name}': a bucket name must not look like an IP address")
    for prefix in _BUCKET_RESERVED_PREFIXES:
        if name.startswith(prefix):
            raise ChoiceError("bucket", f"'{name}': the prefix '{prefix}' is reserved by S3")
    for suffix in _BUCKET_RESERVED_SUFFIXES:
        if name.endswith(suffix):
            raise ChoiceError("bucket", f"'{name}': the suffix '{suffix}' is reserved by S3")


#: The keys a choices file may hold (``-`` may stand for ``_``).
KEYS: Final = frozenset(f.name for f in fields(Choices))


def choices_from_mapping(data: Mapping[str, Any]) -> Choices:
    """A profile from a mapping (a parsed file merged with flags); unknown keys are errors.

    Boolean choices must be booleans; set-valued ones (``firelens``, ``pipelines``,
    ``name_prefixes``) may be lists or comma-separated strings.
    """
    values: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key).replace("-", "_")
        if name not in KEYS:
            raise ChoiceError(
                "choices", f"unknown key '{key}' (known: {', '.join(sorted(KEYS))})"
            )
        if value is None:
            continue
        if name in ("remote", "metrics", "support_bundle", "byo_vpc") and not isinstance(
            value, bool
        ):
            raise ChoiceError(name, f"must be true or false, not {value!r}")
        if name in ("name_prefixes",) and isinstance(value, list):
            value = tuple(value)
        values[name] = value
    for required in ("target", "account", "region"):
        if required not in values:
            raise ChoiceError(required, "is required")
    return Choices(**values)


def parse_choices_document(text: str, fmt: str = "") -> dict[str, Any]:
    """The mapping in a choices file. ``fmt`` is ``json``, ``toml``, or the file's name (a name
    ending in ``.json`` means JSON); without it, text starting with ``{`` is JSON, else TOML.
    A file may hold the keys at the top level or under ``choices`` (``[choices]`` in TOML)."""
    stripped = text.lstrip()
    label = fmt if fmt not in ("", "json", "toml") else "choices file"
    as_json = fmt == "json" or fmt.endswith(".json") or (fmt != "toml" and stripped.startswith("{"))
    try:
        value = json.loads(text) if as_json else tomllib.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise ChoiceError("choices", f"{label} does not parse as {'JSON' if as_json else 'TOML'}: "
                          f"{exc}") from exc
    if not isinstance(value, dict):
        raise ChoiceError("choices", f"{label} must hold an object of choices")
    inner = value.get("choices")
    if isinstance(inner, dict) and len(value) == 1:
        value = inner
    return value
