"""``a2c-iam account create|list|export|import``: accounts in the store, each with a root key.

The root key's secret is printed once, when it is created; the store keeps it encrypted.
``export`` prints an account as ``aws iam get-account-authorization-details`` does (JSON, every
page); ``import`` loads such a document, from AWS or from ``export``, into an account of the
store (one transaction: a document IAM would refuse changes nothing).
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import sys
from pathlib import Path
from typing import Any

from .io import InputError, err, out


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .serve_cmd import add_database_arguments

    p = sub.add_parser("account", help="create or list accounts in the database",
                       description="Manage the accounts of an a2c-iam database.")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="create an account and show its root key once")
    add_database_arguments(create)
    create.add_argument("--alias", help="account alias")
    create.add_argument("--write-profile", metavar="NAME",
                        help="save the root key as profile NAME in the AWS shared credentials "
                        "file (mode 0600)")
    create.add_argument("--json", action="store_true", help="print the new key as JSON")
    create.set_defaults(func=run_create)
    listing = actions.add_parser("list", help="list the account ids")
    listing.add_argument("--db", default=os.environ.get("A2C_IAM_DB"), help="database URL")
    listing.add_argument("--schema", help="PostgreSQL schema holding the tables")
    listing.set_defaults(func=run_list)
    export = actions.add_parser(
        "export", help="print an account as get-account-authorization-details JSON",
        description="Print the account's users, groups, roles and policies in the shape of "
        "`aws iam get-account-authorization-details` (every page, times in ISO 8601).")
    add_database_arguments(export)
    export.set_defaults(func=run_export)
    load = actions.add_parser(
        "import", help="load a get-account-authorization-details document into an account",
        description="Create what a get-account-authorization-details document describes (from "
        "AWS or from `account export`) in an account: --account-id names it, else the account "
        "the document's ARNs name; an account not in the database is created, with a root key "
        "shown once. Nothing is written unless all of it can be.")
    load.add_argument("file", metavar="FILE", help="the JSON document, or - for standard input")
    add_database_arguments(load)
    load.add_argument("--write-profile", metavar="NAME",
                      help="for a new account: save its root key as profile NAME (mode 0600)")
    load.set_defaults(func=run_import)


def run_create(args: argparse.Namespace) -> int:
    from ..identity.service import IdentityService

    svc = IdentityService.open(args.db, schema=args.schema)
    try:
        return create_and_show(svc, args.account_id, None, args.write_profile, alias=args.alias,
                               as_json=args.json)
    finally:
        svc.close()


def run_list(args: argparse.Namespace) -> int:
    from ..identity.service import IdentityService

    svc = IdentityService.open(args.db, schema=args.schema)
    try:
        for account in svc.accounts():
            out(account)
    finally:
        svc.close()
    return 0


def _one_account(svc: Any, account_id: str | None) -> str:
    known = svc.accounts()
    if account_id is not None:
        if account_id not in known:
            raise InputError(f"no account {account_id} in the database")
        return account_id
    if len(known) != 1:
        raise InputError("give --account-id: the database holds "
                         f"{len(known) or 'no'} account{'s' if len(known) != 1 else ''}")
    return str(known[0])


def run_export(args: argparse.Namespace) -> int:
    from ..identity.service import IdentityService

    svc = IdentityService.open(args.db, schema=args.schema)
    try:
        details = svc.authorization_details(_one_account(svc, args.account_id))
    finally:
        svc.close()
    out(json.dumps(details, indent=4, default=_iso))
    return 0


def _iso(value: Any) -> str:
    from datetime import datetime

    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def _document_account(details: Any) -> str | None:
    """The account the document's own ARNs name (its users', groups', roles', policies')."""
    if not isinstance(details, dict):
        return None
    for key in ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"):
        for item in details.get(key) or []:
            parts = str(item.get("Arn", "")).split(":") if isinstance(item, dict) else []
            if len(parts) > 4 and len(parts[4]) == 12 and parts[4].isdigit():
                return parts[4]
    return None


def run_import(args: argparse.Namespace) -> int:
    from ..identity.errors import IdentityError
    from ..identity.service import IdentityService
    from .io import read_text

    try:
        details = json.loads(read_text(args.file))
    except json.JSONDecodeError as exc:
        raise InputError(f"{args.file} is not JSON: {exc.msg} (line {exc.lineno})") from None
    account = args.account_id or _document_account(details)
    if account is not None and not (len(account) == 12 and account.isdigit()):
        raise InputError(f"--account-id must be 12 digits, not {account!r}")
    svc = IdentityService.open(args.db, schema=args.schema)
    try:
        if account is None or account not in svc.accounts():
            # A new account and its content in one transaction (nothing if the import fails).
            return create_and_show(svc, account, None, args.write_profile, details=details)
        try:
            svc.import_details(account, details)
        except IdentityError as exc:
            err(f"a2c-iam account import: {exc.code}: {exc.message}")
            return 1
        err(f"imported into account {account}")
        return 0
    finally:
        svc.close()


def create_and_show(svc: Any, account_id: str | None, root_key: tuple[str, str] | None,
                    profile: str | None, *, alias: str | None = None,
                    as_json: bool = False, endpoint: str | None = None,
                    details: Any = None) -> int:
    """Create an account (filled from ``details``, a GAAD document, if given); show its root key
    once (the secret only if we made it).

    ``endpoint`` (the server's URL) makes the hint on standard error a command to paste.
    """
    from ..identity.errors import IdentityError

    if account_id is not None and not (len(account_id) == 12 and account_id.isdigit()):
        raise InputError(f"--account-id must be 12 digits, not {account_id!r}")
    try:
        new = svc.create_account(account_id, root_key=root_key, alias=alias, details=details)
    except IdentityError as exc:
        err(f"a2c-iam account: {exc.code}: {exc.message}")
        return 1
    secret = new.secret.get_secret_value()
    if as_json:
        out(json.dumps({"account_id": new.account_id, "access_key_id": new.access_key_id,
                        "secret_access_key": secret}))
    else:
        out(f"account {new.account_id}: root access key created")
        out(f"aws_access_key_id = {new.access_key_id}")
        if root_key is None:
            out(f"aws_secret_access_key = {secret}")
            err("This secret is shown once; it cannot be retrieved later.")
    sys.stdout.flush()  # before serving starts: see io.out
    if profile:
        path = write_profile(profile, new.access_key_id, secret)
        err(f"profile {profile} written to {path}")
    if not as_json:
        _hint(profile, endpoint)
    return 0


def _hint(profile: str | None, endpoint: str | None) -> None:
    """How to hand the key to the AWS CLI (which also insists on a region, any one for IAM)."""
    url = f" --endpoint-url {endpoint}" if endpoint else ""
    if profile:
        err(f"Use it: aws --profile {profile}{url} iam list-users")
    else:
        err("Use it: save it with --write-profile NAME (then aws --profile NAME …), or set "
            "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION (any region) for "
            f"aws{url} iam list-users")


def credentials_file() -> Path:
    configured = os.environ.get("AWS_SHARED_CREDENTIALS_FILE")
    return Path(configured).expanduser() if configured else Path.home() / ".aws" / "credentials"


def write_profile(name: str, key_id: str, secret: str) -> Path:
    """Add or replace profile ``name`` in the shared credentials file, readable by its owner only.

    Written to a new file (created 0600) that replaces the old one, so that the secret is never
    readable by others, even for a moment, and an interrupted write leaves the old file intact.
    """
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    parser = configparser.RawConfigParser()
    if path.exists():
        parser.read(path, encoding="utf-8")
    if not parser.has_section(name):
        parser.add_section(name)
    parser.set(name, "aws_access_key_id", key_id)
    parser.set(name, "aws_secret_access_key", secret)
    if not parser.has_option(name, "region"):
        # botocore reads a profile's region from this file too; IAM and STS accept any region,
        # and the AWS CLI refuses to run without one.
        parser.set(name, "region", "us-east-1")
    tmp = path.with_name(path.name + ".a2c-iam.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        parser.write(fh)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path
