"""The README's walk-through of ``a2c setup`` and ``a2c check --profile``, run verbatim.

The section under :data:`HEADING` holds two ``bash`` blocks: the first starts the server (a
terminal of its own), the second sets up and checks. The first runs in the background, the
second in ``bash -euo pipefail``, both in a temporary directory with ``PORT`` set to a free port
(the walk-through says ``${PORT:-8642}``) and no AWS setting of this machine's.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

from readme_shell import clean_env, run_block, section_blocks, serving

README = Path(__file__).resolve().parents[2] / "README.md"
HEADING = "## App2Container setup against a live IAM endpoint"


def walkthrough_blocks(readme: str) -> list[str]:
    return section_blocks(readme, HEADING)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_walkthrough(readme: str, home: Path) -> subprocess.CompletedProcess[str]:
    server_block, steps_block = walkthrough_blocks(readme)
    port = _free_port()
    env = clean_env(home, PORT=str(port))
    with serving(server_block, home, env, port):
        return run_block(steps_block, home, env)


def uses_aws_cli(blocks: list[str]) -> bool:
    """Whether a block runs the AWS CLI (a line or a pipe stage starting with ``aws ``)."""
    return any(re.search(r"(?:^|[|;&(]\s*)aws\s", block, re.M) for block in blocks)


def check_walkthrough(readme: str, home: Path) -> None:
    """Run the walk-through of ``readme`` in ``home`` and assert what it promises. Shared with
    any script that checks a README not yet in place (the section's text before it is pasted)."""
    blocks = walkthrough_blocks(readme)
    assert len(blocks) == 2, f"the section '{HEADING}' must hold two bash blocks"
    done = run_walkthrough(readme, home)
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "arn:aws:iam::111122223333:user/a2c-iam/alice" in out
    alice = out[out.index("identity: arn:aws:iam::111122223333:user/a2c-iam/alice"):
                out.index("identity: arn:aws:iam::111122223333:user/a2c-iam/deployer")]
    rows = [line.split() for line in alice.splitlines() if line.startswith("  ") and
            ": missing " not in line]
    assert rows, alice
    assert any("--deploy" in row for row in rows), alice
    for row in rows:
        deploy = "--deploy" in row
        assert ("allowed" in row) is not deploy, row
    deployer = out[out.index("identity: arn:aws:iam::111122223333:user/a2c-iam/deployer"):]
    assert "generate app-deployment --deploy" in deployer and "allowed" in deployer
    assert "missing" not in deployer
    # the walk-through runs setup twice: the second changes nothing and says so
    runs = out.split("as arn:aws:iam::111122223333:root\n")
    assert len(runs) >= 3, f"the walk-through must run setup twice as the root: {out}"
    assert runs[2].startswith("no changes: the account already matches the specification\n"), out
    # no secret reaches the output
    credentials = (home / "demo-credentials").read_text(encoding="utf-8")
    secrets = [line.split("=", 1)[1].strip() for line in credentials.splitlines()
               if line.startswith("aws_secret_access_key")]
    assert len(secrets) >= 3, credentials  # the root's, alice's, bob's, the deployer's
    for secret in secrets:
        assert secret not in out and secret not in done.stderr
    assert (home / "demo-credentials").stat().st_mode & 0o077 == 0


def test_readme_walkthrough_runs_verbatim(tmp_path: Path) -> None:
    readme = README.read_text(encoding="utf-8")
    assert HEADING + "\n" in readme, f"README.md must have the section '{HEADING}'"
    if uses_aws_cli(walkthrough_blocks(readme)) and shutil.which("aws") is None:
        pytest.skip("the walk-through uses the AWS CLI: pip install awscli to run this test")
    check_walkthrough(readme, tmp_path)
