"""Lint checks on actions, resources and principals: the catalog, placeholders, wildcards,
dangerous grants and redundancy. See ``lint.py`` for the finding model and ``RULES``.

Each check reports through a sink ``(code, message, path)`` at the most precise path it knows
(``Statement[3].Resource[1]``). The checks try hard not to pile findings on one mistake: a
resource that is a placeholder or is malformed is not also called a mismatch; an action IAM
already refuses for its prefix is only given a "did you mean".
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Final

from .arn import parse_arn
from .catalog import ActionInfo, Catalog
from .match import is_wild, matches_action, matches_resource
from .model import Effect
from .validate import action_prefix_error, resource_format_error

if TYPE_CHECKING:
    from .lint import PolicyContext, Sink, StatementContext

__all__ = [
    "check_statements",
    "check_version",
    "find_placeholder",
    "find_placeholders",
    "placeholder_message",
    "resolve_action",
    "statement_action_infos",
]

_FULL: Final = frozenset({"*", "*:*"})
_WRITE_LEVELS: Final = frozenset({"Write", "Permissions management", "Tagging"})
#: Actions that have a check of their own for "on every resource".
_OWN_STAR_CHECK: Final = frozenset({"iam:passrole", "sts:assumerole"})


# ------------------------------------------------------------------------------ the catalog


def resolve_action(catalog: Catalog, pattern: str) -> tuple[ActionInfo, ...] | None:
    """The actions ``pattern`` names: None when it is malformed or names an unknown service or
    action; ``()`` for a wildcard that matches nothing today."""
    return _resolve(catalog, pattern.lower())


@functools.lru_cache(maxsize=16384)
def _resolve(catalog: Catalog, pattern: str) -> tuple[ActionInfo, ...] | None:
    if pattern in _FULL:
        return None
    if action_prefix_error(pattern) is not None:
        return None
    prefix = pattern.split(":", 1)[0]
    if not is_wild(prefix) and not catalog.has_service(prefix):
        return None
    if not is_wild(pattern):
        info = catalog.action(pattern)
        return (info,) if info is not None else None
    infos: list[ActionInfo] = []
    for name in catalog.expand(pattern):
        info = catalog.action(name)
        if info is not None:
            infos.append(info)
    return tuple(infos)


def statement_action_infos(catalog: Catalog, actions: Iterable[str]) -> list[ActionInfo] | None:
    """The known actions of an Action element; None when it holds ``*`` (every action)."""
    out: list[ActionInfo] = []
    for pattern in actions:
        if pattern in _FULL:
            return None
        infos = resolve_action(catalog, pattern)
        if infos:
            out.extend(infos)
    return out


def check_version(ctx: PolicyContext, sink: Sink, *, version_error: bool) -> None:
    """MISSING_VERSION and OLD_VERSION, unless IAM's own error already says so."""
    if version_error:
        return
    if "Version" not in ctx.raw:
        sink("MISSING_VERSION", 'The policy has no Version; add "Version": "2012-10-17" so that '
             "policy variables such as ${aws:username} are substituted.", "")
    elif ctx.raw["Version"] == "2008-10-17":
        sink("OLD_VERSION", 'Version 2008-10-17 does not substitute policy variables; use '
             '"2012-10-17".', "Version")


def check_statements(ctx: PolicyContext, sink: Sink) -> None:
    """The per-statement checks, then those across statements."""
    for sc in ctx.statements:
        _check_actions(ctx, sc, sink)
        _check_placeholders(sc, sink)
        _check_not_elements(sc, sink)
        _check_star_grants(sc, sink)
        _check_resources(ctx, sc, sink)
        _check_redundant_elements(ctx, sc, sink)
    _check_redundant_statements(ctx, sink)
    _check_regions(ctx, sink)


# --------------------------------------------------------------------------------- actions


def _check_actions(ctx: PolicyContext, sc: StatementContext, sink: Sink) -> None:
    catalog = ctx.catalog
    allow = sc.stmt.effect is Effect.ALLOW
    for key, values in (("Action", sc.stmt.action), ("NotAction", sc.stmt.not_action)):
        granted = allow and key == "Action"
        for i, action in enumerate(values or ()):
            for code, message in action_issues(catalog, action, granted):
                sink(code, message, sc.element_path(key, i))


@functools.lru_cache(maxsize=16384)
def action_issues(catalog: Catalog, action: str, granted: bool) -> tuple[tuple[str, str], ...]:
    """``(code, message)`` for what is wrong with one action pattern; ``granted`` when it is in
    the Action element of an Allow (where wildcards widen access). Depends only on its
    arguments, so it is computed once per pattern."""
    if action in _FULL:
        if granted:
            return (("ACTION_WILDCARD_ALL", f'"{action}" allows every action of every service.'),)
        return ()
    if action_prefix_error(action) is not None:
        return ()  # IAM refuses it: lint.py reports that, with the "did you mean"
    prefix, _, name = action.partition(":")
    out: list[tuple[str, str]] = []
    if is_wild(prefix):
        if granted:
            out.append(("WILDCARD_IN_SERVICE_NAME", f'"{action}" has a wildcard for its service: '
                        "it names that action in every service, future ones too."))
        if not catalog.expand(action):
            out.append(("NO_MATCHING_ACTION", f'"{action}" matches no action.'))
    elif not catalog.has_service(prefix):
        out.append(_unknown(catalog, action, "UNKNOWN_SERVICE"))
    elif name == "*":
        if granted:
            out.append(("ACTION_WILDCARD_SERVICE", f'"{action}" allows every action of {prefix}, '
                        "including those AWS adds later."))
    elif is_wild(name):
        if not catalog.expand(action):
            out.append(("NO_MATCHING_ACTION", f'"{action}" matches no action of {prefix}.'))
    elif catalog.action(action) is None:
        out.append(_unknown(catalog, action, "UNKNOWN_ACTION"))
    return tuple(out)


def _unknown(catalog: Catalog, action: str, code: str) -> tuple[str, str]:
    suggestion = suggest_action(catalog, action)
    hint = f" Did you mean {suggestion}?" if suggestion else ""
    if code == "UNKNOWN_SERVICE":
        prefix = action.split(":", 1)[0]
        return code, f'The service "{prefix}" of "{action}" does not exist.{hint}'
    return code, f'The action "{action}" does not exist.{hint}'


# ----------------------------------------------------------------------------- suggestions
#
# Most unknown actions are one typing mistake away from a real one (a letter wrong, missing,
# doubled or two letters swapped). Those are found through an index of every name with one
# letter deleted (two names one edit apart share such a variant), which costs a few dictionary
# look-ups; only what that misses goes to the catalog's ``suggest`` (difflib over all names,
# a thousand times slower).


def suggest_action(catalog: Catalog, action: str) -> str | None:
    """A real ``service:Action`` close to ``action`` (or a service prefix), or None."""
    prefix, sep, name = action.partition(":")
    if sep and not is_wild(action) and len(action) <= 128:
        lower_prefix, lower_name = prefix.lower(), name.lower()
        if catalog.has_service(lower_prefix):
            hit = _one_edit_from(_action_variants(catalog, lower_prefix), lower_name)
            if hit is not None:
                return f"{lower_prefix}:{hit}"
        else:
            for service in sorted(_one_edit_all(_service_variants(catalog), lower_prefix)):
                info = catalog.action(f"{service}:{name}")
                if info is not None:
                    return info.full_name
    return catalog.suggest(action)


_Variants = dict[str, tuple[str, ...]]


def _deletions(word: str) -> set[str]:
    return {word} | {word[:i] + word[i + 1:] for i in range(len(word))}


def _variant_index(names: Iterable[str]) -> _Variants:
    index: dict[str, list[str]] = {}
    for name in names:
        for variant in _deletions(name.lower()):
            index.setdefault(variant, []).append(name)
    return {key: tuple(values) for key, values in index.items()}


@functools.lru_cache(maxsize=512)
def _action_variants(catalog: Catalog, prefix: str) -> _Variants:
    service = catalog.service(prefix)
    return _variant_index(service.actions if service is not None else ())


@functools.lru_cache(maxsize=8)
def _service_variants(catalog: Catalog) -> _Variants:
    return _variant_index(catalog.services)


def _one_edit(a: str, b: str) -> bool:
    """Whether ``b`` is ``a`` with one letter changed, added, removed, or two adjacent swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i]
        return a[i + 1:] == b[i + 1:] or (swapped and a[i + 2:] == b[i + 2:])
    return a[i + 1:] == b[i:] if len(a) > len(b) else a[i:] == b[i + 1:]


def _one_edit_all(index: _Variants, word: str) -> set[str]:
    found: set[str] = set()
    for variant in _deletions(word):
        for name in index.get(variant, ()):
            if _one_edit(word, name.lower()):
                found.add(name)
    return found


def _one_edit_from(index: _Variants, word: str) -> str | None:
    found = _one_edit_all(index, word)
    return min(found) if found else None


# ---------------------------------------------------------------------------- placeholders


_PHRASES: Final = re.compile(
    r"(?<![\w-])resource-ARNs?(?![\w-])"
    r"|\byour[\s_-]+[A-Za-z]+(?:[\s_-]+(?:ID|ARN|name)\b)?"
    r"|amzn-s3-demo-[A-Za-z0-9-]*"
    r"|\bARNs?\s+(?:for|of)\b.*"
    r"|\btarget[\s_-]+region\b"
    r"|<[^<>]+>",
    re.IGNORECASE,
)
_TEMPLATE: Final = re.compile(r"\$\{([^}]*)\}")
_POLICY_VARIABLE: Final = re.compile(r"^\s*[A-Za-z0-9._-]+:[^:\s,][^,]*?\s*(?:,\s*'[^']*'\s*)?$")
_ACCOUNT_OK: Final = re.compile(r"^(?:\d{12}|aws|[\d*?]*)$")


def find_placeholder(text: str) -> str | None:
    """The first placeholder text in ``text`` (from a documentation template), or None."""
    found = find_placeholders(text)
    return found[0] if found else None


@functools.lru_cache(maxsize=16384)
def find_placeholders(text: str) -> tuple[str, ...]:
    """Every placeholder text in ``text``, in order of appearance.

    Phrases such as ``resource-ARNs``, ``your account ID``, ``ARN for …``; ``<name>``; a
    ``${Name}`` that is not a policy variable (variables are ``${vendor:key}``, ``${*}``,
    ``${?}``, ``${$}``); and in an ARN an account that is not a number or a region that is not
    written like one (regions are lower case, without spaces).
    """
    spans = [(m.start(), m.end(), m.group().strip()) for m in _PHRASES.finditer(text)]
    for t in _TEMPLATE.finditer(text):
        inner = t.group(1)
        if inner not in ("*", "?", "$") and not _POLICY_VARIABLE.match(inner):
            spans.append((t.start(), t.end(), t.group()))
    if text.startswith("arn:"):
        parts = text.split(":", 5)
        if len(parts) == 6:
            region, account = parts[3], parts[4]
            at = len(":".join(parts[:3])) + 1
            fields = ((at, region, region != region.lower() or " " in region),
                      (at + len(region) + 1, account, not _ACCOUNT_OK.match(account)))
            for start, value, bad in fields:
                covered = any(a < start + len(value) and start < b for a, b, _ in spans)
                if bad and "${" not in value and not covered:
                    spans.append((start, start + len(value), value))
    return tuple(found for _, _, found in sorted(spans))


def placeholder_message(text: str, found: Sequence[str], what: str) -> str:
    """The message of a ``PLACEHOLDER`` finding: ``what`` names the element (``"Resource "``)."""
    names = ", ".join(f'"{f}"' for f in found)
    plural = "s" if len(found) > 1 else ""
    return f'{what}"{text}" holds the placeholder{plural} {names}: replace {"them" if plural else "it"} ' \
        "with the real value" + ("s." if plural else ".")


def _placeholder(text: str, what: str, path: str, sink: Sink) -> None:
    found = find_placeholders(text)
    if found:
        sink("PLACEHOLDER", placeholder_message(text, found, what), path)


def _check_placeholders(sc: StatementContext, sink: Sink) -> None:
    stmt = sc.stmt
    for key, values in (("Resource", stmt.resource), ("NotResource", stmt.not_resource)):
        for i, resource in enumerate(values or ()):
            if resource_format_error(resource) is None:  # else reported with IAM's error
                _placeholder(resource, f"{key} ", sc.element_path(key, i), sink)
    for key, principal in (("Principal", stmt.principal), ("NotPrincipal", stmt.not_principal)):
        if principal is None:
            continue
        for kind, ident in principal.entries:
            _placeholder(ident, f"{key} ", f"{stmt.path}.{key}.{kind}", sink)
    for condition in stmt.conditions:
        _placeholder(condition.key, "Condition key ", condition.path, sink)
        for value in condition.values:
            if isinstance(value, str):
                _placeholder(value, "Condition value ", condition.path, sink)


# ------------------------------------------------------------------- Not… and star grants


def _check_not_elements(sc: StatementContext, sink: Sink) -> None:
    stmt = sc.stmt
    if stmt.effect is not Effect.ALLOW:
        return
    if stmt.not_action is not None and "*" not in stmt.not_action:
        sink("ALLOW_WITH_NOT_ACTION", "Allow with NotAction allows every action except those "
             "listed, including actions AWS adds later.", f"{stmt.path}.NotAction")
    if stmt.not_resource is not None and "*" not in stmt.not_resource:
        sink("ALLOW_WITH_NOT_RESOURCE", "Allow with NotResource allows the actions on every "
             "resource except those listed.", f"{stmt.path}.NotResource")
    if stmt.not_principal is not None:
        sink("ALLOW_WITH_NOT_PRINCIPAL", "Allow with NotPrincipal allows everyone except the "
             "listed principals, anonymous callers included; use Principal.",
             f"{stmt.path}.NotPrincipal")


def granting_path(sc: StatementContext, action: str) -> str | None:
    """The path of the element through which the statement matches ``action`` (not counting a
    bare ``*``, which has a finding of its own), or None."""
    stmt = sc.stmt
    if stmt.action is not None:
        i = sc.first_match(action)
        return sc.element_path("Action", i) if i is not None else None
    if stmt.not_action is not None and not sc.full_action and sc.first_match(action) is None:
        return f"{stmt.path}.NotAction"
    return None


def _every_role(resource: str) -> bool:
    if resource == "*":
        return True
    arn = parse_arn(resource)
    if arn is None or arn.service not in ("iam", "*"):
        return False
    rest = arn.resource[5:] if arn.resource.startswith("role/") else arn.resource
    return rest == "*"


def _check_star_grants(sc: StatementContext, sink: Sink) -> None:
    stmt = sc.stmt
    if stmt.effect is not Effect.ALLOW:
        return
    broad = stmt.not_resource is not None or any(_every_role(r) for r in stmt.resource or ())
    if not broad:
        return
    keys = {c.key.lower() for c in stmt.conditions}
    path = granting_path(sc, "iam:PassRole")
    if path is not None and "iam:passedtoservice" not in keys:
        sink("PASS_ROLE_STAR", "iam:PassRole on every role lets the principal pass any role to any "
             "service, and act with that role's permissions; name the roles or add an "
             "iam:PassedToService condition.", path)
    path = granting_path(sc, "sts:AssumeRole")
    if path is not None and not keys:
        sink("ASSUME_ROLE_STAR", "sts:AssumeRole on every role lets the principal assume any role "
             "whose trust policy trusts this account; name the roles it needs.", path)


# ------------------------------------------------------------------------------ resources


@functools.lru_cache(maxsize=16384)
def _usable_resource(resource: str) -> bool:
    """A resource whose form lint can reason about: not ``*``, well formed, no placeholder."""
    return (
        resource != "*"
        and resource_format_error(resource) is None
        and find_placeholder(resource) is None
    )


def _check_resources(ctx: PolicyContext, sc: StatementContext, sink: Sink) -> None:
    stmt = sc.stmt
    if stmt.resource is None or stmt.action is None:
        return
    catalog = ctx.catalog
    specific = "*" not in stmt.resource
    resolved: list[tuple[str, tuple[ActionInfo, ...]]] = []
    for i, pattern in enumerate(stmt.action):
        if pattern in _FULL:
            return  # every action: every resource matches some type, and ACTION_WILDCARD_ALL
        infos = resolve_action(catalog, pattern)
        if not infos:
            continue
        if specific and not pattern.endswith(":*"):
            _check_requires_star(sc, pattern, infos, i, sink)
        resolved.append((pattern, infos))
    if stmt.effect is Effect.ALLOW and not stmt.conditions:
        if not specific:
            _check_star_writes(resolved, f"{stmt.path}.Resource", '"*"', None, sink)
            return
        for i, resource in enumerate(stmt.resource):
            service = _every_resource_of(resource)
            if service is not None:
                _check_star_writes(resolved, sc.element_path("Resource", i),
                                   f'"{resource}", every resource of {service},', service, sink)
    if not specific:
        return
    usable = [(i, r) for i, r in enumerate(stmt.resource) if _usable_resource(r)]
    if not usable:
        return
    types: dict[str, set[str]] = {}
    for _, infos in resolved:
        for info in infos:
            if info.resource_types:
                types.setdefault(info.service, set()).update(
                    name.lower() for name, _ in info.resource_types
                )
    if not types:
        return
    for i, resource in usable:
        if _matches_some_type(catalog, resource, types):
            continue
        needs = [
            f"{info.full_name}: {', '.join(n for n, _ in info.resource_types)}"
            for pattern, infos in resolved if not is_wild(pattern)
            for info in infos if info.resource_types
        ]
        detail = f" ({'; '.join(needs[:3])}{'; …' if len(needs) > 3 else ''})" if needs else ""
        sink("RESOURCE_MISMATCH", f'"{resource}" matches no resource type of this statement\'s '
             f"actions{detail}, so it grants or denies nothing.", sc.element_path("Resource", i))


def _check_requires_star(
    sc: StatementContext, pattern: str, infos: Sequence[ActionInfo], index: int, sink: Sink
) -> None:
    """ACTION_REQUIRES_STAR: actions without resource-level permissions named with specific
    resources. ``service:*`` is left alone (it means "whatever acts on these resources"), and so
    is a pattern of which fewer than half the actions need ``*``: ``s3:Get*`` on objects is
    meant for the object reads, not for ``s3:GetAccessPoint``; ``ec2:Describe*`` or
    ``apprunner:List*`` are mostly actions that need ``*``."""
    only_star = [info.full_name for info in infos if not info.resource_types]
    if not only_star or (is_wild(pattern) and 2 * len(only_star) < len(infos)):
        return
    effect = "allows" if sc.stmt.effect is Effect.ALLOW else "denies"
    path = sc.element_path("Action", index)
    if not is_wild(pattern):
        sink("ACTION_REQUIRES_STAR", f'{only_star[0]} supports only "Resource": "*"; this '
             f"statement names specific resources, so it never {effect} it.", path)
        return
    listed = ", ".join(only_star[:4]) + (", …" if len(only_star) > 4 else "")
    sink("ACTION_REQUIRES_STAR", f'"{pattern}" includes {len(only_star)} action(s) that support '
         f'only "Resource": "*" ({listed}); this statement names specific resources, so it '
         f"never {effect} them.", path)


def _check_star_writes(
    resolved: Sequence[tuple[str, tuple[ActionInfo, ...]]], path: str, where: str,
    service: str | None, sink: Sink,
) -> None:
    """RESOURCE_STAR_WRITE for the write actions (of ``service``, or of any service for None)
    that act on specific resources but are granted on every resource, ``where``."""
    writes = [
        pattern for pattern, infos in resolved
        if not pattern.endswith(":*") and pattern.lower() not in _OWN_STAR_CHECK
        and any(info.resource_types and info.access_level in _WRITE_LEVELS
                and (service is None or info.service == service) for info in infos)
    ]
    if writes:
        one = len(writes) == 1
        sink("RESOURCE_STAR_WRITE", f'{", ".join(writes)} {"is" if one else "are"} granted on '
             f'{where} but {"acts" if one else "act"} on specific resources; name the resources '
             f'{"it needs" if one else "they need"}.', path)


def _every_resource_of(resource: str) -> str | None:
    """The service of an ARN that names every resource of it in every region and account
    (``arn:aws:codecommit:*:*:*``), else None. A service written with wildcards is not one."""
    arn = parse_arn(resource)
    if arn is None or is_wild(arn.service) or not arn.service:
        return None
    open_fields = arn.region in ("", "*") and arn.account in ("", "*")
    if not open_fields or not arn.resource or arn.resource.strip("*"):
        return None
    return arn.service.lower()


def _matches_some_type(catalog: Catalog, resource: str, types: dict[str, set[str]]) -> bool:
    """Whether the resource could be of a type the statement's actions act on. Every service of
    the actions is asked, whatever service the ARN names: a type's ARN may belong to another
    service (``sts:AssumeRole`` acts on ``role``, ``arn:aws:iam::…:role/…``); a service is only
    asked when one of those types has an ARN of the resource's service. A qualified form of an
    accepted type counts as that type (``function:f:1`` where ``function`` is accepted)."""
    arn = parse_arn(resource)
    service = arn.service.lower() if arn is not None else "*"
    for svc, names in types.items():
        if not is_wild(service) and service not in _arn_services(catalog, svc, frozenset(names)):
            continue
        for found in catalog.resource_types_for_arn(svc, resource):
            if found.name.lower() in names or catalog.qualified_base(svc, found.name) in names:
                return True
    return False


@functools.lru_cache(maxsize=4096)
def _arn_services(catalog: Catalog, service: str, names: frozenset[str]) -> frozenset[str]:
    """The services named in the ARN formats of the resource types ``names`` of ``service``."""
    out: set[str] = set()
    for name in names:
        info = catalog.resource_type(service, name)
        for template in info.arn_formats if info is not None else ():
            parts = template.split(":")
            out.add(parts[2].lower() if len(parts) > 2 else "")
    return frozenset(out)


# ----------------------------------------------------------------------------- redundancy


def _action_covers(catalog: Catalog, wider: str, narrower: str) -> bool:
    """Whether every action ``narrower`` names is also named by ``wider``."""
    if wider.lower() == narrower.lower() or wider in _FULL:
        return True
    if not is_wild(wider):
        return False
    if not is_wild(narrower):
        return matches_action(wider, narrower)
    mine = catalog.expand(narrower)
    return bool(mine) and set(mine) <= set(catalog.expand(wider))


def _resource_covers(wider: str, narrower: str) -> bool:
    """Whether ``wider`` matches every resource ``narrower`` names (``narrower``'s stars are
    absorbed by ``wider``'s stars; a ``?`` in ``wider`` only covers a duplicate)."""
    if wider == narrower or wider == "*":
        return True
    if not is_wild(wider) or "?" in wider:
        return False
    return matches_resource(wider, narrower)


def _valid_action(catalog: Catalog, action: str) -> bool:
    return action in _FULL or bool(resolve_action(catalog, action))


def _redundant(
    items: Sequence[str], covers: Callable[[str, str], bool], key: Callable[[str], str]
) -> dict[int, int]:
    """``{index: index of the element that covers it}``: a later duplicate is covered by the
    first occurrence; otherwise only a wildcard covers, and of two wildcards that cover each
    other only the later is reported."""
    first: dict[str, int] = {}
    for n, item in enumerate(items):
        first.setdefault(key(item), n)
    wild = [n for n, item in enumerate(items) if is_wild(item)]
    out: dict[int, int] = {}
    for i in range(len(items) - 1, -1, -1):
        f = first[key(items[i])]
        if f != i:
            out[i] = f
            continue
        for j in wild:
            if j != i and j not in out and covers(items[j], items[i]):
                out[i] = j
                break
    return out


def _same(text: str) -> str:
    return text


def _check_redundant_elements(ctx: PolicyContext, sc: StatementContext, sink: Sink) -> None:
    catalog = ctx.catalog
    stmt = sc.stmt
    for key, values in (("Action", stmt.action), ("NotAction", stmt.not_action)):
        if not values or (
            not sc.wild_actions and not sc.full_action and len(sc.literal_actions) == len(values)
        ):
            continue  # no wildcard and no duplicate: nothing can be redundant
        all_actions = list(values)
        where = [n for n, a in enumerate(all_actions) if _valid_action(catalog, a)]
        actions = [all_actions[n] for n in where]
        if len(actions) < 2:
            continue
        covers = functools.partial(_action_covers, catalog)
        for i, j in sorted(_redundant(actions, covers, str.lower).items()):
            what = "duplicates" if actions[i].lower() == actions[j].lower() else "is covered by"
            sink("REDUNDANT_ACTION", f'"{actions[i]}" {what} "{actions[j]}" in this statement.',
                 sc.element_path(key, where[i]))
    for key, values in (("Resource", stmt.resource), ("NotResource", stmt.not_resource)):
        if not values or (not any(is_wild(r) for r in values) and len(set(values)) == len(values)):
            continue
        all_values = list(values)
        positions = [n for n, r in enumerate(all_values) if r == "*" or _usable_resource(r)]
        resources = [all_values[n] for n in positions]
        if len(resources) < 2:
            continue
        for i, j in sorted(_redundant(resources, _resource_covers, _same).items()):
            what = "duplicates" if resources[i] == resources[j] else "is covered by"
            sink("REDUNDANT_RESOURCE", f'"{resources[i]}" {what} "{resources[j]}" in this '
                 "statement.", sc.element_path(key, positions[i]))


def _signature(sc: StatementContext) -> tuple[object, ...]:
    """What two statements must share for one to cover the other: effect, principals, and the
    presence of Action, Resource and NotResource."""
    stmt = sc.stmt
    principals = tuple(
        None if p is None else (p.wildcard, tuple(sorted(p.entries)))
        for p in (stmt.principal, stmt.not_principal)
    )
    return (stmt.effect, principals, stmt.action is None, stmt.resource is None,
            stmt.not_resource is None)


def _conditions_of(sc: StatementContext) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple(sorted(
        (c.operator, c.key.lower(), tuple(sorted(str(v) for v in c.values)))
        for c in sc.stmt.conditions
    ))


def _statement_covers(catalog: Catalog, a: StatementContext, b: StatementContext) -> bool:
    """Whether statement ``a`` applies to every request statement ``b`` applies to (both with
    the same signature, so the same effect): then ``b`` adds nothing."""
    sa, sb = a.stmt, b.stmt
    if sa.action is None or sb.action is None or sa.not_resource is not None:
        return False
    if sa.conditions and _conditions_of(a) != _conditions_of(b):
        return False
    if not a.full_action and not a.wild_actions:
        if b.full_action or b.wild_actions or not b.literal_actions.keys() <= a.literal_actions.keys():
            return False
    elif not a.full_action:
        for y in sb.action:
            if y.lower() in a.literal_actions:
                continue
            if not any(_action_covers(catalog, x, y) for _, x in a.wild_actions):
                return False
    return all(
        any(x == y or (_usable_resource(y) and _resource_covers(x, y)) for x in sa.resource or ())
        for y in sb.resource or ()
    )


def _check_redundant_statements(ctx: PolicyContext, sink: Sink) -> None:
    groups: dict[tuple[object, ...], list[StatementContext]] = {}
    for sc in ctx.statements:
        groups.setdefault(_signature(sc), []).append(sc)
    for group in groups.values():
        redundant: set[int] = set()
        for i in range(len(group) - 1, -1, -1):
            for j in range(len(group)):
                if j == i or j in redundant or not _statement_covers(ctx.catalog, group[j], group[i]):
                    continue
                redundant.add(i)
                other = group[j].stmt
                name = f'"{other.sid}"' if other.sid else f"number {other.index}"
                sink("REDUNDANT_STATEMENT", f"Statement {name} already allows or denies everything "
                     "this statement does.", group[i].stmt.path)
                break


# --------------------------------------------------------------------------------- regions


def _check_regions(ctx: PolicyContext, sink: Sink) -> None:
    """INCONSISTENT_REGION: a pattern ARN (``…:us-east-1:*:secret:a2c/*``) fixed to one region
    in a policy whose other ARNs leave the region open. An ARN without wildcards after its region
    names one existing resource (a KMS key, a queue), which lives in one region: not flagged."""
    pinned: list[tuple[str, str, str]] = []  # (resource, region, path)
    open_region = False
    for sc in ctx.statements:
        for i, resource in enumerate(sc.stmt.resource or ()):
            if not _usable_resource(resource):
                continue
            arn = parse_arn(resource)
            if arn is None or not arn.region:
                continue
            if arn.region == "*":
                open_region = True
            elif (not is_wild(arn.region) and "${" not in arn.region
                  and (is_wild(arn.account) or is_wild(arn.resource))):
                pinned.append((resource, arn.region, sc.element_path("Resource", i)))
    if not open_region:
        return
    for resource, region, path in pinned:
        sink("INCONSISTENT_REGION", f'"{resource}" is fixed to region {region} while other '
             'resources of this policy allow any region ("*"); is the region hard-coded?', path)
