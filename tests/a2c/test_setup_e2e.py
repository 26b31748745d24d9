"""``a2c setup`` and ``a2c check --profile`` end to end against ``a2c-iam serve`` over loopback.

One server (a subprocess on a free port, a temporary SQLite database, a known root key) serves
the module. The ``provisioned`` fixture runs ``setup`` once from nothing with
``--write-profiles``; the tests then look at the account as root, use the written profiles with
the AWS CLI and with ``check --profile``, and break the account on purpose to see ``setup``
repair it. Every test leaves the account as ``setup`` specifies, so their order does not matter.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import boto3
import pytest
from botocore.exceptions import ClientError

from a2c_iam.a2c.check import check_policies
from a2c_iam.a2c.choices import Choices
from a2c_iam.a2c.commands import command_map
from a2c_iam.a2c.personas import Persona
from a2c_iam.cli.main import main

ACCOUNT = "111122223333"
REGION = "us-east-1"
ROOT_KEY = ("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
CHOICE_FLAGS = ["--target", "ecs", "--region", REGION, "--bucket", "team-a2c-artifacts",
                "--remote", "--metrics", "--support-bundle", "--pipelines", "codecommit"]
CHOICES = Choices(target="ecs", account=ACCOUNT, region=REGION, bucket="team-a2c-artifacts",
                  remote=True, metrics=True, support_bundle=True, pipelines=["codecommit"])
USERS = ("alice", "bob")
DEPLOYER = "deployer"
GROUP = "a2c-general"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"a2c-iam serve exited: {log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"a2c-iam serve did not listen on {port}: {log.read_text()}")


@dataclass
class Server:
    url: str
    home: Path

    @property
    def root_env(self) -> dict[str, str]:
        return {"AWS_ACCESS_KEY_ID": ROOT_KEY[0], "AWS_SECRET_ACCESS_KEY": ROOT_KEY[1]}

    def iam(self, key: tuple[str, str] = ROOT_KEY) -> object:
        return boto3.client("iam", endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id=key[0], aws_secret_access_key=key[1])

    @property
    def files_env(self) -> dict[str, str]:
        return {"AWS_SHARED_CREDENTIALS_FILE": str(self.home / "credentials"),
                "AWS_CONFIG_FILE": str(self.home / "config")}


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    """The process environment without any AWS setting of the machine's, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["AWS_EC2_METADATA_DISABLED"] = "true"
    env.update(extra)
    return env


def start_server(home: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    log = home / "serve.log"
    env = clean_env({"A2C_IAM_ROOT_ACCESS_KEY_ID": ROOT_KEY[0],
                     "A2C_IAM_ROOT_SECRET_ACCESS_KEY": ROOT_KEY[1]})
    with open(log, "wb") as fh:
        process = subprocess.Popen(
            [sys.executable, "-m", "a2c_iam.cli.main", "serve", "--port", str(port), "--db",
             f"sqlite:///{home / 'iam.db'}", "--account-id", ACCOUNT, "--no-access-log"],
            cwd=home, env=env, stdout=fh, stderr=subprocess.STDOUT,
        )
    _wait_for_port(port, process, log)
    return process, f"http://127.0.0.1:{port}"


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("a2c-setup-e2e")
    process, url = start_server(home)
    try:
        yield Server(url, home)
    finally:
        stop_server(process)


def a2c(server: Server, capsys: pytest.CaptureFixture[str], *args: str,
        env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """``a2c-iam a2c ARGS`` in this process, with only ``env``'s AWS settings."""
    with mock.patch.dict(os.environ, clean_env({**server.files_env, **(env or {})}), clear=True):
        status = main(["a2c", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def setup_args(server: Server, *extra: str) -> list[str]:
    return ["setup", *CHOICE_FLAGS, "--users", ",".join(USERS), "--deploy-user", DEPLOYER,
            "--endpoint-url", server.url, *extra]


@dataclass
class Provisioned:
    dry_run: str
    after_dry_run: list[object]
    output: str


def _run_main(server: Server, args: list[str]) -> tuple[int, str]:
    with mock.patch.dict(os.environ, clean_env({**server.files_env, **server.root_env}),
                         clear=True):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            status = main(["a2c", *args])
    return status, buffer.getvalue()


@pytest.fixture(scope="module")
def provisioned(server: Server) -> Provisioned:
    """``setup --dry-run``, then ``setup --write-profiles``, from nothing, once for the module."""
    status, dry_run = _run_main(server, setup_args(server, "--dry-run"))
    assert status == 0, dry_run
    iam = server.iam()
    after = [*iam.list_users()["Users"], *iam.list_groups()["Groups"],  # type: ignore[attr-defined]
             *iam.list_policies(Scope="Local")["Policies"]]  # type: ignore[attr-defined]
    status, output = _run_main(server, setup_args(server, "--write-profiles"))
    assert status == 0, output
    return Provisioned(dry_run, after, output)


def change_lines(out: str) -> list[str]:
    """The lines of ``setup``'s output that mark a change (``+``), a repair (``~``) or drift it
    leaves to the person (``!``)."""
    return [line for line in out.splitlines() if line.startswith(("  + ", "  ~ ", "  ! "))]


def _members(iam: object, group: str) -> set[str]:
    return {u["UserName"] for u in iam.get_group(GroupName=group)["Users"]}  # type: ignore[attr-defined]


def _group_documents(iam: object) -> list[dict[str, object]]:
    """The documents of every policy attached to the general-purpose group, read as root."""
    documents = []
    attached = iam.list_attached_group_policies(GroupName=GROUP)["AttachedPolicies"]  # type: ignore[attr-defined]
    for policy in attached:
        meta = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]  # type: ignore[attr-defined]
        version = iam.get_policy_version(  # type: ignore[attr-defined]
            PolicyArn=policy["PolicyArn"], VersionId=meta["DefaultVersionId"])
        documents.append(version["PolicyVersion"]["Document"])
    return documents


# -- setup from nothing -------------------------------------------------------------------------

def test_dry_run_plans_and_changes_nothing(provisioned: Provisioned) -> None:
    out = provisioned.dry_run
    assert "would be made" in out
    for user in (*USERS, DEPLOYER):
        assert f"user {user}: create" in out
    assert f"group {GROUP}: create" in out
    assert f"user {DEPLOYER}: attach {ADMIN_ARN}" in out
    assert provisioned.after_dry_run == []


def test_setup_from_nothing_creates_both_personas(server: Server, provisioned: Provisioned) -> None:
    iam = server.iam()
    assert _members(iam, GROUP) == set(USERS)
    assert iam.get_group(GroupName=GROUP)["Group"]["Path"] == "/a2c-iam/"  # type: ignore[attr-defined]
    for user in (*USERS, DEPLOYER):
        tags = iam.list_user_tags(UserName=user)["Tags"]  # type: ignore[attr-defined]
        assert {"Key": "a2c-iam:managed", "Value": "true"} in tags
        assert len(iam.list_access_keys(UserName=user)["AccessKeyMetadata"]) == 1  # type: ignore[attr-defined]
    # the deployment persona is apart: in no group, AdministratorAccess on the user itself
    assert iam.list_groups_for_user(UserName=DEPLOYER)["Groups"] == []  # type: ignore[attr-defined]
    attached = iam.list_attached_user_policies(UserName=DEPLOYER)["AttachedPolicies"]  # type: ignore[attr-defined]
    assert [p["PolicyArn"] for p in attached] == [ADMIN_ARN]
    group_arns = {p["PolicyArn"] for p in iam.list_attached_group_policies(GroupName=GROUP)[  # type: ignore[attr-defined]
        "AttachedPolicies"]}
    assert ADMIN_ARN not in group_arns and len(group_arns) >= 2
    # secrets went to the credentials file (0600), not to the output
    credentials = server.home / "credentials"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    for line in credentials.read_text().splitlines():
        if line.startswith("aws_secret_access_key"):
            assert line.split("=", 1)[1].strip() not in provisioned.output


def _seed_general_actions() -> set[str]:
    """Every action of the seed's own general-purpose ECS policy (tests/a2c/data, verbatim from
    the seed; an action with a documentation URL inside counts by its first word)."""
    seed = json.loads((Path(__file__).parent / "data" / "seed-ecs.json").read_text())
    actions: set[str] = set()
    for statement in seed["Statement"]:
        listed = statement["Action"]
        for action in [listed] if isinstance(listed, str) else listed:
            actions.add(action.split()[0].lower())
    return actions


def test_general_policies_never_grant_what_deploy_needs(server: Server, provisioned: Provisioned) -> None:
    """Every ``--deploy`` command is denied to the group, and of what ``--deploy`` needs beyond
    the same command without it, the group holds nothing the seed's own general-purpose policy
    does not list (the seed grants ``ecs:CreateService`` in SectionForECSWriteAccess)."""
    documents = _group_documents(server.iam())
    needs = {e.command: set(e.needs) for e in command_map(CHOICES)}
    deploy = [e for e in command_map(CHOICES) if e.persona is Persona.DEPLOY]
    assert deploy, "the choices must have --deploy commands"
    seed_actions = _seed_general_actions()
    for entry in deploy:
        extra = set(entry.needs) - needs[entry.command.replace(" --deploy", "")]
        (result,) = check_policies(CHOICES, documents, command=entry.command)
        assert not result.allowed and extra & set(result.missing), entry.command
        granted = extra - set(result.missing)
        assert {a.lower() for a, _ in granted} <= seed_actions, (entry.command, granted)


def test_second_run_changes_nothing(server: Server, provisioned: Provisioned,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    iam = server.iam()
    keys_before = {u: iam.list_access_keys(UserName=u)["AccessKeyMetadata"]  # type: ignore[attr-defined]
                   for u in (*USERS, DEPLOYER)}
    status, out, _ = a2c(server, capsys, *setup_args(server, "--write-profiles"),
                         env=server.root_env)
    assert status == 0
    assert "no changes" in out and "access key" not in out
    assert change_lines(out) == [], out
    assert keys_before == {u: iam.list_access_keys(UserName=u)["AccessKeyMetadata"]  # type: ignore[attr-defined]
                           for u in (*USERS, DEPLOYER)}


# -- the written profiles ----------------------------------------------------------------------

@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI (pip install awscli) is "
                    "not installed; install it to run this test")
def test_written_profiles_work_with_the_aws_cli(server: Server, provisioned: Provisioned) -> None:
    for user in (*USERS, DEPLOYER):
        done = subprocess.run(["aws", "sts", "get-caller-identity", "--profile", user],
                              env=clean_env(server.files_env), capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/a2c-iam/{user}"


def _check(server: Server, capsys: pytest.CaptureFixture[str], profile: str) -> dict[str, object]:
    status, out, err = a2c(server, capsys, "check", *CHOICE_FLAGS, "--profile", profile, "--json")
    assert status == 0, err
    report: dict[str, object] = json.loads(out)
    return report


def _server_simulates(server: Server) -> bool:
    try:
        server.iam().simulate_principal_policy(  # type: ignore[attr-defined]
            PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/a2c-iam/alice",
            ActionNames=["s3:GetObject"])
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "NotImplemented":
            return False
        raise
    return True


def _assert_general_rows(results: object) -> None:
    assert isinstance(results, list)
    assert {r["command"] for r in results} == {e.command for e in command_map(CHOICES)
                                               if e.persona in (Persona.GENERAL, Persona.DEPLOY)}
    for row in results:
        deploy = row["command"].endswith("--deploy")
        assert row["allowed"] is not deploy, row
        assert bool(row["missing"]) is deploy


def test_check_general_user_may_run_all_but_deploy(server: Server, provisioned: Provisioned,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    report = _check(server, capsys, "alice")
    assert report["identity"] == f"arn:aws:iam::{ACCOUNT}:user/a2c-iam/alice"
    simulates = _server_simulates(server)
    assert report["method"] == ("SimulatePrincipalPolicy" if simulates else "local evaluation")
    _assert_general_rows(report["results"])


def test_check_falls_back_to_local_evaluation_and_says_why(
        server: Server, provisioned: Provisioned, capsys: pytest.CaptureFixture[str]) -> None:
    """An identity with the general policies that may read but not simulate its own
    permissions: the same answer, by local evaluation, with the reason given."""
    iam = server.iam()
    iam.create_user(UserName="reader", Path="/a2c-iam/")  # type: ignore[attr-defined]
    for arn in {p["PolicyArn"] for p in iam.list_attached_group_policies(  # type: ignore[attr-defined]
            GroupName=GROUP)["AttachedPolicies"]}:
        iam.attach_user_policy(UserName="reader", PolicyArn=arn)  # type: ignore[attr-defined]
    iam.put_user_policy(UserName="reader", PolicyName="no-simulation", PolicyDocument=json.dumps({  # type: ignore[attr-defined]
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "iam:SimulatePrincipalPolicy", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="reader")["AccessKey"]  # type: ignore[attr-defined]
    env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    status, out, err = a2c(server, capsys, "check", *CHOICE_FLAGS, "--endpoint-url", server.url,
                           "--json", env=env)
    assert status == 0, err
    report = json.loads(out)
    assert report["method"] == "local evaluation"
    assert "SimulatePrincipalPolicy" in report["why"]
    _assert_general_rows(report["results"])


def test_check_deploy_user_may_run_everything(server: Server, provisioned: Provisioned,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    report = _check(server, capsys, DEPLOYER)
    results = report["results"]
    assert isinstance(results, list) and results
    assert any(r["command"].endswith("--deploy") for r in results)
    assert all(r["allowed"] for r in results), results
    status, out, _ = a2c(server, capsys, "check", *CHOICE_FLAGS, "--profile", "alice",
                         "--command", "generate app-deployment --deploy")
    assert status == 1
    assert "method:" in out and "missing" in out


def test_check_takes_account_and_region_from_the_profile(
        server: Server, provisioned: Provisioned, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --account and --region, check uses the credentials' account and the Region
    setup wrote into the profile; a choice that is really missing is still named."""
    status, out, err = a2c(server, capsys, "check", "--target", "ecs", "--profile", "alice",
                           "--json")
    assert status == 0, err
    report = json.loads(out)
    assert report["account"] == ACCOUNT
    (deploy,) = [r for r in report["results"] if r["command"] == "generate app-deployment --deploy"]
    assert deploy["missing"] and all(f":{REGION}:{ACCOUNT}:" in m["resource"] or
                                     f"::{ACCOUNT}:" in m["resource"] for m in deploy["missing"])
    status, _, err = a2c(server, capsys, "check", "--profile", "alice")
    assert status == 2 and "target: is required" in err


def test_policy_files_and_a_live_identity_are_not_mixed(
        server: Server, provisioned: Provisioned, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = a2c(server, capsys, "check", *CHOICE_FLAGS, "--profile", "alice",
                         "--policy-file", "general.json")
    assert status == 2 and "--policy-file" in err and "one or the other" in err


# -- drift ---------------------------------------------------------------------------------------

def test_drift_is_reported_and_repaired(server: Server, provisioned: Provisioned,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    iam = server.iam()
    general = next(p for p in iam.list_policies(Scope="Local")["Policies"]  # type: ignore[attr-defined]
                   if p["PolicyName"] == "App2ContainerGeneral")
    wide = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "cloudformation:*", "Resource": "*"}]})
    for _ in range(4):  # five versions: the next one needs the oldest non-default deleted
        iam.create_policy_version(PolicyArn=general["Arn"], PolicyDocument=wide,  # type: ignore[attr-defined]
                                  SetAsDefault=True)
    iam.attach_group_policy(GroupName=GROUP, PolicyArn=ADMIN_ARN)  # type: ignore[attr-defined]
    iam.put_group_policy(GroupName=GROUP, PolicyName="extra", PolicyDocument=wide)  # type: ignore[attr-defined]
    iam.remove_user_from_group(GroupName=GROUP, UserName="bob")  # type: ignore[attr-defined]
    iam.add_user_to_group(GroupName=GROUP, UserName=DEPLOYER)  # type: ignore[attr-defined]
    self_check = f"arn:aws:iam::{ACCOUNT}:policy/a2c-iam/{GROUP}-self-check"
    iam.detach_group_policy(GroupName=GROUP, PolicyArn=self_check)  # type: ignore[attr-defined]

    status, out, _ = a2c(server, capsys, *setup_args(server, "--dry-run"), env=server.root_env)
    assert status == 0 and "would be made, 6 of them to repair drift" in out, out
    status, out, _ = a2c(server, capsys, *setup_args(server), env=server.root_env)
    assert status == 0, out
    for expected in ("policy App2ContainerGeneral: set a new default version",
                     f"detach {ADMIN_ARN}", "delete inline policy extra",
                     f"attach {self_check} (drift: policy not attached)",
                     "user bob: add to group", f"user {DEPLOYER}: remove from group"):
        assert expected in out
    assert out.count("(drift:") == 6
    assert self_check in {p["PolicyArn"] for p in iam.list_attached_group_policies(  # type: ignore[attr-defined]
        GroupName=GROUP)["AttachedPolicies"]}
    assert iam.list_groups_for_user(UserName=DEPLOYER)["Groups"] == []  # type: ignore[attr-defined]

    versions = iam.list_policy_versions(PolicyArn=general["Arn"])["Versions"]  # type: ignore[attr-defined]
    assert len(versions) == 5
    assert "v1" not in {v["VersionId"] for v in versions}  # the oldest went
    assert _members(iam, GROUP) == set(USERS)
    assert iam.list_group_policies(GroupName=GROUP)["PolicyNames"] == []  # type: ignore[attr-defined]
    documents = _group_documents(iam)
    assert wide not in [json.dumps(d) for d in documents]
    status, out, _ = a2c(server, capsys, *setup_args(server), env=server.root_env)
    assert status == 0 and "no changes" in out


def test_policies_on_a_general_user_are_reported_not_removed(
        server: Server, provisioned: Provisioned, capsys: pytest.CaptureFixture[str]) -> None:
    """A policy attached to a general user itself (managed or inline) is drift setup reports,
    with the command that removes it, on every run until it is gone; it never removes it."""
    iam = server.iam()
    iam.attach_user_policy(UserName="alice", PolicyArn=ADMIN_ARN)  # type: ignore[attr-defined]
    iam.put_user_policy(UserName="bob", PolicyName="extra", PolicyDocument=json.dumps({  # type: ignore[attr-defined]
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ecs:*", "Resource": "*"}]}))
    try:
        for extra in ("--dry-run", "--write-profiles"):
            status, out, _ = a2c(server, capsys, *setup_args(server, extra), env=server.root_env)
            assert status == 0, out
            assert "no changes" not in out and "2 drift(s) setup leaves to you" in out, out
            lines = change_lines(out)
            assert len(lines) == 2 and all(line.startswith("  ! ") for line in lines), out
            alice, bob = lines
            assert f"user alice: {ADMIN_ARN} is attached to the user itself" in alice
            assert "only through the group" in alice
            assert (f"aws iam detach-user-policy --user-name alice --policy-arn {ADMIN_ARN} "
                    f"--endpoint-url {server.url}") in alice
            assert "user bob: inline policy extra is on the user itself" in bob
            assert "aws iam delete-user-policy --user-name bob --policy-name extra" in bob
        # left as they were
        attached = iam.list_attached_user_policies(UserName="alice")["AttachedPolicies"]  # type: ignore[attr-defined]
        assert [p["PolicyArn"] for p in attached] == [ADMIN_ARN]
        assert iam.list_user_policies(UserName="bob")["PolicyNames"] == ["extra"]  # type: ignore[attr-defined]
    finally:
        iam.detach_user_policy(UserName="alice", PolicyArn=ADMIN_ARN)  # type: ignore[attr-defined]
        iam.delete_user_policy(UserName="bob", PolicyName="extra")  # type: ignore[attr-defined]
    status, out, _ = a2c(server, capsys, *setup_args(server), env=server.root_env)
    assert status == 0 and "no changes: the account already matches" in out, out
    assert change_lines(out) == [], out


# -- refusals ------------------------------------------------------------------------------------

def test_foreign_entities_are_never_changed(server: Server, provisioned: Provisioned,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    iam = server.iam()
    iam.create_user(UserName="carol")  # type: ignore[attr-defined]
    iam.create_group(GroupName="ops")  # type: ignore[attr-defined]
    status, _, err = a2c(server, capsys, "setup", *CHOICE_FLAGS, "--users", "carol,dave",
                         "--endpoint-url", server.url, env=server.root_env)
    assert status == 2
    assert "EntityAlreadyExists" in err and "'carol'" in err and "a2c-iam" in err
    status, _, err = a2c(server, capsys, "setup", *CHOICE_FLAGS, "--group", "ops", "--users",
                         "dave", "--endpoint-url", server.url, env=server.root_env)
    assert status == 2 and "group 'ops'" in err
    # refused before any write: dave was not created, carol and ops are as they were
    assert "dave" not in {u["UserName"] for u in iam.list_users()["Users"]}  # type: ignore[attr-defined]
    assert iam.list_groups_for_user(UserName="carol")["Groups"] == []  # type: ignore[attr-defined]
    assert iam.list_attached_group_policies(GroupName="ops")["AttachedPolicies"] == []  # type: ignore[attr-defined]


def test_access_denied_names_the_missing_permission(server: Server, provisioned: Provisioned,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    iam = server.iam()
    iam.create_user(UserName="intern")  # type: ignore[attr-defined]
    key = iam.create_access_key(UserName="intern")["AccessKey"]  # type: ignore[attr-defined]
    env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    status, _, err = a2c(server, capsys, *setup_args(server), env=env)
    assert status == 2
    assert "AccessDenied" in err and "iam:ListPolicies" in err
    status, _, err = a2c(server, capsys, "check", *CHOICE_FLAGS, "--endpoint-url", server.url,
                         env=env)
    assert status == 2
    assert "iam:SimulatePrincipalPolicy" in err or "SimulatePrincipalPolicy" in err
    assert "iam:ListUserPolicies" in err


def test_wrong_account_is_refused(server: Server, provisioned: Provisioned,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = a2c(server, capsys, *setup_args(server, "--account", "444455556666"),
                         env=server.root_env)
    assert status == 2 and "AccountMismatch" in err and ACCOUNT in err
    status, _, err = a2c(server, capsys, "check", *CHOICE_FLAGS, "--account", "444455556666",
                         "--profile", "alice")
    assert status == 2 and "AccountMismatch" in err and f"--account {ACCOUNT}" in err


# -- the instance-profile variant ----------------------------------------------------------------

def test_instance_profile_variant(server: Server, provisioned: Provisioned,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    args = ["setup", *CHOICE_FLAGS, "--instance-profile", "a2c-worker", "--endpoint-url",
            server.url]
    status, out, _ = a2c(server, capsys, *args, env=server.root_env)
    assert status == 0, out
    assert "role a2c-worker: create" in out and "instance profile a2c-worker: create" in out
    assert "group " not in out  # no --users: the group is left alone
    iam = server.iam()
    role = iam.get_role(RoleName="a2c-worker")["Role"]  # type: ignore[attr-defined]
    trust = role["AssumeRolePolicyDocument"]
    assert trust["Statement"][0]["Principal"] == {"Service": "ec2.amazonaws.com"}
    profile = iam.get_instance_profile(InstanceProfileName="a2c-worker")["InstanceProfile"]  # type: ignore[attr-defined]
    assert [r["RoleName"] for r in profile["Roles"]] == ["a2c-worker"]
    role_arns = {p["PolicyArn"] for p in iam.list_attached_role_policies(  # type: ignore[attr-defined]
        RoleName="a2c-worker")["AttachedPolicies"]}
    group_arns = {p["PolicyArn"] for p in iam.list_attached_group_policies(  # type: ignore[attr-defined]
        GroupName=GROUP)["AttachedPolicies"]}
    assert role_arns == group_arns
    status, out, _ = a2c(server, capsys, *args, env=server.root_env)
    assert status == 0 and "no changes" in out


def test_deploy_user_leaves_the_group_without_users(
        server: Server, provisioned: Provisioned, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --users (an instance profile and a deployment user) setup does not manage the
    group, but the deployment user in it is still drift, and repaired."""
    iam = server.iam()
    iam.add_user_to_group(GroupName=GROUP, UserName=DEPLOYER)  # type: ignore[attr-defined]
    args = ["setup", *CHOICE_FLAGS, "--instance-profile", "a2c-worker-2", "--deploy-user",
            DEPLOYER, "--endpoint-url", server.url]
    status, out, _ = a2c(server, capsys, *args, env=server.root_env)
    assert status == 0, out
    assert (f"~ user {DEPLOYER}: remove from group {GROUP} (drift: the deployment user is in "
            "the general-purpose group)") in out
    assert iam.list_groups_for_user(UserName=DEPLOYER)["Groups"] == []  # type: ignore[attr-defined]
    assert _members(iam, GROUP) == set(USERS)  # the group itself is left as it was
    status, out, _ = a2c(server, capsys, *args, env=server.root_env)
    assert status == 0 and "no changes" in out and change_lines(out) == [], out


def test_check_an_assumed_role_session(server: Server, provisioned: Provisioned,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A role session (as on an EC2 instance with the instance profile): check names the
    session, answers for its role, and the role's general policies allow all but --deploy."""
    iam = server.iam()
    trust = {"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "sts:AssumeRole"}]}
    role = iam.create_role(RoleName="a2c-session-test", Path="/a2c-iam/",  # type: ignore[attr-defined]
                           AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    for arn in {p["PolicyArn"] for p in iam.list_attached_group_policies(  # type: ignore[attr-defined]
            GroupName=GROUP)["AttachedPolicies"]}:
        iam.attach_role_policy(RoleName="a2c-session-test", PolicyArn=arn)  # type: ignore[attr-defined]
    iam.create_user(UserName="assumer")  # type: ignore[attr-defined]
    iam.put_user_policy(UserName="assumer", PolicyName="assume", PolicyDocument=json.dumps({  # type: ignore[attr-defined]
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role["Arn"]}]}))
    key = iam.create_access_key(UserName="assumer")["AccessKey"]  # type: ignore[attr-defined]
    sts = boto3.client("sts", endpoint_url=server.url, region_name=REGION,
                       aws_access_key_id=key["AccessKeyId"],
                       aws_secret_access_key=key["SecretAccessKey"])
    session = sts.assume_role(RoleArn=role["Arn"], RoleSessionName="worker")["Credentials"]
    env = {"AWS_ACCESS_KEY_ID": session["AccessKeyId"],
           "AWS_SECRET_ACCESS_KEY": session["SecretAccessKey"],
           "AWS_SESSION_TOKEN": session["SessionToken"]}
    status, out, err = a2c(server, capsys, "check", *CHOICE_FLAGS, "--endpoint-url", server.url,
                           "--json", env=env)
    assert status == 0, err
    report = json.loads(out)
    assert report["identity"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/a2c-session-test/worker"
    assert report["principal"] == role["Arn"]
    _assert_general_rows(report["results"])


def test_a_denied_write_says_how_far_it_got_and_a_rerun_finishes(
        server: Server, provisioned: Provisioned, capsys: pytest.CaptureFixture[str]) -> None:
    iam = server.iam()
    iam.create_user(UserName="half-admin")  # type: ignore[attr-defined]
    iam.put_user_policy(UserName="half-admin", PolicyName="most", PolicyDocument=json.dumps({  # type: ignore[attr-defined]
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["iam:*", "sts:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:AddUserToGroup", "Resource": "*"}]}))
    key = iam.create_access_key(UserName="half-admin")["AccessKey"]  # type: ignore[attr-defined]
    env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    args = ["setup", *CHOICE_FLAGS, "--group", "a2c-partial", "--users", "pat",
            "--endpoint-url", server.url]
    status, out, err = a2c(server, capsys, *args, env=env)
    assert status == 2
    assert "AccessDenied" in err and "iam:AddUserToGroup" in err and "were made" in err
    # the key made before the failure is shown once, not lost
    (made,) = iam.list_access_keys(UserName="pat")["AccessKeyMetadata"]  # type: ignore[attr-defined]
    assert f"pat: access key {made['AccessKeyId']} secret " in out
    status, out, _ = a2c(server, capsys, *args, env=server.root_env)
    assert status == 0 and "user pat: add to group a2c-partial" in out
    assert "user pat: create" not in out
    assert _members(iam, "a2c-partial") == {"pat"}
