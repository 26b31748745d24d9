"""Reading inputs and writing outputs for the commands."""

from __future__ import annotations

import sys

#: ``PolicyKind``'s values, written out so that ``--help`` does not import the policy layer
#: (a test holds the two equal).
POLICY_KINDS = ("identity", "resource", "trust", "scp", "rcp", "session", "permissions-boundary")


class InputError(Exception):
    """An input the command cannot use (missing file, not JSON); exit status 2."""


def read_text(path: str) -> str:
    """The text of ``path``, or of standard input for ``-``, read as UTF-8 whatever the locale:
    bytes that are not UTF-8 are an input error (exit 2), never a traceback."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream put in its place (tests, embedding)
            return sys.stdin.read()
        try:
            return bytes(stream.read()).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("cannot read standard input: not UTF-8 text") from exc
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"cannot read {path}: not UTF-8 text") from exc


def read_bytes(path: str) -> bytes:
    """The bytes of ``path``, or of standard input for ``-`` (for inputs whose decoding is the
    callee's business, such as a policy document: invalid UTF-8 is IAM's syntax error there)."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from exc


def out(text: str) -> None:
    """Print without failing on text the terminal cannot encode (user input is echoed in errors).

    Standard output is block-buffered on a pipe or file: what must be seen before a long-running
    command goes on (a root secret printed before ``serve`` starts serving, which a killed
    server would otherwise lose for good) is followed by ``sys.stdout.flush()``."""
    sys.stdout.write(text.encode("utf-8", "backslashreplace").decode("utf-8") + "\n")


def err(text: str) -> None:
    sys.stderr.write(text.encode("utf-8", "backslashreplace").decode("utf-8") + "\n")
