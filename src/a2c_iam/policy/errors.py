"""The errors of the policy layer.

Exception tree::

    PolicyError
    └── PolicyValidationError      a document IAM would refuse (code + IAM's exact message)
        ├── MalformedPolicyDocument
        ├── PolicyLimitExceeded    a size quota (IAM's ``LimitExceeded``)
        └── PolicyCharacterError   a character the API refuses (``ValidationError``)

Each carries the AWS error code so that the API layer maps it to the wire 1:1, and the JSON path of
the element that failed so that lint can point at it.
"""

from __future__ import annotations


class PolicyError(Exception):
    """Root of every error the policy layer raises."""


class PolicyValidationError(PolicyError):
    """A document that IAM would refuse; ``message`` is IAM's own text."""

    code: str = "MalformedPolicyDocument"

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class MalformedPolicyDocument(PolicyValidationError):
    code = "MalformedPolicyDocument"


class PolicyLimitExceeded(PolicyValidationError):
    code = "LimitExceeded"


class PolicyCharacterError(PolicyValidationError):
    code = "ValidationError"
