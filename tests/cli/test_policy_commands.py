"""``a2c-iam validate`` and ``a2c-iam simulate``: the contracts of DESIGN.md, exit codes included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from a2c_iam.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
VALID = {"Version": "2012-10-17",
         "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::bucket/*"}]}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, name: str, data: object) -> str:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return str(path)


def test_validate_valid(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "validate", write(tmp_path, "p.json", VALID)) == (0, "valid\n", "")


def test_validate_invalid_prints_code_and_message(tmp_path: Path, capsys) -> None:
    doc = {**VALID, "Statement": [{**VALID["Statement"][0], "Resource": "bucket"}]}
    code, out, _ = run(capsys, "validate", write(tmp_path, "p.json", doc))
    assert code == 1
    assert out == 'MalformedPolicyDocument: Resource bucket must be in ARN format or "*".\n'


def test_validate_json_output_both_ways(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "validate", "--json", write(tmp_path, "p.json", VALID))
    assert (code, json.loads(out)) == (0, {"valid": True, "code": None, "message": None})
    code, out, _ = run(capsys, "validate", "--json", "--type", "trust", write(tmp_path, "t.json", VALID))
    assert code == 1
    assert json.loads(out) == {
        "valid": False, "code": "MalformedPolicyDocument",
        "message": "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
                   "The passed in policy has a statement with no principals!"}


def test_validate_limit_exceeded(tmp_path: Path, capsys) -> None:
    big = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": f"s3:GetObject{i}", "Resource": "*"} for i in range(200)]}
    code, out, _ = run(capsys, "validate", write(tmp_path, "p.json", big))
    assert (code, out) == (1, "LimitExceeded: Cannot exceed quota for PolicySize: 6144\n")


def test_validate_missing_file_is_exit_2(tmp_path: Path, capsys) -> None:
    code, out, err = run(capsys, "validate", str(tmp_path / "nope.json"))
    assert (code, out) == (2, "")
    assert "cannot read" in err


def test_validate_reads_stdin() -> None:
    proc = subprocess.run([sys.executable, "-m", "a2c_iam.cli.main", "validate", "-"],
                          input="{not json", capture_output=True, text=True, check=False)
    assert (proc.returncode, proc.stdout) == (1, "MalformedPolicyDocument: Syntax errors in policy.\n")
    assert proc.stderr == ""


def request(**extra: object) -> dict:
    return {"request": {"principal": "arn:aws:iam::111122223333:user/alice",
                        "action": "s3:GetObject", "resource": "arn:aws:s3:::bucket/key", **extra},
            "identity_policies": [VALID]}


def test_simulate_contract_output(tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "simulate", write(tmp_path, "in.json", request()))
    assert code == 0
    assert json.loads(out) == {"decision": "allowed", "denied_by": [],
                               "statements": [{"policy": "identity_policies[0]", "sid": "Read",
                                               "effect": "Allow"}]}


def test_simulate_exit_0_whatever_the_decision(tmp_path: Path, capsys) -> None:
    data = request()
    data["request"]["action"] = "s3:PutObject"
    code, out, _ = run(capsys, "simulate", write(tmp_path, "in.json", data))
    assert code == 0
    assert json.loads(out)["decision"] == "implicitDeny"


@pytest.mark.parametrize("bad, words", [
    ("[]", "must be a JSON object"),
    ("{", "not valid JSON"),
    (json.dumps({"identity_policies": []}), "request: required"),
    (json.dumps({"request": {"principal": "p", "action": "a"}, "identity_policies": []}),
     "request.resource"),
    (json.dumps({**request(), "identity_policies": [{"Statement": 5}]}),
     "identity_policies[0]: MalformedPolicyDocument: Syntax errors in policy."),
    (json.dumps({**request(), "bogus": 1}), "unknown element 'bogus'"),
    (json.dumps(request(context={"k": {"nested": 1}})), "request.context.k"),
    (json.dumps({**request(), "service_control_policies": [VALID]}),
     "service_control_policies[0]: must be a list of policies"),
])
def test_simulate_malformed_input_exit_2(tmp_path: Path, capsys, bad: str, words: str) -> None:
    code, out, err = run(capsys, "simulate", write(tmp_path, "in.json", bad))
    assert (code, out) == (2, "")
    assert words in err


def test_simulate_batch_streams_and_marks_bad_lines(tmp_path: Path) -> None:
    lines = [json.dumps(request()), "not json", json.dumps(request(resource_account="444455556666"))]
    path = write(tmp_path, "in.jsonl", "\n".join(lines) + "\n")
    proc = subprocess.run([sys.executable, "-m", "a2c_iam.cli.main", "simulate", "--batch", path],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    out = [json.loads(x) for x in proc.stdout.splitlines()]
    assert out[0]["decision"] == "allowed"
    assert out[1]["line"] == 2 and "not valid JSON" in out[1]["error"]
    assert out[2] == {"decision": "implicitDeny", "denied_by": ["resource"], "statements": []}
    assert "3 requests in" in proc.stderr and "1 malformed" in proc.stderr


def test_readme_first_command_examples_work(capsys) -> None:
    code, out, _ = run(capsys, "validate", str(ROOT / "examples" / "general-purpose-ecs.json"))
    assert (code, out) == (0, "valid\n")
    code, out, _ = run(capsys, "simulate", str(ROOT / "examples" / "simulate-alice.json"))
    assert code == 0 and json.loads(out)["decision"] == "allowed"


def test_help_lists_commands(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("validate", "simulate"):
        assert command in out
