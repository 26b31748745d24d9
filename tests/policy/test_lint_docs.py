"""``docs/lint.md`` matches the code: every code of ``RULES`` has its table row and section, with
the rule's severity, title and help, and the section's example, linted, gives the finding the
page says it gives (code, path and message). A code added, regraded or reworded without the
page, or an example that no longer raises its finding, fails here."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from a2c_iam.policy.lint import RULES, lint_policy

DOCS = (Path(__file__).resolve().parents[2] / "docs" / "lint.md").read_text(encoding="utf-8")

_SECTION = re.compile(r"^### ([A-Z_]+)\n(.*?)(?=^### |\Z)", re.MULTILINE | re.DOTALL)
_EXAMPLE = re.compile(r"Example \(([a-z-]+) policy\):\n\n```json\n(.*?)\n```\n\ngives `([^`]*)`: ([^\n]*)\n",
                      re.DOTALL)
SECTIONS = {m.group(1): m.group(2) for m in _SECTION.finditer(DOCS)}


def test_the_page_lists_exactly_the_codes() -> None:
    assert list(SECTIONS) == list(RULES)
    rows = re.findall(r"^\| \[`([A-Z_]+)`\]\(#([a-z_]+)\) \| ([A-Z_]+) \| (.*) \|$", DOCS, re.MULTILINE)
    assert [code for code, *_ in rows] == list(RULES)
    for code, anchor, severity, title in rows:
        rule = RULES[code]
        assert (anchor, severity, title) == (code.lower(), rule.severity.value, rule.title), code


@pytest.mark.parametrize("code", list(RULES))
def test_each_section_states_the_rule_and_its_example_raises_it(code: str) -> None:
    section = SECTIONS[code]
    rule = RULES[code]
    assert section.lstrip().startswith(f"{rule.severity.value}. {rule.help}\n"), code
    example = _EXAMPLE.search(section)
    if code == "INVALID_POLICY":
        assert example is None and "No document raises it" in section
        return
    if code == "POLICY_SIZE_EXCEEDED":  # described, not printed: a 7,000-character document
        size = int(re.search(r"of (\d+) characters", section).group(1))  # type: ignore[union-attr]
        def doc_of(count: int) -> str:
            resources = [f"arn:aws:s3:::bucket-{n:06d}/*" for n in range(count)]
            return json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resources}]},
                separators=(",", ":"))

        per = len(doc_of(2)) - len(doc_of(1))  # every resource has the same length
        doc = doc_of(1 + (size - len(doc_of(1))) // per)
        assert len(doc) <= size < len(doc) + per
        kind, path, message = "identity", *re.search(  # type: ignore[union-attr]
            r"gives `([^`]*)`: ([^\n]*)\n", section).groups()
        text = doc
    else:
        assert example is not None, f"{code}: no example in docs/lint.md"
        kind, text, path, message = example.groups()
    found = [(f.path or "(document)", f.message) for f in lint_policy(text, kind) if f.code == code]
    assert (path, message) in found, (code, found)
