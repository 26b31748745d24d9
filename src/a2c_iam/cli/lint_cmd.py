"""``a2c-iam lint FILE... [--type KIND] [--format text|json|sarif] [--fail-on LEVEL]``.

Exit status: 0 when no finding is at or above ``--fail-on`` (default ``ERROR``), 1 when one is,
2 when an input cannot be read (nothing is linted then, so a CI run never passes on a file it
did not see). Every input is read before any is linted.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .io import POLICY_KINDS, out, read_text

if TYPE_CHECKING:
    from ..policy.lint import Finding

_SEVERITIES = ("ERROR", "SECURITY_WARNING", "WARNING", "SUGGESTION")


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "lint",
        help="list every problem of policy documents, graded and located",
        description="Check policy documents against IAM's validation and the catalog of AWS "
        "actions, resources and condition keys, and report every finding with a stable code, a "
        "severity, a message and a location. Codes: docs/lint.md.",
    )
    p.add_argument("files", nargs="+", metavar="FILE",
                   help="policy documents (JSON); - reads standard input")
    p.add_argument("--type", dest="kind", default="identity", choices=POLICY_KINDS,
                   help="where the documents are used (default: identity)")
    p.add_argument("--format", dest="fmt", default="text", choices=("text", "json", "sarif"),
                   help="text (default), a JSON array of findings, or SARIF 2.1.0")
    p.add_argument("--fail-on", default="ERROR", type=str.upper, choices=_SEVERITIES,
                   metavar="LEVEL",
                   help="exit 1 when a finding is at least this severe: ERROR (default), "
                   "SECURITY_WARNING, WARNING or SUGGESTION")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import json

    from .. import __version__
    from ..policy.lint import Severity, lint_policy, severity_at_least

    texts = [(name, read_text(name)) for name in args.files]
    findings: list[Finding] = []
    for name, text in texts:
        findings.extend(lint_policy(text, args.kind, file=name))
    if args.fmt == "json":
        out(json.dumps([f.to_dict() for f in findings], indent=2))
    elif args.fmt == "sarif":
        from ..policy.lint_sarif import to_sarif

        out(json.dumps(to_sarif(findings, version=__version__), indent=2))
    else:
        for f in findings:
            out(_text(f))
        if findings:
            counts = {s: sum(f.severity is s for f in findings) for s in Severity}
            summary = ", ".join(f"{n} {s.value}" for s, n in counts.items() if n)
            out(f"{len(findings)} finding{'s' if len(findings) != 1 else ''} ({summary})")
    threshold = Severity(args.fail_on)
    return 1 if any(severity_at_least(f.severity, threshold) for f in findings) else 0


def _text(f: Finding) -> str:
    """``file:line:column: SEVERITY CODE message [path (Sid)]``: the compiler form editors read."""
    where = f"{f.file or '-'}:{f.line or 1}:{f.column or 1}"
    context = f.path or "document"
    if f.sid:
        context += f' (Sid "{f.sid}")'
    return f"{where}: {f.severity.value} {f.code} {f.message} [{context}]"
