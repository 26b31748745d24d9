"""``a2c-iam a2c policy|commands|check``: outputs, exit statuses, errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from a2c_iam.cli.main import main
from a2c_iam.policy import validate_document

CHOICES = ["--target", "ecs", "--account", "111122223333", "--region", "eu-west-1",
           "--bucket", "example-a2c-artifacts", "--remote", "--metrics", "--firelens", "firehose"]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_policy_prints_a_valid_document(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "a2c", "policy", *CHOICES)
    assert code == 0
    document = json.loads(out)
    validate_document(out)
    sids = [s["Sid"] for s in document["Statement"]]
    assert "SectionForFirelensFirehoseStreamsAccess" in sids
    assert "SectionForFirelensKinesisStreamsAccess" not in sids


def test_choices_file_with_flags_over_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "a2c.toml"
    path.write_text('target = "eks"\naccount = "111122223333"\nregion = "us-east-2"\n'
                    'remote = true\n', encoding="utf-8")
    code, out, _ = _run(capsys, "a2c", "policy", "--choices", str(path), "--no-remote")
    assert code == 0
    sids = [s["Sid"] for s in json.loads(out)["Statement"]]
    assert "SectionForEKS" in sids and "SectionForSecretManagerAccess" not in sids


def test_deploy_persona_is_administrator_access_with_the_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = _run(capsys, "a2c", "policy", *CHOICES, "--persona", "deploy")
    assert code == 0
    assert json.loads(out) == {"PolicyName": "AdministratorAccess",
                               "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}
    assert "full access to AWS" in err


def test_out_dir_writes_one_file_per_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "a2c", "policy", *CHOICES, "--out-dir", str(tmp_path / "p"))
    assert code == 0
    (written,) = out.split()
    assert Path(written).name == "App2ContainerGeneral.json"
    validate_document(Path(written).read_text(encoding="utf-8"))


def test_commands_table_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "a2c", "commands", *CHOICES)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["COMMAND", "PERSONA", "ACTION", "RESOURCE", "SECTION"]
    assert any(line.startswith("inventory ") for line in lines)
    code, out, _ = _run(capsys, "a2c", "commands", *CHOICES, "--json")
    rows = {row["command"]: row for row in json.loads(out)}
    assert rows["generate app-deployment --deploy"]["persona"] == "deploy"
    assert {"action": "iam:PassRole",
            "resource": "arn:aws:iam::111122223333:role/ecsTaskExecutionRole",
            "section": "SectionForPassRoleToECS"} in rows["generate app-deployment"]["needs"]


def test_commands_for_one_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "a2c", "commands", *CHOICES, "--command", "extract --output s3",
                        "--json")
    assert code == 0
    (row,) = json.loads(out)
    assert row["command"] == "extract --output s3"
    assert {n["action"] for n in row["needs"]} >= {"s3:PutObject", "s3:GetObject"}
    code, _, err = _run(capsys, "a2c", "commands", *CHOICES, "--command", "generate pipeline")
    assert code == 2 and "no pipeline is chosen (--pipelines" in err


def test_split_policy_is_said_and_printed_as_a_list(capsys: pytest.CaptureFixture[str]) -> None:
    prefixes = ",".join(f"team{n}-a2c-" for n in range(30))
    code, out, err = _run(capsys, "a2c", "policy", *CHOICES, "--name-prefixes", prefixes,
                          "--pipelines", "codecommit")
    assert code == 0
    parts = json.loads(out)
    assert isinstance(parts, list) and len(parts) >= 2
    assert [p["PolicyName"] for p in parts][:2] == ["App2ContainerGeneral", "App2ContainerGeneral-2"]
    assert f"part 1 of {len(parts)}" in err


def test_check_exit_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _run(capsys, "a2c", "policy", *CHOICES, "--out-dir", str(tmp_path))
    policy = str(tmp_path / "App2ContainerGeneral.json")
    code, out, _ = _run(capsys, "a2c", "check", *CHOICES, "--policy-file", policy)
    assert code == 0
    assert "generate app-deployment --deploy" in out and "denied" in out
    code, _, _ = _run(capsys, "a2c", "check", *CHOICES, "--policy-file", policy,
                      "--command", "generate app-deployment")
    assert code == 0
    code, out, _ = _run(capsys, "a2c", "check", *CHOICES, "--policy-file", policy,
                        "--command", "generate app-deployment --deploy", "--json")
    assert code == 1
    (result,) = json.loads(out)
    assert {"action": "cloudformation:CreateStack", "resource": result["missing"][0]["resource"]} \
        in result["missing"]


@pytest.mark.parametrize(("argv", "message"), [
    (["a2c", "policy", "--target", "ecs", "--account", "1", "--region", "eu-west-1"],
     "account: '1' is not a 12-digit AWS account id"),
    (["a2c", "policy", "--choices", "/nonexistent/a2c.toml"], "cannot read /nonexistent/a2c.toml"),
    (["a2c", "policy", *CHOICES, "--persona", "jenkins"], "needs a Jenkins pipeline"),
    (["a2c", "check", *CHOICES, "--policy-file", "/nonexistent.json"], "cannot read"),
    (["a2c", "check", *CHOICES, "--policy-file", "-", "--command", "fly"], "unknown command 'fly'"),
])
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str | None, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'))
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert "Traceback" not in err
    assert err.startswith("a2c-iam a2c: ")
    if message:
        assert message in err


def test_the_example_policy_is_what_the_kit_generates(capsys: pytest.CaptureFixture[str]) -> None:
    """``examples/general-purpose-ecs.json`` is the kit's output, so the example never drifts."""
    example = Path(__file__).resolve().parents[2] / "examples" / "general-purpose-ecs.json"
    assert main(["a2c", "policy", "--target", "ecs", "--account", "111122223333",
                 "--region", "us-east-1"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(example.read_text(encoding="utf-8"))
