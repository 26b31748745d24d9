"""Wildcard matching of actions, resources, ARNs and strings, compiled once.

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

Matching time is linear in the text for each piece of a pattern, whoever writes the pattern and
the text (``SimulateCustomPolicy`` lets a caller choose both). A plain translation of ``a*a*a*b``
to ``a.*a.*a.*b`` backtracks through every way of placing the stars (seconds for a few hundred
characters); here every star but the last takes the shortest run up to the text that follows it
and commits to it (an atomic group). For a glob that placement is always a valid one: the
leftmost occurrence of the text after a star leaves the most room for the rest. It is not valid
for a ``*`` that ends an ARN segment and so may run across colons into later segments, so an ARN
pattern with such a star is matched segment by segment over the text's colons instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

from .variables import Piece


class Matcher(Protocol):
    """What a compiled pattern offers: ``re.Pattern``'s ``fullmatch``, None when it fails."""

    def fullmatch(self, text: str) -> object | None: ...


_STAR = None  # a star in a token list; every other token is a regex fragment of fixed width


def _glob_regex(tokens: Sequence[str | None], star: str = ".") -> str:
    """The regex of a glob: every star but the last is atomic and lazy (see the module doc)."""
    stars = [i for i, t in enumerate(tokens) if t is _STAR]
    if not stars:
        return "".join(t for t in tokens if t is not None)
    out = ["".join(t for t in tokens[: stars[0]] if t is not None)]
    for n, i in enumerate(stars):
        end = stars[n + 1] if n + 1 < len(stars) else len(tokens)
        run = "".join(t for t in tokens[i + 1 : end] if t is not None)
        out.append(f"(?>{star}*?{run})" if n + 1 < len(stars) else f"{star}*{run}")
    return "".join(out)


def _glob_tokens(text: str, any_one: str = ".") -> list[str | None]:
    return [_STAR if ch == "*" else any_one if ch == "?" else re.escape(ch) for ch in text]


def _piece_tokens(pieces: Sequence[Piece]) -> list[str | None]:
    tokens: list[str | None] = []
    for text, is_pattern in pieces:
        tokens.extend(_glob_tokens(text) if is_pattern else [re.escape(ch) for ch in text])
    return tokens


@lru_cache(maxsize=65536)
def action_regex(pattern: str) -> re.Pattern[str]:
    return re.compile(_glob_regex(_glob_tokens(pattern)), re.IGNORECASE | re.DOTALL)


def is_wild(text: str) -> bool:
    return "*" in text or "?" in text


@lru_cache(maxsize=65536)
def string_like_regex(pieces: tuple[Piece, ...], ignore_case: bool = False) -> re.Pattern[str]:
    return re.compile(_glob_regex(_piece_tokens(pieces)),
                      re.DOTALL | (re.IGNORECASE if ignore_case else 0))


class _Segment:
    """One of the first five segments of an ARN pattern, matched against one segment of the
    text; ``spans``: it ends in a ``*`` that may run on across colons."""

    __slots__ = ("glob", "spans")

    def __init__(self, tokens: list[str | None], spans: bool) -> None:
        self.glob = re.compile(_glob_regex(tokens), re.DOTALL)
        self.spans = spans


class _SegmentedArn:
    """An ARN pattern with a segment-spanning ``*``, matched over the text's colons: the set of
    segments of the text where the next segment of the pattern may start, one pattern segment
    at a time (at most one state per colon of the text, so no blow-up)."""

    __slots__ = ("rest", "segments")

    def __init__(self, segments: list[_Segment], rest: re.Pattern[str] | None) -> None:
        self.segments = segments
        self.rest = rest  # the resource part, when the pattern has five colons

    def fullmatch(self, text: str) -> bool | None:
        chunks = text.split(":")
        starts = [0]  # offset in text of each chunk
        for chunk in chunks[:-1]:
            starts.append(starts[-1] + len(chunk) + 1)
        last = len(chunks) - 1
        states: Sequence[int] = (0,)  # ascending
        final = len(self.segments) - 1
        for k, segment in enumerate(self.segments):
            followed = self.rest is not None or k < final  # by a colon of the pattern
            fits = [j for j in states if segment.glob.fullmatch(chunks[j]) is not None]
            if not fits:
                return None
            if not followed:
                return True if segment.spans or fits[-1] == last else None
            if segment.spans:  # on from the first segment it fits, to any later one
                states = range(fits[0] + 1, last + 1)
            else:
                states = [j + 1 for j in fits if j < last]
            if not states:
                return None
        rest = self.rest
        if rest is None:
            return None
        return True if any(rest.fullmatch(text, starts[j]) for j in states) else None


def _arn_matcher(pieces: Sequence[Piece], span: bool) -> Matcher:
    """An ARN pattern given as pieces (pattern text and literal text).

    ``span``: a ``*`` that ends one of the first five segments may run across colons (the
    Resource element); the ARN condition operators check each segment separately (no span).
    Every colon before the resource part separates segments, a substituted one too.
    """
    chars = [(ch, is_pattern) for text, is_pattern in pieces for ch in text]
    segments: list[list[tuple[str, bool]]] = [[]]
    rest: list[tuple[str, bool]] | None = None
    for ch, is_pattern in chars:
        if rest is not None:
            rest.append((ch, is_pattern))
        elif ch == ":":
            if len(segments) == 5:
                rest = []
            else:
                segments.append([])
        else:
            segments[-1].append((ch, is_pattern))

    def tokens(part: list[tuple[str, bool]], any_one: str) -> list[str | None]:
        return [_STAR if live and ch == "*" else any_one if live and ch == "?" else re.escape(ch)
                for ch, live in part]

    spans = [span and bool(seg) and seg[-1] == ("*", True) for seg in segments]
    rest_tokens = None if rest is None else tokens(rest, ".")
    if not any(spans):
        # Each segment's stars stay in it, so the whole pattern is one glob-like regex.
        joined: list[str | None] = []
        for n, seg in enumerate(segments):
            if n:
                joined.append(":")
            joined.extend(tokens(seg, "[^:]"))
        whole = _glob_regex(joined, "[^:]")
        if rest_tokens is not None:
            whole += ":" + _glob_regex(rest_tokens)
        return re.compile(whole, re.DOTALL)
    compiled = [_Segment(tokens(seg, "."), spans[n]) for n, seg in enumerate(segments)]
    return _SegmentedArn(compiled, None if rest_tokens is None
                         else re.compile(_glob_regex(rest_tokens), re.DOTALL))


@lru_cache(maxsize=65536)
def resource_regex(pattern: str) -> Matcher:
    return _arn_matcher(((pattern, True),), True)


def resource_regex_pieces(pieces: Sequence[Piece], span: bool = True) -> Matcher:
    return _cached_pieces(tuple(pieces), span)


@lru_cache(maxsize=65536)
def _cached_pieces(pieces: tuple[Piece, ...], span: bool) -> Matcher:
    return _arn_matcher(pieces, span)


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
