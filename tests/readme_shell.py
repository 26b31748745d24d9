"""Running the README's shell blocks as written: in a directory of their own, with ``HOME``
there and no AWS or a2c-iam setting of this machine's, a server block in the background."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def section_blocks(readme: str, heading: str, lang: str = "bash") -> list[str]:
    """The ``lang`` blocks of the README section under ``heading`` (up to the next ``## ``)."""
    start = readme.index(heading + "\n")
    rest = readme[start + len(heading):]
    end = rest.find("\n## ")
    section = rest if end < 0 else rest[:end]
    return re.findall(rf"^```{lang}\n(.*?)^```", section, re.S | re.M)


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "A2C_IAM_"))}
    env.update(HOME=str(home), AWS_EC2_METADATA_DISABLED="true",
               PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]),
               **extra)
    return env


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


@contextmanager
def serving(block: str, home: Path, env: dict[str, str], port: int) -> Iterator[Path]:
    """``block`` running in ``bash -euo pipefail`` until ``port`` answers; stopped (its whole
    process group) on leaving. Yields the path of its log (stdout and stderr)."""
    log_path = home / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(["bash", "-euo", "pipefail", "-c", block], cwd=home, env=env,
                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 30
            while not port_open(port):
                assert server.poll() is None, log_path.read_text()
                assert time.monotonic() < deadline, "the README's server did not start"
                time.sleep(0.05)
            yield log_path
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()


def run_block(block: str, home: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=home, env=env,
                          capture_output=True, text=True, timeout=120)
