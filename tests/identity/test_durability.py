"""A writer killed with SIGKILL mid-stream loses no acknowledged write and leaves nothing half made.

The writer creates users (each with a tag) and policies (each with its first version) — each one
operation, several rows — and writes a line to a pipe after each call returns (the
acknowledgement). The parent kills it at an arbitrary point, then checks that every acknowledged
entity exists and that every entity that exists is complete.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from typing import Any

from sqlalchemy import func, select, text

from a2c_iam.store import schema as s

DOC = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


def _writer(backend: Any, account_id: str, fd: int) -> None:
    svc = backend.open()
    ctx = svc.context(account_id)
    out = os.fdopen(fd, "w", buffering=1)
    for i in range(100_000):
        if i % 2:
            svc.invoke("iam", "CreatePolicy", {"PolicyName": f"p{i}", "PolicyDocument": DOC}, ctx)
        else:
            svc.invoke("iam", "CreateUser", {"UserName": f"u{i}",
                                             "Tags": [{"Key": "seq", "Value": str(i)}]}, ctx)
        out.write(f"{i}\n")


def test_sigkill_mid_stream_loses_no_acknowledged_write(backend: Any, svc: Any,
                                                        account: Any) -> None:
    mp = multiprocessing.get_context("fork")
    read_fd, write_fd = os.pipe()
    proc = mp.Process(target=_writer, args=(backend, account.account_id, write_fd))
    proc.start()
    os.close(write_fd)
    reader = os.fdopen(read_fd, "r")
    acked: list[int] = []
    deadline = time.monotonic() + 60
    while len(acked) < 30 and time.monotonic() < deadline:
        line = reader.readline()
        if not line:
            break
        acked.append(int(line))
    assert proc.pid is not None
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(timeout=30)
    reader.close()
    assert proc.exitcode == -signal.SIGKILL
    assert len(acked) >= 30, "the writer did not get going"

    with svc.db.read() as conn:
        if backend.kind == "sqlite":
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        users = {r.name: r.id for r in conn.execute(
            select(s.users).where(s.users.c.account_id == account.account_id))}
        policies = {r.name: r.id for r in conn.execute(
            select(s.policies).where(s.policies.c.account_id == account.account_id))}
        for i in acked:
            assert (f"p{i}" in policies) if i % 2 else (f"u{i}" in users), f"lost write {i}"
        for name, user_id in users.items():
            tags = conn.execute(select(s.tags.c.value).where(s.tags.c.resource_id == user_id)
                                ).scalars().all()
            assert tags == [name[1:]], f"user {name} is half made"
        for name, policy_id in policies.items():
            versions = conn.execute(select(func.count()).select_from(s.policy_versions).where(
                s.policy_versions.c.policy_id == policy_id)).scalar_one()
            assert versions == 1, f"policy {name} is half made"
    # At most the one write in flight at the kill may have committed unacknowledged.
    assert len(users) + len(policies) - len(acked) in (0, 1)
