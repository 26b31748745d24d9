"""``a2c-iam account create|list``: accounts in the store, each with a root access key.

The root key's secret is printed once, when it is created; the store keeps it encrypted.
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
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


def create_and_show(svc: Any, account_id: str | None, root_key: tuple[str, str] | None,
                    profile: str | None, *, alias: str | None = None,
                    as_json: bool = False) -> int:
    """Create an account; show its root key once (the secret only if we made it)."""
    from ..identity.errors import IdentityError

    if account_id is not None and not (len(account_id) == 12 and account_id.isdigit()):
        raise InputError(f"--account-id must be 12 digits, not {account_id!r}")
    try:
        new = svc.create_account(account_id, root_key=root_key, alias=alias)
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
    if profile:
        path = write_profile(profile, new.access_key_id, secret)
        err(f"profile {profile} written to {path}")
    return 0


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
