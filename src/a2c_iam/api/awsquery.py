"""The AWS query protocol of IAM (2010-05-08) and STS (2011-06-15), driven by botocore's models.

One generic parser turns form parameters (``Tags.member.1.Key=…``) into the operation's input
shape, with the Python types botocore would have handed a caller, and checks the model's
constraints with IAM's ``ValidationError`` wording. One generic serializer writes any output shape
as the XML that botocore's ``QueryParser`` reads (``<OpResponse><OpResult>…``). Neither knows any
operation by name: what an operation takes and returns is what the installed botocore says, so a
new operation needs no code here.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, lru_cache
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from botocore.model import OperationModel, ServiceModel, Shape

from ..identity import awsmodel
from .errors import ApiError, validation_error

#: Services spoken here and their API versions, as in botocore's models.
VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}


@cache
def service_model(service: str) -> ServiceModel:
    return ServiceModel(dict(awsmodel.service_model(service)), service_name=service)


@dataclass(frozen=True, slots=True)
class Operation:
    service: str
    name: str
    model: OperationModel

    @property
    def unsigned(self) -> bool:
        """Operations the model marks ``authtype: none`` (STS's web identity and SAML)."""
        return bool(self.model.auth_type == "none")


#: No operation name is longer (IAM's longest has 45 characters): a longer ``Action`` is
#: refused before anything else is done with it.
MAX_ACTION = 128


@cache
def _operations(service: str) -> Mapping[str, Operation]:
    """Every operation of ``service`` by name, built once: the only names ever looked up."""
    model = service_model(service)
    return {name: Operation(service, name, model.operation_model(name))
            for name in model.operation_names}


def find_operation(service: str, action: str) -> Operation | None:
    """The operation named ``action``, or None; unknown names are not remembered."""
    if service not in VERSIONS or len(action) > MAX_ACTION:
        return None
    return _operations(service).get(action)


def resolve_action(service: str, action: str | None, version: str | None) -> Operation:
    """The operation named by ``Action``, or IAM's error for a missing or unknown one."""
    if not action:
        raise ApiError("MissingAction", "The request must contain the parameter Action.", 400)
    op = find_operation(service, action)
    if op is None or (version is not None and version != VERSIONS[service]):
        shown = action if len(action) <= MAX_ACTION else action[:MAX_ACTION] + "..."
        raise ApiError("InvalidAction",
                       f"Could not find operation {shown} for version {version or 'NO_VERSION'}",
                       400)
    return op


# -- input ---------------------------------------------------------------------------------------


class _Node:
    """One segment of dotted parameter names: ``Tags.member.1.Key`` is four nested nodes."""

    __slots__ = ("children", "value")

    def __init__(self) -> None:
        self.value: str | None = None
        self.children: dict[str, _Node] = {}


#: Segments a parameter name can have: IAM's and STS's deepest input is 6 (a list of
#: structures in a structure). A longer name matches no member and is ignored unbuilt.
MAX_NAME_SEGMENTS = 16


def _tree(params: Iterable[tuple[str, str]]) -> _Node:
    root = _Node()
    for key, value in params:
        if key.count(".") >= MAX_NAME_SEGMENTS:
            continue
        node = root
        for part in key.split("."):
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _Node()
            node = child
        node.value = value
    return root


def _label(name: str) -> str:
    return name[:1].lower() + name[1:]


class _Parser:
    def __init__(self) -> None:
        self.problems: list[str] = []

    def bad(self, value: str | None, label: str, constraint: str) -> None:
        shown = "null" if value is None else f"'{value}'"
        self.problems.append(
            f"Value {shown} at '{label}' failed to satisfy constraint: Member must {constraint}"
        )

    def structure(self, shape: Shape, node: _Node, label: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        members = shape.members
        for name, member in members.items():
            child = node.children.get(member.serialization.get("name", name))
            where = f"{label}.{_label(name)}" if label else _label(name)
            if child is None:
                continue
            value = self.value(member, child, where)
            if value is not None:
                out[name] = value
        for name in shape.required_members:
            if name not in out:
                self.bad(None, f"{label}.{_label(name)}" if label else _label(name),
                         "not be null")
        return out

    def value(self, shape: Shape, node: _Node, label: str) -> Any:
        kind = shape.type_name
        if kind == "structure":
            return self.structure(shape, node, label)
        if kind == "list":
            return self.list(shape, node, label)
        if kind == "map":
            return self.map(shape, node, label)
        text = node.value
        if text is None:
            self.bad(None, label, f"be a {kind}")
            return None
        if kind == "string":
            return text
        if kind in ("integer", "long"):
            try:
                return int(text.strip())
            except ValueError:
                self.bad(text, label, "be an integer")
                return None
        if kind == "boolean":
            lowered = text.strip().lower()
            if lowered not in ("true", "false"):
                self.bad(text, label, "be a boolean")
                return None
            return lowered == "true"
        if kind == "timestamp":
            return self.timestamp(text, label)
        if kind == "blob":
            try:
                return base64.b64decode(text, validate=True)
            except (binascii.Error, ValueError):
                self.bad(text, label, "be base64-encoded binary data")
                return None
        if kind in ("float", "double"):
            try:
                return float(text)
            except ValueError:
                self.bad(text, label, "be a number")
                return None
        return text

    def timestamp(self, text: str, label: str) -> datetime | None:
        raw = text.strip()
        try:
            if raw.replace(".", "", 1).isdigit():
                return datetime.fromtimestamp(float(raw), UTC)
            moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except (ValueError, OverflowError, OSError):
            self.bad(text, label, "be a timestamp in ISO 8601 format")
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    @staticmethod
    def _indexed(node: _Node | None) -> list[_Node]:
        if node is None:
            return []
        numbered = [(int(k), v) for k, v in node.children.items()
                    if k.isascii() and k.isdigit() and len(k) < 10]
        return [v for _, v in sorted(numbered, key=lambda kv: kv[0])]

    def list(self, shape: Shape, node: _Node, label: str) -> list[Any]:
        member = shape.member
        items = self._indexed(node.children.get(member.serialization.get("name", "member")))
        out = []
        for i, item in enumerate(items, start=1):
            value = self.value(member, item, f"{label}.{i}.member")
            if value is not None:
                out.append(value)
        return out

    def map(self, shape: Shape, node: _Node, label: str) -> dict[str, Any]:
        key_shape, value_shape = shape.key, shape.value
        out: dict[str, Any] = {}
        for i, entry in enumerate(self._indexed(node.children.get("entry")), start=1):
            key_node = entry.children.get(key_shape.serialization.get("name", "key"))
            value_node = entry.children.get(value_shape.serialization.get("name", "value"))
            if key_node is None or key_node.value is None:
                self.bad(None, f"{label}.{i}.key", "not be null")
                continue
            if value_node is None:
                if value_shape.type_name != "structure":
                    self.bad(None, f"{label}.{i}.value", "not be null")
                    continue
                # botocore sends an empty structure as no parameter at all: only the key arrives.
                value_node = _Node()
            out[key_node.value] = self.value(value_shape, value_node, f"{label}.{i}.value")
        return out


def decode(op: Operation, params: Iterable[tuple[str, str]]) -> tuple[dict[str, Any], list[str]]:
    """The operation's input as botocore's serializer encoded it, and what could not be read.

    ``params`` are the decoded form (or query) pairs, ``Action`` and ``Version`` included; names
    the model does not know are ignored, as AWS does.
    """
    shape = op.model.input_shape
    if shape is None:
        return {}, []
    parser = _Parser()
    parsed = parser.structure(shape, _tree(params), "")
    return parsed, parser.problems


def parse(op: Operation, params: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The operation's input (AWS member names, Python values); ``ValidationError`` if invalid."""
    parsed, problems = decode(op, params)
    problems = problems + awsmodel.violations(op.service, op.name, parsed)
    if problems:
        raise validation_error(problems)
    return parsed


# -- output --------------------------------------------------------------------------------------


def _timestamp(value: Any) -> str:
    if isinstance(value, datetime):
        return _datetime_text(value)
    if isinstance(value, int | float):
        return _timestamp(datetime.fromtimestamp(value, UTC))
    return str(value)


@lru_cache(maxsize=8192)
def _datetime_text(value: datetime) -> str:
    """ISO 8601 in UTC, milliseconds when there are any (entities' times repeat: cached)."""
    m = value.astimezone(UTC) if value.tzinfo else value
    text = f"{m.year:04d}-{m.month:02d}-{m.day:02d}T{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    millis = m.microsecond // 1000  # ".000Z" would not survive a round trip through a client
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


#: What text output must change: markup, CR (kept through XML's line-end normalisation), and
#: every character outside XML 1.0's ``Char`` production, which no parser accepts even escaped.
_NOT_XML_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff"
_SPECIAL = re.compile(f'[&<>"\r{_NOT_XML_CHARS}]')
_NOT_XML = re.compile(f"[{_NOT_XML_CHARS}]")


def _text(value: str) -> str:
    """``value`` as XML character data: escaped, and with U+FFFD for what XML cannot carry."""
    if _SPECIAL.search(value) is not None:
        return escape(_NOT_XML.sub("\ufffd", value), {'"': "&quot;", "\r": "&#13;"})
    return value


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping | list):
        # A policy document handed over decoded: the wire carries it URL-encoded.
        import json

        return quote(json.dumps(value), safe="")
    if hasattr(value, "get_secret_value"):
        return str(value.get_secret_value())
    return str(value)


def _blob(value: Any) -> str:
    raw = value.encode() if isinstance(value, str) else bytes(value)
    return base64.b64encode(raw).decode()


_SCALARS: dict[str, Callable[[Any], str]] = {
    "string": _string,
    "boolean": lambda value: "true" if value else "false",
    "timestamp": _timestamp,
    "blob": _blob,
}

Writer = Callable[[list[str], Any], None]


def _writer(shape: Shape, compiled: dict[str, Writer]) -> Writer:
    """A function writing values of ``shape``: the model is walked once per shape, not per value."""
    key = shape.name
    if key in compiled:
        return compiled[key]
    # Recursive shapes refer to themselves: bind through the table, filled in below.
    compiled[key] = lambda out, value: compiled[key + "#"](out, value)
    kind = shape.type_name
    write: Writer
    if kind == "structure":
        fields = [(name, member.serialization.get("name", name), _writer(member, compiled))
                  for name, member in shape.members.items()]

        def write(out: list[str], value: Any) -> None:
            if not isinstance(value, Mapping):
                value = value.to_aws() if hasattr(value, "to_aws") else {}
            get = value.get
            for name, tag, inner in fields:
                item = get(name)
                if item is not None:
                    out.append(f"<{tag}>")
                    inner(out, item)
                    out.append(f"</{tag}>")
    elif kind == "list":
        member = shape.member
        tag = member.serialization.get("name", "member")
        inner = _writer(member, compiled)
        opening, closing = f"<{tag}>", f"</{tag}>"

        def write(out: list[str], value: Any) -> None:
            for item in value:
                out.append(opening)
                inner(out, item)
                out.append(closing)
    elif kind == "map":
        inner = _writer(shape.value, compiled)

        def write(out: list[str], value: Any) -> None:
            for key_, item in value.items():
                out.append("<entry><key>")
                out.append(_text(str(key_)))
                out.append("</key><value>")
                inner(out, item)
                out.append("</value></entry>")
    else:
        scalar = _SCALARS.get(kind, str)

        def write(out: list[str], value: Any) -> None:
            out.append(_text(scalar(value)))
    compiled[key + "#"] = write
    compiled[key] = write
    return write


@cache
def _output_writer(service: str, operation: str) -> Writer | None:
    op = find_operation(service, operation)
    shape = op.model.output_shape if op is not None else None
    return None if shape is None else _writer(shape, {})


def namespace(service: str) -> str:
    return str(service_model(service).metadata["xmlNamespace"])


def serialize(op: Operation, result: Mapping[str, Any] | None, request_id: str) -> bytes:
    """The XML response of ``op`` for ``result`` (a dict in the output shape)."""
    name = op.name
    out = [f'<{name}Response xmlns="{namespace(op.service)}">']
    write = _output_writer(op.service, op.name)
    if write is not None:
        wrapper = op.model.output_shape.serialization.get("resultWrapper", f"{name}Result")
        out.append(f"<{wrapper}>")
        write(out, result or {})
        out.append(f"</{wrapper}>")
    out.append(f"<ResponseMetadata><RequestId>{_text(request_id)}</RequestId></ResponseMetadata>")
    out.append(f"</{name}Response>")
    return "".join(out).encode("utf-8")


def serialize_error(service: str, error: ApiError, request_id: str) -> bytes:
    """IAM's ``<ErrorResponse>`` for ``error``."""
    side = "Sender" if error.sender and error.status < 500 else "Receiver"
    return (
        f'<ErrorResponse xmlns="{namespace(service)}"><Error><Type>{side}</Type>'
        f"<Code>{_text(error.code)}</Code><Message>{_text(error.message)}</Message></Error>"
        f"<RequestId>{_text(request_id)}</RequestId></ErrorResponse>"
    ).encode()
