"""Fixtures of the App2Container kit's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(params=["ecs", "eks", "apprunner"])
def target(request: pytest.FixtureRequest) -> str:
    return str(request.param)
