"""Wildcards and policy variables at the unit level (the corpus tests them through decisions)."""

from __future__ import annotations

import pytest

from a2c_iam.policy.match import matches_action, matches_resource, resource_regex_pieces
from a2c_iam.policy.variables import substitute


@pytest.mark.parametrize("pattern, action, expected", [
    ("s3:GetObject", "S3:getobject", True),
    ("s3:Get*", "s3:GetObjectAcl", True),
    ("s3:Get*", "s3:PutObject", False),
    ("s3:?etObject", "s3:GetObject", True),
    ("s3:?etObject", "s3:GGetObject", False),
    ("*", "anything:AtAll", True),
    ("iam:*Role", "iam:PassRole", True),
    ("ec2:Describe.*", "ec2:DescribeVpcs", False),  # a "." is a dot, not a regex
])
def test_actions(pattern: str, action: str, expected: bool) -> None:
    assert matches_action(pattern, action) is expected


@pytest.mark.parametrize("pattern, resource, expected", [
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b/c", True),  # * spans "/"
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::Bucket/a", False),  # case-sensitive
    ("arn:aws:iam::111122223333:user/Alice", "arn:aws:iam::111122223333:user/alice", False),
    ("arn:aws:s3:::a.b", "arn:aws:s3:::aXb", False),
    ("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", True),
    ("arn:aws:ec2:us-*-1:*:instance/*", "arn:aws:ec2:us-east-1:1:instance/i", True),
    # A * inside a segment stays in the segment...
    ("arn:aws:ec2:us-*1:*:instance/*", "arn:aws:ec2:us-east:x1:1:instance/i", False),
    # ...but one that ends a segment may run across the following colons.
    ("arn:aws:*", "arn:aws:s3:::bucket", True),
    ("arn:aws:lambda:*:123456789012:function:*", "arn:aws:lambda:us-east-1:123456789012:function:f:1", True),
    ("*", "whatever", True),
])
def test_resources(pattern: str, resource: str, expected: bool) -> None:
    assert matches_resource(pattern, resource) is expected


def test_substituted_values_are_literal() -> None:
    pieces = substitute("arn:aws:s3:::b/${aws:username}/*", {"aws:username": "a*"})
    assert pieces == [("arn:aws:s3:::b/", True), ("a*", False), ("/*", True)]
    rx = resource_regex_pieces(pieces)
    assert rx.fullmatch("arn:aws:s3:::b/a*/x") is not None
    assert rx.fullmatch("arn:aws:s3:::b/alice/x") is None


@pytest.mark.parametrize("text, context, expected", [
    ("${aws:username}", {"aws:username": "bob"}, "bob"),
    ("${aws:PrincipalTag/team, 'none'}", {}, "none"),
    ("${aws:PrincipalTag/team,'none'}", {"aws:principaltag/team": "dev"}, "dev"),
    ("a${*}b${?}c${$}", {}, "a*b?c$"),
    ("${aws:TagKeys}", {"aws:tagkeys": ["a", "b"]}, None),  # multi-valued: not a variable value
    ("${aws:username}", {}, None),
])
def test_substitute(text: str, context: dict, expected: str | None) -> None:
    pieces = substitute(text, {k.lower(): v for k, v in context.items()})
    assert (None if pieces is None else "".join(t for t, _ in pieces)) == expected


def test_special_variables_are_literal_characters() -> None:
    pieces = substitute("a${*}b", {})
    assert pieces is not None
    assert resource_regex_pieces(pieces).fullmatch("a*b") is not None
    assert resource_regex_pieces(pieces).fullmatch("axxb") is None
