"""``a2c-iam audit`` against ``cloudsplaining scan`` on the same generated account, in one run.

    pip install -e '.[bench]'        # cloudsplaining comes with the bench extra
    python benchmarks/audit.py [--users 5000 --groups 300 --roles 1000 --policies 1500]
                               [--dense-roles 0]

One GetAccountAuthorizationDetails file of the given size is generated
(``a2c_iam.audit.synthetic``, documents as JSON objects, as ``aws iam
get-account-authorization-details`` prints them) with its credential report;
``--dense-roles N`` adds N roles every user may assume (a dense role graph for the escalation search; 0, the
recorded benchmark, by default). Both tools are run once each as the commands a user types, in
fresh processes, writing their reports to a temporary directory: ``a2c-iam audit --input F
--credential-report C --format json -o R`` and ``cloudsplaining scan --input-file F --output D
--skip-open-report``. The wall-clock ratio is printed. They do different work: cloudsplaining
lists, per policy, actions without resource constraints and risky action families (privilege
escalation by action names); a2c-iam also evaluates every principal with the engine (trust
policies, role paths, escalation through the account, the App2Container command matrix). Not
part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from a2c_iam.audit.synthetic import credential_report, generate_gaad


def _timed(cmd: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--groups", type=int, default=300)
    parser.add_argument("--roles", type=int, default=1000)
    parser.add_argument("--policies", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dense-roles", type=int, default=0,
                        help="more roles, each of which every user may assume")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="a2c-audit-bench-"))
    try:
        gaad = generate_gaad(args.users, args.groups, args.roles, args.policies, args.seed,
                             dense_roles=args.dense_roles)
        source = work / "account.json"
        source.write_text(json.dumps(gaad))
        report = work / "credential-report.csv"
        report.write_text(credential_report(gaad, args.seed))
        print(f"account: {args.users} users, {args.groups} groups, {args.roles} roles, "
              f"{args.policies} policies"
              + (f", {args.dense_roles} roles every user may assume" if args.dense_roles else "")
              + f" ({source.stat().st_size / 1e6:.1f} MB)")

        result = work / "a2c-iam.json"
        ours, done = _timed([sys.executable, "-m", "a2c_iam.cli.main", "audit", "--input",
                             str(source), "--credential-report", str(report), "--format", "json",
                             "-o", str(result)])
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return 1
        print(f"a2c-iam audit:       {ours:7.1f} s  ({done.stderr.strip()})")
        timings = json.loads(result.read_text())["timings"]
        print("  of which (s): " + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()))

        # the venv's own script first: a venv's python is often run without activating it
        beside = Path(sys.executable).parent / "cloudsplaining"
        tool = str(beside) if beside.exists() else shutil.which("cloudsplaining")
        if tool is None:
            print("cloudsplaining is not installed: pip install cloudsplaining (bench extra)")
            return 0
        (work / "cloudsplaining").mkdir()
        theirs, done = _timed([tool, "scan", "--input-file", str(source), "--output",
                               str(work / "cloudsplaining"), "--skip-open-report"])
        if done.returncode != 0:
            print(f"cloudsplaining failed ({done.returncode}): {done.stderr[-2000:]}",
                  file=sys.stderr)
            return 1
        written = sorted(p.name for p in (work / "cloudsplaining").iterdir())
        if not any(n.startswith("iam-report-") for n in written):
            print(f"cloudsplaining wrote no report (only {written})", file=sys.stderr)
            return 1
        print(f"cloudsplaining scan: {theirs:7.1f} s  (wrote {', '.join(written)})")
        print(f"ratio cloudsplaining / a2c-iam: {theirs / ours:.2f}x "
              f"({'a2c-iam faster' if ours < theirs else 'cloudsplaining faster'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
