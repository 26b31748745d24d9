"""``a2c-iam a2c SUBCOMMAND``: the App2Container permission kit.

``policy`` prints the generated policies for a persona, ``commands`` the command map, ``check``
whether policy files let each command run. Every subcommand takes the same choice options
(:func:`add_choice_options`), read from ``--choices FILE`` (TOML or JSON) with the flags
overriding the file. Each subcommand is one ``_add_<name>`` / ``_run_<name>`` pair registered in
:data:`SUBCOMMANDS`; add new ones there, with :func:`_subparser` and :func:`_kit_errors`. The kit
is imported inside the run functions only, so ``a2c-iam --help`` stays fast.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from .io import InputError, err, out, read_text

_Sub: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

PERSONAS = ("general", "deploy", "jenkins", "azure-devops")


def add_parser(sub: _Sub) -> None:
    p = sub.add_parser(
        "a2c",
        help="App2Container permissions: generated policies, command map, check",
        description="Least-privilege IAM policies for AWS App2Container, the permissions each "
        "app2container command needs, and whether given policies allow them.",
    )
    p.set_defaults(func=lambda args: _no_subcommand(p))
    inner = p.add_subparsers(dest="a2c_command", metavar="SUBCOMMAND")
    for _, add in SUBCOMMANDS:
        add(inner)


def _no_subcommand(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _subparser(sub: _Sub, name: str, help: str, description: str) -> argparse.ArgumentParser:
    """A subcommand's parser, the choice options first: every subcommand takes them."""
    p = sub.add_parser(name, help=help, description=description)
    add_choice_options(p)
    return p


def _kit_errors(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """``run`` with the kit's errors (bad choices, an unknown command, a failed live call) made
    input errors, exit status 2: the one place where the a2c layer's error root becomes the CLI's,
    instead of a ``try`` around every call into the kit."""

    @functools.wraps(run)
    def converted(args: argparse.Namespace) -> int:
        from ..a2c.errors import A2CError

        try:
            return run(args)
        except A2CError as exc:
            raise InputError(str(exc)) from exc

    return converted


# -- choices (shared by every subcommand) ----------------------------------------------------

def add_choice_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("choices (flags override --choices FILE)")
    g.add_argument("--choices", metavar="FILE", help="a TOML or JSON file of choices")
    g.add_argument("--target", choices=("ecs", "eks", "apprunner"), help="container service")
    g.add_argument("--account", help="12-digit AWS account id")
    g.add_argument("--region", help="AWS Region, e.g. us-east-1")
    g.add_argument("--partition", help="aws, aws-cn, aws-us-gov… (default: the Region's)")
    g.add_argument("--bucket", help="S3 bucket for artifacts chosen at init")
    g.add_argument("--firelens", metavar="DESTS",
                   help="FireLens destinations, comma-separated: cloudwatch,firehose,kinesis")
    g.add_argument("--pipelines", metavar="KINDS",
                   help="pipelines, comma-separated: codecommit,jenkins,azure-devops")
    for name, text in (
        ("remote", "remote workflows (connection secrets in Secrets Manager)"),
        ("metrics", "usage-metrics consent given at init"),
        ("support-bundle", "support bundles uploaded (automatically at init, or by command)"),
        ("byo-vpc", "bring your own VPC or reuse an existing one"),
    ):
        g.add_argument(f"--{name}", action=argparse.BooleanOptionalAction, default=None, help=text)
    g.add_argument("--secret-prefix", help="Secrets Manager name prefix (default a2c/)")
    g.add_argument("--name-prefixes", metavar="PREFIXES",
                   help="stack/repository/role name prefixes (default a2c-,app2container-)")
    g.add_argument("--task-execution-role", help="ECS task execution role name")
    g.add_argument("--ecr-repository", help="ECR repository name or pattern (default *)")


_CHOICE_FLAGS = ("target", "account", "region", "partition", "bucket", "firelens", "pipelines",
                 "remote", "metrics", "support_bundle", "byo_vpc", "secret_prefix",
                 "name_prefixes", "task_execution_role", "ecr_repository")


def _choice_data(args: argparse.Namespace) -> dict[str, Any]:
    """The choices file (if any) with the flags over it, as a mapping."""
    from ..a2c.choices import parse_choices_document

    data: dict[str, Any] = {}
    if args.choices:
        data.update(parse_choices_document(read_text(args.choices), args.choices))
    for name in _CHOICE_FLAGS:
        value = getattr(args, name)
        if value is not None:
            data[name] = value
    return data


def load_choices(args: argparse.Namespace,
                 defaults: Callable[[set[str]], dict[str, Any]] | None = None) -> Any:
    """The :class:`Choices` from ``--choices`` and the flags; bad choices raise the kit's
    ``ChoiceError`` (the run functions' :func:`_kit_errors` makes it an input error).

    ``defaults`` supplies, for the names of the required choices that neither gives, values of
    its own (the live commands take the account and Region from the credentials).
    """
    from ..a2c.choices import choices_from_mapping

    data = _choice_data(args)
    missing = {name for name in ("account", "region") if data.get(name) is None}
    if defaults is not None and missing:
        data.update(defaults(missing))
    return choices_from_mapping(data)


# -- policy ------------------------------------------------------------------------------------

def _add_policy(sub: _Sub) -> None:
    p = _subparser(
        sub, "policy",
        help="the generated policy document(s) for a persona",
        description="Print the least-privilege policy for the persona (one JSON document; a JSON "
        "array of {PolicyName, PolicyDocument} when it had to be split), or write one file per "
        "policy with --out-dir. The deploy persona gets the seed's recommendation, the "
        "AdministratorAccess managed policy, with its warning.",
    )
    p.add_argument("--persona", choices=PERSONAS, default="general")
    p.add_argument("--out-dir", metavar="DIR", help="write NAME.json for each policy into DIR")
    p.set_defaults(func=_run_policy)


@_kit_errors
def _run_policy(args: argparse.Namespace) -> int:
    from ..a2c.generate import generate_policies

    policies = generate_policies(load_choices(args), args.persona)
    for policy in policies:
        for note in policy.notes:
            err(f"note: {policy.name}: {note}")
    managed = [p for p in policies if p.managed_arn]
    if managed:
        out(json.dumps({"PolicyName": managed[0].name, "PolicyArn": managed[0].managed_arn},
                       indent=2))
        return 0
    if args.out_dir:
        os.makedirs(args.out_dir, exist_ok=True)
        for policy in policies:
            path = os.path.join(args.out_dir, f"{policy.name}.json")
            with open(path, "w", encoding="utf-8") as fh:
                fh.write(json.dumps(policy.document, indent=2) + "\n")
            out(path)
        return 0
    if len(policies) == 1:
        out(json.dumps(policies[0].document, indent=2))
    else:
        out(json.dumps([{"PolicyName": p.name, "PolicyDocument": p.document} for p in policies],
                       indent=2))
    return 0


# -- commands ----------------------------------------------------------------------------------

def _add_commands(sub: _Sub) -> None:
    p = _subparser(
        sub, "commands",
        help="which app2container command needs which permissions",
        description="For each app2container command that applies to the choices: the persona "
        "that runs it and the (action, resource) pairs it needs, with the section granting each "
        "('-' for needs only the deployment persona has).",
    )
    p.add_argument("--persona", choices=PERSONAS, help="only the commands this persona runs")
    p.add_argument("--command", dest="only_command", metavar="COMMAND",
                   help='only this command, e.g. "generate app-deployment"')
    p.add_argument("--app-id", help="application id naming the sample resources")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    p.set_defaults(func=_run_commands)


@_kit_errors
def _run_commands(args: argparse.Namespace) -> int:
    from ..a2c.choices import DEFAULT_APP_ID
    from ..a2c.commands import command_map, find_command

    choices = load_choices(args)
    app_id = args.app_id or DEFAULT_APP_ID
    if args.only_command:
        entries = [find_command(choices, args.only_command, app_id=app_id)]
        if args.persona and entries[0].persona.value != args.persona:
            raise InputError(f"'{entries[0].command}' is run by the {entries[0].persona.value} "
                             f"persona, not {args.persona}")
    else:
        entries = command_map(choices, args.persona, app_id=app_id)
    if args.json:
        out(json.dumps([
            {
                "command": e.command,
                "persona": e.persona.value,
                "sections": list(e.sections),
                "needs": [{"action": a, "resource": r, "section": s or None}
                          for (a, r), s in zip(e.needs, e.need_sections, strict=True)],
            }
            for e in entries
        ], indent=2))
        return 0
    rows: list[tuple[str, ...]] = [("COMMAND", "PERSONA", "ACTION", "RESOURCE", "SECTION")]
    for e in entries:
        if not e.needs:
            rows.append((e.command, e.persona.value, "-", "-", "-"))
        for (action, resource), sid in zip(e.needs, e.need_sections, strict=True):
            rows.append((e.command, e.persona.value, action, resource, sid or "-"))
    _table(rows)
    return 0


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        cells = [cell.ljust(w) for cell, w in zip(row, widths, strict=False)] + [row[-1]]
        out("  ".join(cells).rstrip())


# -- check -------------------------------------------------------------------------------------

def _add_check(sub: _Sub) -> None:
    p = _subparser(
        sub, "check",
        help="do these policies let each app2container command run?",
        description="Evaluate every (action, resource) need of each command against the policy "
        "files with the IAM engine: allowed, or the exact pairs that are not. Exit status 1 "
        "when the command named with --command is not fully allowed.",
    )
    p.add_argument("--policy-file", nargs="+", metavar="FILE",
                   help="identity policy documents (JSON) the caller holds (or --profile / "
                   "--endpoint-url: ask a live endpoint about the credentials' identity)")
    p.add_argument("--boundary-file", metavar="FILE", help="a permissions boundary (JSON)")
    p.add_argument("--command", dest="only_command", metavar="COMMAND",
                   help='one command, e.g. "generate app-deployment --deploy"')
    p.add_argument("--persona", choices=PERSONAS,
                   help="check the commands of this persona (default: general and deploy)")
    p.add_argument("--principal", metavar="ARN", help="the caller's ARN")
    p.add_argument("--app-id", help="application id naming the sample resources")
    p.add_argument("--json", action="store_true", help="JSON instead of a table")
    from ..a2c._setup_cli import add_live_options

    add_live_options(p)
    p.set_defaults(func=_run_check)


@_kit_errors
def _run_check(args: argparse.Namespace) -> int:
    from ..a2c.check import check_policies
    from ..a2c.choices import DEFAULT_APP_ID

    if args.profile or args.endpoint_url:
        local_only = [flag for flag, value in (("--policy-file", args.policy_file),
                                              ("--boundary-file", args.boundary_file),
                                              ("--principal", args.principal)) if value]
        if local_only:
            raise InputError(f"{', '.join(local_only)}: for checking policy files, and "
                             "--profile/--endpoint-url for checking a live identity; give one "
                             "or the other")
        return _run_live(args, "run_live_check")
    if not args.policy_file:
        raise InputError("give --policy-file FILE..., or --profile/--endpoint-url to check the "
                         "identity of live credentials")
    choices = load_choices(args)
    documents = [read_text(path) for path in args.policy_file]
    boundary = read_text(args.boundary_file) if args.boundary_file else None
    personas = [args.persona] if args.persona else ["general", "deploy"]
    results = check_policies(choices, documents, principal_arn=args.principal,
                             permission_boundary=boundary, command=args.only_command,
                             personas=personas, app_id=args.app_id or DEFAULT_APP_ID)
    if args.json:
        out(json.dumps([
            {"command": r.command, "persona": r.persona.value, "allowed": r.allowed,
             "missing": [{"action": a, "resource": res} for a, res in r.missing]}
            for r in results
        ], indent=2))
    else:
        rows: list[tuple[str, ...]] = [("COMMAND", "PERSONA", "RESULT")]
        for r in results:
            rows.append((r.command, r.persona.value, "allowed" if r.allowed else
                         f"denied: {len(r.missing)} missing"))
        _table(rows)
        for r in results:
            for action, resource in r.missing:
                out(f"  {r.command}: missing {action} on {resource}")
    if args.only_command and not all(r.allowed for r in results):
        return 1
    return 0


# -- setup (and check --profile) against a live endpoint: a2c/_setup_cli.py --------------------

def _add_setup(sub: _Sub) -> None:
    from ..a2c._setup_cli import add_setup_options

    p = _subparser(
        sub, "setup",
        help="create or repair the seed's policy, group, users and deployment user on an IAM "
        "endpoint",
        description="Create or update the general-purpose managed policy, the group with it "
        "attached, the users in it (one access key per new user), the deployment user with "
        "AdministratorAccess in no general group, or an EC2 role and instance profile. A second "
        "run changes nothing; drift is reported and repaired. Entities not created by a2c-iam "
        "are never changed.",
    )
    add_setup_options(p)
    p.set_defaults(func=_kit_errors(lambda args: _run_live(args, "run_setup")))


def _run_live(args: argparse.Namespace, name: str) -> int:
    """``_setup_cli.<name>`` with the choices, the live defaults filling in the account and
    Region (under the caller's :func:`_kit_errors`: ``check`` or the ``setup`` lambda)."""
    from ..a2c import _setup_cli

    choices = load_choices(args, lambda missing: _setup_cli.live_defaults(args, missing))
    return int(getattr(_setup_cli, name)(args, choices, out))


#: The subcommands, in help order: (name, add-parser function). Add new subcommands here.
SUBCOMMANDS: list[tuple[str, Callable[[_Sub], None]]] = [
    ("policy", _add_policy),
    ("commands", _add_commands),
    ("check", _add_check),
    ("setup", _add_setup),
]
