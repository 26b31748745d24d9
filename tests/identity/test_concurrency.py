"""Eight processes race on one account; IAM's quotas and uniqueness must hold on both databases.

Each worker opens its own service on the same store, waits at a barrier so that all of them call
at once, and reports ``ok`` or the error code. The quota checks count rows inside a transaction
that holds the account's write lock, so exactly the allowed number of calls succeed and the
others get IAM's clean ``LimitExceeded`` / ``EntityAlreadyExists`` (never a 500 or a conflict).
"""

from __future__ import annotations

import json
import multiprocessing
from collections import Counter
from typing import Any

import pytest

from a2c_iam.identity import IdentityError

WORKERS = 8
DOC = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})


def _worker(backend: Any, account_id: str, operation: str, params: list[dict[str, Any]],
            index: int, barrier: Any, results: Any) -> None:
    svc = backend.open()
    try:
        ctx = svc.context(account_id)
        barrier.wait(timeout=60)
        try:
            svc.invoke("iam", operation, params[index], ctx)
            results.put("ok")
        except IdentityError as exc:
            results.put(exc.code)
    except Exception as exc:  # pragma: no cover - reported to the parent as a failure
        results.put(f"crash:{type(exc).__name__}")
    finally:
        svc.close()


def race(backend: Any, account_id: str, operation: str,
         params: list[dict[str, Any]]) -> Counter[str]:
    mp = multiprocessing.get_context("fork")
    barrier = mp.Barrier(WORKERS)
    results = mp.Queue()
    procs = [mp.Process(target=_worker, args=(backend, account_id, operation, params, i, barrier,
                                              results)) for i in range(WORKERS)]
    for p in procs:
        p.start()
    outcomes = Counter(results.get(timeout=120) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    return outcomes


def test_eight_processes_create_exactly_two_access_keys(backend: Any, svc: Any, account: Any,
                                                        call: Any) -> None:
    call("CreateUser", UserName="racer")
    outcomes = race(backend, account.account_id, "CreateAccessKey",
                    [{"UserName": "racer"}] * WORKERS)
    assert outcomes == Counter({"ok": 2, "LimitExceeded": 6})
    assert len(call("ListAccessKeys", UserName="racer")["AccessKeyMetadata"]) == 2


def test_eight_processes_end_with_five_policy_versions(backend: Any, svc: Any, account: Any,
                                                       call: Any) -> None:
    arn = call("CreatePolicy", PolicyName="raced", PolicyDocument=DOC)["Policy"]["Arn"]
    outcomes = race(backend, account.account_id, "CreatePolicyVersion",
                    [{"PolicyArn": arn, "PolicyDocument": DOC}] * WORKERS)
    assert outcomes == Counter({"ok": 4, "LimitExceeded": 4})
    versions = call("ListPolicyVersions", PolicyArn=arn)["Versions"]
    assert sorted(v["VersionId"] for v in versions) == ["v1", "v2", "v3", "v4", "v5"]


@pytest.mark.parametrize("operation", ["CreateUser", "CreateRole"])
def test_eight_processes_one_name_case_insensitively(backend: Any, svc: Any, account: Any,
                                                     call: Any, operation: str) -> None:
    trust = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
         "Action": "sts:AssumeRole"}]})
    names = ["Shared", "shared", "SHARED", "sHared", "ShaRed", "sharED", "SHAred", "shARED"]
    if operation == "CreateUser":
        params = [{"UserName": n} for n in names]
        listing, key = "ListUsers", "Users"
    else:
        params = [{"RoleName": n, "AssumeRolePolicyDocument": trust} for n in names]
        listing, key = "ListRoles", "Roles"
    outcomes = race(backend, account.account_id, operation, params)
    assert outcomes == Counter({"ok": 1, "EntityAlreadyExists": 7})
    assert len(call(listing)[key]) == 1
