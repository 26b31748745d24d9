"""Signed IAM/STS requests per second of ``a2c-iam serve`` against ``moto_server``, in one run.

    pip install -e '.[bench]'            # moto[server]
    python benchmarks/server.py [--seconds 4] [--rounds 4] [--users 50] [--clients 1,4] [--db sqlite|URL]
                                [--caller root|user]

Both servers run as their own processes on loopback, each with its out-of-the-box settings
(``a2c-iam serve`` over a SQLite file, request log off; ``moto_server``). Each is given the same
account content (``--users`` users, one of them looked up by GetUser), then the same client code
asks each operation for ``--seconds``: a SigV4-signed request built by botocore, sent over one
keep-alive HTTP connection per client thread (the signature is renewed every few seconds, as
an SDK would), and every response is checked for status 200.

a2c-iam verifies every signature and authorises every call; moto accepts any signature and
authorises nothing, so the comparison is conservative. ``--caller root`` (the default) signs as
the account's root user, whom IAM lets do anything in the account; ``--caller user`` signs as an
IAM user with ``IAMReadOnlyAccess`` attached, so that every call is decided by the policy engine
over the user's stored policies (moto is sent the same requests). The figures are requests
per second and p50/p99 latency in milliseconds, and the ratio a2c-iam / moto for each operation.
Not part of the test suite: the ratios are what matters, not the absolute times.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from peers import require

from a2c_iam.api.server import free_port

OPERATIONS = [
    ("GetUser", "iam", {"UserName": "bench-user-0007"}),
    ("ListUsers", "iam", {}),
    ("GetCallerIdentity", "sts", {}),
]
VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}


@dataclass
class Result:
    requests: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000


class Server:
    def __init__(self, name: str, argv: list[str], port: int, env: dict[str, str],
                 cwd: str) -> None:
        self.name = name
        self.port = port
        self.log = open(os.path.join(cwd, f"{name}.log"), "wb")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                     stderr=self.log)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).close()
                break
            except OSError as exc:
                if getattr(exc, "code", None) is not None:
                    break  # an HTTP error answer: the server is up
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.log.flush()
                    tail = Path(self.log.name).read_text(errors="replace")[-2000:]
                    raise SystemExit(f"{name} did not start:\n{tail}") from exc
                time.sleep(0.1)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        self.log.close()


def sign(port: int, service: str, action: str, params: dict[str, str],
         key: tuple[str, str]) -> tuple[bytes, dict[str, str]]:
    body = urlencode({"Action": action, "Version": VERSIONS[service], **params}).encode()
    req = AWSRequest("POST", f"http://127.0.0.1:{port}/", data=body,
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(*key), service, "us-east-1").add_auth(req)
    return body, dict(req.headers.items())


def drive(port: int, op: tuple[str, str, dict[str, str]], key: tuple[str, str], seconds: float,
          clients: int) -> Result:
    action, service, params = op
    latencies: list[list[float]] = [[] for _ in range(clients)]
    start_at = time.perf_counter() + 0.05
    stop_at = start_at + seconds

    def client(n: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        body, headers = sign(port, service, action, params, key)
        signed_at = time.monotonic()
        own = latencies[n]
        while time.perf_counter() < start_at:
            time.sleep(0.001)
        while True:
            if time.monotonic() - signed_at > 5:
                body, headers = sign(port, service, action, params, key)
                signed_at = time.monotonic()
            t0 = time.perf_counter()
            if t0 >= stop_at:
                break
            conn.request("POST", "/", body=body, headers=headers)
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                raise SystemExit(f"{action} on port {port} answered {resp.status}")
            own.append(time.perf_counter() - t0)
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [x for own in latencies for x in own]
    return Result(len(every), seconds, every)


def populate(port: int, key: tuple[str, str], users: int) -> None:
    iam = _iam(port, key)
    for i in range(users):
        iam.create_user(UserName=f"bench-user-{i:04d}", Path="/bench/")


def _iam(port: int, key: tuple[str, str]):  # type: ignore[no-untyped-def]
    return boto3.client("iam", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id=key[0], aws_secret_access_key=key[1],
                        config=Config(retries={"max_attempts": 1}))


def reader_key(port: int, root: tuple[str, str]) -> tuple[str, str]:
    """An IAM user with IAMReadOnlyAccess, and its access key (made through the API)."""
    iam = _iam(port, root)
    iam.create_user(UserName="bench-reader")
    iam.attach_user_policy(UserName="bench-reader",
                           PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")
    made = iam.create_access_key(UserName="bench-reader")["AccessKey"]
    return made["AccessKeyId"], made["SecretAccessKey"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="per operation and server")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=4, help="alternations between servers")
    parser.add_argument("--clients", default="1,4", help="client threads, comma-separated runs")
    parser.add_argument("--db", default="sqlite", help="sqlite (a temporary file) or a URL")
    parser.add_argument("--caller", choices=("root", "user"), default="root",
                        help="sign as the root user, or as an IAM user with IAMReadOnlyAccess")
    args = parser.parse_args()
    require("moto.server", "moto[server]")
    key = ("AKIA" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30)[:40])
    work = tempfile.mkdtemp(prefix="a2c-iam-bench-")
    db = f"sqlite:///{work}/bench.db" if args.db == "sqlite" else args.db
    env = {**os.environ, "A2C_IAM_ROOT_ACCESS_KEY_ID": key[0],
           "A2C_IAM_ROOT_SECRET_ACCESS_KEY": key[1]}
    ours_port, moto_port = free_port(), free_port()
    ours = Server("a2c-iam", [sys.executable, "-m", "a2c_iam.cli.main", "serve", "--port",
                              str(ours_port), "--db", db, "--no-access-log"], ours_port, env, work)
    moto = Server("moto", [sys.executable, "-m", "moto.server", "-p", str(moto_port)], moto_port,
                  env, work)
    try:
        for server in (ours, moto):
            populate(server.port, key, args.users)
        if args.caller == "user":
            key = reader_key(ours.port, key)  # moto checks no signature: the same key does
        print(f"{args.users} users; {args.seconds:g} s per operation; signed requests over "
              "keep-alive connections; status 200 checked on every response; caller: "
              f"{'root user' if args.caller == 'root' else 'IAM user with IAMReadOnlyAccess'}")
        print(f"{'operation':<18} {'clients':>7} {'server':<8} {'req/s':>9} {'p50 ms':>8} "
              f"{'p99 ms':>8}   ratio")
        for clients in (int(c) for c in args.clients.split(",")):
            for op in OPERATIONS:
                results = {s.name: Result(0, 0.0, []) for s in (ours, moto)}
                for n in range(args.rounds):
                    # Interleaved short rounds: a load spike on the machine hits both servers.
                    for server in ((ours, moto) if n % 2 == 0 else (moto, ours)):
                        r = drive(server.port, op, key, args.seconds / args.rounds, clients)
                        total = results[server.name]
                        total.requests += r.requests
                        total.seconds += r.seconds
                        total.latencies += r.latencies
                ratio = results["a2c-iam"].rate / results["moto"].rate
                for name, r in results.items():
                    tail = f"   {ratio:.1f}x" if name == "a2c-iam" else ""
                    print(f"{op[0]:<18} {clients:>7} {name:<8} {r.rate:>9,.0f} "
                          f"{r.percentile(0.5):>8.2f} {r.percentile(0.99):>8.2f}{tail}")
    finally:
        ours.stop()
        moto.stop()


if __name__ == "__main__":
    main()
