"""Every lint code: one document that raises it and a near miss that does not.

The near miss differs from the positive case in the one detail that the check is about (the
effect, one character of a name, the kind of policy, a condition), so a check that fires on too
much, or on nothing, fails here. Cases are written from the IAM User Guide and the Service
Authorization Reference (through the catalog), not taken from another tool.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from a2c_iam.policy.errors import PolicyValidationError
from a2c_iam.policy.lint import RULES, lint_policy, validation_code

Doc = dict[str, Any] | str


def pol(*statements: dict[str, Any], version: str | None = "2012-10-17") -> dict[str, Any]:
    doc: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        doc = {"Version": version, **doc}
    return doc


def allow(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: Any, resource: Any = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def cond(operator: str, key: str, value: Any) -> dict[str, Any]:
    return {"Condition": {operator: {key: value}}}


ACCT = "111122223333"
ROLE = f"arn:aws:iam::{ACCT}:role/app"
BUCKET = "arn:aws:s3:::amzn-bucket"
OBJECTS = "arn:aws:s3:::amzn-bucket/*"
TRUST = {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
         "Action": "sts:AssumeRole"}
ALICE = {"AWS": "arn:aws:iam::111122223333:user/alice"}


def _big(count: int, indent: int | None = None) -> str:
    resources = [f"arn:aws:s3:::bucket-{n:06d}/*" for n in range(count)]
    return json.dumps(pol(allow("s3:GetObject", resources)), indent=indent)


# (code, kind, raises it, near miss); a near miss may be (another kind, document).
CASES: list[tuple[str, str, Doc, Doc | tuple[str, Doc]]] = [
    ("SYNTAX_ERROR", "identity",
     '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",',
     pol(allow("s3:GetObject", OBJECTS))),
    ("SYNTAX_ERROR", "identity",  # a key twice is not JSON IAM accepts
     '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Effect": "Deny", '
     '"Action": "s3:GetObject", "Resource": "*"}}',
     '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", '
     '"Action": "s3:GetObject", "Resource": "*"}}'),
    ("INVALID_CHARACTERS", "identity",
     pol(allow("s3:GetObject", "arn:aws:s3:::b\u20ac/*")),  # € is outside U+0020..U+00FF
     pol(allow("s3:GetObject", "arn:aws:s3:::b\u00e9/*"))),
    ("POLICY_SIZE_EXCEEDED", "identity", _big(230), _big(150, indent=8)),
    ("UNSUPPORTED_VERSION", "identity",
     pol(allow("s3:GetObject", OBJECTS), version="2008-10-17"),
     pol(allow("s3:GetObject", OBJECTS), version="2012-10-17")),
    ("DUPLICATE_SID", "identity",
     pol(allow("s3:GetObject", OBJECTS, Sid="Read"), allow("s3:PutObject", OBJECTS, Sid="Read")),
     pol(allow("s3:GetObject", OBJECTS, Sid="Read"), allow("s3:PutObject", OBJECTS, Sid="Write"))),
    ("INVALID_SID", "identity",
     pol(allow("s3:GetObject", OBJECTS, Sid="read-objects")),
     pol(allow("s3:GetObject", OBJECTS, Sid="ReadObjects"))),
    ("INVALID_SID", "identity",  # a resource policy allows any Sid; an identity policy not
     pol(allow("s3:GetObject", OBJECTS, Sid="read objects")),
     ("resource", pol(allow("s3:GetObject", OBJECTS, Sid="read objects", Principal=ALICE)))),
    ("MISSING_ACTION", "identity",
     pol(allow([], OBJECTS)), pol(allow(["s3:GetObject"], OBJECTS))),
    ("MISSING_RESOURCE", "identity",
     pol({"Effect": "Allow", "Action": "s3:GetObject"}),
     pol({"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJECTS})),
    ("INVALID_RESOURCE", "identity",
     pol(allow("iam:GetRole", "arn:aws:iam:us-east-1:111122223333:role/app")),
     pol(allow("iam:GetRole", ROLE))),
    ("INVALID_PREFIX", "identity",
     pol(allow("s3GetObject", OBJECTS)), pol(allow("s3:GetObject", OBJECTS))),
    ("PRINCIPAL_NOT_ALLOWED", "identity",
     pol(allow("s3:GetObject", OBJECTS, Principal=ALICE)),
     pol(allow("s3:GetObject", OBJECTS))),
    ("MISSING_PRINCIPAL", "resource",
     pol(allow("s3:GetObject", OBJECTS)),
     pol(allow("s3:GetObject", OBJECTS, Principal=ALICE))),
    ("INVALID_PRINCIPAL", "resource",
     pol(allow("s3:GetObject", OBJECTS, Principal={"AWS": "arn:aws:iam::111122223333:user/*"})),
     pol(allow("s3:GetObject", OBJECTS, Principal=ALICE))),
    ("TRUST_POLICY_VIOLATION", "trust",
     pol({**TRUST, "Action": "s3:GetObject"}), pol(TRUST)),
    ("POLICY_TYPE_VIOLATION", "rcp",
     pol(allow("s3:GetObject", "*", Principal="*")),
     pol(deny("s3:GetObject", "*", Principal="*"))),
    ("UNKNOWN_SERVICE", "identity",
     pol(allow("s4:GetObject", OBJECTS)), pol(allow("s3:GetObject", OBJECTS))),
    ("UNKNOWN_ACTION", "identity",
     pol(allow("s3:GetObjects", OBJECTS)), pol(allow("s3:GetObject", OBJECTS))),
    ("NO_MATCHING_ACTION", "identity",
     pol(allow("s3:Fly*", OBJECTS)), pol(allow("s3:Get*", OBJECTS))),
    ("RESOURCE_MISMATCH", "identity",
     pol(allow("s3:GetObject", BUCKET)), pol(allow("s3:GetObject", OBJECTS))),
    ("RESOURCE_MISMATCH", "identity",  # sts:AssumeRole acts on roles, whose ARNs are iam's
     pol(allow("sts:AssumeRole", f"arn:aws:sts::{ACCT}:assumed-role/app/session")),
     pol(allow("sts:AssumeRole", f"arn:aws:iam::{ACCT}:role/app"))),
    ("RESOURCE_MISMATCH", "identity",  # a version or alias qualifies a function (Lambda's guide)
     pol(allow("lambda:GetLayerVersion", f"arn:aws:lambda:us-east-1:{ACCT}:function:f:1")),
     pol(allow("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCT}:function:f:*"))),
    ("ACTION_REQUIRES_STAR", "identity",
     pol(allow("s3:ListAllMyBuckets", BUCKET)), pol(allow("s3:ListAllMyBuckets", "*"))),
    ("ACTION_REQUIRES_STAR", "identity",  # a pattern that includes such actions
     pol(allow("ec2:Describe*", "arn:aws:ec2:*:*:instance/*")),
     pol(allow("ec2:Describe*", "*"))),
    ("UNKNOWN_CONDITION_KEY", "identity",
     pol(allow("s3:ListBucket", BUCKET, **cond("StringLike", "s3:prefixes", "home/"))),
     pol(allow("s3:ListBucket", BUCKET, **cond("StringLike", "s3:prefix", "home/")))),
    ("INVALID_CONDITION_KEY", "identity",  # IAM accepts it; no request has such a key
     pol(allow("s3:ListBucket", BUCKET, **cond("StringLike", "prefix", "home/"))),
     pol(allow("s3:ListBucket", BUCKET, **cond("StringLike", "s3:prefix", "home/")))),
    ("UNKNOWN_GLOBAL_CONDITION_KEY", "identity",
     pol(allow("s3:GetObject", OBJECTS, **cond("IpAddress", "aws:SourceIpp", "203.0.113.0/24"))),
     pol(allow("s3:GetObject", OBJECTS, **cond("IpAddress", "aws:SourceIp", "203.0.113.0/24")))),
    ("UNSUPPORTED_CONDITION_KEY", "identity",
     pol(allow("s3:GetObject", OBJECTS, **cond("StringLike", "s3:prefix", "home/"))),
     pol(allow("s3:ListBucket", BUCKET, **cond("StringLike", "s3:prefix", "home/")))),
    ("CONDITION_TYPE_MISMATCH", "identity",
     pol(allow("s3:GetObject", OBJECTS, **cond("StringEquals", "aws:SourceIp", "203.0.113.7"))),
     pol(allow("s3:GetObject", OBJECTS, **cond("IpAddress", "aws:SourceIp", "203.0.113.7")))),
    ("CONDITION_VALUE_MISMATCH", "identity",
     pol(allow("s3:GetObject", OBJECTS,
               **cond("NumericLessThan", "aws:MultiFactorAuthAge", "one hour"))),
     pol(allow("s3:GetObject", OBJECTS, **cond("NumericLessThan", "aws:MultiFactorAuthAge", "3600")))),
    ("FOR_ALL_VALUES_SINGLE_VALUED", "identity",
     pol(allow("s3:GetObject", OBJECTS,
               **cond("ForAllValues:StringEquals", "aws:PrincipalOrgID", "o-a1b2c3d4e5"))),
     pol(allow("s3:GetObject", OBJECTS,
               **cond("ForAllValues:StringEquals", "aws:TagKeys", ["team", "env"])))),
    ("FOR_ANY_VALUE_SINGLE_VALUED", "identity",
     pol(allow("s3:GetObject", OBJECTS,
               **cond("ForAnyValue:StringEquals", "aws:RequestedRegion", "eu-west-1"))),
     pol(allow("s3:GetObject", OBJECTS,
               **cond("ForAnyValue:StringEquals", "aws:PrincipalOrgPaths", "o-a/r-b/")))),
    ("STATEMENT_NEVER_MATCHES", "identity",
     pol(allow("s3:GetObject", OBJECTS, Condition={
         "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
         "StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}})),
     pol(allow("s3:GetObject", OBJECTS, Condition={
         "StringEquals": {"aws:RequestedRegion": "eu-west-1"},
         "StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}))),
    ("STATEMENT_NEVER_MATCHES", "identity",
     pol(allow("s3:GetObject", OBJECTS, Condition={
         "NumericGreaterThan": {"aws:MultiFactorAuthAge": "3600"},
         "NumericLessThan": {"aws:MultiFactorAuthAge": "600"}})),
     pol(allow("s3:GetObject", OBJECTS, Condition={
         "NumericGreaterThan": {"aws:MultiFactorAuthAge": "600"},
         "NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}))),
    ("STATEMENT_NEVER_MATCHES", "identity",
     pol(deny("s3:DeleteObject", OBJECTS), {"Effect": "Deny", "NotAction": "*", "Resource": "*"}),
     pol(deny("s3:DeleteObject", OBJECTS), {"Effect": "Deny", "NotAction": "s3:*", "Resource": "*"})),
    ("PLACEHOLDER", "identity",
     pol(allow("s3:GetObject", "arn:aws:s3:::<bucket-name>/*")),
     pol(allow("s3:GetObject", "arn:aws:s3:::bucket-name/*"))),
    ("PLACEHOLDER", "identity",
     pol(allow("s3:GetObject", "arn:aws:s3:::${BucketName}/*")),
     pol(allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*"))),
    ("PLACEHOLDER", "identity",
     pol(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:ACCOUNT-ID:queue")),
     pol(allow("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:queue"))),
    ("PLACEHOLDER", "identity",
     pol(allow("iam:PassRole", "ARN for ecsTaskExecutionRole")),
     pol(allow("iam:PassRole", "arn:aws:iam::111122223333:role/ecsTaskExecutionRole"))),
    ("PASS_ROLE_STAR", "identity",
     pol(allow("iam:PassRole", "*")),
     pol(allow("iam:PassRole", "*", **cond("StringEquals", "iam:PassedToService",
                                            "ecs-tasks.amazonaws.com")))),
    ("PASS_ROLE_STAR", "identity",
     pol(allow("iam:PassRole", "arn:aws:iam::111122223333:role/*")),
     pol(allow("iam:PassRole", "arn:aws:iam::111122223333:role/ecs-*"))),
    ("ASSUME_ROLE_STAR", "identity",
     pol(allow("sts:AssumeRole", "*")), pol(allow("sts:AssumeRole", ROLE))),
    ("ALLOW_WITH_NOT_ACTION", "identity",
     pol({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
     pol({"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"})),
    ("ALLOW_WITH_NOT_RESOURCE", "identity",
     pol({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"}),
     pol({"Effect": "Deny", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::secret/*"})),
    ("ALLOW_WITH_NOT_PRINCIPAL", "resource",
     pol({"Effect": "Allow", "NotPrincipal": ALICE, "Action": "s3:GetObject", "Resource": OBJECTS}),
     pol({"Effect": "Deny", "NotPrincipal": ALICE, "Action": "s3:GetObject", "Resource": OBJECTS})),
    ("ACTION_WILDCARD_ALL", "identity", pol(allow("*", "*")), pol(deny("*", "*"))),
    ("ACTION_WILDCARD_ALL", "identity", pol(allow("*:*", "*")), pol(allow("s3:*", "*"))),
    ("ACTION_WILDCARD_SERVICE", "identity",
     pol(allow("s3:*", OBJECTS)), pol(allow("s3:Get*", OBJECTS))),
    ("PRIVILEGE_ESCALATION", "identity",
     pol(allow("iam:CreatePolicyVersion", "arn:aws:iam::111122223333:policy/*")),
     pol(allow("iam:GetPolicyVersion", "arn:aws:iam::111122223333:policy/*"))),
    ("PRIVILEGE_ESCALATION", "identity",
     pol(allow("iam:PassRole", ROLE), allow("ec2:RunInstances", "*")),
     pol(allow("iam:GetRole", ROLE), allow("ec2:RunInstances", "*"))),
    ("PRIVILEGE_ESCALATION", "identity",  # an unconditional Deny takes the method away
     pol(allow("iam:Put*", "*")),
     pol(allow("iam:Put*", "*"), deny(["iam:PutUserPolicy", "iam:PutGroupPolicy",
                                        "iam:PutRolePolicy", "iam:PutUserPermissionsBoundary"],
                                       "*"))),
    ("PRIVILEGE_ESCALATION", "identity",  # self-service: a user's own access keys
     pol(allow("iam:CreateAccessKey", "arn:aws:iam::111122223333:user/*")),
     pol(allow("iam:CreateAccessKey", "arn:aws:iam::111122223333:user/${aws:username}"))),
    ("RESOURCE_STAR_WRITE", "identity",
     pol(allow("s3:PutObject", "*")), pol(allow("s3:PutObject", OBJECTS))),
    ("RESOURCE_STAR_WRITE", "identity",  # an ARN of wildcards only is every resource too
     pol(allow("codecommit:CreateCommit", "arn:aws:codecommit:*:*:*")),
     pol(allow("codecommit:CreateCommit", f"arn:aws:codecommit:*:{ACCT}:a2c-*"))),
    ("WILDCARD_IN_SERVICE_NAME", "identity",
     pol(allow("*:GetObject", OBJECTS)), pol(allow("s3:GetObject*", OBJECTS))),
    ("REDUNDANT_ACTION", "identity",
     pol(allow(["s3:Get*", "s3:GetObject"], OBJECTS)),
     pol(allow(["s3:Get*", "s3:PutObject"], OBJECTS))),
    ("REDUNDANT_ACTION", "identity",
     pol(allow(["s3:GetObject", "s3:getobject"], OBJECTS)),
     pol(allow(["s3:GetObject", "s3:GetObjectAcl"], OBJECTS))),
    ("REDUNDANT_RESOURCE", "identity",
     pol(allow("s3:GetObject", [OBJECTS, "arn:aws:s3:::amzn-bucket/key"])),
     pol(allow("s3:GetObject", [OBJECTS, "arn:aws:s3:::other-bucket/key"]))),
    ("REDUNDANT_STATEMENT", "identity",
     pol(allow(["s3:GetObject", "s3:PutObject"], OBJECTS), allow("s3:GetObject", OBJECTS)),
     pol(allow(["s3:GetObject", "s3:PutObject"], OBJECTS),
         allow("s3:GetObject", "arn:aws:s3:::other-bucket/*"))),
    ("INCONSISTENT_REGION", "identity",
     pol(allow("sqs:SendMessage", "arn:aws:sqs:*:111122223333:jobs"),
         allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:us-east-1:{ACCT}:secret:a2c/*")),
     pol(allow("sqs:SendMessage", "arn:aws:sqs:*:111122223333:jobs"),
         allow("secretsmanager:GetSecretValue", f"arn:aws:secretsmanager:*:{ACCT}:secret:a2c/*"))),
    ("INCONSISTENT_REGION", "identity",  # one existing key lives in one region: not a pattern
     pol(allow("sqs:SendMessage", "arn:aws:sqs:*:111122223333:jobs"),
         allow("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCT}:key/*")),
     pol(allow("sqs:SendMessage", "arn:aws:sqs:*:111122223333:jobs"),
         allow("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"))),
    ("MISSING_VERSION", "trust", pol(TRUST, version=None), pol(TRUST)),
    ("OLD_VERSION", "resource",
     pol(allow("s3:GetObject", OBJECTS, Principal=ALICE), version="2008-10-17"),
     pol(allow("s3:GetObject", OBJECTS, Principal=ALICE))),
]

def _codes(doc: Doc, kind: str) -> list[str]:
    text = doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False)
    return [f.code for f in lint_policy(text, kind)]


def _ids() -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for code, *_ in CASES:
        seen[code] = seen.get(code, 0) + 1
        out.append(f"{code}-{seen[code]}")
    return out


@pytest.mark.parametrize(("code", "kind", "positive", "near_miss"), CASES, ids=_ids())
def test_code_raised_and_near_miss_clean(
    code: str, kind: str, positive: Doc, near_miss: Doc | tuple[str, Doc]
) -> None:
    assert code in _codes(positive, kind), _codes(positive, kind)
    miss_kind, miss = near_miss if isinstance(near_miss, tuple) else (kind, near_miss)
    assert code not in _codes(miss, miss_kind), _codes(miss, miss_kind)


def test_every_code_has_a_case() -> None:
    covered = {code for code, *_ in CASES} | {"INVALID_POLICY"}
    assert covered == set(RULES)


def test_invalid_policy_is_the_fallback_for_a_message_lint_does_not_know() -> None:
    # No message validate.py raises today maps here; a new one must not be lost or misfiled.
    assert validation_code(PolicyValidationError("Some new IAM rule.")) == "INVALID_POLICY"
    assert validation_code(PolicyValidationError('Resource x must be in ARN format or "*".')) == (
        "INVALID_RESOURCE"
    )


def test_every_message_validate_raises_has_its_own_code() -> None:
    # Each of validate.py's fixed messages (and the templates of the others) maps to a code of its
    # own, not to the INVALID_POLICY fallback: a message validate.py adds must be given one.
    from a2c_iam.policy import validate as v
    from a2c_iam.policy.errors import PolicyCharacterError

    fixed = {name: value for name, value in vars(v).items()
             if name.isupper() and not name.startswith("_") and isinstance(value, str)
             and not name.endswith("_MESSAGE")}  # those two are ValidationError's, below
    assert {"SYNTAX", "NO_ACTIONS", "TRUST_ACTION", "ORGANIZATIONS_TYPE"} <= fixed.keys()
    for name, message in fixed.items():
        assert validation_code(PolicyValidationError(message)) != "INVALID_POLICY", name
    for text in (v.EMPTY_MESSAGE, v.CHARSET_MESSAGE):
        assert validation_code(PolicyCharacterError(text)) == "INVALID_CHARACTERS"
    for resource in ("bucket", "arn:aws-x:s3:::b", "arn:aws:iam:us-east-1:1:role/r",
                     "arn:aws:s3:us-east-1::b"):
        message = v.resource_format_error(resource)
        assert message and validation_code(PolicyValidationError(message)) == "INVALID_RESOURCE"
    for action in ("s3GetObject", "s3:a:b", "s 3:GetObject"):
        message = v.action_prefix_error(action)
        assert message and validation_code(PolicyValidationError(message)) == "INVALID_PREFIX"


def test_a_clean_least_privilege_policy_has_no_finding() -> None:
    doc = pol(
        allow(["s3:GetObject", "s3:PutObject"], OBJECTS, Sid="Objects"),
        allow("s3:ListBucket", BUCKET, Sid="List", **cond("StringLike", "s3:prefix", "home/")),
        allow("ecr:GetAuthorizationToken", "*", Sid="Token"),
        allow("iam:PassRole", ROLE, Sid="Pass",
              **cond("StringEquals", "iam:PassedToService", "ecs-tasks.amazonaws.com")),
    )
    assert lint_policy(json.dumps(doc)) == ()


def test_one_escalation_finding_per_element_naming_every_method() -> None:
    findings = [f for f in lint_policy(json.dumps(pol(allow("iam:*", "*"))))
                if f.code == "PRIVILEGE_ESCALATION"]
    assert len(findings) == 1
    for method in ("CreatePolicyVersion", "AttachUserPolicy", "PutUserPolicy", "AddUserToGroup",
                   "CreateRole+AttachRolePolicy"):
        assert method in findings[0].message


def test_each_statement_that_allows_a_method_alone_is_a_finding() -> None:
    role = allow(["iam:CreateRole", "iam:AttachRolePolicy"], f"arn:aws:iam::{ACCT}:role/a2c-*")
    doc = pol({**role, "Sid": "First"}, allow("s3:GetObject", OBJECTS),
              {**role, "Sid": "Second", "Resource": f"arn:aws:iam::{ACCT}:role/b2c-*"})
    found = [(f.path, f.sid) for f in lint_policy(json.dumps(doc)) if f.code == "PRIVILEGE_ESCALATION"]
    assert found == [("Statement[0].Action[1]", "First"), ("Statement[2].Action[1]", "Second")]


def test_a_method_that_only_statements_together_allow_is_one_finding() -> None:
    doc = pol(allow("iam:PassRole", ROLE, Sid="Pass"), allow("ec2:RunInstances", "*", Sid="Run"),
              allow("iam:PassRole", f"arn:aws:iam::{ACCT}:role/other", Sid="PassToo"))
    found = [f for f in lint_policy(json.dumps(doc)) if f.code == "PRIVILEGE_ESCALATION"]
    assert [(f.path, f.sid) for f in found] == [("Statement[1].Action", "Run")]
    assert '"Pass", "Run"' in found[0].message


def test_the_escalation_table_restates_the_21_published_methods() -> None:
    from a2c_iam.policy.catalog import get_catalog
    from a2c_iam.policy.lint_escalation import METHODS

    rhino = [m for m in METHODS if m.source == "Rhino Security Labs 2018"]
    assert len(rhino) == 21
    for method in METHODS:  # every action of the table is a real action
        for alternatives in method.requires:
            for action in alternatives:
                assert get_catalog().action(action) is not None, action


@pytest.mark.parametrize(("text", "found"), [
    ("resource-ARNs", ("resource-ARNs",)),
    ("amzn-s3-demo-bucket-ARN", ("amzn-s3-demo-bucket-ARN",)),
    ("arn:aws:iam::your account ID:role/r", ("your account ID",)),
    ("arn:aws:secretsmanager:your region:your account ID:secret:a2c/*",
     ("your region", "your account ID")),
    ("ARN for ecsTaskExecutionRole", ("ARN for ecsTaskExecutionRole",)),
    ("arn:aws:lambda:target Region:*:function:f", ("target Region",)),
    ("arn:aws:s3:::<bucket>/*", ("<bucket>",)),
    ("arn:aws:s3:::${BucketName}/*", ("${BucketName}",)),
    ("arn:aws:sqs:us-east-1:ACCOUNT-ID:q", ("ACCOUNT-ID",)),
    # near misses: policy variables, real names that merely resemble the phrases
    ("arn:aws:s3:::home/${aws:username}/*", ()),
    ("arn:aws:s3:::bucket/${aws:PrincipalTag/team, 'none'}/*", ()),
    ("arn:aws:s3:::${*}literal", ()),
    ("arn:aws:s3:::yourself-artifacts/*", ()),
    ("arn:aws:iam::aws:policy/ReadOnlyAccess", ()),
    ("arn:aws:sqs:*:111122223333:resource-arn-queue", ()),
])
def test_placeholders(text: str, found: tuple[str, ...]) -> None:
    from a2c_iam.policy.lint_checks import find_placeholders

    assert find_placeholders(text) == found
