"""A generated account in the GetAccountAuthorizationDetails shape, for scale tests and benchmarks.

The mix is a plausible large account: groups by job function over read and write policies,
some users with policies of their own, roles for services and for people (some trusting the
account, some a named user, a few another account), a few administrators, and a few seeded
weaknesses (``iam:PassRole`` on every role, a policy-writing grant, wildcard writes) so that
every check has work to do. The same seed gives the same document. Documents are JSON objects,
as ``aws iam get-account-authorization-details`` prints them.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

__all__ = ["credential_report", "generate_gaad"]

_SERVICES = ("s3", "ec2", "dynamodb", "sqs", "sns", "lambda", "logs", "ecr", "ecs", "kms",
             "cloudwatch", "secretsmanager", "rds", "kinesis", "ssm")
_READ = {"s3": ["s3:GetObject", "s3:ListBucket"], "ec2": ["ec2:Describe*"],
         "dynamodb": ["dynamodb:GetItem", "dynamodb:Query"], "sqs": ["sqs:ReceiveMessage"],
         "sns": ["sns:ListTopics"], "lambda": ["lambda:GetFunction", "lambda:ListFunctions"],
         "logs": ["logs:GetLogEvents", "logs:DescribeLogGroups"],
         "ecr": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
         "ecs": ["ecs:Describe*", "ecs:List*"], "kms": ["kms:DescribeKey"],
         "cloudwatch": ["cloudwatch:GetMetricData"], "secretsmanager": ["secretsmanager:ListSecrets"],
         "rds": ["rds:DescribeDBInstances"], "kinesis": ["kinesis:GetRecords"],
         "ssm": ["ssm:GetParameter"]}
_WRITE = {"s3": ["s3:PutObject", "s3:DeleteObject"], "ec2": ["ec2:RunInstances",
          "ec2:TerminateInstances"], "dynamodb": ["dynamodb:PutItem"], "sqs": ["sqs:SendMessage"],
          "sns": ["sns:Publish"], "lambda": ["lambda:UpdateFunctionCode"],
          "logs": ["logs:PutLogEvents"], "ecr": ["ecr:PutImage"], "ecs": ["ecs:UpdateService"],
          "kms": ["kms:Encrypt"], "cloudwatch": ["cloudwatch:PutMetricData"],
          "secretsmanager": ["secretsmanager:PutSecretValue"], "rds": ["rds:RebootDBInstance"],
          "kinesis": ["kinesis:PutRecord"], "ssm": ["ssm:PutParameter"]}
_COMPUTE = ("ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com")


def _resource(rng: random.Random, service: str, acct: str, n: int) -> str:
    if service == "s3":
        return f"arn:aws:s3:::bucket-{n}/*"
    if service == "dynamodb":
        return f"arn:aws:dynamodb:us-east-1:{acct}:table/table-{n}"
    if service == "sqs":
        return f"arn:aws:sqs:us-east-1:{acct}:queue-{n}"
    if service == "lambda":
        return f"arn:aws:lambda:us-east-1:{acct}:function:fn-{n}"
    return "*" if rng.random() < 0.5 else f"arn:aws:{service}:us-east-1:{acct}:*"


def _when(rng: random.Random, now: datetime, days: int) -> str:
    return (now - timedelta(days=rng.randint(1, days))).strftime("%Y-%m-%dT%H:%M:%SZ")


def generate_gaad(users: int = 5000, groups: int = 300, roles: int = 1000, policies: int = 1500,
                  seed: int = 7, account: str = "123456789012",
                  dense_roles: int = 0) -> dict[str, Any]:
    """A GAAD document of the given size (the issue's scale is the default).

    ``dense_roles`` adds that many roles (``dense-NNNN``, each trusting the account and allowed
    to read one bucket) and lets every user assume all of them (an inline policy with
    ``sts:AssumeRole`` on ``role/dense-*`` and ``iam:GetUser`` on itself): a dense role graph
    for the escalation search. The rest of the account is the same as without them."""
    rng = random.Random(seed)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    acct = account
    role_names = [f"role-{i:04d}" for i in range(roles)]
    policy_list: list[dict[str, Any]] = []
    admin_arn = "arn:aws:iam::aws:policy/AdministratorAccess"
    policy_list.append({
        "PolicyName": "AdministratorAccess", "PolicyId": "ANPAIWMBCKSKIEE64ZLYK",
        "Arn": admin_arn, "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 0,
        "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
        "CreateDate": "2015-02-06T18:39:46Z", "UpdateDate": "2015-02-06T18:39:46Z",
        "PolicyVersionList": [{"Document": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "*", "Resource": "*"}]}, "VersionId": "v1",
            "IsDefaultVersion": True, "CreateDate": "2015-02-06T18:39:46Z"}],
    })
    customer: list[str] = []
    for i in range(policies - 1):
        arn = f"arn:aws:iam::{acct}:policy/policy-{i:04d}"
        customer.append(arn)
        statements: list[dict[str, Any]] = []
        for j in range(rng.randint(2, 6)):
            svc = rng.choice(_SERVICES)
            write = rng.random() < 0.35
            statements.append({
                "Sid": f"S{j}", "Effect": "Allow",
                "Action": list(_WRITE[svc] if write else _READ[svc]),
                "Resource": _resource(rng, svc, acct, rng.randint(0, 200)),
            })
        r = rng.random()
        if r < 0.01:
            statements.append({"Sid": "PassAny", "Effect": "Allow", "Action": "iam:PassRole",
                               "Resource": "*"})
        elif r < 0.02:
            statements.append({"Sid": "Assume", "Effect": "Allow", "Action": "sts:AssumeRole",
                               "Resource": f"arn:aws:iam::{acct}:role/{rng.choice(role_names)}"})
        elif r < 0.025:
            statements.append({"Sid": "SelfService", "Effect": "Allow",
                               "Action": ["iam:CreatePolicyVersion", "iam:GetPolicy"],
                               "Resource": f"arn:aws:iam::{acct}:policy/policy-*"})
        elif r < 0.04:
            statements.append({"Sid": "Keys", "Effect": "Allow",
                               "Action": ["iam:CreateAccessKey", "iam:ListAccessKeys"],
                               "Resource": f"arn:aws:iam::{acct}:user/${{aws:username}}"})
        versions = [{"Document": {"Version": "2012-10-17", "Statement": statements},
                     "VersionId": "v1", "IsDefaultVersion": True,
                     "CreateDate": _when(rng, now, 900)}]
        policy_list.append({
            "PolicyName": f"policy-{i:04d}", "PolicyId": f"ANPA{i:017d}", "Arn": arn,
            "Path": "/", "DefaultVersionId": "v1", "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
            "CreateDate": _when(rng, now, 900), "UpdateDate": _when(rng, now, 300),
            "PolicyVersionList": versions,
        })
    group_list = []
    for i in range(groups):
        attached = [rng.choice(customer) for _ in range(rng.randint(1, 4))]
        if i < 3:
            attached.append(admin_arn)
        name = "app2container-general" if i == 3 else f"group-{i:03d}"
        group_list.append({
            "Path": "/", "GroupName": name, "GroupId": f"AGPA{i:017d}",
            "Arn": f"arn:aws:iam::{acct}:group/{name}", "CreateDate": _when(rng, now, 900),
            "GroupPolicyList": [], "AttachedManagedPolicies": [
                {"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a}
                for a in dict.fromkeys(attached)],
        })
    user_list = []
    for i in range(users):
        name = f"user-{i:05d}"
        member = sorted({str(rng.choice(group_list)["GroupName"])
                         for _ in range(rng.randint(1, 3))})
        attached = [rng.choice(customer)] if rng.random() < 0.1 else []
        inline = []
        if rng.random() < 0.03:
            svc = rng.choice(_SERVICES)
            inline.append({"PolicyName": "own", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                                                        "Action": _WRITE[svc], "Resource": "*"}]}})
        if dense_roles:
            inline.append({"PolicyName": "assume-dense", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "sts:AssumeRole",
                     "Resource": f"arn:aws:iam::{acct}:role/dense-*"},
                    {"Effect": "Allow", "Action": "iam:GetUser",
                     "Resource": f"arn:aws:iam::{acct}:user/{name}"}]}})
        user_list.append({
            "Path": "/", "UserName": name, "UserId": f"AIDA{i:017d}",
            "Arn": f"arn:aws:iam::{acct}:user/{name}", "CreateDate": _when(rng, now, 1200),
            "UserPolicyList": inline, "GroupList": member,
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a}
                                        for a in attached],
            "Tags": [{"Key": "team", "Value": f"team-{i % 40}"}],
        })
    role_list = []
    for i, name in enumerate(role_names):
        r = rng.random()
        if r < 0.6:
            principal: dict[str, Any] = {"Service": rng.choice(_COMPUTE)}
            condition: dict[str, Any] = {}
        elif r < 0.85:
            principal, condition = {"AWS": f"arn:aws:iam::{acct}:root"}, {}
        elif r < 0.95:
            principal = {"AWS": f"arn:aws:iam::{acct}:user/user-{rng.randrange(users):05d}"}
            condition = {}
        else:
            principal = {"AWS": f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:root"}
            condition = ({"StringEquals": {"sts:ExternalId": f"ext-{i}"}}
                         if rng.random() < 0.5 else {})
        trust_stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal,
                                      "Action": "sts:AssumeRole"}
        if condition:
            trust_stmt["Condition"] = condition
        attached = [rng.choice(customer) for _ in range(rng.randint(1, 3))]
        if i % 250 == 0:
            attached.append(admin_arn)
        role_list.append({
            "Path": "/", "RoleName": name, "RoleId": f"AROA{i:017d}",
            "Arn": f"arn:aws:iam::{acct}:role/{name}", "CreateDate": _when(rng, now, 1200),
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [trust_stmt]},
            "InstanceProfileList": [], "RolePolicyList": [],
            "AttachedManagedPolicies": [{"PolicyName": a.rsplit("/", 1)[-1], "PolicyArn": a}
                                        for a in dict.fromkeys(attached)],
            "Tags": [], "RoleLastUsed": {},
        })
    for i in range(dense_roles):
        name = f"dense-{i:04d}"
        role_list.append({
            "Path": "/", "RoleName": name, "RoleId": f"AROD{i:017d}",
            "Arn": f"arn:aws:iam::{acct}:role/{name}", "CreateDate": "2026-01-01T00:00:00Z",
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{acct}:root"},
                 "Action": "sts:AssumeRole"}]},
            "InstanceProfileList": [], "AttachedManagedPolicies": [], "RolePolicyList": [
                {"PolicyName": "read", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": "s3:GetObject",
                     "Resource": f"arn:aws:s3:::dense-bucket-{i}/*"}]}}],
            "Tags": [], "RoleLastUsed": {},
        })
    return {"UserDetailList": user_list, "GroupDetailList": group_list,
            "RoleDetailList": role_list, "Policies": policy_list}


def credential_report(gaad: dict[str, Any], seed: int = 7) -> str:
    """A credential report CSV for the users of ``gaad`` (AWS's columns, AWS's N/A values)."""
    rng = random.Random(seed)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    cols = ("user,arn,user_creation_time,password_enabled,password_last_used,"
            "password_last_changed,password_next_rotation,mfa_active,access_key_1_active,"
            "access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,"
            "access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,"
            "access_key_2_last_used_date,access_key_2_last_used_region,"
            "access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,"
            "cert_2_last_rotated")
    lines = [cols]
    acct = gaad["UserDetailList"][0]["Arn"].split(":")[4] if gaad["UserDetailList"] else "0" * 12
    lines.append(f"<root_account>,arn:aws:iam::{acct}:root,2015-01-01T00:00:00+00:00,"
                 "not_supported,2026-11-01T00:00:00+00:00,not_supported,not_supported,true,"
                 "false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A")
    for u in gaad["UserDetailList"]:
        keys = []
        for _ in range(2):
            r = rng.random()
            if r < 0.4:
                keys.append("false,N/A,N/A,N/A,N/A")
            else:
                used = ("N/A,N/A,N/A" if r < 0.45 else
                        f"{_when(rng, now, 400)},us-east-1,{rng.choice(_SERVICES)}")
                keys.append(f"true,{_when(rng, now, 800)},{used}")
        pw = "true" if rng.random() < 0.3 else "false"
        lines.append(f"{u['UserName']},{u['Arn']},{u['CreateDate']},{pw},N/A,N/A,N/A,false,"
                     f"{keys[0]},{keys[1]},false,N/A,false,N/A")
    return "\n".join(lines) + "\n"
