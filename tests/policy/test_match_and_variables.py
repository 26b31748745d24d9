"""Wildcards and policy variables at the unit level (the corpus tests them through decisions)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from a2c_iam.policy.match import (
    action_regex,
    matches_action,
    matches_resource,
    resource_regex_pieces,
    string_like_regex,
)
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


# -- the compiled matchers against the reference evaluator's backtracking matcher, on small
# alphabets where colons, stars and question marks meet often

_PATTERN = st.text(alphabet="ab:*?", max_size=9)
_TEXT = st.text(alphabet="ab:", max_size=11)


def _chars(text: str, live: bool = True) -> list[tuple[str, bool]]:
    return [(ch, live) for ch in text]


#: ARN-shaped: several segments, often a lone ``*`` (which may run across colons).
_SEGMENTED = st.lists(st.sampled_from(["*", "a*", "*a", "a", "", "?", "*b*", "a?"]), min_size=1,
                      max_size=8).map(":".join)
_SEGMENTS = st.lists(st.sampled_from(["", "a", "b", "ab", "ba", "aab"]), min_size=1,
                     max_size=9).map(":".join)


@settings(max_examples=3000, deadline=None)
@given(_PATTERN | _SEGMENTED, _TEXT | _SEGMENTS, st.booleans())
def test_arn_matching_agrees_with_the_reference(pattern: str, text: str, span: bool) -> None:
    from a2c_iam.policy import reference

    ours = resource_regex_pieces(((pattern, True),), span=span).fullmatch(text) is not None
    assert ours == reference._match(_chars(pattern), text, fold=False, arn=True, span=span)


@settings(max_examples=1500, deadline=None)
@given(_PATTERN, st.text(alphabet="ab:*?", max_size=3), _PATTERN, _TEXT)
def test_substituted_text_is_literal_in_arns_and_strings(before: str, value: str, after: str,
                                                         text: str) -> None:
    from a2c_iam.policy import reference

    pieces = ((before, True), (value, False), (after, True))
    chars = _chars(before) + _chars(value, live=False) + _chars(after)
    assert (resource_regex_pieces(pieces).fullmatch(text) is not None) == reference._match(
        chars, text, fold=False, arn=True)
    assert (string_like_regex(pieces).fullmatch(text) is not None) == reference._match(
        chars, text, fold=False, arn=False)


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet="aB*?", max_size=9), st.text(alphabet="abAB", max_size=11))
def test_action_matching_agrees_with_the_reference(pattern: str, action: str) -> None:
    from a2c_iam.policy import reference

    assert (action_regex(pattern).fullmatch(action) is not None) == reference._match(
        _chars(pattern), action, fold=True, arn=False)


@pytest.mark.parametrize(("pattern", "miss", "hit"), [
    ("arn:aws:s3:::*a*a*a*a*a*a*b", "arn:aws:s3:::" + "a" * 400, "arn:aws:s3:::" + "a" * 399 + "b"),
    ("arn:aws:s3:*a*a*a*a*a*b:::x", "arn:aws:s3:" + "a" * 400 + ":::x",
     "arn:aws:s3:" + "a" * 399 + "b:::x"),
    ("arn:*:*:*:*:*:b", "arn:" + ":" * 2000 + "a", "arn:" + ":" * 2000 + "b"),
    ("*:*:a", "x:y:z:b", "x:y:z:a"),  # the second star starts after the first's first fit
], ids=["stars-in-the-resource", "stars-in-the-region", "many-colons", "two-spanning-stars"])
def test_hostile_patterns_are_answered(pattern: str, miss: str, hit: str) -> None:
    """A plain translation to ``.*`` takes hours on these (each star tried at every place): the
    matcher must answer at all, and rightly. No time is asserted; a regression hangs here."""
    assert matches_resource(pattern, miss) is False
    assert matches_resource(pattern, hit) is True
