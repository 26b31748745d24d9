"""Policy documents for the identity tests, written as Python: ``doc(allow("s3:GetObject"))``.

Shared by the tests that build many small documents (authorisation, simulation, resolution, STS),
so that a statement reads the same in each of them.
"""

from __future__ import annotations

import json
from typing import Any


def doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(*actions: str, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), "Resource": resource, **extra}


def deny(*actions: str, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": list(actions), "Resource": resource, **extra}
