"""``a2c-iam serve`` and ``a2c-iam account`` as a user runs them: the README's first commands."""

from __future__ import annotations

import json
import os
import queue
import signal
import stat
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from a2c_iam.api.server import free_port


def a2c_iam(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "a2c_iam.cli.main", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def clean_env(home: Path) -> dict[str, str]:
    """No AWS or a2c-iam settings, and no PYTHONUNBUFFERED: a user's stdout to a pipe or file is
    block-buffered, and what ``serve`` prints before serving must get through all the same."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AWS_", "A2C_IAM_")) and k != "PYTHONUNBUFFERED"}
    env.update(HOME=str(home), AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
               AWS_CONFIG_FILE=str(home / "config"), AWS_PAGER="")
    return env


def start(cwd: Path, env: dict[str, str], *args: str) -> tuple[subprocess.Popen[str], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "a2c_iam.cli.main", "serve", "--port",
                             str(port), *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[1]
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                return proc, port
        except OSError:
            time.sleep(0.1)
    raise AssertionError("serve did not start")


def first_lines(proc: subprocess.Popen[str], n: int, timeout: float = 10) -> list[str]:
    """The first ``n`` lines of the running process's stdout, or fewer if they do not come in
    time (read on a thread: a bare readline would hang the test on a stuck buffer)."""
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for _ in range(n):
            lines.put(proc.stdout.readline().strip())

    threading.Thread(target=read, daemon=True).start()
    got: list[str] = []
    deadline = time.monotonic() + timeout
    while len(got) < n and (left := deadline - time.monotonic()) > 0:
        try:
            got.append(lines.get(timeout=left))
        except queue.Empty:
            break
    return got


def stop(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


def test_first_start_shows_the_root_key_once_and_the_cli_works(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    proc, port = start(tmp_path, env, "--write-profile", "a2c-iam")
    try:
        credentials = tmp_path / "credentials"
        assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
        listed = subprocess.run(["aws", "--profile", "a2c-iam", "--endpoint-url",
                                 f"http://127.0.0.1:{port}", "iam", "list-users"], env=env,
                                capture_output=True, text=True, timeout=60, check=False)
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == {"Users": []}
    finally:
        code, out, err = stop(proc)
    assert code == 0
    secret_lines = [line for line in out.splitlines() if line.startswith("aws_secret_access_key")]
    assert len(secret_lines) == 1
    secret = secret_lines[0].split(" = ")[1]
    assert secret in credentials.read_text()
    assert secret not in err  # the request log never carries it
    assert f"Use it: aws --profile a2c-iam --endpoint-url http://127.0.0.1:{port} iam list-users" \
        in err
    assert (tmp_path / "a2c-iam.db").exists()  # the default database: a SQLite file here
    again, _ = start(tmp_path, env)
    code, out, err = stop(again)
    assert code == 0 and secret not in out and "aws_secret_access_key" not in out


def test_plain_start_prints_a_key_the_aws_cli_takes_from_the_environment(tmp_path: Path) -> None:
    """The README's two commands: ``a2c-iam serve``, then ``aws … iam list-users`` with the key."""
    env = clean_env(tmp_path)
    proc, port = start(tmp_path, env)
    try:
        lines = first_lines(proc, 3)  # printed before serving, while the server runs
        shown = dict(line.split(" = ", 1) for line in lines if " = " in line)
        assert set(shown) == {"aws_access_key_id", "aws_secret_access_key"}
        cli = {**env, "AWS_ACCESS_KEY_ID": shown["aws_access_key_id"],
               "AWS_SECRET_ACCESS_KEY": shown["aws_secret_access_key"],
               "AWS_DEFAULT_REGION": "eu-west-3"}
        listed = subprocess.run(["aws", "--endpoint-url", f"http://127.0.0.1:{port}", "iam",
                                 "list-users"], env=cli, capture_output=True, text=True,
                                timeout=60, check=False)
        assert listed.returncode == 0, listed.stderr
        assert json.loads(listed.stdout) == {"Users": []}
    finally:
        code, out, err = stop(proc)
    assert code == 0
    assert "AWS_DEFAULT_REGION" in err and f"--endpoint-url http://127.0.0.1:{port}" in err
    assert shown["aws_secret_access_key"] not in err + out
    assert not (tmp_path / "credentials").exists()  # no profile unless asked for


def test_account_create(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    db = f"sqlite:///{tmp_path / 'accounts.db'}"
    made = a2c_iam("account", "create", "--db", db, "--account-id", "123412341234", "--json",
                   cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)
    assert key["account_id"] == "123412341234" and key["access_key_id"].startswith("AKIA")
    assert len(key["secret_access_key"]) == 40
    twice = a2c_iam("account", "create", "--db", db, "--account-id", "123412341234",
                    cwd=tmp_path, env=env)
    assert twice.returncode == 1 and "EntityAlreadyExists" in twice.stderr
    bad = a2c_iam("account", "create", "--db", db, "--account-id", "12", cwd=tmp_path, env=env)
    assert bad.returncode == 2 and "12 digits" in bad.stderr
    listed = a2c_iam("account", "list", "--db", db, cwd=tmp_path, env=env)
    assert listed.stdout.split() == ["123412341234"]


def test_a_busy_port_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        ran = a2c_iam("serve", "--port", str(port), "--no-access-log", cwd=tmp_path,
                      env=clean_env(tmp_path))
    assert ran.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in ran.stderr and "Traceback" not in ran.stderr


@pytest.mark.parametrize("db", ["sqlite:///:memory:", "sqlite://",
                                "sqlite:///file:x?mode=memory&uri=true"])
def test_an_in_memory_database_is_refused(tmp_path: Path, db: str) -> None:
    ran = a2c_iam("serve", "--db", db, "--no-access-log", cwd=tmp_path, env=clean_env(tmp_path))
    assert ran.returncode == 2
    assert "not an in-memory SQLite database" in ran.stderr and "Traceback" not in ran.stderr
    assert not list(tmp_path.glob("*.db"))


def test_account_export_and_import_round_trip(tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    db, other = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    made = a2c_iam("account", "create", "--db", db, "--account-id", "111100002222", "--json",
                   cwd=tmp_path, env=env)
    key = json.loads(made.stdout)
    from a2c_iam.identity import IdentityService

    svc = IdentityService.open(db)
    try:
        ctx = svc.context("111100002222")
        svc.run("iam", "CreateGroup", ctx, GroupName="ops")
        svc.run("iam", "CreateUser", ctx, UserName="ann", Tags=[{"Key": "team", "Value": "a2c"}])
        svc.run("iam", "AddUserToGroup", ctx, GroupName="ops", UserName="ann")
        svc.run("iam", "AttachGroupPolicy", ctx, GroupName="ops",
                PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    finally:
        svc.close()
    exported = a2c_iam("account", "export", "--db", db, cwd=tmp_path, env=env)
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert document["UserDetailList"][0]["GroupList"] == ["ops"]
    (tmp_path / "gaad.json").write_text(exported.stdout)
    loaded = a2c_iam("account", "import", "gaad.json", "--db", other, cwd=tmp_path, env=env)
    assert loaded.returncode == 0, loaded.stderr
    assert "account 111100002222: root access key created" in loaded.stdout  # from the ARNs
    assert key["secret_access_key"] not in loaded.stdout
    again = a2c_iam("account", "export", "--db", other, cwd=tmp_path, env=env)
    second = json.loads(again.stdout)
    for doc in (document, second):
        for user in doc["UserDetailList"]:
            user.pop("UserId")
        for group in doc["GroupDetailList"]:
            group.pop("GroupId")
    assert second == document
    # Importing it again collides: IAM's error, and nothing changes.
    twice = a2c_iam("account", "import", "gaad.json", "--db", other, cwd=tmp_path, env=env)
    assert twice.returncode == 1
    assert "EntityAlreadyExists: Group with name ops already exists." in twice.stderr
    (tmp_path / "bad.json").write_text('{"UserDetailList": [{"UserName": "bad name"}]}')
    bad = a2c_iam("account", "import", "bad.json", "--db", other, "--account-id",
                  "999900001111", cwd=tmp_path, env=env)
    assert bad.returncode == 1 and "ValidationError" in bad.stderr
    listed = a2c_iam("account", "list", "--db", other, cwd=tmp_path, env=env)
    assert listed.stdout.split() == ["111100002222"]  # the refused import made no account
    empty = subprocess.run([sys.executable, "-m", "a2c_iam.cli.main", "account", "import", "-",
                            "--db", other], cwd=tmp_path, env=env, input="", text=True,
                           capture_output=True, timeout=60, check=False)
    assert empty.returncode == 2 and "not JSON" in empty.stderr


def test_forwarded_headers_are_believed_only_from_a_named_proxy(tmp_path: Path) -> None:
    """``--trusted-proxy ADDR``: X-Forwarded-For from that address gives the caller's address
    (aws:SourceIp, the access log's source_ip); a wildcard is refused."""
    env = clean_env(tmp_path)
    refused = a2c_iam("serve", "--trusted-proxy", "*", cwd=tmp_path, env=env)
    assert refused.returncode == 2 and "not an IP address or network" in refused.stderr
    proc, port = start(tmp_path, env, "--trusted-proxy", "127.0.0.1")
    try:
        req = urllib.request.Request(f"http://127.0.0.1:{port}/", method="POST",
                                     data=b"Action=ListUsers&Version=2010-05-08",
                                     headers={"X-Forwarded-For": "203.0.113.9"})
        try:
            urllib.request.urlopen(req, timeout=30)
        except urllib.error.HTTPError as exc:
            assert exc.code == 403  # unsigned; logged all the same
    finally:
        code, _, err = stop(proc)
    assert code == 0
    logged = [json.loads(line) for line in err.splitlines() if line.startswith('{"time"')]
    assert [line["source_ip"] for line in logged] == ["203.0.113.9"]
