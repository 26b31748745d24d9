"""``a2c-iam simulate INPUT [--batch]`` (contract in DESIGN.md)."""

from __future__ import annotations

import argparse


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("simulate", help="evaluate one request (or JSON Lines with --batch)")
    p.add_argument("input", help="a JSON file, or - for standard input")
    p.add_argument("--batch", action="store_true", help="JSON Lines in, one decision per line out")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise NotImplementedError
