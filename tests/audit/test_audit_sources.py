"""Reading an account: GAAD documents as files (CLI and raw API forms), credential reports, the
local store, and a live endpoint (our own server over loopback, read with boto3)."""

from __future__ import annotations

import json
import os
import urllib.parse
from pathlib import Path

import pytest
from audit_helpers import DATA, Gaad, allow, doc, load

from a2c_iam.audit import AuditInputError, account_from_gaad, parse_credential_report, run_audit
from a2c_iam.audit.sources import from_endpoint, from_file, from_store
from a2c_iam.cli.main import main


def test_cli_form_and_raw_api_form_read_the_same() -> None:
    data = json.loads((DATA / "risky-account.json").read_text())
    raw = json.loads(json.dumps(data))
    for item in raw["UserDetailList"]:
        for p in item["UserPolicyList"]:
            if isinstance(p["PolicyDocument"], dict):
                p["PolicyDocument"] = urllib.parse.quote(json.dumps(p["PolicyDocument"]))
    for item in raw["RoleDetailList"]:
        if isinstance(item["AssumeRolePolicyDocument"], dict):
            item["AssumeRolePolicyDocument"] = urllib.parse.quote(
                json.dumps(item["AssumeRolePolicyDocument"]))
    a, b = account_from_gaad(data), account_from_gaad(raw)
    assert a.users["bob"].inline[0].document == b.users["bob"].inline[0].document
    assert a.roles["OpsRole"].trust == b.roles["OpsRole"].trust
    # A2CEverything is stored URL-encoded in the fixture itself
    assert a.policies["arn:aws:iam::111122223333:policy/A2CEverything"].document["Statement"]


def test_pages_are_merged() -> None:
    data = json.loads((DATA / "tidy-account.json").read_text())
    pages = [{"UserDetailList": data["UserDetailList"], "IsTruncated": True, "Marker": "m"},
             {k: v for k, v in data.items() if k != "UserDetailList"}]
    acct = account_from_gaad(pages)
    assert set(acct.users) == {"admin-ann", "dev-dan", "a2c-deployer"}
    assert acct.groups["Developers"].members == ["dev-dan"]


def test_model_reads_versions_boundaries_and_tags() -> None:
    g = Gaad()
    boundary = g.policy("Boundary", doc(allow("s3:*")))
    g.policy("Versioned", doc(allow("s3:GetObject")), doc(allow("*")))
    g.user("u", boundary=boundary, tags={"team": "blue"})
    acct = g.account()
    assert acct.users["u"].boundary == boundary and acct.users["u"].tags == {"team": "blue"}
    versioned = acct.policies["arn:aws:iam::111122223333:policy/Versioned"]
    assert versioned.version_ids == ("v1", "v2") and versioned.default_version_id == "v2"
    assert versioned.document["Statement"][0]["Action"] == "s3:GetObject"


@pytest.mark.parametrize("text, message", [
    ("[1, 2]", "not a GetAccountAuthorizationDetails document"),
    ('{"Foo": []}', "none of UserDetailList"),
    ('{"UserDetailList": {}}', "UserDetailList must be a list"),
    ('{"UserDetailList": [{"UserName": "u"}]}', "has no Arn"),
    ('{"UserDetailList": [{"UserName": "u", "Arn": "nope"}]}', "not an IAM ARN"),
    ("{not json", "is not JSON"),
])
def test_bad_documents_are_input_errors(text: str, message: str) -> None:
    with pytest.raises(AuditInputError, match=message):
        from_file(text, "f.json")


def test_two_accounts_in_one_document_are_refused() -> None:
    a, b = Gaad("111122223333"), Gaad("444455556666")
    a.user("x")
    b.user("y")
    mixed = {"UserDetailList": a.data["UserDetailList"] + b.data["UserDetailList"]}
    with pytest.raises(AuditInputError, match="mixes accounts"):
        account_from_gaad(mixed)


def test_missing_attached_policy_is_a_problem_not_a_crash() -> None:
    g = Gaad()
    g.user("u", attached=("arn:aws:iam::111122223333:policy/Gone",))
    assert any("Gone" in p for p in g.account().problems)


def test_credential_report() -> None:
    creds = parse_credential_report((DATA / "risky-credential-report.csv").read_text())
    root = creds["<root_account>"]
    assert root.password_enabled is None and len(root.active_keys) == 1
    old = creds["old-keys"]
    assert [k.last_used is None for k in old.keys] == [False, True]
    assert creds["shared-svc"].keys[1].last_region == "eu-west-1"
    assert creds["alice"].keys == () and creds["alice"].password_enabled is True
    with pytest.raises(AuditInputError, match="missing column"):
        parse_credential_report("name,arn\nx,y\n")


def _store(tmp_path: Path) -> str:
    from a2c_iam.identity import IdentityService

    url = f"sqlite:///{tmp_path / 'iam.db'}"
    svc = IdentityService.open(url)
    try:
        svc.create_account("111122223333")
        svc.import_details("111122223333",
                           json.loads((DATA / "risky-account.json").read_text()))
        svc.invoke("iam", "CreateAccessKey", {"UserName": "bob"}, svc.context("111122223333"))
    finally:
        svc.close()
    return url


def test_local_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = _store(tmp_path)
    acct = from_store(url)
    assert acct.account_id == "111122223333" and set(acct.users) == set(load("risky").users)
    assert acct.credentials is not None and len(acct.credentials["bob"].active_keys) == 1
    assert acct.root_keys_present is True  # the account's root key made at creation
    codes = {f.code for f in run_audit(acct).findings}
    assert {"ROOT_ACCESS_KEY", "ACCESS_KEY_NEVER_USED", "PRIVILEGE_ESCALATION"} <= codes
    with pytest.raises(AuditInputError, match="no account 999999999999"):
        from_store(url, "999999999999")

    # the same through the command line
    assert main(["audit", "--db", url, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["source"] == url and data["counts"]["users"] == len(acct.users)
    # the command adds the App2Container matrix (target ecs) to what run_audit found alone
    assert {f["code"] for f in data["findings"]} == codes | {
        "GENERAL_GROUP_CAN_DEPLOY", "LEAST_PRIVILEGE_GAP"}
    assert main(["can", "erin", "ec2:TerminateInstances", "--db", url]) == 0
    assert "via user/erin → role/OpsRole" in capsys.readouterr().out
    assert main(["audit", "--db", f"sqlite:///{tmp_path / 'absent.db'}"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not (tmp_path / "absent.db").exists()  # an audit reads a store, never makes one


def test_live_endpoint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str]) -> None:
    """Our own server over loopback, read with boto3 under a named profile (--profile)."""
    from a2c_iam.api.app import create_app
    from a2c_iam.api.server import ServerThread
    from a2c_iam.identity import IdentityService

    svc = IdentityService.open(f"sqlite:///{tmp_path / 'live.db'}")
    try:
        new = svc.create_account("111122223333")
        svc.import_details("111122223333", json.loads((DATA / "tidy-account.json").read_text()
                                                       .replace("222233334444", "111122223333")))
        for name in [k for k in list(os.environ) if k.startswith("AWS_")]:
            monkeypatch.delenv(name)
        (tmp_path / "credentials").write_text(
            f"[auditor]\naws_access_key_id = {new.access_key_id}\n"
            f"aws_secret_access_key = {new.secret.get_secret_value()}\n")
        (tmp_path / "config").write_text("[profile auditor]\nregion = eu-west-1\n")
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
        with ServerThread(create_app(svc)) as server:
            acct = from_endpoint(server.url, "auditor", "us-east-1")
            code = main(["audit", "--endpoint-url", server.url, "--profile", "auditor",
                         "--format", "json"])
            data = json.loads(capsys.readouterr().out)
            who = main(["who-can", "iam:CreateUser", "arn:aws:iam::111122223333:user/new",
                        "--endpoint-url", server.url, "--profile", "auditor"])
            listed = capsys.readouterr().out
            # without the profile there are no credentials at all: a message, not a traceback
            assert main(["audit", "--endpoint-url", server.url]) == 2
            assert "Unable to locate credentials" in capsys.readouterr().err
    finally:
        svc.close()
    assert acct.account_id == "111122223333" and set(acct.users) == {
        "admin-ann", "dev-dan", "a2c-deployer"}
    assert acct.roles["VendorRole"].trust is not None
    assert acct.credentials is not None and acct.root_keys_present is True
    assert code == 0 and data["account"] == "111122223333" and data["counts"]["users"] == 3
    assert "ROOT_ACCESS_KEY" in {f["code"] for f in data["findings"]}
    assert who == 0 and "user/admin-ann" in listed and "dev-dan" not in listed


def test_store_passwords_known_or_said_to_be_unknown(tmp_path: Path) -> None:
    from a2c_iam.identity import IdentityService

    url = _store(tmp_path)
    svc = IdentityService.open(url)
    try:
        profiles = svc.implements("iam", "GetLoginProfile")
    finally:
        svc.close()
    report = run_audit(from_store(url))
    unknown = any("console passwords are unknown" in n for n in report.notes)
    assert unknown is not profiles


def test_a_deployment_users_console_password_in_the_store_is_found(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``audit --db``: the store's credential report says which users have a login profile, so a
    console password on the deployment user is DEPLOY_IDENTITY_CONSOLE, and its absence is known."""
    from a2c_iam.identity import IdentityService

    url = _store(tmp_path)
    before = run_audit(from_store(url))
    assert not [f for f in before.findings if f.code == "DEPLOY_IDENTITY_CONSOLE"]
    assert not any("console passwords are unknown" in n for n in before.notes)
    svc = IdentityService.open(url)
    try:
        svc.invoke("iam", "CreateLoginProfile",
                   {"UserName": "a2c-deploy", "Password": "Dep10y-console!"},
                   svc.context("111122223333"))
    finally:
        svc.close()
    acct = from_store(url)
    assert acct.credentials is not None
    assert acct.credentials["a2c-deploy"].password_enabled is True
    assert acct.credentials["bob"].password_enabled is False
    assert main(["audit", "--db", url, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    found = [f for f in data["findings"] if f["code"] == "DEPLOY_IDENTITY_CONSOLE"]
    assert len(found) == 1 and found[0]["severity"] == "medium"
    assert found[0]["principals"] == ["arn:aws:iam::111122223333:user/a2c-deploy"]
    assert found[0]["message"] == "Deployment user a2c-deploy has a console password."
    assert "Dep10y-console!" not in json.dumps(data)


def test_aws_managed_policy_left_out_of_the_export_is_filled_in() -> None:
    g = Gaad()
    g.user("a", attached=("arn:aws:iam::aws:policy/AdministratorAccess",))
    acct = g.account()
    assert acct.policies["arn:aws:iam::aws:policy/AdministratorAccess"].policy is not None
    assert any("published document" in p for p in acct.problems)


def test_console_users_without_mfa_in_the_store_are_found(tmp_path: Path) -> None:
    """``audit --db`` reads MFA from the store's credential report (``mfa_active``): a console
    user without a device is CONSOLE_USER_WITHOUT_MFA until a device is enabled for it."""
    import base64
    import time

    from cryptography.hazmat.primitives.hashes import SHA1
    from cryptography.hazmat.primitives.twofactor.totp import TOTP

    from a2c_iam.identity import IdentityService

    url = _store(tmp_path)
    svc = IdentityService.open(url)
    ctx = svc.context("111122223333")
    try:
        svc.invoke("iam", "CreateLoginProfile", {"UserName": "bob", "Password": "B0b-console!"},
                   ctx)
        report = run_audit(from_store(url))
        assert [f.principals for f in report.findings if f.code == "CONSOLE_USER_WITHOUT_MFA"] \
            == [("arn:aws:iam::111122223333:user/bob",)]
        device = svc.invoke("iam", "CreateVirtualMFADevice", {"VirtualMFADeviceName": "bob"},
                            ctx)["VirtualMFADevice"]
        totp = TOTP(base64.b32decode(device["Base32StringSeed"]), 6, SHA1(), 30)
        step = int(time.time()) // 30
        svc.invoke("iam", "EnableMFADevice", {
            "UserName": "bob", "SerialNumber": device["SerialNumber"],
            "AuthenticationCode1": totp.generate((step - 1) * 30).decode(),
            "AuthenticationCode2": totp.generate(step * 30).decode()}, ctx)
    finally:
        svc.close()
    acct = from_store(url)
    assert acct.credentials is not None and acct.credentials["bob"].mfa_active is True
    assert not [f for f in run_audit(acct).findings if f.code == "CONSOLE_USER_WITHOUT_MFA"]
