"""``a2c-iam lint``: the three output formats, exit codes, ``--fail-on``, stdin, several files,
unreadable input; and the SARIF 2.1.0 structure code-scanning tools rely on."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from a2c_iam.cli.main import main
from a2c_iam.policy.kinds import PolicyKind
from a2c_iam.policy.lint import RULES, Severity, lint_policy
from a2c_iam.policy.lint_sarif import artifact_uri, to_sarif

CASES = Path(__file__).parent / "lint_cases"

CLEAN = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket/*"}]})
# One SECURITY_WARNING (PassRole on *) and one SUGGESTION (PutObject on *), nothing else.
RISKY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
    {"Sid": "Put", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}, indent=2)
BROKEN = '{"Version": "2012-10-17", "Statement": [\n  {"Effect": "Allow", "Action": "s3:Get'


def run(capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None) -> tuple[int, str, str]:
    if stdin is not None:
        sys.stdin = io.StringIO(stdin)
    try:
        code = main(["lint", *argv])
    finally:
        sys.stdin = sys.__stdin__
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in (("clean.json", CLEAN), ("risky.json", RISKY), ("broken.json", BROKEN)):
        out[name] = tmp_path / name
        out[name].write_text(text, encoding="utf-8")
    return out


def test_json_is_an_array_of_located_findings(capsys: pytest.CaptureFixture[str],
                                              files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, str(files["risky.json"]), "--format", "json")
    findings = json.loads(out)
    assert code == 0  # nothing at ERROR
    assert [(f["code"], f["severity"]) for f in findings] == [
        ("PASS_ROLE_STAR", "SECURITY_WARNING"), ("RESOURCE_STAR_WRITE", "SUGGESTION")]
    first = findings[0]
    assert first == {
        "code": "PASS_ROLE_STAR", "severity": "SECURITY_WARNING", "message": first["message"],
        "file": str(files["risky.json"]), "line": 7, "column": 7, "statement": 0, "sid": "Pass",
        "path": "Statement[0].Action",
    }
    assert "iam:PassRole" in first["message"]


def test_clean_file_prints_an_empty_array_and_exits_0(capsys: pytest.CaptureFixture[str],
                                                      files: dict[str, Path]) -> None:
    assert run(capsys, str(files["clean.json"]), "--format", "json")[:2] == (0, "[]\n")
    assert run(capsys, str(files["clean.json"]))[:2] == (0, "")


def test_stdin_and_several_files_in_one_array(capsys: pytest.CaptureFixture[str],
                                              files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, "-", str(files["broken.json"]), "--format", "json", stdin=RISKY)
    findings = json.loads(out)
    assert code == 1  # the broken file's SYNTAX_ERROR
    assert [(f["file"], f["code"]) for f in findings] == [
        ("-", "PASS_ROLE_STAR"), ("-", "RESOURCE_STAR_WRITE"),
        (str(files["broken.json"]), "SYNTAX_ERROR")]
    assert findings[2]["line"] == 2  # where the JSON stops


@pytest.mark.parametrize(("level", "status"), [
    ("ERROR", 0), ("SECURITY_WARNING", 1), ("security_warning", 1), ("WARNING", 1),
    ("SUGGESTION", 1)])
def test_fail_on_counts_findings_at_or_above_the_level(
    capsys: pytest.CaptureFixture[str], files: dict[str, Path], level: str, status: int
) -> None:
    assert run(capsys, str(files["risky.json"]), "--fail-on", level)[0] == status


def test_fail_on_suggestion_only(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    doc = tmp_path / "put.json"
    doc.write_text(json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}), encoding="utf-8")
    assert run(capsys, str(doc), "--fail-on", "WARNING")[0] == 0
    assert run(capsys, str(doc), "--fail-on", "SUGGESTION")[0] == 1


def test_unreadable_input_exits_2_and_lints_nothing(capsys: pytest.CaptureFixture[str],
                                                    files: dict[str, Path], tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes(b'{"Sid": "caf\xe9"}')
    for bad in (str(tmp_path / "missing.json"), str(latin1)):
        code, out, err = run(capsys, str(files["broken.json"]), bad, "--format", "json")
        assert (code, out) == (2, "")
        assert err.startswith("a2c-iam lint: cannot read ") and "Traceback" not in err


def test_text_format_is_file_line_column(capsys: pytest.CaptureFixture[str],
                                         files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, str(files["risky.json"]), "--type", "identity")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].startswith(f"{files['risky.json']}:7:7: SECURITY_WARNING PASS_ROLE_STAR ")
    assert lines[0].endswith('[Statement[0].Action (Sid "Pass")]')
    assert lines[-1] == "2 findings (1 SECURITY_WARNING, 1 SUGGESTION)"


def test_type_selects_the_policy_kind(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole"}]}), encoding="utf-8")
    assert run(capsys, str(trust), "--type", "trust", "--format", "json")[:2] == (0, "[]\n")
    code, out, _ = run(capsys, str(trust), "--format", "json")
    assert code == 1 and {f["code"] for f in json.loads(out)} >= {"PRINCIPAL_NOT_ALLOWED"}


def test_the_cli_kinds_are_the_policy_kinds() -> None:
    from a2c_iam.cli import lint_cmd

    assert set(lint_cmd._KINDS) == {k.value for k in PolicyKind}
    assert tuple(s.value for s in Severity) == lint_cmd._SEVERITIES


# ---------------------------------------------------------------------------------- SARIF


def test_sarif_structure(capsys: pytest.CaptureFixture[str], files: dict[str, Path]) -> None:
    code, out, _ = run(capsys, str(files["risky.json"]), str(files["broken.json"]),
                       "--format", "sarif")
    log = json.loads(out)
    assert code == 1
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert len(log["runs"]) == 1
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "a2c-iam" and driver["version"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids == list(RULES) and len(set(ids)) == len(ids)
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run_["results"]
    assert [r["ruleId"] for r in results] == ["PASS_ROLE_STAR", "RESOURCE_STAR_WRITE", "SYNTAX_ERROR"]
    assert [r["level"] for r in results] == ["warning", "note", "error"]
    for r in results:
        assert ids[r["ruleIndex"]] == r["ruleId"]
        assert r["message"]["text"]
        physical = r["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"].endswith(".json")
        assert physical["region"]["startLine"] >= 1 and physical["region"]["startColumn"] >= 1
    assert results[0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 7,
                                                                          "startColumn": 7}
    assert results[0]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == (
        "Statement[0].Action")
    security = driver["rules"][ids.index("PASS_ROLE_STAR")]["properties"]
    assert "security" in security["tags"] and float(security["security-severity"]) >= 7.0


def test_sarif_uris() -> None:
    assert artifact_uri("-") == "stdin"
    assert artifact_uri("policies/my policy.json") == "policies/my%20policy.json"
    assert artifact_uri("/tmp/p.json") == "file:///tmp/p.json"


def test_sarif_of_a_finding_without_position() -> None:
    findings = lint_policy(b"\xff\xfe", file="x.json")
    result = to_sarif(findings)["runs"][0]["results"][0]
    assert result["ruleId"] == "SYNTAX_ERROR"
    assert "region" not in result["locations"][0]["physicalLocation"]


def test_help_lists_lint(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["lint", "--help"])
    assert "--fail-on" in capsys.readouterr().out
