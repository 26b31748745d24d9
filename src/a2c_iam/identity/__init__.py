"""The IAM domain: accounts, users, groups, roles, policies, keys, STS, over ``store``.

Public surface::

    from a2c_iam.identity import IdentityService, CallContext, IdentityError
    svc = IdentityService.open("sqlite:///iam.db")
    new = svc.create_account()
    svc.invoke("iam", "CreateUser", {"UserName": "alice"}, svc.context(new.account_id))
"""

from .errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    IdentityError,
    InvalidInput,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)
from .model import CallContext
from .secrets import SecretStr
from .service import IdentityService, NewAccount

__all__ = [
    "AccessDenied",
    "CallContext",
    "DeleteConflict",
    "EntityAlreadyExists",
    "IdentityError",
    "IdentityService",
    "InvalidInput",
    "LimitExceeded",
    "MalformedPolicyDocument",
    "NewAccount",
    "NoSuchEntity",
    "SecretStr",
    "ValidationError",
]
