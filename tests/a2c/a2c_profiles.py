"""Choice profiles and seed data shared by the App2Container kit's tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from a2c_iam.a2c.choices import Choices

DATA = Path(__file__).parent / "data"
ACCOUNT = "111122223333"
REGION = "eu-west-1"


def seed_policy(name: str) -> dict[str, Any]:
    """A published example policy of the seed, exactly as printed (placeholders and all)."""
    return json.loads((DATA / f"seed-{name}.json").read_text(encoding="utf-8"))


def all_on(target: str, **overrides: Any) -> Choices:
    """Every choice that turns a section on, for ``target`` (FireLens only exists for ECS, a VPC
    of one's own not for App Runner, and the seed's App Runner policy has no S3 sections)."""
    values: dict[str, Any] = {
        "target": target,
        "account": ACCOUNT,
        "region": REGION,
        "bucket": None if target == "apprunner" else "example-a2c-artifacts",
        "firelens": ["cloudwatch", "firehose", "kinesis"] if target == "ecs" else [],
        "pipelines": ["codecommit", "jenkins", "azure-devops"],
        "remote": True,
        "metrics": True,
        "support_bundle": True,
        "byo_vpc": target != "apprunner",
    }
    values.update(overrides)
    return Choices(**values)


