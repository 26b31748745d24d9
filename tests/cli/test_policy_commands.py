"""``a2c-iam validate`` and ``a2c-iam simulate``: the contracts of DESIGN.md, exit codes included."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import sys
import tracemalloc
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


def _doc(resource: str = "arn:aws:s3:::bucket/*", **statement: object) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource, **statement}]},
        ensure_ascii=False)


SYNTAX = "MalformedPolicyDocument: Syntax errors in policy."
HOSTILE = [
    ("100-kb", _doc("arn:aws:s3:::bucket/" + "k" * 100_000).encode(),
     "LimitExceeded: Cannot exceed quota for PolicySize: 6144"),
    ("deep-nesting", b'{"Version":"2012-10-17","Statement":' + b"[" * 3000 + b"]" * 3000 + b"}",
     SYNTAX),
    ("duplicate-keys", _doc().replace('"Effect": "Allow"', '"Effect": "Allow", "Effect": "Deny"')
     .encode(), SYNTAX),
    ("number-for-string", _doc(Sid=5).encode(), SYNTAX),
    ("null-resource", _doc().replace('"arn:aws:s3:::bucket/*"', "null").encode(), SYNTAX),
    ("null-document", b"null", SYNTAX),
    ("invalid-utf8", _doc("arn:aws:s3:::b\u00e9").encode().replace(b"\xc3\xa9", b"\xe9"), SYNTAX),
    ("beyond-latin-1", _doc("arn:aws:s3:::bucket/\u65e5\u672c").encode(),
     "ValidationError: 1 validation error detected: Value at 'policyDocument' failed to satisfy "
     "constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"),
    ("empty", b"",
     "ValidationError: 1 validation error detected: Value at 'policyDocument' failed to satisfy "
     "constraint: Member must have length greater than or equal to 1"),
]


@pytest.mark.parametrize("data, expected", [pytest.param(d, e, id=n) for n, d, e in HOSTILE])
def test_validate_hostile_documents_one_precise_error(tmp_path: Path, capsys, data: bytes,
                                                      expected: str) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(data)
    code, out, err = run(capsys, "validate", str(path))
    assert (code, out, err) == (1, expected + "\n", "")
    code, out, err = run(capsys, "validate", "--json", str(path))
    code_word, _, message = expected.partition(": ")
    assert (code, json.loads(out), err) == (1, {"valid": False, "code": code_word,
                                                "message": message}, "")


def test_validate_latin_1_text_is_accepted(tmp_path: Path, capsys) -> None:
    path = tmp_path / "p.json"
    path.write_text(_doc("arn:aws:s3:::bucket/caf\u00e9-\u00fc"), encoding="utf-8")
    assert run(capsys, "validate", str(path)) == (0, "valid\n", "")


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
    ('{"request": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
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


def test_simulate_batch_answers_each_line_as_it_comes() -> None:
    """Over pipes each decision is written before the next request is read (a co-process)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # buffered, as usual
    proc = subprocess.Popen([sys.executable, "-m", "a2c_iam.cli.main", "simulate", "--batch", "-"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            for account, decision in ((None, "allowed"), ("444455556666", "implicitDeny")):
                extra = {"resource_account": account} if account else {}
                proc.stdin.write(json.dumps(request(**extra)) + "\n")
                proc.stdin.flush()
                assert sel.select(timeout=60), "no decision while the input is still open"
                assert json.loads(proc.stdout.readline())["decision"] == decision
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
        assert proc.stderr is not None and "2 requests in" in proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


class _Sink:
    """A standard output that keeps nothing (so only the command's own memory is measured)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def _batch_peak(tmp_path: Path, lines: int, monkeypatch: pytest.MonkeyPatch) -> int:
    path = tmp_path / f"in-{lines}.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(lines):
            data = request(resource=f"arn:aws:s3:::bucket/key-{i}",
                           context={"aws:SourceIp": f"203.0.{i % 250}.{i % 200}"})
            fh.write(json.dumps(data) + "\n")
    monkeypatch.setattr(sys, "stdout", _Sink())
    tracemalloc.start()
    try:
        assert main(["simulate", "--batch", str(path)]) == 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_simulate_batch_memory_does_not_grow_with_input(tmp_path: Path, monkeypatch) -> None:
    _batch_peak(tmp_path, 20, monkeypatch)  # imports and first compilations, not measured
    small = _batch_peak(tmp_path, 300, monkeypatch)
    large = _batch_peak(tmp_path, 3000, monkeypatch)
    assert large < small * 1.5 + 100_000, (small, large)


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
