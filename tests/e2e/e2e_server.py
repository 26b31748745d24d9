"""What the end-to-end tests share: the running server and clients for it (see conftest.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

from a2c_iam.api.app import Clock
from a2c_iam.identity.service import IdentityService

ACCOUNT = "111122223333"


@dataclass
class Served:
    url: str
    account: str
    root_key: tuple[str, str]
    svc: IdentityService
    clock: Clock
    home: Path

    def client(self, service: str = "iam", key: tuple[str, ...] | None = None,
               region: str = "us-east-1") -> Any:
        key_id, secret, *token = key or self.root_key
        return boto3.client(service, endpoint_url=self.url, region_name=region,
                            aws_access_key_id=key_id, aws_secret_access_key=secret,
                            aws_session_token=token[0] if token else None,
                            config=Config(retries={"max_attempts": 1}))

    def cli_env(self, key: tuple[str, ...] | None = None) -> dict[str, str]:
        key_id, secret, *token = key or self.root_key
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID=key_id, AWS_SECRET_ACCESS_KEY=secret,
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=str(self.home / "config"),
                   AWS_SHARED_CREDENTIALS_FILE=str(self.home / "credentials"),
                   AWS_PAGER="", AWS_MAX_ATTEMPTS="1")
        if token:
            env["AWS_SESSION_TOKEN"] = token[0]
        return env
