"""The evaluation corpus: each case is an ``a2c-iam simulate`` input with its expected decision.

The cases were written from the IAM User Guide pages (each names its page in ``source``); they run
through the same entry point as the command (``Simulator``), so the contract is tested too.
``denied_by`` is compared as a set; ``statements``, when a case gives them, must all be among the
statements the engine reports.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from a2c_iam.policy.reference import reference_authorize
from a2c_iam.policy.simulate import Simulator, parse_input

CASES_DIR = Path(__file__).parent / "cases" / "evaluation"


def _load() -> list[dict[str, Any]]:
    cases = []
    for path in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            cases.append({**case, "_file": path.name})
    return cases


CASES = _load()
SIMULATOR = Simulator()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_evaluation_case(case: dict[str, Any]) -> None:
    got = SIMULATOR.run(case["input"])
    expect = case["expect"]
    assert got["decision"] == expect["decision"], (case["source"], got)
    assert set(got["denied_by"]) == set(expect.get("denied_by", [])), got
    for ref in expect.get("statements", []):
        assert ref in got["statements"], got


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_reference_agrees_on_the_corpus(case: dict[str, Any]) -> None:
    request, policy_set = parse_input(case["input"])
    assert reference_authorize(request, policy_set).as_json() == SIMULATOR.run(case["input"])


def test_corpus_size_and_balance() -> None:
    assert len(CASES) >= 300
    assert len({c["name"] for c in CASES}) == len(CASES)
    decisions = [c["expect"]["decision"] for c in CASES]
    for outcome in ("allowed", "explicitDeny", "implicitDeny"):
        assert decisions.count(outcome) >= 50, outcome


def test_every_case_names_its_page_and_a_valid_input() -> None:
    """Each case cites the page it was written from and is a complete ``simulate`` input."""
    for case in CASES:
        where = f"{case['_file']}:{case['name']}"
        page = case["source"].split("#", 1)[0]
        assert page.endswith(".md") and "/" not in page, where
        assert set(case) <= {"name", "source", "input", "expect", "note", "_file"}, where
        assert case["expect"]["decision"] in ("allowed", "explicitDeny", "implicitDeny"), where
        parse_input(case["input"])  # raises on an input that breaks the contract
