"""The credential report over the wire: boto3 and the aws CLI generate and read it, and the
project's own audit of the live endpoint (``a2c-iam audit --endpoint-url``) reads its key, password
and MFA data from it."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError
from e2e_server import Served

from a2c_iam.audit.sources import from_endpoint
from a2c_iam.cli.main import main
from a2c_iam.identity import reports

#: The columns are checked against AWS's list in tests/identity/test_credential_report.py.
HEADER = ",".join(reports.COLUMNS)


@pytest.fixture
def own(served: Served) -> tuple[str, tuple[str, str]]:
    """An account of its own (the report lists every user of the account): id and root key."""
    new = served.svc.create_account()
    return new.account_id, (new.access_key_id, new.secret.get_secret_value())


def rows(content: bytes) -> dict[str, dict[str, str]]:
    return {r["user"]: r for r in csv.DictReader(io.StringIO(content.decode("utf-8")))}


def test_boto3_generates_and_reads_the_report(served: Served,
                                              own: tuple[str, tuple[str, str]]) -> None:
    account, key = own
    iam = served.client(key=key)
    with pytest.raises(ClientError) as exc:
        iam.get_credential_report()
    response: Any = exc.value.response
    assert (response["ResponseMetadata"]["HTTPStatusCode"], response["Error"]["Code"],
            response["Error"]["Message"]) == (410, "ReportNotPresent",
                                              "Credential report not present")
    assert iam.exceptions.CredentialReportNotPresentException is type(exc.value)

    iam.create_user(UserName="wire-user")
    made = iam.create_access_key(UserName="wire-user")["AccessKey"]
    generated = iam.generate_credential_report()
    assert generated["State"] == "COMPLETE" and "Description" not in generated
    got = iam.get_credential_report()
    assert isinstance(got["Content"], bytes) and got["ReportFormat"] == "text/csv"
    assert abs(got["GeneratedTime"] - datetime.now(UTC)) < timedelta(minutes=1)
    assert got["Content"].decode().split("\n")[0] == HEADER
    report = rows(got["Content"])
    assert list(report) == ["<root_account>", "wire-user"]
    assert report["<root_account>"]["arn"] == f"arn:aws:iam::{account}:root"
    user = report["wire-user"]
    assert (user["arn"], user["access_key_1_active"], user["access_key_2_active"]) == (
        f"arn:aws:iam::{account}:user/wire-user", "true", "false")
    assert made["SecretAccessKey"] not in got["Content"].decode()


def test_the_aws_cli_reads_the_report(served: Served, own: tuple[str, tuple[str, str]]) -> None:
    def aws(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["aws", "--endpoint-url", served.url, "iam", *args],
                              env=served.cli_env(own[1]), capture_output=True, text=True,
                              timeout=60, check=False)

    started = aws("generate-credential-report", "--output", "json")
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout) == {"State": "COMPLETE"}
    got = aws("get-credential-report", "--query", "Content", "--output", "text")
    assert got.returncode == 0, got.stderr
    text = base64.b64decode(got.stdout.strip()).decode()  # the user guide's `| base64 -d`
    assert text.startswith(HEADER + "\n<root_account>,")


def test_the_audit_of_the_live_endpoint_reads_the_report(
        served: Served, own: tuple[str, tuple[str, str]], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    account, key = own
    iam = served.client(key=key)
    iam.create_user(UserName="two-keys")
    for _ in range(2):
        iam.create_access_key(UserName="two-keys")
    iam.create_user(UserName="console")
    iam.create_login_profile(UserName="console", Password="Corr3ct-Horse-battery")

    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", key[0])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", key[1])
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "absent-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "absent-credentials"))

    acct = from_endpoint(served.url, None, "us-east-1")
    assert acct.account_id == account and acct.credentials is not None
    creds = acct.credentials
    # MFA and password-use data exist only in the report: the per-user key APIs have neither.
    assert creds["two-keys"].mfa_active is False and len(creds["two-keys"].active_keys) == 2
    assert creds["console"].password_enabled is True and creds["console"].mfa_active is False
    assert creds["<root_account>"].active_keys  # the root key made with the account

    assert main(["audit", "--endpoint-url", served.url, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["account"] == account
    found = {(f["code"], tuple(f["principals"])) for f in data["findings"]}
    assert ("USER_TWO_ACTIVE_KEYS", (f"arn:aws:iam::{account}:user/two-keys",)) in found
    assert ("CONSOLE_USER_WITHOUT_MFA", (f"arn:aws:iam::{account}:user/console",)) in found
    assert ("ROOT_ACCESS_KEY", (f"arn:aws:iam::{account}:root",)) in found
    assert "CREDENTIAL_DATA_MISSING" not in {code for code, _ in found}
    assert "ROOT_MFA_DISABLED" not in {code for code, _ in found}  # root: MFA not_supported
