"""The README's App2Container permissions walk-through (``a2c policy``, ``commands``, ``check``),
run verbatim.

The section under :data:`HEADING` holds one ``bash`` block; it runs in ``bash -euo pipefail`` in
a temporary directory, with no AWS setting of this machine's (it needs none: nothing here talks
to an endpoint).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from a2c_iam.policy import validate_document
from readme_shell import clean_env, run_block, section_blocks

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## App2Container permissions"


def kit_blocks(readme: str) -> list[str]:
    return section_blocks(readme, HEADING)


def check_kit_walkthrough(readme: str, home: Path) -> None:
    """Run the section's block in ``home`` and assert what the text around it says."""
    (block,) = kit_blocks(readme)
    done = run_block(block, home, clean_env(home))
    assert done.returncode == 0, done.stdout + done.stderr
    general = (home / "general.json").read_text(encoding="utf-8")
    validate_document(general)
    assert "us-east-1" not in general and "your account" not in general
    # the deploy persona is the seed's AdministratorAccess, shown with the seed's warning
    assert "arn:aws:iam::aws:policy/AdministratorAccess" in done.stdout
    assert "full access to AWS" in done.stderr
    # check: every command allowed but those with --deploy, and what those miss is listed
    rows = [line.split() for line in done.stdout.splitlines()
            if line.split()[-1:] == ["allowed"] or "denied:" in line]
    assert rows
    for row in rows:
        assert ("--deploy" in row) is ("denied:" in row), row
    assert "--deploy: missing cloudformation:CreateStack on arn:aws:cloudformation:" in done.stdout


def test_kit_walkthrough_runs_verbatim(tmp_path: Path) -> None:
    readme = README.read_text(encoding="utf-8")
    if HEADING + "\n" not in readme:
        pytest.skip(f"README.md has no section '{HEADING}' yet (the issue-5 report holds its text)")
    check_kit_walkthrough(readme, tmp_path)

