"""A generated account audited end to end: one fifth of the issue's size in every run, the full
5,000 users / 300 groups / 1,000 roles / 1,500 policies when ``A2C_IAM_AUDIT_FULL_SCALE=1``
(about 10 s on the 2-core machine; its time is in docs/performance.md, from
``benchmarks/audit.py``). Neither asserts a time: they show that the audit finishes, finds what
was seeded and covers every principal."""

from __future__ import annotations

import json
import os
import time

import pytest

from a2c_iam.a2c.choices import Choices
from a2c_iam.audit import AuditOptions, account_from_gaad, parse_credential_report, run_audit
from a2c_iam.audit.synthetic import credential_report, generate_gaad

SIZES = [pytest.param((1000, 60, 200, 300), id="fifth")]
SIZES.append(pytest.param((5000, 300, 1000, 1500), id="full", marks=pytest.mark.skipif(
    os.environ.get("A2C_IAM_AUDIT_FULL_SCALE") != "1",
    reason="the full-size account takes ~10 s: set A2C_IAM_AUDIT_FULL_SCALE=1")))


@pytest.mark.parametrize("size", SIZES)
def test_generated_account_is_audited(size: tuple[int, int, int, int]) -> None:
    users, groups, roles, policies = size
    gaad = generate_gaad(users=users, groups=groups, roles=roles, policies=policies, seed=3)
    account = account_from_gaad(json.loads(json.dumps(gaad)))
    account.credentials = parse_credential_report(credential_report(gaad, seed=3))
    assert (len(account.users), len(account.groups), len(account.roles),
            len(account.policies)) == size
    start = time.perf_counter()
    report = run_audit(account, AuditOptions(choices=Choices(
        target="ecs", account=account.account_id, region="us-east-1")))
    elapsed = time.perf_counter() - start
    codes = {f.code for f in report.findings}
    assert {"PRIVILEGE_ESCALATION", "USER_DIRECT_POLICY", "WILDCARD_RESOURCE_WRITE",
            "ACCESS_KEY_UNUSED", "PASSROLE_ANY_ROLE", "ROLE_CROSS_ACCOUNT_NO_EXTERNAL_ID",
            "LEAST_PRIVILEGE_GAP"} <= codes, codes
    # every user with a policy of its own is reported, and no one else
    own = {u.arn for u in account.users.values() if u.inline or u.attached}
    assert {f.principals[0] for f in report.findings if f.code == "USER_DIRECT_POLICY"} == own
    assert report.matrix is not None and report.matrix.rows
    print(f"audit of {users} users / {groups} groups / {roles} roles / {policies} policies: "
          f"{elapsed:.1f} s")
