"""Lint findings as a SARIF 2.1.0 log, the format code-scanning tools (GitHub code scanning,
VS Code's SARIF viewer, Azure DevOps) load.

One run, one tool (``a2c-iam``) whose driver lists every rule of ``lint.RULES`` (so a viewer can
show the help of a code even when no finding has it), and one result per finding. Severities map
to SARIF levels as code scanning reads them: ``ERROR`` → ``error``, ``SECURITY_WARNING`` and
``WARNING`` → ``warning``, ``SUGGESTION`` → ``note``; security findings also carry the
``security`` tag and a ``security-severity`` score, which GitHub uses to grade security alerts.

Columns count code points (``columnKind: unicodeCodePoints``), as ``positions.py`` computes them.
Pure: the caller serialises the returned mapping.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePath
from typing import Any, Final
from urllib.parse import quote

from .lint import RULES, Finding, Severity

__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "artifact_uri", "to_sarif"]

SARIF_VERSION: Final = "2.1.0"
SARIF_SCHEMA: Final = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVEL: Final = {
    Severity.ERROR: "error",
    Severity.SECURITY_WARNING: "warning",
    Severity.WARNING: "warning",
    Severity.SUGGESTION: "note",
}
#: GitHub's ``security-severity`` (a CVSS-like score): 7.0 and above is "high".
_SECURITY_SCORE: Final = {Severity.SECURITY_WARNING: "7.5"}
_RULE_IDS: Final = tuple(RULES)
_RULE_INDEX: Final = {code: i for i, code in enumerate(_RULE_IDS)}


def artifact_uri(file: str) -> str:
    """A URI reference for a file as the user named it: relative paths stay relative (SARIF
    resolves them against the checkout), ``-`` is ``stdin``."""
    if not file or file == "-":
        return "stdin"
    path = PurePath(file)
    text = path.as_posix()
    if path.is_absolute():
        return "file://" + quote(text if text.startswith("/") else "/" + text)
    return quote(text)


def _rule(code: str) -> dict[str, Any]:
    rule = RULES[code]
    properties: dict[str, Any] = {"tags": _tags(rule.severity)}
    if rule.severity in _SECURITY_SCORE:
        properties["security-severity"] = _SECURITY_SCORE[rule.severity]
    return {
        "id": code,
        "name": "".join(part.capitalize() for part in code.split("_")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help},
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": properties,
    }


def _tags(severity: Severity) -> list[str]:
    tags = ["iam-policy"]
    if severity is Severity.SECURITY_WARNING:
        tags.append("security")
    return tags


def _result(finding: Finding) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(finding.file)}}
    if finding.line is not None:
        region: dict[str, int] = {"startLine": finding.line}
        if finding.column is not None:
            region["startColumn"] = finding.column
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.path:
        location["logicalLocations"] = [{"fullyQualifiedName": finding.path, "kind": "element"}]
    properties: dict[str, Any] = {"severity": finding.severity.value, "path": finding.path}
    if finding.statement is not None:
        properties["statement"] = finding.statement
    if finding.sid is not None:
        properties["sid"] = finding.sid
    return {
        "ruleId": finding.code,
        "ruleIndex": _RULE_INDEX[finding.code],
        "level": _LEVEL[finding.severity],
        "message": {"text": finding.message},
        "locations": [location],
        "properties": properties,
    }


def to_sarif(findings: Iterable[Finding], *, version: str = "") -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run holding ``findings``; ``version`` is the tool's."""
    driver: dict[str, Any] = {
        "name": "a2c-iam",
        "rules": [_rule(code) for code in _RULE_IDS],
    }
    if version:
        driver["version"] = version
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "columnKind": "unicodeCodePoints",
                "results": [_result(f) for f in findings],
            }
        ],
    }
