"""The query protocol against botocore itself: what its serializer sends we read back exactly,
and what we write its parser reads back exactly, for every operation of IAM and STS.
"""

from __future__ import annotations

import re
import string
import tracemalloc
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from xml.etree import ElementTree

import pytest
from botocore.model import Shape
from botocore.parsers import create_parser
from botocore.serialize import create_serializer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a2c_iam.api import awsquery
from a2c_iam.api.errors import ApiError

OPERATIONS = [(svc, name) for svc in ("iam", "sts")
              for name in awsquery.service_model(svc).operation_names]
SERIALIZER = create_serializer("query", include_validation=False)
PARSER = create_parser("query")
# Text that XML 1.0 can carry, markup characters included.
TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")) | st.sampled_from(
    "<>&\"' \t\n"), max_size=12)
MOMENTS = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1),
                       timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0))


def values(shape: Shape, depth: int = 0) -> st.SearchStrategy[Any]:
    kind = shape.type_name
    if kind == "structure":
        members = shape.members  # type: ignore[attr-defined]
        if depth > 3:
            return st.just({})
        return st.fixed_dictionaries({}, optional={
            name: values(member, depth + 1) for name, member in members.items()})
    if kind == "list":
        return st.lists(values(shape.member, depth + 1), max_size=3)  # type: ignore[attr-defined]
    if kind == "map":
        return st.dictionaries(st.text(string.ascii_letters, min_size=1, max_size=5),
                               values(shape.value, depth + 1), max_size=3)  # type: ignore[attr-defined]
    if kind in ("integer", "long"):
        return st.integers(-(2**31), 2**31 - 1)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return MOMENTS
    if kind == "blob":
        return st.binary(max_size=12)
    if shape.enum:
        return st.sampled_from(shape.enum)
    return TEXT


def normal(value: Any) -> Any:
    """Values as compared: timestamps as instants, blobs as bytes."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


_NOTHING = object()


def on_the_wire(value: Any, shape: Shape) -> Any:
    """What the query protocol can carry: an empty structure sends no parameter at all (an empty
    list sends ``Name=``), so a list of empty structures vanishes too; a map sends each key, so an
    entry whose value is an empty structure arrives as that key with an empty structure."""
    kind = shape.type_name
    if kind == "structure":
        members = shape.members  # type: ignore[attr-defined]
        kept = {k: w for k, v in value.items()
                if (w := on_the_wire(v, members[k])) is not _NOTHING}
        return kept or _NOTHING
    if kind == "map":
        entries = {k: on_the_wire(v, shape.value) for k, v in value.items()}  # type: ignore[attr-defined]
        return {k: ({} if w is _NOTHING else w) for k, w in entries.items()} or _NOTHING
    if kind == "list" and value:
        items = [w for v in value
                 if (w := on_the_wire(v, shape.member)) is not _NOTHING]  # type: ignore[attr-defined]
        return items or _NOTHING
    return value


@st.composite
def operation_inputs(draw: st.DrawFn) -> tuple[awsquery.Operation, dict[str, Any]]:
    service, name = draw(st.sampled_from(OPERATIONS))
    op = awsquery.find_operation(service, name)
    assert op is not None
    shape = op.model.input_shape
    return op, ({} if shape is None else draw(values(shape)))


@st.composite
def operation_outputs(draw: st.DrawFn) -> tuple[awsquery.Operation, dict[str, Any]]:
    service, name = draw(st.sampled_from(OPERATIONS))
    op = awsquery.find_operation(service, name)
    assert op is not None
    shape = op.model.output_shape
    return op, ({} if shape is None else draw(values(shape)))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operation_inputs())
def test_reads_what_botocore_serializes(case: tuple[awsquery.Operation, dict[str, Any]]) -> None:
    op, params = case
    body = SERIALIZER.serialize_to_request(params, op.model)["body"]
    pairs = parse_qsl(urlencode(body), keep_blank_values=True)
    decoded, problems = awsquery.decode(op, pairs)
    assert all(p.endswith("Member must not be null") for p in problems)  # generated sparsely
    shape = op.model.input_shape
    wire = _NOTHING if shape is None else on_the_wire(params, shape)
    assert normal(decoded) == normal({} if wire is _NOTHING else wire)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operation_outputs())
def test_botocore_reads_what_we_serialize(case: tuple[awsquery.Operation, dict[str, Any]]) -> None:
    op, result = case
    xml = awsquery.serialize(op, result, "req-1")
    parsed = PARSER.parse({"body": xml, "headers": {}, "status_code": 200}, op.model.output_shape)
    assert parsed["ResponseMetadata"]["RequestId"] == "req-1"
    assert normal(parsed) == normal(result)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(OPERATIONS),
       st.lists(st.tuples(st.text(st.sampled_from("ABCKeyTagsmemberentry.1290UserName"),
                                  max_size=30), TEXT), max_size=8))
def test_random_parameters_give_a_validation_error_at_worst(op_name: tuple[str, str],
                                                           pairs: list[tuple[str, str]]) -> None:
    op = awsquery.find_operation(*op_name)
    assert op is not None
    members = list(op.model.input_shape.members) if op.model.input_shape else []
    # Half the keys start with a real member name, so the parser goes deep into the shapes.
    pairs = [((members[i % len(members)] + k) if members and i % 2 else k, v)
             for i, (k, v) in enumerate(pairs)]
    try:
        awsquery.parse(op, pairs)
    except ApiError as exc:
        assert exc.code == "ValidationError" and exc.status == 400
        assert exc.message.split(" ")[1] == "validation"


def test_validation_texts() -> None:
    op = awsquery.find_operation("iam", "CreateUser")
    assert op is not None
    with pytest.raises(ApiError) as exc:
        awsquery.parse(op, [("UserName", "a b"), ("Tags.member.1.Value", "v")])
    assert exc.value.message == (
        "2 validation errors detected: Value null at 'tags.1.member.key' failed to satisfy "
        "constraint: Member must not be null; Value 'a b' at 'userName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+")
    op = awsquery.find_operation("iam", "ListUsers")
    assert op is not None
    assert awsquery.parse(op, [("MaxItems", "5"), ("Marker", "m")]) == {"MaxItems": 5,
                                                                          "Marker": "m"}
    with pytest.raises(ApiError) as exc:
        awsquery.parse(op, [("MaxItems", "0")])
    assert exc.value.message == ("1 validation error detected: Value '0' at 'maxItems' failed to "
                                 "satisfy constraint: Member must have value greater than or "
                                 "equal to 1")
    with pytest.raises(ApiError) as exc:
        awsquery.parse(op, [("MaxItems", "many")])
    assert "Value 'many' at 'maxItems'" in exc.value.message


def test_actions_and_versions() -> None:
    assert awsquery.resolve_action("sts", "AssumeRole", "2011-06-15").name == "AssumeRole"
    assert awsquery.find_operation("sts", "AssumeRoleWithWebIdentity").unsigned  # type: ignore[union-attr]
    assert not awsquery.find_operation("sts", "AssumeRole").unsigned  # type: ignore[union-attr]
    for action, version, code in [(None, None, "MissingAction"),
                                  ("ListUsers", "2011-06-15", "InvalidAction"),
                                  ("DescribeInstances", "2010-05-08", "InvalidAction")]:
        with pytest.raises(ApiError) as exc:
            awsquery.resolve_action("iam", action, version)
        assert exc.value.code == code and exc.value.status == 400


def test_error_response_is_what_botocore_reads() -> None:
    op = awsquery.find_operation("iam", "GetUser")
    assert op is not None
    xml = awsquery.serialize_error("iam", ApiError("NoSuchEntity", "a <b> & 'c'", 404), "r-2")
    parsed = PARSER.parse({"body": xml, "headers": {}, "status_code": 404}, op.model.output_shape)
    assert parsed["Error"] == {"Type": "Sender", "Code": "NoSuchEntity", "Message": "a <b> & 'c'"}
    assert parsed["ResponseMetadata"]["RequestId"] == "r-2"
    xml = awsquery.serialize_error("sts", ApiError("InternalFailure", "x", 500, sender=False), "r")
    assert b"<Type>Receiver</Type>" in xml and b"sts.amazonaws.com/doc/2011-06-15/" in xml


def test_a_map_entry_without_its_value() -> None:
    """botocore sends ``{"A": {}}`` of a map of structures as the key alone (newer IAM models
    have such maps); a key without a value of any other kind is a missing member."""
    from botocore.model import DenormalizedStructureBuilder, OperationModel, ServiceModel

    def operation(value: dict[str, Any]) -> awsquery.Operation:
        shape = DenormalizedStructureBuilder().with_members({
            "Values": {"type": "map", "key": {"type": "string"}, "value": value}}).build_model()
        service = ServiceModel({"metadata": {"protocol": "query", "apiVersion": "2010-05-08"},
                                "operations": {}, "shapes": {}})
        model = OperationModel({"name": "Probe", "input": {"shape": "ProbeInput"}}, service)
        model.__dict__["input_shape"] = shape  # the probe's own shape, not a service's
        return awsquery.Operation("iam", "Probe", model)

    of_structures = operation({"type": "structure", "members": {"N": {"type": "string"}}})
    body = SERIALIZER.serialize_to_request({"Values": {"A": {}}}, of_structures.model)["body"]
    assert {k: v for k, v in body.items() if k.startswith("Values")} == {
        "Values.entry.1.key": "A"}
    decoded, problems = awsquery.decode(of_structures, list(body.items()))
    assert decoded["Values"] == {"A": {}} and problems == []

    decoded, problems = awsquery.decode(operation({"type": "string"}),
                                        [("Values.entry.1.key", "A")])
    assert decoded.get("Values", {}) == {}
    assert problems and problems[0].endswith("Member must not be null"), problems


def test_unknown_action_names_are_not_kept() -> None:
    """Every request's ``Action`` is looked up before it is authenticated: unknown names must
    not be remembered (20 distinct 1 MB names once kept 20 MB; a server, gigabytes)."""
    known = awsquery.find_operation("iam", "GetUser")
    assert known is not None and awsquery.find_operation("iam", "GetUser") is known
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for i in range(20):
            name = f"{i:04d}" + "x" * 1_000_000
            assert awsquery.find_operation("iam", name) is None
            with pytest.raises(ApiError) as exc:
                awsquery.resolve_action("iam", name, "2010-05-08")
            assert exc.value.code == "InvalidAction"
            del exc
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert kept < 2_000_000, kept
    with pytest.raises(ApiError) as exc:
        awsquery.resolve_action("iam", "x" * 1_000_000, None)
    assert len(exc.value.message) < 300  # the name is shown cut, not echoed whole
    assert awsquery.find_operation("iam", "x" * (awsquery.MAX_ACTION + 1)) is None
    assert awsquery.find_operation("ec2", "GetUser") is None


# Every character a Python string can hold, XML 1.0's forbidden ones included.
ANY_TEXT = st.text(st.characters(codec=None) | st.sampled_from(
    "\x00\x01\x0b\x0c\x1f\ud800\udfff\ufffe\uffff\r\t\n<&"), max_size=12)
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_any_text_is_well_formed_xml(text: str) -> None:
    """Validation messages echo what the caller sent: whatever it is, botocore can read the
    answer; what XML cannot carry arrives as U+FFFD."""
    shown = NOT_XML.sub("\ufffd", text)
    xml = awsquery.serialize_error("iam", ApiError("ValidationError", f"Value '{text}'"), text)
    op = awsquery.find_operation("iam", "GetUser")
    assert op is not None
    parsed = PARSER.parse({"body": xml, "headers": {}, "status_code": 400}, op.model.output_shape)
    assert parsed["Error"]["Message"] == f"Value '{shown}'"
    xml = awsquery.serialize(op, {"User": {"UserName": text, "Path": "/", "UserId": "AIDA",
                                           "Arn": "arn", "CreateDate": datetime(2026, 1, 1,
                                                                                tzinfo=UTC)}}, "r")
    parsed = PARSER.parse({"body": xml, "headers": {}, "status_code": 200}, op.model.output_shape)
    assert parsed["User"]["UserName"] == shown
    ElementTree.fromstring(xml)  # a strict parser agrees


def test_a_deeply_dotted_name_is_ignored_unbuilt() -> None:
    op = awsquery.find_operation("iam", "ListUsers")
    assert op is not None
    deep = "Tags." + "a." * 40 + "b"
    assert awsquery.decode(op, [(deep, "1"), ("MaxItems", "2")]) == ({"MaxItems": 2}, [])
    root = awsquery._tree([(deep, "1")])
    assert root.children == {}


@pytest.mark.parametrize(("micro", "text"), [
    (0, "2026-12-04T07:30:00Z"), (999, "2026-12-04T07:30:00Z"),
    (1000, "2026-12-04T07:30:00.001Z"), (123456, "2026-12-04T07:30:00.123Z"),
])
def test_timestamps_carry_milliseconds_only_when_there_are_some(micro: int, text: str) -> None:
    """A time with fewer than 1,000 microseconds printed as ``.000Z`` read back (to the
    millisecond) as a different text than it was: the CLI's round trip of an export failed."""
    assert awsquery._datetime_text(datetime(2026, 12, 4, 7, 30, 0, micro, tzinfo=UTC)) == text
