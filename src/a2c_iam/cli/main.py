"""Entry point of ``a2c-iam``. Subcommands import their layers only when they run."""

from __future__ import annotations

import argparse
import sys

from .. import __version__
from . import validate_cmd
from .io import InputError, err


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="a2c-iam",
        description="Identity and access management for AWS App2Container: an IAM policy engine, "
        "an IAM/STS service, and the App2Container permission kit.",
    )
    parser.add_argument("--version", action="version", version=f"a2c-iam {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _commands():
        module.add_parser(sub)
    return parser


def _commands() -> list:  # type: ignore[type-arg]
    from . import a2c_cmd, account_cmd, audit_cmd, db_cmd, lint_cmd, serve_cmd, simulate_cmd

    return [validate_cmd, simulate_cmd, lint_cmd, serve_cmd, account_cmd, a2c_cmd, db_cmd,
            audit_cmd]


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except InputError as exc:
        err(f"a2c-iam {args.command}: {exc}")
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
