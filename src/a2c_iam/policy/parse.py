"""From a document (JSON text or a mapping) to the immutable model of ``model.py``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .grammar import split_operator
from .kinds import PolicyKind
from .model import Condition, ConditionValue, Effect, Policy, Principal, Statement
from .validate import as_list, check_syntax, load_document, statements_of, validate_document


def parse_policy(
    document: str | bytes | Mapping[str, Any],
    kind: PolicyKind | str = PolicyKind.IDENTITY,
    *,
    quota: int | None = None,
    validate: bool = True,
) -> Policy:
    """The parsed policy; raises ``PolicyValidationError`` with IAM's text when IAM would refuse it.

    ``validate=False`` checks the grammar only (IAM's syntax pass): for documents that are
    evaluated, not stored, such as the inputs of a simulation.
    """
    if validate:
        raw = validate_document(document, PolicyKind(kind), quota=quota)
    else:
        raw, _ = load_document(document)
        check_syntax(raw)
    return build_policy(raw)


def build_policy(raw: Mapping[str, Any]) -> Policy:
    """The model of a document that passed the syntax pass."""
    statements = tuple(
        _statement(i, path, stmt) for i, (path, stmt) in enumerate(statements_of(raw))
    )
    return Policy(version=raw.get("Version"), id=raw.get("Id"), statements=statements)


def _strings(stmt: Mapping[str, Any], key: str) -> tuple[str, ...] | None:
    if key not in stmt:
        return None
    return tuple(as_list(stmt[key]))


def _principal(value: Any) -> Principal | None:
    if value is None:
        return None
    if value == "*":
        return Principal(wildcard=True, entries=())
    entries = tuple((kind, ident) for kind, ids in value.items() for ident in as_list(ids))
    return Principal(wildcard=False, entries=entries)


def _conditions(block: Mapping[str, Any], path: str) -> tuple[Condition, ...]:
    out: list[Condition] = []
    for operator, pairs in block.items():
        parts = split_operator(operator)
        if parts is None:  # only an empty block can name an unknown operator
            continue
        set_op, base, if_exists = parts
        for key, values in pairs.items():
            vals: tuple[ConditionValue, ...] = tuple(as_list(values))
            out.append(
                Condition(operator, base, set_op, if_exists, key, vals, f"{path}.{operator}.{key}")
            )
    return tuple(out)


def _statement(index: int, path: str, stmt: Mapping[str, Any]) -> Statement:
    effect = Effect.ALLOW if stmt["Effect"].lower() == "allow" else Effect.DENY
    return Statement(
        index=index,
        sid=stmt.get("Sid"),
        effect=effect,
        action=_strings(stmt, "Action"),
        not_action=_strings(stmt, "NotAction"),
        resource=_strings(stmt, "Resource"),
        not_resource=_strings(stmt, "NotResource"),
        principal=_principal(stmt.get("Principal")),
        not_principal=_principal(stmt.get("NotPrincipal")),
        conditions=_conditions(stmt.get("Condition", {}), f"{path}.Condition"),
        path=path,
    )
