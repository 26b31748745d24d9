"""``a2c-iam audit``, ``a2c-iam who-can`` and ``a2c-iam can``: an account's best practices and
who can do what, over an export file, a live IAM endpoint or the local store.

All three read the account the same way (:func:`_input_options`); the audit layer is imported
inside the run functions only, so ``a2c-iam --help`` stays fast.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, TypeAlias

from .io import InputError, err, out, read_text

_Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
SEVERITIES = ("critical", "high", "medium", "low", "info")


def add_parser(sub: _Sub) -> None:
    p = sub.add_parser(
        "audit", help="audit an account against the IAM best practices",
        description="Audit one account: root keys, per-user policies, shared users, key age, "
        "the App2Container personas, wildcard and PassRole grants, trust policies, privilege "
        "escalation paths, and the App2Container commands each principal can run.",
    )
    _input_options(p)
    p.add_argument("--format", choices=("text", "json", "html"), default="text")
    p.add_argument("--output", "-o", metavar="FILE", help="write the report here (default stdout)")
    g = p.add_argument_group("App2Container")
    g.add_argument("--choices", metavar="FILE",
                   help="choice profile (TOML or JSON, as for a2c-iam a2c) for the command matrix")
    g.add_argument("--target", choices=("ecs", "eks", "apprunner"),
                   help="container service for the command matrix (default: the profile's, "
                   "else ecs)")
    g.add_argument("--general-group", metavar="NAME",
                   help="the general-purpose group (default: the one group named a2c/app2container)")
    g.add_argument("--deploy-identity", metavar="NAME", action="append", default=[],
                   help="the deployment user or role (repeatable; default: names with "
                   "a2c/app2container and deploy)")
    p.add_argument("--unused-days", type=int, default=90,
                   help="an active key unused this long is reported (default 90)")
    p.add_argument("--fail-on", choices=SEVERITIES,
                   help="exit 1 when a finding of this severity or worse exists")
    p.set_defaults(func=run_audit)

    w = sub.add_parser(
        "who-can", help="list the principals that can perform an action",
        description="Every user and role of the account that the engine allows to perform "
        "ACTION on RESOURCE, directly or by assuming roles (the path is shown).",
    )
    w.add_argument("action", help="e.g. s3:GetObject")
    w.add_argument("resource", nargs="?", default="*", help="resource ARN (default *)")
    _question_options(w)
    w.set_defaults(func=run_who_can)

    c = sub.add_parser(
        "can", help="whether one principal can perform an action",
        description="The engine's decision for PRINCIPAL (ARN, user/NAME, role/NAME or a name), "
        "directly or through role assumption. Exit 0 when allowed, 1 when not.",
    )
    c.add_argument("principal")
    c.add_argument("action")
    c.add_argument("resource", nargs="?", default="*")
    _question_options(c)
    c.set_defaults(func=run_can)


def _input_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("account (one of --input, --endpoint-url, --live, --db)")
    g.add_argument("--input", "-i", metavar="FILE",
                   help="output of 'aws iam get-account-authorization-details' (- for stdin)")
    g.add_argument("--credential-report", metavar="CSV",
                   help="with --input: the credential report CSV (keys and passwords)")
    g.add_argument("--endpoint-url", metavar="URL",
                   help="a live IAM endpoint, such as a2c-iam serve's")
    g.add_argument("--live", action="store_true", help="read AWS itself (default credentials)")
    g.add_argument("--profile", help="AWS CLI profile for --endpoint-url/--live")
    g.add_argument("--db", metavar="URL", help="the local store (a2c-iam serve's database URL)")
    g.add_argument("--account", metavar="ID", help="with --db: which account (when several)")
    g.add_argument("--region", default=None,
                   help="Region for ARNs of regional probes and the matrix (default us-east-1)")


def _question_options(p: argparse.ArgumentParser) -> None:
    _input_options(p)
    p.add_argument("--context", "-c", metavar="KEY=VALUE", action="append", default=[],
                   help="request context, e.g. aws:SourceIp=203.0.113.7 (repeat a key for a list)")
    p.add_argument("--resource-policy", metavar="FILE",
                   help="the resource's own policy (a bucket policy, a key policy…), if any")
    p.add_argument("--format", choices=("text", "json"), default="text")


def _load(args: argparse.Namespace) -> Any:
    from ..audit import AuditInputError, sources

    given = [n for n in ("input", "endpoint_url", "db") if getattr(args, n)] + (
        ["live"] if args.live else [])
    if len(given) != 1:
        raise InputError("give exactly one of --input FILE, --endpoint-url URL, --live, --db URL")
    try:
        if args.input:
            report = read_text(args.credential_report) if args.credential_report else None
            name = "stdin" if args.input == "-" else args.input
            return sources.from_file(read_text(args.input), name, report)
        if args.credential_report:
            raise InputError("--credential-report goes with --input (live sources read keys "
                             "themselves)")
        if args.db:
            return sources.from_store(args.db, args.account)
        return sources.from_endpoint(args.endpoint_url, args.profile, args.region)
    except AuditInputError as exc:
        raise InputError(str(exc)) from exc


def _choices(args: argparse.Namespace, account_id: str) -> Any:
    from ..a2c.choices import choices_from_mapping, parse_choices_document
    from ..a2c.errors import A2CError

    try:
        data = parse_choices_document(read_text(args.choices), args.choices) if args.choices else {}
        if args.target:
            data["target"] = args.target
        data.setdefault("target", "ecs")
        data.setdefault("account", account_id)
        if args.region:
            data["region"] = args.region
        data.setdefault("region", "us-east-1")
        return choices_from_mapping(data)
    except A2CError as exc:
        raise InputError(str(exc)) from exc


def run_audit(args: argparse.Namespace) -> int:
    from ..audit import AuditOptions
    from ..audit import run_audit as audit
    from ..audit.html import as_html
    from ..audit.report import as_json_text, as_text

    if args.unused_days < 1:
        raise InputError("--unused-days must be at least 1")
    if args.output:
        from pathlib import Path

        folder = Path(args.output).resolve().parent
        if not folder.is_dir():
            raise InputError(f"cannot write {args.output}: no folder {folder}")
    account = _load(args)
    choices = _choices(args, account.account_id)
    report = audit(account, AuditOptions(
        choices=choices, general_group=args.general_group,
        deploy_identities=tuple(args.deploy_identity), unused_days=args.unused_days,
        region=choices.region,
    ))
    if args.db and account.credentials is None:
        report.notes.append("key metadata from the store was not available")
    text = {"text": as_text, "json": as_json_text, "html": as_html}[args.format](report)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as fh:
                fh.write(text if text.endswith("\n") else text + "\n")
        except OSError as exc:
            raise InputError(f"cannot write {args.output}: {exc.strerror}") from exc
        counts = report.counts()
        err(f"a2c-iam audit: {len(report.findings)} finding(s) ("
            + ", ".join(f"{counts[s]} {s}" for s in SEVERITIES) + f") written to {args.output}")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    if args.fail_on:
        worst = SEVERITIES.index(args.fail_on)
        if any(SEVERITIES.index(f.severity.value) <= worst for f in report.findings):
            return 1
    return 0


def _context(pairs: list[str]) -> dict[str, Any]:
    ctx: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise InputError(f"--context {pair!r}: expected KEY=VALUE")
        if key in ctx:
            prev = ctx[key]
            ctx[key] = (prev if isinstance(prev, list) else [prev]) + [value]
        else:
            ctx[key] = value
    return ctx


def _resource_policy(args: argparse.Namespace) -> Any:
    if not args.resource_policy:
        return None
    from ..policy import PolicyKind, PolicySet, PolicyValidationError, compile_policy_set, parse_policy

    try:
        policy = parse_policy(read_text(args.resource_policy), PolicyKind.RESOURCE,
                              validate=False)
    except PolicyValidationError as exc:
        raise InputError(f"{args.resource_policy}: {exc}") from exc
    return compile_policy_set(PolicySet(resource_policy=policy)).resource


_ACTION = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9]+$")


def _request(args: argparse.Namespace) -> tuple[str, str]:
    """ACTION and RESOURCE, checked: one action (no wildcards), an ARN or ``*``. An action the
    catalog does not know is asked all the same (the catalog may be older than AWS), with a
    note, since only policies with wildcards can then allow it."""
    action, resource = args.action, args.resource
    if not _ACTION.match(action):
        raise InputError(f"ACTION {action!r} is not one action: expected service:Action, e.g. "
                         "s3:GetObject (no wildcards)")
    if resource != "*" and not resource.startswith("arn:"):
        raise InputError(f"RESOURCE {resource!r} is not an ARN (arn:partition:service:…) or *")
    from ..policy.catalog import get_catalog

    catalog = get_catalog()
    if catalog.action(action) is None:
        hint = catalog.suggest(action)
        err(f"note: {action} is not in the action catalog" + (
            f" (did you mean {hint}?)" if hint else "") + "; asked as given")
    return action, resource


def _question(args: argparse.Namespace) -> tuple[Any, str, str, dict[str, Any], Any]:
    """What ``who-can`` and ``can`` both ask, checked in one order (the request, its context and
    the resource policy before the account is read): the account's access model, ACTION,
    RESOURCE, the context and the resource policy."""
    from ..audit import AccessModel

    action, resource = _request(args)
    context = _context(args.context)
    policy = _resource_policy(args)
    return AccessModel(_load(args)), action, resource, context, policy


def _path_text(model: Any, path: Any) -> str:
    return " → ".join(model.get(a).label for a in path.arns)


def _statement_text(statement: Any) -> str:
    """A deciding statement as the text output names it: its policy, and its Sid if it has one."""
    return f"{statement.policy}" + (f" ({statement.sid})" if statement.sid else "")


def run_who_can(args: argparse.Namespace) -> int:
    model, action, resource, context, policy = _question(args)
    found = model.who_can(action, resource, context, policy)
    found.sort(key=lambda t: (len(t[1].arns), t[0].kind, t[0].name))
    if args.format == "json":
        out(json.dumps({"action": args.action, "resource": args.resource, "principals": [
            {"principal": p.arn, "label": p.label, "via": list(path.arns[1:]),
             "statements": [s.as_json() for s in d.statements]}
            for p, path, d in found]}, indent=2))
        return 0
    if not found:
        out(f"no principal of account {model.account.account_id} can {args.action} on "
            f"{args.resource}")
        return 0
    for p, path, decision in found:
        via = "" if path.direct else f"  via {_path_text(model, path)}"
        why = ", ".join(_statement_text(s) for s in decision.statements[:3])
        out(f"{p.label}{via}  [{why}]")
    err(f"who-can: {len(found)} principal(s) ({sum(1 for _, pa, _ in found if pa.direct)} "
        "directly)")
    return 0


def run_can(args: argparse.Namespace) -> int:
    from ..audit import AuditInputError

    model, action, resource, context, policy = _question(args)
    try:
        principal = model.find(args.principal)
    except AuditInputError as exc:
        raise InputError(str(exc)) from exc
    decision, path = model.can(principal, action, resource, context, policy)
    if args.format == "json":
        body = decision.as_json()
        body["principal"] = principal.arn
        body["via"] = list(path.arns[1:]) if path is not None else []
        out(json.dumps(body, indent=2))
        return 0 if path is not None else 1
    if path is not None:
        via = "" if path.direct else f" via {_path_text(model, path)}"
        out(f"allowed: {principal.label} can {args.action} on {args.resource}{via}")
    else:
        out(f"{decision.decision.value}: {principal.label} cannot {args.action} on "
            f"{args.resource}" + (f" (denied by {', '.join(decision.denied_by)})"
                                  if decision.denied_by else ""))
    for s in decision.statements:
        out(f"  {s.effect} {_statement_text(s)}")
    return 0 if path is not None else 1
