"""The audit report as text for a terminal and as JSON for tools (HTML is in ``html.py``)."""

from __future__ import annotations

import json
from typing import Any

from .checks import AuditReport
from .findings import Severity

__all__ = ["as_json", "as_text"]


def as_json(report: AuditReport) -> dict[str, Any]:
    acct = report.account
    out: dict[str, Any] = {
        "account": acct.account_id,
        "source": acct.source,
        "counts": {"users": len(acct.users), "groups": len(acct.groups),
                   "roles": len(acct.roles), "policies": len(acct.policies)},
        "summary": report.counts(),
        "personas": {"general_group": report.general_group,
                     "deploy_identities": list(report.deploy_identities)},
        "findings": [f.as_json() for f in report.findings],
        "timings": {k: round(v, 4) for k, v in report.timings.items()},
        "notes": list(report.notes),
    }
    matrix = report.matrix
    if matrix is not None:
        out["commands"] = {
            "commands": [{"command": c.command, "persona": str(c.persona),
                          "needs": len(c.needs)} for c in matrix.commands],
            "rows": [{"principal": r.principal, "label": r.label, "allowed": r.allowed,
                      "missing": {c: [list(n) for n in m] for c, m in r.missing.items()}}
                     for r in matrix.rows],
        }
    return out


def as_json_text(report: AuditReport) -> str:
    return json.dumps(as_json(report), indent=2)


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]
    return out


def as_text(report: AuditReport, max_rows: int = 40) -> str:
    acct = report.account
    counts = report.counts()
    lines = [
        f"a2c-iam audit of account {acct.account_id} ({acct.source or 'input'}): "
        f"{len(acct.users)} users, {len(acct.groups)} groups, {len(acct.roles)} roles, "
        f"{len(acct.policies)} managed policies",
        "findings: " + ", ".join(f"{counts[s.value]} {s.value}" for s in Severity),
        f"general-purpose group: {report.general_group or '(none found)'}; deployment "
        f"identity: {', '.join(report.deploy_identities) or '(none found)'}",
        "",
    ]
    by_code: dict[tuple[str, str], list[Any]] = {}
    for f in report.findings:
        by_code.setdefault((f.code, f.severity.value), []).append(f)
    for (code, _), items in by_code.items():
        check = items[0].check
        sev = items[0].severity.value.upper()
        lines.append(f"[{sev}] {code} — {check.title} ({len(items)})")
        for f in items[:max_rows]:
            lines.append(f"  - {f.message}")
        if len(items) > max_rows:
            lines.append(f"  … and {len(items) - max_rows} more (--format json lists all)")
        lines.append(f"  fix: {check.fix}")
        lines.append("")
    matrix = report.matrix
    if matrix is not None:
        commands = [c.command for c in matrix.commands]
        lines.append(f"App2Container commands by principal ({len(matrix.rows)} principal(s) "
                     "in scope; Y = can run)")
        head = ["principal"] + [f"{i + 1}" for i in range(len(commands))]
        rows = [[r.label] + ["Y" if r.allowed.get(c) else "." for c in commands]
                for r in matrix.rows[:max_rows]]
        lines += _table(head, rows)
        if len(matrix.rows) > max_rows:
            lines.append(f"… and {len(matrix.rows) - max_rows} more principals")
        lines += [f"  {i + 1}: {c}" for i, c in enumerate(commands)]
    for note in report.notes:
        lines.append(f"note: {note}")
    return "\n".join(lines).rstrip() + "\n"
