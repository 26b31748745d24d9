"""The compiled engine against the reference evaluator, on generated policies and requests.

The alphabets are small on purpose: with few actions, resources, keys and values, generated
statements often match generated requests, so every branch of the decision is reached.
"""

from __future__ import annotations

import os
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from a2c_iam.policy import PolicySet, Request, compile_policy_set, parse_policy
from a2c_iam.policy.reference import reference_authorize

EXAMPLES = int(os.environ.get("A2C_DIFFERENTIAL_EXAMPLES", "2500"))

ACCOUNTS = ["111122223333", "444455556666"]
ACTIONS = ["s3:GetObject", "s3:PutObject", "s3:ListBucket", "iam:PassRole", "ec2:RunInstances",
           "sts:AssumeRole"]
ACTION_PATTERNS = ACTIONS + ["s3:*", "s3:Get*", "s3:?utObject", "*", "iam:*", "ec2:Run*", "S3:getobject",
                             "*:*", "s?:*"]
RESOURCES = [
    "arn:aws:s3:::bucket", "arn:aws:s3:::bucket/a/b.txt", "arn:aws:s3:::bucket/alice/x",
    "arn:aws:iam::111122223333:role/app", "arn:aws:iam::444455556666:role/app",
    "arn:aws:ec2:us-east-1:111122223333:instance/i-1",
]
RESOURCE_PATTERNS = RESOURCES + [
    "*", "arn:aws:s3:::bucket/*", "arn:aws:s3:::*", "arn:aws:s3:::bucket/${aws:username}/*",
    "arn:aws:iam::*:role/*", "arn:aws:ec2:*:*:instance/*", "arn:aws:*", "arn:aws:ec2:us-?ast-1:*:*",
    "arn:aws:s3:::buck?t*", "arn:aws:s3:::bucket/a/b.txt*", "arn:aws:iam::111122223333:role/${*}",
]
PRINCIPALS = [
    "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/bob",
    "arn:aws:sts::111122223333:assumed-role/app/s1", "arn:aws:iam::111122223333:root",
    "arn:aws:iam::444455556666:user/carol", "arn:aws:sts::444455556666:assumed-role/app/s2",
    "ecs-tasks.amazonaws.com", "*",
]
PRINCIPAL_VALUES = [
    "*", "111122223333", "arn:aws:iam::444455556666:root", "arn:aws:iam::111122223333:user/alice",
    "arn:aws:iam::111122223333:role/app", "arn:aws:sts::111122223333:assumed-role/app/s1",
    "arn:aws:iam::444455556666:user/carol",
]
KEYS = ["aws:username", "aws:SourceIp", "aws:TagKeys", "aws:MultiFactorAuthPresent", "s3:max-keys",
        "aws:CurrentTime", "aws:PrincipalTag/team"]
OPERATOR_VALUES = {
    "StringEquals": ["alice", "bob", "${aws:PrincipalTag/team}"],
    "StringNotEquals": ["alice", "dev"],
    "StringEqualsIgnoreCase": ["ALICE", "Dev"],
    "StringLike": ["al*", "b?b", "*", "${aws:username}*"],
    "StringNotLike": ["a*", "team*"],
    "NumericLessThan": ["10", 100, "${aws:PrincipalTag/team}"],
    "NumericGreaterThanEquals": ["5"],
    "NumericEquals": [10, "abc"],
    "DateLessThan": ["2025-01-01T00:00:00Z", "1700000000"],
    "DateGreaterThan": ["2020-06-01"],
    "Bool": ["true", False, "${aws:PrincipalTag/team}"],
    "IpAddress": ["203.0.113.0/24", "2001:db8::/32", "${aws:PrincipalTag/team}"],
    "NotIpAddress": ["198.51.100.0/24"],
    "ArnLike": ["arn:aws:iam::*:role/*"],
    "ArnNotEquals": ["arn:aws:iam::111122223333:role/app"],
    "Null": ["true", "false"],
    "BinaryEquals": ["QmluYXJ5", "bm90"],
}
#: Keys whose request values have the operator's type, so that typed comparisons (and policy
#: variables in them, which only some operator families substitute) decide often.
TYPED_KEYS = {
    "NumericLessThan": ["s3:max-keys"], "NumericGreaterThanEquals": ["s3:max-keys"],
    "NumericEquals": ["s3:max-keys"], "DateLessThan": ["aws:CurrentTime"],
    "DateGreaterThan": ["aws:CurrentTime"], "Bool": ["aws:MultiFactorAuthPresent"],
    "IpAddress": ["aws:SourceIp"], "NotIpAddress": ["aws:SourceIp"],
    "StringEquals": ["aws:username", "aws:PrincipalTag/team"],
}
CONTEXT_VALUES = {
    "aws:username": ["alice", "bob", "al*ce"],
    "aws:SourceIp": ["203.0.113.9", "198.51.100.1", "2001:db8::1", "bogus"],
    "aws:TagKeys": [[], ["team"], ["team", "env"], ["alice"]],
    "aws:MultiFactorAuthPresent": [True, False, "true"],
    "s3:max-keys": [3, "10", 50, "x"],
    "aws:CurrentTime": ["2024-05-01T00:00:00Z", "2019-01-01T00:00:00Z"],
    "aws:PrincipalTag/team": ["alice", "dev", "bob", "true", "50", "203.0.113.0/24"],
}


def one_or_list(rnd: random.Random, elements: list) -> object:
    if rnd.random() < 0.5:
        return rnd.choice(elements)
    return rnd.sample(elements, rnd.randint(1, 3))


def conditions(rnd: random.Random) -> dict:
    block: dict = {}
    for _ in range(rnd.choice([0, 0, 0, 1, 2])):
        op = rnd.choice(sorted(OPERATOR_VALUES))
        prefix = rnd.choice(["", "", "ForAnyValue:", "ForAllValues:"])
        suffix = rnd.choice(["", "", "IfExists"]) if op != "Null" else ""
        key = rnd.choice(TYPED_KEYS.get(op, KEYS) if rnd.random() < 0.5 else KEYS)
        values = [rnd.choice(OPERATOR_VALUES[op]) for _ in range(rnd.randint(1, 2))]
        block.setdefault(prefix + op + suffix, {})[key] = values if len(values) > 1 else values[0]
    return block


def statement(rnd: random.Random, principal: bool, sids: set) -> dict:
    stmt: dict = {"Effect": rnd.choice(["Allow", "Allow", "Allow", "Deny"])}
    sid = rnd.choice([None, "A", "B", "C"])
    if sid and sid not in sids:  # generated documents are valid ones: Sids unique
        stmt["Sid"] = sid
        sids.add(sid)
    key = "NotAction" if rnd.random() < 0.15 else "Action"
    stmt[key] = one_or_list(rnd, ACTION_PATTERNS)
    key = "NotResource" if rnd.random() < 0.15 else "Resource"
    stmt[key] = one_or_list(rnd, RESOURCE_PATTERNS + ["*", "arn:aws:*"])
    if principal:
        if rnd.random() < 0.2:
            stmt["Principal"] = "*"
        else:
            key = "NotPrincipal" if rnd.random() < 0.15 else "Principal"
            stmt[key] = {"AWS": one_or_list(rnd, PRINCIPAL_VALUES)}
            if rnd.random() < 0.2:
                stmt[key]["Service"] = "ecs-tasks.amazonaws.com"
    cond = conditions(rnd)
    if cond:
        stmt["Condition"] = cond
    return stmt


def policy(rnd: random.Random, principal: bool = False):
    sids: set = set()
    doc = {
        "Version": rnd.choice(["2012-10-17", "2012-10-17", "2008-10-17"]),
        "Statement": [statement(rnd, principal, sids) for _ in range(rnd.randint(1, 4))],
    }
    return parse_policy(doc, validate=False)


def maybe(rnd: random.Random, principal: bool = False):
    return policy(rnd, principal) if rnd.random() < 0.25 else None


def levels(rnd: random.Random):
    if rnd.random() < 0.7:
        return None
    return tuple(tuple(policy(rnd) for _ in range(rnd.randint(0, 2)))
                 for _ in range(rnd.randint(0, 2)))


def make_case(rnd: random.Random) -> tuple[Request, PolicySet]:
    ps = PolicySet(
        identity_policies=tuple(policy(rnd) for _ in range(rnd.randint(0, 4))),
        resource_policy=maybe(rnd, principal=True),
        permission_boundary=maybe(rnd),
        session_policy=maybe(rnd),
        service_control_policies=levels(rnd),
        resource_control_policies=levels(rnd),
        vpc_endpoint_policy=maybe(rnd, principal=True) if rnd.random() < 0.3 else None,
    )
    context = {k: rnd.choice(v) for k, v in CONTEXT_VALUES.items() if rnd.random() < 0.5}
    request = Request(
        principal=rnd.choice(PRINCIPALS[:3] + PRINCIPALS),
        action=rnd.choice(ACTIONS),
        resource=rnd.choice(RESOURCES),
        context=context,
        resource_account=rnd.choice([None, None, *ACCOUNTS]),
    )
    return request, ps


#: Cases are built from a ``random.Random`` seeded by a number hypothesis draws: generation stays
#: cheap (thousands of examples in seconds) and every failure is reproducible from its seed.
cases = st.integers(0, 2**63).map(lambda seed: make_case(random.Random(seed)))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases)
def test_compiled_engine_agrees_with_reference(case: tuple[Request, PolicySet]) -> None:
    request, ps = case
    fast = compile_policy_set(ps).authorize(request)  # the engine, as given: no derived keys
    slow = reference_authorize(request, ps)
    assert fast.decision == slow.decision
    assert fast.denied_by == slow.denied_by
    assert sorted(fast.statements, key=repr) == sorted(slow.statements, key=repr)


def test_ci_runs_at_least_2000_examples() -> None:
    """The run without an override (CI's) asks hypothesis for at least 2,000 examples."""
    if "A2C_DIFFERENTIAL_EXAMPLES" not in os.environ:
        assert EXAMPLES >= 2000, EXAMPLES


def test_generator_reaches_every_outcome() -> None:
    """The generator is useful only if it produces all three decisions often enough."""
    seen: dict[str, int] = {}
    for seed in range(400):
        request, ps = make_case(random.Random(seed))
        d = compile_policy_set(ps).authorize(request).decision.value
        seen[d] = seen.get(d, 0) + 1
    assert set(seen) == {"allowed", "explicitDeny", "implicitDeny"}, seen
    assert min(seen.values()) >= 20, seen
