"""``a2c-iam simulate --batch`` over many requests: throughput, and memory that does not grow.

    python benchmarks/simulate_batch.py [--requests 100000]

Writes a JSON Lines file of N simulate inputs (one identity policy with an ``IpAddress``
condition and a ``${aws:username}`` resource; a different source IP and user on every line),
runs the command as a user would (``a2c-iam simulate --batch FILE > decisions.jsonl``) once on
1,000 lines and once on N, and prints the wall time, the rate, the command's own throughput line
(stderr) and the peak RSS of each run. Equal peaks show that the command streams. Not part of the
test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "OwnPrefix", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
         "Resource": "arn:aws:s3:::team-bucket/home/${aws:username}/*",
         "Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}},
        {"Sid": "NoDeletes", "Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"},
    ],
}


def write_requests(path: Path, count: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for n in range(count):
            user = f"user{n % 500}"
            key = f"home/{user if n % 3 else 'someone-else'}/file-{n}.txt"
            ip = f"203.0.113.{n % 256}" if n % 4 else f"198.51.100.{n % 256}"
            line = {"request": {"principal": f"arn:aws:iam::111122223333:user/{user}",
                                "action": "s3:GetObject" if n % 5 else "s3:DeleteObject",
                                "resource": f"arn:aws:s3:::team-bucket/{key}",
                                "context": {"aws:SourceIp": ip}},
                    "identity_policies": [POLICY]}
            fh.write(json.dumps(line) + "\n")


def run_batch(path: Path, out: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (KB) of the child, and its stderr."""
    exe = shutil.which("a2c-iam", path=os.pathsep.join([str(Path(sys.executable).parent),
                                                        os.environ.get("PATH", "")]))
    cmd = [exe] if exe else [sys.executable, "-m", "a2c_iam.cli.main"]
    start = time.perf_counter()
    with out.open("w") as fh, tempfile.TemporaryFile("w+") as err:
        child = subprocess.Popen([*cmd, "simulate", "--batch", str(path)], stdout=fh, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not all children's
        child.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.perf_counter() - start
        err.seek(0)
        stderr = err.read().strip()
    if child.returncode != 0:
        raise SystemExit(f"simulate --batch failed ({child.returncode}): {stderr}")
    return elapsed, usage.ru_maxrss, stderr


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="a2c-batch-") as tmp:
        for count in (1_000, args.requests):
            path = Path(tmp) / f"requests-{count}.jsonl"
            write_requests(path, count)
            out = Path(tmp) / "decisions.jsonl"
            elapsed, peak, stderr = run_batch(path, out)
            lines = sum(1 for _ in out.open())
            assert lines == count, f"{lines} decisions for {count} requests"
            print(f"{count:>7} requests ({path.stat().st_size / 1e6:.1f} MB): {elapsed:.2f} s, "
                  f"{count / elapsed:,.0f}/s, peak RSS {peak:,} KB")
            print(f"        stderr: {stderr}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
