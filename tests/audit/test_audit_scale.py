"""A generated account audited end to end (the full 5,000-user account is benchmarks/audit.py's;
its time is in docs/performance.md)."""

from __future__ import annotations

import json
import time

from a2c_iam.a2c.choices import Choices
from a2c_iam.audit import AuditOptions, account_from_gaad, parse_credential_report, run_audit
from a2c_iam.audit.synthetic import credential_report, generate_gaad


def test_generated_account_is_audited() -> None:
    gaad = generate_gaad(users=1000, groups=60, roles=200, policies=300, seed=3)
    account = account_from_gaad(json.loads(json.dumps(gaad)))
    account.credentials = parse_credential_report(credential_report(gaad, seed=3))
    assert (len(account.users), len(account.groups), len(account.roles),
            len(account.policies)) == (1000, 60, 200, 300)
    start = time.perf_counter()
    report = run_audit(account, AuditOptions(choices=Choices(
        target="ecs", account=account.account_id, region="us-east-1")))
    elapsed = time.perf_counter() - start
    codes = {f.code for f in report.findings}
    assert {"PRIVILEGE_ESCALATION", "USER_DIRECT_POLICY", "WILDCARD_RESOURCE_WRITE",
            "ACCESS_KEY_UNUSED", "GENERAL_GROUP_ADMIN"} <= codes, codes
    assert report.matrix is not None and report.matrix.rows
    print(f"audit of 1,000 users / 60 groups / 200 roles / 300 policies: {elapsed:.1f} s")
