"""``a2c-iam serve``: the IAM and STS endpoint for ``boto3`` and the AWS CLI.

The first start over an empty database creates an account and its root access key and prints the
secret once (standard output), or takes the root key from the flags or the environment
(``A2C_IAM_ROOT_ACCESS_KEY_ID`` / ``A2C_IAM_ROOT_SECRET_ACCESS_KEY``) so that a scripted setup
knows it in advance. Requests are logged to standard error as JSON lines, without secrets.
Ctrl-C or SIGTERM stops it gracefully (requests in flight finish).
"""

from __future__ import annotations

import argparse
import os
import sys

from .io import InputError, err

DEFAULT_PORT = 8642
KEY_ID_ENV = "A2C_IAM_ROOT_ACCESS_KEY_ID"
SECRET_ENV = "A2C_IAM_ROOT_SECRET_ACCESS_KEY"
DB_ENV = "A2C_IAM_DB"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "serve",
        help="run the IAM and STS endpoint (AWS SDKs and the AWS CLI with --endpoint-url)",
        description="Serve the AWS IAM and STS APIs (query protocol, SigV4) over a database. "
        "The first start creates an account and shows its root access key once.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT,
                   help=f"port to listen on (default {DEFAULT_PORT})")
    add_database_arguments(p)
    p.add_argument("--root-access-key-id", default=os.environ.get(KEY_ID_ENV),
                   help=f"root access key id for a new account (or ${KEY_ID_ENV})")
    p.add_argument("--root-secret-access-key", default=None,
                   help=f"its secret (prefer ${SECRET_ENV}: flags show in process lists)")
    p.add_argument("--write-profile", metavar="NAME",
                   help="save a new root key as profile NAME in the AWS shared credentials file "
                   "(mode 0600)")
    p.add_argument("--trusted-proxy", metavar="ADDR", action="append", default=[],
                   type=_proxy_address,
                   help="a reverse proxy (IP address or network, e.g. 10.0.0.5 or 10.0.0.0/24; "
                   "repeatable) whose X-Forwarded-For and X-Forwarded-Proto headers are believed. "
                   "They give aws:SourceIp and aws:SecureTransport, so trust only a proxy that "
                   "sets them itself. Without this flag both headers are ignored and the "
                   "connection's own address and scheme are used")
    p.add_argument("--no-access-log", action="store_true", help="do not log requests")
    p.set_defaults(func=run)


def add_database_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", default=os.environ.get(DB_ENV),
                   help=f"database URL (default ${DB_ENV}, else sqlite:///a2c-iam.db here); "
                   "postgresql+psycopg://… for several servers")
    p.add_argument("--schema", help="PostgreSQL schema holding the tables (default: the "
                   "connection's search path)")
    p.add_argument("--account-id", help="12-digit account id for a new account (default: random)")


def _proxy_address(text: str) -> str:
    """``--trusted-proxy``: an IP address or network, never a wildcard or a name."""
    import ipaddress

    try:
        return str(ipaddress.ip_network(text.strip(), strict=False))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"not an IP address or network: {text!r} (name each proxy; '*' is not accepted)"
        ) from None


def _root_key(args: argparse.Namespace) -> tuple[str, str] | None:
    secret = args.root_secret_access_key or os.environ.get(SECRET_ENV)
    if bool(args.root_access_key_id) != bool(secret):
        raise InputError("give both the root access key id and its secret, or neither")
    return (args.root_access_key_id, secret) if args.root_access_key_id and secret else None


def _not_in_memory(url: str | None) -> None:
    """An in-memory SQLite database belongs to one connection, and the server runs its
    requests on several (a thread each), each of which would see an empty database of its own."""
    from sqlalchemy.exc import ArgumentError

    from ..store import in_memory

    try:
        memory = bool(url) and in_memory(str(url))
    except ArgumentError:
        return  # the store says what is wrong with it
    if memory:
        raise InputError("serve needs a database file or PostgreSQL, not an in-memory SQLite "
                         "database (each connection would see its own empty one): give "
                         "--db sqlite:///PATH")


def run(args: argparse.Namespace) -> int:
    if not 0 < args.port < 65536:
        raise InputError(f"--port must be between 1 and 65535, not {args.port}")
    _not_in_memory(args.db)
    root_key = _root_key(args)
    from ..identity.errors import IdentityError
    from ..identity.service import IdentityService

    try:
        svc = IdentityService.open(args.db, schema=args.schema)
    except IdentityError as exc:
        err(f"a2c-iam serve: {exc.code}: {exc.message}")
        return 1
    try:
        known = svc.accounts()
        if not known or (args.account_id and args.account_id not in known):
            from .account_cmd import create_and_show

            status = create_and_show(svc, args.account_id, root_key, args.write_profile,
                                     endpoint=f"http://{_url_host(args.host)}:{args.port}")
            if status:
                return status
            known = svc.accounts()
        elif root_key is not None and svc.lookup_key(root_key[0]) is None:
            err("a2c-iam serve: the database already has an account; the given root key is not "
                "one of its keys and was not added")
        return _serve(svc, args, known)
    finally:
        svc.close()


def _url_host(host: str) -> str:
    """``host`` as it goes in a URL (IPv6 in brackets; a wildcard address as loopback)."""
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def _serve(svc: object, args: argparse.Namespace, accounts: list[str]) -> int:
    import logging
    import signal

    import uvicorn

    from ..api.app import create_app
    from ..api.server import config

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access = logging.getLogger("a2c_iam.api.access")
    access.addHandler(handler)
    access.setLevel(logging.WARNING if args.no_access_log else logging.INFO)
    access.propagate = False
    errors = logging.getLogger("a2c_iam.api")
    errors.addHandler(logging.StreamHandler(sys.stderr))
    uvicorn_log = logging.getLogger("uvicorn.error")
    uvicorn_log.addHandler(handler)
    uvicorn_log.setLevel(logging.WARNING)
    app = create_app(svc)  # type: ignore[arg-type]
    server = uvicorn.Server(config(app, args.host, args.port,
                                   trusted_proxies=args.trusted_proxy))
    err(f"a2c-iam serve: IAM and STS on http://{args.host}:{args.port} "
        f"(account {', '.join(accounts)}); Ctrl-C stops")
    # uvicorn stops gracefully on SIGTERM, then raises the signal again for the previous handler:
    # a no-op one makes a requested stop exit 0 (as service managers expect), not -15.
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        server.run()
    except OSError as exc:
        err(f"a2c-iam serve: cannot listen on {args.host}:{args.port}: {exc.strerror}")
        return 1
    except SystemExit:  # uvicorn exits when it cannot bind; its log said why
        err(f"a2c-iam serve: cannot listen on {args.host}:{args.port}")
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    if not server.started:
        err(f"a2c-iam serve: cannot listen on {args.host}:{args.port}")
        return 1
    return 0
