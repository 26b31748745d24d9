"""docs/operations.md names exactly the operations the server answers, and nothing it does not.

The list is what users read to know whether a call will work or answer ``NotImplemented``, so it
is checked against the service itself: every IAM and STS operation of botocore's models that the
identity service implements, per section.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from a2c_iam.identity import IdentityService, awsmodel

DOC = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
_NAME = re.compile(r"`([A-Z][A-Za-z0-9]+)`")


def documented() -> dict[str, set[str]]:
    """Backticked operation names in the bullets of the ``## IAM`` / ``## STS`` sections (the
    paragraphs after them name what is not implemented)."""
    out: dict[str, set[str]] = {}
    section: str | None = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            heading = line[3:].split()[0].lower()
            section = heading if heading in ("iam", "sts") else None
            continue
        if section is not None and line.startswith(("- ", "  ")):  # a bullet and its lines
            out.setdefault(section, set()).update(_NAME.findall(line))
    return out


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> IdentityService:
    home = tmp_path_factory.mktemp("ops")
    return IdentityService.open(f"sqlite:///{home / 'store.db'}", key_file=home / "key")


@pytest.mark.parametrize("name", ["iam", "sts"])
def test_the_documented_operations_are_the_implemented_ones(service: IdentityService,
                                                            name: str) -> None:
    implemented = set(service.operation_names(name))
    listed = documented()[name]
    modelled = set(awsmodel.service_model(name)["operations"])
    assert listed <= modelled, sorted(listed - modelled)  # no typos, no invented names
    assert sorted(implemented - listed) == [], "implemented but not in docs/operations.md"
    assert sorted(listed - implemented) == [], "in docs/operations.md but not implemented"
