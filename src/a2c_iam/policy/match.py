"""Wildcard matching of actions, resources, ARNs and strings, compiled once to regular expressions.

Every pattern is escaped before its wildcards are turned into regex syntax, so a ``.`` or a ``+``
in a resource name matches itself only (a plain ``replace("*", ".*")`` would not).

- Actions: case-insensitive; ``*`` any run of characters, ``?`` one character.
- Resources: case-sensitive and aware of the ARN's colon-separated segments. In the first five
  segments (``arn:partition:service:region:account``) a wildcard stays inside its segment,
  except a ``*`` that is the last character of a segment, which may run across the following
  colons (current AWS documentation). In the resource part (after the fifth colon) ``*`` matches
  anything, ``/`` and ``:`` included.
- ``StringLike``: case-sensitive, ``*`` and ``?`` anywhere.
- ``ArnLike``/``ArnEquals``: as resources, but each of the six segments is matched separately
  (no ``*`` runs across a colon before the resource part).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from .variables import Piece

Matcher = re.Pattern[str]


def _wild(text: str, star: str, qmark: str) -> str:
    out: list[str] = []
    for ch in text:
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(qmark)
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=65536)
def action_regex(pattern: str) -> Matcher:
    return re.compile(_wild(pattern, ".*", "."), re.IGNORECASE | re.DOTALL)


def is_wild(text: str) -> bool:
    return "*" in text or "?" in text


def _arn_regex_from_pieces(pieces: Sequence[Piece], span: bool = True) -> str:
    """A regex for an ARN pattern given as pieces (pattern text and literal text).

    ``span``: a ``*`` that ends one of the first five segments may run across colons (the
    Resource element); the ARN condition operators check each segment separately (no span).
    """
    chars = [(ch, is_pattern) for text, is_pattern in pieces for ch in text]
    out: list[str] = []
    colons = 0
    for i, (ch, is_pattern) in enumerate(chars):
        in_resource = colons >= 5
        if ch == ":" and not in_resource:
            colons += 1
            out.append(":")
        elif is_pattern and ch == "*":
            if in_resource:
                out.append(".*")
            else:
                last_of_segment = i + 1 == len(chars) or chars[i + 1][0] == ":"
                out.append(".*" if last_of_segment and span else "[^:]*")
        elif is_pattern and ch == "?":
            out.append("." if in_resource else "[^:]")
        else:
            out.append(re.escape(ch))
    return "".join(out)


@lru_cache(maxsize=65536)
def resource_regex(pattern: str) -> Matcher:
    return re.compile(_arn_regex_from_pieces(((pattern, True),)), re.DOTALL)


def resource_regex_pieces(pieces: Sequence[Piece], span: bool = True) -> Matcher:
    return _cached_pieces(tuple(pieces), span)


@lru_cache(maxsize=65536)
def _cached_pieces(pieces: tuple[Piece, ...], span: bool) -> Matcher:
    return re.compile(_arn_regex_from_pieces(pieces, span), re.DOTALL)


@lru_cache(maxsize=65536)
def string_like_regex(pieces: tuple[Piece, ...], ignore_case: bool = False) -> Matcher:
    body = "".join(_wild(t, ".*", ".") if p else re.escape(t) for t, p in pieces)
    return re.compile(body, re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def matches_resource(pattern: str, resource: str) -> bool:
    if pattern == "*":
        return True
    if not is_wild(pattern):
        return pattern == resource
    return resource_regex(pattern).fullmatch(resource) is not None


def matches_action(pattern: str, action: str) -> bool:
    if pattern == "*":
        return True
    if not is_wild(pattern):
        return pattern.lower() == action.lower()
    return action_regex(pattern).fullmatch(action) is not None
