"""Policy variables: ``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``, ``${*}``, ``${?}``, ``${$}``.

A value substituted from the request is literal text: a ``*`` inside a user name does not act as
a wildcard. So substitution does not return a string but a list of pieces, each either pattern
text from the policy (wildcards live) or literal text from the request (wildcards dead). The
matchers in ``match.py`` compile such piece lists.

Variables are only substituted in documents of version 2012-10-17, and only in the places AWS
allows (Resource, NotResource, and condition values); elsewhere ``${...}`` is plain text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from .request import ContextValue

#: ``(text, is_pattern)``: pattern pieces keep their wildcards, literal pieces do not.
Piece = tuple[str, bool]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")
_SPECIAL = {"*": "*", "?": "?", "$": "$"}


def has_variables(text: str) -> bool:
    return "${" in text and _VARIABLE.search(text) is not None


def lookup(context: Mapping[str, ContextValue], key: str) -> str | None:
    """The single string value of ``key`` (already lower-cased context), or None.

    A multi-valued key cannot be a variable: it is treated as missing.
    """
    value = context.get(key.lower())
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    return None


def substitute(text: str, context: Mapping[str, ContextValue]) -> list[Piece] | None:
    """The pieces of ``text`` with its variables replaced; None when a variable has no value.

    ``context`` must have lower-cased keys (condition keys are case-insensitive).
    """
    pieces: list[Piece] = []
    pos = 0
    for m in _VARIABLE.finditer(text):
        if m.start() > pos:
            pieces.append((text[pos : m.start()], True))
        inner = m.group(1)
        if inner in _SPECIAL:
            pieces.append((_SPECIAL[inner], False))
        else:
            default: str | None = None
            key = inner.strip()
            d = _DEFAULT.match(inner)
            if d is not None:
                key, default = d.group(1), d.group(2)
            value = lookup(context, key)
            if value is None:
                value = default
            if value is None:
                return None
            pieces.append((value, False))
        pos = m.end()
    if pos < len(text):
        pieces.append((text[pos:], True))
    return pieces


def literal(pieces: Sequence[Piece]) -> str:
    """The pieces as plain text (for operators without wildcards)."""
    return "".join(text for text, _ in pieces)
