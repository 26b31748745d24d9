"""Session fixtures: the two hand-written accounts, audited once."""

from __future__ import annotations

import pytest
from audit_helpers import audit, load

from a2c_iam.audit import AuditReport


@pytest.fixture(scope="session")
def risky() -> AuditReport:
    return audit(load("risky"))


@pytest.fixture(scope="session")
def tidy() -> AuditReport:
    return audit(load("tidy"))
