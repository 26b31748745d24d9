"""``a2c-iam db check|upgrade [--db URL] [--schema NAME]``: the store's schema version.

``check`` changes nothing (for a health check or a deployment step that must not migrate): exit 0
when the database is at the schema this code expects, 1 when it is not (or does not exist).
``upgrade`` applies the migrations, as every start of the server does anyway.
"""

from __future__ import annotations

import argparse

from .io import err, out


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="check or upgrade the database schema",
                       description="Check the store's schema version, or migrate it to the "
                       "version this code expects.")
    actions = p.add_subparsers(dest="db_action", metavar="ACTION", required=True)
    for name, text in (("check", "exit 0 if the schema is current, 1 if not; changes nothing"),
                       ("upgrade", "apply every pending migration")):
        a = actions.add_parser(name, help=text, description=text)
        a.add_argument("--db", default=None,
                       help="database URL (default: sqlite:///a2c-iam.db in this directory)")
        a.add_argument("--schema", default=None, help="PostgreSQL schema holding the tables")
        a.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..store import StoreError, connect, head_revision, status, upgrade
    from ..store.migrate import check

    try:
        if args.db_action == "check":
            if check(args.db, schema=args.schema):
                out(f"schema at {head_revision()} (current)")
                return 0
            out(f"schema not current (expected {head_revision()})")
            return 1
        db = connect(args.db, schema=args.schema)
        try:
            upgrade(db)
            out(f"schema at {status(db).current}")
        finally:
            db.dispose()
        return 0
    except StoreError as exc:
        err(f"a2c-iam db {args.db_action}: {exc}")
        return 2
