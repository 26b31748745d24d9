"""Lint never fails on its input: any JSON, any policy-shaped document, any kind. Each finding
has a known code and a position inside the text; and lint agrees with validation: when IAM would
refuse the document, an ERROR finding carries IAM's message, and when IAM would accept it, no
finding says it refuses it."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a2c_iam.policy.errors import PolicyValidationError
from a2c_iam.policy.kinds import PolicyKind
from a2c_iam.policy.lint import RULES, Severity, lint_policy
from a2c_iam.policy.positions import index_positions
from a2c_iam.policy.validate import validate_document

#: The codes of IAM's own validation errors (lint.py, "IAM would refuse the document").
VALIDATION_CODES = {
    "SYNTAX_ERROR", "INVALID_CHARACTERS", "POLICY_SIZE_EXCEEDED", "UNSUPPORTED_VERSION",
    "DUPLICATE_SID", "INVALID_SID", "MISSING_ACTION", "MISSING_RESOURCE", "INVALID_RESOURCE",
    "INVALID_PREFIX", "PRINCIPAL_NOT_ALLOWED", "MISSING_PRINCIPAL", "INVALID_PRINCIPAL",
    "TRUST_POLICY_VIOLATION", "POLICY_TYPE_VIOLATION", "INVALID_POLICY",
}

ACTIONS = ["s3:GetObject", "s3:Get*", "*", "iam:PassRole", "s3:GetObjcet", "s4:GetObject",
           "iam:ListRoles (https://x)", "ec2:Describe*", "sts:AssumeRole", "s3", "*:*", ""]
RESOURCES = ["*", "arn:aws:s3:::b/*", "arn:aws:s3:::b", "resource-ARNs", "arn:aws:iam::1:role/x",
             "arn:aws:iam::your account ID:role/r", "arn:aws", "arn:aws:s3:::${Bucket}/*"]
KEYS = ["aws:SourceIp", "aws:TagKeys", "s3:prefix", "aws:Nope", "iam:PassedToService", "x"]
OPERATORS = ["StringEquals", "IpAddress", "ForAllValues:StringLike", "NumericLessThan", "Null",
             "Bogus", "DateGreaterThan"]

scalars = st.one_of(st.sampled_from(["1", "true", "10.0.0.0/8", "2020-01-01", "${aws:username}"]),
                    st.integers(-5, 5), st.booleans())
strings_or_lists = lambda pool: st.one_of(  # noqa: E731
    st.sampled_from(pool), st.lists(st.sampled_from(pool), max_size=4))
condition = st.dictionaries(
    st.sampled_from(OPERATORS),
    st.dictionaries(st.sampled_from(KEYS), st.one_of(scalars, st.lists(scalars, max_size=3)),
                    max_size=2),
    max_size=2)
statement = st.fixed_dictionaries(
    {"Effect": st.sampled_from(["Allow", "Deny", "allow"])},
    optional={
        "Sid": st.sampled_from(["A", "B", "a-b", ""]),
        "Action": strings_or_lists(ACTIONS),
        "NotAction": strings_or_lists(ACTIONS),
        "Resource": strings_or_lists(RESOURCES),
        "NotResource": strings_or_lists(RESOURCES),
        "Principal": st.sampled_from(["*", {"AWS": "123456789012"}, {"Service": "x"}, {}]),
        "Condition": condition,
    })
document = st.fixed_dictionaries(
    {"Statement": st.one_of(statement, st.lists(statement, max_size=4))},
    optional={"Version": st.sampled_from(["2012-10-17", "2008-10-17", "2020"])})


def _check(text: str, kind: str) -> None:
    findings = lint_policy(text, kind, file="f.json")
    lines = text.splitlines() or [""]
    for f in findings:
        assert f.code in RULES and f.severity is RULES[f.code].severity
        assert f.file == "f.json" and f.message
        assert f.line is not None and 1 <= f.line <= len(lines) + 1
        assert f.column is not None and f.column >= 1
    assert [(f.line, f.column) for f in findings] == sorted((f.line, f.column) for f in findings)
    try:
        validate_document(text, PolicyKind(kind))
    except PolicyValidationError as exc:
        errors = [f.message for f in findings if f.severity is Severity.ERROR]
        assert any(exc.message in message for message in errors), (exc.message, errors)
    else:
        refused = [f for f in findings
                   if f.code in VALIDATION_CODES or "IAM refuses it" in f.message]
        assert not refused, refused


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document, st.sampled_from([k.value for k in PolicyKind]), st.sampled_from([None, 2]))
def test_policy_shaped_documents(doc: dict[str, object], kind: str, indent: int | None) -> None:
    _check(json.dumps(doc, indent=indent), kind)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_any_text(text: str) -> None:
    _check(text, "identity")


def test_the_validation_codes_are_codes() -> None:
    assert set(RULES) >= VALIDATION_CODES


def test_positions_of_members_and_elements() -> None:
    text = '{\n  "Statement": [\n    {"Action": ["a", "b"],\n     "Sid": "x"}\n  ]\n}'
    index = index_positions(text)
    assert index.locate("Statement") == (2, 3)
    assert index.locate("Statement[0]") == (3, 5)
    assert index.locate("Statement[0].Action[1]") == (3, 22)
    assert index.locate("Statement[0].Sid") == (4, 6)
    assert index.locate("Statement[0].Condition.StringEquals.k") == (3, 5)  # nearest ancestor
    assert index_positions('{"a": 1, "a": 2}').duplicates == (("a", 9),)
