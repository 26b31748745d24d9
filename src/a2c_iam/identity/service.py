"""The identity service: one object that opens the store and runs IAM and STS operations.

``invoke`` is the one way in for the wire server: it finds the operation function by botocore's
``xform_name`` in the operation modules, checks the input against the service model (AWS's
``ValidationError`` texts), authorises the caller through ``authz`` when there is one, and runs the
operation in one transaction — a write transaction (account row locked first, audit event in the
same transaction) for mutations, a read transaction otherwise.

Caches: a key lookup, a caller resolution and the answer of a read (``Get…``/``List…`` of IAM,
after the caller is authorised) stay valid while the account's generation is the one they were
computed at. Every write bumps the generation; this process sees its own writes at
once, and re-reads the generation from the database at most every ``GENERATION_TTL`` seconds
(another server's changes take up to that long to reach this one: IAM, too, is eventually
consistent).
"""

from __future__ import annotations

import importlib
import inspect
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from a2c_iam.store import Database, insert_ignore, open_database
from a2c_iam.store import schema as s
from a2c_iam.store.errors import Conflict, StoreError, Unavailable, WouldBlock

from . import awsmodel, ids
from .attempts import AttemptLimiter
from .errors import (
    ConcurrentModification,
    EntityAlreadyExists,
    IdentityError,
    InvalidInput,
    ServiceFailure,
    ValidationError,
)
from .model import CallContext, DocumentForm, render
from .secrets import Cipher, SecretStr, load_master_key
from .tx import Tx, generation, lock_account

if TYPE_CHECKING:
    from a2c_iam.policy import Decision

    from .principal import KeyRecord, ResolvedCaller

#: The operation modules of the service, by AWS service.
MODULES: dict[str, tuple[str, ...]] = {
    "iam": ("users", "groups", "roles", "policies", "inline", "profiles", "keys", "tagging",
            "account", "export", "simulation", "logins", "mfa", "reports", "providers",
            "ssh_keys", "service_credentials", "server_certificates", "signing_certificates"),
    "sts": ("sts",),
}
#: Operations that only read, though their names do not start with Get/List.
_READS = frozenset({"SimulatePrincipalPolicy", "SimulateCustomPolicy"})
#: Operations that write, though their names start with Get.
_WRITES = frozenset({"GetSessionToken", "GetFederationToken"})
GENERATION_TTL = 1.0
#: Reads whose answers change without a write to their account (last-use records, the caller).
_UNCACHED = frozenset({"GetAccessKeyLastUsed", "GetRole", "GetAccountAuthorizationDetails",
                       "SimulatePrincipalPolicy", "SimulateCustomPolicy",
                       "GetContextKeysForPrincipalPolicy", "GetContextKeysForCustomPolicy",
                       "GetCredentialReport",
                       # Its answer holds the whole chain: not kept once per spelling of a name.
                       "GetServerCertificate"})
#: STS reads whose answer depends only on the caller (part of the cache key) and the account.
_CACHED_STS = frozenset({"GetCallerIdentity"})
RESULT_CACHE_SIZE = 4096
#: Seconds between two last-use records of one access key.
KEY_USE_INTERVAL = 60.0


@dataclass(frozen=True)
class NewAccount:
    account_id: str
    access_key_id: str
    secret: SecretStr


@dataclass(frozen=True)
class Operation:
    service: str
    name: str
    fn: Callable[..., Any]
    writes: bool
    members: Mapping[str, str]  # PascalCase member → snake_case parameter
    required: tuple[str, ...]


def _module(name: str) -> ModuleType:
    """An operation module, imported on first use (``a2c-iam --help`` imports none of them)."""
    return importlib.import_module(f"{__package__}.{name}")


def _is_write(name: str) -> bool:
    if name in _WRITES:
        return True
    if name in _READS:
        return False
    return not name.startswith(("Get", "List"))


class IdentityService:
    """IAM and STS over a store; thread-safe (one transaction per call)."""

    def __init__(self, db: Database, cipher: Cipher) -> None:
        self.db = db
        self.cipher = cipher
        self._ops: dict[tuple[str, str], Operation | None] = {}
        self._lock = threading.Lock()
        self._generations: dict[str, tuple[int, float]] = {}
        self._keys: dict[str, tuple[KeyRecord, int]] = {}
        self._callers: dict[str, tuple[ResolvedCaller, int]] = {}
        self._results: dict[tuple[Any, ...], tuple[int, Any]] = {}
        #: Failed guesses of MFA codes and old passwords, counted across this service's calls.
        self.attempts = AttemptLimiter()
        self._key_use: dict[str, float] = {}
        self._targets: Any = None  # authz.TargetCache, made on first use
        with db.write() as conn:
            from .managed import ensure_aws_managed

            ensure_aws_managed(conn)

    # -- life cycle ------------------------------------------------------------------------------

    @classmethod
    def open(cls, url: str | None = None, *, schema: str | None = None,
             key_file: Path | None = None) -> IdentityService:
        """The service over ``url`` (default: a SQLite file here), migrated, with its master key.

        The master key comes from ``A2C_IAM_MASTER_KEY`` or a key file: ``key_file``, else
        ``<database file>.key`` beside a SQLite file, else ``./a2c-iam.key``.
        """
        db = open_database(url, schema=schema)
        try:
            if key_file is None:
                path = db.sqlite_path
                key_file = path.with_name(path.name + ".key") if path else Path("a2c-iam.key")
            return cls(db, Cipher(load_master_key(key_file)))
        except BaseException:
            db.dispose()
            raise

    def close(self) -> None:
        self.db.dispose()

    # -- accounts --------------------------------------------------------------------------------

    def create_account(self, account_id: str | None = None, *,
                       root_key: tuple[str, str] | None = None,
                       alias: str | None = None,
                       details: Mapping[str, Any] | None = None) -> NewAccount:
        """A new account with a root access key (the secret is shown once, in the result).

        ``details`` (a GetAccountAuthorizationDetails document) fills the account in the same
        transaction: a document that cannot be imported leaves no account behind.
        """
        from .keys import insert_key

        account = account_id or ids.account_id()
        now = datetime.now(UTC)
        with self._translated(), self.db.write() as conn:
            inserted = insert_ignore(conn, s.accounts, {
                "id": account, "alias": None, "generation": 0, "created_at": now})
            if not inserted:
                raise EntityAlreadyExists(f"Account {account} already exists.")
            tx = Tx(conn, CallContext(account, ids.root_arn(account), _request_id()), now,
                    self.cipher, attempts=self.attempts)
            key_id, secret = insert_key(tx, None, root_key)
            if alias is not None:
                from .account import create_account_alias

                create_account_alias(tx, account_alias=alias)
            _audit(tx, "CreateAccount", "Success", ids.root_arn(account))
            if details is not None:
                from .export import import_details

                lock_account(conn, account)
                import_details(tx, details)
                _audit(tx, "ImportAuthorizationDetails", "Success", ids.root_arn(account))
        return NewAccount(account, key_id, secret)

    def accounts(self) -> list[str]:
        with self.db.read() as conn:
            return [r[0] for r in conn.execute(select(s.accounts.c.id).order_by(s.accounts.c.id))]

    # -- operations ------------------------------------------------------------------------------

    def implements(self, service: str, operation: str) -> bool:
        return self._operation(service, operation) is not None

    def operation_names(self, service: str) -> list[str]:
        """The operations of ``service`` this service implements."""
        names = awsmodel.service_model(service)["operations"]
        return [n for n in names if self.implements(service, n)]

    def invoke(self, service: str, operation: str, params: Mapping[str, Any], ctx: CallContext,
               context: Mapping[str, Any] | None = None, *,
               documents: DocumentForm = "url") -> dict[str, Any]:
        """Run one operation; its output shape (PascalCase), documents as on the wire."""
        op = self._operation(service, operation)
        if op is None:
            raise InvalidInput(f"The operation {operation} is not supported.")
        kwargs = self._arguments(op, params)
        now = datetime.now(UTC)
        cache_key = self._cache_key(op, ctx, kwargs)
        if cache_key is not None:
            hit = self._cached(cache_key, ctx.account_id)
            if hit is not None:
                if ctx.caller is not None:
                    # Authorised as always; the store is read only if the decision needs it
                    # (the target's path or tags), not to answer.
                    lazy = _LazyRead(self.db)
                    try:
                        with self._translated():
                            self._authorize(lazy, ctx, service, operation, params,  # type: ignore[arg-type]
                                            context)
                    finally:
                        lazy.close()
                    self._note_key_use(ctx.caller, service, context, now)
                return dict(render(hit, documents))
        bumped = None
        try:
            with self._translated(), (self.db.write() if op.writes else self.db.read()) as conn:
                tx = Tx(conn, ctx, now, self.cipher, attempts=self.attempts)
                result = None
                if ctx.caller is not None:
                    self._authorize(conn, ctx, service, operation, params, context)
                    result = self._cached(cache_key, ctx.account_id) if cache_key else None
                if result is not None:
                    pass  # authorised, and the answer is known
                elif op.writes:
                    bumped = lock_account(conn, ctx.account_id)
                    result = op.fn(tx, **kwargs)
                    _audit(tx, operation, "Success", tx.target)
                elif cache_key is not None:
                    seen = generation(conn, ctx.account_id)
                    result = op.fn(tx, **kwargs)
                    self._remember(cache_key, seen, result)
                else:
                    result = op.fn(tx, **kwargs)
        except IdentityError as exc:
            if op.writes:
                self._audit_failure(ctx, operation, exc.code, now)
            raise
        if bumped is not None:
            self._learn(ctx.account_id, bumped)  # committed: this process sees its write at once
        if ctx.caller is not None:
            self._note_key_use(ctx.caller, service, context, now)
        return dict(render(result, documents))

    def run(self, service: str, operation: str, ctx: CallContext, **params: Any) -> dict[str, Any]:
        """``invoke`` for Python callers: PascalCase params as keywords, documents decoded."""
        return self.invoke(service, operation, params, ctx, documents="object")

    def inline(self) -> AbstractContextManager[None]:
        """A block that must not wait on the database (the server's event loop): a call that
        would reach it raises ``WouldBlock`` before it changes anything, to be made again where
        it may wait. A call answered from this service's caches completes inside it."""
        return self.db.no_io()

    def needs_database(self, operation: str | None) -> bool:
        """Whether a call of ``operation`` certainly reaches the database (a write, or a read
        whose answer is never cached), so that trying it in ``inline()`` would only repeat its
        signature check and parse. A hint: False for what is unknown, which is then tried."""
        return operation is not None and (_is_write(operation) or operation in _UNCACHED)

    def context(self, account_id: str, caller_arn: str | None = None) -> CallContext:
        """A root context for setup code and tests (no authorisation)."""
        return CallContext(account_id, caller_arn or ids.root_arn(account_id), _request_id())

    def authorization_details(self, account_id: str) -> dict[str, Any]:
        """GetAccountAuthorizationDetails in full (every page), documents decoded."""
        from .export import authorization_details

        with self._translated(), self.db.read() as conn:
            tx = Tx(conn, self.context(account_id), datetime.now(UTC), self.cipher,
                    attempts=self.attempts)
            return dict(render(authorization_details(tx), "object"))

    def import_details(self, account_id: str, details: Mapping[str, Any]) -> None:
        """Create what a GAAD document describes in ``account_id`` (new ids)."""
        from .export import import_details

        ctx = self.context(account_id)
        with self._translated(), self.db.write() as conn:
            bumped = lock_account(conn, account_id)
            tx = Tx(conn, ctx, datetime.now(UTC), self.cipher, attempts=self.attempts)
            import_details(tx, details)
            _audit(tx, "ImportAuthorizationDetails", "Success", ids.root_arn(account_id))
        self._learn(account_id, bumped)

    # -- principals (6b's principal module) --------------------------------------------------------

    def lookup_key(self, access_key_id: str) -> KeyRecord | None:
        cached = self._keys.get(access_key_id)
        if cached is not None and cached[1] == self._generation(cached[0].account_id):
            return cached[0]
        principal = _module("principal")
        with self._translated(), self.db.read() as conn:
            found: tuple[KeyRecord, int] | None = principal.lookup_key_at(
                conn, self.cipher, access_key_id)
        if found is None:
            return None
        record, gen = found  # read together: see principal._LONG_TERM_KEY
        self._keys[access_key_id] = (record, gen)
        return record

    def resolve(self, key: KeyRecord) -> ResolvedCaller:
        cached = self._callers.get(key.access_key_id)
        if cached is not None and cached[1] == self._generation(key.account_id):
            return cached[0]
        principal = _module("principal")
        with self._translated(), self.db.read() as conn:
            gen = generation(conn, key.account_id)
            caller: ResolvedCaller = principal.resolve(conn, key)
        self._callers[key.access_key_id] = (caller, gen)
        return caller

    def authorize_principal(self, principal_arn: str, action: str, resource: str,
                            context: Mapping[str, Any] | None = None) -> Decision:
        from a2c_iam.policy import Request, authorize

        principal = _module("principal")
        with self._translated(), self.db.read() as conn:
            policy_set = principal.policy_set_for_arn(conn, principal_arn)
        return authorize(Request(principal_arn, action, resource, dict(context or {})),
                         policy_set)

    # -- internals -------------------------------------------------------------------------------

    def _operation(self, service: str, operation: str) -> Operation | None:
        key = (service, operation)
        if key in self._ops:
            return self._ops[key]
        found = self._find(service, operation)
        with self._lock:
            self._ops[key] = found
        return found

    def _find(self, service: str, operation: str) -> Operation | None:
        from botocore import xform_name

        model = awsmodel.service_model(service)
        if operation not in model["operations"]:
            return None
        fname = xform_name(operation)
        for name in MODULES.get(service, ()):
            module = _module(name)
            fn = getattr(module, fname, None)
            if fn is None or not callable(fn):
                continue
            shape = awsmodel.operation_input(service, operation)
            members = {m: xform_name(m) for m in shape["members"]}
            accepted = inspect.signature(fn).parameters
            if not any(p.kind == p.VAR_KEYWORD for p in accepted.values()):
                members = {m: p for m, p in members.items() if p in accepted}
            return Operation(service, operation, fn, _is_write(operation), members,
                             tuple(shape.get("required", ())))
        return None

    def _arguments(self, op: Operation, params: Mapping[str, Any]) -> dict[str, Any]:
        missing = [m for m in op.required if params.get(m) is None]
        if missing:
            found = [f"Value null at '{m[:1].lower() + m[1:]}' failed to satisfy constraint: "
                     "Member must not be null" for m in missing]
            raise ValidationError(awsmodel.validation_message(found))
        given = {k: v for k, v in params.items() if v is not None}
        unknown = [k for k in given if k not in op.members]
        known = {k: v for k, v in given.items() if k in op.members}
        if unknown and any(k not in awsmodel.operation_input(op.service, op.name)["members"]
                           for k in unknown):
            raise InvalidInput(f"Unknown parameter: {unknown[0]}")
        found = awsmodel.violations(op.service, op.name, known)
        if found:
            raise ValidationError(awsmodel.validation_message(found))
        return {op.members[k]: v for k, v in known.items()}

    def _note_key_use(self, caller: Any, service: str, context: Mapping[str, Any] | None,
                      now: datetime) -> None:
        """Record a long-term key's last use (GetAccessKeyLastUsed), at most once a minute."""
        key_id = getattr(caller, "access_key_id", "")
        if not key_id.startswith("AKIA"):
            return
        clock = time.monotonic()
        if clock - self._key_use.get(key_id, -KEY_USE_INTERVAL) < KEY_USE_INTERVAL:
            return
        self._key_use[key_id] = clock  # before the write: concurrent calls do not all write
        region = (context or {}).get("aws:RequestedRegion")
        try:
            with self.db.write() as conn:
                conn.execute(update(s.access_keys).where(s.access_keys.c.id == key_id).values(
                    last_used_at=now, last_used_service=service,
                    last_used_region=region if isinstance(region, str) else None))
        except StoreError:
            pass  # a missed last-use record must not fail the request it describes
        except WouldBlock:
            # Under ``inline``: the call is made again in a thread, and must record the use then.
            self._key_use.pop(key_id, None)
            raise

    def _cache_key(self, op: Operation, ctx: CallContext, kwargs: Mapping[str, Any],
                   ) -> tuple[Any, ...] | None:
        """The key of a cacheable read: its answer depends only on the account's state."""
        if op.writes or op.name in _UNCACHED or (op.service != "iam"
                                                 and op.name not in _CACHED_STS):
            return None
        return (op.name, ctx.account_id, ctx.caller_arn, repr(sorted(kwargs.items())))

    def _cached(self, key: tuple[Any, ...], account_id: str) -> Any:
        found = self._results.get(key)
        if found is None or found[0] != self._generation(account_id):
            return None
        return found[1]

    def _remember(self, key: tuple[Any, ...], gen: int, result: Any) -> None:
        if len(self._results) >= RESULT_CACHE_SIZE:
            self._results.clear()
        self._results[key] = (gen, result)

    def _authorize(self, conn: Connection, ctx: CallContext, service: str, operation: str,
                   params: Mapping[str, Any], context: Mapping[str, Any] | None) -> None:
        authz = _module("authz")
        if self._targets is None:
            self._targets = authz.TargetCache(self._generation)
        authz.authorize(conn, ctx.caller, service, operation, params, dict(context or {}),
                        self._targets)

    def _learn(self, account_id: str, gen: int) -> None:
        """Know that ``account_id`` is at ``gen`` (read, or committed here) as of now.

        Generations only grow: a value read before another thread's write committed is older
        than what that write taught, and is not learned (the entry stays due for a re-read).
        A write teaches its generation only once committed, so a rolled-back one teaches none.
        """
        with self._lock:
            known = self._generations.get(account_id)
            if known is None or gen >= known[0]:
                self._generations[account_id] = (gen, time.monotonic())

    def _generation(self, account_id: str) -> int:
        known = self._generations.get(account_id)
        if known is not None and time.monotonic() - known[1] < GENERATION_TTL:
            return known[0]
        with self._translated(), self.db.read() as conn:
            gen = generation(conn, account_id)
        self._learn(account_id, gen)
        return max(gen, self._generations[account_id][0])

    def _audit_failure(self, ctx: CallContext, operation: str, code: str, now: datetime) -> None:
        try:
            with self.db.write() as conn:
                _audit(Tx(conn, ctx, now, self.cipher, attempts=self.attempts), operation, code,
                       None)
        except StoreError:
            pass  # the trail of a refused call is best effort; the refusal stands

    @staticmethod
    def _translated() -> Any:
        return _StoreErrors()


class _LazyRead:
    """A read transaction opened on first use, for work that often needs none."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._scope: Any = None
        self._conn: Connection | None = None

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        if self._conn is None:
            self._scope = self._db.read()
            self._conn = self._scope.__enter__()
        return self._conn.execute(*args, **kwargs)

    def close(self) -> None:
        if self._scope is not None:
            self._scope.__exit__(None, None, None)
            self._scope = self._conn = None


class _StoreErrors:
    """Store errors as IAM errors: a lost race is a conflict, an outage a service failure."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: Any) -> None:
        if isinstance(exc, Conflict):
            raise ConcurrentModification(
                "The request was rejected because multiple requests to change this object were "
                "submitted simultaneously. Wait a few minutes and submit your request again."
            ) from None
        if isinstance(exc, Unavailable):
            raise ServiceFailure("The request processing has failed because of an unknown "
                                 "error, exception or failure.") from None


def _request_id() -> str:
    return str(uuid.uuid4())


def _audit(tx: Tx, operation: str, outcome: str, target: str | None) -> None:
    tx.conn.execute(s.audit_events.insert().values(
        at=tx.now, account_id=tx.account_id, request_id=tx.ctx.request_id,
        caller_arn=tx.ctx.caller_arn, operation=operation, target_arn=target, outcome=outcome,
    ))
