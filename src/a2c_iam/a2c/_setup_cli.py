"""The command-line half of ``a2c setup`` and ``a2c check --profile``: options and runs.

Kept beside the kit, not in ``cli/a2c_cmd.py``, so that the CLI module only registers the
subcommand and turns :class:`~a2c_iam.a2c.errors.A2CError` into its one-line message. Nothing
here imports boto3 at module level: ``add_*`` run for ``a2c-iam --help``. Output goes through
the ``emit`` callback the CLI passes (its ``out``), so this module prints nothing itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["add_live_options", "add_setup_options", "live_defaults", "run_live_check", "run_setup"]

Emit = Callable[[str], None]


def add_live_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("live endpoint")
    g.add_argument("--profile", metavar="NAME",
                   help="AWS profile whose credentials to use (default: the SDK's usual chain)")
    g.add_argument("--endpoint-url", metavar="URL",
                   help="IAM/STS endpoint, e.g. http://127.0.0.1:8642 for a2c-iam serve "
                   "(default: AWS)")


def add_setup_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--users", metavar="NAMES", default="",
                   help="general-purpose users, comma-separated (each gets an access key)")
    p.add_argument("--deploy-user", metavar="NAME",
                   help="the separate deployment user (AdministratorAccess, in no general group)")
    p.add_argument("--instance-profile", metavar="NAME",
                   help="also a role NAME for EC2 with the general policies, and its instance "
                   "profile NAME")
    p.add_argument("--group", default="a2c-general", help="general-purpose group (default "
                   "a2c-general)")
    p.add_argument("--no-self-check", dest="self_check", action="store_false",
                   help="do not attach the policy that lets users read and simulate their own "
                   "permissions (a2c check --profile needs it)")
    add_live_options(p)
    p.add_argument("--write-profiles", action="store_true",
                   help="save new keys as profiles in the AWS shared credentials file (0600) "
                   "instead of printing the secrets")
    p.add_argument("--force", action="store_true",
                   help="with --write-profiles: replace profiles that exist already")
    p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")


def _aws(args: argparse.Namespace) -> Any:
    from ._setup_aws import Aws

    return Aws(profile=args.profile, endpoint_url=args.endpoint_url, region=args.region)


def live_defaults(args: argparse.Namespace, missing: set[str]) -> dict[str, str]:
    """The choices the credentials can supply when neither the flags nor the choices file give
    them: ``account`` (GetCallerIdentity) and ``region`` (the profile's, as App2Container's own
    ``init`` takes it from the AWS profile)."""
    found: dict[str, str] = {}
    if not missing & {"account", "region"}:
        return found
    aws = _aws(args)
    if "region" in missing and aws.session.region_name:
        found["region"] = aws.session.region_name
    if "account" in missing:
        found["account"] = aws.caller().account
    return found


def run_setup(args: argparse.Namespace, choices: Any, emit: Emit) -> int:
    from .setup import (
        SetupIncomplete,
        apply_plan,
        format_plan,
        plan_setup,
        save_keys,
        spec_from_choices,
    )

    users = [u.strip() for u in args.users.split(",") if u.strip()]
    spec = spec_from_choices(choices, users=users, deploy_user=args.deploy_user,
                             instance_profile=args.instance_profile, group=args.group,
                             self_check=args.self_check)
    aws = _aws(args)
    plan = plan_setup(aws, spec)
    for line in format_plan(plan, dry_run=args.dry_run):
        emit(line)
    if args.dry_run or not plan.changes:
        return 0
    try:
        keys = apply_plan(plan)
    except SetupIncomplete as exc:
        for line in save_keys(exc.keys, region=choices.region, endpoint_url=args.endpoint_url,
                              write_profiles=args.write_profiles, force=args.force):
            emit(line)
        raise
    emit(f"done: {len(plan.changes)} change(s) made")
    for line in save_keys(keys, region=choices.region, endpoint_url=args.endpoint_url,
                          write_profiles=args.write_profiles, force=args.force):
        emit(line)
    return 0


def run_live_check(args: argparse.Namespace, choices: Any, emit: Emit) -> int:
    import json

    from .choices import DEFAULT_APP_ID
    from .live import check_live, format_report

    personas = [args.persona] if getattr(args, "persona", None) else ["general", "deploy"]
    report = check_live(_aws(args), choices, command=getattr(args, "only_command", None),
                        personas=personas, app_id=getattr(args, "app_id", None) or DEFAULT_APP_ID)
    if getattr(args, "json", False):
        emit(json.dumps({
            "identity": report.caller.arn, "account": report.caller.account,
            "principal": report.principal, "method": report.method, "why": report.why or None,
            "results": [
                {"command": r.command, "persona": r.persona.value, "allowed": r.allowed,
                 "missing": [{"action": a, "resource": res} for a, res in r.missing]}
                for r in report.results
            ],
        }, indent=2))
    else:
        for line in format_report(report):
            emit(line)
    if getattr(args, "only_command", None) and not report.all_allowed:
        return 1
    return 0
