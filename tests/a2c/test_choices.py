"""Choice profiles: validation with AWS's naming rules, files in TOML or JSON."""

from __future__ import annotations

import pytest

from a2c_iam.a2c.choices import Choices, choices_from_mapping, parse_choices_document
from a2c_iam.a2c.errors import ChoiceError

BASE = {"target": "ecs", "account": "111122223333", "region": "us-west-2"}


def test_toml_and_json_files_give_the_same_profile() -> None:
    toml = """
    [choices]
    target = "eks"
    account = "111122223333"
    region = "cn-northwest-1"
    bucket = "a2c-artifacts"
    pipelines = ["jenkins", "codecommit"]
    remote = true
    """
    js = ('{"target": "eks", "account": "111122223333", "region": "cn-northwest-1", '
          '"bucket": "a2c-artifacts", "pipelines": "codecommit,jenkins", "remote": true}')
    a = choices_from_mapping(parse_choices_document(toml, "choices.toml"))
    b = choices_from_mapping(parse_choices_document(js, "json"))
    assert a == b
    assert a.partition == "aws-cn"
    assert a.as_mapping()["pipelines"] == ["codecommit", "jenkins"]
    assert Choices(**{**a.as_mapping(), "name_prefixes": tuple(a.name_prefixes)}) == a


@pytest.mark.parametrize(("change", "field"), [
    ({"account": "12345"}, "account"),
    ({"region": "us-east"}, "region"),
    ({"region": "us-east-1", "partition": "aws-cn"}, "partition"),
    ({"target": "lambda"}, "target"),
    ({"bucket": "Bad_Bucket"}, "bucket"),
    ({"bucket": "192.168.1.1"}, "bucket"),
    ({"bucket": "amzn-s3-demo-bucket"}, "bucket"),
    ({"firelens": ["splunk"]}, "firelens"),
    ({"target": "eks", "firelens": ["firehose"]}, "firelens"),
    ({"target": "apprunner", "byo_vpc": True}, "byo_vpc"),
    ({"remote": "yes"}, "remote"),
    ({"secret_prefix": "*"}, "secret_prefix"),
    ({"name_prefixes": ["a2c-*"]}, "name_prefixes"),
    ({"colour": "blue"}, "choices"),
])
def test_bad_choices_name_the_choice(change: dict[str, object], field: str) -> None:
    with pytest.raises(ChoiceError) as caught:
        choices_from_mapping({**BASE, **change})
    assert caught.value.field == field


def test_required_and_unparsable() -> None:
    with pytest.raises(ChoiceError, match="region: is required"):
        choices_from_mapping({"target": "ecs", "account": "111122223333"})
    with pytest.raises(ChoiceError, match="does not parse as TOML"):
        parse_choices_document("target = ", "c.toml")
    with pytest.raises(ChoiceError, match="must hold an object"):
        parse_choices_document("[1, 2]", "json")
