"""Table-driven validation cases (``cases/validation/*.json``) and robustness of the validator.

Every case names the page it was derived from (IAM User Guide page, the reference README, or the
App2Container seed) and the result IAM gives: valid, or the code and exact message of the *first*
error in validate.py's documented pass order. A case whose expectation the implementation does not
meet yet carries an ``xfail_reason``; it is run as a strict xfail, so fixing the implementation
turns it into a failure until the marker is removed.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a2c_iam.policy.errors import PolicyValidationError
from a2c_iam.policy.kinds import PolicyKind
from a2c_iam.policy.validate import validate_document

CASES_DIR = Path(__file__).parent / "cases" / "validation"
KINDS = [k.value for k in PolicyKind]
CODES = {"MalformedPolicyDocument", "LimitExceeded", "ValidationError"}


def _load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(CASES_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            cases.append({**case, "_file": path.name})
    return cases


CASES = _load_cases()


def _text_of(case: dict[str, Any]) -> str:
    """The document as the string a caller would send: raw ``text``, or ``document`` serialised."""
    if "text" in case:
        return case["text"]
    return json.dumps(case["document"], ensure_ascii=False)


def _params() -> list[Any]:
    params = []
    for case in CASES:
        marks = []
        if case.get("xfail_reason"):
            marks.append(pytest.mark.xfail(reason=case["xfail_reason"], strict=True))
        params.append(pytest.param(case, id=case["name"], marks=marks))
    return params


# -- the table ------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", _params())
def test_validation_case(case: dict[str, Any]) -> None:
    kind = PolicyKind(case["kind"])
    expect = case["expect"]
    text = _text_of(case)
    if expect["valid"]:
        try:
            value = validate_document(text, kind)
        except PolicyValidationError as exc:
            pytest.fail(f"expected valid, got {exc.code}: {exc.message} (at {exc.path!r})")
        assert isinstance(value, dict)
        return
    with pytest.raises(PolicyValidationError) as info:
        validate_document(text, kind)
    got = (info.value.code, info.value.message)
    assert got == (expect["code"], expect["message"]), f"path={info.value.path!r}"


def test_case_count() -> None:
    assert len(CASES) >= 150, len(CASES)


def test_case_table_is_well_formed() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
    for case in CASES:
        where = f"{case['_file']}:{case['name']}"
        assert set(case) <= {
            "name",
            "source",
            "kind",
            "document",
            "text",
            "expect",
            "xfail_reason",
            "note",
            "line",
            "_file",
        }, where
        assert case["name"] == case["name"].lower() and " " not in case["name"], where
        assert case["source"].endswith(".md"), where
        assert case["kind"] in KINDS, where
        assert ("document" in case) != ("text" in case), where
        if "document" in case:
            assert isinstance(case["document"], dict), where
        else:
            assert isinstance(case["text"], str), where
        expect = case["expect"]
        if expect["valid"]:
            assert expect == {"valid": True}, where
        else:
            assert set(expect) == {"valid", "code", "message"}, where
            assert expect["code"] in CODES and expect["message"], where


def test_every_kind_has_valid_and_invalid_cases() -> None:
    for kind in KINDS:
        outcomes = {c["expect"]["valid"] for c in CASES if c["kind"] == kind}
        assert outcomes == {True, False}, kind


def test_case_files_cover_topics() -> None:
    files = {c["_file"] for c in CASES}
    for topic in (
        "syntax",
        "version",
        "statements",
        "actions",
        "resources",
        "principals",
        "conditions",
        "sids",
        "trust",
        "kinds",
        "sizes",
        "seed",
    ):
        assert f"{topic}.json" in files, topic


# -- robustness: malformed input raises PolicyValidationError and nothing else ------------------


def _only_policy_errors(document: Any, kind: PolicyKind = PolicyKind.IDENTITY, **kw: Any) -> None:
    try:
        validate_document(document, kind, **kw)
    except PolicyValidationError as exc:
        assert exc.code in CODES
        assert isinstance(exc.message, str) and exc.message


def _raises_policy_error(
    document: Any, kind: PolicyKind = PolicyKind.IDENTITY, **kw: Any
) -> PolicyValidationError:
    with pytest.raises(PolicyValidationError) as info:
        validate_document(document, kind, **kw)
    return info.value


def _statement_doc(extra: str = "") -> str:
    return (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject",'
        '"Resource":"*"' + extra + "}]}"
    )


@pytest.mark.parametrize("kind", list(PolicyKind))
@pytest.mark.parametrize("seed", range(5))
def test_random_bytes(kind: PolicyKind, seed: int) -> None:
    rng = random.Random(seed)
    data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4096)))
    _only_policy_errors(data, kind)
    _only_policy_errors(data.decode("latin-1"), kind)


def test_invalid_utf8_bytes_are_a_syntax_error() -> None:
    exc = _raises_policy_error(_statement_doc().encode("utf-8").replace(b"GetObject", b"Get\xffObject"))
    assert (exc.code, exc.message) == ("MalformedPolicyDocument", "Syntax errors in policy.")


def test_utf8_bytes_of_a_valid_document_validate() -> None:
    assert validate_document(_statement_doc().encode("utf-8"))["Version"] == "2012-10-17"


@pytest.mark.parametrize("kind", list(PolicyKind))
def test_100_kb_documents(kind: PolicyKind) -> None:
    big = "arn:aws:s3:::my-a2c-bucket/" + "x" * 100_000
    text = _statement_doc().replace('"Resource":"*"', json.dumps({"Resource": big})[1:-1])
    exc = _raises_policy_error(text, kind)
    assert exc.code == "LimitExceeded"
    # Past the size pass, the same document must still only ever give a policy error.
    _only_policy_errors(text, kind, quota=10**7)
    _only_policy_errors(text.encode(), kind, quota=10**7)
    _only_policy_errors("{" * 100_000, kind, quota=10**7)
    _only_policy_errors('"' + "\\" * 100_001, kind, quota=10**7)


@pytest.mark.parametrize("opener,closer", [("[", "]"), ('{"a":', "}")])
def test_json_nested_10000_deep(opener: str, closer: str) -> None:
    deep = opener * 10_000 + "1" + closer * 10_000
    exc = _raises_policy_error(deep, PolicyKind.RESOURCE, quota=10**7)
    assert exc.message == "Syntax errors in policy."
    inside = _statement_doc(
        ',"Condition":{"StringEquals":{"aws:x":' + "[" * 10_000 + '"v"' + "]" * 10_000 + "}}"
    )
    exc = _raises_policy_error(inside, PolicyKind.IDENTITY, quota=10**7)
    assert exc.message == "Syntax errors in policy."
    # Unbalanced: only openers.
    _only_policy_errors(opener * 10_000, PolicyKind.RESOURCE, quota=10**7)


def test_deeply_nested_mapping() -> None:
    node: Any = "v"
    for _ in range(10_000):
        node = {"a": node}
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": node}],
    }
    _raises_policy_error(doc, quota=10**7)


@pytest.mark.parametrize(
    "text",
    [
        '{"Version":"2012-10-17","Version":"2012-10-17","Statement":[]}',
        _statement_doc(',"Resource":"*"'),
        _statement_doc(',"Condition":{"Bool":{"aws:SecureTransport":"true","aws:SecureTransport":"true"}}'),
        '{"Version":"2012-10-17","Statement":{"Effect":"Allow","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}',
    ],
    ids=["top", "statement", "condition", "single-statement"],
)
def test_duplicate_keys(text: str) -> None:
    exc = _raises_policy_error(text)
    assert (exc.code, exc.message) == ("MalformedPolicyDocument", "Syntax errors in policy.")


def test_duplicate_keys_after_mapping_serialisation() -> None:
    """A Mapping whose keys collide once serialised (1 and "1") is IAM's syntax error, not a crash."""
    _raises_policy_error({1: "a", "1": "b"})


@pytest.mark.parametrize(
    "document",
    [
        '{"Version":"2012-10-17","Statement":[{"Sid":"\\ud800","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
        '{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:GetObject","Resource":"\ud800"}]}',
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:\udfff","Resource":"*"}]}',
        '{"\ud83d":"x"}',
        {
            "Version": "2012-10-17",
            "Statement": [{"Sid": "\ud800", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}],
        },
        b'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"\xed\xa0\x80"}]}',
    ],
    ids=["escaped-sid", "raw-resource", "raw-action", "raw-key", "mapping", "cesu-bytes"],
)
def test_lone_surrogates(document: Any) -> None:
    _only_policy_errors(document)
    _only_policy_errors(document, PolicyKind.RESOURCE)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1" * 5000, "-0"])
def test_nan_infinity_and_huge_numbers_in_text(literal: str) -> None:
    for where in (
        _statement_doc(',"Condition":{"NumericLessThan":{"s3:max-keys":' + literal + "}}"),
        _statement_doc(',"Condition":{"DateGreaterThan":{"aws:EpochTime":' + literal + "}}"),
        '{"Version":' + literal + ',"Statement":[]}',
        _statement_doc(',"Sid":' + literal),
    ):
        _only_policy_errors(where, quota=10**7)


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_literals_are_syntax_errors(literal: str) -> None:
    exc = _raises_policy_error(
        _statement_doc(',"Condition":{"NumericLessThan":{"s3:max-keys":' + literal + "}}")
    )
    assert exc.message == "Syntax errors in policy."


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_in_mappings(value: float) -> None:
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"NumericLessThan": {"s3:max-keys": value}},
            }
        ],
    }
    exc = _raises_policy_error(doc)
    assert exc.message == "Syntax errors in policy."


@pytest.mark.parametrize(
    "value",
    [object(), {1, 2}, b"bytes", (1, 2), 10**5000, Path("/")],
    ids=["object", "set", "bytes", "tuple", "huge-int", "path"],
)
def test_unserialisable_mapping_values(value: Any) -> None:
    doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": value, "Resource": "*"}]}
    _only_policy_errors(doc)


# -- hypothesis ------------------------------------------------------------------------------------

_VOCAB = [
    "Version",
    "Id",
    "Statement",
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
    "AWS",
    "Service",
    "Federated",
    "CanonicalUser",
    "Allow",
    "Deny",
    "allow",
    "*",
    "2012-10-17",
    "2008-10-17",
    "sts:AssumeRole",
    "s3:GetObject",
    "s3:*",
    "iam:Get:User",
    "arn:aws:s3:::b/*",
    "arn:aws:iam::111122223333:root",
    "arn:aws:iam:us-east-1:1:user/x",
    "arn:aws1:s3:::b",
    "arn:aws:s3::x",
    "arn:aws",
    "arn",
    "ec2.amazonaws.com",
    "111122223333",
    "StringEquals",
    "DateGreaterThan",
    "ForAnyValue:StringLike",
    "StringEqualsIfExists",
    "Bool",
    "aws:SourceIp",
    "aws:CurrentTime",
    "aws:RequestTag/aws:x",
    "2020-01-01T00:00:00Z",
    "never",
    "a-b",
    "",
]

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(_VOCAB),
)
_keys = st.one_of(st.sampled_from(_VOCAB), st.text(max_size=10))
_json_values = st.recursive(
    _scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(_keys, children, max_size=5)),
    max_leaves=30,
)


def _statement_strategy() -> st.SearchStrategy[dict[str, Any]]:
    element = st.sampled_from(
        [
            "Sid",
            "Effect",
            "Principal",
            "NotPrincipal",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
            "Bogus",
        ]
    )
    value = st.one_of(
        st.sampled_from(_VOCAB),
        st.lists(st.sampled_from(_VOCAB), max_size=3),
        st.dictionaries(
            st.sampled_from(_VOCAB),
            st.one_of(
                st.sampled_from(_VOCAB),
                st.lists(st.sampled_from(_VOCAB), max_size=3),
                st.dictionaries(st.sampled_from(_VOCAB), _scalars, max_size=3),
            ),
            max_size=3,
        ),
        _json_values,
    )
    return st.dictionaries(element, value, max_size=7)


_policy_shaped = st.fixed_dictionaries(
    {"Statement": st.one_of(st.lists(_statement_strategy(), min_size=0, max_size=3), _statement_strategy())},
    optional={
        "Version": st.sampled_from(["2012-10-17", "2008-10-17", "2012-10-18", 2012]),
        "Id": st.one_of(st.text(max_size=5), st.integers()),
    },
)

_FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FUZZ
@given(value=_json_values, kind=st.sampled_from(list(PolicyKind)))
def test_fuzz_json_values(value: Any, kind: PolicyKind) -> None:
    try:
        text = json.dumps(value, allow_nan=True)
    except (ValueError, TypeError):
        return
    _only_policy_errors(text, kind)
    if isinstance(value, dict):
        _only_policy_errors(value, kind)


@_FUZZ
@given(doc=_policy_shaped, kind=st.sampled_from(list(PolicyKind)))
def test_fuzz_policy_shaped_documents(doc: dict[str, Any], kind: PolicyKind) -> None:
    _only_policy_errors(json.dumps(doc, allow_nan=True), kind)
    _only_policy_errors(doc, kind)


@_FUZZ
@given(text=st.text(max_size=400), kind=st.sampled_from(list(PolicyKind)))
def test_fuzz_random_text(text: str, kind: PolicyKind) -> None:
    _only_policy_errors(text, kind)


@_FUZZ
@given(data=st.binary(max_size=400), kind=st.sampled_from(list(PolicyKind)))
def test_fuzz_random_bytes(data: bytes, kind: PolicyKind) -> None:
    _only_policy_errors(data, kind)


@_FUZZ
@given(
    prefix=st.text(alphabet='{}[]":,0123456789.eE+-tfnrul \\', max_size=60),
    kind=st.sampled_from(list(PolicyKind)),
)
def test_fuzz_json_punctuation(prefix: str, kind: PolicyKind) -> None:
    _only_policy_errors(prefix, kind)
    _only_policy_errors(_statement_doc()[: len(prefix)] + prefix, kind)
