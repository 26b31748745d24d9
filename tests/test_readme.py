"""The README's opening commands, run as written.

The first ``sh`` block installs and starts the server; the third asks it for the users with the
AWS CLI. Both run here after their ``pip install … &&`` (the package and the CLI are installed
already), in a temporary directory with ``HOME`` there, so ``~/.aws`` of this machine is left
alone. The second block is the test command: ``.ci/run`` must run exactly it.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
from pathlib import Path

import pytest

from readme_shell import clean_env, run_block, serving

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
DEFAULT_PORT = 8642


def opening_blocks() -> list[str]:
    return [block.strip() for block in _BLOCK.findall(README)[:3]]


def _after_install(command: str) -> str:
    install, sep, rest = command.partition(" && ")
    assert sep and install.startswith("pip install"), command
    return rest


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_the_readme_opens_with_install_and_serve_then_install_and_test() -> None:
    serve, tests, _ = opening_blocks()
    assert serve.startswith("pip install -e . && a2c-iam serve")
    assert tests == "pip install -e '.[test]' && python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "pip install --quiet -e '.[test]'" in ci
    assert [line for line in ci.splitlines() if line.strip() == _after_install(tests)], \
        ".ci/run must run the README's test command"


def test_serve_then_list_users_with_the_aws_cli(tmp_path: Path) -> None:
    serve, _, list_users = opening_blocks()
    if shutil.which("aws", path=clean_env(tmp_path)["PATH"]) is None:
        pytest.skip("the README's example uses the AWS CLI: pip install awscli")
    if not _port_free(DEFAULT_PORT):
        pytest.skip(f"port {DEFAULT_PORT}, the README's, is taken on this machine")
    env = clean_env(tmp_path)
    with serving(_after_install(serve), tmp_path, env, DEFAULT_PORT) as log:
        done = run_block(_after_install(list_users), tmp_path, env)
        served = log.read_text()
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout) == {"Users": []}
    credentials = tmp_path / ".aws" / "credentials"
    assert credentials.stat().st_mode & 0o077 == 0
    assert (tmp_path / "a2c-iam.db").exists()
    assert "root access key created" in served and "ListUsers" in served
