"""The IAM policy language: parse, validate, match, evaluate, explain. Pure: no I/O here.

Public surface (guarded by ``tests/policy/test_public_api.py``)::

    from a2c_iam.policy import authorize, Request, PolicySet, parse_policy
"""

from .errors import MalformedPolicyDocument, PolicyError, PolicyLimitExceeded, PolicyValidationError
from .evaluate import CompiledPolicySet, authorize, compile_policy_set
from .kinds import PolicyKind
from .model import Condition, Effect, Policy, Principal, Statement
from .parse import parse_policy
from .request import ContextValue, Decision, Outcome, PolicySet, PolicyType, Request, StatementRef
from .validate import validate_document

__all__ = [
    "CompiledPolicySet",
    "Condition",
    "ContextValue",
    "Decision",
    "Effect",
    "MalformedPolicyDocument",
    "Outcome",
    "Policy",
    "PolicyError",
    "PolicyKind",
    "PolicyLimitExceeded",
    "PolicySet",
    "PolicyType",
    "PolicyValidationError",
    "Principal",
    "Request",
    "Statement",
    "StatementRef",
    "authorize",
    "compile_policy_set",
    "parse_policy",
    "validate_document",
]
