"""``a2c-iam validate FILE [--type KIND] [--json]``."""

from __future__ import annotations

import argparse
import json

from .io import POLICY_KINDS, out, read_bytes


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help="validate a policy document as IAM would",
        description="Exit 0 and print 'valid' when IAM would accept the document; exit 1 with "
        "IAM's error (MalformedPolicyDocument or LimitExceeded) otherwise.",
    )
    p.add_argument("file", help="the policy document (JSON), or - for standard input")
    p.add_argument("--type", dest="kind", default="identity", choices=POLICY_KINDS,
                   help="where the document is used (default: identity)")
    p.add_argument("--json", action="store_true", help='print {"valid", "code", "message"}')
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..policy.errors import PolicyValidationError
    from ..policy.kinds import PolicyKind
    from ..policy.validate import validate_document

    document = read_bytes(args.file)
    try:
        validate_document(document, PolicyKind(args.kind))
    except PolicyValidationError as exc:
        if args.json:
            out(json.dumps({"valid": False, "code": exc.code, "message": exc.message}))
        else:
            out(str(exc))
        return 1
    out(json.dumps({"valid": True, "code": None, "message": None}) if args.json else "valid")
    return 0
