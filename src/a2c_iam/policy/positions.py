"""Where an element of a policy document is in its source text: JSON path → (line, column).

Validation errors and model elements name the element they concern by a JSON path
(``Statement[2].Action[1]``, ``Statement.Condition.StringEquals.aws:username``: the same
spelling as ``validate.statements_of`` and ``parse``). Lint reports findings at a line and a
column, so it needs the inverse of ``json.loads``: where each path starts. The standard library
parser throws positions away, so this module scans the text once with one tokenising regular
expression and records, for every object member, the position of its key and, for every array
element, the position of the element.

The scan is tolerant: on text that is not valid JSON it records what it could before the
damage, and lookups fall back to the nearest enclosing element that was recorded. It also
records keys that occur twice in one object (JSON that IAM refuses as a syntax error) so that
such an error can point at the second occurrence.

Lines and columns are 1-based; a column counts characters (code points) from the start of its
line, which is what SARIF calls ``unicodeCodePoints``.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

__all__ = ["PositionIndex", "index_positions", "parent_path"]

_TOKEN = re.compile(r'("[^"\\]*(?:\\.[^"\\]*)*"?)|([{\[])|([}\]])|(,)|(:)|([^\s{}\[\]:,"]+)', re.DOTALL)
_NEWLINE = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True, slots=True)
class PositionIndex:
    """Offsets of the elements of one document; build with :func:`index_positions`."""

    offsets: dict[str, int]
    line_starts: tuple[int, ...]
    #: ``(path, offset)`` of object members whose key already occurred in the same object.
    duplicates: tuple[tuple[str, int], ...]

    def line_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        line = bisect.bisect_right(self.line_starts, offset) - 1
        return line + 1, offset - self.line_starts[line] + 1

    def locate(self, path: str) -> tuple[int, int]:
        """Line and column of ``path``, or of its nearest recorded ancestor (the document's start
        for the empty path or when nothing was recorded)."""
        current = path
        while True:
            offset = self.offsets.get(current)
            if offset is not None:
                return self.line_column(offset)
            if not current:
                return 1, 1
            current = parent_path(current)


def parent_path(path: str) -> str:
    """``Statement[2].Action[1]`` → ``Statement[2].Action`` → ``Statement[2]`` → ``Statement`` → ``""``."""
    if path.endswith("]"):
        cut = path.rfind("[")
        if cut > 0:
            return path[:cut]
    cut = path.rfind(".")
    return path[:cut] if cut > 0 else ""


def _key_text(token: str) -> str | None:
    if len(token) >= 2 and token[-1] == '"' and "\\" not in token:
        return token[1:-1]
    try:
        value = json.loads(token)
    except ValueError:
        return None
    return value if isinstance(value, str) else None


# Token kinds: the group of _TOKEN that matched.
_STRING, _OPEN, _CLOSE, _COMMA, _COLON = 1, 2, 3, 4, 5


def index_positions(text: str) -> PositionIndex:
    """Scan ``text`` once and record where each member and element of the document starts."""
    starts = [0]
    starts.extend(m.end() for m in _NEWLINE.finditer(text))
    offsets: dict[str, int] = {"": 0}
    duplicates: list[tuple[str, int]] = []
    # One frame per open container: [is_object, path, next array index, pending member path,
    # keys seen]. A list per frame is the cheapest mutable record here.
    stack: list[list[Any]] = []
    top: list[Any] | None = None
    expect_key = False
    for m in _TOKEN.finditer(text):
        kind = m.lastindex
        if kind == _COLON:
            continue
        if kind == _COMMA:
            expect_key = top is not None and top[0]
            continue
        if kind == _CLOSE:
            if stack:
                stack.pop()
            top = stack[-1] if stack else None
            expect_key = False
            continue
        offset = m.start()
        if expect_key and top is not None:
            expect_key = False
            key = _key_text(m.group())
            if key is None:
                break
            here = f"{top[1]}.{key}" if top[1] else key
            seen = top[4]
            if key in seen:
                duplicates.append((here, offset))
            else:
                seen.add(key)
                offsets[here] = offset
            top[3] = here
            continue
        if top is None:
            here = ""
        elif top[0]:
            here = top[3] or ""
            top[3] = None
        else:
            here = f"{top[1]}[{top[2]}]"
            top[2] += 1
            offsets.setdefault(here, offset)
        if kind == _OPEN:
            is_object = m.group() == "{"
            top = [is_object, here, 0, None, set()]
            stack.append(top)
            expect_key = is_object
    return PositionIndex(offsets, tuple(starts), tuple(duplicates))
