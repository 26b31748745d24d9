"""``simulate`` fills in the request keys AWS always sets that the principal ARN determines.

The reference pages (reference_policies_condition-keys.md) say ``aws:PrincipalArn``,
``aws:PrincipalAccount`` and ``aws:PrincipalType`` are in every signed request and
``aws:username`` in every IAM user's; a policy conditioned on them must not fail for want of a
key the caller did not think to give. What the input gives wins.
"""

from __future__ import annotations

import pytest

from a2c_iam.policy import PolicySet, Request, authorize, parse_policy
from a2c_iam.policy.principals import with_principal_keys
from a2c_iam.policy.simulate import Simulator

ALICE = "arn:aws:iam::111122223333:user/dev/alice"
SESSION = "arn:aws:sts::111122223333:assumed-role/deploy/build-42"


def test_an_iam_user_gets_its_arn_account_type_and_name() -> None:
    assert with_principal_keys(ALICE, {}) == {
        "aws:PrincipalArn": ALICE, "aws:PrincipalAccount": "111122223333",
        "aws:PrincipalType": "User", "aws:PrincipalIsAWSService": "false",
        "aws:username": "alice",  # the name, not the path
    }


def test_a_session_does_not_guess_its_roles_arn() -> None:
    keys = with_principal_keys(SESSION, {})
    assert keys["aws:PrincipalType"] == "AssumedRole"
    assert "aws:PrincipalArn" not in keys and "aws:username" not in keys


@pytest.mark.parametrize("principal, type_", [
    ("arn:aws:iam::111122223333:root", "Account"),
    ("arn:aws:sts::111122223333:federated-user/bob", "FederatedUser"),
])
def test_other_principal_types(principal: str, type_: str) -> None:
    keys = with_principal_keys(principal, {})
    assert (keys["aws:PrincipalArn"], keys["aws:PrincipalType"]) == (principal, type_)
    assert "aws:username" not in keys


def test_a_service_principal_and_an_anonymous_caller() -> None:
    assert with_principal_keys("ecs-tasks.amazonaws.com", {}) == {
        "aws:PrincipalIsAWSService": "true", "aws:PrincipalServiceName": "ecs-tasks.amazonaws.com"}
    assert with_principal_keys("*", {}) == {}


def test_given_keys_win_in_any_letter_case() -> None:
    keys = with_principal_keys(ALICE, {"aws:principalarn": "arn:aws:iam::111122223333:user/eve"})
    assert keys["aws:principalarn"] == "arn:aws:iam::111122223333:user/eve"
    assert "aws:PrincipalArn" not in keys


def _decide(context: dict[str, str] | None = None) -> str:
    request: dict[str, object] = {"principal": ALICE, "action": "s3:GetObject",
                                  "resource": "arn:aws:s3:::team/alice/notes.txt"}
    if context is not None:
        request["context"] = context
    data = {"request": request, "identity_policies": [{
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                       "Resource": "arn:aws:s3:::team/${aws:username}/*",
                       "Condition": {"StringEquals": {"aws:PrincipalAccount": "111122223333"}}}],
    }]}
    decision: str = Simulator().run(data)["decision"]
    return decision


def test_a_policy_on_the_derived_keys_is_decided_as_aws_would() -> None:
    assert _decide() == "allowed"
    assert _decide({"aws:username": "bob"}) == "implicitDeny"
    assert _decide({"aws:PrincipalAccount": "444455556666"}) == "implicitDeny"


def test_the_python_api_decides_as_simulate_does() -> None:
    """DESIGN.md: ``authorize`` is the same function as ``simulate``."""
    policy = parse_policy({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::team/${aws:username}/*"}]})
    request = Request(ALICE, "s3:GetObject", "arn:aws:s3:::team/alice/notes.txt")
    assert authorize(request, PolicySet(identity_policies=(policy,))).allowed
    other = Request(ALICE, "s3:GetObject", "arn:aws:s3:::team/bob/notes.txt")
    assert not authorize(other, PolicySet(identity_policies=(policy,))).allowed
