"""Decisions per second of the compiled engine, against moto's IAM policy evaluator, in one run.

    pip install -e '.[bench]'
    python benchmarks/engine.py [--requests N] [--seed S]

Two workloads:

- shared: what both engines support — identity policies only, wildcard actions and resources,
  no conditions. Each side compiles (or, for moto, parses) its policies once and is then asked the
  same requests; the decisions of both are compared (they must agree) and the ratio is printed.
- full: the same requests plus conditions and policy variables, a permissions boundary and an
  SCP level, for this engine alone (moto does not evaluate these).

Not part of the test suite: timings depend on the machine; the ratio is what matters.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

from peers import require

from a2c_iam.policy import PolicySet, Request, compile_policy_set, parse_policy

ACCOUNT = "111122223333"
SERVICES = {
    "s3": ["GetObject", "PutObject", "DeleteObject", "ListBucket", "GetBucketAcl", "PutObjectAcl"],
    "ec2": ["DescribeVpcs", "DescribeSubnets", "RunInstances", "CreateKeyPair", "DescribeImages"],
    "ecr": ["PutImage", "BatchGetImage", "GetAuthorizationToken", "CreateRepository",
            "UploadLayerPart"],
    "ecs": ["CreateService", "UpdateService", "DescribeClusters", "RegisterTaskDefinition"],
    "iam": ["PassRole", "GetRole", "CreateRole", "ListRoles", "AttachRolePolicy"],
    "secretsmanager": ["GetSecretValue", "DescribeSecret"],
    "cloudformation": ["DescribeStacks", "CreateStack"],
}
RESOURCES = {
    "s3": ["arn:aws:s3:::a2c-artifacts/app/{n}.tar", "arn:aws:s3:::other-bucket/{n}",
           "arn:aws:s3:::a2c-artifacts"],
    "ec2": ["arn:aws:ec2:us-east-1:" + ACCOUNT + ":vpc/vpc-{n}", "*"],
    "ecr": ["arn:aws:ecr:us-east-1:" + ACCOUNT + ":repository/a2c-app-{n}", "*"],
    "ecs": ["arn:aws:ecs:us-east-1:" + ACCOUNT + ":service/a2c-cluster/svc-{n}"],
    "iam": ["arn:aws:iam::" + ACCOUNT + ":role/a2c-role-{n}", "arn:aws:iam::" + ACCOUNT + ":role/admin"],
    "secretsmanager": ["arn:aws:secretsmanager:us-east-1:" + ACCOUNT + ":secret:a2c/db-{n}"],
    "cloudformation": ["arn:aws:cloudformation:us-east-1:" + ACCOUNT + ":stack/a2c-app-{n}/id"],
}


def shared_policies(rnd: random.Random) -> list[dict]:
    """Five identity policies of wildcard actions and resources, no conditions."""
    docs = []
    for p in range(5):
        statements = []
        for s in range(8):
            service = rnd.choice(sorted(SERVICES))
            actions = [f"{service}:{rnd.choice(SERVICES[service])}" for _ in range(3)]
            actions.append(rnd.choice([f"{service}:Get*", f"{service}:Describe*", f"{service}:List*",
                                       f"{service}:*Object", f"{service}:Put*"]))
            resource = rnd.choice(RESOURCES[service]).replace("{n}", "*")
            statements.append({
                "Sid": f"P{p}S{s}",
                "Effect": "Deny" if rnd.random() < 0.1 else "Allow",
                "Action": actions,
                "Resource": [resource, resource.replace("a2c", "app2container")],
            })
        docs.append({"Version": "2012-10-17", "Statement": statements})
    return docs


def full_policies(rnd: random.Random) -> tuple[list[dict], dict, dict]:
    docs = shared_policies(rnd)
    docs[0]["Statement"].append({
        "Sid": "OwnPrefix", "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
        "Resource": "arn:aws:s3:::a2c-artifacts/${aws:username}/*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"},
                      "IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}},
    })
    docs[1]["Statement"].append({
        "Sid": "TaggedOnly", "Effect": "Allow", "Action": "ec2:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"},
                      "ForAllValues:StringLike": {"aws:TagKeys": ["team", "env*"]},
                      "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
    })
    docs[2]["Statement"].append({
        "Sid": "NoDeleteWithoutMfa", "Effect": "Deny", "Action": "*:Delete*", "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    })
    boundary = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": ["iam:CreateUser", "organizations:*"], "Resource": "*"}]}
    scp = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Effect": "Deny", "Action": "*", "Resource": "*",
         "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}}]}
    return docs, boundary, scp


def requests(rnd: random.Random, n: int, context: bool) -> list[Request]:
    out = []
    for i in range(n):
        service = rnd.choice(sorted(SERVICES))
        action = f"{service}:{rnd.choice(SERVICES[service])}"
        resource = rnd.choice(RESOURCES[service]).replace("{n}", str(i % 50))
        ctx: dict = {}
        if context:
            ctx = {"aws:username": rnd.choice(["alice", "bob"]), "aws:SecureTransport": rnd.random() < 0.9,
                   "aws:SourceIp": rnd.choice(["203.0.113.7", "198.51.100.2", "2001:db8::5"]),
                   "aws:PrincipalTag/team": "dev", "aws:ResourceTag/team": rnd.choice(["dev", "ops"]),
                   "aws:TagKeys": rnd.choice([["team"], ["team", "env"], ["owner"]]),
                   "aws:CurrentTime": "2026-12-03T12:00:00Z",
                   "aws:RequestedRegion": rnd.choice(["us-east-1", "us-east-1", "ap-south-1"])}
        out.append(Request(f"arn:aws:iam::{ACCOUNT}:user/alice", action, resource, ctx))
    return out


def rate(fn: Callable[[], object], n: int, repeat: int = 3) -> float:
    """Best decisions per second over ``repeat`` runs of ``fn`` (which makes ``n`` decisions)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return n / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rnd = random.Random(args.seed)
    require("moto", "moto[server]")

    from moto.iam.access_control import IAMPolicy, PermissionResult

    docs = shared_policies(rnd)
    reqs = requests(rnd, args.requests, context=False)
    import json

    moto_policies = [IAMPolicy(json.dumps(d)) for d in docs]
    ours = compile_policy_set(PolicySet(identity_policies=tuple(parse_policy(d) for d in docs)))

    def moto_decide(req: Request) -> str:
        allowed = False
        for pol in moto_policies:
            result = pol.is_action_permitted(req.action, req.resource)
            if result == PermissionResult.DENIED:
                return "explicitDeny"
            allowed = allowed or result == PermissionResult.PERMITTED
        return "allowed" if allowed else "implicitDeny"

    ours_decisions = [ours.authorize(r).decision.value for r in reqs]
    moto_decisions = [moto_decide(r) for r in reqs]
    agree = sum(a == b for a, b in zip(ours_decisions, moto_decisions, strict=True))
    mix = {d: ours_decisions.count(d) for d in sorted(set(ours_decisions))}

    ours_rate = rate(lambda: [ours.authorize(r) for r in reqs], len(reqs))
    moto_rate = rate(lambda: [moto_decide(r) for r in reqs], len(reqs))
    print(f"shared workload: {len(reqs)} requests, 5 identity policies x 8 statements, decisions {mix}")
    print(f"  decisions agree with moto: {agree}/{len(reqs)}")
    print(f"  a2c-iam: {ours_rate:12,.0f} decisions/s")
    print(f"  moto:    {moto_rate:12,.0f} decisions/s")
    print(f"  ratio a2c-iam / moto: {ours_rate / moto_rate:.1f}x")

    full_docs, boundary, scp = full_policies(random.Random(args.seed))
    full = compile_policy_set(PolicySet(
        identity_policies=tuple(parse_policy(d) for d in full_docs),
        permission_boundary=parse_policy(boundary, "permissions-boundary"),
        service_control_policies=((parse_policy(scp, "scp"),),),
    ))
    freqs = requests(rnd, args.requests, context=True)
    fmix: dict[str, int] = {}
    for r in freqs:
        d = full.authorize(r).decision.value
        fmix[d] = fmix.get(d, 0) + 1
    full_rate = rate(lambda: [full.authorize(r) for r in freqs], len(freqs))
    print(f"full workload (conditions, variables, boundary, SCP): decisions {fmix}")
    print(f"  a2c-iam: {full_rate:12,.0f} decisions/s")
    latencies = []
    for r in freqs[:2000]:
        t = time.perf_counter_ns()
        full.authorize(r)
        latencies.append(time.perf_counter_ns() - t)
    print(f"  latency p50 {statistics.median(latencies) / 1000:.1f} us, "
          f"p99 {statistics.quantiles(latencies, n=100)[98] / 1000:.1f} us")


if __name__ == "__main__":
    main()
