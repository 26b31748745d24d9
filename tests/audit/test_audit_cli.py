"""``a2c-iam audit``, ``who-can`` and ``can`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from audit_helpers import DATA

from a2c_iam.cli.main import main

RISKY = str(DATA / "risky-account.json")
REPORT = str(DATA / "risky-credential-report.csv")
TIDY = str(DATA / "tidy-account.json")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_audit_text(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", "--input", RISKY, "--credential-report", REPORT)
    assert code == 0
    assert "[CRITICAL] PRIVILEGE_ESCALATION" in out and "fix:" in out
    assert "App2Container commands by principal" in out


def test_audit_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "audit", "-i", RISKY, "--format", "json", "--target", "eks")
    data = json.loads(out)
    assert code == 0 and data["account"] == "111122223333"
    assert {"code", "severity", "principals", "policies", "fix"} <= set(data["findings"][0])
    assert any(f["code"] == "CREDENTIAL_DATA_MISSING" for f in data["findings"])
    assert data["commands"]["rows"] and data["summary"]["critical"] >= 1


def test_audit_html_to_file_and_fail_on(capsys: pytest.CaptureFixture[str],
                                        tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    code, out, err = run(capsys, "audit", "-i", RISKY, "--format", "html", "-o", str(target),
                         "--fail-on", "critical")
    assert code == 1 and out == "" and "written to" in err
    assert target.read_text().startswith("<!DOCTYPE html>")
    code, _, _ = run(capsys, "audit", "-i", TIDY, "--credential-report",
                     str(DATA / "tidy-credential-report.csv"), "--fail-on", "medium",
                     "--format", "json")
    assert code == 0


def test_audit_personas_and_choices(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    choices = tmp_path / "c.toml"
    choices.write_text('target = "ecs"\nregion = "eu-west-1"\nbucket = "team-a2c-artifacts"\n')
    code, out, _ = run(capsys, "audit", "-i", TIDY, "--choices", str(choices), "--format",
                       "json", "--general-group", "Developers", "--deploy-identity", "admin-ann")
    data = json.loads(out)
    assert code == 0 and data["personas"] == {
        "general_group": "Developers", "deploy_identities": ["admin-ann"]}
    assert "extract --output s3" in {c["command"] for c in data["commands"]["commands"]}


@pytest.mark.parametrize("argv, message", [
    (["audit"], "exactly one of"),
    (["audit", "-i", RISKY, "--db", "sqlite:///x.db"], "exactly one of"),
    (["audit", "-i", "/nonexistent.json"], "cannot read"),
    (["audit", "-i", REPORT], "is not JSON"),
    (["audit", "-i", RISKY, "--credential-report", RISKY], "not an IAM credential report"),
    (["audit", "-i", RISKY, "--unused-days", "0"], "at least 1"),
    (["who-can", "s3:GetObject", "-i", RISKY, "--context", "novalue"], "KEY=VALUE"),
    (["can", "mallory", "s3:GetObject", "-i", RISKY], "no user or role"),
    (["who-can", "GetObject", "-i", RISKY], "is not one action"),
    (["who-can", "s3:Get*", "-i", RISKY], "no wildcards"),
    (["can", "bob", "s3:GetObject", "team-bucket/k", "-i", RISKY], "is not an ARN"),
    (["audit", "--db", "not a url"], "is not a database URL"),
    (["audit", "--endpoint-url", "not a url"], "Invalid endpoint"),
    (["audit", "-i", RISKY, "-o", "/nonexistent-a2c-dir/r.json"], "no folder"),
])
def test_bad_input_exits_2_without_traceback(capsys: pytest.CaptureFixture[str],
                                             argv: list[str], message: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and message in err and "Traceback" not in err


def test_bad_export_shape_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = json.loads(Path(RISKY).read_text())
    data["UserDetailList"][1]["GroupList"] = "app2container-general"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, _, err = run(capsys, "audit", "-i", str(bad))
    assert code == 2 and "user bob: GroupList must be a list, not str" in err


def test_unreadable_document_is_reported_not_fatal(capsys: pytest.CaptureFixture[str],
                                                   tmp_path: Path) -> None:
    data = json.loads(Path(RISKY).read_text())
    data["UserDetailList"][1]["UserPolicyList"][0]["PolicyDocument"] = "%7B%22Version%22%3A"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, out, _ = run(capsys, "audit", "-i", str(bad), "--format", "json")
    problems = [f["message"] for f in json.loads(out)["findings"] if f["code"] == "INPUT_PROBLEM"]
    assert code == 0 and problems == [
        "inline policy bob-extra of user bob: the policy document is not JSON "
        "(Expecting value: line 1 column 12 (char 11))"]


def test_unknown_action_is_asked_with_a_note(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "who-can", "s3:GetObjet", "arn:aws:s3:::team-bucket/k",
                         "-i", RISKY)
    assert code == 0 and "did you mean s3:GetObject?" in err
    assert "user/alice" in out and "user/bob" not in out  # only "s3:*"-style grants match


def test_who_can(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "who-can", "iam:CreateUser",
                       "arn:aws:iam::111122223333:user/new", "-i", RISKY)
    assert code == 0
    assert "user/alice" in out and "user/erin  via user/erin → role/OpsRole" in out
    code, out, _ = run(capsys, "who-can", "iam:CreateUser", "arn:aws:iam::111122223333:user/new",
                       "-i", RISKY, "--format", "json")
    labels = {p["label"]: p["via"] for p in json.loads(out)["principals"]}
    assert labels["user/erin"] == ["arn:aws:iam::111122223333:role/OpsRole"]
    assert "user/bob" not in labels


def test_who_can_nobody(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "who-can", "s3:GetObject", "arn:aws:s3:::other/k", "-i", TIDY,
                       "--context", "aws:SourceIp=203.0.113.1")
    assert code == 0 and "admin-ann" in out  # administrators only
    assert "dev-dan" not in out


def test_can(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "can", "erin", "ec2:TerminateInstances", "-i", RISKY)
    assert code == 0 and "allowed" in out and "via user/erin → role/OpsRole" in out
    code, out, _ = run(capsys, "can", "user/bob", "iam:CreateUser",
                       "arn:aws:iam::111122223333:user/x", "-i", RISKY)
    assert code == 1 and out.startswith("implicitDeny")
    code, out, _ = run(capsys, "can", "bob", "s3:GetObject", "arn:aws:s3:::team-bucket/k",
                       "-i", RISKY, "--format", "json")
    body = json.loads(out)
    assert code == 0 and body["decision"] == "allowed" and body["via"] == []
    policy = tmp_path / "bucket.json"
    policy.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}))
    code, out, _ = run(capsys, "can", "bob", "s3:GetObject", "arn:aws:s3:::team-bucket/k",
                       "-i", RISKY, "--resource-policy", str(policy))
    assert code == 1 and out.startswith("explicitDeny")


def test_help_lists_the_commands(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    assert "audit" in text and "who-can" in text and " can " in text
