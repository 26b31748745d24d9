"""The issue's end-to-end story over loopback: an administrator sets up App2Container, its
operator can do exactly what the generated policy allows, nothing else; paginators, simulation.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from typing import Any
from urllib.error import HTTPError

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from e2e_server import Served

from a2c_iam.a2c.choices import Choices
from a2c_iam.a2c.generate import generate_policies
from a2c_iam.policy import PolicySet, Request, authorize, parse_policy

GROUP = "App2Container"
OPERATOR = "a2c-operator"


def denied(account: str, user: str, action: str, resource: str) -> str:
    return (f"User: arn:aws:iam::{account}:user/{user} is not authorized to perform: {action} on "
            f"resource: {resource} because no identity-based policy allows the {action} action")


@pytest.fixture(scope="module")
def a2c(served: Served) -> dict[str, Any]:
    """The App2Container group (generated policy for an EKS target), a user in it, its key."""
    choices = Choices(target="eks", account=served.account, region="us-east-1", bucket="a2c-bkt")
    (policy,) = generate_policies(choices)
    iam = served.client()
    arn = iam.create_policy(PolicyName=policy.name,
                            PolicyDocument=json.dumps(policy.document))["Policy"]["Arn"]
    iam.create_group(GroupName=GROUP)
    iam.attach_group_policy(GroupName=GROUP, PolicyArn=arn)
    iam.create_user(UserName=OPERATOR)
    iam.add_user_to_group(GroupName=GROUP, UserName=OPERATOR)
    key = iam.create_access_key(UserName=OPERATOR)["AccessKey"]
    return {"document": policy.document, "policy_arn": arn,
            "key": (key["AccessKeyId"], key["SecretAccessKey"])}


TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def test_operator_can_do_what_the_policy_allows(served: Served, a2c: dict[str, Any]) -> None:
    op = served.client(key=a2c["key"])
    role = op.create_role(RoleName="a2c-demo-role", AssumeRolePolicyDocument=TRUST)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{served.account}:role/a2c-demo-role"
    assert op.get_role(RoleName="a2c-demo-role")["Role"]["RoleName"] == "a2c-demo-role"
    assert op.list_role_tags(RoleName="a2c-demo-role")["Tags"] == []
    assert "a2c-demo-role" in [r["RoleName"] for r in op.list_roles()["Roles"]]


@pytest.mark.parametrize(("call", "kwargs", "action", "resource"), [
    ("create_role", {"RoleName": "other-role", "AssumeRolePolicyDocument": TRUST},
     "iam:CreateRole", "arn:aws:iam::{a}:role/other-role"),
    ("list_users", {}, "iam:ListUsers", "arn:aws:iam::{a}:user/"),
    ("list_groups", {"PathPrefix": "/other/"}, "iam:ListGroups", "arn:aws:iam::{a}:group/other/"),
    ("create_user", {"UserName": "intruder"}, "iam:CreateUser", "arn:aws:iam::{a}:user/intruder"),
    ("get_group", {"GroupName": GROUP}, "iam:GetGroup", "arn:aws:iam::{a}:group/" + GROUP),
])
def test_operator_is_denied_the_rest_with_iams_message(served: Served, a2c: dict[str, Any],
                                                      call: str, kwargs: dict[str, Any],
                                                      action: str, resource: str) -> None:
    op = served.client(key=a2c["key"])
    with pytest.raises(ClientError) as exc:
        getattr(op, call)(**kwargs)
    error = exc.value.response["Error"]
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error["Code"] == "AccessDenied"
    assert error["Message"] == denied(served.account, OPERATOR, action,
                                      resource.format(a=served.account))
    with pytest.raises(ClientError):
        op.list_users()  # nothing was created or changed by the denied call
    assert "intruder" not in [u["UserName"] for u in served.client().list_users()["Users"]]


def test_the_aws_cli_sees_the_same(served: Served, a2c: dict[str, Any]) -> None:
    def aws(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["aws", "--endpoint-url", served.url, *args],
                              env=served.cli_env(a2c["key"]), capture_output=True, text=True,
                              timeout=60, check=False)

    ok = aws("iam", "list-roles", "--output", "json")
    assert ok.returncode == 0, ok.stderr
    assert isinstance(json.loads(ok.stdout)["Roles"], list)
    no = aws("iam", "list-users")
    assert no.returncode in (254, 255)  # a service error: 254 for CLI v2, 255 for v1
    assert "(AccessDenied)" in no.stderr
    assert (f"User: arn:aws:iam::{served.account}:user/{OPERATOR} is not authorized to perform: "
            "iam:ListUsers on resource: ") in no.stderr


def _authorize(served: Served, body: dict[str, Any],
               key: tuple[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode()
    url = served.url + "/v1/authorize"
    req = AWSRequest("POST", url, data=data, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(*(key or served.root_key)), "iam", "us-east-1").add_auth(req)
    try:
        with urllib.request.urlopen(urllib.request.Request(
                url, data=data, headers=dict(req.headers.items()), method="POST")) as resp:
            return resp.status, json.loads(resp.read())
    except HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_authorize_endpoint_answers_for_every_service(served: Served, a2c: dict[str, Any]) -> None:
    user = f"arn:aws:iam::{served.account}:user/{OPERATOR}"
    engine = PolicySet(identity_policies=(parse_policy(json.dumps(a2c["document"])),))
    checked = 0
    for statement in a2c["document"]["Statement"]:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [
            statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [
            statement["Resource"]]
        for action in actions[:3]:
            resource = resources[0].replace("*", "x")
            status, body = _authorize(served, {"principal": user, "action": action,
                                               "resource": resource})
            assert status == 200, body
            expected = authorize(Request(user, action, resource), engine)
            want = expected.as_json()
            assert (body["decision"], body["denied_by"]) == (want["decision"], want["denied_by"])
            assert [(x["sid"], x["effect"]) for x in body["statements"]] == [
                (x["sid"], x["effect"]) for x in want["statements"]]
            assert {x["policy"] for x in body["statements"]} <= {a2c["policy_arn"]}
            checked += 1
    assert checked > 5
    status, body = _authorize(served, {"principal": user, "action": "ecr:DeleteRepository",
                                       "resource": "arn:aws:ecr:us-east-1:1:repository/x"})
    assert (status, body["decision"]) == (200, "implicitDeny")
    # Asking is itself iam:SimulatePrincipalPolicy on the principal: the operator may not.
    status, body = _authorize(served, {"principal": user, "action": "s3:GetObject"}, a2c["key"])
    assert status == 403 and body["error"]["code"] == "AccessDenied"
    assert "iam:SimulatePrincipalPolicy" in body["error"]["message"]


def test_paginators_walk_every_page(served: Served) -> None:
    iam = served.client()
    names = [f"pager-{i:02d}" for i in range(23)]
    for name in names:
        iam.create_user(UserName=name, Path="/pager/")
    pages = list(iam.get_paginator("list_users").paginate(
        PathPrefix="/pager/", PaginationConfig={"PageSize": 10}))
    assert [len(p["Users"]) for p in pages] == [10, 10, 3]
    assert [u["UserName"] for p in pages for u in p["Users"]] == names
    assert [p["IsTruncated"] for p in pages] == [True, True, False]
    every = iam.get_paginator("list_users").paginate(PathPrefix="/pager/").build_full_result()
    assert len(every["Users"]) == 23


def test_simulate_principal_policy_matches_the_engine(served: Served, a2c: dict[str, Any]) -> None:
    iam = served.client()
    user = f"arn:aws:iam::{served.account}:user/{OPERATOR}"
    engine = PolicySet(identity_policies=(parse_policy(json.dumps(a2c["document"])),))
    actions = ["iam:CreateRole", "iam:ListRoles", "iam:ListUsers", "ecr:PutImage",
               "ecs:CreateCluster", "s3:GetObject", "cloudformation:CreateStack"]
    resources = [f"arn:aws:iam::{served.account}:role/a2c-x", "arn:aws:s3:::a2c-bkt/k", "*"]
    result = iam.simulate_principal_policy(PolicySourceArn=user, ActionNames=actions,
                                           ResourceArns=resources)
    seen = 0
    for evaluation in result["EvaluationResults"]:
        for per_resource in evaluation.get("ResourceSpecificResults", []):
            expected = authorize(Request(user, evaluation["EvalActionName"],
                                         per_resource["EvalResourceName"]), engine)
            assert per_resource["EvalResourceDecision"] == expected.decision.value
            seen += 1
    assert seen == len(actions) * len(resources)


def test_explicit_deny_over_the_wire_has_iams_text(served: Served) -> None:
    iam = served.client()
    iam.create_user(UserName="fenced")
    iam.put_user_policy(UserName="fenced", PolicyName="fence", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}]}))
    new = iam.create_access_key(UserName="fenced")["AccessKey"]
    fenced = served.client(key=(new["AccessKeyId"], new["SecretAccessKey"]))
    fenced.create_user(UserName="kept")
    with pytest.raises(ClientError) as exc:
        fenced.delete_user(UserName="kept")
    assert exc.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{served.account}:user/fenced is not authorized to perform: "
        f"iam:DeleteUser on resource: arn:aws:iam::{served.account}:user/kept with an explicit "
        "deny in an identity-based policy")
    assert iam.get_user(UserName="kept")["User"]["UserName"] == "kept"


def test_a_modelled_operation_the_server_lacks_is_not_implemented(served: Served) -> None:
    iam = served.client()
    with pytest.raises(ClientError) as exc:
        iam.create_service_linked_role(AWSServiceName="elasticbeanstalk.amazonaws.com")
    response = exc.value.response
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert response["Error"] == {
        "Type": "Receiver", "Code": "NotImplemented",
        "Message": "The operation CreateServiceLinkedRole is not implemented by this server."}
    sts = served.client("sts")
    with pytest.raises(ClientError) as exc:
        sts.decode_authorization_message(EncodedMessage="opaque")
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "DecodeAuthorizationMessage" in exc.value.response["Error"]["Message"]


def test_the_aws_clis_authorization_details_round_trip(served: Served) -> None:
    """``aws iam get-account-authorization-details`` (XML parsed by botocore, paged by the CLI)
    is the documented shape: it imports into an empty account, which exports the same."""
    source = served.svc.create_account("123123123123")
    root = (source.access_key_id, source.secret.get_secret_value())
    iam = served.client(key=root)
    arn = iam.create_policy(PolicyName="read", Path="/app/", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}),
        Description="reads b")["Policy"]["Arn"]
    iam.create_group(GroupName="readers")
    iam.attach_group_policy(GroupName="readers", PolicyArn=arn)
    for name in ("ann", "ben", "cy"):
        iam.create_user(UserName=name, Tags=[{"Key": "team", "Value": name}])
        iam.add_user_to_group(GroupName="readers", UserName=name)
    iam.create_role(RoleName="task", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="task", PolicyName="inline", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}]}))

    def gaad(key: tuple[str, str]) -> dict[str, Any]:
        done = subprocess.run(["aws", "--endpoint-url", served.url, "iam",
                               "get-account-authorization-details", "--page-size", "2"],
                              env=served.cli_env(key), capture_output=True, text=True,
                              timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        found: dict[str, Any] = json.loads(done.stdout)
        return found

    exported = gaad(root)
    assert [u["UserName"] for u in exported["UserDetailList"]] == ["ann", "ben", "cy"]
    target = served.svc.create_account("321321321321", details=exported)
    again = gaad((target.access_key_id, target.secret.get_secret_value()))

    def normal(doc: dict[str, Any], account: str) -> Any:
        text = json.dumps(doc, sort_keys=True).replace(account, "ACCOUNT")
        for kind in ("User", "Group", "Role", "Policy", "InstanceProfile"):
            text = re.sub(rf'"{kind}Id": "[A-Z0-9]+"', f'"{kind}Id": "ID"', text)
        return json.loads(text)

    assert normal(again, "321321321321") == normal(exported, "123123123123")
