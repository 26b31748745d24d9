"""The public surface of ``a2c_iam.policy``: what other layers and users import."""

from __future__ import annotations

import a2c_iam.policy as policy

EXPECTED = {
    "CompiledPolicySet", "Condition", "ContextValue", "Decision", "Effect",
    "MalformedPolicyDocument", "Outcome", "Policy", "PolicyError", "PolicyKind",
    "PolicyLimitExceeded", "PolicySet", "PolicyType", "PolicyValidationError", "Principal",
    "Request", "Statement", "StatementRef", "authorize", "compile_policy_set", "parse_policy",
    "validate_document",
}


def test_exported_names() -> None:
    assert set(policy.__all__) == EXPECTED
    for name in EXPECTED:
        assert getattr(policy, name) is not None


def test_contract_example_of_design_md() -> None:
    doc = {"Version": "2012-10-17",
           "Statement": [{"Sid": "AllowRead", "Effect": "Allow", "Action": "s3:GetObject",
                          "Resource": "arn:aws:s3:::bucket/*",
                          "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                                        "Bool": {"aws:SecureTransport": "true"},
                                        "ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}}]}
    request = policy.Request(
        principal="arn:aws:iam::111122223333:user/alice", action="s3:GetObject",
        resource="arn:aws:s3:::bucket/key", resource_account="111122223333",
        context={"aws:SourceIp": "203.0.113.7", "aws:TagKeys": ["team", "env"],
                 "aws:SecureTransport": "true"})
    decision = policy.authorize(request, policy.PolicySet(identity_policies=(policy.parse_policy(doc),)))
    assert decision.as_json() == {
        "decision": "allowed", "denied_by": [],
        "statements": [{"policy": "identity_policies[0]", "sid": "AllowRead", "effect": "Allow"}]}
    assert decision.allowed


def test_request_context_is_immutable() -> None:
    ctx = {"aws:username": "alice"}
    request = policy.Request("p", "s3:GetObject", "*", ctx)
    ctx["aws:username"] = "mallory"
    assert request.context["aws:username"] == "alice"
