"""The errors of the identity layer: one class per AWS error code.

Exception tree::

    IdentityError                     code and HTTP status from botocore's model
    ├── NoSuchEntity                  404  IAM NoSuchEntityException
    ├── EntityAlreadyExists           409  IAM EntityAlreadyExistsException
    ├── LimitExceeded                 409  IAM LimitExceededException
    ├── DeleteConflict                409  IAM DeleteConflictException
    ├── MalformedPolicyDocument       400  IAM MalformedPolicyDocumentException
    ├── InvalidInput                  400  IAM InvalidInputException
    ├── UnmodifiableEntity            400  IAM UnmodifiableEntityException
    ├── PolicyNotAttachable           400  IAM PolicyNotAttachableException
    ├── ConcurrentModification        409  IAM ConcurrentModificationException
    ├── PasswordPolicyViolation       400  IAM PasswordPolicyViolationException
    ├── InvalidUserType               400  IAM InvalidUserTypeException
    ├── EntityTemporarilyUnmodifiable 409  IAM EntityTemporarilyUnmodifiableException
    ├── InvalidAuthenticationCode     403  IAM InvalidAuthenticationCodeException (MFA codes)
    ├── ServiceFailure                500  IAM ServiceFailureException
    │   └── ConfigurationError             the service cannot start (e.g. a wrong master key)
    ├── PackedPolicyTooLarge          400  STS PackedPolicyTooLargeException
    └── (common errors, not in the service models — see ``COMMON``)
        ├── ValidationError           400  a parameter breaks the model's constraints
        ├── AccessDenied              403  the engine said no (e.g. a trust policy)
        ├── InvalidClientTokenId      403  unknown or inactive access key, wrong session token
        └── ExpiredToken              403  temporary credentials past their expiry

The code and status of a modelled error are read from botocore (``awsmodel.error_wire``) the first
time they are asked for; the few common errors that the models do not describe (AWS's "Common
Errors" page) are declared once, in ``COMMON``. Messages are IAM's texts; they never contain a
secret.
"""

from __future__ import annotations

from typing import ClassVar

from a2c_iam.policy import PolicyLimitExceeded, PolicyValidationError
from a2c_iam.policy import errors as policy_errors

from . import awsmodel

#: Errors every AWS query API returns that the service models do not list: code → HTTP status.
COMMON: dict[str, int] = {
    "ValidationError": 400,
    "AccessDenied": 403,
    "InvalidClientTokenId": 403,
    "ExpiredToken": 403,
}


class IdentityError(Exception):
    """Root of every error the identity layer raises; ``message`` is AWS's text."""

    #: ``(service, exception shape)`` in botocore's model, or None for a common error.
    model: ClassVar[tuple[str, str] | None] = None
    #: The code of a common error (``COMMON``), when ``model`` is None.
    common: ClassVar[str | None] = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @classmethod
    def wire(cls) -> tuple[str, int]:
        """The AWS error code and HTTP status of this error."""
        if cls.model is not None:
            return awsmodel.error_wire(*cls.model)
        if cls.common is not None:
            return cls.common, COMMON[cls.common]
        return ServiceFailure.wire()

    @property
    def code(self) -> str:
        return self.wire()[0]

    @property
    def status(self) -> int:
        return self.wire()[1]

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class NoSuchEntity(IdentityError):
    model = ("iam", "NoSuchEntityException")


class EntityAlreadyExists(IdentityError):
    model = ("iam", "EntityAlreadyExistsException")


class LimitExceeded(IdentityError):
    model = ("iam", "LimitExceededException")


class DeleteConflict(IdentityError):
    model = ("iam", "DeleteConflictException")


class MalformedPolicyDocument(IdentityError):
    model = ("iam", "MalformedPolicyDocumentException")


class InvalidInput(IdentityError):
    model = ("iam", "InvalidInputException")


class UnmodifiableEntity(IdentityError):
    model = ("iam", "UnmodifiableEntityException")


class PolicyNotAttachable(IdentityError):
    model = ("iam", "PolicyNotAttachableException")


class ConcurrentModification(IdentityError):
    model = ("iam", "ConcurrentModificationException")


class PasswordPolicyViolation(IdentityError):
    model = ("iam", "PasswordPolicyViolationException")


class InvalidUserType(IdentityError):
    model = ("iam", "InvalidUserTypeException")


class EntityTemporarilyUnmodifiable(IdentityError):
    model = ("iam", "EntityTemporarilyUnmodifiableException")


class InvalidAuthenticationCode(IdentityError):
    model = ("iam", "InvalidAuthenticationCodeException")


class ServiceFailure(IdentityError):
    model = ("iam", "ServiceFailureException")


class ConfigurationError(ServiceFailure):
    """The service cannot run as configured (missing or wrong master key, …)."""


class PackedPolicyTooLarge(IdentityError):
    model = ("sts", "PackedPolicyTooLargeException")


class ValidationError(IdentityError):
    common = "ValidationError"


class AccessDenied(IdentityError):
    common = "AccessDenied"


class InvalidClientTokenId(IdentityError):
    common = "InvalidClientTokenId"


class ExpiredToken(IdentityError):
    common = "ExpiredToken"


def from_policy_error(exc: PolicyValidationError) -> IdentityError:
    """The identity error for a document the policy layer refused (same code, same text)."""
    if isinstance(exc, PolicyLimitExceeded):
        return LimitExceeded(exc.message)
    if isinstance(exc, policy_errors.PolicyCharacterError):
        return ValidationError(exc.message)
    return MalformedPolicyDocument(exc.message)


def check_input(service: str, operation: str, **params: object) -> None:
    """Raise ``ValidationError`` with AWS's text if ``params`` break the operation's constraints.

    ``params`` use the model's member names (``UserName``, ``Path``…); None means "not given".
    """
    found = awsmodel.violations(service, operation, params)
    if found:
        raise ValidationError(awsmodel.validation_message(found))
