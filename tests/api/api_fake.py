"""A small in-memory stand-in for ``IdentityService``: enough to drive the app over HTTP.

It implements a handful of operations the way the contract says the real service does (AWS
member names in and out, errors as identity errors), so the app's own behaviour — signing,
routing, serialisation, error mapping — is tested without a database. Like the real service
under ``inline()``, it gives way (``WouldBlock``) to a write before doing anything, as if a write
always had to reach the database; ``threads`` records where each call ran.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from a2c_iam.identity.errors import AccessDenied, EntityAlreadyExists, NoSuchEntity
from a2c_iam.identity.model import CallContext
from a2c_iam.policy.request import Decision, Outcome
from a2c_iam.store.errors import WouldBlock

ACCOUNT = "123456789012"
ROOT_ID = "AKIAFAKEROOT00000001"
ROOT_SECRET = "rootsecret/rootsecret/rootsecret/rootsec"
LIMITED_ID = "AKIAFAKELIMITED00001"
LIMITED_SECRET = "limitedsecret/limitedsecret/limitedsecr"
BROKEN_OPERATION = "TagUser"
_INLINE: ContextVar[bool] = ContextVar("fake_inline", default=False)


@dataclass(frozen=True)
class Key:
    access_key_id: str
    secret: str = field(repr=False)
    session_token: str | None = None
    active: bool = True
    expires_at: datetime | None = None
    account_id: str = ACCOUNT


@dataclass(frozen=True)
class Caller:
    arn: str
    account_id: str
    user_id: str
    kind: str
    name: str


class FakeBackend:
    def __init__(self) -> None:
        self.keys = {ROOT_ID: Key(ROOT_ID, ROOT_SECRET), LIMITED_ID: Key(LIMITED_ID, LIMITED_SECRET)}
        self.users: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, dict[str, Any], Mapping[str, Any]]] = []
        self.threads: list[tuple[str, str]] = []
        #: Operations the app should send straight to the pool (``needs_database``).
        self.database_operations: set[str] = set()
        self.inline_lookups = 0  # signature checks made on the event loop

    @contextmanager
    def inline(self) -> Iterator[None]:
        token = _INLINE.set(True)
        try:
            yield
        finally:
            _INLINE.reset(token)

    def needs_database(self, operation: str | None) -> bool:
        return operation in self.database_operations

    def lookup_key(self, access_key_id: str) -> Key | None:
        if _INLINE.get():
            self.inline_lookups += 1
        return self.keys.get(access_key_id)

    def resolve(self, key: Key) -> Caller:
        if key.access_key_id == ROOT_ID:
            return Caller(f"arn:aws:iam::{ACCOUNT}:root", ACCOUNT, ACCOUNT, "root", "root")
        return Caller(f"arn:aws:iam::{ACCOUNT}:user/limited", ACCOUNT, "AIDALIMITED", "user",
                      "limited")

    def implements(self, service: str, operation: str) -> bool:
        return (service, operation) in {
            ("iam", "CreateUser"), ("iam", "GetUser"), ("iam", "ListUsers"),
            ("iam", "DeleteUser"), ("iam", BROKEN_OPERATION), ("sts", "GetCallerIdentity"),
        }

    def invoke(self, service: str, operation: str, params: dict[str, Any], ctx: CallContext,
               context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        if _INLINE.get() and not operation.startswith(("Get", "List")):
            raise WouldBlock
        self.calls.append((service, operation, params, dict(context or {})))
        self.threads.append((operation, threading.current_thread().name))
        caller = ctx.caller
        assert caller is not None
        if caller.kind != "root" and operation not in ("GetUser", "GetCallerIdentity"):
            action = f"{service}:{operation}"
            raise AccessDenied(
                f"User: {caller.arn} is not authorized to perform: {action} on resource: "
                f"arn:aws:iam::{ACCOUNT}:user/{params.get('UserName', '')} because no "
                f"identity-based policy allows the {action} action")
        return dict(getattr(self, operation)(caller, **params))

    def _user(self, name: str) -> dict[str, Any]:
        if name not in self.users:
            raise NoSuchEntity(f"The user with name {name} cannot be found.")
        return self.users[name]

    def CreateUser(self, caller: Caller, UserName: str, Path: str = "/",  # noqa: N802, N803
                   **_: Any) -> dict[str, Any]:
        if UserName in self.users:
            raise EntityAlreadyExists(f"User with name {UserName} already exists.")
        user = {"Path": Path, "UserName": UserName, "UserId": f"AIDA{len(self.users):017d}",
                "Arn": f"arn:aws:iam::{ACCOUNT}:user{Path}{UserName}",
                "CreateDate": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}
        self.users[UserName] = user
        return {"User": user}

    def GetUser(self, caller: Caller, UserName: str | None = None) -> dict[str, Any]:  # noqa: N802, N803
        return {"User": self._user(UserName or caller.name)}

    def DeleteUser(self, caller: Caller, UserName: str) -> dict[str, Any]:  # noqa: N802, N803
        self._user(UserName)
        del self.users[UserName]
        return {}

    def ListUsers(self, caller: Caller, MaxItems: int = 100, Marker: str | None = None,  # noqa: N802, N803
                  PathPrefix: str = "/") -> dict[str, Any]:
        names = sorted(n for n, u in self.users.items() if u["Path"].startswith(PathPrefix))
        start = names.index(Marker) if Marker in names else 0
        page = names[start:start + MaxItems]
        rest = names[start + MaxItems:start + MaxItems + 1]
        out: dict[str, Any] = {"Users": [self.users[n] for n in page], "IsTruncated": bool(rest)}
        if rest:
            out["Marker"] = rest[0]
        return out

    def TagUser(self, caller: Caller, **_: Any) -> dict[str, Any]:  # noqa: N802
        raise RuntimeError("secret internals that must not reach the client")

    def GetCallerIdentity(self, caller: Caller) -> dict[str, Any]:  # noqa: N802
        return {"UserId": caller.user_id, "Account": caller.account_id, "Arn": caller.arn}

    def authorize_principal(self, principal_arn: str, action: str, resource: str,
                            context: Mapping[str, Any] | None = None) -> Decision:
        if principal_arn.endswith(":user/nobody"):
            raise NoSuchEntity("The principal arn:aws:iam::123456789012:user/nobody cannot be found.")
        allowed = action == "s3:GetObject"
        return Decision(Outcome.ALLOWED if allowed else Outcome.IMPLICIT_DENY)
